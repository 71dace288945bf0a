"""Outgoing endpoints (filiform/outgoing.py): https to public addresses only, unless the
server's operator allows loopback, private addresses and http; checked when saved, by the
literal address, and when sent, by every address the name resolves to."""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest

from filiform.outgoing import EndpointRefused, _pinned, endpoint_check, is_public

PRIVATE = [
    "https://127.0.0.1:8443/fhir",
    "https://127.1/fhir",
    "https://2130706433/fhir",  # 127.0.0.1 as one number
    "https://0x7f.1/fhir",
    "https://localhost/fhir",
    "https://api.localhost/fhir",
    "https://10.1.2.3/fhir",
    "https://172.16.0.1/fhir",
    "https://172.31.255.254/fhir",
    "https://192.168.1.10/fhir",
    "https://169.254.169.254/latest/meta-data",
    "https://100.64.0.1/fhir",  # shared address space (carrier-grade NAT)
    "https://0.0.0.0/fhir",
    "https://[::1]/fhir",
    "https://[fc00::1]/fhir",
    "https://[fd12:3456::1]/fhir",
    "https://[fe80::1]/fhir",
    "https://[::ffff:127.0.0.1]/fhir",
    "https://224.0.0.1/fhir",
]


@pytest.mark.parametrize("url", PRIVATE)
def test_private_addresses_are_refused_without_the_setting(url: str) -> None:
    with pytest.raises(EndpointRefused) as refused:
        endpoint_check(url)
    assert "public internet address" in refused.value.message_dict["endpoint"][0]


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080/fhir", "http://fhir.insurer.example/r4"])
def test_http_is_refused_without_the_setting(url: str) -> None:
    with pytest.raises(EndpointRefused) as refused:
        endpoint_check(url)
    assert refused.value.message_dict["endpoint"] == ["The endpoint must use https://."]


@pytest.mark.parametrize("url", [*PRIVATE, "http://127.0.0.1:8080/fhir"])
def test_the_operator_may_allow_them(url: str, settings: Any) -> None:
    settings.FILIFORM_ALLOW_PRIVATE_ENDPOINTS = True
    assert endpoint_check(url) == url


def test_public_https_is_accepted() -> None:
    for url in (
        "https://fhir.insurer.example/r4",
        "https://8.8.8.8/fhir",
        "https://[2001:4860::8888]/",
    ):
        assert endpoint_check(url) == url
    with pytest.raises(EndpointRefused):
        endpoint_check("ftp://fhir.insurer.example/r4")


def test_every_resolved_address_must_be_public(monkeypatch: Any) -> None:
    answers = {
        "mixed.example": ["8.8.8.8", "10.0.0.5"],
        "metadata.example": ["169.254.169.254"],
        "public.example": ["2001:4860::8888", "8.8.4.4"],
    }
    monkeypatch.setattr(
        "filiform.outgoing.resolved_addresses",
        lambda host, port: [ipaddress.ip_address(a) for a in answers[host]],
    )
    for host in ("mixed.example", "metadata.example"):
        with pytest.raises(EndpointRefused):
            _pinned(f"https://{host}/fhir/Claim")
    # the connection goes to the address that was checked; TLS and Host keep the name
    assert _pinned("https://public.example:8443/fhir/Claim") == (
        "https://[2001:4860::8888]:8443/fhir/Claim",
        "public.example:8443",
        "public.example",
    )


def test_is_public() -> None:
    assert is_public(ipaddress.ip_address("93.184.215.14"))
    assert not is_public(ipaddress.ip_address("::ffff:10.0.0.1"))
