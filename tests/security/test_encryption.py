"""Authenticated encryption of single values and the keyed lookup hash."""

from __future__ import annotations

import base64

import pytest

from security.encryption import DecryptionError, decrypt, encrypt, key_id_of, lookup_hash
from security.normalizers import normalize_phone

PHONE_CONTEXT = "accounts.user.phone"
PHONE = "13812341234"


def test_a_value_decrypts_to_itself(use_key_ring):
    use_key_ring("k1")

    token = encrypt("杭州市西湖区 13812341234", context=PHONE_CONTEXT)

    assert decrypt(token, context=PHONE_CONTEXT) == "杭州市西湖区 13812341234"


def test_the_token_names_version_and_current_key_and_hides_the_value(use_key_ring):
    use_key_ring("k2", "k1")

    token = encrypt(PHONE, context=PHONE_CONTEXT)

    assert token.startswith("v1:k2:")
    assert PHONE not in token
    assert PHONE.encode() not in base64.b64decode(token.split(":", 2)[2])
    assert key_id_of(token) == "k2"


def test_the_same_value_encrypts_differently_each_time(use_key_ring):
    use_key_ring("k1")

    assert encrypt(PHONE, context=PHONE_CONTEXT) != encrypt(PHONE, context=PHONE_CONTEXT)


def test_a_value_under_an_older_key_still_decrypts(use_key_ring):
    use_key_ring("k1")
    token = encrypt(PHONE, context=PHONE_CONTEXT)

    use_key_ring("k2", "k1")

    assert decrypt(token, context=PHONE_CONTEXT) == PHONE


def test_a_value_under_a_key_that_left_the_ring_is_refused(use_key_ring):
    use_key_ring("k1")
    token = encrypt(PHONE, context=PHONE_CONTEXT)

    use_key_ring("k2")

    with pytest.raises(DecryptionError, match="k1"):
        decrypt(token, context=PHONE_CONTEXT)


def flip_one_bit(token: str, position: int) -> str:
    prefix, body = token.rsplit(":", 1)
    raw = bytearray(base64.b64decode(body))
    raw[position] ^= 0x01
    return f"{prefix}:{base64.b64encode(bytes(raw)).decode()}"


@pytest.mark.parametrize("position", [0, 12, -1], ids=["nonce", "ciphertext", "tag"])
def test_a_tampered_value_is_refused(use_key_ring, position):
    use_key_ring("k1")
    token = encrypt(PHONE, context=PHONE_CONTEXT)

    with pytest.raises(DecryptionError):
        decrypt(flip_one_bit(token, position), context=PHONE_CONTEXT)


@pytest.mark.parametrize(
    "mangle",
    [
        lambda token: token[:-8],
        lambda token: token.split(":", 2)[0] + ":" + token.split(":", 2)[1] + ":" + "AAAA",
        lambda token: "v2" + token[2:],
        lambda token: token.split(":", 2)[2],
        lambda token: token[:-2] + "!!",
    ],
    ids=["truncated", "too-short", "unknown-version", "no-prefix", "not-base64"],
)
def test_a_malformed_value_is_refused(use_key_ring, mangle):
    use_key_ring("k1")
    token = encrypt(PHONE, context=PHONE_CONTEXT)

    with pytest.raises(DecryptionError):
        decrypt(mangle(token), context=PHONE_CONTEXT)


def test_a_value_encrypted_for_one_column_does_not_decrypt_in_another(use_key_ring):
    use_key_ring("k1")
    token = encrypt("330281199001011234", context="detainees.person.id_number")

    with pytest.raises(DecryptionError):
        decrypt(token, context=PHONE_CONTEXT)


def test_relabelling_the_key_id_is_refused(use_key_ring):
    # Both keys are in the ring; the key id is authenticated, so it cannot be changed to another.
    use_key_ring("k2", "k1")
    token = encrypt(PHONE, context=PHONE_CONTEXT)

    with pytest.raises(DecryptionError):
        decrypt(token.replace("v1:k2:", "v1:k1:", 1), context=PHONE_CONTEXT)


def test_the_error_message_never_carries_the_value(use_key_ring):
    use_key_ring("k1")
    token = encrypt(PHONE, context=PHONE_CONTEXT)

    with pytest.raises(DecryptionError) as raised:
        decrypt(token, context="detainees.person.phone")

    assert PHONE not in str(raised.value)
    assert token not in str(raised.value)


def test_the_lookup_hash_is_the_same_for_two_spellings_of_one_number():
    one = lookup_hash("+86 138-1234-1234", context=PHONE_CONTEXT, normalizer=normalize_phone)
    other = lookup_hash("１３８１２３４１２３４", context=PHONE_CONTEXT, normalizer=normalize_phone)

    assert one == other
    assert len(one) == 64 and int(one, 16) >= 0
    assert one != lookup_hash("13812341235", context=PHONE_CONTEXT, normalizer=normalize_phone)


def test_the_lookup_hash_differs_between_columns_and_hash_keys(settings):
    phone_hash = lookup_hash(PHONE, context=PHONE_CONTEXT)

    assert phone_hash != lookup_hash(PHONE, context="detainees.person.phone")
    settings.FIELD_HASH_KEY = b"another-hash-key-of-at-least-32-bytes!"
    assert phone_hash != lookup_hash(PHONE, context=PHONE_CONTEXT)


@pytest.mark.parametrize(
    "raw",
    [
        "+86 138-1234-1234",
        "+8613812341234",
        "008613812341234",
        "138 1234 1234",
        "(138)1234-1234",
        "１３８１２３４１２３４",
    ],
)
def test_phone_numbers_are_normalised(raw):
    assert normalize_phone(raw) == "13812341234"


def test_a_landline_keeps_its_area_code():
    assert normalize_phone("0574-6234 5678") == "057462345678"
