"""factory_boy factories: synthetic clinics, staff and patients (none of them real)."""

from __future__ import annotations

import datetime as dt

import factory

from filiform.accounts.models import User
from filiform.clinics.models import Clinic, Membership, Province, Role
from filiform.patients.models import Patient

TEST_PASSWORD = "correct-horse-battery-42"


class ClinicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Clinic

    name = factory.Sequence(lambda n: f"Test Physiotherapy {n}")
    slug = factory.Sequence(lambda n: f"test-clinic-{n}")
    province = Province.ON
    require_staff_two_factor = False


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"staff{n}@clinic.test")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"Person{n}")
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def save_password(obj: User, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            obj.save()


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    clinic = factory.SubFactory(ClinicFactory)
    role = Role.PHYSIOTHERAPIST


class PatientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Patient

    clinic = factory.SubFactory(ClinicFactory)
    family_name = factory.Sequence(lambda n: f"Synthfam{n}")
    given_names = "Casey"
    birth_date = dt.date(1980, 5, 17)
    gender = "unknown"
    phone = "+1-613-555-0142"
