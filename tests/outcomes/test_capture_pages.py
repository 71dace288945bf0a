"""The clinician's capture forms on the visit page: each instrument's form posts and stores its
score; a bad value is shown next to its field with nothing saved; too few items is stored as not
scorable with why; the visit card lists the measures; the owner loads licensed item wording."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from filiform.charting.models import Visit
from filiform.charting.visits import visit_sign, visit_start
from filiform.outcomes.models import InstrumentText, Measurement
from filiform.outcomes.services import item_labels, measurement_record
from tests.aftercare.needled import cleared
from tests.clinical import access_for
from tests.conftest import World, client_for

pytestmark = pytest.mark.django_db

NDI = {f"item_{n}": v for n, v in enumerate(["2", "1", "3", "0", "2", "1", "2", "3", "1", "2"], 1)}


@pytest.fixture
def visit(world: World) -> Visit:
    cleared(world)
    episode = world.patient.episodes.get()
    return visit_start(
        access=access_for(world.bob, world.clinic),
        patient_id=world.patient.pk,
        episode_id=episode.pk,
        subjective="Neck pain",
        assessment="Active trigger points reproduce the pain",
    )


def url(world: World, visit: Visit, instrument: str) -> str:
    return reverse(
        "outcomes_capture:capture",
        kwargs={"clinic_slug": world.clinic.slug, "visit_id": visit.pk, "instrument": instrument},
    )


def visit_page(world: World, visit: Visit) -> str:
    return reverse(
        "charting:visit", kwargs={"clinic_slug": world.clinic.slug, "visit_id": visit.pk}
    )


def post(world: World, visit: Visit, instrument: str, data: dict[str, Any]) -> Any:
    return client_for(world.bob).post(url(world, visit, instrument), data, follow=True)


@pytest.mark.parametrize(
    ("instrument", "data", "value", "band"),
    [
        ("nprs", {"rating": "6"}, Decimal("6"), ""),
        (
            "psfs",
            {
                "name_1": "Reversing the car",
                "rating_1": "3",
                "name_2": "Desk work",
                "rating_2": "5",
                "name_3": "Lifting my child",
                "rating_3": "4",
            },
            Decimal("4.0"),
            "",
        ),
        ("ndi", NDI, Decimal("34.0"), "moderate"),
        ("odi", NDI, Decimal("34.0"), "moderate"),
        (
            "quickdash",
            {f"item_{n}": "2" for n in range(1, 12)},
            Decimal("25.0"),
            "",
        ),
        ("lefs", {f"item_{n}": "3" for n in range(1, 21)}, Decimal("60"), ""),
        (
            "rom",
            {"movement": "cervical/rotation", "side": "right", "mode": "active", "degrees": "62"},
            Decimal("62.0"),
            "",
        ),
        (
            "ppt",
            {"site": "Right upper trapezius", "trial_1": "3.1", "trial_2": "3.4", "trial_3": "3.3"},
            Decimal("3.27"),
            "",
        ),
    ],
)
def test_each_form_stores_its_score_on_the_visit(
    world: World, visit: Visit, instrument: str, data: dict[str, Any], value: Decimal, band: str
) -> None:
    page = client_for(world.bob).get(url(world, visit, instrument))
    assert page.status_code == 200
    response = post(world, visit, instrument, data)
    assert response.redirect_chain[-1][0].endswith(visit_page(world, visit) + "#measures")
    stored = Measurement.objects.get()
    assert (stored.instrument, stored.value, stored.band) == (instrument, value, band)
    assert stored.visit == visit
    assert stored.source == "clinician"
    assert stored.recorded_by == world.bob
    text = response.content.decode()
    assert "recorded:" in text  # the score said at once
    assert 'data-testid="measure-row"' in text  # and listed on the card


def test_the_card_says_the_score_and_band(world: World, visit: Visit) -> None:
    response = post(world, visit, "ndi", NDI)
    text = response.content.decode()
    assert "NDI recorded: 34 %, moderate disability." in text
    response = post(
        world,
        visit,
        "rom",
        {"movement": "cervical/rotation", "side": "right", "mode": "active", "degrees": "62"},
    )
    assert "Neck rotation, right, active" in response.content.decode()
    assert "62° (normal 0–80°)" in response.content.decode()


@pytest.mark.parametrize(
    ("instrument", "data", "field", "message"),
    [
        ("nprs", {"rating": "11"}, "rating", "Choose the pain rating, from 0 to 10."),
        ("nprs", {}, "rating", "Choose the pain rating, from 0 to 10."),
        ("ndi", {**NDI, "item_4": ""}, "item_4", "Choose an answer, or “Not answered”."),
        ("ndi", {**NDI, "item_4": "6"}, "item_4", "Choose an answer, or “Not answered”."),
        (
            "psfs",
            {"name_1": "Desk work", "rating_1": "5", "name_2": "Driving", "rating_2": "4"},
            None,
            "The PSFS needs 3 to 5 activities; 2 were given.",
        ),
        (
            "psfs",
            {
                "name_1": "Desk work",
                "rating_1": "5",
                "name_2": "Driving",
                "rating_2": "4",
                "name_3": "Golf",
            },
            "rating_3",
            "This field is required.",
        ),
        (
            "psfs",
            {
                "name_1": "Desk work",
                "rating_1": "5",
                "name_2": "desk work",
                "rating_2": "4",
                "name_3": "Golf",
                "rating_3": "2",
            },
            "name_2",
            "Activity 2 repeats an activity already listed.",
        ),
        (
            "rom",
            {"movement": "cervical/rotation", "side": "right", "mode": "active", "degrees": "150"},
            "degrees",
            "150° is beyond the anatomical limit of 120° for neck rotation; check the value.",
        ),
        (
            "rom",
            {"movement": "knee/flexion", "side": "", "mode": "active", "degrees": "120"},
            "side",
            "Knee flexion needs a side: left or right.",
        ),
        (
            "rom",
            {"movement": "knee/flexion", "side": "left", "mode": "active", "degrees": "-5"},
            "degrees",
            "Degrees cannot be negative",
        ),
        (
            "ppt",
            {"site": "Right upper trapezius", "trial_1": "3.1", "trial_2": "25", "trial_3": "3"},
            "trial_2",
            "Trial 2 must be a number from 0 to 20 kg/cm².",
        ),
        (
            "ppt",
            {"site": "", "trial_1": "3.1", "trial_2": "2", "trial_3": "3"},
            "site",
            "This field is required.",
        ),
    ],
)
def test_bad_values_are_shown_next_to_their_field_and_nothing_is_saved(
    world: World,
    visit: Visit,
    instrument: str,
    data: dict[str, Any],
    field: str | None,
    message: str,
) -> None:
    response = client_for(world.bob).post(url(world, visit, instrument), data)
    assert response.status_code == 400
    form = response.context["form"]
    errors = form.errors.get(field or "__all__", [])
    assert any(message in e for e in errors), form.errors
    assert "Nothing was saved." in response.content.decode()
    assert not Measurement.objects.exists()


def test_the_other_answers_are_kept_after_a_refusal(world: World, visit: Visit) -> None:
    response = client_for(world.bob).post(url(world, visit, "ndi"), {**NDI, "item_4": ""})
    checked = re.findall(
        r'<input type="radio" name="(item_\d+)" value="(\w+)"[^>]*checked',
        response.content.decode(),
    )
    assert dict(checked) == {k: v for k, v in NDI.items() if k != "item_4"}


def test_too_few_items_is_stored_as_not_scorable_with_why(world: World, visit: Visit) -> None:
    data = {**NDI, "item_2": "na", "item_3": "na", "item_5": "na", "item_7": "na"}
    response = post(world, visit, "ndi", data)
    stored = Measurement.objects.get()
    assert not stored.scorable
    assert stored.value is None
    assert stored.answers["items"] == [2, None, None, 0, None, 1, None, 3, 1, 2]
    text = response.content.decode()
    why = "NDI needs at least 8 of 10 items answered; 6 were."
    assert stored.why_not == why
    assert f"Not scorable: {why}" in text  # in the message
    assert "Not scorable</span>" in text  # and on the card, in words


def test_psfs_is_pre_filled_with_the_episodes_previous_activities(
    world: World, visit: Visit
) -> None:
    measurement_record(
        access=access_for(world.bob, world.clinic),
        patient_id=world.patient.pk,
        instrument="psfs",
        answers={
            "activities": [
                {"name": "Reversing the car", "rating": 2},
                {"name": "Desk work", "rating": 4},
                {"name": "Lifting my child", "rating": 3},
            ]
        },
    )
    form = client_for(world.bob).get(url(world, visit, "psfs")).context["form"]
    assert [form[f"name_{n}"].value() for n in range(1, 5)] == [
        "Reversing the car",
        "Desk work",
        "Lifting my child",
        None,
    ]


def test_front_desk_cannot_capture_and_another_clinic_gets_404(world: World, visit: Visit) -> None:
    for user in (world.fran, world.bill):
        assert client_for(user).get(url(world, visit, "nprs")).status_code == 403
        assert client_for(user).post(url(world, visit, "nprs"), {"rating": "5"}).status_code == 403
    other = reverse(
        "outcomes_capture:capture",
        kwargs={"clinic_slug": world.other_clinic.slug, "visit_id": visit.pk, "instrument": "nprs"},
    )
    assert client_for(world.olga).post(other, {"rating": "5"}).status_code == 404
    assert (
        client_for(world.olga).post(url(world, visit, "nprs"), {"rating": "5"}).status_code == 404
    )
    assert client_for(world.bob).get(url(world, visit, "vas")).status_code == 404
    assert not Measurement.objects.exists()


def test_a_signed_visit_takes_no_new_measure(world: World, visit: Visit) -> None:
    post(world, visit, "nprs", {"rating": "4"})
    visit_sign(access=access_for(world.bob, world.clinic), visit_id=visit.pk)
    response = post(world, visit, "nprs", {"rating": "3"})
    assert "This visit is signed" in response.content.decode()
    assert Measurement.objects.count() == 1
    assert "4/10" in response.content.decode()  # the card still lists what was taken


def test_the_visit_card_offers_every_instrument(world: World, visit: Visit) -> None:
    text = client_for(world.bob).get(visit_page(world, visit)).content.decode()
    assert 'data-testid="measures-card"' in text
    for code in ("nprs", "psfs", "ndi", "odi", "quickdash", "lefs", "rom", "ppt"):
        assert url(world, visit, code) in text
    assert "No measures taken in this visit yet." in text


# --- the owner's page: licensed wording ---------------------------------------------------------


def texts_url(world: World) -> str:
    return reverse("outcomes_capture:texts", kwargs={"clinic_slug": world.clinic.slug})


def test_the_owner_loads_wording_which_the_form_then_shows(world: World, visit: Visit) -> None:
    owner = client_for(world.alice)
    page = owner.get(texts_url(world)).content.decode()
    assert "Filiform ships no questionnaire wording." in page
    assert "Neutral labels" in page
    lines = "\n".join(f"Licensed NDI wording {n}" for n in range(1, 11)) + "\n\n"
    response = owner.post(texts_url(world), {"instrument": "ndi", "texts": lines}, follow=True)
    text = response.content.decode()
    assert "The wording of the 10 items of NDI is loaded." in text
    assert "Wording loaded" in text
    assert InstrumentText.objects.filter(clinic=world.clinic, instrument="ndi").count() == 10
    form = client_for(world.bob).get(url(world, visit, "ndi")).content.decode()
    assert "Licensed NDI wording 3" in form
    assert "Item 3" not in form
    # Another clinic still sees neutral labels.
    from filiform.outcomes.instruments import Instrument

    assert item_labels(clinic_id=world.other_clinic.pk, instrument=Instrument.NDI)[2] == "Item 3"


def test_wrong_number_of_lines_is_refused_with_the_text_kept(world: World) -> None:
    response = client_for(world.alice).post(
        texts_url(world), {"instrument": "odi", "texts": "One\nTwo\nThree"}
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert "ODI has 10 items: paste 10 lines, one per item in order; 3 were pasted." in text
    assert "One\nTwo\nThree</textarea>" in text
    assert not InstrumentText.objects.exists()


def test_only_the_owner_loads_wording(world: World) -> None:
    for user in (world.bob, world.fran):
        assert client_for(user).get(texts_url(world)).status_code == 403
    lines = "\n".join(str(n) for n in range(10))
    assert (
        client_for(world.bob)
        .post(texts_url(world), {"instrument": "ndi", "texts": lines})
        .status_code
        == 403
    )
    assert not InstrumentText.objects.exists()
