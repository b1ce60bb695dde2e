"""/api/v1/detentions/: scoped to the caller's centre, masked, created through record_intake.

Who: officers and leaders of a centre. Every other role gets 403 on every method (not an empty list), an
officer of another centre 404 on a detention of this one, an anonymous caller 401.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import Role
from detainees import api, selectors, services
from detainees.deadlines import assessment_due_at
from detainees.models import Detention, Person
from tests.conftest import PASSWORD, PERSONA_OF_ROLE, make_person

from .conftest import FIXED_NOW, ID_MAN, ID_OTHER, ID_WOMAN, PHONE, local

LIST = "/api/v1/detentions/"


def detail_url(detention: Detention | int) -> str:
    return f"{LIST}{getattr(detention, 'pk', detention)}/"


@pytest.fixture(autouse=True)
def frozen():
    # The services compare admissions with the current time: freeze it where the fixed data live.
    with time_machine.travel(FIXED_NOW, tick=False):
        yield


@pytest.fixture
def detention_a(make_detention, officer_a) -> Detention:
    return make_detention(
        admitted_at=local(2026, 3, 2, 15, 0),
        external_ref="JLS-A-0001",
        decision_number="余公（治）决字〔2026〕101号",
        cell="3",
        responsible_officer=officer_a,
    )


def post(client: Client, data: dict):
    return client.post(LIST, json.dumps(data), content_type="application/json")


def body(response) -> str:
    return response.content.decode()


def valid_payload(**changes) -> dict:
    payload = {
        "person": {"id_number": ID_WOMAN, "name": "钱秀英", "phone": "139 0000 1111", "current_address": "余姚市"},
        "kind": "administrative",
        "admitted_at": "2026-03-09T10:30:00+08:00",
        "detention_days": 10,
        "external_ref": "JLS-A-0002",
        "decision_number": "余公（治）决字〔2026〕102号",
        "handling_unit": "余姚市公安局阳明派出所",
        "reason": "殴打他人",
        "cell": "5",
    }
    payload.update(changes)
    return payload


def counts() -> tuple[int, int]:
    return Person.objects.count(), Detention.objects.count()


# --- reading -----------------------------------------------------------------------------------------


def test_an_officer_lists_the_detentions_of_the_centre_newest_first(client_for, officer_a, make_detention, orgs):
    older = make_detention(admitted_at=local(2026, 3, 1, 8, 0))
    newer = make_detention(id_number=ID_WOMAN, name="钱秀英", admitted_at=local(2026, 3, 5, 8, 0))
    make_detention(id_number=ID_OTHER, name="孙某", facility=orgs.centre_b)

    response = client_for(officer_a).get(LIST)

    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [newer.pk, older.pk]
    assert response.json()["next"] is None


def test_a_detail_shows_the_detention_with_masked_numbers(client_for, officer_a, detention_a):
    response = client_for(officer_a).get(detail_url(detention_a))

    assert response.status_code == 200
    data = response.json()
    assert data["person"] == {
        "id": detention_a.person_id,
        "id_type": "resident_id",
        "id_number_masked": "330281********1233",
        "name": "赵建军",
        "sex": "M",
        "phone_masked": "138****1234",
    }
    assert data["facility"] == {"code": "330281-JLS", "name": "余姚市拘留所"}
    assert data["responsible_officer"] == {"username": "yy_officer", "full_name": "张明"}
    assert {
        key: data[key] for key in ("kind", "status", "external_ref", "cell", "admitted_at", "assessment_due_at")
    } == {
        "kind": "administrative",
        "status": "in_custody",
        "external_ref": "JLS-A-0001",
        "cell": "3",
        "admitted_at": "2026-03-02T15:00:00+08:00",
        "assessment_due_at": "2026-03-05T23:59:59.999999+08:00",
    }


def test_the_detail_sends_every_fact_of_the_detention():
    # Detention.FACT_FIELDS is the one list of a detention's facts; the API's own field order stays.
    assert set(Detention.FACT_FIELDS) <= set(api.DetentionSerializer.Meta.fields)


def test_a_leader_of_the_centre_reads_it_too(client_for, leader_a, detention_a):
    client = client_for(leader_a)

    assert client.get(detail_url(detention_a)).status_code == 200
    assert [row["id"] for row in client.get(LIST).json()["results"]] == [detention_a.pk]


def test_an_officer_of_another_centre_gets_404_and_an_empty_list(client_for, officer_b, detention_a):
    client = client_for(officer_b)

    assert client.get(detail_url(detention_a)).status_code == 404
    response = client.get(LIST)
    assert response.status_code == 200
    assert response.json()["results"] == []


def test_a_detention_that_does_not_exist_is_404(client_for, officer_a, detention_a):
    client = client_for(officer_a)

    assert client.get(detail_url(detention_a.pk + 1000)).status_code == 404
    assert client.get(detail_url(10**30)).status_code == 404
    assert client.get(f"{LIST}abc/").status_code == 404


def test_after_a_transfer_the_detention_belongs_to_the_receiving_centre(
    client_for, officer_a, officer_b, detention_a, orgs
):
    services.transfer_detention(
        detention_a, to_facility=orgs.centre_b, moved_at=local(2026, 3, 4, 9, 0), acting_user=officer_a
    )

    assert client_for(officer_a).get(detail_url(detention_a)).status_code == 404
    assert client_for(officer_b).get(detail_url(detention_a)).json()["facility"]["code"] == "330282-JLS"


NON_CENTRE_ROLES = [role for role in PERSONA_OF_ROLE if role not in (Role.OFFICER, Role.CENTRE_LEADER)]


@pytest.mark.parametrize("role", NON_CENTRE_ROLES)
def test_every_other_role_gets_403_on_every_method(request, client_for, detention_a, role):
    client = client_for(request.getfixturevalue(PERSONA_OF_ROLE[role]))
    before = counts()

    responses = [client.get(LIST), client.get(detail_url(detention_a)), post(client, valid_payload())]

    assert [response.status_code for response in responses] == [403, 403, 403]
    assert responses[0].json() == {"detail": "只有拘留所民警和所领导可以使用此接口"}
    assert "赵建军" not in "".join(body(response) for response in responses)
    assert counts() == before


def test_a_user_without_a_membership_gets_403(client_for, detention_a, django_user_model):
    nobody = django_user_model.objects.create_user(username="no_membership", password=PASSWORD)

    assert client_for(nobody).get(LIST).status_code == 403


def test_an_anonymous_caller_gets_401(anonymous_client, detention_a):
    before = counts()

    responses = [anonymous_client.get(LIST), anonymous_client.get(detail_url(detention_a)), post(anonymous_client, {})]

    assert [response.status_code for response in responses] == [401, 401, 401]
    assert counts() == before


def test_a_partner_system_signs_in_with_a_token(officer_a, detention_a):
    token = Client().post("/api/v1/auth/token/", {"username": officer_a.username, "password": PASSWORD}).json()["token"]
    client = Client(HTTP_AUTHORIZATION=f"Token {token}")

    assert [row["id"] for row in client.get(LIST).json()["results"]] == [detention_a.pk]
    assert client.get(detail_url(detention_a)).status_code == 200
    response = post(client, valid_payload())
    assert response.status_code == 201, response.content
    assert Client(HTTP_AUTHORIZATION="Token " + "0" * 40).get(LIST).status_code == 401


def test_no_response_carries_a_full_id_or_phone_number(client_for, officer_a, detention_a, make_detention):
    passport_holder = make_detention(
        id_type=Person.IdType.PASSPORT, id_number="E12345678", name="外籍人员", phone="+86 137 0000 2222"
    )
    client = client_for(officer_a)

    responses = [
        client.get(LIST),
        client.get(detail_url(detention_a)),
        client.get(detail_url(passport_holder)),
        post(client, valid_payload()),
    ]

    assert [response.status_code for response in responses] == [200, 200, 200, 201]
    text = "".join(body(response) for response in responses)
    # The birth date would be the eight digits the mask hides: it is not sent either.
    secrets = (ID_MAN, ID_WOMAN, ID_MAN[6:14], ID_WOMAN[6:14], PHONE, "139 0000 1111", "E12345678", "137 0000 2222")
    for secret in secrets:
        assert secret not in text
    assert "*****5678" in text and "137****2222" in text


# --- filters and pages ---------------------------------------------------------------------------------


def test_the_list_filters_by_status_and_admission_time(client_for, officer_a, make_detention):
    released = make_detention(admitted_at=local(2026, 3, 1, 8, 0), detention_days=2)
    services.release_detention(released, released_at=local(2026, 3, 3, 8, 0), acting_user=officer_a)
    in_custody = make_detention(id_number=ID_WOMAN, name="钱秀英", admitted_at=local(2026, 3, 5, 8, 0))
    client = client_for(officer_a)

    def ids(**params) -> list[int]:
        response = client.get(LIST, params)
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["results"]]

    assert ids(status="released") == [released.pk]
    assert ids(status="in_custody") == [in_custody.pk]
    # admitted_after includes its moment, admitted_before excludes it.
    assert ids(admitted_after="2026-03-05T08:00:00+08:00") == [in_custody.pk]
    assert ids(admitted_after="2026-03-05T08:00:01+08:00") == []
    assert ids(admitted_before="2026-03-05T08:00:00+08:00") == [released.pk]
    assert ids(admitted_before="2026-03-05T08:00:01+08:00") == [in_custody.pk, released.pk]


def test_a_bad_filter_value_is_400(client_for, officer_a):
    client = client_for(officer_a)

    assert client.get(LIST, {"status": "escaped"}).status_code == 400
    assert client.get(LIST, {"admitted_after": "yesterday"}).status_code == 400


def test_the_cursor_pages_through_every_row_once(client_for, officer_a, orgs, monkeypatch):
    rows = add_detentions(orgs.centre_a, officer_a, 5)
    monkeypatch.setattr(api.DetentionPagination, "page_size", 2)
    client = client_for(officer_a)

    seen, url = [], LIST
    while url:
        page = client.get(url).json()
        assert len(page["results"]) <= 2
        seen += [row["id"] for row in page["results"]]
        url = page["next"]

    assert seen == [row.pk for row in sorted(rows, key=lambda row: (row.admitted_at, row.pk), reverse=True)]


def add_detentions(facility, officer, count: int, *, start: int = 0) -> list[Detention]:
    """`count` detentions of different people (passport holders), made in bulk: enough rows for the
    query-count test without 50 trips through the intake service."""
    persons = Person.objects.bulk_create(
        Person(id_type=Person.IdType.PASSPORT, id_number=f"P{index:08d}") for index in range(start, start + count)
    )
    detentions = []
    for offset, person in enumerate(persons, start=start):
        admitted_at = local(2026, 3, 1, 8, 0) + timedelta(hours=offset)
        scheduled = admitted_at + timedelta(days=10)
        detentions.append(
            Detention(
                person=person,
                name=f"测试{offset}",
                phone=f"1370000{offset:04d}",
                facility=facility,
                kind=Detention.Kind.ADMINISTRATIVE,
                admitted_at=admitted_at,
                detention_days=10,
                scheduled_release_at=scheduled,
                responsible_officer=officer,
                assessment_due_at=assessment_due_at(
                    admitted_at=admitted_at, scheduled_release_at=scheduled, released_at=None
                ),
            )
        )
    return Detention.objects.bulk_create(detentions)


# Session, user, membership, the page.
LIST_QUERIES = 4


def test_the_list_costs_the_same_queries_for_5_and_50_rows(client_for, officer_a, orgs, django_assert_num_queries):
    client = client_for(officer_a)
    add_detentions(orgs.centre_a, officer_a, 5)

    with django_assert_num_queries(LIST_QUERIES):
        five = client.get(LIST)
    add_detentions(orgs.centre_a, officer_a, 45, start=5)
    with django_assert_num_queries(LIST_QUERIES):
        fifty = client.get(LIST)

    assert (len(five.json()["results"]), len(fifty.json()["results"])) == (5, 50)
    assert all(row["responsible_officer"]["username"] == "yy_officer" for row in fifty.json()["results"])


def test_a_detail_costs_a_fixed_number_of_queries(client_for, officer_a, detention_a):
    client = client_for(officer_a)

    with CaptureQueriesContext(connection) as queries:
        client.get(detail_url(detention_a))

    assert len(queries) == LIST_QUERIES


# --- creating ------------------------------------------------------------------------------------------


def test_an_officer_records_an_intake(client_for, officer_a, orgs):
    response = post(client_for(officer_a), valid_payload(responsible_officer="yy_officer"))

    assert response.status_code == 201, response.content
    detention = Detention.objects.get()
    assert response.json()["id"] == detention.pk
    assert response.json()["person"]["id_number_masked"] == "330281********1243"
    assert (detention.facility, detention.responsible_officer, detention.external_ref) == (
        orgs.centre_a,
        officer_a,
        "JLS-A-0002",
    )
    assert (detention.admitted_at, detention.scheduled_release_at) == (
        local(2026, 3, 9, 10, 30),
        local(2026, 3, 19, 10, 30),
    )
    assert detention.assessment_due_at == assessment_due_at(
        admitted_at=local(2026, 3, 9, 10, 30), scheduled_release_at=local(2026, 3, 19, 10, 30), released_at=None
    )
    person = detention.person
    assert (person.id_number, detention.name, person.sex, detention.phone) == (ID_WOMAN, "钱秀英", "F", "139 0000 1111")


def test_a_leader_records_an_intake_naming_the_own_centre(client_for, leader_a, orgs):
    response = post(client_for(leader_a), valid_payload(facility_code="330281-JLS"))

    assert response.status_code == 201, response.content
    assert Detention.objects.get().facility == orgs.centre_a


def test_a_known_person_is_found_by_a_differently_written_number(client_for, officer_a, make_detention):
    earlier = make_detention(id_number=ID_WOMAN, admitted_at=local(2026, 1, 5, 8, 0), detention_days=5)
    services.release_detention(earlier, released_at=local(2026, 1, 10, 8, 0), acting_user=officer_a)
    spelled = valid_payload(person={"id_number": "３３０２８１ １９９００１０１ １２４３", "name": "钱秀英"})

    response = post(client_for(officer_a), spelled)

    assert response.status_code == 201, response.content
    assert response.json()["person"]["id"] == earlier.person_id
    assert Person.objects.count() == 1


def test_an_intake_for_another_centre_is_refused(client_for, officer_a, orgs):
    for code in ("330282-JLS", "NO-SUCH-CODE"):
        response = post(client_for(officer_a), valid_payload(facility_code=code))

        assert response.status_code == 400
        assert response.json() == {"facility_code": ["只能登记本所（余姚市拘留所）的入所记录"]}
    assert counts() == (0, 0)


@pytest.mark.parametrize(
    "changes, errors",
    [
        (
            {"person": {"id_number": ID_WOMAN[:17] + "0", "name": "钱秀英"}},
            {"person": {"id_number": ["身份证号码校验位不正确，请核对号码"]}},
        ),
        (
            {"person": {"id_type": "unknown", "name": "无名氏"}},
            {"person": {"unknown_identity_description": ["身份不明时必须填写情况说明"]}},
        ),
        ({"person": {"id_number": ID_WOMAN}}, {"person": {"name": ["该字段是必填项。"]}}),
        ({"released_at": "2026-03-09T10:29:59+08:00"}, {"released_at": ["出所时间不能早于入所时间"]}),
        ({"admitted_at": "2026-03-10T09:00:01+08:00"}, {"admitted_at": ["入所时间不能晚于当前时间"]}),
        ({"detention_days": None}, {"detention_days": ["请填写拘留天数或预计出所时间"]}),
        ({"detention_days": 31}, {"detention_days": ["请确保该值小于或者等于 30。"]}),
        ({"kind": "criminal"}, {"kind": ["“criminal” 不是合法选项。"]}),
        (
            {"admitted_at": "2026-02-30 10:00"},
            {
                "admitted_at": [
                    "日期时间格式错误。请从这些格式中选择：YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]。"
                ]
            },
        ),
        ({"responsible_officer": "cx_officer"}, {"responsible_officer": ["责任民警须为本所在职民警或所领导"]}),
    ],
)
def test_bad_data_is_refused_with_chinese_messages_by_field_and_nothing_is_saved(
    client_for, officer_a, officer_b, changes, errors
):
    response = post(client_for(officer_a), valid_payload(**changes))

    assert response.status_code == 400
    assert response.json() == errors
    assert counts() == (0, 0)


def test_a_missing_body_lists_every_required_field(client_for, officer_a):
    response = post(client_for(officer_a), {})

    assert response.status_code == 400
    assert response.json() == {
        "person": ["该字段是必填项。"],
        "kind": ["该字段是必填项。"],
        "admitted_at": ["该字段是必填项。"],
    }


def test_an_officer_placed_outside_a_centre_cannot_record_an_intake(client_for, orgs):
    # A membership set up by mistake: the officer role at the county, not at its centre.
    misplaced = make_person("misplaced", "错配民警", orgs.yuyao, Role.OFFICER)
    client = client_for(misplaced)

    assert client.get(LIST).json()["results"] == []
    response = post(client, valid_payload())
    assert response.status_code == 400
    assert response.json() == {"facility_code": ["只能选择拘留所"]}
    assert counts() == (0, 0)


def test_a_duplicate_platform_reference_is_refused(client_for, officer_a, detention_a):
    before = counts()

    response = post(client_for(officer_a), valid_payload(external_ref="JLS-A-0001"))

    assert response.status_code == 400
    assert response.json() == {"external_ref": ["入所编号 JLS-A-0001 已存在"]}
    assert counts() == before


def test_a_second_detention_in_custody_is_refused(client_for, officer_a, detention_a):
    before = counts()

    response = post(client_for(officer_a), valid_payload(person={"id_number": ID_MAN, "name": "赵建军"}))

    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["此人已有一条在所记录，请先办理出所或转所"]}
    assert counts() == before


def test_a_form_encoded_body_is_refused(client_for, officer_a):
    response = client_for(officer_a).post(LIST, {"kind": "administrative"})

    assert response.status_code == 415
    assert counts() == (0, 0)


# --- the OpenAPI document ------------------------------------------------------------------------------


def test_the_schema_describes_the_detention_endpoints(anonymous_client):
    document = anonymous_client.get("/api/schema/", {"format": "json"}).json()

    assert set(document["paths"][LIST]) == {"get", "post"}
    assert set(document["paths"]["/api/v1/detentions/{id}/"]) == {"get"}
    parameters = {parameter["name"] for parameter in document["paths"][LIST]["get"]["parameters"]}
    assert parameters == {"cursor", "status", "admitted_after", "admitted_before"}
    schemas = document["components"]["schemas"]
    assert document["paths"][LIST]["post"]["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/DetentionCreate"
    }
    assert "id_number" in schemas["DetentionPersonInput"]["properties"]
    # What leaves the API is masked, and says so in its name.
    assert {"id_number_masked", "phone_masked"} <= set(schemas["DetentionPerson"]["properties"])
    assert {"id_number", "phone", "birth_date"}.isdisjoint(schemas["DetentionPerson"]["properties"])


def test_the_list_reads_the_centres_detentions_in_order_from_one_index_range(officer_a, make_detention):
    """Newest admission first, as DetentionPagination pages them: an index on (facility, admitted_at
    desc, id desc) serves the page without reading and sorting the centre's every detention."""
    make_detention()
    queryset = selectors.visible_to(officer_a).order_by("-admitted_at", "-id")[:51]

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE detainees_detention")
        # SET LOCAL: only for the test's transaction, not for the connection the next test reuses.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
    plan = queryset.explain()

    assert "detention_admitted_idx" in plan and "Sort" not in plan
