"""The key ring of the encrypted fields, read from the environment (DESIGN.md §5).

This module imports nothing from Django but its exception, so settings.py can parse the keys at start
and stop the process on a bad value, naming the variable.

FIELD_ENCRYPTION_KEYS  comma-separated `key_id:base64key`, each key 32 bytes (AES-256). The first is
                       the current key, used for every new encryption; the others only decrypt values
                       written before a rotation (`manage.py rotate_keys` moves them to the first).
FIELD_HASH_KEY         base64 of at least 32 bytes: the HMAC-SHA256 key of the lookup-hash columns.
                       It has no id: changing it means recomputing every hash (`rotate_keys --rehash`).

A new key:  python3 -c "import base64, os; print(base64.b64encode(os.urandom(32)).decode())"
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from django.core.exceptions import ImproperlyConfigured

AES_KEY_BYTES = 32
MIN_HASH_KEY_BYTES = 32
# Short, so that the id costs little in every stored value, and without ":" (the token separator).
KEY_ID = re.compile(r"^[A-Za-z0-9]{1,16}$")


@dataclass(frozen=True)
class KeyRing:
    current_id: str
    # Left out of repr so that a key never reaches a log line or an error page through the ring.
    keys: Mapping[str, bytes] = field(repr=False)

    @property
    def current_key(self) -> bytes:
        return self.keys[self.current_id]


def _decode(text: str, *, name: str, what: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ImproperlyConfigured(f"{name}: {what} is not valid base64") from None


def parse_key_ring(text: str | None, *, name: str = "FIELD_ENCRYPTION_KEYS") -> KeyRing:
    if text is None or not text.strip():
        raise ImproperlyConfigured(f"{name} is empty; it needs at least one key_id:base64key")
    keys: dict[str, bytes] = {}
    for position, item in enumerate(text.split(","), 1):
        key_id, separator, encoded = item.strip().partition(":")
        if not separator:
            raise ImproperlyConfigured(f"{name}: item {position} is not key_id:base64key")
        if not KEY_ID.match(key_id):
            raise ImproperlyConfigured(f"{name}: key id {key_id!r} must be 1-16 letters or digits")
        if key_id in keys:
            raise ImproperlyConfigured(f"{name}: key id {key_id!r} appears twice")
        key = _decode(encoded.strip(), name=name, what=f"the key of {key_id!r}")
        if len(key) != AES_KEY_BYTES:
            raise ImproperlyConfigured(
                f"{name}: the key of {key_id!r} has {len(key)} bytes; AES-256 needs {AES_KEY_BYTES}"
            )
        keys[key_id] = key
    current_id = next(iter(keys))
    return KeyRing(current_id=current_id, keys=MappingProxyType(keys))


def parse_hash_key(text: str | None, *, name: str = "FIELD_HASH_KEY") -> bytes:
    if text is None or not text.strip():
        raise ImproperlyConfigured(f"{name} is empty; it needs base64 of at least {MIN_HASH_KEY_BYTES} bytes")
    key = _decode(text.strip(), name=name, what="the value")
    if len(key) < MIN_HASH_KEY_BYTES:
        raise ImproperlyConfigured(f"{name} has {len(key)} bytes; it needs at least {MIN_HASH_KEY_BYTES}")
    return key
