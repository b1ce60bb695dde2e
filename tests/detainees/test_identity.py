"""Identity documents (DESIGN.md §3): GB 11643 resident ID numbers, permits and passports."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from detainees import identity
from detainees.models import Person
from detainees.services import PersonInput, normalize_identity

from .conftest import ID_MAN, ID_OTHER, ID_WOMAN

# A public sample: the example number of GB 11643-1999 (Beijing, Chaoyang; born 1949-12-31, female).
STANDARD_SAMPLE = "11010519491231002X"
STANDARD_SAMPLE_OLD = "110105491231002"  # the same card in the 15-digit form (no century, no check)

VALID_NUMBERS = [STANDARD_SAMPLE, ID_MAN, ID_WOMAN, ID_OTHER]


def reference_check_character(first17: str) -> str:
    """ISO 7064 MOD 11-2 written out from its definition, independently of detainees.identity: the
    weight of position i (counted from the right, the check character being position 1) is 2^(i-1)
    mod 11, and the check value is (12 - Σ mod 11) mod 11, with 10 written as X."""
    total = sum(int(digit) * pow(2, 17 - index, 11) for index, digit in enumerate(first17))
    value = (12 - total % 11) % 11
    return "X" if value == 10 else str(value)


FIXED_NOW = datetime(2026, 3, 10, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def parse(number: str, now: datetime = FIXED_NOW):
    return identity.parse_resident_id(number, now=now)


@pytest.mark.parametrize("number", VALID_NUMBERS)
def test_the_fixed_numbers_carry_the_check_character_of_the_reference_implementation(number):
    assert reference_check_character(number[:17]) == number[17]


@pytest.mark.parametrize("number", VALID_NUMBERS)
def test_it_accepts_a_valid_18_digit_number(number):
    assert parse(number).number == number


def test_it_derives_birth_date_and_sex_from_the_number():
    assert parse(STANDARD_SAMPLE) == identity.ResidentId(STANDARD_SAMPLE, date(1949, 12, 31), "F")
    assert parse(ID_MAN) == identity.ResidentId(ID_MAN, date(1985, 3, 15), "M")
    assert parse(ID_WOMAN) == identity.ResidentId(ID_WOMAN, date(1990, 1, 1), "F")


@pytest.mark.parametrize("number", VALID_NUMBERS)
def test_it_rejects_every_single_digit_change_of_the_first_17(number):
    accepted = []
    for position in range(17):
        for digit in "0123456789":
            if digit == number[position]:
                continue
            changed = number[:position] + digit + number[position + 1 :]
            # MOD 11-2 catches every single substitution: the stored check character no longer fits.
            assert reference_check_character(changed[:17]) != changed[17]
            try:
                parse(changed)
            except ValidationError as error:
                # The leading region digit may not be 0; everything else fails the check character.
                assert error.code == ("format" if position == 0 and digit == "0" else "check_digit")
            else:
                accepted.append(changed)
    assert accepted == []


@pytest.mark.parametrize("number", VALID_NUMBERS)
def test_it_rejects_every_other_check_character(number):
    for character in "0123456789X":
        if character == number[17]:
            continue
        with pytest.raises(ValidationError) as caught:
            parse(number[:17] + character)
        assert caught.value.code == "check_digit"


@pytest.mark.parametrize(
    "first17, code",
    [
        ("11010519490230002", "birth_date"),  # 30 February, with a fitting check character
        ("11010518991231002", "birth_date"),  # before 1900
        ("11010520260311002", "birth_date"),  # born tomorrow
    ],
)
def test_it_rejects_an_impossible_birth_date_even_with_the_right_check_character(first17, code):
    with pytest.raises(ValidationError) as caught:
        parse(first17 + reference_check_character(first17))
    assert caught.value.code == code


def test_it_accepts_a_birth_on_the_day_itself():
    first17 = "11010520260310002"
    assert parse(first17 + reference_check_character(first17)).birth_date == date(2026, 3, 10)


def test_a_birth_date_is_checked_against_the_local_date_of_now_not_the_utc_one():
    # 00:30 on 10 March in Zhejiang is still 9 March in UTC: a child born on the 10th is already born.
    first17 = "11010520260310002"
    just_after_midnight = datetime(2026, 3, 9, 16, 30, tzinfo=UTC)
    assert parse(first17 + reference_check_character(first17), now=just_after_midnight).birth_date == date(2026, 3, 10)


@pytest.mark.parametrize("spelling", [STANDARD_SAMPLE, STANDARD_SAMPLE.lower()])
def test_it_accepts_the_check_character_x_in_either_case_and_stores_it_upper_case(spelling):
    assert parse(spelling).number == STANDARD_SAMPLE


@pytest.mark.parametrize(
    "spelling",
    [
        "１１０１０５１９４９１２３１００２Ｘ",  # full-width digits and letter
        "１１０１０５１９４９１２３１００２ｘ",
        "110105 19491231 002X",
        " 110105\u300019491231\t002x ",  # an ideographic space and a tab
        "１１０１０５ 1949 1231 ００２X",
    ],
)
def test_it_normalises_full_width_digits_and_spaces(spelling):
    assert parse(spelling).number == STANDARD_SAMPLE


def test_it_converts_the_15_digit_form_to_18_digits_in_the_19xx_century():
    parsed = parse(STANDARD_SAMPLE_OLD)

    assert parsed.number == STANDARD_SAMPLE
    assert parsed.birth_date == date(1949, 12, 31)
    assert parsed.sex == "F"


def test_it_computes_the_check_character_of_a_converted_15_digit_number():
    parsed = parse("330281850315123")

    assert parsed.number == "33028119850315123" + reference_check_character("33028119850315123")
    assert parsed.number == ID_MAN
    assert parsed.sex == "M"


@pytest.mark.parametrize(
    "number",
    [
        "",
        "11010519491231002",  # 17 digits
        "11010519491231002XX",  # 19 characters
        "01010519491231002X",  # region code starting with 0
        "110105194912310X2X",  # X inside the number
        "1101051949123100２Y",
        "11010549123100",  # 14 digits
        "1101054912310021",  # 16 digits
        "110105491231",
    ],
)
def test_it_rejects_a_number_of_the_wrong_shape(number):
    with pytest.raises(ValidationError) as caught:
        parse(number)
    assert caught.value.code == "format"


def test_it_rejects_a_15_digit_number_with_an_impossible_date():
    with pytest.raises(ValidationError) as caught:
        parse("110105490230002")
    assert caught.value.code == "birth_date"


def test_its_messages_are_chinese():
    with pytest.raises(ValidationError) as caught:
        parse(STANDARD_SAMPLE[:17] + "1")
    assert caught.value.messages == ["身份证号码校验位不正确，请核对号码"]


@pytest.mark.parametrize(
    "raw, stored",
    [
        ("H12345678", "H12345678"),
        ("M12345678", "M12345678"),
        ("h1234567890", "H1234567890"),  # older cards had 10 digits
        ("Ｈ１２３４５６７８", "H12345678"),
        ("M 1234 5678", "M12345678"),
    ],
)
def test_it_accepts_hong_kong_and_macau_permits(raw, stored):
    assert identity.normalize_hk_macau_permit(raw) == stored


@pytest.mark.parametrize("raw", ["", "12345678", "X12345678", "H1234567", "H123456789", "HM12345678", "H1234567A"])
def test_it_rejects_malformed_hong_kong_and_macau_permits(raw):
    with pytest.raises(ValidationError):
        identity.normalize_hk_macau_permit(raw)


@pytest.mark.parametrize(
    "raw, stored", [("12345678", "12345678"), ("1234567890", "1234567890"), ("１２３４ ５６７８", "12345678")]
)
def test_it_accepts_taiwan_permits(raw, stored):
    assert identity.normalize_taiwan_permit(raw) == stored


@pytest.mark.parametrize("raw", ["", "1234567", "123456789", "12345678901", "T1234567", "H12345678"])
def test_it_rejects_malformed_taiwan_permits(raw):
    with pytest.raises(ValidationError):
        identity.normalize_taiwan_permit(raw)


@pytest.mark.parametrize(
    "raw, stored",
    [("E12345678", "E12345678"), ("g1234567", "G1234567"), ("AB123", "AB123"), ("P 1234 5678", "P12345678")],
)
def test_it_accepts_passports(raw, stored):
    assert identity.normalize_passport(raw) == stored


@pytest.mark.parametrize("raw", ["", "E123", "E-1234567", "E1234567/8", "张12345678", "A" * 21])
def test_it_rejects_malformed_passports(raw):
    with pytest.raises(ValidationError):
        identity.normalize_passport(raw)


def test_the_service_derives_birth_date_and_sex_for_a_resident_id():
    number, derived = normalize_identity(PersonInput(id_type=Person.IdType.RESIDENT_ID, id_number="110105491231002"))

    assert number == STANDARD_SAMPLE
    assert derived == {"birth_date": date(1949, 12, 31), "sex": "F"}


def test_the_service_derives_nothing_from_a_passport():
    assert normalize_identity(PersonInput(id_type=Person.IdType.PASSPORT, id_number="e1234567")) == ("E1234567", {})


def test_the_service_requires_a_description_when_the_identity_is_unknown():
    with pytest.raises(ValidationError) as caught:
        normalize_identity(PersonInput(id_type=Person.IdType.UNKNOWN, unknown_identity_description="  "))
    assert caught.value.messages == ["身份不明时必须填写情况说明"]

    described = PersonInput(id_type=Person.IdType.UNKNOWN, unknown_identity_description="男，约四十岁，操闽南口音")
    assert normalize_identity(described) == ("", {})


def test_the_service_refuses_an_unknown_document_type():
    with pytest.raises(ValidationError) as caught:
        normalize_identity(PersonInput(id_type="driving_licence", id_number="12345678"))
    assert caught.value.code == "id_type"
