from django.urls import path

from filiform.patients import views

app_name = "patients"

urlpatterns = [
    path("c/<slug:clinic_slug>/patients/", views.patient_list, name="list"),
    path("c/<slug:clinic_slug>/patients/new/", views.patient_new, name="new"),
    path("c/<slug:clinic_slug>/patients/<int:patient_id>/", views.patient_detail, name="detail"),
    path("c/<slug:clinic_slug>/patients/<int:patient_id>/edit/", views.patient_edit, name="edit"),
]
