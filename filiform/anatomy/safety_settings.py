"""A clinic's own depth limits and caution levels (Settings → Depth limits).

The shipped values are defaults with sources (depth_limits.py, segments.py, the catalogue). A
clinic may change them, owners only, with a note saying why, and every change is audited:

- a depth limit marked as a judgement default may be set either way (1-90 mm); a limit derived
  from measurements may only be made stricter (lower), because loosening it would contradict
  the data it comes from;
- a blocked muscle (the intercostals) may be allowed, e.g. for ultrasound-guided needling;
- a muscle's caution level may be replaced (for example, a clinic that needles lumbar multifidus
  only at L4-S1 may keep it off the chest rules): the clearance then uses the clinic's level at
  every segment.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from filiform.anatomy.catalogue import Muscle, UnknownMuscle, muscle_get
from filiform.anatomy.depth_limits import ClinicDepth, DepthRule, depth_table, limit_of, rule_for
from filiform.anatomy.models import MuscleSafetyChoice
from filiform.anatomy.regions import Caution
from filiform.anatomy.segments import levels_of
from filiform.audit.services import AuditAction, audit_access
from filiform.clinics.access import Access, Permission

MIN_NOTE = 10  # characters: a reason a colleague could read


def clinic_depth_choices(clinic_id: int) -> dict[str, ClinicDepth]:
    """The clinic's depth choices by muscle slug (one query)."""
    return {
        row.muscle_slug: ClinicDepth(row.max_depth_mm, row.allow_blocked)
        for row in MuscleSafetyChoice.objects.of_clinic(clinic_id)
    }


def clinic_cautions(clinic_id: int) -> dict[str, Caution]:
    """The caution levels the clinic replaced, by muscle slug (one query)."""
    rows = MuscleSafetyChoice.objects.of_clinic(clinic_id).exclude(caution="")
    return {slug: Caution(c) for slug, c in rows.values_list("muscle_slug", "caution")}


@dataclass(frozen=True)
class SafetyRow:
    muscle: Muscle
    rule: DepthRule | None
    default_limit: Decimal | None
    limit: Decimal | None
    choice: MuscleSafetyChoice | None
    sources: list[str]

    @property
    def caution_label(self) -> str:
        return str(Caution(self.muscle.caution).label)


def muscle_safety_table(*, access: Access) -> list[SafetyRow]:
    """Every muscle with a depth rule or a clinic choice, with the default and the clinic's
    value. Not patient data: any member of the clinic may read it."""
    choices = {
        c.muscle_slug: c for c in MuscleSafetyChoice.objects.of(access).select_related("changed_by")
    }
    clinic_id = access.membership.clinic_id
    slugs = [r.muscle for r in depth_table().muscles] + [s for s in choices if s]
    rows = []
    for slug in dict.fromkeys(slugs):
        try:
            muscle = muscle_get(slug, clinic_id=clinic_id)
        except UnknownMuscle:
            continue
        rule = rule_for(muscle)
        choice = choices.get(slug)
        depth = ClinicDepth(choice.max_depth_mm, choice.allow_blocked) if choice else None
        table = depth_table().sources
        rows.append(
            SafetyRow(
                muscle,
                rule,
                limit_of(rule, None) if rule else None,
                limit_of(rule, depth) if rule else None,
                choice,
                [table.get(k, k) for k in rule.sources] if rule else [],
            )
        )
    return rows


def _depth(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        depth = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationError({"max_depth_mm": _("Give the depth in millimetres.")}) from None
    if not depth.is_finite() or not Decimal("1") <= depth <= Decimal("90"):
        raise ValidationError({"max_depth_mm": _("A depth limit is 1 to 90 mm.")})
    return depth.quantize(Decimal("0.1"))


@transaction.atomic
def muscle_safety_set(
    *,
    access: Access,
    muscle: str,
    max_depth_mm: Any = None,
    allow_blocked: bool = False,
    caution: str = "",
    note: str = "",
) -> MuscleSafetyChoice | None:
    """The clinic's own limit, permission or caution level for one muscle. Everything left at
    its default removes the clinic's choice (the muscle follows Filiform's default again)."""
    access.require(Permission.CLINIC_MANAGE)
    clinic_id = access.membership.clinic_id
    try:
        found = muscle_get(muscle, clinic_id=clinic_id)
    except UnknownMuscle:
        raise Http404("No such muscle in this clinic's catalogue.") from None
    rule = rule_for(found)
    depth = _depth(max_depth_mm)
    if caution and caution not in Caution.values:
        raise ValidationError({"caution": _("Choose one of the caution levels.")})
    if depth is not None:
        default = limit_of(rule, None) if rule else None
        if rule is None or default is None:
            raise ValidationError(
                {"max_depth_mm": _("%(m)s has no depth limit to change.") % {"m": found.name}}
            )
        if depth == default:
            depth = None
        elif not rule.judgement and depth > default:
            raise ValidationError(
                {
                    "max_depth_mm": _(
                        "%(m)s: the %(d)s mm limit comes from measurements; a clinic may make it stricter, not looser."
                    )
                    % {"m": found.name, "d": f"{default.normalize():f}"}
                }
            )
    if allow_blocked and not (rule and rule.blocked):
        raise ValidationError({"allow_blocked": _("%(m)s is not blocked.") % {"m": found.name}})
    if caution == found.caution and not levels_of(found.slug):
        caution = ""  # the catalogue's own level (a segmented muscle's zones make it a choice)
    note = note.replace("\x00", "").strip()
    current = MuscleSafetyChoice.objects.of(access).filter(muscle_slug=found.slug)
    before = current.values("max_depth_mm", "allow_blocked", "caution").first()
    if depth is None and not allow_blocked and not caution:
        current.delete()
        choice = None
    else:
        if len(note) < MIN_NOTE:
            raise ValidationError({"note": _("Say in a sentence why the clinic changes this.")})
        choice, _created = MuscleSafetyChoice.objects.of(access).update_or_create(
            muscle_slug=found.slug,
            defaults={
                "max_depth_mm": depth,
                "allow_blocked": allow_blocked,
                "caution": caution,
                "note": note[:300],
                "changed_by": access.user,
                "changed_at": timezone.now(),
            },
        )
    audit_access(
        access,
        action=AuditAction.UPDATE,
        object_type="muscle_safety",
        object_id=found.slug,
        detail={
            "before": {k: str(v) for k, v in (before or {}).items()},
            "max_depth_mm": str(depth) if depth is not None else None,
            "allow_blocked": allow_blocked,
            "caution": caution or None,
            "note": note[:300] if choice else "",
        },
    )
    return choice
