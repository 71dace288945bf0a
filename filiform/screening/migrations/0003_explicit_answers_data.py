"""Screenings stored before explicit answers, rewritten in the yes / no / unsure format.

The old questionnaire stored ``true`` / ``false`` and lists, and its page could not tell "no"
from "not asked" (an empty form saved as a clean screening). So:

- ``true`` (or a non-empty list, epilepsy controlled or uncontrolled, medications written) →
  ``"yes"`` with the same details;
- ``false``, an empty list, epilepsy "none", no medications or a missing answer → unanswered;
- every such screening is marked ``predates_explicit_answers``: it clears no one, and the
  clearance asks for a re-screen.

The conversion is frozen here (it must not follow later changes to the answers model).
Reversing writes the old format back (an unanswered question becomes ``false``)."""

from __future__ import annotations

from typing import Any

from django.db import migrations

FLAGS = (
    "needle_phobia",
    "unwilling",
    "unable_to_consent",
    "acute_medical_condition",
    "previous_adverse_reaction",
    "bleeding_disorder",
    "metal_allergy",
    "unstable_heart_condition",
    "immunocompromised",
    "diabetes",
    "vascular_disease",
    "pregnant",
    "systemic_infection",
    "psychogenic_pain",
)
# old list answer → (question, its list)
LISTS = {
    "lymphoedema": ("lymphoedema", "lymphoedema_limbs"),
    "anticoagulants": ("anticoagulants", "anticoagulant_drugs"),
    "antiplatelets": ("antiplatelets", "antiplatelet_drugs"),
    "infected_skin": ("infected_skin", "infected_skin_sites"),
    "swollen_area": ("swollen_area", "swollen_area_sites"),
    "lymph_node_removal": ("lymph_node_removal", "lymph_node_removal_limbs"),
    "recent_surgery": ("recent_surgery", "surgeries"),
    "implants": ("implants", "implant_sites"),
    "acute_trauma": ("acute_trauma", "acute_trauma_sites"),
}
KEPT = (
    "previous_adverse_reaction_detail",
    "anticoagulant_other",
    "antiplatelet_other",
    "immunocompromised_detail",
    "pregnancy_weeks",
    "other_concerns",
)


def explicit_from_legacy(old: dict[str, Any]) -> dict[str, Any]:
    """One stored screening's answers in the explicit format: only what the old format could
    say for sure (a "yes"); everything else unanswered."""
    new: dict[str, Any] = {}
    for name in FLAGS:
        if old.get(name) is True:
            new[name] = "yes"
    for old_name, (question, listed) in LISTS.items():
        items = old.get(old_name) or []
        if items:
            new[question] = "yes"
            new[listed] = items
    if old.get("pacemaker") is True:
        new["electrical_implant"] = "yes"  # which device was not asked: the list stays empty
    if old.get("epilepsy") in ("controlled", "uncontrolled"):
        new["epilepsy"] = old["epilepsy"]
    medications = str(old.get("medications") or "").strip()
    if medications:
        new["medications"] = "yes"
        new["medication_list"] = medications
    for name in KEPT:
        if old.get(name) not in (None, ""):
            new[name] = old[name]
    # A detail kept without its "yes" (it could not happen in the old form) is dropped.
    for question, detail in (
        ("previous_adverse_reaction", "previous_adverse_reaction_detail"),
        ("immunocompromised", "immunocompromised_detail"),
        ("pregnant", "pregnancy_weeks"),
        ("anticoagulants", "anticoagulant_other"),
        ("antiplatelets", "antiplatelet_other"),
    ):
        if detail in new and new.get(question) != "yes":
            del new[detail]
    return new


def legacy_from_explicit(new: dict[str, Any]) -> dict[str, Any]:
    old: dict[str, Any] = {name: new.get(name) == "yes" for name in FLAGS}
    for old_name, (question, listed) in LISTS.items():
        old[old_name] = new.get(listed, []) if new.get(question) == "yes" else []
    old["pacemaker"] = new.get("electrical_implant") == "yes"
    epilepsy = new.get("epilepsy")
    old["epilepsy"] = epilepsy if epilepsy in ("controlled", "uncontrolled") else "none"
    old["medications"] = new.get("medication_list", "") if new.get("medications") == "yes" else ""
    for name in KEPT:
        if name in new:
            old[name] = new[name]
    return old


def forwards(apps: Any, schema_editor: Any) -> None:
    Screening = apps.get_model("screening", "Screening")
    for screening in Screening.objects.filter(predates_explicit_answers=False).iterator():
        screening.answers = explicit_from_legacy(screening.answers or {})
        screening.predates_explicit_answers = True
        screening.save(update_fields=["answers", "predates_explicit_answers"])


def backwards(apps: Any, schema_editor: Any) -> None:
    Screening = apps.get_model("screening", "Screening")
    Screening.objects.filter(status="draft").delete()
    for screening in Screening.objects.iterator():
        screening.answers = legacy_from_explicit(screening.answers or {})
        screening.save(update_fields=["answers"])


class Migration(migrations.Migration):
    dependencies = [("screening", "0002_explicit_answers")]

    operations = [migrations.RunPython(forwards, backwards)]
