"""How fast a red flag reaches a clinician (issue 7): from the patient pressing "Send" on a
check-in that reports shortness of breath after needling over the chest, to (1) the alert being
on the physiotherapist's dashboard and (2) the red-flag e-mail being in their inbox. Run by hand,
not a test:

    .venv/bin/python bench/red_flag_alert.py              # 20 check-ins
    .venv/bin/python bench/red_flag_alert.py --runs 50

It builds a fresh SQLite data directory, migrates, seeds a clinic (an owner, a credentialed
physiotherapist, one patient per run with consent, screening and a signed visit that needled the
upper trapezius, and the check-in sent), starts a real SMTP server on loopback (aiosmtpd) and the
production server with its worker (`filiform serve --with-worker`: gunicorn, DEBUG off, the
worker polling its queue at its default interval of 1 s). For each run it opens the check-in
link, fills in the form over HTTP as the phone would, and times from just before the POST:

- "answer stored": the POST's response (the page telling the patient to call 911);
- "on the dashboard": the first poll of the physiotherapist's dashboard (every 10 ms) that lists
  the patient under red-flag alerts;
- "e-mail received": the SMTP server receiving the red-flag message for that patient.

Runs are one at a time, a second apart, so each e-mail waits for the worker's next poll as it
would in a quiet clinic.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.api_read import (  # noqa: E402
    FILIFORM,
    BenchError,
    Server,
    base_env,
    free_port,
    loadavg,
    log,
    run,
)

CLINIC = "bench-clinic"
PHYSIO = "physio@bench.test"


# --- seeding (this file run again inside Django) -----------------------------------------------


def internal_seed(runs: int, site_url: str) -> dict[str, Any]:
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "filiform.settings")
    django.setup()
    from django.utils import timezone

    from filiform.aftercare.check_ins import check_in_send
    from filiform.aftercare.models import CheckIn
    from filiform.charting.needling import insertion_add, needles_count, session_start
    from filiform.charting.specs import InsertionSpec, SessionSpec
    from filiform.charting.visits import visit_sign, visit_start
    from filiform.clinics.models import Role
    from filiform.links.models import LinkPurpose, PatientLink
    from filiform.links.services import link_url
    from tests.clinical import access_for, consent_given, credential, screened
    from tests.factories import (
        TEST_PASSWORD,
        ClinicFactory,
        MembershipFactory,
        PatientFactory,
        UserFactory,
    )

    clinic = ClinicFactory.create(
        name="Bench Physiotherapy", slug=CLINIC, require_staff_two_factor=False
    )
    owner = UserFactory.create(email="owner@bench.test", first_name="Olive")
    MembershipFactory.create(user=owner, clinic=clinic, role=Role.OWNER)
    physio = UserFactory.create(email=PHYSIO, first_name="Pat")
    member = MembershipFactory.create(user=physio, clinic=clinic, role=Role.PHYSIOTHERAPIST)
    credential(member)
    bob = access_for(physio, clinic)
    links = []
    for number in range(runs):
        patient = PatientFactory.create(
            clinic=clinic,
            given_names=f"Bench{number:03d}",
            email=f"bench{number:03d}@patients.test",
            email_ok=True,
        )
        consent_given(patient, physio)
        screened(patient, physio)
        episode = patient.episodes.get()
        visit = visit_start(access=bob, patient_id=patient.pk, episode_id=episode.pk)
        session = session_start(
            access=bob, visit_id=visit.pk, session=SessionSpec.parse({"position": "prone"})
        )
        insertion_add(
            access=bob,
            session_id=session.pk,
            insertion=InsertionSpec.parse(
                {
                    "muscle": "upper_trapezius",
                    "side": "right",
                    "needle_diameter_mm": "0.25",
                    "needle_length_mm": 30,
                    "depth_mm": "10",
                    "technique": "pistoning",
                }
            ),
        )
        needles_count(access=bob, session_id=session.pk, opened=1, removed=1)
        visit_sign(access=bob, visit_id=visit.pk)
        CheckIn.objects.filter(visit=visit).update(due_at=timezone.now())
        check_in = CheckIn.objects.get(visit=visit)
        check_in_send(check_in_id=check_in.pk)
        link = PatientLink.objects.get(purpose=LinkPurpose.CHECK_IN, target_id=check_in.pk)
        links.append({"name": patient.display_name, "url": link_url(link)})
    return {"links": links, "password": TEST_PASSWORD, "site_url": site_url}


# --- the SMTP server ---------------------------------------------------------------------------


class Inbox:
    """A real SMTP server on loopback recording when each message arrived."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.port = free_port()
        self.arrived: list[tuple[float, str]] = []  # (monotonic time, subject)
        self.lock = threading.Lock()
        inbox = self

        class Handler:
            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
                from email import message_from_bytes
                from email.header import decode_header, make_header

                message = message_from_bytes(envelope.content)
                subject = str(make_header(decode_header(message.get("Subject", ""))))
                with inbox.lock:
                    inbox.arrived.append((time.monotonic(), subject))
                return "250 OK"

        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)

    def start(self) -> None:
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()

    def first_after(self, since: float, needle: str) -> float | None:
        with self.lock:
            for at, subject in self.arrived:
                if at >= since and needle in subject:
                    return at
        return None


# --- the patient's phone and the clinician's dashboard -------------------------------------------


class Browser:
    """Cookies and CSRF like a browser, over plain HTTP."""

    def __init__(self) -> None:
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, url: str) -> str:
        with self.opener.open(url, timeout=30) as response:
            return str(response.read().decode())

    def post(self, url: str, fields: list[tuple[str, str]]) -> tuple[int, str]:
        token = next((c.value for c in self.jar if c.name == "csrftoken"), "")
        data = urllib.parse.urlencode([("csrfmiddlewaretoken", token), *fields]).encode()
        request = urllib.request.Request(url, data=data, headers={"Referer": url})  # noqa: S310
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, str(response.read().decode())
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(errors="replace")


def sign_in(base: str, email: str, password: str) -> Browser:
    clinician = Browser()
    clinician.get(f"{base}/accounts/login/")
    status, _body = clinician.post(
        f"{base}/accounts/login/", [("username", email), ("password", password)]
    )
    if status != 200 or "sessionid" not in {c.name for c in clinician.jar}:
        raise BenchError(f"could not sign in as {email} (HTTP {status})")
    return clinician


def alert_listed(page: str, name: str) -> bool:
    section = re.search(r'data-testid="red-flag-alerts".*?</section>', page, re.S)
    return bool(section and name in section.group(0))


RED_ANSWERS = [
    ("soreness", "4"),
    ("compared", "same"),
    ("bruising", "none"),
    ("symptoms", "shortness_of_breath"),
    ("note", "Short of breath on the stairs since this morning."),
]


def one_run(link: dict[str, str], base: str, dashboard: Browser, inbox: Inbox) -> dict[str, float]:
    phone = Browser()
    phone.get(link["url"])
    started = time.monotonic()
    status, body = phone.post(link["url"], RED_ANSWERS)
    stored = time.monotonic()
    if status != 200 or "911" not in body:
        raise BenchError(f"the check-in was not accepted (HTTP {status}): {body[:500]}")
    on_dashboard = None
    emailed = None
    deadline = started + 30
    while time.monotonic() < deadline and (on_dashboard is None or emailed is None):
        if on_dashboard is None and alert_listed(
            dashboard.get(f"{base}/c/{CLINIC}/"), link["name"]
        ):
            on_dashboard = time.monotonic()
        if emailed is None:
            emailed = inbox.first_after(started, link["name"])
        time.sleep(0.01)
    if on_dashboard is None or emailed is None:
        raise BenchError(f"no alert for {link['name']} within 30 s")
    return {
        "stored": (stored - started) * 1000,
        "dashboard": (on_dashboard - started) * 1000,
        "email": (emailed - started) * 1000,
    }


def summary(results: list[dict[str, float]], load_before: str, load_after: str) -> str:
    lines = [
        f"{len(results)} red-flag check-ins, one at a time, a second apart; "
        f"load average before {load_before}, after {load_after}",
        "",
        "| from pressing Send to | median | p95 | max |",
        "|---|---|---|---|",
    ]
    for key, label in (
        ("stored", "answer stored (the response)"),
        ("dashboard", "alert on the dashboard"),
        ("email", "e-mail in the clinicians' inbox"),
    ):
        values = sorted(r[key] for r in results)
        p95 = values[min(len(values) - 1, round(0.95 * (len(values) - 1)))]
        lines.append(
            f"| {label} | {statistics.median(values):.0f} ms | {p95:.0f} ms | {values[-1]:.0f} ms |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--internal-seed", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--site-url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.internal_seed:
        print(json.dumps(internal_seed(args.internal_seed, args.site_url)))
        return
    inbox = Inbox()
    inbox.start()
    try:
        with tempfile.TemporaryDirectory(prefix="filiform-red-flag-bench-") as tmp:
            workdir = Path(tmp)
            (workdir / "data").mkdir()
            env = base_env(workdir / "data", None)
            env["FILIFORM_EMAIL_HOST"] = "127.0.0.1"
            env["FILIFORM_EMAIL_PORT"] = str(inbox.port)
            server = Server(env, workdir, None, None)
            server.flags = [*server.flags, "--with-worker"]
            env["FILIFORM_SITE_URL"] = server.base
            log("migrate, collect static files, seed")
            run([FILIFORM, "migrate", "--noinput"], env=env)
            run([FILIFORM, "collectstatic", "--noinput"], env=env)
            seeded = json.loads(
                run(
                    [
                        sys.executable,
                        __file__,
                        "--internal-seed",
                        str(args.runs),
                        "--site-url",
                        server.base,
                    ],
                    env=env,
                    timeout=600,
                ).splitlines()[-1]
            )
            load_before = loadavg()
            server.start()
            try:
                time.sleep(3)  # the worker sends the invitations queued at seeding
                dashboard = sign_in(server.base, PHYSIO, seeded["password"])
                log(f"server and worker on {server.base}; {args.runs} red-flag check-ins")
                results = []
                for link in seeded["links"]:
                    results.append(one_run(link, server.base, dashboard, inbox))
                    time.sleep(1)
            finally:
                server.stop()
            load_after = loadavg()
    finally:
        inbox.stop()
    print(summary(results, load_before, load_after))


if __name__ == "__main__":
    try:
        main()
    except (BenchError, subprocess.CalledProcessError) as error:
        print(f"red_flag_alert: {error}", file=sys.stderr)
        sys.exit(1)
