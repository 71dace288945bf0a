import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import given
from hypothesis import strategies as st

from filiform.clinics.access import Access, membership_for
from filiform.patients.search_keys import ALPHABET, name_key, phone_key, prefix_upper_bound
from filiform.patients.selectors import patient_search
from tests.conftest import World
from tests.factories import PatientFactory


def _access(world: World) -> Access:
    return Access(user=world.fran, membership=membership_for(world.fran, world.clinic))


def _names(world: World, query: str) -> list[str]:
    return [
        f"{p.family_name}, {p.given_names}"
        for p in patient_search(access=_access(world), query=query)
    ]


def test_keys_fold_case_accents_and_punctuation() -> None:
    assert name_key("Côté-Roy") == "coteroy"
    assert name_key("O'Neil") == "oneil"
    assert name_key("ÉLISE") == "elise"
    assert phone_key("+1 (613) 555-0142") == "6135550142"
    assert phone_key("613.555.0142") == "6135550142"


@given(st.text(alphabet=ALPHABET, min_size=1, max_size=6), st.text(alphabet=ALPHABET, max_size=6))
def test_every_key_with_the_prefix_sorts_inside_the_range(prefix: str, rest: str) -> None:
    key = prefix + rest
    upper = prefix_upper_bound(prefix)
    assert key >= prefix
    assert upper is None or key < upper


def test_search_by_name_prefix_ignores_accents(world: World) -> None:
    PatientFactory(clinic=world.clinic, family_name="Côté", given_names="Élise")
    PatientFactory(clinic=world.clinic, family_name="Cotter", given_names="Sam")
    PatientFactory(clinic=world.other_clinic, family_name="Cote", given_names="Other")
    assert _names(world, "cote") == ["Côté, Élise"]
    assert _names(world, "cot") == ["Côté, Élise", "Cotter, Sam"]
    assert _names(world, "elise") == ["Côté, Élise"]
    assert _names(world, "cot sam") == ["Cotter, Sam"]


def test_search_by_phone_and_date_of_birth(world: World) -> None:
    PatientFactory(
        clinic=world.clinic,
        family_name="Ames",
        phone="+1 613 555 0177",
        birth_date=dt.date(1970, 3, 4),
    )
    PatientFactory(
        clinic=world.clinic,
        family_name="Bell",
        phone="416-555-0100",
        birth_date=dt.date(1970, 3, 5),
    )
    assert _names(world, "0177") == ["Ames, Casey"]
    assert _names(world, "613 555 0177") == ["Ames, Casey"]
    assert _names(world, "613-555") == ["Ames, Casey", "Zanzibarian, Quill"]
    assert _names(world, "(416) 555-0100") == ["Bell, Casey"]
    assert _names(world, "1970-03-05") == ["Bell, Casey"]
    assert _names(world, "1970-02-30") == []
    assert _names(world, "ames 1970-03-05") == []


def test_search_inactive_patients_are_left_out(world: World) -> None:
    PatientFactory(clinic=world.clinic, family_name="Gone", active=False)
    assert _names(world, "gone") == []


def test_search_is_one_query_and_uses_an_index(world: World) -> None:
    PatientFactory.create_batch(5, clinic=world.clinic)
    results = patient_search(access=_access(world), query="zanz")
    with CaptureQueriesContext(connection) as queries:
        assert len(list(results)) == 1
    assert len(queries) == 1
    sql = queries[0]["sql"]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + sql)
            plan = " ".join(str(row) for row in cursor.fetchall())
            assert "USING INDEX" in plan
        else:
            cursor.execute("SET enable_seqscan = off")
            cursor.execute("EXPLAIN " + sql)
            plan = " ".join(row[0] for row in cursor.fetchall())
            assert "Seq Scan" not in plan
            cursor.execute("SET enable_seqscan = on")
