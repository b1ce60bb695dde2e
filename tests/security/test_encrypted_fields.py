"""EncryptedTextField on accounts.User.phone: ciphertext in the table, plain text in Python, exact lookup."""

from __future__ import annotations

import pytest
from django.core.exceptions import FieldError
from django.db import connection, models
from django.test.utils import isolate_apps

from accounts.models import User
from accounts.services import create_user
from security.encryption import DecryptionError, encrypt
from security.fields import EncryptedTextField, encrypted_lookup, lookup_hash_for
from tests.conftest import PASSWORD

PHONE = "13812341234"


def stored_phone(user: User) -> tuple[str, str]:
    """The phone and phone_hash columns as they are in the table, read past the ORM."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone, phone_hash FROM accounts_user WHERE id = %s", [user.pk])
        return cursor.fetchone()


def table_text() -> str:
    """Every column of every row of accounts_user, as text."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT t::text FROM accounts_user AS t")
        return "\n".join(row[0] for row in cursor.fetchall())


def make_user(username: str, phone: str) -> User:
    return create_user(username=username, password=PASSWORD, full_name="测试", phone=phone)


def test_the_phone_number_is_never_in_the_table_in_plain_text(db):
    user = make_user("yy_sms", PHONE)

    phone, phone_hash = stored_phone(user)

    assert phone.startswith("v1:")
    assert PHONE not in table_text()
    assert len(phone_hash) == 64


def test_the_phone_number_reads_back_in_plain_text(db):
    user = make_user("yy_sms", PHONE)

    assert User.objects.get(pk=user.pk).phone == PHONE
    assert User.objects.values_list("phone", flat=True).get(pk=user.pk) == PHONE


def test_a_blank_phone_is_stored_blank_with_a_blank_hash(db):
    user = make_user("yy_sms", "")

    assert stored_phone(user) == ("", "")
    assert User.objects.get(pk=user.pk).phone == ""


def test_none_passes_through_the_field_unencrypted():
    field = User._meta.get_field("phone")

    assert field.get_prep_value(None) is None
    assert field.from_db_value(None, None, connection) is None
    assert field.hash_of(None) == ""


def test_bulk_create_encrypts_and_fills_the_hash(db):
    users = User.objects.bulk_create([User(username=f"bulk{n}", phone=f"1381234000{n}") for n in range(3)])

    for n, user in enumerate(users):
        phone, phone_hash = stored_phone(user)
        assert phone.startswith("v1:") and f"1381234000{n}" not in phone
        assert phone_hash == lookup_hash_for(User, "phone", f"1381234000{n}")


def test_queryset_update_still_stores_ciphertext(db):
    user = make_user("yy_sms", PHONE)

    User.objects.filter(pk=user.pk).update(phone="13900000000")

    phone, _hash = stored_phone(user)
    assert phone.startswith("v1:") and "13900000000" not in phone
    assert User.objects.get(pk=user.pk).phone == "13900000000"


def test_saving_a_changed_number_recomputes_its_hash(db):
    user = make_user("yy_sms", PHONE)

    user.phone = "13900000000"
    user.save(update_fields=["phone", "phone_hash"])

    assert stored_phone(user)[1] == lookup_hash_for(User, "phone", "13900000000")
    assert list(encrypted_lookup(User, "phone", PHONE)) == []


def test_a_user_is_found_by_exact_number_however_it_is_written(db):
    wanted = make_user("yy_sms", PHONE)
    make_user("yy_other", "13812341235")

    assert list(encrypted_lookup(User, "phone", PHONE)) == [wanted]
    assert list(encrypted_lookup(User, "phone", "+86 138-1234-1234")) == [wanted]
    assert list(User.objects.filter(phone_hash=lookup_hash_for(User, "phone", "１３８ １２３４ １２３４"))) == [wanted]
    assert list(encrypted_lookup(User.objects.filter(is_active=False), "phone", PHONE)) == []


def test_a_blank_number_finds_nobody(db):
    make_user("yy_sms", "")

    assert list(encrypted_lookup(User, "phone", "")) == []
    assert list(encrypted_lookup(User, "phone", "  ")) == []


def test_two_rows_with_one_number_share_the_hash_so_a_unique_constraint_can_hold(db):
    first = make_user("yy_sms", PHONE)
    second = make_user("yy_other", "+86 138 1234 1234")
    third = make_user("yy_third", "13812341235")

    assert stored_phone(first)[1] == stored_phone(second)[1]
    assert stored_phone(first)[0] != stored_phone(second)[0]
    assert stored_phone(first)[1] != stored_phone(third)[1]


@pytest.mark.parametrize("lookup", ["phone", "phone__in", "phone__startswith", "phone__icontains"])
def test_a_lookup_on_the_ciphertext_is_refused_instead_of_matching_nothing(db, lookup):
    value = [PHONE] if lookup.endswith("__in") else PHONE

    with pytest.raises(FieldError):
        list(User.objects.filter(**{lookup: value}))


def test_isnull_lookups_still_work(db):
    make_user("yy_sms", PHONE)

    assert User.objects.filter(phone__isnull=False).count() == 1


def test_a_value_copied_from_another_column_does_not_read(db):
    user = make_user("yy_sms", "")
    foreign = encrypt("330281199001011234", context="detainees.person.id_number")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE accounts_user SET phone = %s WHERE id = %s", [foreign, user.pk])

    with pytest.raises(DecryptionError):
        User.objects.get(pk=user.pk)


def test_a_value_tampered_with_in_the_table_does_not_read(db):
    user = make_user("yy_sms", PHONE)
    phone, _hash = stored_phone(user)
    tampered = phone[:-6] + ("A" if phone[-6] != "A" else "B") + phone[-5:]
    with connection.cursor() as cursor:
        cursor.execute("UPDATE accounts_user SET phone = %s WHERE id = %s", [tampered, user.pk])

    with pytest.raises(DecryptionError):
        User.objects.get(pk=user.pk)


def test_the_column_context_is_pinned_in_the_field_definition():
    field = User._meta.get_field("phone")

    _name, _path, _args, kwargs = field.deconstruct()

    assert field.context == "accounts.user.phone"
    assert kwargs["context"] == "accounts.user.phone"
    assert kwargs["hash_field"] == "phone_hash"


@isolate_apps("security")
def test_a_hash_column_declared_before_its_field_is_a_configuration_error():
    class Misordered(models.Model):  # noqa: DJ008
        note_hash = models.CharField(max_length=64, blank=True)
        note = EncryptedTextField(blank=True, hash_field="note_hash")

        class Meta:
            app_label = "security"

    class Missing(models.Model):  # noqa: DJ008
        note = EncryptedTextField(blank=True, hash_field="nothing")

        class Meta:
            app_label = "security"

    class Proper(models.Model):  # noqa: DJ008
        note = EncryptedTextField(blank=True, hash_field="note_hash")
        note_hash = models.CharField(max_length=64, blank=True)

        class Meta:
            app_label = "security"

    assert [error.id for error in Misordered._meta.get_field("note").check()] == ["security.E002"]
    assert [error.id for error in Missing._meta.get_field("note").check()] == ["security.E001"]
    assert Proper._meta.get_field("note").check() == []
    assert Proper._meta.get_field("note").context == "security.proper.note"
