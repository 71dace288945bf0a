"""Credential expiry reminders: 60, 30 and 7 days before, to the clinician and the clinic's
owners, once each (run daily by the worker's schedule). Each reminder is recorded with its
outbox message in one transaction, so a re-run (after a crash) neither loses nor repeats one, and
the message's status says whether it went."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from filiform.clinics.access import CLINICIAN_ROLES, OWNER_ROLES
from filiform.clinics.models import Membership
from filiform.notices.outbox import message_queue
from filiform.practitioners.models import CredentialReminder
from filiform.practitioners.standing import REMINDER_DAYS, practitioner_standing


@task()
def credential_expiry_reminders() -> int:
    today = timezone.localdate()
    sent = 0
    clinicians = Membership.objects.select_related("user", "clinic").filter(
        is_active=True, role__in=CLINICIAN_ROLES
    )
    for membership in clinicians:
        for expiring in practitioner_standing(membership=membership, on=today).expiring:
            if expiring.days_left not in REMINDER_DAYS:
                continue
            owners = Membership.objects.filter(
                clinic_id=membership.clinic_id, role__in=OWNER_ROLES, is_active=True
            ).values_list("user__email", flat=True)
            try:
                with transaction.atomic():
                    reminder = CredentialReminder.objects.create(
                        membership=membership,
                        what=expiring.what,
                        expires_on=expiring.on,
                        days_before=expiring.days_left,
                    )
                    message_queue(
                        clinic_id=membership.clinic_id,
                        purpose="credential_reminder",
                        to=[membership.user.email, *owners],
                        subject=_("%(what)s of %(name)s expires in %(days)d days")
                        % {
                            "what": expiring.what,
                            "name": membership.user.display_name,
                            "days": expiring.days_left,
                        },
                        body=_(
                            "%(what)s of %(name)s at %(clinic)s expires on %(on)s. Until it is "
                            "renewed and recorded in Filiform, needling will be blocked from "
                            "that day."
                        )
                        % {
                            "what": expiring.what,
                            "name": membership.user.display_name,
                            "clinic": membership.clinic.name,
                            "on": expiring.on,
                        },
                        object_type="credential_reminder",
                        object_id=reminder.pk,
                    )
            except IntegrityError:
                continue  # already sent
            sent += 1
    return sent
