"""Adding, changing and ending a patient's policies, and usage paid elsewhere: the rules and
their messages, who may, what is audited, and that a refusal writes nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from filiform.audit.models import AuditEntry
from filiform.billing.selectors import clinic_today
from filiform.insurance.models import CoverageUsage, Insurer, Policy
from filiform.insurance.policies import policy_change, policy_end, usage_report
from filiform.insurance.selectors import policies_of_patient, policy_get
from filiform.insurance.specs import PolicyTermsChanges
from tests.conftest import World
from tests.insurance.conftest import acting, add_policy, insurer

pytestmark = pytest.mark.django_db


def messages(error: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return error.value.message_dict


def test_the_front_desk_adds_a_primary_with_the_insurers_progress_report_default(
    world: World,
) -> None:
    policy = add_policy(world, insurer_id=insurer("greenshield").pk, deductible="25")
    assert policy.progress_report_after == 20  # GreenShield's usual number
    assert policy.annual_maximum == Decimal("500.00")
    assert policy.deductible == Decimal("25.00")
    assert policy.coinsurance_percent == Decimal("80.00")
    assert policy.created_by == world.fran
    assert AuditEntry.objects.filter(
        object_type="policy", object_id=str(policy.pk), patient_id=world.patient.pk, action="create"
    ).exists()
    explicit = add_policy(
        world,
        rank=2,
        insurer_id=insurer("greenshield").pk,
        progress_report_after=12,
        group_number="G-9",
    )
    assert explicit.progress_report_after == 12


def test_bad_terms_are_refused_field_by_field_and_nothing_is_written(world: World) -> None:
    with pytest.raises(ValidationError) as error:
        add_policy(
            world,
            coinsurance_percent="120",
            group_number=" ",
            member_id="",
            annual_maximum="-5",
            per_visit_maximum="80.001",
            effective_on=dt.date(2026, 5, 1),
            ends_on=dt.date(2026, 4, 30),
        )
    found = messages(error)
    assert found["coinsurance_percent"] == ["Coinsurance is the share the plan pays: 0 to 100 %."]
    assert "group / policy number" in found["group_number"][0]
    assert "member / certificate id" in found["member_id"][0]
    assert found["annual_maximum"] == ["The amount cannot be negative."]
    assert found["per_visit_maximum"] == ["Amounts have at most two decimals (cents)."]
    assert "cannot end (2026-04-30) before it starts (2026-05-01)" in found["ends_on"][0]
    with pytest.raises(ValidationError) as negative:
        add_policy(world, coinsurance_percent="-1")
    assert "0 to 100 %" in messages(negative)["coinsurance_percent"][0]
    assert Policy.objects.count() == 0


def test_a_dependants_birthday_year_needs_the_plan_members_name_and_birth_date(
    world: World,
) -> None:
    with pytest.raises(ValidationError) as error:
        add_policy(world, relationship="dependent", benefit_year="birthday")
    found = messages(error)
    assert "member's name" in found["subscriber_name"][0]
    assert "member's date of birth" in found["subscriber_birth_date"][0]
    policy = add_policy(
        world,
        relationship="dependent",
        benefit_year="birthday",
        subscriber_name="Rowan Zanzibarian",
        subscriber_birth_date=dt.date(1979, 2, 28),
    )
    assert policy.subscriber_name == "Rowan Zanzibarian"
    add_policy(world, rank=2, relationship="subscriber", benefit_year="birthday")  # own birthday


def test_one_active_primary_and_secondary_and_never_a_secondary_alone(world: World) -> None:
    with pytest.raises(ValidationError) as alone:
        add_policy(world, rank=2)
    assert "primary policy first" in messages(alone)["rank"][0]
    primary = add_policy(world)
    with pytest.raises(ValidationError) as second:
        add_policy(world, insurer_id=insurer("manulife").pk, group_number="X")
    assert messages(second)["rank"] == [
        "The patient already has an active primary policy: Sun Life G-1000 / M-0001. "
        "End it first, or add this one with the other order."
    ]
    policy_end(access=acting(world, "fran"), policy_id=primary.pk, reason="changed employer")
    replacement = add_policy(world, insurer_id=insurer("manulife").pk)
    assert replacement.rank == 1
    assert Policy.objects.filter(patient=world.patient).count() == 2


def test_an_insurer_that_no_longer_takes_claims_is_refused(world: World) -> None:
    gone = Insurer.objects.create(code="gone-life", name="Gone Life", is_active=False)
    with pytest.raises(ValidationError) as error:
        add_policy(world, insurer_id=gone.pk)
    assert messages(error)["insurer_id"] == [
        "Gone Life no longer takes claims: choose another insurer."
    ]
    with pytest.raises(ValidationError):
        add_policy(world, insurer_id=10**9)


def test_change_records_what_changed_and_an_ended_policy_stays(world: World) -> None:
    policy = add_policy(world)
    bill = acting(world, "bill")
    changed = policy_change(
        access=bill,
        policy_id=policy.pk,
        changes=PolicyTermsChanges.parse({"annual_maximum": "750", "referral_required": True}),
    )
    assert changed.annual_maximum == Decimal("750.00")
    assert changed.referral_required is True
    assert changed.updated_by == world.bill
    entry = AuditEntry.objects.filter(object_type="policy", action="update").latest("pk")
    assert entry.detail == {"changed": ["annual_maximum", "referral_required"]}
    with pytest.raises(ValidationError) as error:
        policy_change(
            access=bill,
            policy_id=policy.pk,
            changes=PolicyTermsChanges.parse({"coinsurance_percent": "100.5"}),
        )
    assert "0 to 100 %" in messages(error)["coinsurance_percent"][0]
    with pytest.raises(ValidationError):
        policy_change(
            access=bill,
            policy_id=policy.pk,
            changes=PolicyTermsChanges.parse({"patient_id": world.other_patient.pk}),
        )
    with pytest.raises(ValidationError) as no_reason:
        policy_end(access=bill, policy_id=policy.pk, reason="  ")
    assert "Say why" in messages(no_reason)["reason"][0]
    policy_end(access=bill, policy_id=policy.pk, reason="plan lapsed")
    with pytest.raises(ValidationError) as ended:
        policy_change(
            access=bill, policy_id=policy.pk, changes=PolicyTermsChanges.parse({"member_id": "M-9"})
        )
    assert "has ended" in messages(ended)["__all__"][0]
    with pytest.raises(ValidationError):
        policy_end(access=bill, policy_id=policy.pk, reason="again")
    with pytest.raises(Http404):
        policy_change(
            access=acting(world, "olga"),
            policy_id=policy.pk,
            changes=PolicyTermsChanges.parse({"member_id": "M-9"}),
        )


def test_usage_paid_elsewhere_is_billing_work_and_counts_this_year(world: World) -> None:
    policy = add_policy(world, maximum_scope="combined")
    with pytest.raises(PermissionDenied):
        usage_report(
            access=acting(world, "fran"),
            policy_id=policy.pk,
            date_of_service=dt.date(2025, 3, 1),
            insurer_paid="60",
        )
    bill = acting(world, "bill")
    with pytest.raises(ValidationError) as error:
        usage_report(
            access=bill,
            policy_id=policy.pk,
            date_of_service=dt.date(2019, 3, 1),
            insurer_paid="0",
        )
    found = messages(error)
    assert "did not cover 2019-03-01" in found["date_of_service"][0]
    assert "what the plan paid" in found["insurer_paid"][0]
    with pytest.raises(ValidationError) as future:
        usage_report(
            access=bill, policy_id=policy.pk, date_of_service=dt.date(2999, 1, 1), insurer_paid="5"
        )
    assert "future" in messages(future)["date_of_service"][0]
    today = clinic_today(world.clinic)
    usage = usage_report(
        access=bill,
        policy_id=policy.pk,
        date_of_service=today,
        insurer_paid="$60.00",
        deductible_applied="10",
        discipline=" Massage Therapy ",
        note="other clinic",
    )
    assert (usage.discipline, usage.source, usage.insurer_paid) == (
        "massage therapy",
        "reported",
        Decimal("60.00"),
    )
    assert CoverageUsage.objects.count() == 1
    listed = policies_of_patient(access=acting(world, "bob"), patient_id=world.patient.pk)
    assert [(p.usage.paid, p.usage.deductible_met, p.left) for p in listed] == [
        (Decimal("60.00"), Decimal("10.00"), Decimal("440.00"))
    ]
    assert policy_get(access=acting(world, "fran"), policy_id=policy.pk).usage.visits == 0
    with pytest.raises(Http404):
        policies_of_patient(access=acting(world, "olga"), patient_id=world.patient.pk)
    with pytest.raises(Http404):
        policy_get(access=acting(world, "olga"), policy_id=policy.pk)
