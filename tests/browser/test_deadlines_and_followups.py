"""The deadline board and the follow-up after release in a real browser (issue 12, "Done when"): an
overdue intake assessment shows on the responsible officer's board and the centre leader's, not on an
officer's of another centre; a released person's follow-up gets its evaluation and a WeChat visit with
an evidence image, both shown on the follow-up page, and the visit form sent twice stores one visit.

As in test_dispute_flow.py the pages run against the live server at the real time (the views read
timezone.now(), so the clock is not frozen): the setting is made through the services at times
relative to now. The board reads the due-time columns, so no sweep is run (and none has: there is no
breach). The lead is resolved through the services; the release is done through the release page, as
it is the release that opens the follow-up.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.storage import FileSystemStorage
from django.utils import timezone

from detainees.models import Detention
from disputes.models import DisputeLead
from followups.models import Evaluation, FollowUp, Visit, VisitEvidence
from sweeps.models import Breach
from tests.browser.conftest import BROWSER_MISSING, DEFAULT_WAIT_MS, LONGEST_WAIT_MS
from tests.detainees import document_files
from tests.detainees.conftest import resident_id
from tests.disputes import conftest as dispute_fixtures
from tests.followups.conftest import close_lead

try:
    from playwright.sync_api import Page, expect
except ImportError:  # every test skips (BROWSER_MISSING)
    Page = expect = None
else:
    expect.set_options(timeout=DEFAULT_WAIT_MS)

pytestmark = [
    pytest.mark.needs_system_package,
    pytest.mark.skipif(BROWSER_MISSING is not None, reason=BROWSER_MISSING or ""),
    pytest.mark.django_db(transaction=True),
]

OVERDUE_PERSON = "赵建军"
NEW_PERSON = "孙小军"
OTHER_CENTRE_PERSON = "钱志强"
RELEASED_PERSON = "周永强"

make_lead = dispute_fixtures.make_lead  # a fixture of the disputes tests, used here


def console_errors(page: Page) -> list[str]:
    """The errors the page's console reports from now on (a script failing, a CSP violation)."""
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def board_rows(page: Page):
    return page.locator('table[aria-labelledby="rows-heading"] tbody tr')


def open_board(page: Page) -> None:
    page.locator(".main-nav").get_by_role("link", name="期限督办", exact=True).click()
    page.wait_for_url("**/deadlines/")


def title_on_board(detention: Detention) -> str:
    """How the board names an intake (detainees.deadlines._describe_detention)."""
    return f"{detention.name}（{timezone.localtime(detention.admitted_at):%Y-%m-%d} 入所）"


# --- 1. an overdue assessment on the officer's board and the leader's ----------------------------------


@pytest.fixture
def intakes(make_detention, orgs, officer_a, officer_b):
    """Three intakes without an assessment, through detainees.services.record_intake at the real time:
    at centre A one admitted four days ago (due by the end of the third day after admission: yesterday,
    overdue) and one admitted today (due in three days: neither overdue nor due soon), both officer A's;
    at centre B one admitted four days ago, officer B's."""
    now = timezone.now()
    four_days_ago = timezone.localtime(now - timedelta(days=4)).replace(second=0, microsecond=0)
    today = timezone.localtime(now).replace(second=0, microsecond=0)
    return {
        "overdue": make_detention(
            name=OVERDUE_PERSON,
            id_number=resident_id(1),
            admitted_at=four_days_ago,
            detention_days=10,
            responsible_officer=officer_a,
            now=now,
        ),
        "new": make_detention(
            name=NEW_PERSON,
            id_number=resident_id(2),
            admitted_at=today,
            detention_days=10,
            responsible_officer=officer_a,
            now=now,
        ),
        "other_centre": make_detention(
            facility=orgs.centre_b,
            name=OTHER_CENTRE_PERSON,
            id_number=resident_id(3),
            admitted_at=four_days_ago,
            detention_days=10,
            responsible_officer=officer_b,
            now=now,
        ),
    }


def test_an_overdue_assessment_shows_on_the_officer_s_board_and_the_leader_s_but_not_another_centre_s(
    intakes, officer_a, leader_a, officer_b, signed_in, watch
):
    overdue, other_centre = intakes["overdue"], intakes["other_centre"]
    assert overdue.assessment_due_at < timezone.now() and overdue.assessment_completed_at is None

    # The responsible officer: the board, filtered to overdue intake assessments, lists the person.
    officer = signed_in(officer_a)
    errors = console_errors(officer)
    open_board(officer)
    officer.get_by_label("期限类型", exact=True).select_option(label="入所评估")
    officer.get_by_label("状态", exact=True).select_option(label="已逾期")
    officer.get_by_role("button", name="应用筛选", exact=True).click()
    officer.wait_for_url(re.compile(r"/deadlines/\?.*state=overdue"))
    expect(board_rows(officer)).to_have_count(1)
    row = board_rows(officer).first
    expect(row).to_contain_text("入所评估")
    expect(row).to_contain_text(title_on_board(overdue))
    expect(row.locator(".status-overdue")).to_have_text("已逾期")
    expect(row.locator("time")).to_have_text(f"{timezone.localtime(overdue.assessment_due_at):%Y-%m-%d %H:%M}")
    # Its link leads to the person's page, where the assessment is filled in.
    row.get_by_role("link", name=title_on_board(overdue), exact=True).click()
    officer.wait_for_url(f"**/detainees/{overdue.pk}/")
    expect(officer.locator("h1")).to_contain_text(OVERDUE_PERSON)

    # Unfiltered, the officer's board holds only that row: today's intake is not due soon, and the
    # other centre's person is not theirs.
    open_board(officer)
    expect(board_rows(officer)).to_have_count(1)
    expect(board_rows(officer).first).to_contain_text(title_on_board(overdue))

    # The centre's leader sees it too, as overdue.
    leader = signed_in(leader_a)
    open_board(leader)
    leader_row = board_rows(leader).filter(has_text=title_on_board(overdue))
    expect(leader_row).to_have_count(1)
    expect(leader_row.locator(".status-overdue")).to_have_text("已逾期")
    expect(leader.locator("main")).not_to_contain_text(OTHER_CENTRE_PERSON)

    # An officer of another centre: their own overdue person, never centre A's.
    other = signed_in(officer_b)
    open_board(other)
    expect(board_rows(other)).to_have_count(1)
    expect(board_rows(other).first).to_contain_text(title_on_board(other_centre))
    expect(other.locator("main")).not_to_contain_text(OVERDUE_PERSON)

    # No sweep ran: the board read the due times, and the breach history is empty.
    assert not Breach.objects.exists()
    expect(officer.locator('table[aria-labelledby="history-heading"] tbody')).to_contain_text("没有逾期记录")
    assert errors == []
    assert watch.dialogs == [] and watch.foreign_requests == []


# --- 2. the follow-up after release: the evaluation and a WeChat visit ----------------------------------

PNG = document_files.png()  # a real image made with Pillow: uploads are parsed to the end
EVALUATION_NOTES = "当事人已按协议履行首期款项，情绪稳定"
VISIT_NOTES = "微信视频回访，当事人表示债务已按期归还，双方无新的纠纷"


@pytest.fixture
def evidence_storage(tmp_path, monkeypatch) -> FileSystemStorage:
    """Visit evidence stored under a temporary folder instead of the development MEDIA_ROOT."""
    storage = FileSystemStorage(location=tmp_path / "evidence")
    monkeypatch.setattr(VisitEvidence._meta.get_field("file"), "storage", storage)
    return storage


@pytest.fixture
def resolved_in_custody(make_detention, make_lead, officer_a, evidence_storage, tasks_in_process) -> Detention:
    """A person of centre A admitted three days ago for ten days, officer A's, whose one lead was
    resolved today (through the services); not released yet."""
    now = timezone.now()
    admitted = timezone.localtime(now - timedelta(days=3)).replace(second=0, microsecond=0)
    detention = make_detention(
        name=RELEASED_PERSON,
        id_number=resident_id(4),
        admitted_at=admitted,
        detention_days=10,
        responsible_officer=officer_a,
        now=now,
    )
    close_lead(make_lead(detention=detention), officer_a)
    return detention


def release_through_the_page(page: Page, detention: Detention) -> None:
    page.locator(".main-nav").get_by_role("link", name="工作清单", exact=True).click()
    page.get_by_role("link", name=detention.name, exact=True).click()
    page.wait_for_url(f"**/detainees/{detention.pk}/")
    page.get_by_role("link", name="办理出所", exact=True).click()
    page.wait_for_url(f"**/detainees/{detention.pk}/release/")
    expect(page.locator("#id_released_at")).not_to_have_value("")  # now, to the minute
    page.get_by_role("button", name="确认出所", exact=True).click()
    page.wait_for_url(f"**/detainees/{detention.pk}/")
    expect(page.locator(".messages")).to_contain_text("已办理出所")


def test_an_officer_records_the_evaluation_and_a_wechat_visit_with_an_image_on_the_follow_up(
    resolved_in_custody, officer_a, signed_in, watch
):
    detention = resolved_in_custody
    officer = signed_in(officer_a)
    errors = console_errors(officer)

    release_through_the_page(officer, detention)
    followup = FollowUp.objects.get(detention=detention)  # the release opened it
    # The detention page shows the follow-up it opened.
    expect(officer.locator("#followups")).to_contain_text("待评估")

    # From the list of follow-ups to this one.
    officer.locator(".main-nav").get_by_role("link", name="跟踪回访", exact=True).click()
    officer.wait_for_url("**/followups/")
    officer.get_by_role("link", name=RELEASED_PERSON, exact=True).click()
    officer.wait_for_url(f"**/followups/{followup.pk}/")
    expect(officer.locator("#evaluation-heading + p")).to_contain_text("期限")

    # The evaluation: stability, satisfaction 1-5, notes.
    officer.locator("nav.actions").get_by_role("link", name="成效评估", exact=True).click()
    officer.wait_for_url(f"**/followups/{followup.pk}/evaluation/")
    officer.get_by_label("稳定", exact=True).check()
    officer.get_by_label("当事人满意度").fill("4")
    officer.get_by_label("评估说明").fill(EVALUATION_NOTES)
    officer.get_by_role("button", name="记录评估", exact=True).click()
    officer.wait_for_url(f"**/followups/{followup.pk}/")
    expect(officer.locator(".messages")).to_contain_text("成效评估已记录")
    evaluation_facts = officer.locator('section[aria-labelledby="evaluation-heading"] dl')
    expect(evaluation_facts).to_contain_text("稳定")
    expect(evaluation_facts).to_contain_text("4 / 5")
    expect(evaluation_facts).to_contain_text(EVALUATION_NOTES)
    expect(evaluation_facts).to_contain_text("张明")
    expect(officer.locator("h1")).to_contain_text("已评估")

    # A WeChat visit with a photo as evidence.
    officer.locator("nav.actions").get_by_role("link", name="登记回访", exact=True).click()
    officer.wait_for_url(f"**/followups/{followup.pk}/visits/new/")
    officer.get_by_label("微信", exact=True).check()
    officer.get_by_label("当事人", exact=True).check()
    officer.get_by_label("对象姓名").fill("宁波恒通建材有限公司 李经理")
    officer.get_by_label("满意度", exact=True).fill("5")
    officer.get_by_label("回访情况").fill(VISIT_NOTES)
    officer.locator("#id_evidence").set_input_files(
        files=[{"name": "微信回访截图.png", "mimeType": "image/png", "buffer": PNG}]
    )
    # The form sent twice, as by a double click: the first request (whose answer the user never sees,
    # the second replacing it) carries the same fields, token and file as the second.
    first = officer.evaluate(
        """async () => {
             const form = document.querySelector('form[action$="/visits/new/"]');
             const answer = await fetch(form.action, {method: 'POST', body: new FormData(form)});
             return {status: answer.status, redirected: answer.redirected};
           }"""
    )
    assert first == {"status": 200, "redirected": True}, first
    officer.get_by_role("button", name="记录回访", exact=True).click()
    officer.wait_for_url(f"**/followups/{followup.pk}/")

    # Shown on the follow-up page, once, with its evidence; the evaluation still there.
    visits = officer.locator('section[aria-labelledby="visits-heading"] li')
    expect(visits).to_have_count(1)
    expect(visits.first).to_contain_text("微信")
    expect(visits.first).to_contain_text("当事人（宁波恒通建材有限公司 李经理）")
    expect(visits.first).to_contain_text("满意度 5 / 5")
    expect(visits.first).to_contain_text(VISIT_NOTES)
    expect(visits.first.get_by_role("link", name=re.compile(r"^佐证材料"))).to_have_count(1)
    expect(evaluation_facts).to_contain_text(EVALUATION_NOTES)
    # The further visit at +30 days is done by it.
    expect(officer.locator('section[aria-labelledby="plan-heading"] li').first).to_contain_text("已回访")

    # The evidence downloads as the image that was uploaded.
    with officer.expect_download(timeout=LONGEST_WAIT_MS) as downloading:
        visits.first.get_by_role("link", name="佐证材料 1", exact=True).click()
    assert downloading.value.suggested_filename.endswith(".png")
    assert Path(downloading.value.path()).read_bytes() == PNG

    evaluation = Evaluation.objects.get(followup=followup)
    assert (evaluation.stability, evaluation.satisfaction, evaluation.notes, evaluation.evaluated_by_id) == (
        Evaluation.Stability.STABLE,
        4,
        EVALUATION_NOTES,
        officer_a.pk,
    )
    [visit] = Visit.objects.filter(followup=followup)
    assert (visit.channel, visit.contact, visit.satisfaction, visit.notes, visit.officer_id) == (
        Visit.Channel.WECHAT,
        Visit.Contact.PARTY,
        5,
        VISIT_NOTES,
        officer_a.pk,
    )
    assert [(e.content_type, e.size) for e in VisitEvidence.objects.filter(visit__followup=followup)] == [
        ("image/png", len(PNG))
    ]
    followup.refresh_from_db()
    assert followup.status == FollowUp.Status.EVALUATED
    assert DisputeLead.objects.get(detention=detention).status == DisputeLead.Status.RESOLVED
    assert errors == []
    assert watch.dialogs == [] and watch.foreign_requests == []
