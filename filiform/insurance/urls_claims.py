from django.urls import path

from filiform.insurance import views_claims

app_name = "claims"

C = "c/<slug:clinic_slug>/"

urlpatterns = [
    # the work queue (?status=&insurer=) and the insurer connections (BILLING)
    path(C + "claims/", views_claims.queue, name="queue"),
    path(C + "claims/connections/", views_claims.connections_page, name="connections"),
    # one claim and its actions
    path(C + "claims/<int:claim_id>/", views_claims.detail, name="detail"),
    path(C + "claims/<int:claim_id>/submit/", views_claims.submit, name="submit"),
    path(C + "claims/<int:claim_id>/adjudication/", views_claims.adjudicate, name="adjudicate"),
    path(C + "claims/<int:claim_id>/close/", views_claims.close, name="close"),
    path(C + "claims/<int:claim_id>/resubmit/", views_claims.resubmit, name="resubmit"),
    # "Bill insurer" from an invoice
    path(
        C + "billing/invoices/<int:invoice_id>/claims/new/",
        views_claims.draft_for_invoice,
        name="draft_for_invoice",
    ),
]
