from django.urls import path

from filiform.notices import views

app_name = "notices"

urlpatterns = [
    path("c/<slug:clinic_slug>/safety-alerts/", views.alerts_page, name="alerts"),
    path("c/<slug:clinic_slug>/safety-alerts/<int:alert_id>/", views.alert_page, name="alert"),
    path(
        "c/<slug:clinic_slug>/safety-alerts/<int:alert_id>/again/",
        views.alert_send_again,
        name="send_again",
    ),
]
