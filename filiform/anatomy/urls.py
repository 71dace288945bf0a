from django.urls import path

from filiform.anatomy import views

app_name = "anatomy"

urlpatterns = [
    path("c/<slug:clinic_slug>/anatomy/", views.chart, name="chart"),
    path("c/<slug:clinic_slug>/anatomy/find/", views.find, name="find"),
    path("c/<slug:clinic_slug>/anatomy/pain/", views.pain, name="pain"),
    path("c/<slug:clinic_slug>/anatomy/chart.pdf", views.printable, name="pdf"),
]
