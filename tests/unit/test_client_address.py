"""The client address: X-Forwarded-For believed only as far as trusted proxies wrote it."""

from __future__ import annotations

import pytest

from shared.kit.http.client_address import client_address, parse_proxies

PROXIES = parse_proxies("10.0.0.0/8, 127.0.0.1")


def scope(peer: str, *forwarded: str) -> dict:
    headers = [(b"x-forwarded-for", value.encode()) for value in forwarded]
    return {"client": (peer, 50000), "headers": headers}


def test_without_trusted_proxies_the_peer_is_the_client():
    assert client_address(scope("203.0.113.7", "1.2.3.4"), ()) == "203.0.113.7"


def test_rejects_x_forwarded_for_from_an_untrusted_peer():
    assert client_address(scope("203.0.113.7", "1.2.3.4"), PROXIES) == "203.0.113.7"


def test_a_trusted_proxy_names_the_client():
    assert client_address(scope("10.1.2.3", "198.51.100.2"), PROXIES) == "198.51.100.2"


def test_rejects_addresses_the_client_wrote_left_of_the_proxy_entry():
    forged = scope("10.1.2.3", "1.1.1.1, 198.51.100.2")
    assert client_address(forged, PROXIES) == "198.51.100.2"


def test_a_chain_of_trusted_proxies_is_walked_from_the_right():
    chain = scope("127.0.0.1", "198.51.100.2, 10.0.0.5", "10.0.0.9")
    assert client_address(chain, PROXIES) == "198.51.100.2"


def test_only_proxies_in_the_chain_means_the_first_one_is_the_client():
    assert client_address(scope("127.0.0.1", "10.0.0.5"), PROXIES) == "10.0.0.5"


def test_rejects_garbage_in_the_proxy_entry():
    assert client_address(scope("127.0.0.1", "<script>"), PROXIES) == "127.0.0.1"


def test_a_trusted_peer_without_the_header_is_the_client():
    assert client_address(scope("127.0.0.1"), PROXIES) == "127.0.0.1"


@pytest.mark.parametrize("raw", ["not-an-address", "10.0.0.0/33"])
def test_rejects_a_malformed_trusted_proxies_setting(raw):
    with pytest.raises(ValueError):
        parse_proxies(raw)
