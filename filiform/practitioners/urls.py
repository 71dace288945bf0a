from django.urls import path

from filiform.practitioners import views

app_name = "practitioners"

urlpatterns = [
    path(
        "c/<slug:clinic_slug>/staff/<int:membership_id>/credentials/",
        views.credentials,
        name="credentials",
    ),
    path(
        "c/<slug:clinic_slug>/staff/<int:membership_id>/credentials/certificates/<int:training_id>/",
        views.certificate,
        name="certificate",
    ),
]
