from django.urls import URLPattern

app_name = "billing_reports"

urlpatterns: list[URLPattern] = []
