"""Synthetic people. Names are combined at random from common given and family names; phone
numbers use the 555-01xx range reserved for fiction; e-mail addresses use the reserved .test
domain. None of them is a real person."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

GIVEN_NAMES = (
    "Amelia",
    "Noah",
    "Olivia",
    "Liam",
    "Chloe",
    "Ethan",
    "Maya",
    "Lucas",
    "Zoe",
    "Owen",
    "Aanya",
    "Mateo",
    "Leah",
    "Kai",
    "Sofia",
    "Elijah",
    "Nora",
    "Arjun",
    "Isla",
    "Felix",
    "Hana",
    "Gabriel",
    "Ava",
    "Rohan",
    "Clara",
    "Malik",
    "Élise",
    "Thomas",
    "Mei",
    "Samuel",
)
FAMILY_NAMES = (
    "Smith",
    "Tremblay",
    "Martin",
    "Roy",
    "Gagnon",
    "Lee",
    "Wilson",
    "Johnson",
    "MacDonald",
    "Taylor",
    "Campbell",
    "Anderson",
    "Côté",
    "Bouchard",
    "Brown",
    "Chen",
    "Singh",
    "Patel",
    "Nguyen",
    "Williams",
    "Kowalski",
    "Haddad",
    "Okafor",
    "Morrison",
    "Fraser",
    "Bélanger",
    "Leblanc",
    "Stewart",
    "Park",
    "Ahmed",
    "Murray",
    "Lavoie",
    "Reid",
    "Kim",
    "Wong",
    "Fortin",
    "Clarke",
    "Young",
    "Hall",
    "Scott",
    "Ross",
    "Grant",
    "Ferreira",
    "Sato",
    "Ibrahim",
    "Moreau",
    "Dubois",
    "Walker",
    "Hughes",
)
GENDERS = ("female", "male", "female", "male", "other", "unknown")
CITIES = (
    ("Ottawa", "ON"),
    ("Gatineau", "QC"),
    ("Kanata", "ON"),
    ("Orléans", "ON"),
    ("Nepean", "ON"),
)
RELATIONSHIPS = ("Spouse", "Partner", "Parent", "Sibling", "Friend", "Child")


@dataclass(frozen=True)
class SyntheticPatient:
    family_name: str
    given_names: str
    birth_date: dt.date
    gender: str
    phone: str
    email: str
    city: str = ""
    province: str = ""
    preferred_language: str = "en"
    email_ok: bool = False
    emergency_contact_name: str = ""
    emergency_contact_relationship: str = ""
    emergency_contact_phone: str = ""


def synthetic_patients(
    count: int, *, seed: int = 2026, smith_every: int = 50
) -> list[SyntheticPatient]:
    """``count`` patients, the same ones for the same seed; every ``smith_every``-th is a Smith
    (the benchmark's search scenario)."""
    rng = random.Random(seed)
    today = dt.date(2026, 1, 1)
    people = []
    for number in range(count):
        given = rng.choice(GIVEN_NAMES)
        family = "Smith" if number % smith_every == 0 else rng.choice(FAMILY_NAMES[1:])
        age_days = rng.randint(18 * 365, 88 * 365)
        city, province = rng.choice(CITIES)
        people.append(
            SyntheticPatient(
                family_name=family,
                given_names=given,
                birth_date=today - dt.timedelta(days=age_days),
                gender=rng.choice(GENDERS),
                phone=f"+1-613-555-01{rng.randint(0, 99):02d}",
                email=f"{given.lower()}.{family.lower()}.{number}@patients.test".replace(
                    "é", "e"
                ).replace("ô", "o"),
                city=city,
                province=province,
                preferred_language="fr" if province == "QC" else "en",
                email_ok=rng.random() < 0.8,
                emergency_contact_name=f"{rng.choice(GIVEN_NAMES)} {family}",
                emergency_contact_relationship=rng.choice(RELATIONSHIPS),
                emergency_contact_phone=f"+1-613-555-01{rng.randint(0, 99):02d}",
            )
        )
    return people
