"""The versioned-text base (filiform/clinics/text_versions.py), as the consent text and the
aftercare sheet use it: a new version is published, older ones stay, none changes or goes."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from filiform.aftercare.models import AftercareTemplate
from filiform.audit.models import AuditEntry
from filiform.clinics.records import RecordNeverDeleted
from filiform.clinics.text_versions import VersionChanged, version_current, version_publish
from filiform.consent.models import ConsentTemplate
from tests.clinical import access_for
from tests.conftest import World

DEFAULT = {"title": "Consent", "body": "Default text\n", "change_note": "default"}


def test_publishing_adds_the_next_version_and_keeps_the_earlier(world: World) -> None:
    alice = access_for(world.alice, world.clinic)
    first = version_current(ConsentTemplate, clinic_id=world.clinic.pk, default=DEFAULT)
    second = version_publish(
        ConsentTemplate,
        access=alice,
        fields={"title": "Consent", "body": "Clearer text\n", "change_note": "clearer"},
        default=DEFAULT,
        object_type="consent_template",
    )
    assert (first.version, second.version) == (1, 2)
    assert second.created_by == world.alice
    assert list(ConsentTemplate.objects.of(alice).values_list("version", "body")) == [
        (2, "Clearer text\n"),
        (1, "Default text\n"),
    ]
    assert version_current(ConsentTemplate, clinic_id=world.clinic.pk, default=DEFAULT) == second
    entry = AuditEntry.objects.get(object_type="consent_template", object_id=str(second.pk))
    assert entry.detail == {"version": 2, "sha256": second.body_sha256}
    # Another clinic's text is its own, seeded on first use.
    other = version_current(ConsentTemplate, clinic_id=world.other_clinic.pk, default=DEFAULT)
    assert other.version == 1


def test_the_same_text_again_is_refused(world: World) -> None:
    alice = access_for(world.alice, world.clinic)
    current = version_current(
        AftercareTemplate,
        clinic_id=world.clinic.pk,
        default={"title": "After needling", "body": "Rest.\n", "thorax_warning": "Chest.\n"},
    )
    with pytest.raises(ValidationError, match="same as the current version 1"):
        version_publish(
            AftercareTemplate,
            access=alice,
            fields={"title": "After needling", "body": "Rest.", "thorax_warning": " Chest."},
            default={},
            object_type="aftercare_template",
        )
    changed = version_publish(
        AftercareTemplate,
        access=alice,
        fields={"title": "After needling", "body": "Rest.", "thorax_warning": "Chest, ribs."},
        default={},
        object_type="aftercare_template",
    )
    assert changed.version == current.version + 1
    assert changed.body_sha256 != current.body_sha256  # the warning counts in the fingerprint


def test_a_version_is_never_changed_nor_deleted(world: World) -> None:
    version = version_current(ConsentTemplate, clinic_id=world.clinic.pk, default=DEFAULT)
    version.body = "edited"
    with pytest.raises(VersionChanged, match="never changed"):
        version.save()
    with pytest.raises(RecordNeverDeleted):
        version.delete()
    with pytest.raises(RecordNeverDeleted), transaction.atomic():
        ConsentTemplate.objects.filter(pk=version.pk).delete()
