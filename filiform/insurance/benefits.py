"""Coordination of benefits: what a secondary plan is asked for on an invoice.

The rule, stated once (docs/direct-billing.md, "Amounts"): the secondary plan is asked for
what the primary plan left of the insured services — ``insured services - what the primary
paid``, over all the primary's answered claims, resubmissions included — and never more than
the invoice still owes. It is asked only once the primary has answered, and not while a
primary claim (a resubmission) still waits for an answer.

Why the cap: an insurer's payment is posted on the invoice, and a payment above the balance is
refused (``claims._adjudicate``); what the patient already paid at the desk is theirs, so a
secondary asked for more than the balance would be asked for money the clinic may not take.
The primary is asked for the whole charge (``billing.insured.insured_amount``): a plan pays on
the charge, whatever the patient paid first.

Drafting a secondary claim (by hand, or at once when the primary answers) and sending it use
this one function, so the amount drafted is the amount sent unless the primary's answer
changed in between.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.utils.translation import gettext as _

from filiform.billing.insured import insured_amount
from filiform.billing.models import Invoice
from filiform.billing.money import ZERO
from filiform.insurance.models import ClaimStatus, Rank

PENDING = (ClaimStatus.DRAFT, ClaimStatus.SUBMITTED)
ANSWERED = (ClaimStatus.ADJUDICATED, ClaimStatus.CLOSED)


def primary_paid(invoice: Invoice) -> Decimal:
    """What the primary plan paid on an invoice, over its answered claims (resubmissions too)."""
    paid = invoice.claims.filter(sequence=Rank.PRIMARY, status__in=ANSWERED).aggregate(
        s=Sum("paid_amount")
    )["s"]
    return Decimal(paid or ZERO).quantize(Decimal("0.01"))


def secondary_claim_amount(invoice: Invoice) -> Decimal:
    """What the secondary plan is asked for on ``invoice`` now (the rule above), or a
    ``ValidationError`` saying why nothing can be asked. Reads the invoice's claims through
    the invoice, which its caller found (and locked) in the acting clinic."""
    primary = invoice.claims.filter(sequence=Rank.PRIMARY)
    if not primary.filter(status__in=ANSWERED).exists():
        raise ValidationError(
            _(
                "Claim the primary plan first: the secondary plan pays what the primary leaves, once the primary has answered."
            )
        )
    if primary.filter(status__in=PENDING).exists():
        raise ValidationError(
            _(
                "A primary claim for this invoice is still waiting for an answer: claim the secondary plan once the primary plan has answered."
            )
        )
    left = min(insured_amount(invoice) - primary_paid(invoice), invoice.balance)
    if left > 0:
        return left
    if invoice.balance <= 0:
        raise ValidationError(
            _(
                "Nothing is left owing on this invoice: there is nothing to claim from the secondary plan."
            )
        )
    raise ValidationError(_("The primary plan paid the whole of the insured services."))
