"""``POST /api/v1/muscles/{slug}/trigger-points``: a muscle the acting clinic does not have —
another clinic's own muscle, or no muscle at all — is not found (404 JSON), never a form error
(issue 16, item 9)."""

from __future__ import annotations

from django.test import Client

from filiform.anatomy.chart import chart_view
from filiform.anatomy.models import ClinicTriggerPoint
from filiform.anatomy.services import clinic_muscle_add
from filiform.clinics.models import Membership, Role
from tests.clinical import access_for
from tests.conftest import World, bearer


def _deltoid() -> tuple[list[list[float]], list[float]]:
    front = chart_view("front")
    return front.muscles["deltoid"][0], front.trigger_points["deltoid"][0].at


def _elsewhere_muscle(world: World) -> str:
    """The other clinic's owner adds a muscle of their own (drawn inside the deltoid)."""
    Membership.objects.filter(user=world.olga).update(role=Role.OWNER)
    shape, _point = _deltoid()
    own = clinic_muscle_add(
        access=access_for(world.olga, world.other_clinic),
        muscle={
            "slug": "clinic_elsewhere_slip",
            "name": "Elsewhere accessory slip",
            "region": "shoulder_arm",
            "limb": "upper",
        },
        view="front",
        shape=shape,
    )
    return own.slug


def _post(client: Client, slug: str, at: list[float], view: str = "front") -> dict:
    response = client.post(
        f"/api/v1/muscles/{slug}/trigger-points",
        {"view": view, "x": at[0], "y": at[1], "label": "ours"},
        content_type="application/json",
    )
    return {"status": response.status_code, "body": response.json()}


def test_another_clinics_muscle_is_not_found(world: World) -> None:
    slug = _elsewhere_muscle(world)
    _shape, point = _deltoid()
    owner = Client(**bearer(world.alice, world.clinic))
    answer = _post(owner, slug, point)
    assert answer["status"] == 404
    assert "detail" in answer["body"]
    assert _post(owner, "no_such_muscle", point)["status"] == 404
    # front desk asking about a muscle that does not exist learns nothing more than the owner
    front_desk = Client(**bearer(world.fran, world.clinic))
    assert _post(front_desk, slug, point)["status"] == 404
    assert not ClinicTriggerPoint.objects.filter(clinic=world.clinic).exists()
    # the clinic that owns the muscle can add a point to it
    elsewhere = Client(**bearer(world.olga, world.other_clinic))
    assert _post(elsewhere, slug, point)["status"] == 201


def test_a_catalogue_muscle_not_drawn_on_that_view_is_still_a_form_error(world: World) -> None:
    owner = Client(**bearer(world.alice, world.clinic))
    _shape, point = _deltoid()
    ok = _post(owner, "deltoid", point)
    assert ok["status"] == 201, ok
    wrong_view = _post(owner, "pectoralis_major", point, view="back")
    assert wrong_view["status"] == 422
    assert "not drawn" in str(wrong_view["body"]["detail"])
    front_desk = Client(**bearer(world.fran, world.clinic))
    assert _post(front_desk, "deltoid", point)["status"] == 403
