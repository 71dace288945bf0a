from filiform.accounts.middleware import ACTIVE_CLINIC
from filiform.audit.models import AuditAction, AuditEntry
from filiform.clinics.models import Role
from tests.conftest import World, client_for
from tests.factories import MembershipFactory


def test_switching_clinic_changes_the_active_one(world: World) -> None:
    MembershipFactory(user=world.bob, clinic=world.other_clinic, role=Role.PHYSIOTHERAPIST)
    client = client_for(world.bob)
    assert "clinics/choose.html" in [t.name for t in client.get("/").templates]
    response = client.post("/clinics/switch/", {"clinic": world.other_clinic.slug})
    assert response["Location"] == f"/c/{world.other_clinic.slug}/"
    assert client.session[ACTIVE_CLINIC] == world.other_clinic.pk
    assert client.get("/")["Location"] == f"/c/{world.other_clinic.slug}/"
    assert AuditEntry.objects.filter(
        action=AuditAction.CLINIC_SWITCH, clinic_id=world.other_clinic.pk
    ).exists()


def test_switching_to_an_unknown_or_foreign_clinic_is_404(world: World) -> None:
    client = client_for(world.bob)
    assert client.post("/clinics/switch/", {"clinic": "nowhere"}).status_code == 404
    assert client.post("/clinics/switch/", {"clinic": world.other_clinic.slug}).status_code == 404


def test_single_clinic_members_go_straight_to_it(world: World) -> None:
    assert client_for(world.fran).get("/")["Location"] == f"/c/{world.clinic.slug}/"


def test_owner_changes_policy_and_it_is_audited(world: World) -> None:
    client = client_for(world.alice)
    form = client.get(f"/c/{world.clinic.slug}/settings/").context["form"]
    data = {
        k: v for k, v in form.initial.items() if v is not None and k != "require_staff_two_factor"
    }
    data["idle_timeout_minutes"] = 15
    response = client.post(f"/c/{world.clinic.slug}/settings/", data)
    assert response.status_code == 302
    world.clinic.refresh_from_db()
    assert world.clinic.idle_timeout_minutes == 15
    assert AuditEntry.objects.filter(action=AuditAction.UPDATE, object_type="clinic").exists()


def test_invalid_settings_are_explained(world: World) -> None:
    client = client_for(world.alice)
    response = client.post(
        f"/c/{world.clinic.slug}/settings/",
        {
            "name": "X",
            "province": "ON",
            "time_zone": "Mars/Olympus",
            "idle_timeout_minutes": 1,
            "postal_code": "123",
        },
    )
    page = response.content.decode()
    assert "is not a time zone name" in page
    assert "Canadian postal code" in page
    assert "greater than or equal to 5" in page


def test_physiotherapist_cannot_open_clinic_settings(world: World) -> None:
    assert client_for(world.bob).get(f"/c/{world.clinic.slug}/settings/").status_code == 403


def test_pages_carry_security_headers(world: World) -> None:
    response = client_for(world.bob).get(f"/c/{world.clinic.slug}/")
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_owner_adds_and_closes_a_location(world: World) -> None:
    client = client_for(world.alice)
    url = f"/c/{world.clinic.slug}/settings/"
    data = {
        "form": "location",
        "location-name": "Downtown",
        "location-city": "Ottawa",
        "location-province": "ON",
        "location-postal_code": "K1P 1J1",
    }
    assert client.post(url, data).status_code == 302
    location = world.clinic.locations.get(name="Downtown")
    assert AuditEntry.objects.filter(action=AuditAction.CREATE, object_type="location").exists()
    duplicate = client.post(url, {**data, "location-name": "downtown"})
    assert "already has a location with that name" in duplicate.content.decode()
    client.post(f"{url}locations/{location.pk}/", {"active": "0"})
    location.refresh_from_db()
    assert not location.is_active
    client.get(f"/c/{world.clinic.slug}/")  # shows (and so clears) the confirmation message
    assert "Downtown" not in client.get(f"/c/{world.clinic.slug}/").content.decode()


def test_another_clinics_location_cannot_be_closed(world: World) -> None:
    from filiform.clinics.models import Location

    theirs = Location.objects.create(clinic=world.other_clinic, name="Theirs", province="ON")
    response = client_for(world.alice).post(
        f"/c/{world.clinic.slug}/settings/locations/{theirs.pk}/", {"active": "0"}, follow=True
    )
    assert "not one of this clinic" in response.content.decode()
    theirs.refresh_from_db()
    assert theirs.is_active
