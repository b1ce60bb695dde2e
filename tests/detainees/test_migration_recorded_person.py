"""detainees 0003-0005: what the person row held (name, phone, addresses, employer, family contacts) is
copied onto each of the person's detentions, and back again by the reverse. Run inside the test's
transaction, so the schema is as before afterwards."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from .conftest import ID_MAN, ID_WOMAN, PHONE

BEFORE = [("detainees", "0002_detentions_api_index")]
AFTER = [("detainees", "0005_drop_person_recorded_fields")]


def migrate(targets):
    # One transaction for the whole test, where `migrate` commits each migration: the foreign keys are
    # checked at once, so that no deferred check is pending when a later migration alters a table.
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture
def old_rows(orgs):
    """Two people as the old schema held them: the man with two stays and a contact, the woman with none."""
    apps = migrate(BEFORE)
    Person = apps.get_model("detainees", "Person")
    Detention = apps.get_model("detainees", "Detention")
    FamilyContact = apps.get_model("detainees", "FamilyContact")
    man = Person.objects.create(
        id_type="resident_id",
        id_number=ID_MAN,
        name="赵建军",
        phone=PHONE,
        household_address="余姚市新建路 1 号",
        current_address="余姚市梨洲街道",
        employer="余姚市某机械厂",
    )
    lonely = Person.objects.create(id_type="resident_id", id_number=ID_WOMAN, name="钱丽")
    FamilyContact.objects.create(person=man, name="赵丽", relation="妻子", phone="13900001111")
    FamilyContact.objects.create(person=lonely, name="钱母", relation="母亲")
    now = timezone.now()
    stays = []
    for facility_id, days_ago, ref in ((orgs.centre_a.pk, 40, "A-1"), (orgs.centre_b.pk, 5, "B-1")):
        admitted = now - timedelta(days=days_ago)
        stays.append(
            Detention.objects.create(
                person=man,
                facility_id=facility_id,
                kind="administrative",
                external_ref=ref,
                admitted_at=admitted,
                scheduled_release_at=admitted + timedelta(days=3),
                assessment_due_at=admitted + timedelta(days=3),
                status="released",
                released_at=admitted + timedelta(days=3),
            ).pk
        )
    return man.pk, stays


def test_the_fill_copies_the_person_onto_each_detention_and_the_reverse_copies_it_back(old_rows):
    man_pk, stays = old_rows

    apps = migrate(AFTER)
    Detention = apps.get_model("detainees", "Detention")
    FamilyContact = apps.get_model("detainees", "FamilyContact")
    for detention in Detention.objects.filter(pk__in=stays):
        assert (detention.name, detention.phone, detention.household_address) == ("赵建军", PHONE, "余姚市新建路 1 号")
        assert (detention.current_address, detention.employer) == ("余姚市梨洲街道", "余姚市某机械厂")
        # The keyed hash of the detention's own column, for exact lookup.
        assert detention.phone_hash == Detention._meta.get_field("phone").hash_of(PHONE)
    assert sorted(FamilyContact.objects.values_list("detention_id", "name", "phone")) == [
        (stays[0], "赵丽", "13900001111"),
        (stays[1], "赵丽", "13900001111"),
    ]

    apps = migrate(BEFORE)
    Person = apps.get_model("detainees", "Person")
    FamilyContact = apps.get_model("detainees", "FamilyContact")
    man = Person.objects.get(pk=man_pk)
    assert (man.name, man.phone, man.employer) == ("赵建军", PHONE, "余姚市某机械厂")
    assert list(FamilyContact.objects.values_list("person_id", "name", "phone")) == [(man_pk, "赵丽", "13900001111")]
    migrate(AFTER)
