"""Normalisers for lookup hashes: two spellings of the same value must hash the same. And the check of a
phone number as typed (validate_phone), which every phone input uses: forms, the API, the imports.

Each normaliser is a plain module-level function, because an EncryptedTextField names its normaliser in
migrations.
"""

from __future__ import annotations

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

PHONE_SEPARATORS = re.compile(r"[\s\-()]+")
# What people write before an extension: 0574-62345678转801, 分机 801, ext. 801, x801, #801.
EXTENSION_MARK = re.compile(r"(?:转|分机|ext\.?|x|#)", re.IGNORECASE)
MOBILE = re.compile(r"1[3-9][0-9]{9}")
# 0 + a 2-3 digit area code, a 7-8 digit local number that starts with 2-9, and an optional extension
# of up to 6 digits after "-" or one of the marks above (spaces and brackets already removed).
LANDLINE = re.compile(r"0[0-9]{2,3}-?[2-9][0-9]{6,7}(?:-?(?:转|分机|ext\.?|x|#)[0-9]{1,6}|-[0-9]{1,6})?", re.IGNORECASE)


def normalize_phone(value: str) -> str:
    """Full-width digits to ASCII (NFKC), spaces, dashes, brackets and extension marks removed, the
    +86/0086 prefix dropped.

    "+86 138-1234-1234", "１３８ １２３４ １２３４" and "13812341234" are one number, and so are
    "0574-62345678转801" and "0574 6234 5678-801".
    """
    text = _without_prefix(PHONE_SEPARATORS.sub("", unicodedata.normalize("NFKC", value or "")))
    return EXTENSION_MARK.sub("", text)


def _without_prefix(text: str) -> str:
    for prefix in ("+86", "0086"):
        if text.startswith(prefix):
            return text[len(prefix) :]
    return text


def validate_phone(value: str | None) -> str:
    """The number as it is to be stored: NFKC (full-width digits and letters become ASCII), runs of
    spaces made one, trimmed; "" for a blank one. ValidationError unless it is a mobile number
    (1[3-9] and 11 digits, with or without +86) or a landline with its area code (0574-62345678,
    (0574) 6234 5678, 010-12345678转801)."""
    text = " ".join(unicodedata.normalize("NFKC", value or "").split())
    if not text:
        return ""
    # The separators people type between groups of digits; "-" is kept where it may mark an extension.
    compact = _without_prefix(re.sub(r"[\s()]+", "", text))
    if MOBILE.fullmatch(compact.replace("-", "")) or LANDLINE.fullmatch(compact):
        return text
    raise ValidationError(
        _("电话号码格式不正确：应为 11 位手机号码，或带区号的固定电话（如 0574-62345678，可加分机号）"),
        code="phone",
    )
