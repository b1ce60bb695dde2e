"""The page header and the controls the issue found unstyled, in a real browser at a common office
screen size (1366x768): the centre leader's header, the one with the most links, stays one row; the
language switch and the worklist's filter button carry the site's style, not the browser's default."""

from __future__ import annotations

import pytest

from .conftest import BROWSER_MISSING

pytestmark = [
    pytest.mark.needs_system_package,
    pytest.mark.skipif(BROWSER_MISSING is not None, reason=BROWSER_MISSING or ""),
    pytest.mark.django_db(transaction=True),
]

OFFICE_SCREEN = {"width": 1366, "height": 768}

# The boxes of what the header holds: the brand, each navigation link, each part of the user's block
# and the language switch. In one row their vertical middles agree to a few pixels.
HEADER_BOXES = """() => {
  const boxes = [];
  const header = document.querySelector('.site-header');
  const parts = header.querySelectorAll('.brand, .main-nav li, .who > *, .lang-switch');
  for (const el of parts) {
    const r = el.getBoundingClientRect();
    if (r.width && r.height) boxes.push({text: el.textContent.trim().slice(0, 12), top: r.top, height: r.height});
  }
  const h = header.getBoundingClientRect();
  return {header: {top: h.top, height: h.height}, boxes};
}"""

STYLE = """(selector) => {
  const s = getComputedStyle(document.querySelector(selector));
  return {background: s.backgroundColor, border: s.borderTopStyle + ' ' + s.borderTopColor,
          radius: s.borderTopLeftRadius, color: s.color, width: s.width};
}"""


def unstyled_default(page, tag: str) -> dict:
    """The computed style chromium gives the element with no stylesheet of ours."""
    return page.evaluate(
        """(tag) => { const frame = document.createElement('iframe'); document.body.appendChild(frame);
           const el = frame.contentDocument.createElement(tag); frame.contentDocument.body.appendChild(el);
           const s = frame.contentWindow.getComputedStyle(el);
           const out = {background: s.backgroundColor, border: s.borderTopStyle + ' ' + s.borderTopColor,
                        radius: s.borderTopLeftRadius, color: s.color};
           frame.remove(); return out; }""",
        tag,
    )


def test_the_leader_s_header_is_one_row_at_1366_pixels(signed_in, leader_a):
    page = signed_in(leader_a)
    page.set_viewport_size(OFFICE_SCREEN)
    page.goto("/dashboard/centre_leader/")

    measured = page.evaluate(HEADER_BOXES)

    middles = [box["top"] + box["height"] / 2 for box in measured["boxes"]]
    assert len(measured["boxes"]) >= 9 + 4  # the leader's nine links and the user's block are all there
    assert max(middles) - min(middles) <= 6, measured
    tallest = max(box["height"] for box in measured["boxes"])
    assert measured["header"]["height"] < 2 * tallest, measured


def test_the_language_switch_and_the_filter_button_are_styled(signed_in, leader_a):
    page = signed_in(leader_a)
    page.set_viewport_size(OFFICE_SCREEN)
    page.goto("/detainees/")
    default_button, default_select = unstyled_default(page, "button"), unstyled_default(page, "select")

    filter_button = page.evaluate(STYLE, ".filters button[type=submit]")
    switch_select = page.evaluate(STYLE, ".lang-switch select")
    switch_button = page.evaluate(STYLE, ".lang-switch button")

    assert page.locator(".filters button[type=submit]").inner_text() == "应用筛选"
    for styled, default in [
        (filter_button, default_button),
        (switch_button, default_button),
        (switch_select, default_select),
    ]:
        assert styled["background"] != default["background"], (styled, default)
        assert styled["border"] != default["border"], (styled, default)
        assert styled["radius"] != "0px", styled
    # The header's controls read white on the header's blue, like its links.
    assert switch_select["color"] == switch_button["color"] == "rgb(255, 255, 255)"


def test_the_pages_link_an_icon_that_is_served(new_context, live_server):
    page = new_context().new_page()
    page.goto("/login/")
    href = page.evaluate("() => document.querySelector('link[rel=icon]').href")

    for url in [href, f"{live_server.url}/favicon.ico"]:
        response = page.request.get(url)
        assert response.status == 200, url
        assert response.headers["content-type"] in {"image/x-icon", "image/vnd.microsoft.icon"}
        assert response.body()[:4] == b"\x00\x00\x01\x00"  # the ICO header
