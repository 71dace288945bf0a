"""The shipped muscle catalogue: shape, safety fields and coverage of the reviewed source list."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest
from django.test import Client

import filiform
from filiform.anatomy.catalogue import DATA_FILE, ROOT_LEVEL, Muscle, muscle_catalogue
from filiform.anatomy.regions import THORAX_CAUTIONS, Caution, Limb, Region
from filiform.anatomy.render import body_chart_svg
from tests.conftest import World, bearer, client_for

SOURCE_FILE = Path(__file__).resolve().parents[2].parent / "shared" / "domain" / "muscles.md"

# Every row of shared/domain/muscles.md, in its order. A row is matched by a muscle's name or
# synonym; rows lumping muscles that are needled separately map to the slugs they were split into.
SOURCE_ROWS = [
    "Upper trapezius",
    "Levator scapulae",
    "Sternocleidomastoid",
    "Scalenes",
    "Splenius capitis",
    "Semispinalis capitis",
    "Suboccipitals",
    "Temporalis",
    "Masseter",
    "Lateral pterygoid",
    "Supraspinatus",
    "Infraspinatus",
    "Teres minor",
    "Teres major",
    "Subscapularis",
    "Deltoid",
    "Latissimus dorsi",
    "Rhomboids",
    "Middle trapezius",
    "Lower trapezius",
    "Serratus anterior",
    "Serratus posterior superior",
    "Pectoralis major",
    "Pectoralis minor",
    "Intercostals",
    "Thoracic paraspinals",
    "Biceps brachii",
    "Triceps brachii",
    "Brachioradialis",
    "Extensor carpi radialis longus/brevis",
    "Extensor digitorum",
    "Supinator",
    "Pronator teres",
    "Wrist and finger flexors",
    "Quadratus lumborum",
    "Lumbar multifidus",
    "Iliocostalis lumborum",
    "Iliopsoas",
    "Gluteus maximus",
    "Gluteus medius",
    "Gluteus minimus",
    "Piriformis",
    "Tensor fasciae latae",
    "Adductor longus/brevis",
    "Adductor magnus",
    "Rectus femoris",
    "Vastus medialis",
    "Vastus lateralis",
    "Hamstrings",
    "Gastrocnemius",
    "Soleus",
    "Tibialis anterior",
    "Tibialis posterior",
    "Fibularis longus/brevis",
    "Popliteus",
    "Abductor hallucis",
    "Quadratus plantae",
    "Flexor digitorum longus",
]

SPLIT_ROWS = {
    "Wrist and finger flexors": {
        "flexor_carpi_radialis",
        "flexor_carpi_ulnaris",
        "flexor_digitorum_superficialis",
        "flexor_digitorum_profundus",
    },
    "Hamstrings": {"biceps_femoris", "semitendinosus", "semimembranosus"},
    "Fibularis longus/brevis": {"fibularis_longus", "fibularis_brevis"},
}

# Slugs other code and tests already use: they must never change.
STARTER_SLUGS = {
    "upper_trapezius",
    "sternocleidomastoid",
    "infraspinatus",
    "deltoid",
    "extensor_carpi_radialis",
    "rhomboids",
    "pectoralis_major",
    "thoracic_paraspinals",
    "rectus_abdominis",
    "quadratus_lumborum",
    "iliopsoas",
    "gluteus_medius",
    "vastus_lateralis",
    "gastrocnemius",
    "tibialis_posterior",
}

LIMB_OF_REGION: dict[Region, Limb | None] = {
    Region.HEAD_NECK: None,
    Region.SHOULDER_ARM: Limb.UPPER,
    Region.FOREARM_HAND: Limb.UPPER,
    Region.THORAX: None,
    Region.LUMBAR: None,
    Region.ABDOMEN: None,
    Region.PELVIS_HIP: Limb.LOWER,
    Region.THIGH_KNEE: Limb.LOWER,
    Region.LEG_FOOT: Limb.LOWER,
}


def _key(text: str) -> str:
    return " ".join(text.casefold().replace("/", " and ").split())


@pytest.fixture(scope="module")
def muscles() -> list[Muscle]:
    return list(muscle_catalogue().values())


def test_at_least_sixty_muscles(muscles: list[Muscle]) -> None:
    assert len(muscles) >= 60


def test_slugs_are_unique_in_the_file() -> None:
    rows = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    repeated = [slug for slug, n in Counter(row["slug"] for row in rows).items() if n > 1]
    assert repeated == []


def test_starter_slugs_are_kept() -> None:
    assert not STARTER_SLUGS - set(muscle_catalogue())


def test_every_root_level_is_valid(muscles: list[Muscle]) -> None:
    for muscle in muscles:
        assert all(ROOT_LEVEL.match(level) for level in muscle.root_levels), muscle.slug
        assert len(set(muscle.root_levels)) == len(muscle.root_levels), muscle.slug


def test_root_levels_are_in_spinal_order(muscles: list[Muscle]) -> None:
    order = {letter: i for i, letter in enumerate("CTLS")}
    for muscle in muscles:
        keys = [(order[level[0]], int(level[1:])) for level in muscle.root_levels]
        assert keys == sorted(keys), muscle.slug


def test_spinal_muscles_have_root_levels(muscles: list[Muscle]) -> None:
    # Only muscles supplied by cranial nerves alone (jaw and temple) may have none.
    cranial_only = {"temporalis", "masseter", "lateral_pterygoid"}
    missing = {m.slug for m in muscles if not m.root_levels}
    assert missing == cranial_only


def test_every_region_is_valid(muscles: list[Muscle]) -> None:
    for muscle in muscles:
        assert muscle.region in Region.values, muscle.slug


def test_limb_matches_region(muscles: list[Muscle]) -> None:
    for muscle in muscles:
        expected = LIMB_OF_REGION[Region(muscle.region)]
        assert muscle.limb == expected, f"{muscle.slug}: {muscle.limb} in {muscle.region}"


def test_no_uberon_id_is_repeated(muscles: list[Muscle]) -> None:
    ids = [m.uberon for m in muscles if m.uberon]
    assert ids, "some rows carry a checked UBERON id"
    assert [i for i, n in Counter(ids).items() if n > 1] == []


def test_non_compressible_muscles_are_explained(muscles: list[Muscle]) -> None:
    blocked = {m.slug for m in muscles if not m.compressible}
    assert {"iliopsoas", "tibialis_posterior", "quadratus_lumborum"} <= blocked
    for muscle in muscles:
        if not muscle.compressible:
            assert "compressible" in muscle.review_note.casefold(), muscle.slug


def test_lung_muscles_say_how_to_needle_them(muscles: list[Muscle]) -> None:
    over_thorax = [m for m in muscles if m.caution in THORAX_CAUTIONS]
    assert over_thorax
    for muscle in over_thorax:
        assert muscle.over_thorax
        assert muscle.caution_note.strip(), muscle.slug


def test_chest_wall_muscles_carry_a_lung_caution() -> None:
    catalogue = muscle_catalogue()
    high = {"rhomboids", "middle_trapezius", "lower_trapezius", "serratus_anterior", "intercostals"}
    for slug in high:
        assert catalogue[slug].caution == Caution.HIGH_LUNG, slug
    for slug in ("upper_trapezius", "scalenes", "pectoralis_major", "thoracic_paraspinals"):
        assert catalogue[slug].caution == Caution.LUNG, slug


def test_every_caution_other_than_none_is_explained(muscles: list[Muscle]) -> None:
    for muscle in muscles:
        if muscle.caution != Caution.NONE:
            assert muscle.caution_note.strip(), muscle.slug


def test_synonyms_resolve_to_one_muscle(muscles: list[Muscle]) -> None:
    owner: dict[str, str] = {}
    clashes = []
    for muscle in muscles:
        for term in {_key(muscle.name), *(_key(s) for s in muscle.synonyms)}:
            if term in owner and owner[term] != muscle.slug:
                clashes.append((term, owner[term], muscle.slug))
            owner[term] = muscle.slug
    assert clashes == []


def test_every_source_row_is_present(muscles: list[Muscle]) -> None:
    by_term = {}
    for muscle in muscles:
        for term in (muscle.name, *muscle.synonyms):
            by_term[_key(term)] = muscle.slug
    catalogue = muscle_catalogue()
    for row in SOURCE_ROWS:
        if row in SPLIT_ROWS:
            parts = SPLIT_ROWS[row]
            assert parts <= set(catalogue), row
            for slug in parts:
                assert row.casefold() in catalogue[slug].review_note.casefold(), slug
        else:
            assert _key(row) in by_term, row


def test_source_rows_match_the_shared_file() -> None:
    if not SOURCE_FILE.exists():
        pytest.skip("shared/domain/muscles.md is not beside this checkout")
    names = []
    for line in SOURCE_FILE.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and cells[0] not in ("Muscle", "") and not set(cells[0]) <= {"-"}:
            names.append(cells[0])
    assert names == SOURCE_ROWS


def test_flagged_and_changed_rows_carry_a_review_note(muscles: list[Muscle]) -> None:
    # Every row was reviewed; the note records what was checked and decided.
    for muscle in muscles:
        assert muscle.review_note.strip(), muscle.slug


def test_paired_unless_midline(muscles: list[Muscle]) -> None:
    for muscle in muscles:
        if not muscle.paired:
            assert "midline" in muscle.review_note.casefold(), muscle.slug


def test_notes_are_plain_sentences(muscles: list[Muscle]) -> None:
    for muscle in muscles:
        for text in (muscle.caution_note, muscle.review_note):
            assert text == text.strip(), muscle.slug
            assert not re.search(r"https?://", text), muscle.slug


# --- the clinical review of issue 16 (item 11): each correction pinned -------------------------


def _note(slug: str) -> str:
    return muscle_catalogue()[slug].caution_note.casefold()


def test_pectineus_is_needled_well_medial_of_the_femoral_vein() -> None:
    # The femoral vein lies directly medial to the artery: "medial to the pulse" is the vein.
    note = _note("pectineus")
    assert "femoral vein" in note
    assert "medial to the pulse" not in note
    assert "medial to the femoral pulse" not in note
    assert "adductor longus" in note
    assert "pubic" in note
    assert muscle_catalogue()["pectineus"].caution == Caution.NEUROVASCULAR


def test_adductor_longus_is_not_needled_just_medial_of_the_pulse() -> None:
    note = _note("adductor_longus_brevis")
    assert "femoral vein" in note
    assert "needle medial to it" not in note


def test_iliopsoas_names_the_femoral_nerve_lateral_to_the_pulse_and_the_iliacus_approach() -> None:
    note = _note("iliopsoas")
    assert "femoral nerve" in note
    assert "lateral to the" in note
    assert "iliacus" in note
    assert "anterior superior iliac spine" in note
    assert "ball" in muscle_catalogue()["iliopsoas"].review_note.casefold()


def test_the_chart_points_in_the_groin_say_what_lies_there() -> None:
    from filiform.anatomy.chart import chart_view

    labels = {
        (slug, point.id): point.label.casefold()
        for slug, points in chart_view("front").trigger_points.items()
        for point in points
    }
    assert "femoral vein" in labels[("pectineus", "tp1")]
    assert "medial to the femoral pulse" not in labels[("pectineus", "tp1")]
    assert "femoral nerve" in labels[("iliopsoas", "tp1")]
    iliacus = [label for (slug, _id), label in labels.items() if slug == "iliopsoas"]
    assert any("iliacus" in label for label in iliacus)


@pytest.mark.parametrize("slug", ["quadratus_lumborum", "iliocostalis_lumborum"])
def test_lumbar_muscles_name_the_lung_at_the_12th_rib_and_the_kidney(slug: str) -> None:
    # The usual (lumbar) target's hazard is the kidney; the upper fibres at the 12th rib /
    # T12 to L1 reach the pleura (the depth-zone data adds the lung caution there).
    muscle = muscle_catalogue()[slug]
    assert muscle.caution == Caution.ORGAN
    note = muscle.caution_note.casefold()
    assert "12th rib" in note
    assert "pleura" in note
    assert "kidney" in note


def test_lumbar_multifidus_is_not_a_chest_muscle() -> None:
    muscle = muscle_catalogue()["lumbar_multifidus"]
    assert muscle.caution == Caution.NEUROVASCULAR
    assert not muscle.over_thorax
    note = muscle.caution_note.casefold()
    assert "spinal canal" in note
    assert "pleura" in note
    assert "t12" in note


@pytest.mark.parametrize(
    ("slug", "when"),
    [("supraspinatus", "in front of the scapula"), ("external_oblique", "above the costal margin")],
)
def test_muscles_whose_notes_name_the_lung_carry_the_lung_caution(slug: str, when: str) -> None:
    muscle = muscle_catalogue()[slug]
    assert muscle.caution == Caution.LUNG
    assert muscle.over_thorax
    assert when in muscle.caution_note.casefold()


def test_teres_major_is_neurovascular_with_the_lung_only_when_aimed_medially() -> None:
    muscle = muscle_catalogue()["teres_major"]
    assert muscle.caution == Caution.NEUROVASCULAR
    note = muscle.caution_note.casefold()
    assert "axillary nerve" in note
    assert "posterior circumflex" in note
    assert "medially" in note
    assert "lung" in note


def test_a_high_neurovascular_level_exists_above_neurovascular() -> None:
    assert Caution.HIGH_NEUROVASCULAR == "high_neurovascular"
    assert Caution.HIGH_NEUROVASCULAR not in THORAX_CAUTIONS
    assert "advanced" in str(Caution.HIGH_NEUROVASCULAR.label).casefold()


def test_suboccipitals_carry_a_higher_level_than_temporalis() -> None:
    catalogue = muscle_catalogue()
    assert catalogue["suboccipitals"].caution == Caution.HIGH_NEUROVASCULAR
    assert catalogue["temporalis"].caution == Caution.NEUROVASCULAR


def test_every_high_neurovascular_muscle_is_justified(muscles: list[Muscle]) -> None:
    high = {m.slug for m in muscles if m.caution == Caution.HIGH_NEUROVASCULAR}
    assert high == {"suboccipitals", "lateral_pterygoid", "popliteus"}
    for muscle in muscles:
        if muscle.caution == Caution.HIGH_NEUROVASCULAR:
            assert "high_neurovascular" in muscle.review_note, muscle.slug
            assert "advanced" in muscle.caution_note.casefold(), muscle.slug
    # Decided against, with the reason recorded: a validated technique with a bony stop.
    multifidus = muscle_catalogue()["cervical_multifidus"]
    assert multifidus.caution == Caution.NEUROVASCULAR
    assert "high_neurovascular" in multifidus.review_note


def test_rhomboids_carry_no_lung_limit_from_a_target_depth() -> None:
    # 19 mm is the published depth for reaching the deep rhomboid (Valera-Calero et al.), not a
    # limit over the pleura: the depth limits live in the depth table, not on the muscle.
    muscle = muscle_catalogue()["rhomboids"]
    assert muscle.caution == Caution.HIGH_LUNG
    assert muscle.max_depth_mm is None
    assert "19 mm" not in muscle.caution_note
    assert "valera-calero" in muscle.review_note.casefold()


def test_every_caution_level_is_drawn_and_explained_on_the_chart(world: World) -> None:
    # The chart outlines a muscle by its level (CSS class caution-<level>) and the legend names
    # every level a muscle can carry, the new high neurovascular one included.
    svg = str(body_chart_svg("back"))
    assert re.search(r'class="muscle caution-high_neurovascular" data-muscle="suboccipitals"', svg)
    css = (Path(filiform.__file__).parent / "static" / "filiform" / "filiform.css").read_text()
    page = client_for(world.bob).get(f"/c/{world.clinic.slug}/anatomy/").content.decode()
    legend = page[page.index('data-testid="caution-legend"') :]
    legend = legend[: legend.index("</p>")]
    for level in Caution:
        if level == Caution.NONE:
            continue
        assert f".body-chart .muscle.caution-{level.value}" in css, level
        assert f"swatch caution-{level.value}" in legend, level
        assert f".legend .swatch.caution-{level.value}" in css, level
    assert "advanced technique" in legend


def test_the_api_filters_by_the_high_neurovascular_level(world: World) -> None:
    client = Client(**bearer(world.fran, world.clinic))
    found = client.get("/api/v1/muscles", {"caution": "high_neurovascular"}).json()
    assert {m["slug"] for m in found} == {"suboccipitals", "lateral_pterygoid", "popliteus"}
    assert {m["caution"] for m in found} == {"high_neurovascular"}
