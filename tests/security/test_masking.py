"""Masked ID and phone numbers: the rule's characters at most, never more of a short value."""

from __future__ import annotations

import pytest
from django.template import Context, Template

from security.masking import mask_id_number, mask_phone


@pytest.mark.parametrize(
    "value, masked",
    [
        ("330281199001011234", "330281********1234"),
        ("33028119900101123X", "330281********123X"),
        (" 330281 19900101 1234 ", "330281********1234"),
        ("330281900101123", "330281*****1123"),  # the old 15-digit card
        ("E12345678", "*****5678"),  # a passport: last four only
        ("H1234567", "****4567"),
        ("1234567", "*******"),  # too short to show anything
        ("12", "**"),
        ("", ""),
        (None, ""),
    ],
)
def test_id_numbers_are_masked(value, masked):
    assert mask_id_number(value) == masked


@pytest.mark.parametrize(
    "value, masked",
    [
        ("13812341234", "138****1234"),
        ("+86 138-1234-1234", "138****1234"),
        ("１３８１２３４１２３４", "138****1234"),
        ("057462345678", "057*****5678"),  # a landline with its area code
        ("62345678", "****5678"),  # a local number: last four only
        ("1234567", "*******"),
        ("110", "***"),
        ("", ""),
        (None, ""),
    ],
)
def test_phone_numbers_are_masked(value, masked):
    assert mask_phone(value) == masked


@pytest.mark.parametrize("value", ["330281199001011234", "E12345678", "1234567", "13812341234", "62345678"])
def test_a_mask_never_shows_more_than_ten_characters_or_more_than_the_rule_share(value):
    for mask in (mask_id_number, mask_phone):
        shown = sum(1 for character in mask(value) if character != "*")
        assert shown <= 10
        assert shown / len(value) <= 10 / 18 + 0.1


def test_the_template_filters_mask_values():
    template = Template("{% load masking %}{{ id|mask_id }} {{ phone|mask_phone }} [{{ missing|mask_phone }}]")

    rendered = template.render(Context({"id": "330281199001011234", "phone": "13812341234", "missing": None}))

    assert rendered == "330281********1234 138****1234 []"
