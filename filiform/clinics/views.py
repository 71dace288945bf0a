from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from filiform.accounts.middleware import ACTIVE_CLINIC
from filiform.audit.services import AuditAction, audit_access
from filiform.clinics.access import Access, Permission, access_for_request, memberships_of
from filiform.clinics.cards import cards_context
from filiform.clinics.decorators import clinic_page
from filiform.clinics.forms import ClinicPolicyForm, LocationForm, StaffInviteForm
from filiform.clinics.invitations import invitation_send_again, invitations_of
from filiform.clinics.models import Clinic, Membership, Role
from filiform.clinics.services import clinic_update, location_add, location_set_active
from filiform.clinics.staff import staff_change_role, staff_invite, staff_set_active


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
    # The other apps' cards (charting, aftercare, notices) come from the registry: clinics is
    # the platform layer and imports none of them (clinics/cards.py).
    return render(
        request,
        "clinics/dashboard.html",
        {"clinic": access.clinic, **cards_context("dashboard", access=access)},
    )


@clinic_page(Permission.CLINIC_MANAGE)
@require_http_methods(["GET", "POST"])
def settings_page(request: HttpRequest, access: Access) -> HttpResponse:
    clinic = Clinic.objects.get(pk=access.membership.clinic_id)
    adding_location = request.POST.get("form") == "location"
    form = ClinicPolicyForm(
        request.POST if request.method == "POST" and not adding_location else None, instance=clinic
    )
    location_form = LocationForm(
        request.POST if adding_location else None, clinic=clinic, prefix="location"
    )
    if request.method == "POST" and adding_location and location_form.is_valid():
        location = location_add(access=access, form=location_form)
        messages.success(request, _("Location “%(name)s” added.") % {"name": location.name})
        return redirect("clinics:settings", clinic_slug=clinic.slug)
    if request.method == "POST" and not adding_location and form.is_valid():
        clinic_update(access=access, form=form)
        messages.success(request, _("Clinic settings saved."))
        return redirect("clinics:settings", clinic_slug=clinic.slug)
    return render(
        request,
        "clinics/settings.html",
        {
            "form": form,
            "location_form": location_form,
            "clinic": clinic,
            "locations": clinic.locations.order_by("-is_active", "name"),
        },
    )


@clinic_page(Permission.CLINIC_MANAGE)
@require_POST
def location_update(request: HttpRequest, access: Access, location_id: int) -> HttpResponse:
    location = location_set_active(
        access=access, location_id=location_id, active=request.POST.get("active") == "1"
    )
    if location is None:
        messages.error(request, _("That location is not one of this clinic's."))
    else:
        messages.success(request, _("Location “%(name)s” updated.") % {"name": location.name})
    return redirect("clinics:settings", clinic_slug=access.clinic.slug)


@clinic_page(Permission.CLINIC_MANAGE)
@require_http_methods(["GET", "POST"])
def staff_page(request: HttpRequest, access: Access) -> HttpResponse:
    form = StaffInviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            membership = staff_invite(access=access, **form.cleaned_data)
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                form.add_error(field if field in form.fields else None, problems)
        else:
            messages.success(
                request,
                _("%(name)s added as %(role)s. An e-mail with a sign-in link is on its way.")
                % {"name": membership.user.display_name, "role": membership.get_role_display()},
            )
            return redirect("clinics:staff", clinic_slug=access.clinic.slug)
    staff = list(
        Membership.objects.of(access)
        .select_related("user")
        .order_by("-is_active", "user__last_name")
    )
    invitations = invitations_of(staff)
    for membership in staff:  # its latest invitation e-mail: whether it went, and if not, why
        membership.invitation = invitations.get(membership.pk)  # type: ignore[attr-defined]
    return render(
        request,
        "clinics/staff.html",
        {
            "form": form,
            "staff": staff,
            "roles": Role.choices,
        },
    )


@clinic_page(Permission.CLINIC_MANAGE)
@require_POST
def staff_update(request: HttpRequest, access: Access, membership_id: int) -> HttpResponse:
    try:
        if "role" in request.POST:
            staff_change_role(access=access, membership_id=membership_id, role=request.POST["role"])
        elif "active" in request.POST:
            staff_set_active(
                access=access, membership_id=membership_id, active=request.POST["active"] == "1"
            )
    except ValidationError as error:
        for problem in error.messages:
            messages.error(request, problem)
    else:
        messages.success(request, _("Staff list updated."))
    return redirect("clinics:staff", clinic_slug=access.clinic.slug)


@clinic_page(Permission.CLINIC_MANAGE)
@require_POST
def staff_invitation_again(
    request: HttpRequest, access: Access, membership_id: int
) -> HttpResponse:
    """E-mail a person's invitation again (its last e-mail failed or never arrived)."""
    try:
        message = invitation_send_again(access=access, membership_id=membership_id)
    except ValidationError as error:
        for problem in error.messages:
            messages.error(request, problem)
    else:
        messages.success(
            request,
            _("The invitation is being e-mailed again to %(email)s.")
            % {"email": ", ".join(message.to)},
        )
    return redirect("clinics:staff", clinic_slug=access.clinic.slug)
