from django.urls import path

from filiform.charting import views, views_session, views_templates

app_name = "charting"

V = "c/<slug:clinic_slug>/visits/<int:visit_id>/"

urlpatterns = [
    path(
        "c/<slug:clinic_slug>/patients/<int:patient_id>/visits/new/",
        views.visit_new,
        name="visit_new",
    ),
    path(V, views.visit, name="visit"),
    path(V + "note/template/", views.note_from_template, name="note_template"),
    path(V + "plan/", views.plan, name="plan"),
    path(V + "sign/", views.sign, name="sign"),
    path(V + "addenda/", views.addendum, name="addendum"),
    path(V + "entered-in-error/", views.entered_in_error, name="entered_in_error"),
    path(V + "session/", views_session.start, name="session_start"),
    path(V + "session/insertions/", views_session.insertion, name="insertion_add"),
    path(V + "session/repeat/", views_session.repeat, name="repeat"),
    path(V + "session/favourites/", views_session.favourite_add, name="favourite_add"),
    path(
        V + "session/favourites/<int:favourite_id>/",
        views_session.favourite_use,
        name="favourite_use",
    ),
    path(V + "session/needles/", views_session.count, name="needles"),
    path(V + "session/incident/", views_session.incident, name="incident"),
    path(V + "session/points/", views_session.points, name="points"),
    path(V + "adverse-events/", views_session.adverse_event, name="adverse_event"),
    path("c/<slug:clinic_slug>/note-templates/", views_templates.templates, name="templates"),
    path(
        "c/<slug:clinic_slug>/note-templates/<int:template_id>/delete/",
        views_templates.template_delete,
        name="template_delete",
    ),
    path(
        "c/<slug:clinic_slug>/favourites/<int:favourite_id>/delete/",
        views_templates.favourite_delete,
        name="favourite_delete",
    ),
]
