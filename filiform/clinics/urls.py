from django.urls import path

from filiform.clinics import views

app_name = "clinics"

urlpatterns = [
    path("", views.home, name="home"),
    path("clinics/switch/", views.switch, name="switch"),
    path("c/<slug:clinic_slug>/", views.dashboard, name="dashboard"),
    path("c/<slug:clinic_slug>/settings/", views.settings_page, name="settings"),
    path(
        "c/<slug:clinic_slug>/settings/locations/<int:location_id>/",
        views.location_update,
        name="location_update",
    ),
    path("c/<slug:clinic_slug>/staff/", views.staff_page, name="staff"),
    path(
        "c/<slug:clinic_slug>/staff/<int:membership_id>/", views.staff_update, name="staff_update"
    ),
    path(
        "c/<slug:clinic_slug>/staff/<int:membership_id>/invitation/",
        views.staff_invitation_again,
        name="staff_invitation_again",
    ),
]
