from django.urls import path

from filiform.aftercare import views

app_name = "aftercare"

C = "c/<slug:clinic_slug>/"

urlpatterns = [
    path(C + "alerts/<int:alert_id>/", views.alert_page, name="alert"),
    path(C + "visits/<int:visit_id>/aftercare/", views.advice, name="advice"),
    path(C + "aftercare/sheets/<int:sheet_id>/", views.sheet_show, name="sheet"),
    path(C + "aftercare/sheets/<int:sheet_id>/pdf/", views.sheet_pdf, name="sheet_pdf"),
    path(
        C + "aftercare/deliveries/<int:delivery_id>/handed-over/",
        views.handed_over,
        name="handed_over",
    ),
    path(C + "follow-up/", views.follow_up, name="follow_up"),
    path(C + "follow-up/<int:check_in_id>/call/", views.call_record, name="call"),
    path(C + "follow-up/<int:check_in_id>/answers/", views.phone_answers, name="phone_answers"),
    path(C + "settings/aftercare/", views.aftercare_settings, name="settings"),
    path(C + "patients/<int:patient_id>/links/", views.patient_links, name="patient_links"),
    path(C + "links/<int:link_id>/revoke/", views.link_revoke_view, name="link_revoke"),
]
