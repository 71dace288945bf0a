"""Needle-stick follow-up reminders: a week before and on the day of each follow-up blood test,
to the injured person and the owners, once each (run daily by the worker's schedule). The
reminder is marked done with its outbox message in one transaction: a re-run neither loses nor
repeats it, and the message's status says whether it went."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from filiform.clinics.access import OWNER_ROLES
from filiform.clinics.models import Membership
from filiform.notices.outbox import message_queue
from filiform.supplies.models import NeedleStickInjury

REMIND_DAYS_BEFORE = (7, 0)


@task()
def needlestick_follow_up_reminders() -> int:
    today = timezone.localdate()
    sent = 0
    for injury_id in NeedleStickInjury.objects.filter(closed_at__isnull=True).values_list(
        "pk", flat=True
    ):
        with transaction.atomic():
            injury = (
                NeedleStickInjury.objects.select_for_update()
                .select_related("injured", "clinic")
                .get(pk=injury_id)
            )
            for text in injury.follow_up_dates:
                days = (dt.date.fromisoformat(text) - today).days
                key = f"{text}:{days}"
                if days not in REMIND_DAYS_BEFORE or key in injury.reminders_sent:
                    continue
                owners = Membership.objects.filter(
                    clinic_id=injury.clinic_id, role__in=OWNER_ROLES, is_active=True
                ).values_list("user__email", flat=True)
                message_queue(
                    clinic_id=injury.clinic_id,
                    purpose="needlestick_reminder",
                    object_type="needlestick_injury",
                    object_id=injury.pk,
                    subject=_("Needle-stick follow-up blood test due %(on)s") % {"on": text},
                    body=_(
                        "%(name)s's follow-up after the needle-stick of %(when)s is due on %(on)s. "
                        "Record the medical follow-up on the Needle-stick page."
                    )
                    % {
                        "name": injury.injured.display_name,
                        "when": injury.occurred_at.date(),
                        "on": text,
                    },
                    to=[injury.injured.email, *owners],
                )
                injury.reminders_sent = [*injury.reminders_sent, key]
                injury.save(update_fields=["reminders_sent"])
                sent += 1
    return sent
