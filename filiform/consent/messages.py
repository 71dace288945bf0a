"""The e-mail that carries a consent signing link, composed as the worker sends it.

The link's token is made here, at send time, and only its SHA-256 is stored on the patient link
(filiform/links), by ``on_sent``, in the transaction that records the e-mail as sent
(filiform/notices/outbox.py): a link is never marked sent unless the mail server took the
e-mail, and the token is nowhere but in the patient's inbox. A failed or interrupted send
leaves the request unsent, to be sent again."""

from __future__ import annotations

from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone

from filiform.consent.models import ConsentSigningRequest, SigningRequestStatus
from filiform.links.models import LinkPurpose
from filiform.links.services import link_token_send, link_url_of
from filiform.links.tokens import token_new
from filiform.notices.models import OutboxMessage
from filiform.notices.outbox import Outgoing

PURPOSE = "consent_signing_link"
ABOUT = "consent_signing_request"


def signing_link_subject(request: ConsentSigningRequest) -> str:
    return render_to_string(
        "consent/email/signing_link_subject.txt", {"clinic": request.clinic}
    ).strip()


def signing_link_compose(message: OutboxMessage) -> Outgoing:
    request = (
        ConsentSigningRequest.objects.of_clinic(message.clinic_id)
        .select_related("clinic", "patient", "created_by", "template", "link")
        .filter(pk=int(message.object_id))
        .first()
    )
    if request is None or request.link is None or request.status != SigningRequestStatus.PENDING:
        return Outgoing(None)  # signed, cancelled or expired meanwhile: nothing to send
    link = request.link
    token = token_new()
    with timezone.override(request.clinic.time_zone):
        context = {
            "request": request,
            "clinic": request.clinic,
            "patient": request.patient,
            "link": link_url_of(LinkPurpose.CONSENT_SIGNING, token),
            "expires_at": timezone.localtime(request.expires_at),
        }
        email = EmailMultiAlternatives(
            subject=render_to_string("consent/email/signing_link_subject.txt", context).strip(),
            body=render_to_string("consent/email/signing_link.txt", context),
            to=list(message.to),
        )
        email.attach_alternative(
            render_to_string("consent/email/signing_link.html", context), "text/html"
        )

    def on_sent() -> None:
        if link_token_send(link=link, token=token):  # not if signed or cancelled meanwhile
            ConsentSigningRequest.objects.of_clinic(request.clinic_id).filter(pk=request.pk).update(
                sent_at=timezone.now()
            )

    return Outgoing(email, on_sent)
