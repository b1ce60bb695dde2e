"""Key rings with fixed keys, for tests that change FIELD_ENCRYPTION_KEYS."""

from __future__ import annotations

import base64
import hashlib

import pytest

from security.keyring import KeyRing, parse_key_ring


def fixed_key(key_id: str) -> bytes:
    """A fixed 32-byte key per id, so that every run encrypts under the same keys."""
    return hashlib.sha256(f"test-key-{key_id}".encode()).digest()


def ring_text(*key_ids: str) -> str:
    return ",".join(f"{key_id}:{base64.b64encode(fixed_key(key_id)).decode()}" for key_id in key_ids)


@pytest.fixture
def use_key_ring(settings):
    """use_key_ring("b", "a"): "b" becomes the current key, "a" stays readable."""

    def configure(*key_ids: str) -> KeyRing:
        settings.FIELD_ENCRYPTION_KEYS = parse_key_ring(ring_text(*key_ids))
        return settings.FIELD_ENCRYPTION_KEYS

    return configure
