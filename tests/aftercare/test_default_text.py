"""A clinic still on Filiform's earlier default aftercare text gets the corrected default as a new
version (issue 16, item 11); sheets already issued keep what the patient was given, and a
clinic's own text is never replaced."""

from __future__ import annotations

from django.core.management.sql import emit_post_migrate_signal

from filiform.aftercare.default_text import RETIRED_DEFAULTS, aftercare_default_upgrade
from filiform.aftercare.instructions import (
    DEFAULT_BODY,
    DEFAULT_THORAX_WARNING,
    DEFAULT_TITLE,
    template_current_of_clinic,
)
from filiform.aftercare.models import AftercareSheet, AftercareTemplate
from filiform.audit.models import AuditAction, AuditEntry
from tests.aftercare.needled import cleared, needled_visit
from tests.conftest import World


def _old_default(world: World) -> AftercareTemplate:
    title, body, warning = RETIRED_DEFAULTS[0]
    return AftercareTemplate.objects.create(
        clinic=world.clinic,
        version=1,
        title=title,
        body=body,
        thorax_warning=warning,
        change_note="Filiform's default text",
    )


def test_the_retired_default_is_the_text_that_was_shipped() -> None:
    _title, body, warning = RETIRED_DEFAULTS[0]
    assert "Soreness is normal." in body
    assert "base of the neck" not in warning
    assert (body, warning) != (DEFAULT_BODY, DEFAULT_THORAX_WARNING)


def test_a_clinic_on_the_old_default_gets_the_new_one_and_issued_sheets_keep_theirs(
    world: World,
) -> None:
    old = _old_default(world)
    cleared(world)
    visit = needled_visit(world, ("rhomboids:left",))
    sheet = AftercareSheet.objects.get(visit=visit)
    content = sheet.content
    assert sheet.template_id == old.pk
    assert content is not None
    assert content["template"]["thorax_warning"] == RETIRED_DEFAULTS[0][2]

    added = aftercare_default_upgrade()

    assert [t.clinic_id for t in added] == [world.clinic.pk]
    current = template_current_of_clinic(world.clinic.pk)
    assert current.version == 2
    assert (current.title, current.body, current.thorax_warning) == (
        DEFAULT_TITLE,
        DEFAULT_BODY,
        DEFAULT_THORAX_WARNING,
    )
    assert "corrected" in current.change_note
    sheet.refresh_from_db()
    assert sheet.content == content
    assert sheet.template_id == old.pk
    assert AuditEntry.objects.filter(
        action=AuditAction.CREATE, object_type="aftercare_template", object_id=str(current.pk)
    ).exists()
    assert aftercare_default_upgrade() == []  # once only


def test_a_clinic_with_its_own_text_keeps_it(world: World) -> None:
    old = _old_default(world)
    own = AftercareTemplate.objects.create(
        clinic=world.clinic,
        version=2,
        title=old.title,
        body=old.body + "\nCall Dr Quill's line for anything else.\n",
        thorax_warning=old.thorax_warning,
        change_note="Our phone line",
    )
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    assert template_current_of_clinic(world.clinic.pk) == own


def test_migrate_brings_a_clinic_on_the_old_default_up_to_date(world: World) -> None:
    _old_default(world)
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    assert template_current_of_clinic(world.clinic.pk).body == DEFAULT_BODY
