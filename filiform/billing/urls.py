from django.urls import path

from filiform.billing import views

app_name = "billing"

C = "c/<slug:clinic_slug>/"
INVOICE = C + "billing/invoices/<int:invoice_id>/"

urlpatterns = [
    path(C + "billing/", views.invoice_list, name="invoices"),
    path(INVOICE, views.invoice_show, name="invoice"),
    path(INVOICE + "pay/", views.pay, name="pay"),
    path(INVOICE + "credit/", views.credit, name="credit"),
    path(INVOICE + "write-off/", views.writeoff, name="write_off"),
    path(INVOICE + "void/", views.void, name="void"),
    path(INVOICE + "issue/", views.issue, name="issue"),
    path(INVOICE + "receipt.pdf", views.receipt, name="receipt_pdf"),
    path(C + "billing/payments/<int:payment_id>/refund/", views.refund, name="refund"),
    path(C + "visits/<int:visit_id>/invoice/", views.invoice_visit, name="invoice_visit"),
    path(C + "patients/<int:patient_id>/billing/", views.patient_invoices, name="patient"),
    path(C + "billing/fees/", views.fees, name="fees"),
    path(C + "billing/close/", views.close, name="close"),
]
