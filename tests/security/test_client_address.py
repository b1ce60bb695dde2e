"""The client address believes X-Forwarded-For only as far as our own proxies wrote it."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from security.client_address import client_address

PROXY = "10.0.0.2"  # nginx, as the web process sees it
CLIENT = "203.0.113.7"


def request_with(remote: str | None = PROXY, forwarded: str | None = None):
    extra = {}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    request = RequestFactory().get("/", **extra)
    if remote is None:
        del request.META["REMOTE_ADDR"]
    else:
        request.META["REMOTE_ADDR"] = remote
    return request


@pytest.mark.parametrize("forwarded", [None, "198.51.100.1", "198.51.100.1, 198.51.100.2", "garbage"])
def test_without_trusted_proxies_only_the_connection_counts(settings, forwarded):
    settings.TRUSTED_PROXY_COUNT = 0

    assert client_address(request_with(remote=CLIENT, forwarded=forwarded)) == CLIENT


def test_behind_one_proxy_the_rightmost_entry_is_the_client(settings):
    settings.TRUSTED_PROXY_COUNT = 1

    assert client_address(request_with(forwarded=CLIENT)) == CLIENT


@pytest.mark.parametrize("forged", ["198.51.100.1", "127.0.0.1, 10.0.0.1", "unknown", "1.2.3.4,5.6.7.8,9.10.11.12"])
def test_entries_the_client_prepends_do_not_change_the_address(settings, forged):
    settings.TRUSTED_PROXY_COUNT = 1

    assert client_address(request_with(forwarded=f"{forged}, {CLIENT}")) == CLIENT


def test_behind_two_proxies_the_second_entry_from_the_right_is_the_client(settings):
    settings.TRUSTED_PROXY_COUNT = 2

    assert client_address(request_with(forwarded=f"198.51.100.1, {CLIENT}, 10.0.0.1")) == CLIENT


def test_a_header_shorter_than_the_proxy_chain_falls_back_to_the_connection(settings):
    settings.TRUSTED_PROXY_COUNT = 2

    assert client_address(request_with(forwarded=CLIENT)) == PROXY
    assert client_address(request_with(forwarded=None)) == PROXY


@pytest.mark.parametrize("garbage", ["unknown", "", "999.1.1.1", "203.0.113.7:443", "<script>", "203.0.113.7 x"])
def test_garbage_in_the_trusted_position_falls_back_to_the_connection_not_to_a_forged_entry(settings, garbage):
    settings.TRUSTED_PROXY_COUNT = 1

    assert client_address(request_with(forwarded=f"198.51.100.99, {garbage}")) == PROXY


def test_ipv6_addresses_are_written_in_canonical_form(settings):
    settings.TRUSTED_PROXY_COUNT = 1

    assert client_address(request_with(forwarded="2001:DB8:0:0::1")) == "2001:db8::1"


@pytest.mark.parametrize("remote", [None, "", "not-an-address"])
def test_no_usable_address_at_all_gives_an_empty_string(settings, remote):
    settings.TRUSTED_PROXY_COUNT = 0

    assert client_address(request_with(remote=remote, forwarded=CLIENT)) == ""
