from django.urls import path

from filiform.charting import views_records

app_name = "charting_records"

urlpatterns = [
    path(
        "c/<slug:clinic_slug>/visits/<int:visit_id>/note.pdf",
        views_records.visit_note,
        name="visit_note_pdf",
    ),
]
