from django.urls import path

from filiform.consent import views, views_records, views_remote

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
    path(
        "c/<slug:clinic_slug>/patients/<int:patient_id>/consent/<int:record_id>/pdf/",
        views_remote.download_pdf,
        name="pdf",
    ),
    path(
        "c/<slug:clinic_slug>/patients/<int:patient_id>/consent/link/",
        views_remote.send_link,
        name="send_link",
    ),
    path(
        "c/<slug:clinic_slug>/patients/<int:patient_id>/consent/link/<int:request_id>/cancel/",
        views_remote.cancel_link,
        name="cancel_link",
    ),
    path(
        "c/<slug:clinic_slug>/patients/<int:patient_id>/consent/link/<int:request_id>/again/",
        views_remote.send_link_again,
        name="send_link_again",
    ),
    path("consent/sign/<str:token>/", views_remote.sign, name="sign"),
]
