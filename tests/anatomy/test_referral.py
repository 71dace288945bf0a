"""Referral zones per muscle: complete, valid, and holding the patterns pain-area search relies on."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from filiform.anatomy.catalogue import muscle_catalogue
from filiform.anatomy.chart import DATA, chart_zones, referral_zones

REFERRAL_FILE = DATA / "referral.json"

# Pain area -> muscles that must list it (classic trigger-point referral; a search by pain area
# relies on these).
EXPECTED_REFERRERS: dict[str, set[str]] = {
    "temple": {
        "upper_trapezius",
        "temporalis",
        "sternocleidomastoid",
        "semispinalis_capitis",
        "suboccipitals",
    },
    "lateral_thigh": {"gluteus_minimus", "tensor_fasciae_latae", "vastus_lateralis"},
    "heel": {"soleus", "quadratus_plantae", "abductor_hallucis"},
    "lateral_elbow": {
        "supinator",
        "extensor_carpi_radialis",
        "brachioradialis",
        "triceps_brachii",
    },
    "sacroiliac": {
        "quadratus_lumborum",
        "gluteus_medius",
        "gluteus_maximus",
        "lumbar_multifidus",
        "soleus",
    },
    "medial_scapular_border": {
        "levator_scapulae",
        "rhomboids",
        "scalenes",
        "serratus_posterior_superior",
    },
    "groin": {"adductor_longus_brevis", "iliopsoas", "quadratus_lumborum"},
    "kneecap": {"rectus_femoris"},
    "medial_knee": {"vastus_medialis", "gracilis", "sartorius"},
    "vertex": {"splenius_capitis"},
}


def _raw_pairs() -> list[tuple[str, object]]:
    pairs: list[tuple[str, object]] = []

    def keep(items: list[tuple[str, object]]) -> dict[str, object]:
        pairs.extend(items)
        return dict(items)

    json.loads(REFERRAL_FILE.read_text(encoding="utf-8"), object_pairs_hook=keep)
    return pairs


@pytest.fixture(scope="module")
def referral() -> dict[str, tuple[str, ...]]:
    return referral_zones()


def test_file_is_an_object_of_string_lists_without_repeated_keys() -> None:
    pairs = _raw_pairs()
    repeated = [slug for slug, n in Counter(slug for slug, _ in pairs).items() if n > 1]
    assert repeated == []
    for slug, zones in pairs:
        assert isinstance(zones, list), slug
        assert all(isinstance(zone, str) for zone in zones), slug


def test_every_catalogue_muscle_has_zones(referral: dict[str, tuple[str, ...]]) -> None:
    missing = sorted(set(muscle_catalogue()) - set(referral))
    assert missing == []
    empty = sorted(slug for slug, zones in referral.items() if not zones)
    assert empty == []


def test_no_unknown_slugs(referral: dict[str, tuple[str, ...]]) -> None:
    assert sorted(set(referral) - set(muscle_catalogue())) == []


def test_every_zone_exists(referral: dict[str, tuple[str, ...]]) -> None:
    known = set(chart_zones())
    unknown = {slug: sorted(set(zones) - known) for slug, zones in referral.items()}
    assert {slug: bad for slug, bad in unknown.items() if bad} == {}


def test_no_zone_repeated_within_a_muscle(referral: dict[str, tuple[str, ...]]) -> None:
    repeated = {
        slug: [zone for zone, n in Counter(zones).items() if n > 1]
        for slug, zones in referral.items()
    }
    assert {slug: zones for slug, zones in repeated.items() if zones} == {}


def test_every_zone_is_reached_by_some_muscle(referral: dict[str, tuple[str, ...]]) -> None:
    used = {zone for zones in referral.values() for zone in zones}
    assert sorted(set(chart_zones()) - used) == []


@pytest.mark.parametrize("zone", sorted(EXPECTED_REFERRERS))
def test_classic_referrers_list_the_zone(zone: str, referral: dict[str, tuple[str, ...]]) -> None:
    assert zone in chart_zones()
    lacking = sorted(
        slug for slug in EXPECTED_REFERRERS[zone] if zone not in referral.get(slug, ())
    )
    assert lacking == []


def test_primary_zones_of_key_examples(referral: dict[str, tuple[str, ...]]) -> None:
    assert referral["rectus_femoris"][0] == "kneecap"
    assert referral["soleus"][0] == "heel"
    assert referral["temporalis"][0] == "temple"
    assert referral["levator_scapulae"][0] == "base_of_neck"
