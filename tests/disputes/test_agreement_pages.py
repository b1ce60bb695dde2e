"""The agreement pages: writing it, downloading its PDF (permission-checked, logged, never cached) and
the page that waits for the worker."""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import quote

import pytest
from django.urls import reverse

from accounts.models import Role
from audit.models import AccessLog
from disputes import pdf, services
from disputes.models import Agreement, JudicialConfirmation
from tests.disputes import test_agreement_pdf as shared

# Fixtures shared with test_agreement_pdf.py.
agreement = shared.agreement
pdf_storage = shared.pdf_storage
queued_renders = shared.queued_renders
resolved_lead = shared.resolved_lead
save = shared.save
SIGNED_ON = shared.SIGNED_ON


def edit_url(lead) -> str:
    return reverse("disputes:agreement_edit", kwargs={"pk": lead.pk})


def pdf_url(lead) -> str:
    return reverse("disputes:agreement_pdf", kwargs={"pk": lead.pk})


def status_url(lead) -> str:
    return reverse("disputes:agreement_pdf_status", kwargs={"pk": lead.pk})


def form_data(**overrides) -> dict:
    data = {
        "facts": "赵建军拖欠货款五万元",
        "terms": "一、分两期付清；\n二、申请终结执行。",
        "agreed_amount": "50000",
        "paid_amount": "10000",
        "signed_on": SIGNED_ON.isoformat(),
        "signatories-TOTAL_FORMS": "4",
        "signatories-INITIAL_FORMS": "0",
        "signatories-MIN_NUM_FORMS": "0",
        "signatories-MAX_NUM_FORMS": "12",
        "signatories-0-role": "甲方",
        "signatories-0-name": "赵建军",
        "signatories-1-role": "乙方",
        "signatories-1-name": "宁波某建材公司",
        "signatories-2-role": "调解员",
        "signatories-2-name": "张明",
        "signatories-3-role": "",
        "signatories-3-name": "",
    }
    data.update(overrides)
    return data


# --- writing the agreement ------------------------------------------------------------------------


def test_the_form_is_prefilled_with_the_parties_and_the_officer(resolved_lead, officer_a, client_for):
    response = client_for(officer_a).get(edit_url(resolved_lead))

    assert response.status_code == 200
    rows = [(row["role"].value(), row["name"].value()) for row in response.context["formset"]]
    assert rows[:3] == [("甲方", "赵建军"), ("乙方", "宁波某建材公司"), ("调解员", "张明")]
    form = response.context["form"]
    assert form["agreed_amount"].value() == Decimal("50000.00")  # from the outcome
    assert form["facts"].value() == resolved_lead.summary


def test_an_officer_writes_and_then_changes_the_agreement(resolved_lead, officer_a, client_for):
    client = client_for(officer_a)

    response = client.post(edit_url(resolved_lead), form_data())
    assert response.status_code == 302
    saved = Agreement.objects.get(lead=resolved_lead)
    assert (saved.revision, saved.terms, saved.agreed_amount) == (
        1,
        "一、分两期付清；\n二、申请终结执行。",
        Decimal("50000"),
    )
    assert [(s.role, s.name) for s in saved.signatories.all()] == [
        ("甲方", "赵建军"),
        ("乙方", "宁波某建材公司"),
        ("调解员", "张明"),
    ]

    client.post(edit_url(resolved_lead), form_data(terms="一、一次性付清。", **{"signatories-2-name": ""}))
    saved.refresh_from_db()
    assert (saved.revision, saved.terms, saved.signatories.count()) == (2, "一、一次性付清。", 2)
    page = client.get(edit_url(resolved_lead))
    assert "第 2 版" in page.content.decode()


def test_an_unresolved_lead_is_refused_with_the_reason(ready_lead, officer_a, client_for):
    client = client_for(officer_a)

    page = client.get(edit_url(ready_lead))
    response = client.post(edit_url(ready_lead), form_data())

    message = "只有已化解或部分化解的线索可以制作调解协议书"
    assert message in page.content.decode()
    assert response.status_code == 200 and message in response.content.decode()
    assert not Agreement.objects.exists()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"agreed_amount": "-1"}, "约定金额不能小于零"),
        ({"paid_amount": "-5"}, "已履行金额不能小于零"),
        ({"agreed_amount": "100", "paid_amount": "200"}, "已履行金额不能大于约定金额"),
        ({"signatories-1-name": "", "signatories-2-name": ""}, "协议至少需要两方签字人"),
        ({"signatories-0-role": ""}, "请填写签字人的身份"),
        ({"facts": "  "}, "请填写纠纷事实"),
    ],
)
def test_wrong_input_saves_nothing(resolved_lead, officer_a, client_for, fields, message):
    response = client_for(officer_a).post(edit_url(resolved_lead), form_data(**fields))

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Agreement.objects.exists()


def test_an_agreement_before_the_court_cannot_be_changed(agreement, resolved_lead, officer_a, orgs, client_for):
    services.request_judicial_confirmation(agreement, court=orgs.court, acting_user=officer_a)

    response = client_for(officer_a).post(edit_url(resolved_lead), form_data(terms="一、改了。"))

    assert "不能再修改" in response.content.decode()
    agreement.refresh_from_db()
    assert agreement.revision == 1


# --- the PDF --------------------------------------------------------------------------------------


def test_a_ready_pdf_is_downloaded_logged_and_not_cached(agreement, resolved_lead, officer_a, pdf_storage, client_for):
    pdf.store_agreement_pdf(agreement.pk)

    response = client_for(officer_a).get(pdf_url(resolved_lead))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''" in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    log = AccessLog.objects.get()
    assert (log.user, log.action, log.object_id) == (officer_a, AccessLog.Action.DOWNLOAD_AGREEMENT, str(agreement.pk))


def test_the_download_name_has_no_control_or_bidi_characters(
    agreement, resolved_lead, officer_a, pdf_storage, client_for
):
    pdf.store_agreement_pdf(agreement.pk)
    # The number is the system's; should one ever carry an override, the file name still shows as typed.
    Agreement.objects.filter(pk=agreement.pk).update(number="余调\u202e字1\u0007号")

    response = client_for(officer_a).get(pdf_url(resolved_lead))

    assert response.status_code == 200
    assert response["Content-Disposition"] == "attachment; filename*=utf-8''" + quote("调解协议书-余调字1号.pdf")


def test_the_download_is_logged_before_anything_is_sent(
    agreement, resolved_lead, officer_a, pdf_storage, client_for, monkeypatch
):
    pdf.store_agreement_pdf(agreement.pk)

    def log_down(*args, **kwargs):
        raise RuntimeError("the access log is not writable")

    monkeypatch.setattr("disputes.agreement_views.record_access", log_down)
    with pytest.raises(RuntimeError):
        client_for(officer_a).get(pdf_url(resolved_lead))


def test_a_pdf_not_ready_yet_is_queued_and_waited_for(
    agreement, resolved_lead, officer_a, pdf_storage, queued_renders, client_for
):
    client = client_for(officer_a)

    waiting = client.get(pdf_url(resolved_lead))
    assert waiting.status_code == 200
    assert "正在生成协议书 PDF" in waiting.content.decode()
    assert 'hx-trigger="every 2s"' in waiting.content.decode()
    assert queued_renders == [agreement.pk]
    assert not AccessLog.objects.exists()

    polled = client.get(status_url(resolved_lead), headers={"HX-Request": "true"})
    assert "hx-get" in polled.content.decode()

    pdf.store_agreement_pdf(agreement.pk)
    done = client.get(status_url(resolved_lead), headers={"HX-Request": "true"})
    assert "hx-get" not in done.content.decode()
    assert pdf_url(resolved_lead) in done.content.decode()
    assert "下载协议书 PDF" in done.content.decode()


def test_without_javascript_the_waiting_page_refreshes_to_the_status_not_the_download(
    agreement, resolved_lead, officer_a, pdf_storage, client_for
):
    client = client_for(officer_a)
    refresh = f'<meta http-equiv="refresh" content="5; url={status_url(resolved_lead)}">'

    assert refresh in client.get(pdf_url(resolved_lead)).content.decode()
    waiting = client.get(status_url(resolved_lead))
    assert waiting.status_code == 200 and refresh in waiting.content.decode()

    pdf.store_agreement_pdf(agreement.pk)
    ready = client.get(status_url(resolved_lead))
    assert ready["Content-Type"].startswith("text/html")
    assert "refresh" not in ready.content.decode()
    assert "下载协议书 PDF" in ready.content.decode()
    assert not AccessLog.objects.exists()  # nothing was downloaded yet


def test_the_pdf_of_an_older_revision_is_not_served(
    agreement, resolved_lead, officer_a, pdf_storage, queued_renders, client_for
):
    pdf.store_agreement_pdf(agreement.pk)
    save(resolved_lead, officer_a, terms="一、改为一次性付清。")

    response = client_for(officer_a).get(pdf_url(resolved_lead))

    assert "正在生成协议书 PDF" in response.content.decode()
    assert queued_renders == [agreement.pk]


def test_a_broker_outage_is_told_and_loses_nothing(agreement, resolved_lead, officer_a, client_for, monkeypatch):
    def broker_down(pk):
        raise ConnectionError("redis is down")

    monkeypatch.setattr("disputes.agreement_views.render_agreement_pdf.delay", broker_down)

    response = client_for(officer_a).get(pdf_url(resolved_lead))

    assert response.status_code == 200
    assert "后台任务队列暂时不可用" in response.content.decode()


def test_court_staff_of_the_court_asked_to_confirm_download_it(
    agreement, resolved_lead, officer_a, court_staff, orgs, pdf_storage, client_for
):
    pdf.store_agreement_pdf(agreement.pk)
    client = client_for(court_staff)
    assert client.get(pdf_url(resolved_lead)).status_code == 404  # not asked yet

    services.request_judicial_confirmation(agreement, court=orgs.court, acting_user=officer_a)
    response = client.get(pdf_url(resolved_lead))

    assert response.status_code == 200
    assert AccessLog.objects.get().user == court_staff


def test_court_staff_of_another_court_get_404(agreement, resolved_lead, officer_a, orgs, pdf_storage, client_for):
    from tests.conftest import make_person

    services.request_judicial_confirmation(agreement, court=orgs.court, acting_user=officer_a)
    other = make_person("cx_judge", "慈溪法官", _cixi_court(orgs), Role.COURT_STAFF)

    client = client_for(other)
    assert client.get(pdf_url(resolved_lead)).status_code == 404
    assert client.get(status_url(resolved_lead), headers={"HX-Request": "true"}).status_code == 404


def _cixi_court(orgs):
    from accounts.models import Organization
    from accounts.services import create_organization

    return create_organization(
        name="慈溪市人民法院", kind=Organization.Kind.COURT, code="330282-FY", region_code="330282", parent=orgs.cixi
    )


# --- who may open which page ----------------------------------------------------------------------


@pytest.mark.parametrize("url_of", [edit_url, pdf_url, status_url])
def test_another_centre_gets_404(agreement, resolved_lead, officer_b, client_for, url_of):
    assert client_for(officer_b).get(url_of(resolved_lead)).status_code == 404
    assert not AccessLog.objects.exists()


def test_another_centres_post_changes_nothing(agreement, resolved_lead, officer_b, client_for):
    assert client_for(officer_b).post(edit_url(resolved_lead), form_data(terms="篡改")).status_code == 404
    agreement.refresh_from_db()
    assert agreement.revision == 1


@pytest.mark.parametrize(
    "persona", ["court_staff", "court_mediator", "volunteer", "lawyer", "supervisor", "audit_admin"]
)
def test_other_roles_may_not_write_the_agreement(agreement, resolved_lead, client_for, persona, request):
    client = client_for(request.getfixturevalue(persona))

    assert client.get(edit_url(resolved_lead)).status_code == 403
    assert client.post(edit_url(resolved_lead), form_data()).status_code == 403


def test_court_staff_asked_to_confirm_still_may_not_write_it(
    agreement, resolved_lead, officer_a, court_staff, orgs, client_for
):
    services.request_judicial_confirmation(agreement, court=orgs.court, acting_user=officer_a)

    assert client_for(court_staff).post(edit_url(resolved_lead), form_data()).status_code == 403


@pytest.mark.parametrize("persona", ["court_mediator", "volunteer", "lawyer", "supervisor", "system_admin"])
def test_roles_without_the_agreement_may_not_download(agreement, resolved_lead, client_for, persona, request):
    client = client_for(request.getfixturevalue(persona))

    assert client.get(pdf_url(resolved_lead)).status_code == 403
    assert not AccessLog.objects.exists()


def test_anonymous_visitors_go_to_the_login(agreement, resolved_lead, anonymous_client):
    for url in (edit_url(resolved_lead), pdf_url(resolved_lead)):
        response = anonymous_client.get(url)
        assert response.status_code == 302 and "login" in response["Location"]


def test_a_lead_without_an_agreement_has_no_pdf(resolved_lead, officer_a, client_for):
    assert client_for(officer_a).get(pdf_url(resolved_lead)).status_code == 404


def test_judicial_confirmation_state_is_shown_on_the_agreement_page(
    agreement, resolved_lead, officer_a, orgs, client_for
):
    client = client_for(officer_a)
    before = client.get(edit_url(resolved_lead)).content.decode()
    services.request_judicial_confirmation(agreement, court=orgs.court, acting_user=officer_a)

    after = client.get(edit_url(resolved_lead)).content.decode()

    assert "申请司法确认</button>" in before and "未申请" in before
    assert f"余姚市人民法院 · {JudicialConfirmation.Status.REQUESTED.label}" in after
    assert "申请司法确认</button>" not in after  # one request at a time
