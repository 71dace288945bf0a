"""Reading patients. Every function takes an :class:`Access`, checks it and audits the read."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from filiform.audit.services import AuditAction, audit_access
from filiform.clinics.access import Access, Permission
from filiform.patients.models import Patient


def patient_search(*, access: Access, query: str = "") -> QuerySet[Patient]:
    """The clinic's active patients, optionally narrowed by a name fragment, phone or birth date.

    The list view is audited once per search (not once per row): who looked, and what they asked.
    """
    access.require(Permission.PATIENT_VIEW)
    patients = Patient.objects.filter(clinic_id=access.membership.clinic_id, active=True)
    query = query.replace("\x00", "").strip()  # NUL cannot reach PostgreSQL text
    if query:
        condition = Q()
        for word in query.split():
            condition &= (
                Q(family_name__istartswith=word)
                | Q(given_names__istartswith=word)
                | Q(phone__contains=word)
                | Q(birth_date__iexact=word)
            )
        patients = patients.filter(condition)
    audit_access(
        access, action=AuditAction.READ, object_type="patient_list", detail={"query": query}
    )
    return patients


def patient_get(*, access: Access, patient_id: int) -> Patient:
    """One patient of the acting clinic; another clinic's patient is simply not found."""
    access.require(Permission.PATIENT_VIEW)
    try:
        patient = Patient.objects.get(clinic_id=access.membership.clinic_id, pk=patient_id)
    except Patient.DoesNotExist:
        raise Http404("No such patient in this clinic.") from None
    audit_access(
        access,
        action=AuditAction.READ,
        object_type="patient",
        object_id=patient.pk,
        patient_id=patient.pk,
    )
    return patient
