"""The e-mail to a person added to the clinic's staff, composed as the worker sends it.

Its link to choose a password carries a reset token, a secret: it is made at send time and never
stored (filiform/notices/outbox.py). A person who has not chosen a password yet (a new account)
gets that link; anyone else a link to sign in. The e-mail is an outbox message queued with the
membership, so the staff list shows whether it went, and an owner can send it again."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from filiform.audit.services import AuditAction, audit_access
from filiform.clinics.access import Access, Permission
from filiform.clinics.models import Membership
from filiform.notices.models import OutboxMessage
from filiform.notices.outbox import (
    IN_FLIGHT,
    Outgoing,
    StillOnItsWay,
    message_queue,
    messages_about,
)

PURPOSE = "staff_invitation"
ABOUT = "membership"


def invitation_queue(membership: Membership) -> OutboxMessage:
    """The invitation and its task, in the caller's transaction."""
    return message_queue(
        clinic_id=membership.clinic_id,
        purpose=PURPOSE,
        to=[membership.user.email],
        subject=render_to_string(
            "clinics/email/invitation_subject.txt", {"clinic": membership.clinic}
        ).strip(),
        body="",
        object_type=ABOUT,
        object_id=membership.pk,
    )


def invitation_compose(message: OutboxMessage) -> Outgoing:
    membership = (
        Membership.objects.of_clinic(message.clinic_id)
        .select_related("user", "clinic")
        .filter(pk=int(message.object_id))
        .first()
    )
    if membership is None or not membership.is_active:
        return Outgoing(None)  # switched off meanwhile
    user, clinic = membership.user, membership.clinic
    new_account = not user.has_usable_password()
    link = settings.SITE_URL + reverse("accounts:login")
    if new_account:
        link = settings.SITE_URL + reverse(
            "accounts:password_reset_confirm",
            kwargs={
                "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
                "token": default_token_generator.make_token(user),
            },
        )
    context = {"user": user, "clinic": clinic, "link": link, "new_account": new_account}
    email = EmailMultiAlternatives(
        subject=render_to_string("clinics/email/invitation_subject.txt", context).strip(),
        body=render_to_string("clinics/email/invitation.txt", context),
        to=list(message.to),
    )
    email.attach_alternative(
        render_to_string("clinics/email/invitation.html", context), "text/html"
    )
    return Outgoing(email)


def invitations_of(memberships: list[Membership]) -> dict[int, OutboxMessage]:
    """The latest invitation of each membership: its delivery status, for the staff list."""
    return messages_about(ABOUT, memberships)


@transaction.atomic
def invitation_send_again(*, access: Access, membership_id: int) -> OutboxMessage:
    """Owners only: e-mail the invitation again (with a fresh link), not while one is still on
    its way, and only to someone on the staff list."""
    access.require(Permission.CLINIC_MANAGE)
    membership = (
        Membership.objects.of(access)
        .select_for_update(of=("self",))
        .select_related("user", "clinic")
        .filter(pk=membership_id, is_active=True)
        .first()
    )
    if membership is None:
        raise ValidationError(_("That person is not on this clinic's staff list."))
    last = invitations_of([membership]).get(membership.pk)
    if last is not None and last.status in IN_FLIGHT:
        raise StillOnItsWay(
            _("The invitation is still on its way: %(status)s.")
            % {"status": last.get_status_display().lower()}
        )
    message = invitation_queue(membership)
    audit_access(
        access,
        action=AuditAction.UPDATE,
        object_type="membership",
        object_id=membership.pk,
        detail={"invitation_sent_again": True, "message": message.pk},
    )
    return message
