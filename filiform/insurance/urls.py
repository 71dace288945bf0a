from django.urls import URLPattern

app_name = "insurance"

urlpatterns: list[URLPattern] = []
