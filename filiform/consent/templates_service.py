"""Consent template versions: the current one (seeded with Filiform's default on first use) and
saving a new version. Rendering is Markdown without raw HTML."""

from __future__ import annotations

from pathlib import Path

from django.db import transaction
from django.utils.safestring import SafeString

from filiform.audit.services import AuditAction, audit_access
from filiform.clinics.access import Access, Permission
from filiform.consent.models import ConsentTemplate
from filiform.patient_text import patient_text_html

DEFAULT_TITLE = "Consent to dry needling / intramuscular stimulation (IMS)"
DEFAULT_BODY = (Path(__file__).with_name("default_template.md")).read_text(encoding="utf-8")


def consent_text_html(body: str) -> SafeString:
    """Markdown to HTML; raw HTML in the text is shown as text, unsafe links are dropped."""
    return patient_text_html(body)


@transaction.atomic
def consent_template_current(*, access: Access) -> ConsentTemplate:
    template = ConsentTemplate.objects.filter(clinic_id=access.membership.clinic_id).first()
    if template is None:
        template = ConsentTemplate.objects.create(
            clinic_id=access.membership.clinic_id,
            version=1,
            title=DEFAULT_TITLE,
            body=DEFAULT_BODY,
            change_note="Filiform's default text",
        )
    return template


@transaction.atomic
def consent_template_new_version(
    *, access: Access, title: str, body: str, change_note: str
) -> ConsentTemplate:
    """Save the text as the next version; earlier versions and the records signed under them
    stay exactly as they were."""
    access.require(Permission.CLINIC_MANAGE)
    current = consent_template_current(access=access)
    ConsentTemplate.objects.select_for_update().filter(pk=current.pk).first()
    template = ConsentTemplate.objects.create(
        clinic_id=access.membership.clinic_id,
        version=current.version + 1,
        title=title.strip(),
        body=body.strip() + "\n",
        change_note=change_note.strip(),
        created_by=access.user,
    )
    audit_access(
        access,
        action=AuditAction.CREATE,
        object_type="consent_template",
        object_id=template.pk,
        detail={"version": template.version, "sha256": template.body_sha256},
    )
    return template
