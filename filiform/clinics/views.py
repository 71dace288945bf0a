from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from filiform.accounts.middleware import ACTIVE_CLINIC
from filiform.audit.services import AuditAction, audit_access
from filiform.clinics.access import Access, Permission, access_for_request, memberships_of
from filiform.clinics.decorators import clinic_page
from filiform.clinics.forms import ClinicPolicyForm
from filiform.clinics.models import Clinic
from filiform.clinics.services import clinic_update


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Send a person to the clinic they last used, or let them choose."""
    memberships = memberships_of(request.user)  # type: ignore[arg-type]
    active = request.session.get(ACTIVE_CLINIC)
    for membership in memberships:
        if membership.clinic_id == active:
            return redirect("clinics:dashboard", clinic_slug=membership.clinic.slug)
    if len(memberships) == 1:
        return redirect("clinics:dashboard", clinic_slug=memberships[0].clinic.slug)
    return render(request, "clinics/choose.html", {"memberships": memberships})


@login_required
@require_POST
def switch(request: HttpRequest) -> HttpResponse:
    access = access_for_request(request, request.POST.get("clinic", ""))
    request.session[ACTIVE_CLINIC] = access.membership.clinic_id
    audit_access(
        access, action=AuditAction.CLINIC_SWITCH, object_type="clinic", object_id=access.clinic.pk
    )
    messages.info(request, _("You are now working in %(clinic)s.") % {"clinic": access.clinic.name})
    return redirect("clinics:dashboard", clinic_slug=access.clinic.slug)


@clinic_page()
def dashboard(request: HttpRequest, access: Access) -> HttpResponse:
    return render(request, "clinics/dashboard.html", {"clinic": access.clinic})


@clinic_page(Permission.CLINIC_MANAGE)
@require_http_methods(["GET", "POST"])
def settings_page(request: HttpRequest, access: Access) -> HttpResponse:
    clinic = Clinic.objects.get(pk=access.membership.clinic_id)
    form = ClinicPolicyForm(request.POST or None, instance=clinic)
    if request.method == "POST" and form.is_valid():
        clinic_update(access=access, form=form)
        messages.success(request, _("Clinic settings saved."))
        return redirect("clinics:settings", clinic_slug=clinic.slug)
    return render(request, "clinics/settings.html", {"form": form, "clinic": clinic})
