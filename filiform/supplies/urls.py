from django.urls import path

from filiform.supplies import views

app_name = "supplies"

urlpatterns = [
    path("c/<slug:clinic_slug>/supplies/needles/", views.needles, name="needles"),
    path("c/<slug:clinic_slug>/supplies/lots/<int:lot_id>/recall/", views.recall, name="recall"),
    path(
        "c/<slug:clinic_slug>/supplies/lots/<int:lot_id>/recall-report/",
        views.recall_page,
        name="recall_report",
    ),
    path("c/<slug:clinic_slug>/supplies/sharps/", views.sharps, name="sharps"),
    path(
        "c/<slug:clinic_slug>/supplies/sharps/<int:container_id>/<slug:action>/",
        views.sharps_action,
        name="sharps_action",
    ),
    path("c/<slug:clinic_slug>/supplies/needle-sticks/", views.needlesticks, name="needlesticks"),
    path("c/<slug:clinic_slug>/reports/safety/", views.safety_report, name="safety_report"),
]
urlpatterns.append(
    path("c/<slug:clinic_slug>/supplies/needle-sticks/", views.needlesticks, name="needlesticks")
)
