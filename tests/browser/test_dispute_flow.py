"""The dispute pages in a real browser (QUALITY.md R12, DESIGN.md §7 Tests): the whole flow from a
detention to the downloaded agreement PDF as the officer and the leader see it; XSS payloads typed into
the free-text fields and shown as text on every page that shows them; cross-site POSTs and framing
refused.

Everything is done through the pages except the setting (people, rooms, the detention), which the
fixtures make. The detention was admitted three days ago for ten days, so a session held yesterday
10:00-11:00 lies inside custody and has started: its result can be recorded without moving the clock.
Being entered after it began, it is booked by the leader with an override note (disputes.services).
The agreement PDF is rendered by a Celery task: the pages queue it (recorded here, the broker lies
outside the test) and the test then runs the task in process, as a worker would.
"""

from __future__ import annotations

import re
import subprocess
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from disputes import services, tasks
from disputes.models import Agreement, DisputeLead, LeadOutcome, LeadParty, MediationSession, ResolutionPlan
from tests.browser.conftest import BROWSER_MISSING, DEFAULT_WAIT_MS, LONGEST_WAIT_MS, PDF_TOOLS_MISSING

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

PERSON = "赵建军"
AFTER_THE_FACT = "当日临时调解，事后补录"
ROOM = "第一调解室"
ENFORCEMENT_BUREAU = "余姚市人民法院执行局"


# --- the setting ------------------------------------------------------------------------------------


@pytest.fixture
def detention(make_detention, officer_a):
    """A detention of centre A admitted three days ago for ten days (through detainees.services)."""
    now = timezone.now()
    admitted = timezone.localtime(now - timedelta(days=3)).replace(second=0, microsecond=0)
    return make_detention(name=PERSON, admitted_at=admitted, detention_days=10, now=now)


@pytest.fixture
def session_day():
    """Yesterday, local time: a session then, 10:00-11:00, is after the admission and has started."""
    return timezone.localdate() - timedelta(days=1)


@pytest.fixture
def queued_pdfs(monkeypatch) -> list[int]:
    """The agreements whose PDF the pages asked a worker for (render_agreement_pdf.delay)."""
    queued: list[int] = []
    monkeypatch.setattr(tasks.render_agreement_pdf, "delay", queued.append)
    return queued


@pytest.fixture
def setting(officer_a, leader_a, rooms, detention, pdf_storage, tasks_in_process, queued_pdfs):
    """Everything the flow needs besides the pages; other tasks (notifications) run in process."""
    return detention


# --- the steps, as a user takes them ------------------------------------------------------------------


def open_detention(page: Page, detention) -> None:
    page.locator(".main-nav").get_by_role("link", name="工作清单", exact=True).click()
    page.get_by_role("link", name=detention.name, exact=True).click()
    page.wait_for_url(f"**/detainees/{detention.pk}/")


def create_lead(page: Page, detention, *, summary: str, amount: str, party_name: str, case_number: str) -> int:
    open_detention(page, detention)
    page.get_by_role("link", name="新建矛盾线索", exact=True).click()
    page.locator("#id_category").select_option(label="法院执行")
    page.locator("#id_summary").fill(summary)
    page.locator("#id_amount_at_stake").fill(amount)
    page.locator("#id_court_case_number").fill(case_number)
    page.locator("#id_party_1_side").select_option(value=LeadParty.Side.COUNTERPARTY)
    page.locator("#id_party_1_name").fill(party_name)
    page.locator("#id_party_1_relation").fill("债权人")
    page.locator("#id_party_1_phone").fill("13900001111")
    page.get_by_role("button", name="登记线索", exact=True).click()
    page.wait_for_url(re.compile(r"/disputes/\d+/$"))
    expect(page.locator(".messages")).to_contain_text("矛盾线索已登记")
    return int(re.search(r"/disputes/(\d+)/$", page.url).group(1))


def submit_plan(page: Page, lead_pk: int, *, analysis: str, strategy: str) -> None:
    page.get_by_role("link", name="制定一人一策方案", exact=True).first.click()
    page.wait_for_url(f"**/disputes/{lead_pk}/plan/")
    page.locator("#id_analysis").fill(analysis)
    page.locator("#id_strategy").fill(strategy)
    page.get_by_label("释法明理", exact=True).check()
    page.get_by_label("联合调解", exact=True).check()
    page.get_by_label(ENFORCEMENT_BUREAU, exact=True).check()
    page.get_by_role("button", name="提交所领导审批", exact=True).click()
    page.wait_for_url(f"**/disputes/{lead_pk}/")
    expect(page.locator(".messages")).to_contain_text("方案已提交所领导审批")


def approve_plan_as_leader(page: Page, lead_pk: int, *, comment: str) -> None:
    page.locator(".main-nav").get_by_role("link", name="矛盾线索", exact=True).click()
    page.locator(f'a[href$="/disputes/{lead_pk}/"]').click()
    page.get_by_role("link", name="审批方案", exact=True).first.click()
    page.wait_for_url(f"**/disputes/{lead_pk}/plan/review/")
    page.locator("#id_comment").fill(comment)
    page.get_by_role("button", name="批准", exact=True).click()
    page.wait_for_url(f"**/disputes/{lead_pk}/")
    expect(page.locator(".messages")).to_contain_text("方案已批准")


def book_session(page: Page, lead_pk: int, *, day, topic: str, room, override_note: str = "", guest: str = "") -> int:
    """Book through the form; a session that has begun is entered by a leader with `override_note`."""
    page.goto(f"/disputes/{lead_pk}/")
    page.get_by_role("link", name="安排调解", exact=True).first.click()
    page.wait_for_url(f"**/disputes/{lead_pk}/sessions/new/")
    page.locator("#id_day").fill(day.isoformat())
    page.locator("#id_start_time").fill("10:00")
    page.locator("#id_end_time").fill("11:00")
    page.locator("#id_room").select_option(label=f"{room.name}（{room.get_kind_display()}）")
    page.get_by_role("checkbox", name=re.compile(r"^张明（")).check()
    page.locator("#id_topic").fill(topic)
    if guest:
        page.locator("#id_guest_1_name").fill(guest)
        page.locator("#id_guest_1_relation").fill("母亲")
    if override_note:
        page.locator("#id_override_note").fill(override_note)
    page.get_by_role("button", name="安排调解", exact=True).click()
    page.wait_for_url(re.compile(r"/disputes/sessions/\d+/$"))
    expect(page.locator(".messages")).to_contain_text("调解已安排")
    return int(re.search(r"/sessions/(\d+)/$", page.url).group(1))


def record_session_result(page: Page, *, minutes: str) -> None:
    page.locator("#id_minutes").fill(minutes)
    page.locator("#id_result").select_option(value=MediationSession.Result.AGREED)
    page.get_by_role("button", name="保存结果", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("调解结果已记录")


def record_outcome(page: Page, lead_pk: int, *, summary: str, agreed: str, paid: str) -> None:
    page.goto(f"/disputes/{lead_pk}/")
    page.get_by_role("link", name="记录化解结果", exact=True).first.click()
    page.wait_for_url(f"**/disputes/{lead_pk}/outcome/")
    page.get_by_label("已化解", exact=True).check()
    page.locator("#id_summary").fill(summary)
    page.get_by_label("执行和解", exact=True).check()
    page.locator("#id_agreed_amount").fill(agreed)
    page.locator("#id_paid_amount").fill(paid)
    page.get_by_role("button", name="记录并结案", exact=True).click()
    page.wait_for_url(f"**/disputes/{lead_pk}/")
    expect(page.locator(".messages")).to_contain_text("化解结果已记录，线索已结案")


def write_agreement(page: Page, lead_pk: int, *, terms: str) -> None:
    page.get_by_role("link", name="制作调解协议书", exact=True).click()
    page.wait_for_url(f"**/disputes/{lead_pk}/agreement/")
    page.locator("#id_terms").fill(terms)
    page.get_by_role("button", name="保存协议书", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("调解协议书已保存（第 1 版），正在生成 PDF")


def pdf_text(path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True, timeout=15
    ).stdout


# --- 1. the whole flow --------------------------------------------------------------------------------

SUMMARY = "拖欠宁波恒通建材有限公司货款五万元，法院已立案执行"
COUNTERPARTY = "宁波恒通建材有限公司"
CASE_NUMBER = "（2026）浙0281执456号"
ANALYSIS = "被拘留人有还款意愿，但一次性支付困难"
STRATEGY = "联系执行法官，促成分期履行的执行和解"
TOPIC = "执行款分期履行"
TERMS_LINES = [
    "一、赵建军于本协议签订之日起三十日内支付货款人民币三万元；",
    "二、恒通公司收到款项后向法院申请终结本次执行。",
]


@pytest.mark.skipif(PDF_TOOLS_MISSING is not None, reason=PDF_TOOLS_MISSING or "")
def test_an_officer_takes_a_dispute_from_the_detention_page_to_the_agreement_pdf(
    setting, officer_a, leader_a, rooms, session_day, queued_pdfs, signed_in, watch, tmp_path
):
    detention = setting
    officer = signed_in(officer_a)

    lead_pk = create_lead(
        officer, detention, summary=SUMMARY, amount="50000", party_name=COUNTERPARTY, case_number=CASE_NUMBER
    )
    details = officer.locator("#lead-heading + dl")
    expect(details).to_contain_text("法院执行")
    expect(details).to_contain_text(SUMMARY)
    expect(details).to_contain_text("50,000.00")
    expect(officer.locator("#parties")).to_contain_text(COUNTERPARTY)
    expect(officer.locator("#parties")).to_contain_text("139****1111")

    submit_plan(officer, lead_pk, analysis=ANALYSIS, strategy=STRATEGY)
    expect(officer.locator("#plan-heading")).to_contain_text("待审批")
    expect(officer.locator("#sessions")).to_contain_text("一人一策方案经所领导批准后才能安排调解")

    leader = signed_in(leader_a)
    approve_plan_as_leader(leader, lead_pk, comment="同意，抓紧化解")
    expect(leader.locator("#plan-heading")).to_contain_text("已批准")
    expect(leader.locator("#plan")).to_contain_text("同意，抓紧化解")

    session_pk = book_session(
        leader, lead_pk, day=session_day, topic=TOPIC, room=rooms["one"], override_note=AFTER_THE_FACT
    )
    officer.goto(f"/disputes/sessions/{session_pk}/")
    expect(officer.locator("#when-heading + dl")).to_contain_text(ROOM)
    expect(officer.locator("#when-heading + dl")).to_contain_text(f"{session_day:%Y-%m-%d} 10:00–11:00")
    record_session_result(officer, minutes="双方同意分期履行，被拘留人先行支付一万元")
    expect(officer.locator("#result-heading + dl")).to_contain_text("达成一致")
    assert MediationSession.objects.get(pk=session_pk).status == MediationSession.Status.HELD

    record_outcome(officer, lead_pk, summary="双方达成分期履行的执行和解", agreed="50000", paid="10000")
    expect(officer.locator("h1")).to_contain_text("已化解")
    expect(officer.locator("#outcome")).to_contain_text("执行和解")

    write_agreement(officer, lead_pk, terms="\n".join(TERMS_LINES))
    agreement = Agreement.objects.get(lead_id=lead_pk)
    assert queued_pdfs == [agreement.pk]  # saving asked a worker for the PDF (after commit)

    officer.get_by_role("link", name="生成并下载协议书 PDF", exact=True).click()
    officer.wait_for_url(f"**/disputes/{lead_pk}/agreement/pdf/")
    expect(officer.locator("#agreement-pdf-status")).to_contain_text("正在生成协议书 PDF")
    assert queued_pdfs == [agreement.pk, agreement.pk]  # the page asked again: nothing stored yet

    result = tasks.render_agreement_pdf.apply(args=[agreement.pk])  # what the worker does with it
    assert result.successful(), result.traceback

    # The waiting page asks every two seconds (htmx) and then offers the download.
    expect(officer.locator("#agreement-pdf-status")).to_contain_text("协议书 PDF 已生成", timeout=LONGEST_WAIT_MS)
    with officer.expect_download(timeout=LONGEST_WAIT_MS) as downloading:
        officer.locator("#agreement-pdf-status").get_by_role("link", name="下载协议书 PDF", exact=True).click()
    download = downloading.value
    assert download.suggested_filename == f"调解协议书-{agreement.number}.pdf"
    saved = tmp_path / "agreement.pdf"
    download.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF-")

    text = pdf_text(saved)
    lines = [line.strip() for line in text.splitlines()]
    for line in TERMS_LINES:
        assert line in lines, text
    for typed in (PERSON, COUNTERPARTY, "张明", agreement.number, "¥50,000.00", "¥10,000.00"):
        assert typed in text, typed

    lead = DisputeLead.objects.get(pk=lead_pk)
    assert (lead.status, lead.outcome.enforcement_settled, lead.outcome.paid_amount) == (
        DisputeLead.Status.RESOLVED,
        True,
        Decimal("10000.00"),
    )
    assert watch.dialogs == [] and watch.foreign_requests == []


# --- 2. XSS payloads are text everywhere ------------------------------------------------------------

PAYLOADS = [
    "<script>window.__xss=1</script>",
    '<img src=x onerror="window.__xss=1">',
    '"><svg onload=window.__xss=1>',
    # Text shown back in a form (the plan, the agreement) must not close its textarea.
    "</textarea><img src=x onerror=window.__xss=1>",
]
XSS = " ".join(PAYLOADS)
XSS_SUMMARY = f"欠款{XSS}"  # the list shows the first 40 characters: "欠款" and the first payload
XSS_PARTY = f"宁波{' '.join(PAYLOADS[:3])}"  # names are at most 128 characters
XSS_ANALYSIS = f"分析{XSS}"
XSS_COMMENT = f"同意{XSS}"
XSS_TOPIC = f"事项{XSS}"
XSS_TERMS = f"一、条款{XSS}\n二、{PAYLOADS[0]}"


def assert_inert(page: Page, watch, *, shows: list[str] = ()) -> None:
    """No payload ran on the page (no global set, no dialog, no request for the broken image) and
    each text of `shows` is on it as text."""
    page.wait_for_load_state("load")
    assert page.evaluate("typeof window.__xss") == "undefined", page.url
    assert watch.dialogs == [], page.url
    assert not [url for url in watch.requests if url.rstrip("/").endswith("/x")], page.url
    body = page.locator("body").inner_text()
    for text in shows:
        assert text in body, (page.url, text)


def test_payloads_typed_into_free_text_fields_are_shown_as_text_and_never_run(
    setting, officer_a, leader_a, rooms, session_day, signed_in, watch
):
    detention = setting
    officer = signed_in(officer_a)
    lead_pk = create_lead(officer, detention, summary=XSS_SUMMARY, amount="", party_name=XSS_PARTY, case_number="")
    assert_inert(officer, watch, shows=[XSS_SUMMARY, XSS_PARTY])
    submit_plan(officer, lead_pk, analysis=XSS_ANALYSIS, strategy="策略")
    assert_inert(officer, watch, shows=[XSS_ANALYSIS])

    leader = signed_in(leader_a)
    leader.goto(f"/disputes/{lead_pk}/plan/review/")
    assert_inert(leader, watch, shows=[XSS_SUMMARY, XSS_ANALYSIS])
    approve_plan_as_leader(leader, lead_pk, comment=XSS_COMMENT)
    assert_inert(leader, watch, shows=[XSS_COMMENT])

    session_pk = book_session(
        leader, lead_pk, day=session_day, topic=XSS_TOPIC, room=rooms["one"], override_note=AFTER_THE_FACT
    )
    officer.goto(f"/disputes/sessions/{session_pk}/")
    assert_inert(officer, watch, shows=[XSS_TOPIC, XSS_SUMMARY])
    record_session_result(officer, minutes=f"笔录{XSS}")
    assert_inert(officer, watch, shows=[f"笔录{XSS}"])
    record_outcome(officer, lead_pk, summary=f"情况{XSS}", agreed="100", paid="0")
    assert_inert(officer, watch, shows=[f"情况{XSS}"])
    write_agreement(officer, lead_pk, terms=XSS_TERMS)
    assert_inert(officer, watch)
    # Shown back in the form: the text is the field's value, nothing of it became markup.
    assert officer.locator("#id_terms").input_value() == XSS_TERMS
    assert officer.locator("#id_facts").input_value() == XSS_SUMMARY
    assert XSS_PARTY in [officer.locator(f"#id_signatories-{n}-name").input_value() for n in range(3)]
    assert officer.locator("textarea").count() == 2  # facts and terms: no payload closed one early

    pages = {
        "/disputes/?status=all": [f"欠款{PAYLOADS[0]}"],
        f"/disputes/{lead_pk}/": [XSS_SUMMARY, XSS_PARTY, XSS_ANALYSIS, XSS_COMMENT, XSS_TOPIC],
        f"/disputes/sessions/{session_pk}/": [XSS_TOPIC, XSS_SUMMARY],
        f"/disputes/calendar/?view=day&date={session_day:%Y-%m-%d}": [XSS_TOPIC],
        f"/disputes/calendar/?view=week&date={session_day:%Y-%m-%d}": [XSS_TOPIC],
        f"/disputes/{lead_pk}/agreement/": [],
        f"/detainees/{detention.pk}/": [],
    }
    for path, shows in pages.items():
        officer.goto(path)
        assert_inert(officer, watch, shows=shows)
    officer.goto(f"/disputes/{lead_pk}/agreement/")
    assert officer.locator("#id_terms").input_value() == XSS_TERMS

    assert watch.foreign_requests == []
    assert DisputeLead.objects.get(pk=lead_pk).summary == XSS_SUMMARY  # stored as typed


# --- 3. cross-site POSTs --------------------------------------------------------------------------

ATTACKER = "http://attacker.test"


def attacker_page(action: str, fields: dict[str, str]) -> str:
    inputs = "".join(f'<input type="hidden" name="{name}" value="{value}">' for name, value in fields.items())
    return (
        '<!DOCTYPE html><html><body><form id="f" method="post" action="' + action + '">' + inputs + "</form>"
        "<script>document.getElementById('f').submit()</script></body></html>"
    )


@pytest.fixture
def mediating_lead(setting, officer_a, leader_a, orgs) -> DisputeLead:
    """A lead of centre A in mediation, ready for its outcome (made through disputes.services)."""
    lead = services.open_lead(
        setting,
        category=DisputeLead.Category.COURT_ENFORCEMENT,
        summary="拖欠货款 5 万元，法院已立案执行",
        amount_at_stake=Decimal("50000"),
        parties=[services.PartyInput(side=LeadParty.Side.COUNTERPARTY, name=COUNTERPARTY)],
        acting_user=officer_a,
    )
    plan = services.save_plan(
        lead,
        analysis=ANALYSIS,
        strategy=STRATEGY,
        methods=[ResolutionPlan.Method.JOINT_MEDIATION],
        agencies_needed=[orgs.enforcement_bureau],
        acting_user=officer_a,
    )
    services.review_plan(plan, approve=True, comment="同意", acting_user=leader_a)
    return services.move_lead(lead, DisputeLead.Status.MEDIATING, acting_user=officer_a)


def test_a_cross_site_post_to_the_outcome_is_refused_and_changes_nothing(
    mediating_lead, officer_a, signed_in, live_server
):
    lead = mediating_lead
    outcome_url = f"{live_server.url}/disputes/{lead.pk}/outcome/"
    resolved = {
        "status": DisputeLead.Status.RESOLVED,
        "summary": "伪造的化解结果",
        "enforcement_settled": "on",
        "agreed_amount": "1",
        "paid_amount": "1",
    }
    transitions_before = lead.transitions.count()
    officer = signed_in(officer_a)

    # A page of another site, open in the officer's signed-in browser, submits a form to the outcome.
    officer.route(
        f"{ATTACKER}/**",
        lambda route: route.fulfill(status=200, content_type="text/html", body=attacker_page(outcome_url, resolved)),
    )
    with officer.expect_response(outcome_url, timeout=LONGEST_WAIT_MS) as answered:
        officer.goto(f"{ATTACKER}/win-a-prize.html")
    assert answered.value.status == 403
    assert answered.value.request.method == "POST"

    # The same POST carrying the officer's cookies (as a browser without SameSite would send them) but no token.
    forged = officer.context.request.post(
        outcome_url,
        form=resolved,
        headers={"Origin": ATTACKER, "Referer": f"{ATTACKER}/win-a-prize.html"},
        max_redirects=0,
        timeout=DEFAULT_WAIT_MS,
    )
    assert forged.status == 403

    lead.refresh_from_db()
    assert lead.status == DisputeLead.Status.MEDIATING and lead.closed_at is None
    assert not LeadOutcome.objects.filter(lead=lead).exists()
    assert lead.transitions.count() == transitions_before

    # The control: the officer's own form on the site (with its token) is accepted.
    record_outcome(officer, lead.pk, summary="双方达成执行和解", agreed="100", paid="0")
    lead.refresh_from_db()
    assert lead.status == DisputeLead.Status.RESOLVED


def test_a_lead_page_cannot_be_framed(mediating_lead, officer_a, signed_in, live_server):
    """X-Frame-Options DENY: no page may frame a lead's page, the site's own included, so no other
    site either. (A page of another site cannot even try here: chromium's local-network-access checks
    stop a public page from framing 127.0.0.1 before the response is seen.)"""
    lead_url = f"{live_server.url}/disputes/{mediating_lead.pk}/"
    officer = signed_in(officer_a)
    officer.goto("/disputes/")
    failures: list[str] = []
    officer.on("requestfailed", lambda request: failures.append(f"{request.url} {request.failure}"))

    with officer.expect_response(lead_url, timeout=LONGEST_WAIT_MS) as answered:
        officer.evaluate(
            "url => { const f = document.createElement('iframe'); f.src = url; document.body.append(f); }", lead_url
        )
    assert answered.value.status == 200
    assert answered.value.headers.get("x-frame-options") == "DENY"
    officer.wait_for_load_state("load")
    [frame] = [frame for frame in officer.frames if frame is not officer.main_frame]
    expect(officer.locator("iframe")).to_have_count(1)
    assert f"{lead_url} net::ERR_BLOCKED_BY_RESPONSE" in failures
    assert "拖欠货款" not in frame.content()  # the lead's summary never shows in the frame


# --- 4. a session held with its attendance; the outcome asks before cancelling the session ahead -------


def test_a_session_is_marked_held_with_who_came_and_the_outcome_asks_before_cancelling_the_one_ahead(
    mediating_lead, officer_a, leader_a, rooms, session_day, signed_in, watch
):
    lead = mediating_lead
    leader, officer = signed_in(leader_a), signed_in(officer_a)

    # Yesterday's talk, entered after the fact by the leader; one more booked by the officer for tomorrow.
    held_pk = book_session(
        leader,
        lead.pk,
        day=session_day,
        topic="首次调解",
        room=rooms["one"],
        override_note=AFTER_THE_FACT,
        guest="赵母",
    )
    tomorrow = session_day + timedelta(days=2)
    ahead_pk = book_session(officer, lead.pk, day=tomorrow, topic="第二次调解", room=rooms["one"])
    ahead_label = f"{tomorrow:%Y-%m-%d} 10:00–11:00 {ROOM}"

    # Held: 张明 came, the mother did not; the minutes and the result.
    officer.goto(f"/disputes/sessions/{held_pk}/")
    result_form = officer.locator("#result-form")
    expect(result_form.get_by_role("checkbox", name="张明（管教民警）", exact=True)).to_be_checked()
    result_form.get_by_role("checkbox", name="赵母（母亲）", exact=True).uncheck()
    officer.locator("#id_minutes").fill("被拘留人同意分期履行，母亲未到场")
    officer.locator("#id_result").select_option(value=MediationSession.Result.PARTLY_AGREED)
    officer.get_by_role("button", name="保存结果", exact=True).click()
    expect(officer.locator(".messages")).to_contain_text("调解结果已记录")
    expect(officer.locator("h1")).to_contain_text("已举行")
    people = officer.locator('section[aria-labelledby="people-heading"]')
    expect(people.locator("tbody tr").filter(has_text="张明")).to_contain_text("到场")
    expect(people.locator("ul")).to_contain_text("赵母（母亲） · 未到场")
    expect(officer.locator("#result-heading + dl")).to_contain_text("被拘留人同意分期履行，母亲未到场")

    # The outcome: the form lists tomorrow's session and, unconfirmed, saves nothing.
    officer.goto(f"/disputes/{lead.pk}/")
    officer.get_by_role("link", name="记录化解结果", exact=True).first.click()
    officer.wait_for_url(f"**/disputes/{lead.pk}/outcome/")
    ahead = officer.locator("#sessions-ahead")
    expect(ahead).to_contain_text(ahead_label)
    officer.get_by_label("部分化解", exact=True).check()
    officer.locator("#id_summary").fill("分期履行部分达成")
    officer.get_by_role("button", name="记录并结案", exact=True).click()
    expect(ahead).to_contain_text(f"结案将取消尚未举行的调解：{ahead_label}")
    assert DisputeLead.objects.get(pk=lead.pk).status == DisputeLead.Status.MEDIATING
    assert MediationSession.objects.get(pk=ahead_pk).status == MediationSession.Status.SCHEDULED

    # Confirmed: the lead closes and tomorrow's session is cancelled.
    ahead.get_by_label(ahead_label, exact=True).check()
    officer.get_by_role("button", name="记录并结案", exact=True).click()
    officer.wait_for_url(f"**/disputes/{lead.pk}/")
    expect(officer.locator(".messages")).to_contain_text("化解结果已记录，线索已结案")
    officer.goto(f"/disputes/sessions/{ahead_pk}/")
    expect(officer.locator("h1")).to_contain_text("已取消")

    held, cancelled = MediationSession.objects.get(pk=held_pk), MediationSession.objects.get(pk=ahead_pk)
    assert (held.status, held.override_reasons) == (MediationSession.Status.HELD, ["after_the_fact"])
    assert [(p.user_id, p.attended) for p in held.participants.all()] == [(officer_a.pk, True)]
    assert [(g.name, g.attended) for g in held.guests.all()] == [("赵母", False)]
    assert (cancelled.status, cancelled.cancel_reason) == (MediationSession.Status.CANCELLED, "线索已结案")
    assert DisputeLead.objects.get(pk=lead.pk).status == DisputeLead.Status.PARTLY_RESOLVED
    assert watch.dialogs == [] and watch.foreign_requests == []
