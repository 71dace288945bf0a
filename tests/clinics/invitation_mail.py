"""What a person invited to a clinic does with the e-mail: follow its link and choose a
password (clinics/invitations.py)."""

from __future__ import annotations

import re
from email.message import Message

from django.test import Client


def choose_password_from(invitation: Message, password: str) -> None:
    """Open the invitation's choose-a-password link and set ``password``."""
    body = invitation.get_payload()[0].get_payload(decode=True).decode()  # type: ignore[index,union-attr]
    path = re.search(r"https?://[^/\s]+(/accounts/password-reset/\S+/)", body)
    assert path, body
    client = Client()
    form = client.get(path.group(1), follow=True)
    client.post(form.redirect_chain[-1][0], {"new_password1": password, "new_password2": password})
