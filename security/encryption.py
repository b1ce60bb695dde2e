"""Authenticated encryption of single values, and the keyed hash that finds them again.

A stored value is text: `v1:<key id>:<base64(nonce || ciphertext || tag)>`, AES-256-GCM with a random
96-bit nonce. The key id says which key of the ring (settings.FIELD_ENCRYPTION_KEYS) decrypts it, so
old values stay readable after a new key is put first, until `rotate_keys` moves them.

`context` names the column ("accounts.user.phone") and is bound to the ciphertext as associated data,
together with the version and key id: a value copied into another column (an ID number pasted over a
phone number, say) fails authentication instead of being read as the wrong thing. It does not stop a
value being copied between two rows of the same column; the keyed hash and the audit trail cover that.

Values are never logged or put into exception messages here.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from collections.abc import Callable

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

from .keyring import KeyRing

VERSION = "v1"
NONCE_BYTES = 12


class DecryptionError(ValueError):
    """A stored value that cannot be read: tampered with, from another column, or under an unknown key."""


def key_ring() -> KeyRing:
    # Read on every call rather than cached, so that tests (and a rotation) see the current settings.
    return settings.FIELD_ENCRYPTION_KEYS


def _associated_data(key_id: str, context: str) -> bytes:
    return f"{VERSION}:{key_id}:{context}".encode()


def encrypt(value: str, *, context: str) -> str:
    ring = key_ring()
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(ring.current_key).encrypt(nonce, value.encode(), _associated_data(ring.current_id, context))
    return f"{VERSION}:{ring.current_id}:{base64.b64encode(nonce + sealed).decode('ascii')}"


def key_id_of(token: str) -> str:
    """The id of the key that encrypted `token` (no decryption); DecryptionError if it is no token."""
    _version, key_id, _body = _split(token)
    return key_id


def _split(token: str) -> tuple[str, str, str]:
    parts = token.split(":", 2)
    if len(parts) != 3 or parts[0] != VERSION:
        raise DecryptionError("not an encrypted value of a known version")
    return parts[0], parts[1], parts[2]


def decrypt(token: str, *, context: str) -> str:
    _version, key_id, body = _split(token)
    key = key_ring().keys.get(key_id)
    if key is None:
        raise DecryptionError(f"no key with id {key_id!r} in FIELD_ENCRYPTION_KEYS")
    try:
        raw = base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        raise DecryptionError("the encrypted value is not valid base64") from None
    nonce, sealed = raw[:NONCE_BYTES], raw[NONCE_BYTES:]
    try:
        plain = AESGCM(key).decrypt(nonce, sealed, _associated_data(key_id, context))
    except (InvalidTag, ValueError):
        # ValueError: a nonce cut short by truncation. Either way the value is not what was written.
        raise DecryptionError(f"the value does not authenticate for {context}") from None
    return plain.decode()


def normalize_text(value: str) -> str:
    """The default normaliser of lookup hashes: surrounding spaces do not make a different value."""
    return value.strip()


def lookup_hash(value: str, *, context: str, normalizer: Callable[[str], str] = normalize_text) -> str:
    """HMAC-SHA256 (hex) of the normalised value, under settings.FIELD_HASH_KEY.

    The context is part of the message, so the same phone number hashes differently in two columns and
    the hash columns cannot be joined to each other without the key.
    """
    message = context.encode() + b"\x00" + normalizer(value).encode()
    return hmac.new(settings.FIELD_HASH_KEY, message, hashlib.sha256).hexdigest()
