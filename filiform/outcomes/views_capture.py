"""Taking outcome measures: the visit page's "Outcome measures" card and the capture form of each
instrument (the clinician on a tablet during the visit), questionnaires sent to the patient from
the patient page, and the owner's page that loads the licensed wording of questionnaire items.

Every write is one call to a service of ``outcomes`` (which checks the permission and audits);
these views parse the form, call, and put the service's refusal next to the right field."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from filiform.charting.models import Visit
from filiform.charting.visits import visit_of_clinic
from filiform.clinics.access import Access, Permission
from filiform.clinics.decorators import clinic_page
from filiform.outcomes.forms import MeasureForm, measure_form, short_name
from filiform.outcomes.instruments import SPECS, Instrument, band_label
from filiform.outcomes.models import (
    InstrumentText,
    Measurement,
    MeasurementSource,
    MeasurementStatus,
)
from filiform.outcomes.requests import REQUEST_LINK_DAYS, measure_request_send
from filiform.outcomes.rom import rom_movement
from filiform.outcomes.services import instrument_texts_load, item_labels, measurement_record

CAPTURE_ORDER = (
    Instrument.NPRS,
    Instrument.PSFS,
    Instrument.NDI,
    Instrument.ODI,
    Instrument.QUICKDASH,
    Instrument.LEFS,
    Instrument.ROM,
    Instrument.PPT,
)
WORDED = (Instrument.NDI, Instrument.ODI, Instrument.QUICKDASH, Instrument.LEFS)


# --- how a measurement reads ------------------------------------------------------------------


def _number(value: Any) -> str:
    return f"{value.normalize():f}"


def measure_result(measurement: Measurement) -> str:
    """The score as a clinician reads it ("6/10", "34 %, moderate disability", "72° of 80°
    normal"), or "Not scorable: <why>". Never a number for an unscorable response."""
    if not measurement.scorable or measurement.value is None:
        return _("Not scorable: %(why)s") % {"why": measurement.why_not}
    code = Instrument(measurement.instrument)
    spec = SPECS[code]
    value = _number(measurement.value)
    if code in (Instrument.NPRS, Instrument.PSFS):
        text = f"{value}/10"
    elif spec.unit == "%":
        text = f"{value} %"
    elif code == Instrument.ROM:
        text = f"{value}°"
        normal = measurement.detail.get("normal_max")
        if normal is not None:
            text += " " + _("(normal 0–%(normal)s°)") % {"normal": normal}
    elif code == Instrument.PPT:
        text = f"{value} kg/cm²"
    else:
        text = f"{value}/{_number(spec.maximum)}"
    band = band_label(measurement.band)
    return f"{text}, {band.lower()}" if band else text


def measure_subject(measurement: Measurement) -> str:
    """What a ROM or PPT measurement was of, in words ("Neck rotation, right, active")."""
    code = Instrument(measurement.instrument)
    if code == Instrument.ROM:
        joint, movement, side, mode = ([*measurement.subject.split("/"), "", "", "", ""])[:4]
        found = rom_movement(joint, movement)
        parts = [_(found.label) if found else f"{joint} {movement}"]
        parts += [{"left": _("left"), "right": _("right")}.get(side, side)] if side else []
        parts += [{"active": _("active"), "passive": _("passive")}.get(mode, mode)] if mode else []
        return ", ".join(parts)
    if code == Instrument.PPT:
        return str(measurement.answers.get("site", measurement.subject))
    return ""


@dataclass(frozen=True)
class MeasureRow:
    measurement: Measurement
    name: str
    subject: str
    result: str

    @property
    def in_error(self) -> bool:
        return self.measurement.status == MeasurementStatus.ENTERED_IN_ERROR


def measure_row(measurement: Measurement) -> MeasureRow:
    return MeasureRow(
        measurement=measurement,
        name=short_name(measurement.instrument),
        subject=measure_subject(measurement),
        result=measure_result(measurement),
    )


# --- the card on the visit page -----------------------------------------------------------------


def _measures_of_visit(access: Access, visit: Visit) -> list[Measurement]:
    # The visit page has checked the clinician's access and audited the reading of this visit.
    return list(
        Measurement.objects.of(access)
        .filter(visit=visit)
        .select_related("recorded_by")
        .order_by("taken_at", "pk")
    )


def _answered_before_visit(access: Access, visit: Visit) -> list[Measurement]:
    """Questionnaires the patient answered from a link since their previous visit of the
    episode, to go through at this one."""
    earlier = (
        Visit.objects.of(access)
        .filter(episode_id=visit.episode_id, started_at__lt=visit.started_at)
        .order_by("-started_at")
        .values_list("started_at", flat=True)
        .first()
    )
    found = Measurement.objects.of(access).filter(
        episode_id=visit.episode_id,
        visit__isnull=True,
        source=MeasurementSource.PATIENT,
        status=MeasurementStatus.FINAL,
    )
    if not visit.is_draft:  # a draft visit is still going: answers of this morning count
        found = found.filter(taken_at__lte=visit.started_at)
    if earlier is not None:
        found = found.filter(taken_at__gt=earlier)
    return list(found.order_by("taken_at", "pk"))


def capture_card_context(access: Access, visit: Visit) -> dict[str, Any]:
    """The "Outcome measures" card (charting's ``visit_context`` adds it)."""
    if not access.can(Permission.CLINICAL_RECORD):
        return {}
    return {
        "measure_buttons": [(code.value, short_name(code)) for code in CAPTURE_ORDER],
        "measures_taken": [measure_row(m) for m in _measures_of_visit(access, visit)],
        "measures_from_patient": [measure_row(m) for m in _answered_before_visit(access, visit)],
    }


# --- the capture form ---------------------------------------------------------------------------


def _visit_url(access: Access, visit_id: int, anchor: str = "") -> str:
    url = reverse(
        "charting:visit", kwargs={"clinic_slug": access.clinic.slug, "visit_id": visit_id}
    )
    return f"{url}#{anchor}" if anchor else url


def previous_activities(*, clinic_id: int, episode_id: int) -> list[str]:
    """The activities of the episode's latest PSFS, so the next one rates the same ones. Named
    by clinic, not by an Access: the patient's questionnaire page (a link) asks too."""
    latest = (
        Measurement.objects.of_clinic(clinic_id)
        .filter(
            episode_id=episode_id,
            instrument=Instrument.PSFS.value,
            status=MeasurementStatus.FINAL,
        )
        .order_by("-taken_at", "-pk")
        .values_list("answers", flat=True)
        .first()
    )
    if not isinstance(latest, dict) or not isinstance(latest.get("activities"), list):
        return []
    return [
        str(a["name"])
        for a in latest["activities"]
        if isinstance(a, dict) and isinstance(a.get("name"), str) and a["name"].strip()
    ]


def form_for(
    instrument: Instrument,
    *,
    clinic_id: int,
    episode_id: int,
    data: Any = None,
    prefix: str | None = None,
    not_answered: str = "",
) -> MeasureForm:
    """The instrument's capture form with the clinic's item wording and, for the PSFS, the
    episode's activities; the portal page builds the patient's forms with it too."""
    spec = SPECS[instrument]
    return measure_form(
        instrument,
        data,
        labels=item_labels(clinic_id=clinic_id, instrument=instrument) if spec.items else (),
        activities=previous_activities(clinic_id=clinic_id, episode_id=episode_id)
        if instrument == Instrument.PSFS
        else None,
        prefix=prefix,
        not_answered=not_answered,
    )


def _instrument(code: str) -> Instrument:
    try:
        return Instrument(code)
    except ValueError:
        raise Http404("No such measure.") from None


@clinic_page(Permission.CLINICAL_RECORD)
@require_http_methods(["GET", "POST"])
def capture(request: HttpRequest, access: Access, visit_id: int, instrument: str) -> HttpResponse:
    """One measure taken in the visit: the form, then back to the visit with the score (or
    "not scorable" and why). A refused value is shown next to its field and nothing is saved."""
    visit = visit_of_clinic(access=access, visit_id=visit_id)
    code = _instrument(instrument)
    if not visit.is_draft:
        messages.error(
            request,
            _("This visit is signed: measures are taken in a draft visit (start a new one)."),
        )
        return HttpResponseRedirect(_visit_url(access, visit.pk, "measures"))
    form = form_for(
        code,
        clinic_id=access.membership.clinic_id,
        episode_id=visit.episode_id,
        data=request.POST if request.method == "POST" else None,
    )
    if request.method == "POST" and form.is_valid():
        try:
            measurement = measurement_record(
                access=access,
                patient_id=visit.patient_id,
                instrument=code.value,
                answers=form.answers(),
                visit_id=visit.pk,
            )
        except ValidationError as error:
            form.errors_from(error)
        else:
            row = measure_row(measurement)
            what = f"{row.name} ({row.subject})" if row.subject else row.name
            if measurement.scorable:
                messages.success(
                    request,
                    _("%(what)s recorded: %(result)s.") % {"what": what, "result": row.result},
                )
            else:
                messages.warning(
                    request,
                    _("%(what)s recorded. %(result)s") % {"what": what, "result": row.result},
                )
            return HttpResponseRedirect(_visit_url(access, visit.pk, "measures"))
    return render(
        request,
        "outcomes/capture.html",
        {
            "visit": visit,
            "patient": visit.patient,
            "form": form,
            "spec": SPECS[code],
            "short": short_name(code),
            "worded": code in WORDED
            and InstrumentText.objects.of(access).filter(instrument=code.value).exists(),
        },
        status=400 if request.method == "POST" else 200,
    )


# --- questionnaires sent to the patient ---------------------------------------------------------


@clinic_page(Permission.PATIENT_EDIT)
@require_POST
def send(request: HttpRequest, access: Access, patient_id: int) -> HttpResponse:
    """E-mail the patient a link to the chosen questionnaires, or say why it cannot be sent."""
    back = reverse(
        "patients:detail", kwargs={"clinic_slug": access.clinic.slug, "patient_id": patient_id}
    )
    chosen = [str(code) for code in request.POST.getlist("instruments")][: len(Instrument)]
    try:
        measure_request, delivery = measure_request_send(
            access=access, patient_id=patient_id, instruments=chosen
        )
    except ValidationError as error:
        for text in error.messages:
            messages.error(request, text)
        return HttpResponseRedirect(back + "#send-measures")
    names = ", ".join(short_name(code) for code in measure_request.instruments)
    messages.success(
        request,
        _(
            "Questionnaires (%(names)s) are being e-mailed to %(to)s. The link works once, "
            "for %(days)d days."
        )
        % {"names": names, "to": ", ".join(delivery.to), "days": REQUEST_LINK_DAYS},
    )
    return HttpResponseRedirect(back + "#send-measures")


# --- the owner's page: licensed item wording ----------------------------------------------------


@dataclass
class WordingCard:
    instrument: Instrument
    name: str
    items: int
    loaded: list[InstrumentText]
    text: str
    errors: list[str]


def _wording_cards(access: Access) -> list[WordingCard]:
    loaded: dict[str, list[InstrumentText]] = {}
    for row in InstrumentText.objects.of(access).select_related("loaded_by"):
        loaded.setdefault(row.instrument, []).append(row)
    cards = []
    for code in WORDED:
        rows = loaded.get(code.value, [])
        items = SPECS[code].items
        assert items is not None
        cards.append(
            WordingCard(
                instrument=code,
                name=_(SPECS[code].name),
                items=items,
                loaded=rows,
                text="\n".join(r.text for r in rows),
                errors=[],
            )
        )
    return cards


@clinic_page(Permission.CLINIC_MANAGE)
@require_http_methods(["GET", "POST"])
def texts(request: HttpRequest, access: Access) -> HttpResponse:
    """Paste the licensed wording of a questionnaire, one line per item; without it the items
    show their neutral labels ("Item 1")."""
    cards = _wording_cards(access)
    status = 200
    if request.method == "POST":
        code = str(request.POST.get("instrument", ""))
        card = next((c for c in cards if c.instrument.value == code), None)
        if card is None:
            messages.error(request, _("Choose one of the questionnaires listed."))
            return HttpResponseRedirect(request.path)
        pasted = str(request.POST.get("texts", ""))
        lines = [line.strip() for line in pasted.splitlines() if line.strip()]
        try:
            instrument_texts_load_checked(access, card, lines)
        except ValidationError as error:
            card.text, card.errors, status = pasted, error.messages, 400
        else:
            messages.success(
                request,
                _("The wording of the %(n)d items of %(name)s is loaded.")
                % {"n": card.items, "name": short_name(card.instrument)},
            )
            return HttpResponseRedirect(f"{request.path}#wording-{card.instrument.value}")
    return render(request, "outcomes/texts.html", {"cards": cards}, status=status)


def instrument_texts_load_checked(access: Access, card: WordingCard, lines: list[str]) -> None:
    if len(lines) != card.items:
        raise ValidationError(
            _(
                "%(name)s has %(n)d items: paste %(n)d lines, one per item in order; "
                "%(got)d were pasted."
            )
            % {"name": short_name(card.instrument), "n": card.items, "got": len(lines)}
        )
    instrument_texts_load(access=access, instrument=card.instrument.value, texts=lines)
