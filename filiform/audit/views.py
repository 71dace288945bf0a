from __future__ import annotations

from django import forms
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from filiform.audit.models import AuditAction
from filiform.audit.selectors import audit_entries
from filiform.audit.subjects import patient_names
from filiform.clinics.access import Access, Permission
from filiform.clinics.decorators import clinic_page
from filiform.clinics.models import Membership


class ActivityFilterForm(forms.Form):
    user = forms.TypedChoiceField(label=_("Person"), required=False, coerce=int, empty_value=None)
    patient = forms.IntegerField(label=_("Patient number"), required=False, min_value=1)
    action = forms.ChoiceField(label=_("Action"), required=False)
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: object, access: Access, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        staff = Membership.objects.of(access).select_related("user")
        self.fields["user"].choices = [("", _("Anyone"))] + [  # type: ignore[attr-defined]
            (m.user_id, m.user.display_name) for m in staff
        ]
        self.fields["action"].choices = [("", _("Any action")), *AuditAction.choices]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", _("The end date is before the start date."))
        return data


@clinic_page(Permission.AUDIT_VIEW)
def user_activity(request: HttpRequest, access: Access) -> HttpResponse:
    form = ActivityFilterForm(request.GET or None, access=access)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    entries = audit_entries(
        access=access,
        user_id=filters.get("user"),
        patient_id=filters.get("patient"),
        action=filters.get("action") or "",
        date_from=filters.get("date_from"),
        date_to=filters.get("date_to"),
    )
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    # The names come from the patients app (audit/subjects.py): audit does not import it.
    names = patient_names(access, {e.patient_id for e in page.object_list if e.patient_id})
    for entry in page.object_list:
        entry.patient_name = names.get(entry.patient_id, "")
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/activity.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )
