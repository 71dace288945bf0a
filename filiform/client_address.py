"""The address of the person making a request, the one answer used everywhere.

The audit log, the sign-in lock-out (django-axes, through ``AXES_CLIENT_IP_CALLABLE``) and the
password-reset throttle all take the client's address from :func:`client_ip`.

Behind a reverse proxy every request comes from the proxy, so the client's address is in
``X-Forwarded-For``. That header is written by whoever sends the request, so it is believed only
when the direct peer (``REMOTE_ADDR``) is one of ``FILIFORM_TRUSTED_PROXIES`` (addresses or
networks, empty by default: no proxy is trusted and the header is ignored). Then the chain is read
from the right, each proxy having appended the address it saw, and the first address that is not
a trusted proxy is the client: anything to its left was written by the client itself and may be
forged (MDN, "X-Forwarded-For: selecting an IP address"; the rule Rails and Express apply).
django-ipware was looked at: its trusted-proxy list matches the header's entries by prefix, not
the peer by network, which is not this rule.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError as exc:
            raise ImproperlyConfigured(
                f"FILIFORM_TRUSTED_PROXIES: {entry!r} is not an IP address or network"
            ) from exc
    return tuple(networks)


def trusted_proxies() -> tuple[Network, ...]:
    return _networks(tuple(getattr(settings, "FILIFORM_TRUSTED_PROXIES", ())))


def _address(text: str) -> Address | None:
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    # An IPv4 client seen on a dual-stack socket is the IPv4 address.
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def _is_trusted(address: Address, networks: tuple[Network, ...]) -> bool:
    return any(address.version == net.version and address in net for net in networks)


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: the direct peer, or from a trusted proxy the right-most address in
    ``X-Forwarded-For`` that is not itself a trusted proxy."""
    peer = _address(str(request.META.get("REMOTE_ADDR") or ""))
    if peer is None:
        return None
    networks = trusted_proxies()
    if not networks or not _is_trusted(peer, networks):
        return str(peer)
    forwarded = str(request.META.get("HTTP_X_FORWARDED_FOR") or "")
    client = peer
    for hop in reversed([part for part in forwarded.split(",") if part.strip()]):
        address = _address(hop)
        if address is None:
            # Not an address: a trusted proxy passed on garbage; keep the last hop we can vouch for.
            break
        client = address
        if not _is_trusted(address, networks):
            break
    return str(client)
