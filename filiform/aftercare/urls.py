from django.urls import path

from filiform.aftercare import views

app_name = "aftercare"

urlpatterns = [
    path("c/<slug:clinic_slug>/alerts/<int:alert_id>/", views.alert_page, name="alert"),
]
