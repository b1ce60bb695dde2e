"""services.record_intakes, the bulk path of the imports: the same rows and audit events as
record_intake, all or nothing."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.forms.models import model_to_dict

from detainees import services
from detainees.models import Detention, Person

from .conftest import FIXED_NOW, ID_MAN, ID_WOMAN, local, resident_id


def intake(orgs, *, ref: str, id_number: str, name: str = "赵建军", **detention) -> tuple:
    person = services.PersonInput(
        id_type=Person.IdType.RESIDENT_ID,
        id_number=id_number,
        name=name,
        phone="13812341234",
        household_address="浙江省余姚市阳明街道",
        employer="某厂",
    )
    values = {
        "facility": orgs.centre_a,
        "kind": Detention.Kind.ADMINISTRATIVE,
        "admitted_at": local(2026, 3, 2, 15),
        "detention_days": 10,
        "external_ref": ref,
        "decision_number": " 余公决字〔2026〕1号 ",
        "handling_unit": "阳明派出所",
        "reason": "殴打他人",
        "cell": "3号监室",
    }
    values.update(detention)
    return person, services.DetentionInput(**values)


def row_values(detention: Detention) -> tuple[dict, dict]:
    person = model_to_dict(detention.person, exclude=["id", "id_number", "id_number_hash", "birth_date", "sex"])
    return model_to_dict(detention, exclude=["id", "person", "external_ref"]), person


def events(model, obj) -> list[tuple]:
    return [
        (event.pgh_label, event.pgh_context)
        for event in model.pgh_event_model.objects.filter(pgh_obj_id=obj.pk).order_by("pgh_id")
    ]


def test_the_bulk_path_writes_the_same_rows_and_events_as_record_intake(orgs, officer_a):
    one = services.record_intake(*intake(orgs, ref="A-1", id_number=ID_MAN), acting_user=officer_a, now=FIXED_NOW)
    [bulk] = services.record_intakes(
        [intake(orgs, ref="A-2", id_number=ID_WOMAN)], acting_user=officer_a, now=FIXED_NOW
    )

    one, bulk = (Detention.objects.select_related("person").get(pk=d.pk) for d in (one, bulk))
    assert row_values(bulk) == row_values(one)
    assert bulk.person.id_number == ID_WOMAN and bulk.person.id_number_hash
    assert (bulk.person.birth_date.isoformat(), bulk.person.sex) == ("1990-01-01", "F")
    assert bulk.decision_number == "余公决字〔2026〕1号"
    for model, first, second in ((Detention, one, bulk), (Person, one.person, bulk.person)):
        assert [label for label, _context in events(model, second)] == [label for label, _ in events(model, first)]


def test_a_known_person_is_left_as_it_was_and_the_new_name_goes_on_the_new_detention(orgs, make_detention):
    earlier = make_detention(id_number=ID_MAN, released_at=local(2026, 3, 5, 9), name="赵建军")

    [again] = services.record_intakes(
        [intake(orgs, ref="A-9", id_number=ID_MAN, name="赵建君", admitted_at=local(2026, 3, 8, 10))],
        acting_user=None,
        now=FIXED_NOW,
    )

    assert again.person_id == earlier.person_id
    assert (Detention.objects.get(pk=earlier.pk).name, Detention.objects.get(pk=again.pk).name) == ("赵建军", "赵建君")
    assert [label for label, _context in events(Person, again.person)] == ["insert"]


def test_a_known_person_takes_one_query_of_its_own(orgs, make_detention, django_assert_num_queries):
    make_detention(id_number=ID_MAN, released_at=local(2026, 3, 5, 9), external_ref="OLD-1")
    make_detention(id_number=ID_WOMAN, released_at=local(2026, 3, 5, 9), external_ref="OLD-2", name="钱丽")
    items = [
        intake(orgs, ref=f"A-{n}", id_number=number, admitted_at=local(2026, 3, 8, 10))
        for n, number in enumerate([ID_MAN, ID_WOMAN, resident_id(1), resident_id(2)])
    ]

    # Savepoint, taken refs, known people, people in custody, INSERT people, INSERT detentions, release
    # savepoint: a known person is not written (what the intake records goes on its new detention).
    with django_assert_num_queries(7):
        services.record_intakes(items, acting_user=None, now=FIXED_NOW)
    assert Detention.objects.count() == 6


def test_a_known_person_in_custody_is_refused_as_record_intake_refuses(orgs, make_detention):
    make_detention(id_number=ID_MAN, external_ref="IN-1")

    with pytest.raises(ValidationError, match="此人已有一条在所记录"):
        services.record_intakes(
            [intake(orgs, ref="A-2", id_number=ID_WOMAN), intake(orgs, ref="A-1", id_number=ID_MAN)],
            acting_user=None,
            now=FIXED_NOW,
        )
    assert (Person.objects.count(), Detention.objects.count()) == (1, 1)


def test_the_same_new_person_twice_in_one_list_is_one_person(orgs):
    detentions = services.record_intakes(
        [
            intake(
                orgs, ref="A-1", id_number=ID_MAN, released_at=local(2026, 3, 1, 9), admitted_at=local(2026, 2, 25, 9)
            ),
            intake(orgs, ref="A-2", id_number=ID_MAN),
        ],
        acting_user=None,
        now=FIXED_NOW,
    )

    assert len(detentions) == 2 and Person.objects.count() == 1


@pytest.mark.parametrize(
    "bad",
    [
        {"ref": "A-1"},  # twice in the list
        {"admitted_at": local(2026, 3, 11, 9)},  # in the future
        {"id_number": "330281199001011244"},  # check digit
    ],
)
def test_one_bad_item_saves_nothing(orgs, bad):
    good = intake(orgs, ref="A-1", id_number=ID_MAN)
    values = {"ref": "A-2", "id_number": resident_id(5), **bad}
    with pytest.raises(ValidationError):
        services.record_intakes([good, intake(orgs, **values)], acting_user=None, now=FIXED_NOW)

    assert (Person.objects.count(), Detention.objects.count()) == (0, 0)


def test_a_reference_already_taken_saves_nothing(orgs, make_detention):
    make_detention(external_ref="A-1")

    with pytest.raises(ValidationError, match="A-1"):
        services.record_intakes([intake(orgs, ref="A-1", id_number=ID_WOMAN)], acting_user=None, now=FIXED_NOW)
    assert Detention.objects.count() == 1
