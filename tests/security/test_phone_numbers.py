"""One check for every phone input (security.normalizers.validate_phone) and the hash normaliser."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from security.normalizers import normalize_phone, validate_phone


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("13812341234", "13812341234"),
        ("１３８ １２３４ １２３４", "138 1234 1234"),
        ("  138-1234-1234 ", "138-1234-1234"),
        ("+86 138 1234 1234", "+86 138 1234 1234"),
        ("0574-62345678", "0574-62345678"),
        ("(0574) 6234 5678", "(0574) 6234 5678"),
        ("010-82345678", "010-82345678"),
        ("0574-6234567", "0574-6234567"),
        ("057462345678", "057462345678"),
        ("0574-62345678-801", "0574-62345678-801"),
        ("0574-62345678转801", "0574-62345678转801"),
        ("０５７４－６２３４５６７８　分机８０１", "0574-62345678 分机801"),
        ("0574-62345678 ext. 12", "0574-62345678 ext. 12"),
        ("", ""),
        ("   ", ""),
    ],
)
def test_a_mobile_or_a_landline_with_area_code_is_stored_normalised(typed, stored):
    assert validate_phone(typed) == stored


@pytest.mark.parametrize(
    "typed",
    [
        "hello",
        "12812341234",  # 1 then 2: no mobile prefix
        "1381234123",  # 10 digits
        "138123412345",  # 12 digits
        "62345678",  # no area code
        "574-62345678",  # area code without its 0
        "0574-12345678",  # a local number starts with 2-9
        "0574-623456789",  # 9 digits
        "0574-62345678-1234567",  # extension of 7 digits
        "13812341234\x00",
        "138١٢٣٤١٢٣٤",  # Arabic-Indic digits are digits to the regex \d, not a phone number here
    ],
)
def test_anything_else_is_refused_with_a_chinese_message(typed):
    with pytest.raises(ValidationError) as error:
        validate_phone(typed)
    assert error.value.messages[0].startswith("电话号码格式不正确")


def test_spellings_of_one_number_hash_alike():
    assert (
        normalize_phone("１３８ １２３４ １２３４")
        == normalize_phone("+86 138-1234-1234")
        == normalize_phone("13812341234")
    )
    assert normalize_phone("0574-62345678转801") == normalize_phone("0574 6234 5678-801") == "057462345678801"
