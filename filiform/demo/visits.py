"""Several months of charted visits for the demo patients who may be needled, so that the patient
timeline, the visit note PDF and the dashboard have something true-looking to show.

The history is written straight to the models, dated in the past, with the same fields the
charting services write (the services act "now": a demo cannot wait five months). Nothing about
today's clearance changes: each patient gets an intake consent and an intake screening (since
superseded) dated at their first visit, and the episode of care is dated from it; today's consent
and screening stay the ones in force. Signed visits carry the content hash ``visit_sign`` would
have stored, computed by the same functions.

Adverse events follow Brady et al. 2014 (clinical reference §2): about 19% of sessions with a
mild event, bruising most often, then bleeding, pain during and after treatment; one significant
event and one needle unaccounted for, so that the owner's dashboard has them to show.
Deterministic: the same seed gives the same history.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import QuerySet
from django.utils import timezone

from filiform.anatomy.catalogue import muscle_catalogue, muscle_get
from filiform.anatomy.depth_limits import depth_findings
from filiform.anatomy.segments import level_of_trigger_point
from filiform.charting.codes import (
    AdverseEventType,
    PlanComponent,
    Retest,
    SessionMode,
    Severity,
    Technique,
    Timing,
    Tolerance,
    Twitch,
    VisitStatus,
)
from filiform.charting.models import (
    Addendum,
    AdverseEvent,
    Insertion,
    NeedleIncident,
    NeedlingSession,
    TreatmentPlan,
    Visit,
)
from filiform.charting.needling import depth_reasons
from filiform.charting.visits import content_sha256, visit_content
from filiform.clearance.decision import Clearance, Verdict, clearance_evaluate, parse_targets
from filiform.clinics.models import Clinic, Membership
from filiform.consent.models import ConsentRecord, ConsentTemplate
from filiform.demo.consents import demo_consent
from filiform.demo.courses import (
    ANTICOAGULANT_JUSTIFICATION,
    ANTICOAGULANT_SITES,
    BILATERAL_CHEST,
    BRADY_KINDS,
    BRADY_RATE,
    COURSES,
    MILD_TEXT,
    Course,
    Site,
)
from filiform.demo.supplies import DemoStock, demo_recall_and_sharps
from filiform.patients.models import EpisodeOfCare, Patient
from filiform.screening.models import Screening, ScreeningStatus


@dataclass
class Planned:
    patient: Patient
    episode: EpisodeOfCare
    course: Course
    performer: Membership
    sites: tuple[Site, ...]
    justification: str
    when: dt.datetime
    number: int
    of: int
    needling: bool
    status: str = VisitStatus.SIGNED


def _history_patients(
    clinic: Clinic, staff: dict[str, Membership]
) -> list[tuple[Patient, EpisodeOfCare, Course]]:
    """The demo patients whom their clinician may needle today (go, or caution with a
    justification), in id order: the clearance demo's cleared and caution states."""
    from filiform.demo.clearance import STATES

    chosen = []
    for patient in Patient.objects.filter(clinic=clinic).order_by("id")[: len(STATES)]:
        episode = EpisodeOfCare.objects.filter(patient=patient, ended_on__isnull=True).first()
        if episode is None or episode.condition not in COURSES:
            continue
        course = COURSES[episode.condition]
        performer = staff[course.practitioner]
        today = _evaluate(performer, patient)
        if today.verdict != Verdict.NO_GO:
            chosen.append((patient, episode, course))
    return chosen


def _visit_days(rng: random.Random, first: dt.date, last: dt.date) -> list[dt.date]:
    """Weekly for the first month, then every one to three weeks; weekdays only."""
    days, day = [], first
    while day <= last:
        while day.weekday() >= 5:
            day += dt.timedelta(days=1)
        if day > last:
            break
        days.append(day)
        gap = 7 if len(days) < 5 else rng.choice((10, 14, 14, 21))
        day += dt.timedelta(days=gap + rng.randint(-1, 1))
    return days


def _at(day: dt.date, zone: ZoneInfo, rng: random.Random) -> dt.datetime:
    local = dt.datetime.combine(day, dt.time(rng.randint(8, 17), rng.choice((0, 15, 30, 45))))
    return local.replace(tzinfo=zone).astimezone(dt.UTC)


def _note(course: Course, rng: random.Random, number: int, of: int) -> dict[str, str]:
    progress = number / max(of - 1, 1)
    pain = max(1, round(7 - 4.5 * progress + rng.choice((-1, 0, 0, 1))))
    trend = (
        "first visit; findings as above"
        if number == 0
        else ("improving" if pain <= 5 else "slowly improving")
        + f" (pain {pain}/10, was 7/10 at the first visit)"
    )
    weeks = 1 if number < 4 else rng.choice((1, 2, 2, 3))
    return {
        "subjective": course.pain.format(n=pain, h=max(0, 4 - number // 2)),
        "objective": course.objective.format(r=min(90, 55 + 4 * number)),
        "assessment": course.assessment.format(trend=trend),
        "plan": course.plan.format(w=weeks),
    }


def _consent_and_screening_at_intake(
    patient: Patient, episode: EpisodeOfCare, first: dt.datetime, physio: Membership
) -> None:
    """The patient's first consent and screening, from their first visit; today's stay current."""
    current = ConsentRecord.objects.filter(patient=patient).first()
    assert current is not None
    if current.signed_at > first:
        demo_consent(
            patient,
            ConsentTemplate.objects.get(pk=current.template_id),
            physio.user,
            thorax=current.thorax_acknowledged,
            signed_at=first - dt.timedelta(minutes=20),
            valid_until=(first + dt.timedelta(days=365)).date(),
        )
    screening = Screening.objects.filter(patient=patient, status=ScreeningStatus.CURRENT).first()
    assert screening is not None
    if screening.screened_at > first:
        Screening.objects.create(
            clinic_id=patient.clinic_id,
            patient=patient,
            episode=episode,
            answers=screening.answers,
            status=ScreeningStatus.SUPERSEDED,
            screened_at=first - dt.timedelta(minutes=15),
            screened_by=physio.user,
        )
    EpisodeOfCare.objects.filter(pk=episode.pk).update(started_on=first.date())
    episode.refresh_from_db()


def _in_force(patient: Patient, at: dt.datetime) -> tuple[ConsentRecord | None, Screening | None]:
    consent = (
        ConsentRecord.objects.select_related("template")
        .filter(patient=patient, signed_at__lte=at)
        .first()
    )
    screening = Screening.objects.filter(patient=patient, screened_at__lte=at).first()
    return consent, screening


def _reasons(items: list[Any]) -> list[dict[str, str]]:
    from filiform.charting.needling import _reasons as as_json

    return as_json(items)


class _Clearances:
    """What clearance says, asked the way the services ask it: the session's verdict for the
    patient, and each muscle's with the session's other muscles (both sides of the chest is a
    caution too). Today's screening answers are the intake's, so today's answer is the one
    given then. Each distinct question is asked once."""

    def __init__(self) -> None:
        self.sessions: dict[int, Clearance] = {}
        self.muscles: dict[tuple[int, tuple[str, ...]], Clearance] = {}

    def session(self, plan: Planned) -> Clearance:
        if plan.patient.pk not in self.sessions:
            self.sessions[plan.patient.pk] = _evaluate(plan.performer, plan.patient)
        return self.sessions[plan.patient.pk]

    def muscles_of(self, plan: Planned, sites: list[Site]) -> dict[str, Any]:
        keys = tuple(dict.fromkeys(site.key for site in sites))
        cached = (plan.patient.pk, keys)
        if cached not in self.muscles:
            catalogue = muscle_catalogue()
            chest = [k for k in keys if catalogue[k.partition(":")[0]].over_thorax]
            both = {k.partition(":")[2] for k in chest} >= {"left", "right"}
            justifications = {
                k: "; ".join(
                    t
                    for t in (plan.justification, BILATERAL_CHEST if both and k in chest else "")
                    if t
                )
                for k in keys
            }
            self.muscles[cached] = _evaluate(
                plan.performer,
                plan.patient,
                muscles=list(keys),
                justifications={k: v for k, v in justifications.items() if v} or None,
            )
        result = self.muscles[cached]
        refused = [m.target.key for m in result.muscles if m.verdict != Verdict.GO]
        assert not refused, f"the demo history would needle {refused}: insertion_add refuses them"
        return {m.target.key: m for m in result.muscles}


def _evaluate(
    performer: Membership,
    patient: Patient,
    muscles: list[str] | None = None,
    justifications: dict[str, str] | None = None,
) -> Clearance:
    """What clearance_decide would answer, without writing "the physiotherapist read this
    patient's clearance" into the audit log for a history nobody lived."""
    return clearance_evaluate(
        clinic=performer.clinic,
        patient=patient,
        practitioner=performer,
        targets=parse_targets(muscles or [], clinic_id=performer.clinic_id),
        justifications=justifications,
    )


def _chart(plan: Planned, rng: random.Random, clearances: _Clearances, stock: DemoStock) -> Visit:
    practitioner = plan.performer
    note = _note(plan.course, rng, plan.number, plan.of)
    if not plan.needling:
        note["plan"] = "No needling today: exercise progression and education. " + note["plan"]
    visit = Visit.objects.create(
        clinic_id=plan.patient.clinic_id,
        patient=plan.patient,
        episode=plan.episode,
        practitioner=practitioner,
        started_at=plan.when,
        updated_at=plan.when + dt.timedelta(minutes=35),
        updated_by=practitioner.user,
        **note,
    )
    if not plan.needling:
        return visit
    general = clearances.session(plan)
    consent, screening = _in_force(plan.patient, plan.when)
    started = plan.when + dt.timedelta(minutes=rng.randint(8, 15))
    session = NeedlingSession.objects.create(
        visit=visit,
        performer=practitioner,
        mode=plan.course.mode,
        position=plan.course.position,
        started_at=started,
        ended_at=started + dt.timedelta(minutes=rng.randint(8, 20)),
        clearance_verdict=general.verdict.value,
        clearance_reasons=_reasons(general.reasons),
        clearance_at=started,
        consent_record=consent,
        consent_version=consent.template.version if consent else None,
        screening=screening,
        location=stock.location,
    )
    low, high = plan.course.per_session
    chosen = rng.sample(plan.sites, k=min(len(plan.sites), rng.randint(low, high)))
    chosen.sort(key=plan.sites.index)
    verdicts = clearances.muscles_of(plan, chosen)
    ims = plan.course.mode == SessionMode.GUNN_IMS
    insertions = []
    for order, site in enumerate(chosen, start=1):
        verdict = verdicts[site.key]
        depth = Decimal(str(rng.uniform(*site.depth))).quantize(Decimal("0.1"))
        anticoagulated = plan.justification == ANTICOAGULANT_JUSTIFICATION
        twitch = rng.choice(
            (Twitch.MANY, Twitch.FEW, Twitch.FEW) if ims else (Twitch.FEW, Twitch.FEW, Twitch.NONE)
        )
        referred = not ims and rng.random() < 0.35
        retest = rng.choice((Retest.BETTER, Retest.BETTER, Retest.SAME, Retest.NOT_TESTED))
        diameter = Decimal("0.16") if anticoagulated else Decimal(site.diameter)
        count = 1 if ims or anticoagulated else rng.choice((1, 1, 2))
        insertions.append(
            Insertion(
                session=session,
                order=order,
                muscle=site.slug,
                side=site.side,
                trigger_point=site.point,
                needle_diameter_mm=diameter,
                needle_length_mm=site.length,
                needle_count=count,
                lot=stock.pick(diameter, site.length, count, plan.when),
                depth_mm=min(depth, Decimal("10.0")) if anticoagulated else depth,
                technique=Technique.STATIC
                if anticoagulated
                else rng.choice(
                    (Technique.PISTONING, Technique.ROTATION) if ims else (Technique.PISTONING,)
                ),
                retention_seconds=rng.choice((0, 10, 20)) if ims else rng.choice((0, 0, 30, 60)),
                twitch=twitch,
                twitch_count=None,
                referred_pain=referred,
                referred_pain_where=plan.course.referral if referred else "",
                tolerance=rng.choice(
                    (Tolerance.GOOD, Tolerance.GOOD, Tolerance.GOOD, Tolerance.FAIR)
                ),
                retest=retest,
                retest_note="range and pain on the functional test"
                if retest == Retest.BETTER
                else "",
                approach=site.approach,
                level=level_of_trigger_point(site.slug, site.point),
                justification=verdict.justification,
                clearance_reasons=_reasons(verdict.reasons),
                created_at=started + dt.timedelta(minutes=order),
            )
        )
    for insertion, site in zip(insertions, chosen, strict=True):
        _depth_checked(insertion, site)
    Insertion.objects.bulk_create(insertions)
    stock.record(insertions, at=started)
    session.needles_opened = session.needles_removed = sum(i.needle_count for i in insertions)
    session.save(update_fields=["needles_opened", "needles_removed"])
    return visit


def _depth_checked(insertion: Insertion, site: Site) -> None:
    """The depth rules insertion_add applies: a refusal would be a demo bug; a warning takes
    the site's justification, kept with the insertion as the service keeps it."""
    findings = depth_findings(
        muscle=muscle_get(site.slug),
        approach=insertion.approach,
        depth_mm=insertion.depth_mm,
        needle_length_mm=insertion.needle_length_mm,
        level=insertion.level,
    )
    refused = [f.text for f in findings if f.refuse]
    assert not refused, f"the demo history would chart {site.key}: {refused}"
    if findings:
        assert site.why, f"{site.key} needs a justification for {[f.code for f in findings]}"
        insertion.justification = "; ".join(t for t in (insertion.justification, site.why) if t)
        insertion.clearance_reasons = [*insertion.clearance_reasons, *depth_reasons(findings)]


def _mild_event(visit: Visit, kind: str, rng: random.Random) -> None:
    timing, detail, action = MILD_TEXT[kind]
    site = rng.choice(list(visit.session.insertions.all()))
    AdverseEvent.objects.create(
        visit=visit,
        kind=kind,
        severity=Severity.MILD,
        timing=timing,
        detail=detail,
        muscle=site.muscle,
        side=site.side,
        action_taken=action,
        recorded_at=visit.started_at + dt.timedelta(minutes=40),
        recorded_by=visit.practitioner.user,
    )


def _significant_event(visit: Visit, owner: str) -> None:
    AdverseEvent.objects.create(
        visit=visit,
        kind=AdverseEventType.PAIN_AFTER,
        severity=Severity.SIGNIFICANT,
        timing=Timing.AFTER,
        detail="Post-needling soreness kept the patient off work for two days",
        action_taken="Heat, gentle movement and the pharmacist's advice on pain relief; next "
        "session at a lighter dose",
        follow_up="Phoned the next day: settling; resolved by the third day",
        reported_to=f"Clinic owner ({owner})",
        recorded_at=visit.started_at + dt.timedelta(days=1),
        recorded_by=visit.practitioner.user,
    )


def _needle_incident(visit: Visit) -> None:
    session = visit.session
    NeedlingSession.objects.filter(pk=session.pk).update(needles_removed=session.needles_opened - 1)
    NeedleIncident.objects.create(
        session=session,
        needles_unaccounted=1,
        description="One needle fewer in the sharps count than opened",
        action_taken="Table, linen, floor and the patient's clothing searched; not found; "
        "patient told and asked to call if they find it; owner informed",
        recorded_at=visit.started_at + dt.timedelta(minutes=45),
        recorded_by=visit.practitioner.user,
    )


def _sign(visit: Visit, rng: random.Random) -> None:
    visit.refresh_from_db()
    content = visit_content(visit)
    visit.status = VisitStatus.SIGNED
    visit.signed_at = visit.started_at + dt.timedelta(minutes=rng.randint(40, 240))
    visit.signed_by = visit.practitioner.user
    visit.signed_content, visit.content_sha256 = content, content_sha256(content)
    visit.save()


def _brady_kinds(count: int) -> list[str]:
    """``count`` events shared among the types in Brady's proportions (largest remainder)."""
    total = sum(w for _k, w in BRADY_KINDS)
    shares = [(kind, count * w / total) for kind, w in BRADY_KINDS]
    kinds = [kind for kind, share in shares for _n in range(int(share))]
    for kind, _share in sorted(shares, key=lambda s: s[1] - int(s[1]), reverse=True):
        if len(kinds) >= count:
            break
        kinds.append(kind)
    return [str(k) for k in kinds]


def demo_visits(
    clinic: Clinic,
    *,
    seed: int = 2026,
    progress: Callable[[str, int, int], None] | None = None,
) -> list[str]:
    """Chart the history; returns lines for the demo's "patients to try" list."""
    rng = random.Random(seed)
    zone = ZoneInfo(clinic.time_zone)
    now = timezone.now()
    today = now.astimezone(zone).date()
    staff = {
        m.user.email.partition("@")[0]: m
        for m in Membership.objects.filter(clinic=clinic).select_related("user")
    }
    planned: list[Planned] = []
    for patient, episode, course in _history_patients(clinic, staff):
        anticoagulated = (
            Screening.objects.filter(patient=patient, status=ScreeningStatus.CURRENT)
            .values_list("answers__anticoagulants", flat=True)
            .first()
        ) == "yes"
        sites = ANTICOAGULANT_SITES if anticoagulated else course.sites
        justification = ANTICOAGULANT_JUSTIFICATION if anticoagulated else course.justification
        first = today - dt.timedelta(days=rng.randint(120, 170))
        days = _visit_days(rng, first, today - dt.timedelta(days=2))
        performer = staff[course.practitioner]
        _consent_and_screening_at_intake(patient, episode, _at(days[0], zone, rng), staff["physio"])
        for number, day in enumerate(days):
            planned.append(
                Planned(
                    patient=patient,
                    episode=episode,
                    course=course,
                    performer=performer,
                    sites=sites,
                    justification=justification,
                    when=_at(day, zone, rng),
                    number=number,
                    of=len(days),
                    needling=number == 0 or rng.random() > 0.12,
                )
            )
    if not planned:
        return []
    # The most recent visits: Priya's from two days ago is still unsigned (the dashboard shows
    # it); one of Sam's today is being charted; one of Sam's was started twice by mistake.
    latest: dict[int, Planned] = {p.patient.pk: p for p in planned}
    priya = next((p for p in latest.values() if p.course.practitioner == "ims"), None)
    if priya is not None:
        day = today - dt.timedelta(days=2)
        while day.weekday() >= 5:
            day -= dt.timedelta(days=1)
        priya.when = dt.datetime.combine(day, dt.time(15, 30), tzinfo=zone).astimezone(dt.UTC)
        priya.status, priya.needling = VisitStatus.DRAFT, True
    sams = [p for p in latest.values() if p.course.practitioner == "physio"]
    if sams:
        first_sam = sams[0]
        planned.append(
            Planned(
                **{
                    **vars(first_sam),
                    "when": now,
                    "number": first_sam.number + 1,
                    "of": first_sam.of + 1,
                    "needling": True,
                    "status": VisitStatus.DRAFT,
                }
            )
        )
    if len(sams) > 1:
        planned.append(
            Planned(
                **{
                    **vars(sams[-1]),
                    "when": sams[-1].when + dt.timedelta(minutes=3),
                    "needling": False,
                    "status": VisitStatus.ENTERED_IN_ERROR,
                }
            )
        )
    planned.sort(key=lambda p: p.when)

    clearances = _Clearances()
    stock = DemoStock(clinic, staff["owner"].user, since=min(p.when for p in planned).date())
    visits = []
    for done, plan in enumerate(planned, start=1):
        visits.append((plan, _chart(plan, rng, clearances, stock)))
        if progress is not None and done % 10 == 0:
            progress("visits", done, len(planned))

    sessions = [v for p, v in visits if p.needling and p.status != VisitStatus.ENTERED_IN_ERROR]
    signed_sessions = [v for p, v in visits if p.needling and p.status == VisitStatus.SIGNED]
    # Events are charted on finished sessions: the two drafts are still being written.
    events = round(BRADY_RATE * len(signed_sessions))
    for visit, kind in zip(
        rng.sample(signed_sessions, k=events), _brady_kinds(events), strict=True
    ):
        _mild_event(visit, kind, rng)
    quiet = [v for v in signed_sessions if not v.adverse_events.exists()]
    owner = staff["owner"].user.display_name
    _significant_event(quiet[len(quiet) // 2], owner)
    sam_signed = [v for v in quiet if v.practitioner_id == staff["physio"].pk]
    _needle_incident(sam_signed[len(sam_signed) // 3])

    for plan, visit in visits:
        if plan.status == VisitStatus.SIGNED:
            _sign(visit, rng)
        elif plan.status == VisitStatus.ENTERED_IN_ERROR:
            Visit.objects.filter(pk=visit.pk).update(
                status=VisitStatus.ENTERED_IN_ERROR,
                error_reason="Started twice by mistake: the visit charted three minutes earlier "
                "is the real one",
            )
    for visit in [v for v in signed_sessions if v.adverse_events.filter(kind="bruising").exists()][
        :2
    ]:
        Addendum.objects.create(
            visit=visit,
            author=visit.practitioner.user,
            created_at=visit.started_at + dt.timedelta(days=1, hours=2),
            reason="Follow-up call",
            text="Patient phoned: the bruise is fading, no other concerns.",
        )
    _plans(clinic, {p.episode.pk: p for p in planned}.values())
    stock.settle()
    supply_lines = demo_recall_and_sharps(clinic, staff["owner"].user, stock)
    if progress is not None:
        progress("visits", len(planned), len(planned))
    lines = [
        f"{len(planned)} visits charted since {min(p.when for p in planned):%Y-%m-%d} "
        f"({len(sessions)} needling sessions, {events} with a mild adverse event)"
    ]
    if priya is not None:
        lines.append(
            f"{priya.patient.display_name}: Priya's note from two days ago is unsigned "
            "(sign in as ims@ to see it on the dashboard)"
        )
    return lines + supply_lines


def _plans(clinic: Clinic, plans: Any) -> None:
    for plan in plans:
        components = [PlanComponent.EDUCATION, PlanComponent.EXERCISE, PlanComponent.DRY_NEEDLING]
        if plan.course.mode == SessionMode.DRY_NEEDLING:
            components.insert(2, PlanComponent.MANUAL_THERAPY)
        TreatmentPlan.objects.create(
            clinic=clinic,
            episode=plan.episode,
            goals=plan.course.goals,
            components=[str(c) for c in components],
            frequency="Weekly for four weeks, then every two to three weeks",
            expected_weeks=plan.course.weeks,
            updated_at=timezone.make_aware(
                dt.datetime.combine(plan.episode.started_on, dt.time(18))
            ),
            updated_by=plan.performer.user,
        )


def demo_visits_reset(clinics: QuerySet[Clinic]) -> None:
    """Remove the demo's charting rows, children first. The models refuse ``delete()`` on an
    instance (clinical rows are never deleted in the product); a queryset's delete does not call
    it, and signed visits refuse changes, not deletion, so the demo can start over."""
    visits = Visit.objects.filter(clinic__in=clinics)
    Addendum.objects.filter(visit__in=visits).delete()
    AdverseEvent.objects.filter(visit__in=visits).delete()
    NeedleIncident.objects.filter(session__visit__in=visits).delete()
    Insertion.objects.filter(session__visit__in=visits).delete()
    NeedlingSession.objects.filter(visit__in=visits).delete()
    visits.delete()
    TreatmentPlan.objects.filter(clinic__in=clinics).delete()
