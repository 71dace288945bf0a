from django.urls import path

from filiform.consent import views

app_name = "consent"

urlpatterns = [
    path("c/<slug:clinic_slug>/consent/text/", views.templates, name="templates"),
    path(
        "c/<slug:clinic_slug>/consent/text/v<int:version>/", views.template_version, name="version"
    ),
]
