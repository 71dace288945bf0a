from tests.conftest import World, client_for
from tests.factories import PatientFactory


def test_front_desk_registers_a_patient(world: World) -> None:
    client = client_for(world.fran)
    response = client.post(
        f"/c/{world.clinic.slug}/patients/new/",
        {
            "given_names": "Ida",
            "family_name": "Quartz",
            "birth_date": "1979-02-03",
            "gender": "female",
        },
    )
    assert response.status_code == 302
    detail = client.get(response["Location"])
    assert "Ida Quartz" in detail.content.decode()


def test_form_errors_are_shown_next_to_the_field(world: World) -> None:
    client = client_for(world.fran)
    response = client.post(
        f"/c/{world.clinic.slug}/patients/new/",
        {"given_names": "Ida", "family_name": "", "birth_date": "3000-01-01", "gender": "female"},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "This field is required." in page
    assert 'class="field has-error"' in page


def test_future_birth_date_is_refused(world: World) -> None:
    client = client_for(world.fran)
    response = client.post(
        f"/c/{world.clinic.slug}/patients/new/",
        {
            "given_names": "Ida",
            "family_name": "Quartz",
            "birth_date": "3000-01-01",
            "gender": "female",
        },
    )
    assert "cannot be in the future" in response.content.decode()


def test_search_page_and_htmx_fragment(world: World) -> None:
    PatientFactory(clinic=world.clinic, family_name="Smith", given_names="Ann")
    client = client_for(world.bob)
    full = client.get(f"/c/{world.clinic.slug}/patients/", {"q": "smith"})
    assert "Smith, Ann" in full.content.decode()
    assert "Zanzibarian" not in full.content.decode()
    fragment = client.get(
        f"/c/{world.clinic.slug}/patients/", {"q": "zanz"}, HTTP_HX_REQUEST="true"
    )
    assert "<html" not in fragment.content.decode()
    assert "Zanzibarian, Quill" in fragment.content.decode()


def test_billing_sees_patients_but_cannot_register(world: World) -> None:
    client = client_for(world.bill)
    assert client.get(f"/c/{world.clinic.slug}/patients/").status_code == 200
    assert client.get(f"/c/{world.clinic.slug}/patients/new/").status_code == 403


def test_search_with_a_nul_character_is_harmless(world: World) -> None:
    response = client_for(world.bob).get(f"/c/{world.clinic.slug}/patients/", {"q": "zanz\x00"})
    assert response.status_code == 200
    assert "Zanzibarian, Quill" in response.content.decode()
