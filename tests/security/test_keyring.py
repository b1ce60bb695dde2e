"""FIELD_ENCRYPTION_KEYS and FIELD_HASH_KEY are parsed strictly, naming the variable on any fault."""

from __future__ import annotations

import base64

import pytest
from django.core.exceptions import ImproperlyConfigured

from security.keyring import parse_hash_key, parse_key_ring

from .conftest import fixed_key, ring_text


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def test_the_first_key_is_current_and_all_keys_decrypt():
    ring = parse_key_ring(ring_text("k2", "k1"))

    assert ring.current_id == "k2"
    assert ring.current_key == fixed_key("k2")
    assert dict(ring.keys) == {"k2": fixed_key("k2"), "k1": fixed_key("k1")}


def test_spaces_around_items_are_ignored():
    ring = parse_key_ring(f" k2:{b64(fixed_key('k2'))} , k1:{b64(fixed_key('k1'))} ")

    assert list(ring.keys) == ["k2", "k1"]


def test_the_ring_does_not_show_its_keys_in_its_repr():
    ring = parse_key_ring(ring_text("k1"))

    assert b64(fixed_key("k1")) not in repr(ring)
    assert str(fixed_key("k1")) not in repr(ring)


@pytest.mark.parametrize(
    "text, complaint",
    [
        ("", "empty"),
        ("   ", "empty"),
        (None, "empty"),
        ("k1", "key_id:base64key"),
        (f"k1:{b64(b'x' * 32)}!", "not valid base64"),
        ("k1:not-base64-at-all", "not valid base64"),
        (f"k1:{b64(b'x' * 16)}", "16 bytes"),
        (f"k1:{b64(b'x' * 33)}", "33 bytes"),
        (f"k1:{b64(b'x' * 32)},k1:{b64(b'y' * 32)}", "appears twice"),
        (f"key-1:{b64(b'x' * 32)}", "letters or digits"),
        (f":{b64(b'x' * 32)}", "letters or digits"),
        (f"k1:{b64(b'x' * 32)},", "key_id:base64key"),
    ],
    ids=[
        "empty",
        "blank",
        "unset",
        "no-separator",
        "trailing-garbage",
        "bad-base64",
        "short-key",
        "long-key",
        "duplicate-id",
        "id-with-dash",
        "no-id",
        "trailing-comma",
    ],
)
def test_a_bad_key_ring_is_refused_naming_the_variable(text, complaint):
    with pytest.raises(ImproperlyConfigured, match="FIELD_ENCRYPTION_KEYS") as raised:
        parse_key_ring(text)

    assert complaint in str(raised.value)


def test_a_hash_key_of_at_least_32_bytes_is_accepted():
    assert parse_hash_key(b64(b"h" * 48)) == b"h" * 48


@pytest.mark.parametrize(
    "text, complaint",
    [("", "empty"), (None, "empty"), ("%%%", "not valid base64"), (b64(b"h" * 31), "31 bytes")],
    ids=["empty", "unset", "bad-base64", "short"],
)
def test_a_bad_hash_key_is_refused_naming_the_variable(text, complaint):
    with pytest.raises(ImproperlyConfigured, match="FIELD_HASH_KEY") as raised:
        parse_hash_key(text)

    assert complaint in str(raised.value)
