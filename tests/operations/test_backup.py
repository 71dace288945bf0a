import pytest


@pytest.mark.django_db(transaction=True)
def test_probe():
    from filiform.clinics.models import Clinic

    assert Clinic.objects.count() == 0
