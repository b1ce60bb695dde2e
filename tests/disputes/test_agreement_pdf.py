"""The mediation agreement's PDF (disputes.pdf): its text and font, escaping of what users typed, the
URL fetcher that loads nothing but the project's own static files, and the cache per revision.

The fixtures at the top are shared with test_agreement_pages.py and test_judicial_confirmation.py.
"""

from __future__ import annotations

import shutil
import subprocess
import threading
from datetime import date
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from weasyprint import HTML

from disputes import pdf, services, tasks
from disputes.models import Agreement, DisputeLead, LeadParty

SIGNED_ON = date(2026, 3, 11)
TERMS = "一、赵建军于2026年4月30日前支付货款人民币三万元；\n二、宁波某建材公司收到款项后申请终结本次执行。"
# Planted in the detention record: the agreement goes to non-state parties and must not carry them.
SEALED_MARKERS = {
    "decision_number": "余公（治）决字〔2026〕SEALDEC001号",
    "reason": "SEALREASON殴打他人",
    "cell": "SEALCELL-3",
    "handling_unit": "SEALUNIT派出所",
}


# --- shared fixtures ------------------------------------------------------------------------------


@pytest.fixture
def pdf_storage(tmp_path, monkeypatch) -> FileSystemStorage:
    """Agreement PDFs stored under a temporary folder instead of the development MEDIA_ROOT."""
    storage = FileSystemStorage(location=tmp_path / "private")
    monkeypatch.setattr(Agreement._meta.get_field("pdf"), "storage", storage)
    return storage


@pytest.fixture(autouse=True)
def queued_renders(monkeypatch) -> list[int]:
    """Calls of render_agreement_pdf.delay(): the broker lies outside these tests."""
    queued: list[int] = []
    monkeypatch.setattr(tasks.render_agreement_pdf, "delay", queued.append)
    return queued


@pytest.fixture
def resolved_lead(make_lead, make_detention, approve_plan, officer_a) -> DisputeLead:
    """A court-enforcement lead of centre A, resolved with an enforcement settlement; its detention
    carries the sealed markers."""
    lead = make_lead(
        detention=make_detention(**SEALED_MARKERS),
        parties=[services.PartyInput(side=LeadParty.Side.COUNTERPARTY, name="宁波某建材公司", phone="13900001111")],
    )
    approve_plan(lead)
    services.move_lead(lead, DisputeLead.Status.MEDIATING, acting_user=officer_a)
    services.record_outcome(
        lead,
        status=DisputeLead.Status.RESOLVED,
        outcome=services.OutcomeInput(
            summary="双方达成分期履行的执行和解",
            enforcement_settled=True,
            agreed_amount=Decimal("50000"),
            paid_amount=Decimal("10000"),
        ),
        acting_user=officer_a,
    )
    lead.refresh_from_db()
    return lead


def save(lead: DisputeLead, user, **overrides) -> Agreement:
    """services.save_agreement with fixed values; keyword arguments replace them."""
    values = {
        "facts": "赵建军拖欠宁波某建材公司货款五万元，法院已立案执行。",
        "terms": TERMS,
        "signed_on": SIGNED_ON,
        "signatories": [
            services.SignatoryInput("甲方", "赵建军"),
            services.SignatoryInput("乙方", "宁波某建材公司"),
            services.SignatoryInput("调解员", "张明"),
        ],
        "agreed_amount": Decimal("50000"),
        "paid_amount": Decimal("10000"),
    }
    values.update(overrides)
    return services.save_agreement(lead, acting_user=user, **values)


@pytest.fixture
def agreement(resolved_lead, officer_a) -> Agreement:
    return save(resolved_lead, officer_a)


# --- system packages ------------------------------------------------------------------------------


def _cjk_font_installed() -> bool:
    if shutil.which("fc-list") is None:
        return False
    listing = subprocess.run(["fc-list", ":", "family"], capture_output=True, text=True, check=False).stdout
    return "WenQuanYi Micro Hei" in listing


needs_cjk_font = [
    pytest.mark.needs_system_package,
    pytest.mark.skipif(not _cjk_font_installed(), reason="system package fonts-wqy-microhei missing"),
    pytest.mark.skipif(shutil.which("pdftotext") is None, reason="system package poppler-utils missing"),
]


def apply(marks):
    def decorate(test):
        for mark in reversed(marks):
            test = mark(test)
        return test

    return decorate


def pdf_text(content: bytes, tmp_path) -> str:
    path = tmp_path / "agreement.pdf"
    path.write_bytes(content)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def pdf_fonts(content: bytes, tmp_path) -> str:
    path = tmp_path / "fonts.pdf"
    path.write_bytes(content)
    return subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout


# --- the document ---------------------------------------------------------------------------------


@apply(needs_cjk_font)
def test_it_writes_the_agreement_with_its_number_parties_terms_and_amounts(agreement, tmp_path):
    text = pdf_text(pdf.render_agreement(agreement), tmp_path)

    assert "调 解 协 议 书" in text or "调解协议书" in text
    assert agreement.number == "330281-JLS调〔2026〕1号"
    assert agreement.number in text
    assert "余姚市拘留所" in text  # the mediation organization
    for name in ("赵建军", "宁波某建材公司", "张明"):
        assert name in text
    assert "一、赵建军于2026年4月30日前支付货款人民币三万元；" in text
    assert "¥50,000.00" in text and "¥10,000.00" in text
    assert "2026年3月11日" in text
    assert "第 1 页" in text


@apply(needs_cjk_font)
def test_the_terms_keep_their_line_breaks(agreement, tmp_path):
    lines = [line.strip() for line in pdf_text(pdf.render_agreement(agreement), tmp_path).splitlines()]

    first, second = TERMS.split("\n")
    assert first in lines and second in lines
    assert lines.index(second) == lines.index(first) + 1


@apply(needs_cjk_font)
def test_it_carries_nothing_of_the_detention_record(agreement, tmp_path):
    text = pdf_text(pdf.render_agreement(agreement), tmp_path)

    for marker in ("SEALDEC001", "SEALREASON", "SEALCELL", "SEALUNIT"):
        assert marker not in text
    assert "2026年3月12日" not in text  # the scheduled release day


@apply(needs_cjk_font)
def test_it_embeds_the_cjk_font(agreement, tmp_path):
    fonts = pdf_fonts(pdf.render_agreement(agreement), tmp_path)

    cjk = [line for line in fonts.splitlines() if "WenQuanYi" in line]
    assert cjk, fonts
    # columns: name type... encoding emb sub uni
    assert all(" yes yes yes " in line for line in cjk), fonts


MARKUP = '<img src="http://127.0.0.1:9/x.png"><b>粗体</b>'
LINK = '<link rel="stylesheet" href="file:///etc/passwd">'


@apply(needs_cjk_font)
def test_markup_typed_by_users_is_printed_as_text(resolved_lead, officer_a, tmp_path, monkeypatch):
    fetched: list[str] = []
    original = pdf.AgreementURLFetcher.fetch

    def recording(self, url, headers=None):
        fetched.append(url)
        return original(self, url, headers)

    monkeypatch.setattr(pdf.AgreementURLFetcher, "fetch", recording)
    agreement = save(
        resolved_lead,
        officer_a,
        facts=f"事实{LINK}",
        terms=f"条款{MARKUP}\n第二条 file:///etc/passwd",
        signatories=[
            services.SignatoryInput("甲方", "<i>赵建军</i>"),
            services.SignatoryInput("乙方", "宁波某建材公司"),
        ],
    )

    text = pdf_text(pdf.render_agreement(agreement), tmp_path)

    assert MARKUP in text
    assert LINK in text
    assert "<i>赵建军</i>" in text
    assert "file:///etc/passwd" in text
    assert fetched == [pdf.STATIC_PREFIX + "pdf/agreement.css"]


def test_the_template_escapes_what_users_typed(resolved_lead, officer_a):
    agreement = save(resolved_lead, officer_a, terms=MARKUP)
    from django.template.loader import render_to_string

    html = render_to_string(pdf.TEMPLATE, pdf.agreement_context(agreement))

    assert "&lt;img src=&quot;http://127.0.0.1:9/x.png&quot;&gt;" in html
    assert "<img" not in html


# --- the fetcher ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/x.png",
        "https://example.com/static/pdf/agreement.css",
        "file:///etc/passwd",
        "file:///work/main/static/pdf/agreement.css",
        "data:text/css,body{color:red}",
        "ftp://127.0.0.1/x",
        pdf.STATIC_PREFIX + "../../../etc/passwd",
        pdf.STATIC_PREFIX + "%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        pdf.STATIC_PREFIX + "/etc/passwd",
        pdf.STATIC_PREFIX + "pdf/no-such-file.css",
        "https://agreement-pdf.invalid/other/pdf/agreement.css",
    ],
)
def test_the_fetcher_refuses_anything_but_the_projects_static_files(url):
    with pytest.raises(ValueError, match="refused to fetch"):
        pdf.AgreementURLFetcher().fetch(url)


def test_the_fetcher_serves_the_agreement_stylesheet():
    response = pdf.AgreementURLFetcher().fetch(pdf.STATIC_PREFIX + "pdf/agreement.css")
    try:
        assert response.content_type == "text/css"
        assert b"@page" in response.read()
    finally:
        response.close()


@pytest.fixture
def local_server():
    """A local HTTP server counting the requests it gets: the renderer must never reach it."""
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", hits
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def test_even_raw_markup_reaches_no_server_and_no_file(local_server):
    """Escaping keeps user text out of the markup; should markup ever get in, the fetcher still loads
    nothing from the network or the file system."""
    url, hits = local_server
    html = (
        f'<link rel="stylesheet" href="{url}/a.css"><link rel="stylesheet" href="file:///etc/passwd">'
        f'<img src="{url}/x.png"><img src="file:///etc/hostname"><p>正文</p>'
    )

    content = HTML(string=html, base_url=pdf.STATIC_PREFIX, url_fetcher=pdf.AgreementURLFetcher()).write_pdf()

    assert content.startswith(b"%PDF")
    assert hits == []


# --- stored once per revision ---------------------------------------------------------------------


@pytest.fixture
def renders(monkeypatch) -> list[int]:
    """The revisions render_agreement was called for (it still renders)."""
    calls: list[int] = []
    original = pdf.render_agreement

    def counting(agreement):
        calls.append(agreement.revision)
        return original(agreement)

    monkeypatch.setattr(pdf, "render_agreement", counting)
    return calls


def stored_files(storage: FileSystemStorage) -> list[str]:
    if not storage.exists("agreements"):
        return []
    return sorted(storage.listdir("agreements")[1])


def test_it_stores_the_pdf_once_per_revision(agreement, pdf_storage, renders):
    pdf.store_agreement_pdf(agreement.pk)
    pdf.store_agreement_pdf(agreement.pk)

    agreement.refresh_from_db()
    assert renders == [1]
    assert (agreement.pdf.name, agreement.pdf_revision, agreement.pdf_is_current) == (
        f"agreements/{agreement.pk}-r1.pdf",
        1,
        True,
    )
    assert pdf_storage.open(agreement.pdf.name).read(5) == b"%PDF-"


def test_a_change_makes_a_new_revision_and_a_new_file(agreement, resolved_lead, officer_a, pdf_storage, renders):
    pdf.store_agreement_pdf(agreement.pk)

    changed = save(resolved_lead, officer_a, terms="一、赵建军于2026年5月31日前一次性付清。")
    assert changed.revision == 2 and not changed.pdf_is_current
    pdf.store_agreement_pdf(agreement.pk)
    pdf.store_agreement_pdf(agreement.pk)

    agreement.refresh_from_db()
    assert renders == [1, 2]
    assert (agreement.pdf.name, agreement.pdf_revision) == (f"agreements/{agreement.pk}-r2.pdf", 2)
    assert stored_files(pdf_storage) == [f"{agreement.pk}-r2.pdf"]  # the old revision's file is gone


def test_a_rendering_of_an_old_revision_never_replaces_a_newer_one(
    agreement, resolved_lead, officer_a, pdf_storage, monkeypatch
):
    original = pdf.render_agreement

    def changed_while_rendering(rendered):
        content = original(rendered)
        if rendered.revision == 1:
            save(resolved_lead, officer_a, terms="一、改为一次性付清。")  # an officer saves meanwhile
        return content

    monkeypatch.setattr(pdf, "render_agreement", changed_while_rendering)

    pdf.store_agreement_pdf(agreement.pk)  # rendered revision 1, which is no longer current
    agreement.refresh_from_db()
    assert (agreement.revision, agreement.pdf.name, agreement.pdf_revision) == (2, "", None)
    assert stored_files(pdf_storage) == []

    pdf.store_agreement_pdf(agreement.pk)
    agreement.refresh_from_db()
    assert (agreement.pdf.name, agreement.pdf_revision) == (f"agreements/{agreement.pk}-r2.pdf", 2)


def test_two_workers_on_one_revision_leave_one_file(agreement, pdf_storage, monkeypatch):
    original = pdf.render_agreement
    nested: list[int] = []

    def other_worker_finishes_first(rendered):
        if not nested:
            nested.append(rendered.pk)
            pdf.store_agreement_pdf(rendered.pk)  # the other worker renders and stores meanwhile
        return original(rendered)

    monkeypatch.setattr(pdf, "render_agreement", other_worker_finishes_first)

    pdf.store_agreement_pdf(agreement.pk)

    agreement.refresh_from_db()
    assert (agreement.pdf.name, agreement.pdf_revision) == (f"agreements/{agreement.pk}-r1.pdf", 1)
    assert stored_files(pdf_storage) == [f"{agreement.pk}-r1.pdf"]


def test_a_recorded_file_that_went_missing_is_rendered_again(agreement, pdf_storage, renders):
    pdf.store_agreement_pdf(agreement.pk)
    agreement.refresh_from_db()
    pdf_storage.delete(agreement.pdf.name)

    pdf.store_agreement_pdf(agreement.pk)

    assert renders == [1, 1]
    assert pdf_storage.exists(f"agreements/{agreement.pk}-r1.pdf")


def test_the_task_stores_the_pdf_and_ignores_a_deleted_agreement(agreement, pdf_storage):
    tasks.render_agreement_pdf(agreement.pk)
    tasks.render_agreement_pdf(agreement.pk + 1000)  # gone meanwhile: nothing to do

    agreement.refresh_from_db()
    assert agreement.pdf_is_current


def test_saving_queues_the_rendering_after_commit(
    resolved_lead, officer_a, queued_renders, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        saved = save(resolved_lead, officer_a)

    assert queued_renders == [saved.pk]


# --- the service's rules ------------------------------------------------------------------------


def test_an_unresolved_lead_gets_no_agreement(ready_lead, officer_a):
    with pytest.raises(ValidationError, match="只有已化解或部分化解的线索可以制作调解协议书"):
        save(ready_lead, officer_a)

    assert not Agreement.objects.exists()


@pytest.mark.parametrize(
    ("amounts", "field", "message"),
    [
        ({"agreed_amount": Decimal("-1")}, "agreed_amount", "约定金额不能小于零"),
        ({"paid_amount": Decimal("-0.01")}, "paid_amount", "已履行金额不能小于零"),
        ({"agreed_amount": Decimal("100"), "paid_amount": Decimal("200")}, "paid_amount", "已履行金额不能大于约定金额"),
    ],
)
def test_wrong_amounts_are_refused(resolved_lead, officer_a, amounts, field, message):
    with pytest.raises(ValidationError) as refused:
        save(resolved_lead, officer_a, **amounts)

    assert refused.value.message_dict[field] == [message]
    assert not Agreement.objects.exists()


def test_the_chinese_date_and_the_yuan_amounts():
    assert pdf.chinese_date(date(2026, 3, 11)) == "2026年3月11日"
    assert pdf.yuan(Decimal("1234567.5")) == "¥1,234,567.50"
    assert pdf.yuan(Decimal("0")) == "¥0.00"
    assert pdf.yuan(None) == ""
