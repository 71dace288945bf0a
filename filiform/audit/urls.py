from django.urls import path

from filiform.audit import views

app_name = "audit"

urlpatterns = [path("c/<slug:clinic_slug>/activity/", views.user_activity, name="activity")]
