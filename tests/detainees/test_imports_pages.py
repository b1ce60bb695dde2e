"""The import pages: upload and dry run, errors, confirm / only valid rows / discard, progress of a
queued import, the centre's import log, and who may open them."""

from __future__ import annotations

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import Role
from detainees.models import Detention, ImportLog
from tests.conftest import PERSONA_OF_ROLE

from .import_files import csv_bytes, detention, table, three_detentions

pytestmark = pytest.mark.usefixtures("frozen_now", "import_storage")

LIST = "/detainees/imports/"


def post_file(client, content: bytes, name: str = "入所人员.csv", kind: str = "detentions"):
    return client.post(LIST, {"kind": kind, "file": SimpleUploadedFile(name, content, content_type="text/csv")})


def rows_with_two_bad() -> list[dict]:
    return [
        *three_detentions(),
        detention(external_ref="BAD-1", id_number="330281199001011244"),
        detention(external_ref="BAD-2", admitted_at="2026-03-11 08:00"),
    ]


def test_an_officer_uploads_sees_the_dry_run_and_confirms(officer_a, client_for):
    client = client_for(officer_a)
    content = csv_bytes(table(three_detentions()))

    response = post_file(client, content)

    log = ImportLog.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/detainees/imports/{log.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert "全部行有效：将新增 3 条、更新 0 条，0 条未变。" in page
    assert "确认导入" in page and hashlib.sha256(content).hexdigest() in page
    assert Detention.objects.count() == 0

    response = client.post(f"/detainees/imports/{log.pk}/confirm/", follow=True)

    assert "导入完成：新增 3 条，更新 0 条，未变 0 条。" in response.content.decode()
    assert Detention.objects.count() == 3
    log.refresh_from_db()
    assert (log.status, log.created_by) == (ImportLog.Status.DONE, officer_a)


def test_a_file_with_bad_rows_shows_each_error_and_saves_nothing_unless_only_valid_rows_is_chosen(
    officer_a, client_for
):
    client = client_for(officer_a)
    post_file(client, csv_bytes(table(rows_with_two_bad())))
    log = ImportLog.objects.get()

    page = client.get(f"/detainees/imports/{log.pk}/").content.decode()
    assert "第 5 行，身份证号：身份证号码校验位不正确，请核对号码" in page
    assert "第 6 行，入所时间：入所时间不能晚于当前时间" in page
    assert "仅导入有效行（3 行）" in page
    assert "确认跳过 2 行无效数据，仅导入 3 行有效数据" in page
    assert "确认导入" not in page

    response = client.post(f"/detainees/imports/{log.pk}/confirm/", follow=True)
    assert "文件中有无效行" in response.content.decode()
    assert Detention.objects.count() == 0

    client.post(f"/detainees/imports/{log.pk}/confirm/", {"only_valid": "on"})
    assert Detention.objects.count() == 3
    log.refresh_from_db()
    assert (log.status, log.only_valid_rows, log.invalid_count) == (ImportLog.Status.DONE, True, 2)


def test_an_oversize_upload_is_refused_before_anything_is_kept(officer_a, client_for, settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = 1024
    content = csv_bytes(table(three_detentions() * 5))
    assert len(content) > 1024

    response = post_file(client_for(officer_a), content)

    assert response.status_code == 400
    assert "文件过大：不能超过 0.000976562 MB，请分成几个文件导入" in response.content.decode()
    assert ImportLog.objects.count() == 0


def test_a_png_uploaded_as_csv_is_refused_with_a_clear_message(officer_a, client_for):
    client = client_for(officer_a)
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64

    response = post_file(client, png, name="名单.csv")

    page = client.get(response["Location"]).content.decode()
    assert "文件内容是PNG 图片，不是 CSV、XLSX 或 JSON 表格" in page
    assert ImportLog.objects.get().status == ImportLog.Status.FAILED
    assert Detention.objects.count() == 0


def test_an_upload_without_a_kind_or_file_is_shown_again_with_errors(officer_a, client_for):
    response = client_for(officer_a).post(LIST, {"kind": "detentions"})

    assert response.status_code == 400
    assert ImportLog.objects.count() == 0


def test_discarding_keeps_nothing(officer_a, client_for):
    client = client_for(officer_a)
    post_file(client, csv_bytes(table(three_detentions())))
    log = ImportLog.objects.get()

    client.post(f"/detainees/imports/{log.pk}/discard/")

    log.refresh_from_db()
    assert (log.status, bool(log.stored_file), Detention.objects.count()) == (ImportLog.Status.DISCARDED, False, 0)


# --- progress of a large import ------------------------------------------------------------------------


@pytest.fixture
def running(orgs, officer_a) -> ImportLog:
    return ImportLog.objects.create(
        kind=ImportLog.Kind.DETENTIONS,
        source=ImportLog.Source.UPLOAD,
        facility=orgs.centre_a,
        file_name="大文件.csv",
        checksum="a" * 64,
        status=ImportLog.Status.RUNNING,
        total_rows=2000,
        processed_rows=500,
        created_by=officer_a,
    )


def test_the_detail_page_of_a_running_import_shows_an_accessible_progress_bar_that_refreshes(
    running, officer_a, client_for
):
    page = client_for(officer_a).get(f"/detainees/imports/{running.pk}/").content.decode()

    assert '<progress id="import-progress-bar" class="import-progress" max="2000" value="500">25%</progress>' in page
    assert '<label for="import-progress-bar">已处理 500 / 2000 行</label>' in page
    assert f'hx-get="/detainees/imports/{running.pk}/progress/" hx-trigger="every 2s"' in page
    # Without JavaScript: the page refreshes itself, and a link does the same.
    assert '<noscript><meta http-equiv="refresh" content="5"></noscript>' in page
    assert f'<a href="/detainees/imports/{running.pk}/">刷新进度</a>' in page


def test_the_progress_partial_follows_the_import_and_reloads_the_page_when_it_ends(running, officer_a, client_for):
    client = client_for(officer_a)
    url = f"/detainees/imports/{running.pk}/progress/"
    ImportLog.objects.filter(pk=running.pk).update(processed_rows=1500)

    partial = client.get(url, headers={"HX-Request": "true"})
    assert partial.status_code == 200 and 'value="1500"' in partial.content.decode()
    assert "<html" not in partial.content.decode()

    ImportLog.objects.filter(pk=running.pk).update(status=ImportLog.Status.DONE, processed_rows=2000)
    finished = client.get(url, headers={"HX-Request": "true"})
    assert finished["HX-Refresh"] == "true"

    assert client.get(url)["Location"] == f"/detainees/imports/{running.pk}/"


def test_a_queued_import_shows_a_waiting_progress_bar(running, officer_a, client_for):
    ImportLog.objects.filter(pk=running.pk).update(status=ImportLog.Status.QUEUED, processed_rows=0)

    page = client_for(officer_a).get(f"/detainees/imports/{running.pk}/").content.decode()

    assert "排队中，等待后台处理……" in page and '<progress id="import-progress-bar" class="import-progress">' in page


# --- the import log -------------------------------------------------------------------------------------


def make_logs(orgs, user, n: int, *, facility=None) -> None:
    for i in range(n):
        ImportLog.objects.create(
            kind=ImportLog.Kind.DETENTIONS,
            source=ImportLog.Source.UPLOAD,
            facility=facility or orgs.centre_a,
            file_name=f"第{i}批.csv",
            checksum=f"{i:064x}",
            status=ImportLog.Status.DONE,
            new_count=i,
            created_by=user,
        )


def test_the_import_log_lists_the_centres_imports_with_who_file_checksum_and_counts(
    orgs, officer_a, leader_a, officer_b, client_for
):
    make_logs(orgs, officer_a, 2)
    make_logs(orgs, officer_b, 1, facility=orgs.centre_b)

    page = client_for(leader_a).get(LIST).content.decode()

    assert "第0批.csv" in page and "第1批.csv" in page and "张明" in page
    assert f"{1:064x}"[:12] in page
    assert "钱卫东" not in page  # centre B's import


def test_the_import_log_pages_with_a_cursor(orgs, officer_a, client_for):
    make_logs(orgs, officer_a, 35)
    client = client_for(officer_a)

    first = client.get(LIST).content.decode()
    assert "第34批.csv" in first and "第5批.csv" in first and "第4批.csv" not in first
    oldest_shown = ImportLog.objects.order_by("-pk")[29].pk
    assert f'href="?before={oldest_shown}"' in first
    second = client.get(f"{LIST}?before={oldest_shown}").content.decode()
    assert "第4批.csv" in second and "第5批.csv" not in second
    assert client.get(f"{LIST}?before=x").status_code == 400


@pytest.mark.parametrize("n", [3, 30])
def test_the_import_log_takes_the_same_queries_at_any_size(orgs, officer_a, client_for, django_assert_num_queries, n):
    make_logs(orgs, officer_a, n)
    client = client_for(officer_a)
    client.get(LIST)  # the session and the membership are the same at every size

    with django_assert_num_queries(QUERIES_OF_THE_LOG_PAGE):
        client.get(LIST)


# Session, user, membership, unread messages, the page of imports with their users.
QUERIES_OF_THE_LOG_PAGE = 5


def test_officers_find_the_imports_in_their_navigation(officer_a, client_for):
    assert f'<a href="{LIST}" aria-current="page">数据导入</a>' in client_for(officer_a).get(LIST).content.decode()


# --- who may open the pages -------------------------------------------------------------------------------


@pytest.fixture
def checked_import(officer_a, client_for) -> ImportLog:
    post_file(client_for(officer_a), csv_bytes(table(three_detentions())))
    return ImportLog.objects.get()


def import_urls(log: ImportLog) -> list[tuple[str, str]]:
    return [
        ("get", f"/detainees/imports/{log.pk}/"),
        ("post", f"/detainees/imports/{log.pk}/confirm/"),
        ("post", f"/detainees/imports/{log.pk}/discard/"),
        ("get", f"/detainees/imports/{log.pk}/progress/"),
    ]


def test_an_officer_of_another_centre_gets_404_on_every_import_url(checked_import, officer_b, client_for):
    client = client_for(officer_b)

    codes = {url: getattr(client, method)(url).status_code for method, url in import_urls(checked_import)}

    assert codes == dict.fromkeys(codes, 404)
    checked_import.refresh_from_db()
    assert (checked_import.status, Detention.objects.count()) == (ImportLog.Status.CHECKED, 0)


OTHER_ROLES = [role for role in Role if role not in (Role.OFFICER, Role.CENTRE_LEADER)]


@pytest.mark.parametrize("role", OTHER_ROLES)
def test_other_roles_get_403_on_every_import_url(checked_import, request, client_for, role):
    client = client_for(request.getfixturevalue(PERSONA_OF_ROLE[role]))

    urls = [("get", LIST), ("post", LIST), *import_urls(checked_import)]
    codes = {(method, url): getattr(client, method)(url).status_code for method, url in urls}

    assert codes == dict.fromkeys(codes, 403)


def test_anonymous_visitors_are_sent_to_sign_in(checked_import, anonymous_client):
    response = anonymous_client.get(f"/detainees/imports/{checked_import.pk}/")

    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_a_leader_of_the_centre_may_confirm_an_officers_import(checked_import, leader_a, client_for):
    client_for(leader_a).post(f"/detainees/imports/{checked_import.pk}/confirm/")

    assert Detention.objects.count() == 3
