"""Reads for insurance: the insurers, a patient's policies (audited), one policy of the acting
clinic (404 for another clinic's) and what a plan has paid this benefit year."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from filiform.audit.services import AuditAction, audit_access
from filiform.billing.money import ZERO
from filiform.billing.selectors import clinic_today
from filiform.clinics.access import Access, Permission, clinic_get
from filiform.insurance.coverage import Usage, usage_of
from filiform.insurance.models import CoverageUsage, Insurer, Policy
from filiform.patients.selectors import patient_of_clinic


def insurers() -> list[Insurer]:
    """The insurers a policy can name (active ones), by name. Shared by every clinic."""
    return list(Insurer.objects.filter(is_active=True))


def policy_of_clinic(*, access: Access, policy_id: int, for_update: bool = False) -> Policy:
    """The acting clinic's policy, or 404. Not audited: its caller records what it did."""
    policies = Policy.objects.of(access).select_related("insurer", "patient")
    return clinic_get(access, policies, policy_id, for_update=for_update)


@dataclass(frozen=True)
class PolicyWithUsage:
    policy: Policy
    usage: Usage

    @property
    def left(self) -> Decimal | None:
        """What is left of the annual maximum this benefit year (None: no maximum)."""
        maximum = self.policy.annual_maximum
        if maximum is None:
            return None
        return max(ZERO, maximum - max(self.usage.paid, ZERO))


def policies_of_patient(
    *, access: Access, patient_id: int, on: dt.date | None = None
) -> list[PolicyWithUsage]:
    """A patient's policies (active first, primary before secondary), each with its usage in
    the benefit year containing ``on`` (today by default). Audited."""
    access.require(Permission.PATIENT_VIEW)
    patient = patient_of_clinic(access=access, patient_id=patient_id)
    on = on or clinic_today(access.clinic)
    policies = list(
        Policy.objects.of(access).select_related("insurer", "patient").filter(patient=patient)
    )
    audit_access(
        access,
        action=AuditAction.READ,
        object_type="patient_policies",
        object_id=patient.pk,
        patient_id=patient.pk,
        detail={"policies": len(policies)},
    )
    return [PolicyWithUsage(p, usage_of(p, on)) for p in policies]


def policy_get(*, access: Access, policy_id: int, on: dt.date | None = None) -> PolicyWithUsage:
    """One policy with this benefit year's usage (audited)."""
    access.require(Permission.PATIENT_VIEW)
    policy = policy_of_clinic(access=access, policy_id=policy_id)
    audit_access(
        access,
        action=AuditAction.READ,
        object_type="policy",
        object_id=policy.pk,
        patient_id=policy.patient_id,
    )
    return PolicyWithUsage(policy, usage_of(policy, on or clinic_today(access.clinic)))


def usage_of_policy(*, access: Access, policy_id: int) -> list[CoverageUsage]:
    """Every usage row of a policy (claims and reported), oldest first (audited)."""
    access.require(Permission.PATIENT_VIEW)
    policy = policy_of_clinic(access=access, policy_id=policy_id)
    rows = list(policy.usage.all())
    audit_access(
        access,
        action=AuditAction.READ,
        object_type="coverage_usage",
        object_id=policy.pk,
        patient_id=policy.patient_id,
        detail={"rows": len(rows)},
    )
    return rows
