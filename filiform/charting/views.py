"""Charting pages."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from filiform.audit.services import AuditAction, audit_access
from filiform.charting.visits import visit_of_clinic
from filiform.clinics.access import Access, Permission
from filiform.clinics.decorators import clinic_page


@clinic_page(Permission.CLINICAL_RECORD)
def visit(request: HttpRequest, access: Access, visit_id: int) -> HttpResponse:
    record = visit_of_clinic(access=access, visit_id=visit_id)
    audit_access(
        access,
        action=AuditAction.READ,
        object_type="visit",
        object_id=record.pk,
        patient_id=record.patient_id,
    )
    return render(request, "charting/visit.html", {"visit": record})
