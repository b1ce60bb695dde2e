"""Identity documents: normalising and checking the numbers officers type or platforms send.

Resident identity card numbers follow GB 11643-1999: 6 digits of region (GB/T 2260), 8 of birth date,
3 of sequence (odd for men, even for women) and a check character computed with ISO 7064 MOD 11-2.
The old 15-digit cards (before 1999) lack the century and the check character; they are converted to
the 18-digit form so that the same person is found under either number.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARACTERS = "10X98765432"

RESIDENT_ID = re.compile(r"^[1-9]\d{16}[\dX]$")
OLD_RESIDENT_ID = re.compile(r"^[1-9]\d{14}$")
# 港澳居民来往内地通行证: H or M and 8 digits (10 on cards issued before 2013 had 2 more).
HK_MACAU_PERMIT = re.compile(r"^[HM]\d{8}(\d{2})?$")
# 台湾居民来往大陆通行证: 8 digits (10 on older booklets).
TAIWAN_PERMIT = re.compile(r"^\d{8}(\d{2})?$")
PASSPORT = re.compile(r"^[A-Z0-9]{5,20}$")


def normalize_document_number(raw: str) -> str:
    """Full-width digits and letters to ASCII (NFKC), every space removed, letters upper-cased."""
    text = unicodedata.normalize("NFKC", raw or "")
    return re.sub(r"\s+", "", text).upper()


def check_character(first17: str) -> str:
    total = sum(int(digit) * weight for digit, weight in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARACTERS[total % 11]


@dataclass(frozen=True)
class ResidentId:
    number: str  # 18 characters
    birth_date: date
    sex: str  # "M" or "F"


def parse_resident_id(raw: str, *, now: datetime) -> ResidentId:
    """Validate a resident ID number (18 digits, or the old 15) and derive birth date and sex. A birth
    date after the local date of `now` (the caller's clock, like every other time check) is invalid."""
    number = normalize_document_number(raw)
    if OLD_RESIDENT_ID.match(number):
        first17 = number[:6] + "19" + number[6:]
        number = first17 + check_character(first17)
    elif not RESIDENT_ID.match(number):
        raise ValidationError(_("身份证号码应为 18 位（最后一位可为 X）或旧式 15 位数字"), code="format")
    elif check_character(number[:17]) != number[17]:
        raise ValidationError(_("身份证号码校验位不正确，请核对号码"), code="check_digit")
    try:
        birth = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationError(_("身份证号码中的出生日期无效"), code="birth_date") from None
    if birth > timezone.localdate(now) or birth.year < 1900:
        raise ValidationError(_("身份证号码中的出生日期无效"), code="birth_date")
    return ResidentId(number=number, birth_date=birth, sex="M" if int(number[16]) % 2 else "F")


def normalize_permit(raw: str, pattern: re.Pattern, message: str) -> str:
    number = normalize_document_number(raw)
    if not pattern.match(number):
        raise ValidationError(message, code="format")
    return number


def normalize_hk_macau_permit(raw: str) -> str:
    return normalize_permit(raw, HK_MACAU_PERMIT, _("港澳居民来往内地通行证号码应为 H 或 M 开头加 8 位数字"))


def normalize_taiwan_permit(raw: str) -> str:
    return normalize_permit(raw, TAIWAN_PERMIT, _("台湾居民来往大陆通行证号码应为 8 位数字"))


def normalize_passport(raw: str) -> str:
    return normalize_permit(raw, PASSPORT, _("护照号码应为 5 至 20 位字母或数字"))
