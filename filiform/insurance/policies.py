"""A patient's insurance policies: add, change, end (never delete), and usage paid elsewhere.

Who: adding, changing and ending a policy is desk work (PATIENT_EDIT or BILLING, see
``billing.selectors.require_desk``); reporting usage paid elsewhere (another clinic, another
discipline under a combined maximum) changes what the plan will pay, so it needs BILLING.

Rules (refused with a message naming the field; the limits of each field are the policy terms'
spec, ``insurance/specs.py``, which the API's schemas derive from):
- group / policy number and member id are required (insurers reject claims without them);
- coinsurance is 0 to 100 %; amounts are dollars and cents (``billing.money.parse_amount``);
- a spouse's or dependant's birthday-year plan needs the plan member's name and date of birth
  (the benefit year runs from the member's birthday, not the patient's);
- one active primary and one active secondary per patient, and no secondary without a primary
  (coordination of benefits claims the primary first);
- coverage cannot end before it starts (a FHIR Period); an insurer that no longer takes claims
  is refused.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from pydantic import ValidationError as PydanticValidationError

from filiform.audit.services import AuditAction, audit_access
from filiform.billing.money import ZERO, parse_amount
from filiform.billing.selectors import checked_write, clinic_today, require_billing, require_desk
from filiform.clinics.access import Access
from filiform.fhir_types import Period
from filiform.insurance.coverage import PHYSIOTHERAPY
from filiform.insurance.models import (
    BenefitYear,
    CoverageUsage,
    Insurer,
    MaximumScope,
    Policy,
    Rank,
    Relationship,
    UsageSource,
)
from filiform.insurance.selectors import policy_of_clinic
from filiform.insurance.specs import (
    GROUP_NUMBER,
    MEMBER_ID,
    PLAN_NAME,
    PROGRESS_REPORT_VISITS,
    SUBSCRIBER_NAME,
    PolicyTermsChanges,
    PolicyTermsSpec,
)
from filiform.patients.selectors import patient_of_clinic
from filiform.typed_text import typed_text

MAX_PROGRESS_VISITS = PROGRESS_REPORT_VISITS[1]
COINSURANCE_MESSAGE = "Coinsurance is the share the plan pays: 0 to 100 %."

# What policy_change may change (everything but the patient).
CHANGEABLE = (
    "insurer_id",
    "rank",
    "plan_name",
    "group_number",
    "member_id",
    "relationship",
    "subscriber_name",
    "subscriber_birth_date",
    "effective_on",
    "ends_on",
    "annual_maximum",
    "maximum_scope",
    "per_visit_maximum",
    "coinsurance_percent",
    "deductible",
    "benefit_year",
    "referral_required",
    "referral_on_file_on",
    "progress_report_after",
)


def _audit(access: Access, action: AuditAction, policy: Policy, **detail: Any) -> None:
    audit_access(
        access,
        action=action,
        object_type="policy",
        object_id=policy.pk,
        patient_id=policy.patient_id,
        detail=detail or None,
    )


def _choice(value: Any, choices: Any, field: str, message: str) -> str:
    text = typed_text(value)
    if text not in {str(c) for c in choices.values}:
        raise ValidationError({field: message})
    return text


def _date(value: Any, field: str, *, required: bool) -> dt.date | None:
    if value is None or value == "":
        if required:
            raise ValidationError({field: _("Enter the date.")})
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ValidationError({field: _("Enter the date as YYYY-MM-DD.")}) from None


def _optional_amount(value: Any, field: str) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return parse_amount(value, field=field, allow_zero=True)


def parse_coinsurance(value: Any, field: str = "coinsurance_percent") -> Decimal:
    """The share the plan pays, in percent: 0 to 100, at most two decimals ("80", "82.5")."""
    message = _(COINSURANCE_MESSAGE)
    if isinstance(value, float | bool) or value is None:
        raise ValidationError({field: message})
    try:
        number = Decimal(str(value).strip().rstrip("%").strip())
    except InvalidOperation:
        raise ValidationError({field: message}) from None
    if not number.is_finite() or number < 0 or number > 100:
        raise ValidationError({field: message})
    if number != number.quantize(Decimal("0.01")):
        raise ValidationError({field: _("Coinsurance has at most two decimals, such as 82.5.")})
    return number.quantize(Decimal("0.01"))


def _visits(value: Any, field: str) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValidationError({field: _("Enter a number of visits.")})
    try:
        number = int(str(value).strip())
    except ValueError:
        raise ValidationError({field: _("Enter a number of visits.")}) from None
    if number < PROGRESS_REPORT_VISITS[0] or number > MAX_PROGRESS_VISITS:
        raise ValidationError(
            {field: _("Enter a number of visits from 1 to %(n)d.") % {"n": MAX_PROGRESS_VISITS}}
        )
    return number


def _insurer(value: Any, *, keep: int | None = None) -> Insurer:
    """An active insurer; an inactive one is accepted only if the policy already names it."""
    try:
        insurer_id = int(value)
    except (TypeError, ValueError):
        raise ValidationError({"insurer_id": _("Choose the insurer from the list.")}) from None
    insurer = Insurer.objects.filter(pk=insurer_id).first() if 0 < insurer_id < 2**62 else None
    if insurer is None:
        raise ValidationError({"insurer_id": _("Choose the insurer from the list.")})
    if not insurer.is_active and insurer.pk != keep:
        raise ValidationError(
            {
                "insurer_id": _("%(name)s no longer takes claims: choose another insurer.")
                % {"name": insurer.name}
            }
        )
    return insurer


def _clean(
    values: dict[str, Any], *, today: dt.date | None = None, keep_insurer: int | None = None
) -> dict[str, Any]:
    """Every field of a policy parsed and checked on its own and against the others. Raises
    one ValidationError holding every field's message."""
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}

    def take(name: str, parse: Any) -> None:
        try:
            cleaned[name] = parse()
        except ValidationError as error:
            for key, messages in error.message_dict.items():
                errors.setdefault(key, []).extend(messages)

    def text(name: str, limit: int, required_message: str | None = None) -> str:
        value = typed_text(values.get(name))
        if required_message and not value:
            raise ValidationError({name: required_message})
        if len(value) > limit:
            raise ValidationError({name: _("At most %(n)d characters.") % {"n": limit}})
        return value

    def rank() -> int:
        try:
            number = int(values.get("rank") or Rank.PRIMARY)
        except (TypeError, ValueError):
            number = 0
        if number not in Rank.values:
            raise ValidationError({"rank": _("Choose primary or secondary.")})
        return number

    take("insurer", lambda: _insurer(values.get("insurer_id"), keep=keep_insurer))
    take("rank", rank)
    take("plan_name", lambda: text("plan_name", PLAN_NAME))
    take(
        "group_number",
        lambda: text(
            "group_number",
            GROUP_NUMBER,
            _("Enter the group / policy number from the patient's card."),
        ),
    )
    take(
        "member_id",
        lambda: text("member_id", MEMBER_ID, _("Enter the member / certificate id from the card.")),
    )
    take(
        "relationship",
        lambda: _choice(
            values.get("relationship") or Relationship.SUBSCRIBER,
            Relationship,
            "relationship",
            _("Choose whether the patient is the plan member, a spouse or a dependant."),
        ),
    )
    take("subscriber_name", lambda: text("subscriber_name", SUBSCRIBER_NAME))
    take(
        "subscriber_birth_date",
        lambda: _date(values.get("subscriber_birth_date"), "subscriber_birth_date", required=False),
    )
    take("effective_on", lambda: _date(values.get("effective_on"), "effective_on", required=True))
    take("ends_on", lambda: _date(values.get("ends_on"), "ends_on", required=False))
    take("annual_maximum", lambda: _optional_amount(values.get("annual_maximum"), "annual_maximum"))
    take(
        "per_visit_maximum",
        lambda: _optional_amount(values.get("per_visit_maximum"), "per_visit_maximum"),
    )
    take(
        "deductible",
        lambda: _optional_amount(values.get("deductible"), "deductible") or ZERO,
    )
    take(
        "maximum_scope",
        lambda: _choice(
            values.get("maximum_scope") or MaximumScope.DISCIPLINE,
            MaximumScope,
            "maximum_scope",
            _("Choose whether the annual maximum is for physiotherapy only or combined."),
        ),
    )
    take(
        "coinsurance_percent",
        lambda: parse_coinsurance(
            Decimal("80")
            if values.get("coinsurance_percent") in (None, "")
            else values.get("coinsurance_percent")
        ),
    )
    take(
        "benefit_year",
        lambda: _choice(
            values.get("benefit_year") or BenefitYear.CALENDAR,
            BenefitYear,
            "benefit_year",
            _("Choose when the benefit year starts."),
        ),
    )
    cleaned["referral_required"] = bool(values.get("referral_required"))
    take(
        "referral_on_file_on",
        lambda: _date(values.get("referral_on_file_on"), "referral_on_file_on", required=False),
    )
    take(
        "progress_report_after",
        lambda: _visits(values.get("progress_report_after"), "progress_report_after"),
    )

    # rules across fields
    today = today or timezone.localdate()
    born = cleaned.get("subscriber_birth_date")
    if born is not None and born > today:
        errors.setdefault("subscriber_birth_date", []).append(
            _("A date of birth cannot be in the future.")
        )
    starts, ends = cleaned.get("effective_on"), cleaned.get("ends_on")
    if starts is not None and ends is not None and not _a_period(starts, ends):
        errors.setdefault("ends_on", []).append(
            _("Coverage cannot end (%(e)s) before it starts (%(s)s).")
            % {"e": ends.isoformat(), "s": starts.isoformat()}
        )
    referral = cleaned.get("referral_on_file_on")
    if referral is not None and referral > today:
        errors.setdefault("referral_on_file_on", []).append(
            _("The referral's date cannot be in the future.")
        )
    if (
        cleaned.get("relationship") in (Relationship.SPOUSE, Relationship.DEPENDENT)
        and cleaned.get("benefit_year") == BenefitYear.BIRTHDAY
    ):
        if not cleaned.get("subscriber_name") and "subscriber_name" not in errors:
            errors.setdefault("subscriber_name", []).append(
                _("The benefit year runs from the plan member's birthday: enter the member's name.")
            )
        if born is None and "subscriber_birth_date" not in errors:
            errors.setdefault("subscriber_birth_date", []).append(
                _(
                    "The benefit year runs from the plan member's birthday: enter the member's date of birth."
                )
            )
    if errors:
        raise ValidationError(errors)
    return cleaned


def _a_period(starts: dt.date, ends: dt.date) -> bool:
    """The coverage is a FHIR Period: it cannot end before it starts (per-1); the day it
    starts may be its last."""
    try:
        Period(start=starts, end=ends)
    except PydanticValidationError:
        return False
    return True


def _rank_rules(access: Access, policy: Policy) -> None:
    """One active primary and one active secondary per patient; no secondary without a
    primary. Run under the patient's row lock, so two desks cannot both add a primary."""
    if not policy.is_active:
        return
    others = (
        Policy.objects.of(access)
        .select_related("insurer")
        .filter(patient_id=policy.patient_id, is_active=True)
    )
    if policy.pk is not None:
        others = others.exclude(pk=policy.pk)
    same = others.filter(rank=policy.rank).first()
    if same is not None:
        raise ValidationError(
            {
                "rank": _(
                    "The patient already has an active %(rank)s policy: %(insurer)s %(group)s / %(member)s. End it first, or add this one with the other order."
                )
                % {
                    "rank": Rank(policy.rank).label.lower(),
                    "insurer": same.insurer.name,
                    "group": same.group_number,
                    "member": same.member_id,
                }
            }
        )
    if policy.rank == Rank.SECONDARY and not others.filter(rank=Rank.PRIMARY).exists():
        raise ValidationError(
            {"rank": _("Add the primary policy first: a secondary plan pays after the primary.")}
        )


def _save(policy: Policy) -> None:
    try:
        with transaction.atomic():
            policy.save()
    except IntegrityError:  # a concurrent policy of the same rank won
        raise ValidationError(
            {"rank": _("The patient already has an active policy in this order.")}
        ) from None


@checked_write(require_desk)
def policy_add(*, access: Access, patient_id: int, terms: PolicyTermsSpec) -> Policy:
    """Add a policy to a patient. Amounts are parsed by ``billing.money.parse_amount``
    (``None`` or "" for no annual / per-visit maximum); progress_report_after defaults to the
    insurer's usual number of visits."""
    values = terms.values()
    patient = patient_of_clinic(access=access, patient_id=patient_id, for_update=True)
    cleaned = _clean(values, today=clinic_today(access.clinic))
    insurer: Insurer = cleaned.pop("insurer")
    if cleaned["progress_report_after"] is None:
        cleaned["progress_report_after"] = insurer.progress_report_after
    now = timezone.now()
    policy = Policy(
        clinic_id=access.membership.clinic_id,
        patient=patient,
        insurer=insurer,
        created_at=now,
        created_by=access.user,
        updated_at=now,
        updated_by=access.user,
        **cleaned,
    )
    _rank_rules(access, policy)
    _save(policy)
    _audit(access, AuditAction.CREATE, policy, insurer=insurer.code, rank=policy.rank)
    return policy


def _current(policy: Policy) -> dict[str, Any]:
    return {name: getattr(policy, name) for name in CHANGEABLE}


@checked_write(require_desk)
def policy_change(*, access: Access, policy_id: int, changes: PolicyTermsChanges) -> Policy:
    """Change a policy's details or terms (only those given). An ended policy stays as it was
    (add a new one)."""
    found = policy_of_clinic(access=access, policy_id=policy_id)
    patient_of_clinic(access=access, patient_id=found.patient_id, for_update=True)
    policy = policy_of_clinic(access=access, policy_id=policy_id, for_update=True)
    if not policy.is_active:
        raise ValidationError(
            {"__all__": _("This policy has ended; it cannot change. Add the new policy instead.")}
        )
    before = _current(policy)
    cleaned = _clean(
        {**before, **changes.values()},
        today=clinic_today(access.clinic),
        keep_insurer=policy.insurer_id,
    )
    insurer: Insurer = cleaned.pop("insurer")
    policy.insurer = insurer
    changed = sorted(name for name, value in cleaned.items() if before.get(name) != value)
    if insurer.pk != before["insurer_id"]:
        changed.append("insurer_id")
    for name, value in cleaned.items():
        setattr(policy, name, value)
    if not changed:
        return policy
    policy.updated_at = timezone.now()
    policy.updated_by = access.user
    _rank_rules(access, policy)
    _save(policy)
    _audit(access, AuditAction.UPDATE, policy, changed=changed)
    return policy


@checked_write(require_desk)
def policy_end(*, access: Access, policy_id: int, reason: str) -> Policy:
    """End a policy (the patient changed jobs, the plan lapsed): kept for its claims, no longer
    used for estimates or new claims."""
    text = typed_text(reason)
    if not text:
        raise ValidationError({"reason": _("Say why the policy ends, e.g. “changed employer”.")})
    if len(text) > 300:
        raise ValidationError({"reason": _("At most %(n)d characters.") % {"n": 300}})
    policy = policy_of_clinic(access=access, policy_id=policy_id, for_update=True)
    if not policy.is_active:
        raise ValidationError({"__all__": _("This policy has already ended.")})
    policy.is_active = False
    policy.ended_reason = text
    policy.updated_at = timezone.now()
    policy.updated_by = access.user
    policy.save(update_fields=["is_active", "ended_reason", "updated_at", "updated_by"])
    _audit(access, AuditAction.UPDATE, policy, ended=True)
    return policy


@checked_write(require_billing)
def usage_report(
    *,
    access: Access,
    policy_id: int,
    date_of_service: Any,
    insurer_paid: Any,
    deductible_applied: Any = "0",
    discipline: str = PHYSIOTHERAPY,
    note: str = "",
) -> CoverageUsage:
    """Record what the plan paid elsewhere this benefit year (another clinic, or another
    discipline under a combined maximum), so the estimate counts it."""
    policy = policy_of_clinic(access=access, policy_id=policy_id, for_update=True)
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}

    def take(name: str, parse: Any) -> None:
        try:
            cleaned[name] = parse()
        except ValidationError as error:
            for key, messages in error.message_dict.items():
                errors.setdefault(key, []).extend(messages)

    take("date_of_service", lambda: _date(date_of_service, "date_of_service", required=True))
    take(
        "insurer_paid",
        lambda: parse_amount(insurer_paid, field="insurer_paid", allow_zero=True),
    )
    take(
        "deductible_applied",
        lambda: _optional_amount(deductible_applied, "deductible_applied") or ZERO,
    )
    kind = typed_text(discipline).lower() or PHYSIOTHERAPY
    if len(kind) > 40:
        errors.setdefault("discipline", []).append(_("At most %(n)d characters.") % {"n": 40})
    remark = typed_text(note)
    if len(remark) > 300:
        errors.setdefault("note", []).append(_("At most %(n)d characters.") % {"n": 300})
    day = cleaned.get("date_of_service")
    if day is not None:
        if day > clinic_today(access.clinic):
            errors.setdefault("date_of_service", []).append(
                _("Usage is recorded after the service: the date cannot be in the future.")
            )
        elif day < policy.effective_on or (policy.ends_on is not None and day > policy.ends_on):
            errors.setdefault("date_of_service", []).append(
                _("The policy did not cover %(d)s (coverage from %(s)s%(e)s).")
                % {
                    "d": day.isoformat(),
                    "s": policy.effective_on.isoformat(),
                    "e": (_(" to %(d)s") % {"d": policy.ends_on.isoformat()})
                    if policy.ends_on
                    else "",
                }
            )
    if (
        "insurer_paid" in cleaned
        and "deductible_applied" in cleaned
        and cleaned["insurer_paid"] == 0
        and cleaned["deductible_applied"] == 0
    ):
        errors.setdefault("insurer_paid", []).append(
            _("Enter what the plan paid, or the deductible met, or both.")
        )
    if errors:
        raise ValidationError(errors)
    usage = CoverageUsage.objects.of(access).create(
        policy=policy,
        source=UsageSource.REPORTED,
        discipline=kind,
        note=remark,
        recorded_by=access.user,
        **cleaned,
    )
    audit_access(
        access,
        action=AuditAction.CREATE,
        object_type="coverage_usage",
        object_id=usage.pk,
        patient_id=policy.patient_id,
        detail={"policy": policy.pk, "insurer_paid": str(usage.insurer_paid)},
    )
    return usage
