from django.urls import path

from filiform.consent import views, views_records

app_name = "consent"

urlpatterns = [
    path("c/<slug:clinic_slug>/consent/text/", views.templates, name="templates"),
    path(
        "c/<slug:clinic_slug>/consent/text/v<int:version>/", views.template_version, name="version"
    ),
    path(
        "c/<slug:clinic_slug>/patients/<int:patient_id>/consent/",
        views_records.patient_consent,
        name="patient",
    ),
    path(
        "c/<slug:clinic_slug>/patients/<int:patient_id>/consent/<int:record_id>/withdraw/",
        views_records.withdraw,
        name="withdraw",
    ),
]
