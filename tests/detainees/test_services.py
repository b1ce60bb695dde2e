"""The write services of detainees: intake, release, transfer, assessment and health checks."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from detainees import services
from detainees.models import Detention, FamilyContact, HealthCheck, IntakeAssessment, Movement, Person
from detainees.selectors import visible_to

from .conftest import FIXED_NOW, ID_MAN, ID_WOMAN, PHONE, local, resident_id

Tag = IntakeAssessment.RiskTag
Level = IntakeAssessment.RiskLevel
Screening = IntakeAssessment.Screening


def counts() -> dict[str, int]:
    return {
        "persons": Person.objects.count(),
        "detentions": Detention.objects.count(),
        "contacts": FamilyContact.objects.count(),
        "movements": Movement.objects.count(),
    }


def intake(facility, *, id_number: str = ID_MAN, name: str = "赵建军", now=FIXED_NOW, person_fields=None, **fields):
    person = services.PersonInput(
        id_type=Person.IdType.RESIDENT_ID, id_number=id_number, name=name, **(person_fields or {})
    )
    detention = services.DetentionInput(
        facility=facility,
        kind=fields.pop("kind", Detention.Kind.ADMINISTRATIVE),
        admitted_at=fields.pop("admitted_at", local(2026, 3, 2, 15, 0)),
        detention_days=fields.pop("detention_days", 10),
        **fields,
    )
    return services.record_intake(person, detention, acting_user=None, now=now)


def release(detention, released_at=None, now=FIXED_NOW):
    return services.release_detention(
        detention, released_at=released_at or local(2026, 3, 8, 10, 0), acting_user=None, now=now
    )


# --- intake ----------------------------------------------------------------------------------------


def test_intake_creates_the_person_and_the_detention(orgs, officer_a):
    detention = intake(
        orgs.centre_a,
        external_ref="JLS-2026-0001",
        decision_number="余公（治）决字〔2026〕101号",
        cell="3",
        responsible_officer=officer_a,
        person_fields={"phone": PHONE, "current_address": "余姚市阳明街道"},
    )

    detention.refresh_from_db()
    person = detention.person
    assert (person.id_type, person.id_number, detention.name) == ("resident_id", ID_MAN, "赵建军")
    assert (person.birth_date, person.sex, detention.phone) == (date(1985, 3, 15), "M", PHONE)
    assert detention.current_address == "余姚市阳明街道"
    assert detention.facility == orgs.centre_a
    assert detention.status == Detention.Status.IN_CUSTODY
    assert detention.scheduled_release_at == local(2026, 3, 12, 15, 0)
    assert (detention.external_ref, detention.cell, detention.responsible_officer) == ("JLS-2026-0001", "3", officer_a)
    assert counts() == {"persons": 1, "detentions": 1, "contacts": 0, "movements": 0}


def test_the_same_document_number_in_another_centre_is_the_same_person(orgs):
    first = intake(orgs.centre_a, admitted_at=local(2026, 1, 5, 10, 0))
    release(first, released_at=local(2026, 1, 15, 10, 0))

    second = intake(orgs.centre_b, name="赵建軍", admitted_at=local(2026, 3, 2, 15, 0))

    assert second.person_id == first.person_id
    assert Person.objects.count() == 1
    assert list(Detention.objects.filter(person=first.person).order_by("admitted_at")) == [first, second]
    first.refresh_from_db()
    # Each centre keeps the name as it wrote it, on its own detention.
    assert (first.name, second.name) == ("赵建军", "赵建軍")


@pytest.mark.parametrize(
    "spelling",
    [
        "３３０２８１１９８５０３１５１２３３",  # full-width
        "330281 19850315 1233",
        "\u3000330281198503151233 ",
        "330281850315123",  # the old 15-digit card of the same person
    ],
)
def test_other_spellings_of_the_number_find_the_same_person(orgs, spelling):
    first = intake(orgs.centre_a, admitted_at=local(2026, 1, 5, 10, 0))
    release(first, released_at=local(2026, 1, 15, 10, 0))

    second = intake(orgs.centre_a, id_number=spelling)

    assert second.person_id == first.person_id
    assert Person.objects.count() == 1


def test_a_person_admitted_again_keeps_one_row_per_family_contact(orgs):
    """Per detention: each centre's intake records its own contacts, once each however often a form
    repeats one, and another centre's intake adds nothing to them."""
    contacts = [{"name": "赵母", "relation": "母亲", "phone": "13900001111"}]
    first = intake(orgs.centre_a, admitted_at=local(2026, 1, 5, 10, 0), person_fields={"family_contacts": contacts * 2})
    release(first, released_at=local(2026, 1, 15, 10, 0))

    second = intake(orgs.centre_b, person_fields={"family_contacts": [*contacts, {"name": "赵妻", "relation": "妻子"}]})

    assert list(first.family_contacts.values_list("name", "relation", "phone")) == [("赵母", "母亲", "13900001111")]
    assert sorted(second.family_contacts.values_list("name", "relation", "phone")) == [
        ("赵妻", "妻子", ""),
        ("赵母", "母亲", "13900001111"),
    ]


def intake_error(*args, **kwargs) -> ValidationError:
    before = counts()
    with pytest.raises(ValidationError) as caught:
        intake(*args, **kwargs)
    assert counts() == before, "a refused intake saved something"
    return caught.value


def test_intake_refuses_a_release_before_the_admission(orgs):
    error = intake_error(orgs.centre_a, released_at=local(2026, 3, 2, 14, 59))

    assert error.message_dict == {"released_at": ["出所时间不能早于入所时间"]}


def test_intake_refuses_an_admission_in_the_future(orgs):
    error = intake_error(orgs.centre_a, admitted_at=FIXED_NOW + timedelta(seconds=1))

    assert error.message_dict == {"admitted_at": ["入所时间不能晚于当前时间"]}


def test_intake_accepts_an_admission_at_the_current_time(orgs):
    assert intake(orgs.centre_a, admitted_at=FIXED_NOW).admitted_at == FIXED_NOW


def test_intake_refuses_a_duplicate_platform_reference(orgs):
    intake(orgs.centre_a, external_ref="JLS-2026-0001")

    error = intake_error(orgs.centre_a, id_number=ID_WOMAN, name="钱某", external_ref=" JLS-2026-0001 ")

    assert error.message_dict == {"external_ref": ["入所编号 JLS-2026-0001 已存在"]}
    assert not Detention.objects.filter(name="钱某").exists()


def test_intake_refuses_a_second_detention_in_custody_and_leaves_the_person_as_it_was(orgs):
    intake(orgs.centre_a, person_fields={"phone": PHONE})

    error = intake_error(orgs.centre_b, name="改名", person_fields={"phone": "13700000000"})

    assert error.messages == ["此人已有一条在所记录，请先办理出所或转所"]
    recorded = Detention.objects.get()
    assert (Person.objects.count(), recorded.name, recorded.phone) == (1, "赵建军", PHONE)


def test_intake_refuses_an_organization_that_is_not_a_detention_centre(orgs):
    error = intake_error(orgs.court)

    assert error.message_dict == {"facility": ["只能选择拘留所"]}


@pytest.mark.parametrize(
    "fields, errors",
    [
        ({"detention_days": None}, {"detention_days": ["请填写拘留天数或预计出所时间"]}),
        ({"detention_days": 31}, {"detention_days": ["拘留天数应在 1 至 30 天之间"]}),
        ({"kind": "criminal"}, {"kind": ["值 'criminal' 不是有效选项。"]}),
    ],
)
def test_intake_refuses_bad_detention_facts(orgs, fields, errors):
    assert intake_error(orgs.centre_a, **fields).message_dict == errors


@pytest.mark.parametrize(
    "id_number, message",
    [
        (ID_MAN[:17] + "4", "身份证号码校验位不正确，请核对号码"),
        ("33028119850315123", "身份证号码应为 18 位（最后一位可为 X）或旧式 15 位数字"),
    ],
)
def test_intake_refuses_an_invalid_id_number(orgs, id_number, message):
    assert intake_error(orgs.centre_a, id_number=id_number).messages == [message]


def test_intake_refuses_a_person_without_a_name(orgs):
    assert intake_error(orgs.centre_a, name="  ").message_dict == {"name": ["请填写姓名"]}


# --- release ---------------------------------------------------------------------------------------


def test_release_is_idempotent_for_the_same_time(orgs):
    detention = intake(orgs.centre_a)
    release(detention, released_at=local(2026, 3, 8, 10, 0))
    updated_at = Detention.objects.get().updated_at

    again = release(detention, released_at=local(2026, 3, 8, 10, 0))

    assert again.status == Detention.Status.RELEASED
    assert Detention.objects.get().updated_at == updated_at


def test_a_second_release_at_another_time_is_refused(orgs):
    detention = intake(orgs.centre_a)
    release(detention, released_at=local(2026, 3, 8, 10, 0))

    with pytest.raises(ValidationError) as caught:
        release(detention, released_at=local(2026, 3, 8, 11, 0))

    assert caught.value.messages == ["此人已出所"]
    assert Detention.objects.get().released_at == local(2026, 3, 8, 10, 0)


def test_a_release_in_the_future_is_refused(orgs):
    detention = intake(orgs.centre_a)

    with pytest.raises(ValidationError) as caught:
        release(detention, released_at=FIXED_NOW + timedelta(minutes=1))

    assert caught.value.message_dict == {"released_at": ["出所时间不能晚于当前时间"]}
    assert Detention.objects.get().status == Detention.Status.IN_CUSTODY


# --- transfer --------------------------------------------------------------------------------------


def transfer(detention, to_facility, *, moved_at=None, user=None):
    return services.transfer_detention(
        detention,
        to_facility=to_facility,
        moved_at=moved_at or local(2026, 3, 5, 9, 0),
        acting_user=user,
        note=" 床位调整 ",
        now=FIXED_NOW,
    )


def test_a_transfer_keeps_one_detention_and_records_the_movement(orgs, officer_a):
    detention = intake(orgs.centre_a, responsible_officer=officer_a)

    moved = transfer(detention, orgs.centre_b, user=officer_a)

    assert Detention.objects.count() == 1
    assert moved.pk == detention.pk
    stored = Detention.objects.get()
    assert stored.facility == orgs.centre_b
    assert stored.status == Detention.Status.IN_CUSTODY
    assert (stored.admitted_at, stored.assessment_due_at) == (detention.admitted_at, detention.assessment_due_at)
    assert stored.responsible_officer is None  # the receiving centre assigns its own
    movement = Movement.objects.get()
    assert (movement.detention, movement.from_facility, movement.to_facility) == (stored, orgs.centre_a, orgs.centre_b)
    assert (movement.moved_at, movement.note, movement.acting_user) == (local(2026, 3, 5, 9, 0), "床位调整", officer_a)


def test_a_transferred_detention_moves_to_the_other_centres_list(orgs, officer_a, officer_b):
    detention = intake(orgs.centre_a)
    transfer(detention, orgs.centre_b)

    assert list(visible_to(officer_a)) == []
    assert list(visible_to(officer_b)) == [detention]


def test_a_released_person_cannot_be_transferred(orgs):
    detention = intake(orgs.centre_a)
    release(detention, released_at=local(2026, 3, 4, 10, 0))

    with pytest.raises(ValidationError) as caught:
        transfer(detention, orgs.centre_b)

    assert caught.value.messages == ["已出所的人员不能转所"]
    assert (Movement.objects.count(), Detention.objects.get().facility) == (0, orgs.centre_a)


def test_a_transfer_to_the_same_centre_is_refused(orgs):
    detention = intake(orgs.centre_a)

    with pytest.raises(ValidationError) as caught:
        transfer(detention, orgs.centre_a)

    assert caught.value.message_dict == {"to_facility": ["转入拘留所与当前拘留所相同"]}
    assert Movement.objects.count() == 0


def test_a_transfer_to_an_organization_that_is_not_a_centre_is_refused(orgs):
    detention = intake(orgs.centre_a)

    with pytest.raises(ValidationError):
        transfer(detention, orgs.justice_bureau)

    assert (Movement.objects.count(), Detention.objects.get().facility) == (0, orgs.centre_a)


@pytest.mark.parametrize("moved_at", [local(2026, 3, 2, 14, 59), FIXED_NOW + timedelta(seconds=1)])
def test_a_transfer_outside_the_stay_is_refused(orgs, moved_at):
    detention = intake(orgs.centre_a)

    with pytest.raises(ValidationError) as caught:
        transfer(detention, orgs.centre_b, moved_at=moved_at)

    assert caught.value.message_dict == {"moved_at": ["转所时间应在入所时间与当前时间之间"]}


def test_a_transfer_dated_before_the_previous_one_is_refused(orgs):
    detention = intake(orgs.centre_a)
    transfer(detention, orgs.centre_b, moved_at=local(2026, 3, 5, 9, 0))

    with pytest.raises(ValidationError) as caught:
        transfer(detention, orgs.centre_a, moved_at=local(2026, 3, 4, 9, 0))

    assert caught.value.message_dict == {"moved_at": ["转所时间不能早于上一次转所时间"]}
    assert Movement.objects.count() == 1


# --- the intake assessment ----------------------------------------------------------------------------


def assess(detention, user, *, tags=(Tag.VIOLENCE,), level=Level.HIGH, now=None):
    return services.complete_assessment(
        detention,
        risk_tags=list(tags),
        risk_level=level,
        screening_result=Screening.LEADS_FOUND,
        needs=" 联系家属 ",
        acting_user=user,
        now=now or local(2026, 3, 3, 10, 0),
    )


def test_completing_the_assessment_records_the_time_and_copies_the_score(orgs, officer_a):
    detention = intake(orgs.centre_a)

    assessment = assess(detention, officer_a)

    detention.refresh_from_db()
    assert detention.assessment_completed_at == local(2026, 3, 3, 10, 0)
    assert detention.escalation_score == assessment.escalation_score == 4 + 3 + 1
    assert (assessment.completed_at, assessment.completed_by, assessment.needs) == (
        local(2026, 3, 3, 10, 0),
        officer_a,
        "联系家属",
    )


def test_a_correction_keeps_the_first_completion_and_updates_the_score(orgs, officer_a, leader_a):
    detention = intake(orgs.centre_a)
    assess(detention, officer_a)

    corrected = assess(detention, leader_a, tags=[Tag.DRUG_USE], level=Level.LOW, now=local(2026, 3, 7, 10, 0))

    detention.refresh_from_db()
    assert IntakeAssessment.objects.count() == 1
    assert detention.assessment_completed_at == local(2026, 3, 3, 10, 0)
    assert (corrected.completed_at, corrected.completed_by) == (local(2026, 3, 3, 10, 0), officer_a)
    assert detention.escalation_score == corrected.escalation_score == 1 + 1
    assert corrected.risk_tags == [Tag.DRUG_USE]


def test_a_tag_given_twice_counts_once(orgs, officer_a):
    detention = intake(orgs.centre_a)

    assessment = assess(detention, officer_a, tags=[Tag.VIOLENCE, Tag.VIOLENCE], level=Level.LOW)

    assert assessment.risk_tags == [Tag.VIOLENCE]
    assert assessment.escalation_score == 4 + 1
    assert [reason["points"] for reason in assessment.escalation_reasons] == [4, 1]


@pytest.mark.parametrize(
    "kwargs, errors",
    [
        ({"risk_tags": ["gambling"]}, {"risk_tags": ["未知的风险标签：gambling"]}),
        ({"risk_level": "extreme"}, {"risk_level": ["请选择风险等级"]}),
        ({"screening_result": ""}, {"screening_result": ["请选择纠纷排查结果"]}),
    ],
)
def test_a_bad_assessment_is_refused_and_nothing_is_recorded(orgs, officer_a, kwargs, errors):
    detention = intake(orgs.centre_a)
    values = {"risk_tags": [], "risk_level": Level.LOW, "screening_result": Screening.NONE_FOUND, **kwargs}

    with pytest.raises(ValidationError) as caught:
        services.complete_assessment(detention, acting_user=officer_a, now=FIXED_NOW, **values)

    assert caught.value.message_dict == errors
    assert IntakeAssessment.objects.count() == 0
    assert Detention.objects.get().assessment_completed_at is None


# --- health checks ---------------------------------------------------------------------------------


def health_check(detention, *, ref: str = "TJ-2026-0001", conclusion=HealthCheck.Conclusion.SUITABLE, **fields):
    return services.record_health_check(
        detention, external_ref=ref, checked_at=local(2026, 3, 2, 17, 0), conclusion=conclusion, **fields
    )


def test_a_health_check_is_idempotent_on_its_platform_reference(orgs):
    detention = intake(orgs.centre_a)

    first, created = health_check(detention, findings="血压偏高")
    again, created_again = health_check(detention, ref=" TJ-2026-0001 ", conclusion=HealthCheck.Conclusion.POSTPONE)

    assert (created, created_again) == (True, False)
    assert again.pk == first.pk
    stored = HealthCheck.objects.get()
    assert (stored.conclusion, stored.findings) == (HealthCheck.Conclusion.POSTPONE, "")


def test_a_health_check_without_a_platform_reference_is_refused(orgs):
    detention = intake(orgs.centre_a)
    health_check(detention, ref="TJ-2026-0001")

    for blank in ("", "  "):
        with pytest.raises(ValidationError) as caught:
            health_check(detention, ref=blank)
        assert caught.value.message_dict == {"external_ref": ["请填写体检编号"]}
    assert HealthCheck.objects.count() == 1


def test_a_health_check_with_an_unknown_conclusion_is_refused(orgs):
    detention = intake(orgs.centre_a)

    with pytest.raises(ValidationError):
        health_check(detention, conclusion="fit")

    assert HealthCheck.objects.count() == 0


# --- encryption at rest ------------------------------------------------------------------------------


def raw_rows(sql: str) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchall()


def test_id_and_phone_numbers_are_not_stored_in_plain_text(orgs):
    intake(
        orgs.centre_a,
        person_fields={
            "phone": PHONE,
            "family_contacts": [{"name": "赵母", "relation": "母亲", "phone": "13900001111"}],
        },
    )
    detention = Detention.objects.get()
    health_check(detention, findings="乙肝病毒携带", mental_state="焦虑")

    stored = [
        *raw_rows("SELECT id_number, id_number_hash FROM detainees_person"),
        *raw_rows("SELECT phone, phone_hash FROM detainees_detention"),
        *raw_rows("SELECT phone, phone_hash FROM detainees_familycontact"),
        *raw_rows("SELECT findings, history, mental_state FROM detainees_healthcheck"),
        # The audit trail's copies of the rows (written by triggers) hold the same ciphertext.
        *raw_rows("SELECT id_number FROM detainees_personevent"),
        *raw_rows("SELECT phone FROM detainees_detentionevent"),
        *raw_rows("SELECT phone FROM detainees_familycontactevent"),
    ]
    text = repr(stored)
    for secret in (ID_MAN, ID_MAN[6:14], PHONE, "13900001111", "乙肝", "焦虑"):
        assert secret not in text
    assert raw_rows("SELECT id_number FROM detainees_person")[0][0].startswith("v1:")
    assert raw_rows("SELECT phone FROM detainees_detentionevent")[0][0].startswith("v1:")
    # ...and still readable through the model.
    assert (Person.objects.get().id_number, Detention.objects.get().phone) == (ID_MAN, PHONE)
    assert Detention.pgh_event_model.objects.get().phone == PHONE


# --- corrections -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "changes, errors",
    [
        ({"kind": "criminal"}, {"kind": ["值 'criminal' 不是有效选项。"]}),
        ({"cell": "3" * 33}, {"cell": ["确保该变量包含不超过 32 字符 (目前字符数 33)。"]}),
        ({"admitted_at": FIXED_NOW + timedelta(hours=1)}, {"admitted_at": ["入所时间不能晚于当前时间"]}),
    ],
)
def test_a_bad_correction_is_refused_and_nothing_changes(orgs, changes, errors):
    detention = intake(orgs.centre_a, cell="3")

    with pytest.raises(ValidationError) as caught:
        services.update_detention(detention, changes=changes, acting_user=None, now=FIXED_NOW)

    assert caught.value.message_dict == errors
    stored = Detention.objects.get()
    assert (stored.kind, stored.cell, stored.admitted_at) == ("administrative", "3", local(2026, 3, 2, 15, 0))


def test_a_correction_to_a_platform_reference_already_taken_is_refused(orgs):
    """Taken at the same centre: references are unique per centre (another centre's answers like one
    never seen, DESIGN.md §5)."""
    intake(orgs.centre_a, external_ref="JLS-1")
    other = intake(orgs.centre_a, id_number=ID_WOMAN, external_ref="JLS-2")
    elsewhere = intake(orgs.centre_b, id_number=resident_id(3), external_ref="JLS-3")

    with pytest.raises(ValidationError) as caught:
        services.update_detention(other, changes={"external_ref": "JLS-1"}, acting_user=None, now=FIXED_NOW)

    assert caught.value.message_dict == {"external_ref": ["入所编号 JLS-1 已存在"]}
    services.update_detention(elsewhere, changes={"external_ref": "JLS-1"}, acting_user=None, now=FIXED_NOW)
    assert Detention.objects.filter(external_ref="JLS-1").count() == 2


@pytest.mark.django_db(transaction=True)
def test_it_tells_the_second_of_two_simultaneous_intakes_of_one_reference(orgs):
    """Both intakes pass the existence checks; the unique constraint stops one, reported as a
    ValidationError, not an IntegrityError (a 500 in the pages and the API)."""
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def intake(number: str) -> None:
        try:
            barrier.wait(timeout=10)
            services.record_intake(
                services.PersonInput(id_type=Person.IdType.PASSPORT, id_number=number, name="并发"),
                services.DetentionInput(
                    facility=orgs.centre_a,
                    kind=Detention.Kind.ADMINISTRATIVE,
                    admitted_at=timezone.now() - timedelta(hours=1),
                    detention_days=5,
                    external_ref="RACE-1",
                ),
                acting_user=None,
            )
            outcomes.append("saved")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=intake, args=(number,)) for number in ("E1000001", "E1000002")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == ["refused", "saved"]
    assert Detention.objects.filter(external_ref="RACE-1").count() == 1
