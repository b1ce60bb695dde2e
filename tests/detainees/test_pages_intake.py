"""The intake and assessment pages: an officer takes a person from intake to a completed assessment in
the browser, and bad input leaves the database as it was."""

from __future__ import annotations

import re

import pytest
import time_machine

from detainees.models import Detention, FamilyContact, IntakeAssessment, Person

from .conftest import ID_MAN, ID_WOMAN, PHONE, local

INTAKE = "/detainees/new/"


def intake_data(**changes) -> dict:
    """A complete, valid intake form as a browser posts it (datetime-local values, local time)."""
    data = {
        "id_type": "resident_id",
        "id_number": ID_MAN,
        "unknown_identity_description": "",
        "name": "赵建军",
        "phone": PHONE,
        "household_address": "浙江省余姚市阳明街道新建路 1 号",
        "current_address": "浙江省余姚市梨洲街道",
        "employer": "余姚市某机械厂",
        "family_1_name": "赵丽",
        "family_1_relation": "妻子",
        "family_1_phone": "13900001111",
        "family_2_name": "",
        "family_2_relation": "",
        "family_2_phone": "",
        "kind": "administrative",
        "external_ref": "JLS-2026-0001",
        "decision_number": "余公（治）决字〔2026〕第 0123 号",
        "handling_unit": "余姚市公安局阳明派出所",
        "reason": "殴打他人",
        "admitted_at": "2026-03-02T15:00",
        "detention_days": "10",
        "scheduled_release_at": "",
        "cell": "3 号监室",
        "responsible_officer": "",
    }
    data.update(changes)
    return data


def row_counts() -> tuple[int, int, int]:
    return Person.objects.count(), Detention.objects.count(), FamilyContact.objects.count()


def html_of(response) -> str:
    return response.content.decode()


# --- the whole way through -------------------------------------------------------------------------


def test_an_officer_takes_a_person_from_intake_to_a_completed_assessment(officer_a, client_for, orgs):
    client = client_for(officer_a)
    with time_machine.travel(local(2026, 3, 2, 16, 0), tick=False):
        form_page = client.get(INTAKE)
        assert form_page.status_code == 200
        assert '<label for="id_id_number">' in html_of(form_page)
        assert 'type="datetime-local"' in html_of(form_page)

        response = client.post(INTAKE, intake_data(responsible_officer=officer_a.pk))

        detention = Detention.objects.get()
        assert response.status_code == 302
        assert response["Location"] == f"/detainees/{detention.pk}/"
        assert detention.facility == orgs.centre_a  # the officer's own centre
        assert detention.responsible_officer == officer_a
        assert detention.admitted_at == local(2026, 3, 2, 15, 0)
        assert detention.scheduled_release_at == local(2026, 3, 12, 15, 0)
        assert detention.assessment_due_at == local(2026, 3, 5, 23, 59, 59, 999999)
        person = detention.person
        assert (person.id_number, detention.phone, person.sex, str(person.birth_date)) == (
            ID_MAN,
            PHONE,
            "M",
            "1985-03-15",
        )
        assert [(c.name, c.relation, c.phone) for c in detention.family_contacts.all()] == [
            ("赵丽", "妻子", "13900001111")
        ]

        detail = client.get(response["Location"])
        assert detail.status_code == 200
        assert "待评估" in html_of(detail)

    with time_machine.travel(local(2026, 3, 4, 10, 0), tick=False):
        assessment_page = client.get(f"/detainees/{detention.pk}/assessment/")
        assert assessment_page.status_code == 200
        assert "<legend>风险标签" in html_of(assessment_page)

        response = client.post(
            f"/detainees/{detention.pk}/assessment/",
            {
                "risk_tags": ["family_conflict", "enforcement_debtor"],
                "risk_level": "medium",
                "screening_result": "leads_found",
                "needs": "妻子起诉离婚，希望调解",
                "notes": "情绪稳定",
            },
        )

        assert response.status_code == 302
        assert response["Location"] == f"/detainees/{detention.pk}/"
    detention.refresh_from_db()
    assert detention.assessment_completed_at == local(2026, 3, 4, 10, 0)
    assert detention.escalation_score == 2 + 2 + 1 + 1  # two tags, medium level, leads found
    assessment = IntakeAssessment.objects.get(detention=detention)
    assert assessment.completed_by == officer_a
    assert sorted(assessment.risk_tags) == ["enforcement_debtor", "family_conflict"]

    with time_machine.travel(local(2026, 3, 4, 10, 5), tick=False):
        html = html_of(client.get(f"/detainees/{detention.pk}/"))
    assert "已完成" in html
    assert "矛盾激化风险分：6" in html
    assert "+2 风险标签：家庭矛盾" in html
    assert "+1 排查发现矛盾纠纷线索" in html
    assert "完成入所评估" in html  # on the timeline


def test_the_facility_is_the_officers_own_even_if_the_post_names_another(officer_a, client_for, orgs, frozen_now):
    response = client_for(officer_a).post(INTAKE, intake_data(facility=orgs.centre_b.pk))

    assert response.status_code == 302
    assert Detention.objects.get().facility == orgs.centre_a


def test_the_responsible_officer_is_one_of_the_centres_officers(officer_a, officer_b, client_for, frozen_now):
    response = client_for(officer_a).post(INTAKE, intake_data(responsible_officer=officer_b.pk))

    assert response.status_code == 200
    assert "选择一个有效的选项" in html_of(response)
    assert Detention.objects.count() == 0


def test_a_known_document_number_reuses_the_person(officer_a, client_for, make_detention, frozen_now):
    earlier = make_detention(admitted_at=local(2025, 6, 1, 9, 0), released_at=local(2025, 6, 6, 9, 0))
    people_before = Person.objects.count()

    response = client_for(officer_a).post(INTAKE, intake_data(id_number=ID_MAN.lower()[:-1] + ID_MAN[-1]))

    assert response.status_code == 302
    assert Person.objects.count() == people_before
    assert Detention.objects.filter(person=earlier.person).count() == 2


def test_an_unknown_identity_needs_a_description(officer_a, client_for, frozen_now):
    client = client_for(officer_a)
    response = client.post(INTAKE, intake_data(id_type="unknown", id_number=""))

    assert response.status_code == 200
    assert "身份不明时必须填写情况说明" in html_of(response)
    assert row_counts() == (0, 0, 0)

    response = client.post(
        INTAKE, intake_data(id_type="unknown", id_number="", unknown_identity_description="男，约四十岁，宁波口音")
    )
    assert response.status_code == 302
    assert Person.objects.get().id_type == "unknown"


# --- bad input: a Chinese message on the field, and nothing saved ----------------------------------


@pytest.mark.parametrize(
    "changes, field, message",
    [
        pytest.param({"id_number": ID_MAN[:-1] + "4"}, "id_number", "身份证号码校验位不正确", id="wrong-check-digit"),
        pytest.param({"id_number": "33028119850315"}, "id_number", "身份证号码应为 18 位", id="too-short"),
        pytest.param({"id_number": ""}, "id_number", "请填写证件号码", id="missing-number"),
        pytest.param(
            {"detention_days": "", "scheduled_release_at": "2026-03-01T09:00"},
            "scheduled_release_at",
            "预计出所时间不能早于入所时间",
            id="release-before-admission",
        ),
        pytest.param(
            {"admitted_at": "2026-03-11T09:00"}, "admitted_at", "入所时间不能晚于当前时间", id="admission-in-future"
        ),
        pytest.param(
            {"detention_days": "", "scheduled_release_at": ""},
            "detention_days",
            "请填写拘留天数或预计出所时间",
            id="no-days-no-release",
        ),
        pytest.param({"detention_days": "31"}, "detention_days", "小于或等于30", id="too-many-days"),
        pytest.param({"admitted_at": "2026-02-30T09:00"}, "admitted_at", "输入一个有效的日期/时间", id="no-such-day"),
        pytest.param({"name": ""}, "name", "该字段是必填项", id="no-name"),
        pytest.param(
            {"family_2_phone": "13900002222"}, "family_2_name", "请填写家属姓名", id="family-phone-without-name"
        ),
    ],
)
def test_bad_input_is_refused_in_chinese_and_saves_nothing(officer_a, client_for, frozen_now, changes, field, message):
    response = client_for(officer_a).post(INTAKE, intake_data(**changes))

    assert response.status_code == 200
    form = response.context["form"]
    assert any(message in error for error in form.errors[field]), form.errors
    assert message in html_of(response)
    assert f'id="id_{field}_error"' in html_of(response)
    assert row_counts() == (0, 0, 0)


def test_a_second_intake_while_in_custody_is_refused_and_saves_nothing(
    officer_a, client_for, make_detention, frozen_now
):
    make_detention(id_number=ID_WOMAN, name="钱芳")
    before = row_counts()

    # Also a new phone number and a family contact that the refused intake must not leave behind.
    response = client_for(officer_a).post(
        INTAKE, intake_data(id_number=ID_WOMAN, name="钱芳", phone="13700000000", external_ref="")
    )

    assert response.status_code == 200
    assert "此人已有一条在所记录" in html_of(response)
    assert row_counts() == before
    assert (Person.objects.count(), Detention.objects.get().phone) == (1, PHONE)


def test_a_duplicate_platform_reference_is_refused(officer_a, client_for, make_detention, frozen_now):
    make_detention(id_number=ID_WOMAN, name="钱芳", external_ref="JLS-2026-0001")
    before = row_counts()

    response = client_for(officer_a).post(INTAKE, intake_data())

    assert "入所编号 JLS-2026-0001 已存在" in response.context["form"].errors["external_ref"][0]
    assert row_counts() == before


# --- the assessment form ---------------------------------------------------------------------------


def test_the_assessment_form_refuses_a_missing_level_and_an_unknown_tag(
    officer_a, client_for, make_detention, frozen_now
):
    detention = make_detention()

    response = client_for(officer_a).post(
        f"/detainees/{detention.pk}/assessment/", {"risk_tags": ["martian"], "screening_result": "none_found"}
    )

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "risk_level" in errors and "risk_tags" in errors
    assert IntakeAssessment.objects.count() == 0
    detention.refresh_from_db()
    assert detention.assessment_completed_at is None


def test_the_assessment_form_shows_the_current_answers_for_a_correction(
    officer_a, client_for, make_detention, frozen_now
):
    detention = make_detention()
    client = client_for(officer_a)
    client.post(
        f"/detainees/{detention.pk}/assessment/",
        {"risk_tags": ["self_harm"], "risk_level": "high", "screening_result": "none_found"},
    )

    html = html_of(client.get(f"/detainees/{detention.pk}/assessment/"))

    assert re.search(r'<input type="checkbox" name="risk_tags" value="self_harm"[^>]* checked>', html)
    assert not re.search(r'<input type="checkbox" name="risk_tags" value="violence"[^>]* checked>', html)
    assert re.search(r'<input type="radio" name="risk_level" value="high"[^>]* checked>', html)
    assert "再次保存将更正评估内容" in html
