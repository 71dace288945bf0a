"""The shipped muscle catalogue: shape, safety fields and coverage of the reviewed source list."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from filiform.anatomy.catalogue import DATA_FILE, ROOT_LEVEL, Muscle, muscle_catalogue
from filiform.anatomy.regions import THORAX_CAUTIONS, Caution, Limb, Region

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
    assert catalogue["rhomboids"].max_depth_mm == 19


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
