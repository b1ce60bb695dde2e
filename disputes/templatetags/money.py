"""{% load money %} {{ agreement.agreed_amount|money }} -> 12,345.00

Amounts of money on the staff pages, grouped by thousands with a comma and two decimals, the way the
agreement's PDF writes them (disputes.pdf.yuan). floatformat:"2g" would group by the locale, and
zh-hans has no thousands separator; USE_THOUSAND_SEPARATOR would group every number of the site,
form inputs included, which then no longer parse.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template

register = template.Library()

CENT = Decimal("0.01")


@register.filter
def money(value: object) -> str:
    """An amount as 12,345.00; an empty string for None, and anything that is not a number as it is."""
    if value is None or value == "":
        return ""
    try:
        amount = Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        return str(value)
    return f"{amount:,.2f}"
