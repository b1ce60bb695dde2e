"""Chinese on Chinese pages (issue 11): every model and field of the project is named in Chinese, the
audit viewer shows those names and a referenced record by its label, and the admin's lockout section
and permission names are Chinese."""

from __future__ import annotations

import re
from pathlib import Path

from django.apps import apps
from django.conf import settings

from disputes import services
from tests.detainees import conftest as detainee_fixtures
from tests.disputes import conftest as dispute_fixtures

# Fixtures of the detainees and disputes tests, used here as they are.
make_detention = detainee_fixtures.make_detention
make_lead = dispute_fixtures.make_lead

CHINESE = re.compile(r"[\u4e00-\u9fff]")


def project_models():
    base = Path(settings.BASE_DIR).resolve()
    for app in apps.get_app_configs():
        path = Path(app.path).resolve()
        if path.is_relative_to(base) and ".venv" not in path.parts and app.label != "axes":
            yield from app.get_models()


def test_every_model_and_field_of_the_project_has_a_chinese_name():
    english = []
    for model in project_models():
        if not CHINESE.search(str(model._meta.verbose_name)):
            english.append(f"{model._meta.label}: {model._meta.verbose_name}")
        for field in model._meta.get_fields():
            if field.auto_created and not field.concrete:
                continue  # the reverse side of a relation: named on the model that declares it
            if field.auto_created and field.primary_key:
                continue  # "ID": shown as the record's number, never by name
            if field.name.startswith("pgh_"):
                continue  # pghistory's bookkeeping columns of the event tables, shown by no page
            if field.name == "id" and hasattr(model, "pgh_obj"):
                continue  # the tracked row's own id, copied: the audit page shows it as the record number
            if not CHINESE.search(str(field.verbose_name)):
                english.append(f"{model._meta.label}.{field.name}: {field.verbose_name}")
    assert english == []


def test_the_audit_page_of_a_lead_names_its_fields_and_records_in_chinese(
    make_lead, officer_a, audit_admin, client_for
):
    lead = make_lead()
    services.update_lead(
        lead,
        category=lead.category,
        summary=lead.summary,
        amount_at_stake=lead.amount_at_stake,
        court_case_number=lead.court_case_number,
        source=lead.source,
        risk_level=lead.risk_level,
        assigned_officer=officer_a,
        acting_user=officer_a,
    )
    client = client_for(audit_admin)

    lead_page = client.get("/audit/events/", {"model": "disputes.DisputeLeadEvent", "object_id": lead.pk})
    party_page = client.get("/audit/events/", {"model": "disputes.LeadPartyEvent"})

    html = lead_page.content.decode()
    assert "矛盾线索" in html  # the record type
    assert "纠纷类别：— → 法院执行" in html
    assert (
        f'承办民警：— → <a href="/audit/events/?model=accounts.UserEvent&amp;object_id={officer_a.pk}">张明</a>' in html
    )
    detention = lead.detention
    assert (
        f'入所记录：— → <a href="/audit/events/?model=detainees.DetentionEvent&amp;object_id={detention.pk}">'
        f"{detention}</a>" in html
    )
    html = party_page.content.decode()
    assert f'矛盾线索：— → <a href="/audit/events/?model=disputes.DisputeLeadEvent&amp;object_id={lead.pk}">' in html
    assert f">{lead}</a>" in html
    for english in ["lead：", "detention：", "phone hash", "declared at", "scheduled by"]:
        assert english not in html


def test_the_admin_names_the_lockout_section_and_the_permissions_in_chinese(system_admin, officer_a, client_for):
    client = client_for(system_admin)

    index = client.get("/admin/").content.decode()
    group_page = client.get(f"/admin/accounts/user/{officer_a.pk}/change/").content.decode()

    assert "登录锁定" in index and "登录失败（锁定）记录" in index and "登录日志" in index
    assert "Access attempts" not in index and "Access logs" not in index and "Axes" not in index
    assert "登录锁定 | 查看登录失败（锁定）记录" in group_page
    assert "被拘留人 | 查看入所记录" in group_page
    assert "Can view" not in group_page and "Can add" not in group_page
