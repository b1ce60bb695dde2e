"""Normalisers for lookup hashes: two spellings of the same value must hash the same.

Each is a plain module-level function, because an EncryptedTextField names its normaliser in migrations.
"""

from __future__ import annotations

import re
import unicodedata

PHONE_SEPARATORS = re.compile(r"[\s\-()]+")


def normalize_phone(value: str) -> str:
    """Full-width digits to ASCII (NFKC), spaces, dashes and brackets removed, the +86/0086 prefix dropped.

    "+86 138-1234-1234", "１３８ １２３４ １２３４" and "13812341234" are one number.
    """
    text = PHONE_SEPARATORS.sub("", unicodedata.normalize("NFKC", value or ""))
    for prefix in ("+86", "0086"):
        if text.startswith(prefix):
            return text[len(prefix) :]
    return text
