"""Aftercare instructions: the clinic's versioned text (seeded with Filiform's default), the
clinician's advice and home exercises written on the draft visit, and the personalised sheet
issued when the visit is signed."""

from __future__ import annotations

import contextlib
import datetime as dt
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from filiform.aftercare.models import AftercareSheet, AftercareTemplate
from filiform.anatomy.catalogue import UnknownMuscle, muscle_get
from filiform.anatomy.regions import THORAX_CAUTIONS
from filiform.anatomy.segments import caution_at
from filiform.audit.services import AuditAction, audit_access
from filiform.charting.codes import VisitStatus
from filiform.charting.models import NeedlingSession
from filiform.charting.visits import visit_of_clinic
from filiform.clinics.access import Access, Permission, clinic_get
from filiform.clinics.text_versions import version_current, version_publish
from filiform.patient_text import patient_text_html

DEFAULT_TITLE = "After your dry needling treatment"
_HERE = Path(__file__).parent
DEFAULT_BODY = (_HERE / "default_aftercare.md").read_text(encoding="utf-8")
DEFAULT_THORAX_WARNING = (_HERE / "default_thorax_warning.md").read_text(encoding="utf-8")
MAX_TEXT = 20_000
MAX_ADVICE = 4_000
aftercare_html = patient_text_html


def _clean(value: Any, limit: int) -> str:
    return str(value or "").replace("\x00", "").strip()[:limit]


DEFAULT = {
    "title": DEFAULT_TITLE,
    "body": DEFAULT_BODY,
    "thorax_warning": DEFAULT_THORAX_WARNING,
    "change_note": "Filiform's default text",
}


def template_current_of_clinic(clinic_id: int) -> AftercareTemplate:
    """The clinic's current aftercare text, seeded with Filiform's default on first use."""
    return version_current(AftercareTemplate, clinic_id=clinic_id, default=DEFAULT)


def aftercare_template_current(*, access: Access) -> AftercareTemplate:
    access.require(Permission.PATIENT_VIEW)
    return template_current_of_clinic(access.membership.clinic_id)


def aftercare_templates(*, access: Access) -> list[AftercareTemplate]:
    access.require(Permission.PATIENT_VIEW)
    template_current_of_clinic(access.membership.clinic_id)
    return list(AftercareTemplate.objects.of(access))


def aftercare_template_new_version(
    *, access: Access, title: str, body: str, thorax_warning: str, change_note: str
) -> AftercareTemplate:
    """Save the clinic's text as the next version; sheets already issued keep theirs."""
    access.require(Permission.CLINIC_MANAGE)
    title, body = _clean(title, 200), _clean(body, MAX_TEXT)
    thorax_warning, change_note = _clean(thorax_warning, MAX_TEXT), _clean(change_note, 300)
    errors = {}
    if not title:
        errors["title"] = _("Give the sheet a title.")
    if not body:
        errors["body"] = _("Write what the patient should expect and what to do.")
    if not thorax_warning:
        errors["thorax_warning"] = _(
            "Keep a warning for needling near the chest: the signs of a collapsed lung and to seek emergency care."
        )
    if errors:
        raise ValidationError(errors)
    return version_publish(
        AftercareTemplate,
        access=access,
        fields={
            "title": title,
            "body": body + "\n",
            "thorax_warning": thorax_warning + "\n",
            "change_note": change_note,
        },
        default=DEFAULT,
        object_type="aftercare_template",
    )


@transaction.atomic
def aftercare_advice_save(
    *, access: Access, visit_id: int, advice: str, home_exercises: str
) -> AftercareSheet:
    """The clinician's advice and home exercises for the sheet, while the visit is a draft."""
    visit = visit_of_clinic(access=access, visit_id=visit_id, for_update=True)
    access.require(
        Permission.CLINICAL_RECORD,
        object_type="visit_aftercare",
        object_id=visit.pk,
        patient_id=visit.patient_id,
    )
    if visit.status != VisitStatus.DRAFT:
        raise ValidationError(
            _("The visit is signed and its aftercare sheet was issued; it can no longer change.")
        )
    sheet, _created = AftercareSheet.objects.of(access).update_or_create(
        visit=visit,
        defaults={
            "patient_id": visit.patient_id,
            "advice": _clean(advice, MAX_ADVICE),
            "home_exercises": _clean(home_exercises, MAX_ADVICE),
            "updated_at": timezone.now(),
            "updated_by": access.user,
        },
    )
    audit_access(
        access,
        action=AuditAction.UPDATE,
        object_type="aftercare_sheet",
        object_id=sheet.pk,
        patient_id=visit.patient_id,
        detail={"visit": visit.pk},
    )
    return sheet


def _muscle_label(slug: str, side: str, clinic_id: int) -> str:
    try:
        name = muscle_get(slug, clinic_id=clinic_id).name
    except UnknownMuscle:
        name = slug.replace("_", " ")
    side_label = {"left": _("left"), "right": _("right")}.get(side, "")
    return f"{name} ({side_label})" if side_label else name


def needled_muscles(session: NeedlingSession, clinic_id: int) -> tuple[list[str], bool]:
    """The muscles needled (labels, in charting order, each once) and whether any is over the
    chest wall at the level it was needled (lumbar multifidus at L4 is not; at T12 it is)."""
    labels: dict[str, None] = {}
    thorax = False
    for insertion in session.insertions.all():
        labels[_muscle_label(insertion.muscle, insertion.side, clinic_id)] = None
        with contextlib.suppress(UnknownMuscle):
            muscle = muscle_get(insertion.muscle, clinic_id=clinic_id)
            thorax = thorax or caution_at(muscle, insertion.level) in THORAX_CAUTIONS
    return list(labels), thorax


def sheet_content(
    *,
    sheet: AftercareSheet,
    session: NeedlingSession,
    template: AftercareTemplate,
    check_in_due: dt.datetime | None,
    check_in_by_email: bool,
) -> dict[str, Any]:
    """What the patient is given, frozen as plain JSON when the sheet is issued."""
    visit = sheet.visit
    clinic = visit.clinic
    muscles, thorax = needled_muscles(session, clinic.pk)
    with timezone.override(clinic.time_zone):
        return {
            "clinic": {"name": clinic.name, "phone": clinic.phone},
            "patient": visit.patient.display_name,
            "visit_date": timezone.localdate(visit.started_at).isoformat(),
            "practitioner": visit.practitioner.user.display_name,
            "muscles": muscles,
            "thorax_needled": thorax,
            "template": {
                "version": template.version,
                "title": template.title,
                "body": template.body,
                "thorax_warning": template.thorax_warning,
            },
            "advice": sheet.advice,
            "home_exercises": sheet.home_exercises,
            "check_in": None
            if check_in_due is None
            else {
                "due_at": timezone.localtime(check_in_due).isoformat(),
                "by": "email" if check_in_by_email else "phone",
            },
        }


def sheet_of_clinic(*, access: Access, sheet_id: int) -> AftercareSheet:
    """An issued or draft sheet of the acting clinic, for a clinician or the front desk (who
    hand it over in person; billing has no need of it); audited, and so is a refusal."""
    sheet = clinic_get(
        access,
        AftercareSheet.objects.of(access).select_related("visit", "patient", "clinic"),
        sheet_id,
        permission=Permission.PATIENT_EDIT,
    )
    audit_access(
        access,
        action=AuditAction.READ,
        object_type="aftercare_sheet",
        object_id=sheet.pk,
        patient_id=sheet.patient_id,
    )
    return sheet
