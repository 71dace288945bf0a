"""The clearance panel's headline at its edges (issue 16, item 7): Go only when nothing is
blocked or cautioned anywhere, "Go for some muscles" naming the blocked ones, Caution when only
cautions, No-go for a reason that holds for every muscle; each cause named once; the redacted
view (front desk, billing) shows no health detail. Pure: clearances are built by hand."""

from __future__ import annotations

import datetime as dt

from filiform.accounts.models import User
from filiform.anatomy.catalogue import muscle_get
from filiform.anatomy.regions import Region, Side
from filiform.clearance.decision import (
    Clearance,
    MuscleClearance,
    Reason,
    Source,
    Target,
    Verdict,
    _redacted,
)
from filiform.clearance.headline import (
    Group,
    Headline,
    Reach,
    Tone,
    clearance_headline,
    readiness_headline,
    region_rows,
)
from filiform.clinics.models import Membership, Role
from filiform.screening.rules import Level, RegionFinding

ANTICOAGULANT = Reason(
    Source.SCREENING,
    "contraindication",
    Level.BLOCK,
    "Anticoagulant or clotting disorder, and this muscle cannot be compressed after needling.",
)
BLEEDING = Reason(
    Source.SCREENING,
    "precaution",
    Level.CAUTION,
    "Bleeding risk: light technique and firm compression after removal.",
)
NO_CONSENT = Reason(Source.CONSENT, "consent", Level.BLOCK, "No consent on file.")
IMPLANT = Reason(
    Source.SCREENING, "precaution", Level.CAUTION, "Implant nearby (left thigh and knee)."
)
PACEMAKER = Reason(
    Source.SCREENING,
    "technique_limited",
    Level.OK,
    "No electrical stimulation — Pacemaker.",
)
# A small body: neck, shoulder, forearm, pelvis and thigh muscles, both sides.
SLUGS = (
    "upper_trapezius",
    "subscapularis",
    "brachioradialis",
    "iliopsoas",
    "piriformis",
    "gluteus_medius",
    "vastus_lateralis",
)
UNCOMPRESSIBLE = {"subscapularis", "iliopsoas", "piriformis"}


def _targets() -> list[Target]:
    return [Target(muscle_get(slug), side) for slug in SLUGS for side in (Side.LEFT, Side.RIGHT)]


def _verdict(reasons: list[Reason], general: list[Reason]) -> Verdict:
    level = max((r.level for r in reasons + general), default=Level.OK)
    return {Level.OK: Verdict.GO, Level.CAUTION: Verdict.CAUTION, Level.BLOCK: Verdict.NO_GO}[level]


def _clearance(
    reasons_of: dict[Target, list[Reason]] | None = None, general: list[Reason] | None = None
) -> Clearance:
    general = general or []
    reasons_of = reasons_of or {}
    muscles = [
        MuscleClearance(t, _verdict(reasons_of.get(t, []), general), reasons_of.get(t, []))
        for t in _targets()
    ]
    verdicts = {m.verdict for m in muscles}
    practitioner = Membership(
        user=User(email="bob@clinic.test", first_name="Bob", last_name="Physio"),
        role=Role.PHYSIOTHERAPIST,
    )
    return Clearance(
        patient_id=1,
        practitioner=practitioner,
        at=dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC),
        verdict=next(v for v in (Verdict.NO_GO, Verdict.CAUTION, Verdict.GO) if v in verdicts),
        reasons=general,
        muscles=muscles,
    )


def _anticoagulated() -> Clearance:
    return _clearance(
        {
            t: [ANTICOAGULANT, BLEEDING] if t.muscle.slug in UNCOMPRESSIBLE else [BLEEDING]
            for t in _targets()
        }
    )


def _said(clearance: Clearance) -> str:
    """Everything the panel would print: the headline and the region rows."""
    headline = clearance_headline(clearance)
    parts = [headline.title, headline.sentence]
    parts += [r.text for r in headline.general + headline.notes]
    parts += [
        f"{g.where}: {g.cause}" for g in headline.blocked + headline.cautions + headline.everywhere
    ]
    parts += [", ".join(r.muscles) for r in region_rows(clearance)]
    return "\n".join(parts)


def test_go_only_when_nothing_is_blocked_or_cautioned_anywhere() -> None:
    headline = clearance_headline(_clearance())
    assert (headline.tone, headline.title) == (Tone.GO, "Go")
    assert "Bob Physio may needle this patient today" in headline.sentence
    assert headline.blocked == headline.cautions == headline.everywhere == []
    assert headline.general == []


def test_one_region_blocked_is_go_for_some_muscles_naming_them_and_the_cause_once() -> None:
    clearance = _anticoagulated()
    headline = clearance_headline(clearance)
    assert headline.tone == Tone.LIMITED
    assert headline.title == "Go for some muscles"
    assert headline.blocked == [
        Group(
            Level.BLOCK,
            ANTICOAGULANT.text,
            Reach.SOME,
            ("Subscapularis", "Iliopsoas", "Piriformis"),  # body order: shoulder, then pelvis
        )
    ]
    assert headline.everywhere == [Group(Level.CAUTION, BLEEDING.text, Reach.OTHERS)]
    assert headline.everywhere[0].where == "Every other muscle"
    said = _said(clearance)
    assert said.count("cannot be compressed") == 1
    assert said.count("Bleeding risk") == 1


def test_a_muscle_blocked_on_one_side_is_named_with_its_side() -> None:
    left = Target(muscle_get("subscapularis"), Side.LEFT)
    headline = clearance_headline(_clearance({left: [ANTICOAGULANT]}))
    assert headline.tone == Tone.LIMITED
    assert headline.blocked[0].muscles == ("Subscapularis (left)",)


def test_only_cautions_is_caution_never_go() -> None:
    everywhere = clearance_headline(_clearance({t: [BLEEDING] for t in _targets()}))
    assert (everywhere.tone, everywhere.title) == (Tone.CAUTION, "Caution")
    assert everywhere.everywhere == [Group(Level.CAUTION, BLEEDING.text, Reach.EVERY)]
    assert everywhere.everywhere[0].where == "Every muscle"
    thigh = {t: [IMPLANT] for t in _targets() if t.muscle.slug == "vastus_lateralis"}
    some = clearance_headline(_clearance(thigh))
    assert some.tone == Tone.CAUTION
    assert some.cautions == [Group(Level.CAUTION, IMPLANT.text, Reach.SOME, ("Vastus lateralis",))]


def test_a_general_block_is_no_go_with_the_reason_once() -> None:
    clearance = _clearance(
        {t: [BLEEDING] for t in _targets()},
        general=[NO_CONSENT],
    )
    headline = clearance_headline(clearance)
    assert (headline.tone, headline.title) == (Tone.NO_GO, "No-go")
    assert headline.general == [NO_CONSENT]
    assert "may not needle" in headline.sentence
    assert _said(clearance).count("No consent on file.") == 1


def test_a_block_on_every_muscle_is_no_go() -> None:
    phobia = Reason(Source.SCREENING, "contraindication", Level.BLOCK, "Needle phobia.")
    headline = clearance_headline(_clearance({t: [phobia] for t in _targets()}))
    assert headline.tone == Tone.NO_GO
    assert headline.everywhere == [Group(Level.BLOCK, "Needle phobia.", Reach.EVERY)]
    assert not headline.blocked


def test_a_technique_limit_alone_is_go_with_limits_not_green() -> None:
    headline = clearance_headline(_clearance(general=[PACEMAKER]))
    assert headline.tone == Tone.LIMITED
    assert headline.title == "Go, with limits"
    assert headline.notes == [PACEMAKER]
    assert not headline.general


def test_the_redacted_view_names_no_health_detail() -> None:
    clearance = _redacted(_anticoagulated())
    headline = clearance_headline(clearance)
    assert headline.title == "Go for some muscles"  # the verdicts stay
    said = _said(clearance)
    for detail in ("Anticoagulant", "compressed", "Bleeding"):
        assert detail not in said
    assert said.count("A screening finding applies (details are for clinicians).") <= 2


def test_region_rows_name_muscles_not_causes() -> None:
    rows = {r.region: r for r in region_rows(_anticoagulated())}
    pelvis = rows[Region.PELVIS_HIP]
    assert (pelvis.level, pelvis.partial) == (Level.BLOCK, True)
    assert pelvis.muscles == ("Iliopsoas", "Piriformis")
    forearm = rows[Region.FOREARM_HAND]
    assert (forearm.level, forearm.partial, forearm.muscles) == (Level.CAUTION, False, ())
    assert Region.LUMBAR not in rows  # no muscle of the small body there


def _regions(**levels: tuple[Level, bool]) -> list[RegionFinding]:
    found = [(region, *levels.get(region.value, (Level.OK, False))) for region in Region]
    return [RegionFinding(region, level, [], partial) for region, level, partial in found]


def test_front_desk_readiness_says_the_level_never_green_over_red() -> None:
    def ready(
        *,
        consent_in_force: bool = True,
        consent_reason: str = "Consent in force until 2027-03-01.",
        screening_problems: tuple[str, ...] = (),
        regions: list[RegionFinding] | None = None,
        chest_not_consented: bool = False,
    ) -> Headline:
        return readiness_headline(
            consent_in_force=consent_in_force,
            consent_reason=consent_reason,
            screening_problems=screening_problems,
            regions=_regions() if regions is None else regions,
            chest_not_consented=chest_not_consented,
        )

    assert ready().tone == Tone.GO
    no_consent = ready(consent_in_force=False, consent_reason="No consent on file.")
    assert (no_consent.tone, no_consent.title) == (Tone.NO_GO, "No-go")
    assert "No consent on file." in no_consent.sentence
    assert ready(screening_problems=("No screening on file: screen the patient.",)).tone == (
        Tone.NO_GO
    )
    some = ready(regions=_regions(pelvis_hip=(Level.BLOCK, True)))
    assert (some.tone, some.title) == (Tone.LIMITED, "Go for some muscles")
    assert ready(regions=_regions(leg_foot=(Level.CAUTION, False))).tone == Tone.CAUTION
    everything = ready(regions=[RegionFinding(r, Level.BLOCK, [], False) for r in Region])
    assert everything.tone == Tone.NO_GO
    assert ready(chest_not_consented=True).tone == Tone.LIMITED
