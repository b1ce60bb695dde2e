"""The centre's worklist: people in custody with the assessment state on both sides of its due time,
filters, the search sent by POST, keyset pagination and a query count that does not grow with rows."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Role
from casework import views
from detainees import selectors, services
from detainees.models import Detention
from detainees.selectors import WorklistCursor
from tests.conftest import make_person

from .conftest import ID_MAN, ID_WOMAN, PHONE, local, resident_id

WORKLIST = "/detainees/"
# session, user, membership (+ organization), the rows (person joined, the officer's name and the open
# leads annotated), the inbox's unread count.
WORKLIST_QUERIES = 5


def html_of(response) -> str:
    return response.content.decode()


def names(response) -> list[str]:
    return [row.name for row in response.context["rows"]]


def state_of(client, detention: Detention) -> str:
    [row] = [row for row in client.get(WORKLIST).context["rows"] if row.pk == detention.pk]
    return row.state


# --- the due time, both sides ------------------------------------------------------------------------


def test_the_worklist_shows_the_assessment_state_on_both_sides_of_the_due_time(make_detention, officer_a, client_for):
    detention = make_detention()  # admitted 2026-03-02 15:00: due 2026-03-05 23:59:59.999999
    due = detention.assessment_due_at
    assert due == local(2026, 3, 5, 23, 59, 59, 999999)
    client = client_for(officer_a)

    expectations = [
        (due - timedelta(days=1), "open", "待评估"),
        (due - timedelta(days=1) + timedelta(microseconds=1), "due_soon", "即将到期"),
        (due, "due_soon", "即将到期"),
        (due + timedelta(microseconds=1), "overdue", "已逾期"),
    ]
    for moment, state, label in expectations:
        with time_machine.travel(moment, tick=False):
            response = client.get(WORKLIST)
            assert [row.state for row in response.context["rows"]] == [state], moment
            assert label in html_of(response)
            assert names(client.get(WORKLIST, {"overdue": "on"})) == (["赵建军"] if state == "overdue" else [])
            assert names(client.get(WORKLIST, {"due_soon": "on"})) == (["赵建军"] if state == "due_soon" else [])

    with time_machine.travel(due + timedelta(hours=1), tick=False):
        services.complete_assessment(
            detention, risk_tags=[], risk_level="low", screening_result="none_found", acting_user=officer_a
        )
        assert state_of(client, detention) == "done"
        assert names(client.get(WORKLIST, {"overdue": "on"})) == []


# --- what the rows show --------------------------------------------------------------------------------


def test_the_rows_show_masked_numbers_days_to_release_and_no_open_leads(make_detention, officer_a, client_for):
    make_detention(responsible_officer=officer_a, cell="3 号监室")  # release 2026-03-12 15:00

    with time_machine.travel(local(2026, 3, 10, 9, 0), tick=False):
        response = client_for(officer_a).get(WORKLIST)

    html = html_of(response)
    assert "330281********1233" in html and "138****1234" in html
    assert ID_MAN not in html and PHONE not in html
    assert "还有 2 天" in html
    assert "张明" in html  # the responsible officer
    [row] = response.context["rows"]
    assert row.open_leads == 0  # counted by the disputes app (casework.selectors.worklist)
    assert "<td>—</td>" in html


@pytest.mark.parametrize(
    "moment, text",
    [
        (local(2026, 3, 11, 23, 59), "还有 1 天"),
        (local(2026, 3, 12, 0, 0), "今天"),
        (local(2026, 3, 12, 23, 59), "今天"),  # the release time (15:00) has passed, the day has not
        (local(2026, 3, 13, 0, 0), "已过 1 天"),  # still in custody after the scheduled day
    ],
)
def test_the_days_to_release_count_calendar_days_in_local_time(make_detention, officer_a, client_for, moment, text):
    make_detention()  # release 2026-03-12 15:00

    with time_machine.travel(moment, tick=False):
        html = html_of(client_for(officer_a).get(WORKLIST))

    assert f"<small>{text}</small>" in html


def test_the_row_texts_follow_the_chosen_language(make_detention, officer_a, client_for):
    make_detention(responsible_officer=officer_a)
    client = client_for(officer_a)
    client.cookies["django_language"] = "en"

    with time_machine.travel(local(2026, 3, 10, 9, 0), tick=False):
        html = html_of(client.get(WORKLIST))

    assert "2 days left" in html and ">Overdue</span>" in html and "Due <time" in html


def test_the_officer_column_shows_the_name_else_the_username_else_a_dash(make_detention, officer_a, orgs, client_for):
    nameless = make_person("yy_officer3", "", orgs.centre_a, Role.OFFICER)
    make_detention(name="有民警", id_number=resident_id(1), responsible_officer=officer_a)
    make_detention(name="无姓名民警", id_number=resident_id(2), responsible_officer=nameless)
    make_detention(name="无民警", id_number=resident_id(3), responsible_officer=None)

    with time_machine.travel(local(2026, 3, 10, 9, 0), tick=False):
        html = html_of(client_for(officer_a).get(WORKLIST))

    officers = [row.split("<td>")[-1].split("</td>")[0] for row in html.split("</tr>")[1:4]]
    assert officers == ["张明", "yy_officer3", "—"]


def test_the_rows_query_reads_no_password_hash_and_no_unshown_number(make_detention, officer_a, client_for):
    make_detention(responsible_officer=officer_a)

    with time_machine.travel(local(2026, 3, 10, 9, 0), tick=False), CaptureQueriesContext(connection) as queries:
        client_for(officer_a).get(WORKLIST)

    [rows_sql] = [q["sql"] for q in queries if q["sql"].startswith('SELECT "detainees_detention"."id"')]
    # The officer's name only: not the password hash, nor the officer's (encrypted) phone number.
    assert '"accounts_user"."password"' not in rows_sql and '"accounts_user"."phone"' not in rows_sql
    # The person's numbers are shown (masked): the document of the person, the phone this centre
    # recorded on the detention; the addresses are not read.
    assert '"detainees_person"."id_number"' in rows_sql and '"detainees_detention"."phone"' in rows_sql
    assert '"detainees_detention"."household_address"' not in rows_sql


def test_released_and_other_centres_people_are_not_on_the_worklist(make_detention, officer_a, orgs, client_for):
    make_detention(name="在所甲", id_number=resident_id(1))
    make_detention(
        name="已出所乙",
        id_number=resident_id(2),
        admitted_at=local(2026, 3, 1, 9, 0),
        released_at=local(2026, 3, 6, 9, 0),
    )
    make_detention(name="慈溪丙", id_number=resident_id(3), facility=orgs.centre_b)

    with time_machine.travel(local(2026, 3, 10, 9, 0), tick=False):
        assert names(client_for(officer_a).get(WORKLIST)) == ["在所甲"]


# --- filters ---------------------------------------------------------------------------------------------


@pytest.fixture
def centre_a_people(make_detention, officer_a, orgs):
    """Four people in custody at centre A on 2026-03-10 09:00, each matching one filter."""
    colleague = make_person("yy_officer2", "李强", orgs.centre_a, Role.OFFICER)
    overdue = make_detention(
        name="逾期甲", id_number=resident_id(1), admitted_at=local(2026, 3, 5, 10, 0), responsible_officer=colleague
    )
    due_soon = make_detention(
        name="将到期乙", id_number=resident_id(2), admitted_at=local(2026, 3, 7, 8, 0), responsible_officer=officer_a
    )
    make_detention(name="待评估丙", id_number=resident_id(3), admitted_at=local(2026, 3, 9, 10, 0))
    risky = make_detention(
        name="高风险丁", id_number=resident_id(4), admitted_at=local(2026, 3, 6, 10, 0), responsible_officer=colleague
    )
    services.complete_assessment(
        risky,
        risk_tags=["violence"],
        risk_level="high",
        screening_result="none_found",
        acting_user=officer_a,
        now=local(2026, 3, 7, 10, 0),
    )
    return {"overdue": overdue, "due_soon": due_soon, "risky": risky}


@pytest.mark.parametrize(
    "query, expected",
    [
        ({}, ["逾期甲", "高风险丁", "将到期乙", "待评估丙"]),  # soonest release first
        ({"mine": "on"}, ["将到期乙"]),
        ({"overdue": "on"}, ["逾期甲"]),
        ({"due_soon": "on"}, ["将到期乙"]),
        ({"high_risk": "on"}, ["高风险丁"]),
        ({"mine": "on", "overdue": "on"}, []),
    ],
)
def test_the_filters(centre_a_people, officer_a, client_for, query, expected):
    with time_machine.travel(local(2026, 3, 10, 9, 0), tick=False):
        response = client_for(officer_a).get(WORKLIST, query)

    assert names(response) == expected


# --- the search, by POST ---------------------------------------------------------------------------------


@pytest.fixture
def searchable(make_detention, orgs):
    make_detention(name="赵建军", id_number=ID_MAN)
    make_detention(name="钱芳", id_number=ID_WOMAN, admitted_at=local(2026, 3, 3, 9, 0))
    make_detention(name="赵建国", id_number=resident_id(7), facility=orgs.centre_b)


@pytest.mark.parametrize(
    "text, expected",
    [
        (ID_MAN, ["赵建军"]),
        (" 3302 8119 8503 1512 33 ", ["赵建军"]),  # spaces are no part of the number
        ("３３０２８１１９９００１０１１２４３", ["钱芳"]),  # full-width digits
        ("钱芳", ["钱芳"]),
        ("建", ["赵建军"]),  # part of a name; 赵建国 is at another centre
        ("330281", []),  # part of a number does not match: only the whole number is looked up
        ("王", []),
    ],
)
def test_the_search_by_post_finds_by_exact_id_number_or_by_name(searchable, officer_a, client_for, text, expected):
    with time_machine.travel(local(2026, 3, 10, 9, 0), tick=False):
        response = client_for(officer_a).post(WORKLIST, {"q": text})

    assert response.status_code == 200
    assert names(response) == expected
    # The search term travels in the body only: not in the URL, and the results stay masked.
    assert response.request["PATH_INFO"] == WORKLIST
    assert response.request.get("QUERY_STRING", "") == ""
    html = html_of(response)
    table = html[html.index("<table") : html.index("</table>")]
    assert ID_MAN not in table and ID_WOMAN not in table
    assert "查找结果" in html
    # The page holds what was typed (in the search box): the browser must not keep it.
    assert "no-store" in response["Cache-Control"]


def test_the_search_finds_released_people_of_the_centre_too(make_detention, officer_a, client_for):
    make_detention(admitted_at=local(2026, 3, 1, 9, 0), released_at=local(2026, 3, 6, 9, 0))

    with time_machine.travel(local(2026, 3, 10, 9, 0), tick=False):
        response = client_for(officer_a).post(WORKLIST, {"q": ID_MAN})

    assert names(response) == ["赵建军"]
    assert "已出所" in html_of(response)


def test_an_old_15_digit_number_finds_the_person(make_detention, officer_a, client_for):
    make_detention(id_number="330281850315123")  # stored as 330281198503151233
    with time_machine.travel(local(2026, 3, 10, 9, 0), tick=False):
        assert names(client_for(officer_a).post(WORKLIST, {"q": "330281850315123"})) == ["赵建军"]
        assert names(client_for(officer_a).post(WORKLIST, {"q": ID_MAN})) == ["赵建军"]


def test_an_empty_search_shows_the_error_and_no_rows(searchable, officer_a, client_for):
    response = client_for(officer_a).post(WORKLIST, {"q": "  "})

    assert response.context["rows"] == []
    assert "该字段是必填项" in html_of(response)


# --- pagination -------------------------------------------------------------------------------------------


def test_the_worklist_pages_with_an_opaque_cursor(make_detention, officer_a, client_for, monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    for serial in range(5):
        make_detention(
            name=f"人员{serial}", id_number=resident_id(serial), admitted_at=local(2026, 3, 2, 9, 0), detention_days=10
        )  # the same release time: the id breaks the tie
    client = client_for(officer_a)

    seen, url, pages = [], WORKLIST, 0
    with time_machine.travel(local(2026, 3, 10, 9, 0), tick=False):
        while url:
            response = client.get(url if url.startswith("/") else WORKLIST + url)
            seen += names(response)
            url = response.context["next_url"]
            pages += 1
            if url:
                token = url.split("after=")[1]
                assert "2026" not in token  # opaque, not a readable date
                assert WorklistCursor.decode(token).pk == response.context["rows"][-1].pk

    assert pages == 3
    assert seen == [f"人员{serial}" for serial in range(5)]


def test_a_search_pages_by_post_too(make_detention, officer_a, client_for, monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    for serial in range(3):
        make_detention(name=f"赵{serial}", id_number=resident_id(serial))
    client = client_for(officer_a)

    first = client.post(WORKLIST, {"q": "赵"})
    second = client.post(WORKLIST, {"q": "赵", "after": first.context["next_cursor"]})

    assert names(first) + names(second) == ["赵0", "赵1", "赵2"]
    assert second.context["next_cursor"] is None
    assert f'name="after" value="{first.context["next_cursor"]}"' in html_of(first)


def test_a_page_after_the_cursor_is_one_range_of_the_in_custody_index(make_detention, officer_a):
    """The cursor is compared as a row value, (scheduled release, id) > (t, n): an Index Cond on
    detention_in_custody_idx, so a deep page reads its own rows instead of every row before it."""
    for serial in range(3):
        admitted_at = local(2026, 3, 2 + serial, 9, 0)
        make_detention(name=f"人员{serial}", id_number=resident_id(serial), admitted_at=admitted_at)
    now = local(2026, 3, 10, 9, 0)
    first = selectors.worklist(officer_a, now=now)[0]
    cursor = WorklistCursor(first.scheduled_release_at, first.pk)
    queryset = selectors.worklist(officer_a, now=now, after=cursor)[: views.PAGE_SIZE + 1]

    with connection.cursor() as db:
        db.execute("ANALYZE detainees_detention")
        # SET LOCAL: only for the test's transaction, not for the connection the next test reuses.
        db.execute("SET LOCAL enable_seqscan = off")
        # On a small table whose statistics earlier tests left behind, sorting a few rows can look
        # cheaper than reading them in order; the question here is whether the index serves the range
        # and the order, as it does on the real tiers (bench/lists.py, list_plans).
        db.execute("SET LOCAL enable_sort = off")
    plan = queryset.explain()

    assert "detention_in_custody_idx" in plan, plan
    assert "Index Cond: ((facility_id = " in plan and "(ROW(scheduled_release_at, id) > ROW(" in plan
    assert [row.name for row in queryset] == ["人员1", "人员2"]


@pytest.mark.parametrize("cursor", ["nonsense", "MjAyNi0wMy0xMg", "!!!"])
def test_a_forged_cursor_is_a_bad_request(officer_a, client_for, cursor):
    assert client_for(officer_a).get(WORKLIST, {"after": cursor}).status_code == 400


# --- the query count -------------------------------------------------------------------------------------


def worklist_queries(client) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(WORKLIST)
    return len(queries), len(response.context["rows"])


def test_the_query_count_is_the_same_for_5_and_50_rows(make_detention, officer_a, orgs, client_for):
    colleague = make_person("yy_officer2", "李强", orgs.centre_a, Role.OFFICER)

    def add(serials):
        for serial in serials:
            detention = make_detention(
                name=f"人员{serial}",
                id_number=resident_id(serial),
                responsible_officer=(officer_a, colleague, None)[serial % 3],
            )
            if serial % 2:
                services.complete_assessment(
                    detention,
                    risk_tags=["family_conflict"],
                    risk_level="medium",
                    screening_result="leads_found",
                    acting_user=officer_a,
                    now=local(2026, 3, 3, 9, 0),
                )

    client = client_for(officer_a)
    with time_machine.travel(local(2026, 3, 10, 9, 0), tick=False):
        add(range(5))
        small = worklist_queries(client)
        add(range(5, 50))
        large = worklist_queries(client)

    assert small == (WORKLIST_QUERIES, 5)
    assert large == (WORKLIST_QUERIES, 50)
