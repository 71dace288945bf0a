from django.urls import path

from filiform.screening import views

app_name = "screening"

urlpatterns = [
    path(
        "c/<slug:clinic_slug>/patients/<int:patient_id>/screening/",
        views.screening_page,
        name="patient",
    ),
    path(
        "c/<slug:clinic_slug>/patients/<int:patient_id>/screening/medications-confirmed/",
        views.medications_confirmed,
        name="medications_confirmed",
    ),
    path("c/<slug:clinic_slug>/settings/screening-rules/", views.rules_page, name="rules"),
    path(
        "c/<slug:clinic_slug>/patients/<int:patient_id>/episodes/<int:episode_id>/end/",
        views.episode_close,
        name="episode_end",
    ),
]
