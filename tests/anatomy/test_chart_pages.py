"""The body chart page, its fragments, the printable PDF, the anatomy API and a clinic's own
muscles and points."""

from __future__ import annotations

import io
import re

from django.test import Client
from pypdf import PdfReader

from filiform.anatomy.chart import chart_view
from filiform.anatomy.regions import Side
from filiform.anatomy.render import body_chart_svg
from filiform.anatomy.targets import parse_targets
from tests.conftest import World, bearer, client_for


def api(world: World, user) -> Client:
    return Client(**bearer(user, world.clinic))


def test_the_chart_renders_every_muscle_on_both_sides_with_its_data() -> None:
    svg = str(body_chart_svg("front", selected={("pectoralis_major", Side.RIGHT)}))
    assert svg.startswith("<svg")
    assert svg.count('data-muscle="pectoralis_major"') >= 2 + 2  # paths and trigger points
    assert 'data-muscle="pectoralis_major" data-side="left"' in svg
    selected = re.search(
        r'<path class="([^"]*)" data-muscle="pectoralis_major" data-side="right"', svg
    )
    assert selected
    assert "selected" in selected.group(1)
    assert "caution-lung" in selected.group(1)
    lit = re.findall(r'<path class="zone referral" data-zone="(\w+)" data-side="(\w+)"', svg)
    assert ("anterior_chest", "right") in lit
    assert ("anterior_chest", "left") not in lit


def test_chart_page_search_and_pain_fragments(world: World) -> None:
    client = client_for(world.fran)
    base = f"/c/{world.clinic.slug}/anatomy/"
    page = client.get(base, {"select": "deltoid:left", "levels": "C5-C6"}).content.decode()
    assert 'class="body-chart"' in page
    assert 'data-testid="segment"' in page
    assert "Cervical multifidus" in page
    assert re.search(
        r'class="muscle[^"]*selected[^"]*" data-muscle="deltoid" data-side="left"', page
    )
    found = client.get(base + "find/", {"q": "SCM"}).content.decode()
    assert 'data-select="sternocleidomastoid:left"' in found
    pain = client.get(base + "pain/", {"zones": ["lateral_thigh:right"]}).content.decode()
    assert 'data-select="gluteus_minimus:right"' in pain
    bad = client.get(base + "pain/", {"zones": ["nowhere:right"]}).content.decode()
    assert "not a zone on the body chart" in bad
    bad_level = client.get(base, {"levels": "C9"}).content.decode()
    assert "not a nerve root level" in bad_level


def test_printable_chart_is_a_pdf_with_the_marked_points(world: World) -> None:
    response = client_for(world.bob).get(
        f"/c/{world.clinic.slug}/anatomy/chart.pdf",
        {"marks": ["upper_trapezius:right:tp1", "gluteus_medius:left:tp1"], "title": "Visit 3"},
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    pages = PdfReader(io.BytesIO(response.content)).pages
    text = " ".join(page.extract_text() for page in pages)
    assert "Visit 3" in text
    assert "Upper trapezius (right)" in text
    assert "Gluteus medius (left)" in text


def test_api_lists_filters_and_describes_muscles(world: World) -> None:
    client = api(world, world.fran)
    everything = client.get("/api/v1/muscles").json()
    assert len(everything) >= 60
    lung = client.get("/api/v1/muscles", {"caution": "high_lung"}).json()
    assert "rhomboids" in {m["slug"] for m in lung}
    c5 = {m["slug"] for m in client.get("/api/v1/muscles", {"root": "c5"}).json()}
    assert {"deltoid", "supraspinatus"} <= c5
    hips = {m["region"] for m in client.get("/api/v1/muscles", {"region": "pelvis_hip"}).json()}
    assert hips == {"pelvis_hip"}
    detail = client.get("/api/v1/muscles/upper_trapezius").json()
    assert detail["trigger_points"]
    assert {"temple", "mastoid"} <= {z["id"] for z in detail["referral_zones"]}
    assert client.get("/api/v1/muscles/elbow_of_doom").status_code == 404
    ranked = client.get("/api/v1/referral-search", {"zones": ["temple:right"]}).json()
    assert {"temporalis", "upper_trapezius", "sternocleidomastoid"} <= {r["muscle"] for r in ranked}
    assert client.get("/api/v1/referral-search", {"zones": ["sternum:left"]}).status_code == 422
    assert len(client.get("/api/v1/chart-zones").json()) >= 60


def _inside_deltoid() -> tuple[list[list[float]], list[float]]:
    front = chart_view("front")
    shape = front.muscles["deltoid"][0]
    point = front.trigger_points["deltoid"][0].at
    return shape, point


def test_owner_adds_a_muscle_and_a_point_and_bad_geometry_is_refused(world: World) -> None:
    shape, point = _inside_deltoid()
    body = {
        "muscle": {
            "slug": "clinic_deltoid_slip",
            "name": "Deltoid accessory slip",
            "region": "shoulder_arm",
            "limb": "upper",
            "root_levels": ["C5"],
        },
        "view": "front",
        "shape": shape,
        "referral": ["lateral_shoulder"],
    }
    assert (
        api(world, world.bob)
        .post("/api/v1/muscles", body, content_type="application/json")
        .status_code
        == 403
    )
    owner = api(world, world.alice)
    outside = owner.post(
        "/api/v1/muscles",
        {**body, "shape": [[1, 1], [5, 1], [5, 5]]},
        content_type="application/json",
    )
    assert outside.status_code == 422
    assert "outside the figure" in str(outside.json()["detail"])
    wrong_side = owner.post(
        "/api/v1/muscles",
        {**body, "shape": [[400 - x, y] for x, y in shape]},
        content_type="application/json",
    )
    assert wrong_side.status_code == 422
    assert "right side" in str(wrong_side.json()["detail"])
    bad_zone = owner.post(
        "/api/v1/muscles", {**body, "referral": ["moon"]}, content_type="application/json"
    )
    assert bad_zone.status_code == 422
    created = owner.post("/api/v1/muscles", body, content_type="application/json")
    assert created.status_code == 201, created.content
    again = owner.post("/api/v1/muscles", body, content_type="application/json")
    assert again.status_code == 422
    # It is part of the clinic's catalogue now: searchable, on the chart, usable in clearance.
    assert "clinic_deltoid_slip" in {
        m["slug"] for m in owner.get("/api/v1/muscles", {"q": "accessory"}).json()
    }
    assert parse_targets(["clinic_deltoid_slip:left"], clinic_id=world.clinic.pk)
    assert (
        'data-muscle="clinic_deltoid_slip"'
        in client_for(world.alice).get(f"/c/{world.clinic.slug}/anatomy/").content.decode()
    )
    # …but not another clinic's.
    elsewhere = Client(**bearer(world.olga, world.other_clinic))
    assert elsewhere.get("/api/v1/muscles/clinic_deltoid_slip").status_code == 404
    tp = owner.post(
        "/api/v1/muscles/deltoid/trigger-points",
        {"view": "front", "x": point[0], "y": point[1], "label": "our point"},
        content_type="application/json",
    )
    assert tp.status_code == 201, tp.content
    off = owner.post(
        "/api/v1/muscles/deltoid/trigger-points",
        {"view": "front", "x": 200, "y": 880},
        content_type="application/json",
    )
    assert off.status_code == 422
    assert "outside" in str(off.json()["detail"])
    detail = owner.get("/api/v1/muscles/deltoid").json()
    assert "our point" in {p["label"] for p in detail["trigger_points"]}


def test_a_midline_muscle_takes_no_side(world: World) -> None:
    import pytest
    from django.core.exceptions import ValidationError

    from filiform.anatomy.services import clinic_muscle_add
    from tests.clinical import access_for

    clinic_muscle_add(
        access=access_for(world.alice, world.clinic),
        muscle={
            "slug": "clinic_linea_alba_slip",
            "name": "Linea alba slip",
            "region": "abdomen",
            "paired": False,
        },
        view="front",
        shape=[[195, 400], [205, 400], [205, 420], [195, 420]],
    )
    assert parse_targets(["clinic_linea_alba_slip"], clinic_id=world.clinic.pk)
    with pytest.raises(ValidationError, match="single midline muscle"):
        parse_targets(["clinic_linea_alba_slip:left"], clinic_id=world.clinic.pk)
