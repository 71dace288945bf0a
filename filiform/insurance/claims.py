"""Direct billing: a claim's life from draft to closed, coordination of benefits, and the
patient's portion (docs/direct-billing.md).

    draft ──submit──▶ submitted ──adjudicate──▶ adjudicated ──close──▶ closed
                         │ (real-time insurers answer at once)   │
                         └──────────────────────────────────────▶┘
    draft ──withdraw (close it, never sent)──▶ closed
    adjudicated or closed, denied or partly paid ──resubmit──▶ closed + a new draft

Who: drafting and submitting are desk work (``require_desk``: front desk, clinicians, billing,
owners), like invoicing; recording what an insurer decided, closing and resubmitting change
money and need BILLING (``require_billing``), like refunds and write-offs. Reading claims is
desk work too. Every transition writes a ``ClaimEvent`` and an audit entry.

Money: the insurer's payment is posted on the invoice (a Payment with method ``insurer``, see
``billing.payments.insurer_payment_record``) in the same transaction as the adjudication, with
the invoice row locked first and then the claim, so the invoice always balances:
total = paid - refunded + credited + insurer paid + written off + balance. The balance that is
left once no claim is pending IS the patient's portion: there is no second invoice.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from filiform.audit.services import AuditAction, audit_access
from filiform.billing.insured import insured_amount
from filiform.billing.models import Invoice, InvoiceStatus
from filiform.billing.money import ZERO, format_cad, parse_amount
from filiform.billing.payments import insurer_payment_record
from filiform.billing.selectors import (
    checked_write,
    invoice_of_clinic,
    require_billing,
    require_desk,
)
from filiform.charting.codes import VisitStatus
from filiform.clinics.access import Access, clinic_get
from filiform.insurance.adapters.base import Adjudication
from filiform.insurance.adapters.fhir import claim_resource
from filiform.insurance.adapters.registry import adapter_for
from filiform.insurance.benefits import ANSWERED, PENDING, secondary_claim_amount
from filiform.insurance.models import (
    Claim,
    ClaimChannel,
    ClaimEvent,
    ClaimOutcome,
    ClaimStatus,
    CoverageUsage,
    InsurerConnection,
    Policy,
    Rank,
    UsageSource,
)
from filiform.practitioners.designation import billing_identity
from filiform.typed_text import typed_text

OPEN = (ClaimStatus.DRAFT, ClaimStatus.SUBMITTED, ClaimStatus.ADJUDICATED)


def _event(access: Access, claim: Claim, note: str = "", *, action: str = "") -> None:
    ClaimEvent.objects.create(
        claim=claim, status=claim.status, outcome=claim.outcome, note=note[:300], by=access.user
    )
    audit_access(
        access,
        action=AuditAction.CREATE if action == "drafted" else AuditAction.UPDATE,
        object_type="claim",
        object_id=claim.pk,
        patient_id=claim.patient_id,
        detail={"step": action or claim.status, "outcome": claim.outcome, "note": note[:300]},
    )


def _claim(access: Access, claim_id: int, *, for_update: bool = False) -> Claim:
    return clinic_get(access, Claim, claim_id, for_update=for_update)


def in_force(policy: Policy, on: Any) -> bool:
    return (
        policy.is_active
        and policy.effective_on <= on
        and (policy.ends_on is None or policy.ends_on >= on)
    )


def _amount_to_claim(invoice: Invoice, policy: Policy, resubmission_of: Claim | None) -> Decimal:
    """The primary claims the invoice's insured services (``billing.insured``: the untaxed
    fee lines, never supplies or tax; what the patient paid at the desk is not subtracted: the
    plan pays on the charge). The secondary claims what the primary left
    (``benefits.secondary_claim_amount``). A resubmission asks again for what its original
    did not pay."""
    if resubmission_of is not None:
        return resubmission_of.claimed_amount - (resubmission_of.paid_amount or ZERO)
    insured = insured_amount(invoice)
    if insured <= 0:
        raise ValidationError(
            {
                "invoice_id": _(
                    "This invoice has no insured service to claim: supplies and tax are the patient's to pay."
                )
            }
        )
    if policy.rank == Rank.PRIMARY:
        return insured
    try:
        return secondary_claim_amount(invoice)
    except ValidationError as refusal:
        raise ValidationError({"policy_id": refusal.messages}) from None


def _draft(
    access: Access, invoice: Invoice, policy: Policy, *, resubmission_of: Claim | None = None
) -> Claim:
    if invoice.status == InvoiceStatus.VOID:
        raise ValidationError({"invoice_id": _("This invoice is void: it cannot be claimed.")})
    if invoice.status == InvoiceStatus.DRAFT:
        raise ValidationError({"invoice_id": _("Issue the invoice before claiming it.")})
    visit = invoice.visit
    if visit is None or visit.status != VisitStatus.SIGNED:
        raise ValidationError(
            {"invoice_id": _("Only the invoice of a signed visit can be claimed.")}
        )
    on = invoice.date_of_service
    if not in_force(policy, on):
        raise ValidationError(
            {
                "policy_id": _(
                    "The %(insurer)s policy is not in force on the date of service, %(d)s."
                )
                % {"insurer": policy.insurer.name, "d": on}
            }
        )
    already = invoice.claims.filter(policy=policy, status__in=OPEN).first()
    if already is not None:
        raise ValidationError(
            {
                "policy_id": _(
                    "Claim %(n)s for this invoice and policy is still open: close it or resubmit it instead."
                )
                % {"n": already.pk}
            }
        )
    amount = _amount_to_claim(invoice, policy, resubmission_of)
    identity = billing_identity(visit.practitioner, on=on, province=invoice.province)
    if not identity.registration_number:
        raise ValidationError(
            {
                "registration_number": _(
                    "%(name)s has no registration number on file; insurers reject claims without one. Add it under Credentials."
                )
                % {"name": identity.name}
            }
        )
    connection = InsurerConnection.objects.of(access).filter(insurer_id=policy.insurer_id).first()
    try:
        with transaction.atomic():
            claim = Claim.objects.of(access).create(
                clinic_id=invoice.clinic_id,
                invoice=invoice,
                patient_id=invoice.patient_id,
                policy=policy,
                sequence=policy.rank,
                channel=connection.channel if connection else ClaimChannel.PORTAL,
                date_of_service=on,
                practitioner=visit.practitioner,
                practitioner_name=identity.name[:160],
                practitioner_designation=identity.designation[:80],
                registration_number=identity.registration_number[:40],
                claimed_amount=amount,
                resubmission_of=resubmission_of,
                created_by=access.user,
            )
    except IntegrityError:  # a concurrent draft for the same invoice and policy won
        raise ValidationError(
            {"policy_id": _("A claim for this invoice and policy is already open.")}
        ) from None
    note = _("Resubmission of claim %(n)s.") % {"n": resubmission_of.pk} if resubmission_of else ""
    _event(access, claim, note, action="drafted")
    return claim


@checked_write(require_desk)
def claim_draft(*, access: Access, invoice_id: int, policy_id: int | None = None) -> Claim:
    """A draft claim for an issued invoice of a signed visit, to the policy named or the
    patient's active primary policy. The practitioner's billing identity on the date of
    service is copied; without a registration number the claim is refused (insurers reject
    it)."""
    require_desk(access)
    invoice = invoice_of_clinic(access=access, invoice_id=invoice_id, for_update=True)
    policies = (
        Policy.objects.of(access).select_related("insurer").filter(patient_id=invoice.patient_id)
    )
    if policy_id is None:
        policy = policies.filter(is_active=True, rank=Rank.PRIMARY).first()
        if policy is None:
            raise ValidationError(
                {"policy_id": _("The patient has no active primary policy: add it first.")}
            )
    else:
        policy = policies.filter(pk=policy_id).first()
        if policy is None:
            raise ValidationError({"policy_id": _("Choose one of this patient's policies.")})
    return _draft(access, invoice, policy)


@checked_write(require_desk)
def claim_submit(*, access: Access, claim_id: int) -> Claim:
    """Send a draft claim through its channel's adapter: the FHIR Claim is built (and
    validated) and kept on the claim. The claim is then submitted, or straight adjudicated
    when the insurer answers at once. If the adapter cannot deliver, nothing changes."""
    require_desk(access)
    claim = _claim(access, claim_id)
    invoice = invoice_of_clinic(access=access, invoice_id=claim.invoice_id, for_update=True)
    claim = _claim(access, claim_id, for_update=True)
    if claim.status == ClaimStatus.CLOSED:
        raise ValidationError(_("This claim is closed: draft a new one to claim again."))
    if claim.status != ClaimStatus.DRAFT:
        raise ValidationError(_("This claim was already submitted."))
    if invoice.status == InvoiceStatus.VOID:
        raise ValidationError(_("This invoice is void: close the claim instead."))
    if claim.sequence == Rank.SECONDARY and claim.resubmission_of_id is None:
        _secondary_amount_now(access, claim, invoice)
    connection = (
        InsurerConnection.objects.of(access).filter(insurer_id=claim.policy.insurer_id).first()
    )
    resource = claim_resource(
        claim, provider_number=connection.provider_number if connection else ""
    )
    adapter = adapter_for(channel=claim.channel, connection=connection)
    submission = adapter.submit(claim, resource)
    claim.request = resource
    claim.response = submission.response
    claim.insurer_reference = (
        typed_text(submission.insurer_reference, 80) or claim.insurer_reference
    )
    claim.status = ClaimStatus.SUBMITTED
    claim.submitted_at = timezone.now()
    claim.save(update_fields=["request", "response", "insurer_reference", "status", "submitted_at"])
    _event(access, claim, _("Sent through %(channel)s.") % {"channel": claim.get_channel_display()})
    if submission.adjudication is not None:
        try:
            with transaction.atomic():
                _adjudicate(access, claim, invoice, submission.adjudication)
        except ValidationError as error:
            # The insurer answered something we cannot post (more than claimed, more than the
            # balance): nothing is sent twice; the claim stays submitted for staff to record.
            _event(
                access, claim, _("Answer not applied: %(why)s") % {"why": " ".join(error.messages)}
            )
    return claim


def _secondary_amount_now(access: Access, claim: Claim, invoice: Invoice) -> None:
    """A secondary claim asks for what the primary left when it is sent, not when it was
    drafted: a primary resubmitted and paid meanwhile has lowered it."""
    left = secondary_claim_amount(invoice)
    if left != claim.claimed_amount:
        _event(
            access,
            claim,
            _("Amount brought up to date: %(old)s → %(new)s (what the primary plan left).")
            % {"old": format_cad(claim.claimed_amount), "new": format_cad(left)},
        )
        claim.claimed_amount = left
        claim.save(update_fields=["claimed_amount"])


@checked_write(require_billing)
def claim_adjudicate(
    *,
    access: Access,
    claim_id: int,
    paid_amount: Any,
    deductible_applied: Any = "0",
    outcome: str | None = None,
    denial_reason: str = "",
    insurer_reference: str = "",
) -> Claim:
    """Record what the insurer decided on a submitted claim, as staff read it on the insurer's
    portal (BILLING). The outcome follows from the amounts unless given: the whole claim is
    paid, nothing is denied, anything between is partly paid; a reason is required for denied
    and partly paid. The insurer's payment is posted on the invoice at once."""
    require_billing(access)
    claim = _claim(access, claim_id)
    invoice = invoice_of_clinic(access=access, invoice_id=claim.invoice_id, for_update=True)
    claim = _claim(access, claim_id, for_update=True)
    if claim.status == ClaimStatus.DRAFT:
        raise ValidationError(_("Submit the claim before recording the insurer's answer."))
    if claim.status in ANSWERED:
        raise ValidationError(_("This claim was already adjudicated."))
    paid = parse_amount(paid_amount, field="paid_amount", allow_zero=True)
    deductible = parse_amount(
        deductible_applied or "0", field="deductible_applied", allow_zero=True
    )
    if outcome not in (None, "", *ClaimOutcome.values):
        raise ValidationError({"outcome": _("The outcome is paid, partly paid or denied.")})
    reference = typed_text(insurer_reference, 80)
    if reference:
        claim.insurer_reference = reference
    _adjudicate(
        access,
        claim,
        invoice,
        Adjudication(
            paid_amount=paid,
            deductible_applied=deductible,
            outcome=outcome or "",
            reason=typed_text(denial_reason, 300),
        ),
    )
    return claim


def _outcome(claim: Claim, adjudication: Adjudication) -> str:
    paid = adjudication.paid_amount
    inferred = (
        ClaimOutcome.DENIED
        if paid == 0
        else ClaimOutcome.PAID
        if paid == claim.claimed_amount
        else ClaimOutcome.PARTLY_PAID
    )
    if adjudication.outcome and adjudication.outcome != inferred:
        raise ValidationError(
            {
                "outcome": _(
                    "%(paid)s of %(claimed)s is “%(inferred)s”, not “%(given)s”: check the amount."
                )
                % {
                    "paid": format_cad(paid),
                    "claimed": format_cad(claim.claimed_amount),
                    "inferred": ClaimOutcome(inferred).label,
                    "given": ClaimOutcome(adjudication.outcome).label,
                }
            }
        )
    return inferred


def _adjudicate(access: Access, claim: Claim, invoice: Invoice, adjudication: Adjudication) -> None:
    """Apply an adjudication: the claim's answer, the insurer's payment on the invoice, the
    plan's usage, the patient's portion, and the secondary claim (coordination of benefits).
    The caller holds the invoice's and the claim's row locks."""
    paid = adjudication.paid_amount
    if paid < 0:
        raise ValidationError({"paid_amount": _("The amount cannot be negative.")})
    if paid > claim.claimed_amount:
        raise ValidationError(
            {
                "paid_amount": _("The insurer cannot pay more than was claimed (%(c)s).")
                % {"c": format_cad(claim.claimed_amount)}
            }
        )
    if paid > invoice.balance:
        raise ValidationError(
            {
                "paid_amount": _(
                    "That is more than the invoice's balance (%(b)s): refund the patient's payment first, or record what the insurer really paid."
                )
                % {"b": format_cad(invoice.balance)}
            }
        )
    deductible = adjudication.deductible_applied
    if deductible < 0 or deductible > claim.claimed_amount - paid:
        raise ValidationError(
            {
                "deductible_applied": _(
                    "The deductible applied is part of what the insurer did not pay: at most %(m)s."
                )
                % {"m": format_cad(claim.claimed_amount - paid)}
            }
        )
    outcome = _outcome(claim, adjudication)
    reason = adjudication.reason
    if outcome != ClaimOutcome.PAID and not reason:
        raise ValidationError(
            {"denial_reason": _("Give the insurer's reason for not paying the whole claim.")}
        )
    if paid > 0:
        insurer_payment_record(
            access=access,
            invoice_id=invoice.pk,
            amount=paid,
            idempotency_key=f"claim-{claim.pk}-insurer-payment",
            reference=claim.insurer_reference or _("claim %(n)s") % {"n": claim.pk},
        )
        invoice.refresh_from_db()
    CoverageUsage.objects.of(access).create(
        clinic_id=claim.clinic_id,
        policy=claim.policy,
        claim=claim,
        source=UsageSource.CLAIM,
        date_of_service=claim.date_of_service,
        insurer_paid=paid,
        deductible_applied=deductible,
        recorded_by=access.user,
    )
    claim.status = ClaimStatus.ADJUDICATED
    claim.outcome = outcome
    claim.paid_amount = paid
    claim.deductible_applied = deductible
    claim.denial_reason = reason if outcome != ClaimOutcome.PAID else ""
    claim.patient_portion = invoice.balance
    claim.adjudicated_at = timezone.now()
    if adjudication.response:
        claim.response = adjudication.response
    claim.save()
    _event(
        access,
        claim,
        _("%(paid)s paid of %(claimed)s.")
        % {"paid": format_cad(paid), "claimed": format_cad(claim.claimed_amount)}
        + (f" {reason}" if reason and outcome != ClaimOutcome.PAID else ""),
    )
    secondary = _secondary_for(access, claim, invoice)
    if secondary is None and not invoice.claims.filter(status__in=PENDING).exists():
        _patient_portion_invoiced(access, claim, invoice)


def _secondary_for(access: Access, claim: Claim, invoice: Invoice) -> Claim | None:
    """Coordination of benefits: when the primary leaves something unpaid and the patient has
    an active secondary policy in force on the date of service, the secondary claim for the
    remainder is drafted at once (staff submit it). If it cannot be drafted (say the
    practitioner's registration was removed meanwhile), the primary's answer still stands."""
    if claim.sequence != Rank.PRIMARY or claim.paid_amount == claim.claimed_amount:
        return None
    if invoice.balance == 0:
        return None
    policy = (
        Policy.objects.of(access)
        .select_related("insurer")
        .filter(patient_id=claim.patient_id, rank=Rank.SECONDARY, is_active=True)
        .first()
    )
    if policy is None or not in_force(policy, claim.date_of_service):
        return None
    if invoice.claims.filter(policy=policy, status__in=OPEN).exists():
        return None
    try:
        with transaction.atomic():
            secondary = _draft(access, invoice, policy)
    except ValidationError:
        return None
    _event(
        access,
        claim,
        _("Secondary claim %(n)s drafted for %(a)s.")
        % {"n": secondary.pk, "a": format_cad(secondary.claimed_amount)},
    )
    return secondary


def _patient_portion_invoiced(access: Access, claim: Claim, invoice: Invoice) -> None:
    """No further claim is pending: the invoice's balance is what the patient owes, on the
    same invoice (already issued: claims are drafted only from issued invoices). Marked on
    the claim and in the audit log."""
    claim.patient_portion = invoice.balance
    claim.save(update_fields=["patient_portion"])
    ClaimEvent.objects.create(
        claim=claim,
        status=claim.status,
        outcome=claim.outcome,
        note=_("Patient portion invoiced: %(a)s on invoice %(n)s.")
        % {"a": format_cad(invoice.balance), "n": invoice.display_number},
        by=access.user,
    )
    audit_access(
        access,
        action=AuditAction.UPDATE,
        object_type="invoice",
        object_id=invoice.pk,
        patient_id=invoice.patient_id,
        detail={
            "step": "patient portion invoiced",
            "claim": claim.pk,
            "amount": str(invoice.balance),
        },
    )


@checked_write(require_billing)
def claim_close(*, access: Access, claim_id: int, note: str = "") -> Claim:
    """An adjudicated claim is done with, or a draft is withdrawn without being sent (a claim
    drafted by mistake, or for the wrong plan) (BILLING)."""
    require_billing(access)
    claim = _claim(access, claim_id, for_update=True)
    if claim.status == ClaimStatus.CLOSED:
        raise ValidationError(_("This claim is already closed."))
    if claim.status == ClaimStatus.DRAFT:
        _close(
            access, claim, typed_text(note, 300) or _("Draft withdrawn: never sent to the insurer.")
        )
        return claim
    if claim.status != ClaimStatus.ADJUDICATED:
        raise ValidationError(
            _(
                "A claim waiting for the insurer cannot be closed: record the insurer's answer first."
            )
        )
    _close(access, claim, typed_text(note, 300))
    return claim


def _close(access: Access, claim: Claim, note: str) -> None:
    claim.status = ClaimStatus.CLOSED
    claim.closed_at = timezone.now()
    claim.save(update_fields=["status", "closed_at"])
    _event(access, claim, note)


@checked_write(require_billing)
def claim_resubmit(*, access: Access, claim_id: int, note: str = "") -> Claim:
    """A denied or partly paid claim is closed and a new draft made from it (BILLING), for
    what it did not pay, with the practitioner's billing identity read afresh (so a
    registration number added meanwhile is used). Returns the new draft."""
    require_billing(access)
    claim = _claim(access, claim_id)
    invoice = invoice_of_clinic(access=access, invoice_id=claim.invoice_id, for_update=True)
    claim = _claim(access, claim_id, for_update=True)
    if claim.status not in ANSWERED:
        raise ValidationError(_("Only a claim the insurer has answered can be resubmitted."))
    if claim.outcome == ClaimOutcome.PAID:
        raise ValidationError(_("This claim was paid in full: there is nothing to resubmit."))
    if Claim.objects.of(access).filter(resubmission_of=claim).exists():
        raise ValidationError(_("This claim was already resubmitted."))
    note = typed_text(note, 300)
    if claim.status == ClaimStatus.ADJUDICATED:
        _close(access, claim, note or _("Closed to resubmit."))
    new = _draft(access, invoice, claim.policy, resubmission_of=claim)
    _event(access, claim, _("Resubmitted as claim %(n)s.") % {"n": new.pk}, action="resubmitted")
    return new


# --- reads ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClaimFilter:
    status: str | None = None
    patient_id: int | None = None
    insurer_id: int | None = None


def claims_of_clinic(*, access: Access, filters: ClaimFilter | None = None) -> QuerySet[Claim]:
    """The clinic's claims, newest first, for the work queue (audited as one read)."""
    require_desk(access)
    filters = filters or ClaimFilter()
    claims = Claim.objects.of(access).select_related("patient", "policy__insurer", "invoice")
    if filters.status:
        claims = claims.filter(status=filters.status)
    if filters.patient_id is not None:
        claims = claims.filter(patient_id=filters.patient_id)
    if filters.insurer_id is not None:
        claims = claims.filter(policy__insurer_id=filters.insurer_id)
    audit_access(
        access,
        action=AuditAction.READ,
        object_type="claims",
        patient_id=filters.patient_id,
        detail={"status": filters.status or "", "insurer": filters.insurer_id},
    )
    return claims


def claim_get(*, access: Access, claim_id: int) -> Claim:
    """One claim with its events (audited)."""
    require_desk(access)
    claims = Claim.objects.of(access).select_related(
        "patient", "policy__insurer", "invoice", "resubmission_of"
    )
    claim = clinic_get(access, claims, claim_id)
    audit_access(
        access,
        action=AuditAction.READ,
        object_type="claim",
        object_id=claim.pk,
        patient_id=claim.patient_id,
    )
    return claim


def claims_for_reports(access: Access, statuses: tuple[str, ...]) -> QuerySet[Claim]:
    """The claims billing's reports read (billing/reports.py ``register_claims_source``): the
    clinic's claims in ``statuses`` on invoices that are not void, with what the reports show."""
    return (
        Claim.objects.of(access)
        .filter(status__in=statuses)
        .exclude(invoice__status=InvoiceStatus.VOID)
        .select_related("policy__insurer", "patient", "invoice")
    )


def invoice_claims_card(*, access: Access, invoice: Invoice) -> dict[str, Any]:
    """The invoice page's card (clinics/cards.py): the invoice's insurer claims, for those who
    bill insurers (desk work); none for the others."""
    if not access.may_take_payment:
        return {"claims": []}
    return {"claims": claims_of_invoice(access=access, invoice_id=invoice.pk)}


def claims_of_invoice(*, access: Access, invoice_id: int) -> list[Claim]:
    require_desk(access)
    return list(
        Claim.objects.of(access)
        .select_related("policy__insurer")
        .filter(invoice_id=invoice_id)
        .order_by("created_at", "id")
    )
