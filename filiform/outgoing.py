"""Requests Filiform makes to addresses a clinic typed (today: an insurer's FHIR endpoint).

The rule (issue 17, "no request to where it should not go"): a URL a clinic sets is a way to
make the server send patients' names and dates of birth wherever it points, including to the
server's own loopback, the clinic's private network or a cloud metadata service (server-side
request forgery, OWASP SSRF Prevention Cheat Sheet). So an outgoing endpoint is

- ``https`` only, with no user name or password in it, and
- a public address: every address its host resolves to is globally routable. Loopback,
  private (10/8, 172.16/12, 192.168/16, fc00::/7), link-local (169.254/16, fe80::/10), shared,
  multicast, reserved and unspecified addresses are refused.

The server operator (never a clinic) may allow loopback, private addresses and plain ``http``
with ``FILIFORM_ALLOW_PRIVATE_ENDPOINTS`` (the test suite's local insurer, an insurer reached
over a private link). It is checked twice: when the URL is saved (:func:`endpoint_check`, a
field error; a host name is not looked up then, so a name that resolves later still works),
and when the request is made (:func:`post_json`): the host is resolved, every address checked,
and the connection made to the address that was checked, so a name that resolves to a public
address when checked and to a private one when connected (DNS rebinding) cannot slip through.
TLS still verifies the certificate against the host's name.

What the other side answers is never shown as it came: callers get the status code and a
parsed body, and log only a short summary (:func:`answer_summary`).
"""

from __future__ import annotations

import ipaddress
import logging
import socket
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from requests.adapters import HTTPAdapter

log = logging.getLogger(__name__)

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class EndpointRefused(ValidationError):
    """The endpoint is not one the server may send to (scheme, or a private address)."""


def private_allowed() -> bool:
    return bool(getattr(settings, "FILIFORM_ALLOW_PRIVATE_ENDPOINTS", False))


def is_public(address: Address) -> bool:
    """Globally routable: not loopback, private, link-local, shared, multicast, reserved or
    unspecified. An IPv4-mapped IPv6 address is judged by its IPv4 address."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


def _literal(host: str) -> Address | None:
    """The address a host names without a look-up: dotted, bracketed IPv6, and the short and
    numeric forms the C resolver also accepts ("127.1", "2130706433", "0x7f.1")."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    try:
        found = socket.getaddrinfo(host, None, flags=socket.AI_NUMERICHOST)
    except (socket.gaierror, UnicodeError, ValueError):
        return None
    return ipaddress.ip_address(found[0][4][0]) if found else None


def _not_public() -> str:
    return _(
        "The endpoint must be a public internet address: loopback, private and link-local addresses are refused."
    )


def endpoint_check(url: str, *, field: str = "endpoint") -> str:
    """``url`` if the server may send to it; else a field error. No DNS look-up here."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises ValueError for a port out of range or not a number)
    except ValueError:
        parts = None
    if parts is None or not parts.hostname or parts.username or parts.password:
        raise EndpointRefused({field: _("Give a URL such as https://fhir.insurer.example/r4.")})
    allowed = private_allowed()
    if parts.scheme != "https" and not (allowed and parts.scheme == "http"):
        raise EndpointRefused({field: _("The endpoint must use https://.")})
    host = parts.hostname.rstrip(".").lower()
    if allowed:
        return url
    if host == "localhost" or host.endswith(".localhost"):
        raise EndpointRefused({field: _not_public()})
    literal = _literal(host)
    if literal is not None and not is_public(literal):
        raise EndpointRefused({field: _not_public()})
    return url


def resolved_addresses(host: str, port: int) -> list[Address]:
    """Every address ``host`` resolves to (the system resolver). A seam for the tests, which
    stand in for DNS."""
    found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [ipaddress.ip_address(info[4][0]) for info in found]


class _PinnedAdapter(HTTPAdapter):
    """Connects to the address that was checked, while TLS (SNI and the certificate's name)
    uses the host's name."""

    def __init__(self, host: str) -> None:
        self.host = host
        super().__init__(max_retries=0)

    def build_connection_pool_key_attributes(
        self, request: requests.PreparedRequest, verify: Any, cert: Any = None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        host_params, pool_kwargs = super().build_connection_pool_key_attributes(
            request, verify, cert
        )
        pool_kwargs["server_hostname"] = self.host
        pool_kwargs["assert_hostname"] = self.host
        return host_params, pool_kwargs


def _pinned(url: str) -> tuple[str, str, str]:
    """(the URL with the checked address in place of the host, the Host header, the host).
    Raises EndpointRefused if any address the host resolves to is not public, OSError if it
    does not resolve."""
    endpoint_check(url)
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or 443
    addresses = resolved_addresses(host, port)
    if not addresses:
        raise OSError(f"{host} did not resolve")
    refused = [a for a in addresses if not is_public(a)]
    if refused:
        log.warning(
            "outgoing request refused: %s resolves to a non-public address %s", host, refused[0]
        )
        raise EndpointRefused(_not_public())
    chosen = addresses[0]
    shown = f"[{chosen}]" if chosen.version == 6 else str(chosen)
    netloc = f"{shown}:{port}" if parts.port else shown
    host_header = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit(parts._replace(netloc=netloc)), host_header, host


def post_json(url: str, body: Any, *, headers: dict[str, str], timeout: float) -> requests.Response:
    """POST ``body`` as JSON to ``url``, refusing any address the server may not send to.
    Raises EndpointRefused (a ValidationError) or requests.RequestException. Redirects are
    not followed (a redirect could point anywhere); proxies from the environment are not
    used (the connection goes to the address that was checked)."""
    if private_allowed():
        endpoint_check(url)
        return requests.post(
            url, json=body, headers=headers, timeout=timeout, allow_redirects=False
        )
    try:
        target, host_header, host = _pinned(url)
    except OSError as error:
        raise requests.ConnectionError(str(error)) from None
    with requests.Session() as session:
        session.trust_env = False
        session.mount("https://", _PinnedAdapter(host))
        return session.post(
            target,
            json=body,
            headers={**headers, "Host": host_header},
            timeout=timeout,
            allow_redirects=False,
        )


def answer_summary(answer: requests.Response) -> str:
    """A short, single-line description of an answer for the log: status, type and size, never
    the body (it may echo what we sent, or be anything at all)."""
    kind = answer.headers.get("Content-Type", "").split(";")[0].strip()[:60]
    return f"HTTP {answer.status_code}, {kind or 'no content type'}, {len(answer.content)} bytes"
