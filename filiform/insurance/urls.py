from django.urls import path

from filiform.insurance import views

app_name = "insurance"

C = "c/<slug:clinic_slug>/"

urlpatterns = [
    path(
        C + "patients/<int:patient_id>/insurance/",
        views.patient_policies,
        name="patient_policies",
    ),
    path(C + "insurance/policies/<int:policy_id>/", views.policy_change_page, name="policy_change"),
    path(C + "insurance/policies/<int:policy_id>/end/", views.policy_end_view, name="policy_end"),
    path(
        C + "insurance/policies/<int:policy_id>/usage/",
        views.usage_report_page,
        name="usage_report",
    ),
    path(
        C + "billing/invoices/<int:invoice_id>/estimate/",
        views.invoice_estimate,
        name="invoice_estimate",
    ),
]
