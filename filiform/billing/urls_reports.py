from django.urls import path

from filiform.billing import views_reports

app_name = "billing_reports"

C = "c/<slug:clinic_slug>/billing/reports/"

urlpatterns = [
    # receivables aging, claims outstanding, revenue (?as_of=&start=&end=)
    path(C, views_reports.reports_page, name="reports"),
    # one table as CSV, same query: aging, aging-insurers, aging-patients, claims,
    # revenue-services, revenue-practitioners, revenue-monthly
    path(C + "<slug:table>.csv", views_reports.reports_csv, name="csv"),
]
