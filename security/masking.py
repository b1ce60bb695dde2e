"""Masking for lists and summaries: enough to tell two people apart, not enough to identify one.

    mask_id_number("330281199001011234") == "330281********1234"   (region code and last four)
    mask_phone("13812341234")           == "138****1234"           (carrier prefix and last four)

The full rule applies only to values long enough for it. A shorter value (a passport or permit
number, a local landline number) shows at most its last four characters, and a value of fewer than
eight characters shows none: a rule must never reveal a larger share of a short value than of a
full-length one. The mask keeps the length, so a column of masked values still lines up.
Showing a value in full is a separate, logged action (DESIGN.md §5), not a job for these functions.
"""

from __future__ import annotations

from .normalizers import normalize_phone

MASK = "*"
SHORTEST_WITH_TAIL = 8


def _mask(value: str, *, head: int, tail: int, full_length: int) -> str:
    if len(value) >= full_length:
        return value[:head] + MASK * (len(value) - head - tail) + value[-tail:]
    if len(value) >= SHORTEST_WITH_TAIL:
        return MASK * (len(value) - tail) + value[-tail:]
    return MASK * len(value)


def mask_id_number(value: str | None) -> str:
    """18-digit resident ID (and the old 15-digit form): first 6, last 4; other documents: last 4."""
    text = "".join((value or "").split())
    return _mask(text, head=6, tail=4, full_length=15)


def mask_phone(value: str | None) -> str:
    """Mobile numbers (11 digits, +86 dropped) and longer: first 3, last 4; shorter numbers: last 4."""
    text = normalize_phone(value or "")
    return _mask(text, head=3, tail=4, full_length=11)
