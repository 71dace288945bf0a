"""A patient link's token: made, and found again. One scheme for every purpose.

A token is 43 URL-safe characters (256 bits) and is stored nowhere: the link keeps its SHA-256
(``secret_sha256``), by which a token finds its link. A link that is printed or e-mailed again
(an aftercare sheet's QR code, a check-in e-mail composed by the worker) keeps a random nonce,
from which only the server, with its secret key, makes the same token again (HMAC-SHA256,
Django's ``salted_hmac``): a copy of the database alone opens nothing. A link sent once (consent
signing) keeps no nonce: its token is random, made as the e-mail is composed, and exists only in
the patient's inbox (filiform/consent/messages.py).

Tokens made before this scheme still work while their links live: the portal's signed
``<id>.<nonce>:<signature>`` (checked as before; aftercare sheet links last 90 days), and a
consent signing link's random secret, which is already a token of this scheme (its SHA-256 was
carried over by the migration). This module is the door rule's one exempt lookup in the app:
it finds a link by its token, before anyone is known (tests/test_door_rule.py)."""

from __future__ import annotations

import base64
import hashlib
import secrets

from django.core import signing
from django.utils.crypto import constant_time_compare, salted_hmac

from filiform.links.models import PatientLink

SALT = "filiform.links.token"
SIGNED_SALT = "filiform.portal.link"  # the portal's signed tokens, before one scheme


def token_digest(token: str) -> str:
    """What a link stores of its token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def token_of_nonce(nonce: str) -> str:
    """The token of a link that keeps its nonce: the same every time it is printed or sent."""
    mac = salted_hmac(SALT, nonce, algorithm="sha256").digest()
    return base64.urlsafe_b64encode(mac).decode("ascii").rstrip("=")


def token_new() -> str:
    """A token for a link that keeps no nonce (made once, as its e-mail is composed)."""
    return secrets.token_urlsafe(32)


def link_of_token(token: str, *, for_update: bool = False) -> PatientLink | None:
    """The link a token names, whatever its state (the services decide what it may do)."""
    links = PatientLink.objects.select_related("clinic", "patient")
    if for_update:
        links = links.select_for_update(of=("self",))
    if ":" not in token:
        return links.filter(secret_sha256=token_digest(token)).first()
    try:  # a token signed by the portal before one scheme
        link_id, nonce = signing.Signer(salt=SIGNED_SALT).unsign(token).split(".", 1)
        link = links.filter(pk=int(link_id)).first()
    except (signing.BadSignature, ValueError):
        return None
    if link is None or not link.nonce or not constant_time_compare(link.nonce, nonce):
        return None
    return link
