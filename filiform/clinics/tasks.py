"""Background work for clinics (run by `filiform worker`)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_tasks import task

from filiform.accounts.models import User
from filiform.clinics.models import Clinic


@task()
def send_staff_invitation(*, user_id: int, clinic_id: int, new_account: bool) -> str:
    """E-mail a person added to a clinic; a new account gets a link to choose a password."""
    user = User.objects.get(pk=user_id)
    clinic = Clinic.objects.get(pk=clinic_id)
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
    message = EmailMultiAlternatives(
        subject=render_to_string("clinics/email/invitation_subject.txt", context).strip(),
        body=render_to_string("clinics/email/invitation.txt", context),
        to=[user.email],
    )
    message.attach_alternative(
        render_to_string("clinics/email/invitation.html", context), "text/html"
    )
    message.send()
    return user.email
