"""The 60-second measurement of issue 5: how long a clinician who knows the screen takes to chart
a typical 8-insertion Gunn IMS session, counted in clicks (taps) and keystrokes. Run by hand, not
a test:

    .venv/bin/python bench/charting_speed.py            # 5 runs of each scenario
    .venv/bin/python bench/charting_speed.py --runs 3

It builds a fresh SQLite data directory, migrates, seeds a clinic with a credentialed
physiotherapist, a note template and cleared patients (consent with the chest acknowledged, a
screening), collects the static files and starts the production server (`filiform serve`,
gunicorn, DEBUG off), then drives Debian's Chromium with Playwright on a 768 x 1024 tablet
viewport. Signing in is not timed. The clock runs from opening "Start a visit" to the signed page.

Scenario "first IMS session" (a new patient, each run):
    start a visit from the "IMS follow-up" template; start needling (prone, Gunn IMS: quick
    mode is on, one needle, pistoning, no retention); tap the first muscle on the body chart, type
    the depth (25) and Enter; then one tap for each of the next 7 muscles (the depth and needle
    are kept); count the needles removed (8, Enter); sign.
Scenario "repeat last session" (the same patient, the next visit):
    start a visit; start needling; "Repeat last session"; count; sign.

Every tap is a Playwright click and every key a real key press, counted as they are made; a
select counts as two taps (open, choose). The script waits for each answer as the clinician
would see it (the new row in the list), with no thinking time: the figures are the floor a
practised user approaches, the machine's share of the 60 seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.api_read import FILIFORM, BenchError, Server, base_env, loadavg, log, run  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CLINIC = "bench-clinic"
EMAIL = "physio@bench.test"
# Gunn IMS for a right-sided low back and leg: the segment's paraspinals, then the muscles it
# supplies. One side only: the catalogue counts the lumbar multifidus as over the lung (T12-L1),
# so both sides in one session would rightly ask for a justification.
IMS_TARGETS = [
    ("lumbar_multifidus", "right"),
    ("iliocostalis_lumborum", "right"),
    ("quadratus_lumborum", "right"),
    ("gluteus_medius", "right"),
    ("gluteus_maximus", "right"),
    ("piriformis", "right"),
    ("biceps_femoris", "right"),
    ("gastrocnemius", "right"),
]


# --- seeding (this file run again inside Django) -----------------------------------------------


def internal_seed(patients: int) -> dict[str, Any]:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "filiform.settings")
    django.setup()
    from filiform.charting.models import NoteTemplate
    from filiform.clinics.models import Role
    from tests.clinical import consent_given, credential, screened
    from tests.factories import (
        TEST_PASSWORD,
        ClinicFactory,
        MembershipFactory,
        PatientFactory,
        UserFactory,
    )

    clinic = ClinicFactory.create(name="Bench Physiotherapy", slug=CLINIC)
    physio = UserFactory.create(email=EMAIL, first_name="Pat")
    member = MembershipFactory.create(user=physio, clinic=clinic, role=Role.PHYSIOTHERAPIST)
    credential(member)
    NoteTemplate.objects.create(
        clinic=clinic,
        name="IMS follow-up",
        subjective="Low back and right leg pain: ",
        objective="Segmental signs L4–S1: ",
        assessment="Radiculopathic pain, improving.",
        plan="IMS weekly; home exercise.",
    )
    ids = []
    for _n in range(patients):
        patient = PatientFactory.create(clinic=clinic)
        consent_given(patient, physio)
        screened(patient, physio)
        ids.append(patient.pk)
    return {"patients": ids, "password": TEST_PASSWORD}


# --- the browser ---------------------------------------------------------------------------------


@dataclass
class Counter:
    clicks: int = 0
    keys: int = 0
    steps: list[str] = field(default_factory=list)

    def click(self, locator: Any, taps: int = 1) -> None:
        locator.click()
        self.clicks += taps

    def select(self, locator: Any, value: str) -> None:
        locator.select_option(value)  # open the menu, choose: two taps on a tablet
        self.clicks += 2

    def type(self, locator: Any, text: str) -> None:
        locator.press_sequentially(text)
        self.keys += len(text)

    def press(self, locator: Any, key: str) -> None:
        locator.press(key)
        self.keys += 1


@dataclass
class Result:
    scenario: str
    seconds: float
    clicks: int
    keys: int
    insertions: int


def _start_visit(page: Any, base: str, patient_id: int, count: Counter, template: bool) -> None:
    page.goto(f"{base}/c/{CLINIC}/patients/{patient_id}/visits/new/")
    count.clicks += 1  # the "Start a visit" tap on the patient page
    if template:
        count.select(page.get_by_label("Start the note from a template"), label_value(page))
    count.click(page.get_by_role("button", name="Start the visit"))
    page.get_by_role("heading", name="Needling session").wait_for()
    count.select(page.get_by_label("Patient position"), "prone")
    count.click(page.get_by_label("Gunn IMS"))
    count.click(page.get_by_role("button", name="Start needling"))
    page.locator("[data-charting-chart]").wait_for()


def label_value(page: Any) -> str:
    options = page.get_by_label("Start the note from a template").locator("option")
    for index in range(options.count()):
        if "IMS follow-up" in options.nth(index).inner_text():
            return str(options.nth(index).get_attribute("value"))
    raise BenchError("the IMS follow-up template is not offered")


def _rows(page: Any, n: int) -> None:
    page.locator('[data-testid="insertions"] tbody tr').nth(n - 1).wait_for()


def _count_and_sign(page: Any, count: Counter, needles: int) -> None:
    removed = page.get_by_label("Needles removed and in the sharps container")
    count.click(removed)
    removed.fill("")  # the field starts at 0: a tap selects it on a tablet, not counted as keys
    count.type(removed, str(needles))
    count.press(removed, "Enter")
    page.get_by_test_id("count-ok").wait_for()
    count.click(page.get_by_role("button", name="Sign and lock"))
    page.get_by_test_id("content-hash").wait_for()


def first_session(page: Any, base: str, patient_id: int) -> Result:
    count = Counter()
    started = time.perf_counter()
    _start_visit(page, base, patient_id, count, template=True)
    back = page.locator('.chart-frame[data-view="back"]')
    for index, (slug, side) in enumerate(IMS_TARGETS, start=1):
        count.click(back.locator(f'circle.tp[data-muscle="{slug}"][data-side="{side}"]').first)
        if index == 1:
            depth = page.get_by_label("Depth (mm)")
            count.type(depth, "25")
            count.press(depth, "Enter")
        _rows(page, index)
    _count_and_sign(page, count, len(IMS_TARGETS))
    seconds = time.perf_counter() - started
    return Result("first IMS session", seconds, count.clicks, count.keys, len(IMS_TARGETS))


def repeat_session(page: Any, base: str, patient_id: int) -> Result:
    count = Counter()
    started = time.perf_counter()
    _start_visit(page, base, patient_id, count, template=False)
    count.click(page.get_by_role("button", name="Repeat last session"))
    _rows(page, len(IMS_TARGETS))
    _count_and_sign(page, count, len(IMS_TARGETS))
    seconds = time.perf_counter() - started
    return Result("repeat last session", seconds, count.clicks, count.keys, len(IMS_TARGETS))


def drive(base: str, patients: list[int], password: str) -> list[Result]:
    from playwright.sync_api import sync_playwright

    results = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        context = browser.new_context(viewport={"width": 768, "height": 1024})
        page = context.new_page()
        page.set_default_timeout(20_000)
        page.goto(f"{base}/accounts/login/")
        page.get_by_label("E-mail").fill(EMAIL)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state()
        warm = patients[0]  # one untimed run: the server's and the browser's caches
        first_session(page, base, warm)
        for patient_id in patients[1:]:
            results.append(first_session(page, base, patient_id))
            results.append(repeat_session(page, base, patient_id))
            log(f"{results[-2].seconds:.1f} s / {results[-1].seconds:.1f} s")
        browser.close()
    return results


# --- the run -------------------------------------------------------------------------------------


def summary(results: list[Result], load_before: str, load_after: str) -> str:
    lines = [
        "| scenario | runs | time median (min–max) | clicks (taps) | keystrokes |",
        "|---|---|---|---|---|",
    ]
    for name in ("first IMS session", "repeat last session"):
        rows = [r for r in results if r.scenario == name]
        times = [r.seconds for r in rows]
        lines.append(
            f"| {name}, {rows[0].insertions} insertions | {len(rows)} | "
            f"{statistics.median(times):.1f} s ({min(times):.1f}–{max(times):.1f}) | "
            f"{rows[0].clicks} | {rows[0].keys} |"
        )
    lines.append("")
    lines.append(f"Cores: {os.cpu_count()}; load average before {load_before}, after {load_after}.")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--internal-seed", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.internal_seed:
        print(json.dumps(internal_seed(args.internal_seed)))
        return
    with tempfile.TemporaryDirectory(prefix="filiform-charting-bench-") as tmp:
        workdir = Path(tmp)
        env = base_env(workdir / "data", None)
        (workdir / "data").mkdir()
        log("migrate, collect static files, seed")
        run([FILIFORM, "migrate", "--noinput"], env=env)
        run([FILIFORM, "collectstatic", "--noinput"], env=env)
        seeded = json.loads(
            run(
                [sys.executable, __file__, "--internal-seed", str(args.runs + 1)],
                env=env,
            ).splitlines()[-1]
        )
        server = Server(env, workdir, None, None)
        load_before = loadavg()
        server.start()
        try:
            log(f"server on {server.base}; charting {args.runs} runs of each scenario")
            results = drive(server.base, seeded["patients"], seeded["password"])
        finally:
            server.stop()
        load_after = loadavg()
    print()
    for r in results:
        print(f"{r.scenario:22} {r.seconds:5.1f} s  {r.clicks:2d} clicks  {r.keys:2d} keys")
    print()
    print(summary(results, load_before, load_after))


if __name__ == "__main__":
    try:
        main()
    except (BenchError, subprocess.CalledProcessError) as error:
        print(f"charting_speed: {error}", file=sys.stderr)
        sys.exit(1)
