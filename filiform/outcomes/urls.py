from django.urls import path

from filiform.outcomes import views_clinic, views_progress

app_name = "outcomes"

C = "c/<slug:clinic_slug>/"

urlpatterns = [
    # the owner's clinic outcomes (?format=csv downloads the episodes)
    path(C + "outcomes/", views_clinic.clinic_outcomes_page, name="clinic"),
    # a patient's progress per measure, and the progress report
    path(C + "patients/<int:patient_id>/progress/", views_progress.progress, name="progress"),
    path(
        C + "patients/<int:patient_id>/progress/report.pdf",
        views_progress.progress_report,
        name="progress_report",
    ),
]
