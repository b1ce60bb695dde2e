"""The paths of a work order's pages, for notices and the deadline board.

Built here rather than with reverse(): the centre's pages are in the staff URL group and the partner's
in the partner group (DESIGN.md §7), and a process that serves one group still writes notices that
link to the other (a partner's receipt tells the officer). tests/referrals/test_links.py checks them
against the URL table."""

from __future__ import annotations


def centre_link(order_id: int) -> str:
    return f"/referrals/{order_id}/"


def partner_link(order_id: int) -> str:
    return f"/partner/work-orders/{order_id}/"
