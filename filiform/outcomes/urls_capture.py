from django.urls import path

from filiform.outcomes import views_capture

app_name = "outcomes_capture"

C = "c/<slug:clinic_slug>/"

urlpatterns = [
    path(
        C + "visits/<int:visit_id>/measures/<str:instrument>/",
        views_capture.capture,
        name="capture",
    ),
    path(C + "patients/<int:patient_id>/measures/send/", views_capture.send, name="send"),
    path(C + "settings/outcome-texts/", views_capture.texts, name="texts"),
]
