from django.urls import path

from filiform.portal import views

app_name = "portal"

urlpatterns = [
    path("p/<str:token>/", views.open_link, name="open"),
    path("p/<str:token>/sheet.pdf", views.sheet_pdf, name="sheet_pdf"),
]
