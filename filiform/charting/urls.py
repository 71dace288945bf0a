from django.urls import path

from filiform.charting import views

app_name = "charting"

urlpatterns = [
    path("c/<slug:clinic_slug>/visits/<int:visit_id>/", views.visit, name="visit"),
]
