"""{% load masking %} {{ person.id_number|mask_id }} {{ user.phone|mask_phone }}"""

from __future__ import annotations

from django import template

from security.masking import mask_id_number, mask_phone

register = template.Library()


@register.filter(name="mask_id")
def mask_id_filter(value: object) -> str:
    return mask_id_number(None if value is None else str(value))


@register.filter(name="mask_phone")
def mask_phone_filter(value: object) -> str:
    return mask_phone(None if value is None else str(value))
