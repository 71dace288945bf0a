from django.urls import path

from filiform.anatomy import views, views_safety

app_name = "anatomy"

urlpatterns = [
    path("c/<slug:clinic_slug>/anatomy/", views.chart, name="chart"),
    path("c/<slug:clinic_slug>/anatomy/find/", views.find, name="find"),
    path("c/<slug:clinic_slug>/anatomy/pain/", views.pain, name="pain"),
    path("c/<slug:clinic_slug>/anatomy/chart.pdf", views.printable, name="pdf"),
    path(
        "c/<slug:clinic_slug>/anatomy/depth-limits/",
        views_safety.depth_limits,
        name="depth_limits",
    ),
    path(
        "c/<slug:clinic_slug>/anatomy/depth-limits/<slug:muscle>/",
        views_safety.depth_limit_set,
        name="depth_limit_set",
    ),
]
