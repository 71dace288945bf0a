from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from filiform.clinics.access import Access, Permission
from filiform.clinics.decorators import clinic_page
from filiform.consent.models import ConsentTemplate
from filiform.consent.templates_service import (
    DEFAULT_BODY,
    DEFAULT_CHANGED_ON,
    consent_default_changed_since,
    consent_template_current,
    consent_template_new_version,
    consent_text_html,
)


class TemplateForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    body = forms.CharField(
        label=gettext_lazy("Text (Markdown: ## heading, - list, **bold**)"),
        widget=forms.Textarea(attrs={"rows": 24}),
        max_length=20000,
    )
    change_note = forms.CharField(label=gettext_lazy("What changed, and why"), max_length=300)


@clinic_page(Permission.CLINICAL_RECORD)
@require_http_methods(["GET", "POST"])
def templates(request: HttpRequest, access: Access) -> HttpResponse:
    current = consent_template_current(access=access)
    form = None
    if access.can(Permission.CLINIC_MANAGE):
        form = TemplateForm(
            request.POST or None, initial={"title": current.title, "body": current.body}
        )
        if request.method == "POST" and form.is_valid():
            if (
                form.cleaned_data["body"].strip() == current.body.strip()
                and form.cleaned_data["title"] == current.title
            ):
                form.add_error("body", _("The text is the same as the current version."))
            else:
                template = consent_template_new_version(access=access, **form.cleaned_data)
                messages.success(
                    request,
                    _(
                        "Version %(version)d saved. Consent given under earlier versions keeps its text."
                    )
                    % {"version": template.version},
                )
                return redirect("consent:templates", clinic_slug=access.clinic.slug)
    elif request.method == "POST":
        access.require(Permission.CLINIC_MANAGE)
    versions = ConsentTemplate.objects.of(access)
    return render(
        request,
        "consent/templates.html",
        {
            "current": current,
            "html": consent_text_html(current.body),
            "form": form,
            "versions": versions,
            "default_changed": consent_default_changed_since(current),
            "default_changed_on": DEFAULT_CHANGED_ON,
            "default_html": consent_text_html(DEFAULT_BODY),
        },
    )


@clinic_page(Permission.CLINICAL_RECORD)
def template_version(request: HttpRequest, access: Access, version: int) -> HttpResponse:
    template = ConsentTemplate.objects.of(access).filter(version=version).first()
    if template is None:
        raise Http404("No such version.")
    return render(
        request,
        "consent/version.html",
        {"template": template, "html": consent_text_html(template.body)},
    )
