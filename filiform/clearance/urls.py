from django.urls import path

from filiform.clearance import views

app_name = "clearance"

urlpatterns = [
    path("c/<slug:clinic_slug>/patients/<int:patient_id>/clearance/", views.check, name="check"),
]
