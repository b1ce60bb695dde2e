"""rotate_keys moves every stored value to the current key, once, and leaves values readable."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from accounts.models import User
from accounts.services import create_user
from security.encryption import encrypt
from security.fields import encrypted_lookup, lookup_hash_for
from security.services import rotate_keys
from tests.conftest import PASSWORD

PHONES = {"rot_a1": "13800000001", "rot_a2": "13800000002", "rot_a3": "13800000003", "rot_blank": ""}


def stored() -> dict[str, tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT username, phone, phone_hash FROM accounts_user ORDER BY id")
        return {username: (phone, phone_hash) for username, phone, phone_hash in cursor.fetchall()}


def make_users(phones: dict[str, str]) -> None:
    for username, phone in phones.items():
        create_user(username=username, password=PASSWORD, phone=phone)


def user_results(results):
    return next(result for result in results if result.model == "accounts.User")


def test_rotation_moves_every_row_to_the_new_key_and_values_still_read(db, use_key_ring):
    use_key_ring("a")
    make_users(PHONES)
    assert all(phone.startswith("v1:a:") for phone, _ in stored().values() if phone)

    use_key_ring("b", "a")
    results = rotate_keys(batch_size=2)

    after = stored()
    assert all(after[username][0].startswith("v1:b:") for username, phone in PHONES.items() if phone)
    assert after["rot_blank"] == ("", "")
    assert {user.username: user.phone for user in User.objects.all()} == PHONES
    assert user_results(results).reencrypted == 3
    # Only "b" is needed now: the old key can leave the ring.
    use_key_ring("b")
    assert {user.username: user.phone for user in User.objects.all()} == PHONES


def test_rows_already_under_the_current_key_are_left_untouched(db, use_key_ring):
    use_key_ring("a")
    make_users({"rot_a1": "13800000001"})
    use_key_ring("b", "a")
    make_users({"rot_b1": "13900000001"})
    before = stored()

    results = rotate_keys()

    after = stored()
    assert after["rot_b1"] == before["rot_b1"]  # the same nonce: not re-encrypted
    assert after["rot_a1"] != before["rot_a1"] and after["rot_a1"][0].startswith("v1:b:")
    assert user_results(results).rows == 1


def test_a_second_rotation_changes_nothing(db, use_key_ring):
    use_key_ring("a")
    make_users(PHONES)
    use_key_ring("b", "a")
    rotate_keys()
    before = stored()

    results = rotate_keys()

    assert stored() == before
    assert user_results(results).rows == 0


def test_rotation_keeps_the_lookup_hashes(db, use_key_ring):
    use_key_ring("a")
    make_users(PHONES)
    use_key_ring("b", "a")

    rotate_keys()

    assert [user.username for user in encrypted_lookup(User, "phone", "+86 138 0000 0002")] == ["rot_a2"]


def test_rehash_recomputes_stale_hashes(db, use_key_ring):
    use_key_ring("a")
    make_users(PHONES)
    # queryset.update() skips pre_save: the value changes, its hash does not.
    User.objects.filter(username="rot_a1").update(phone="13911111111")
    assert stored()["rot_a1"][1] == lookup_hash_for(User, "phone", "13800000001")

    results = rotate_keys(rehash=True)

    assert stored()["rot_a1"][1] == lookup_hash_for(User, "phone", "13911111111")
    assert user_results(results).rehashed == 1
    assert user_results(results).reencrypted == 0


def test_a_value_that_does_not_decrypt_stops_the_rotation_naming_the_row(db, use_key_ring):
    use_key_ring("a")
    make_users({"rot_a1": "13800000001"})
    user = User.objects.get(username="rot_a1")
    with connection.cursor() as cursor:
        foreign = encrypt("13800000001", context="detainees.person.phone")
        cursor.execute("UPDATE accounts_user SET phone = %s WHERE id = %s", [foreign, user.pk])
    use_key_ring("b", "a")

    with pytest.raises(CommandError, match=f"accounts.User pk={user.pk} phone"):
        call_command("rotate_keys", stdout=StringIO())


def test_the_command_reports_progress_and_totals(db, use_key_ring):
    use_key_ring("a")
    make_users(PHONES)
    use_key_ring("b", "a")
    out = StringIO()

    call_command("rotate_keys", "--batch-size", "2", stdout=out)

    lines = out.getvalue().splitlines()
    assert lines[0] == "当前密钥：b"
    assert "accounts.User: 2/3" in lines and "accounts.User: 3/3" in lines
    assert "accounts.User：检查 3 行，重新加密 3 个值，重算 0 个散列" in lines
    assert all(phone.startswith("v1:b:") for username, (phone, _) in stored().items() if username in PHONES and phone)
