import pytest
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest
from django.test import RequestFactory
from django.urls import reverse

from filiform.audit.models import AuditAction, AuditEntry
from filiform.client_address import client_ip
from tests.conftest import World

PROXY = "10.0.0.2"


def _request(peer: str, forwarded: str | None = None) -> HttpRequest:
    request = RequestFactory().get("/", REMOTE_ADDR=peer)
    if forwarded is not None:
        request.META["HTTP_X_FORWARDED_FOR"] = forwarded
    return request


@pytest.fixture
def behind_proxy(settings) -> None:
    settings.FILIFORM_TRUSTED_PROXIES = ["10.0.0.0/24", "2001:db8::1"]


def test_without_trusted_proxies_the_header_is_ignored(settings) -> None:
    settings.FILIFORM_TRUSTED_PROXIES = []
    assert client_ip(_request(PROXY, "198.51.100.7")) == PROXY


@pytest.mark.usefixtures("behind_proxy")
def test_a_spoofed_header_from_an_untrusted_peer_is_ignored() -> None:
    assert client_ip(_request("203.0.113.9", "198.51.100.7")) == "203.0.113.9"


@pytest.mark.usefixtures("behind_proxy")
@pytest.mark.parametrize(
    ("forwarded", "expected"),
    [
        ("198.51.100.7", "198.51.100.7"),
        # The client wrote the left part itself: the right-most untrusted address counts.
        ("1.2.3.4, 198.51.100.7", "198.51.100.7"),
        ("1.2.3.4, 198.51.100.7, 10.0.0.9", "198.51.100.7"),
        (" 198.51.100.7 ,10.0.0.9 ", "198.51.100.7"),
        ("2001:db8:abcd::5", "2001:db8:abcd::5"),
        ("::ffff:198.51.100.7", "198.51.100.7"),
        # Only proxies in the chain: the farthest one is all that is known.
        ("10.0.0.9, 10.0.0.8", "10.0.0.9"),
        # Garbage where an address should be: the last hop a trusted proxy vouched for.
        ("198.51.100.7, not-an-address", PROXY),
        ("", PROXY),
    ],
)
def test_from_a_trusted_proxy_the_right_most_untrusted_address_is_the_client(
    forwarded: str, expected: str
) -> None:
    assert client_ip(_request(PROXY, forwarded)) == expected


@pytest.mark.usefixtures("behind_proxy")
def test_a_trusted_ipv6_proxy_is_matched_as_an_address() -> None:
    assert client_ip(_request("2001:db8::1", "198.51.100.7")) == "198.51.100.7"
    assert client_ip(_request("2001:db8::2", "198.51.100.7")) == "2001:db8::2"


def test_a_misspelt_trusted_proxy_stops_the_server(settings) -> None:
    settings.FILIFORM_TRUSTED_PROXIES = ["10.0.0.300"]
    with pytest.raises(ImproperlyConfigured, match=r"10\.0\.0\.300"):
        client_ip(_request(PROXY))


@pytest.mark.usefixtures("behind_proxy")
def test_audit_entries_behind_the_proxy_carry_the_clients_address(world: World, client) -> None:
    client.post(
        reverse("accounts:login"),
        {"username": "bob@clinic.test", "password": "not-the-password"},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR="198.51.100.7",
    )
    client.post(
        reverse("accounts:login"),
        {"username": "bob@clinic.test", "password": "not-the-password"},
        REMOTE_ADDR="203.0.113.9",
        HTTP_X_FORWARDED_FOR="198.51.100.8",
    )
    ips = list(
        AuditEntry.objects.filter(action=AuditAction.LOGIN_FAILED)
        .order_by("seq")
        .values_list("ip", flat=True)
    )
    assert ips == ["198.51.100.7", "203.0.113.9"]
