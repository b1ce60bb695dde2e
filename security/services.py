"""Writes of the security app: re-encrypting stored values under the current key."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pghistory.models
from django.apps import apps
from django.db import models, transaction
from django.db.models.functions import Cast

from .encryption import VERSION, DecryptionError, decrypt, key_id_of, key_ring
from .fields import EncryptedTextField

Progress = Callable[[str, int, int], None]


class RotationError(Exception):
    pass


@dataclass
class RotationResult:
    model: str
    rows: int = 0  # rows examined
    reencrypted: int = 0  # values moved to the current key
    rehashed: int = 0  # hash columns that changed


def encrypted_models() -> Iterator[tuple[type[models.Model], list[EncryptedTextField]]]:
    """Each concrete model with its own EncryptedTextFields.

    Audit-event models (django-pghistory) are left out: their rows are append-only, so they keep the
    key they were written under. A key may leave FIELD_ENCRYPTION_KEYS only once no event kept
    under it is still needed.
    """
    for model in apps.get_models():
        meta = model._meta
        if meta.proxy or not meta.managed or issubclass(model, pghistory.models.Event):
            continue
        fields = [field for field in meta.local_concrete_fields if isinstance(field, EncryptedTextField)]
        if fields:
            yield model, fields


def _raw(field: EncryptedTextField) -> str:
    return f"raw_{field.attname}"


def rotate_keys(
    *, rehash: bool = False, batch_size: int = 500, progress: Progress | None = None
) -> list[RotationResult]:
    """Re-encrypt under the current key every stored value written under another; idempotent.

    Rows are taken in primary-key order, `batch_size` at a time, each batch locked and rewritten in one
    transaction, so the command can be stopped and run again: a row already under the current key is
    not touched. With `rehash`, every row is read and its hash columns recomputed (after the hash key
    changed, or after writes through queryset.update() left them stale).
    """
    return [
        _rotate_model(model, fields, rehash=rehash, batch_size=batch_size, progress=progress)
        for model, fields in encrypted_models()
    ]


def _rotate_model(
    model: type[models.Model],
    fields: list[EncryptedTextField],
    *,
    rehash: bool,
    batch_size: int,
    progress: Progress | None,
) -> RotationResult:
    current_id = key_ring().current_id
    current_prefix = f"{VERSION}:{current_id}:"
    # Cast to text, so the ORM hands over the stored token instead of decrypting it.
    queryset = model._base_manager.annotate(
        **{_raw(field): Cast(field.attname, output_field=models.TextField()) for field in fields}
    )
    if not rehash:
        under_old_key = models.Q()
        for field in fields:
            under_old_key |= models.Q(**{f"{_raw(field)}__isnull": False}) & ~models.Q(
                models.Q(**{_raw(field): ""}) | models.Q(**{f"{_raw(field)}__startswith": current_prefix})
            )
        queryset = queryset.filter(under_old_key)
    hashed = [field for field in fields if field.hash_field is not None]
    hash_attnames = [model._meta.get_field(field.hash_field).attname for field in hashed]
    columns = ["pk", *(_raw(field) for field in fields), *hash_attnames]

    result = RotationResult(model=model._meta.label)
    total = queryset.count()
    last_pk = None
    while True:
        with transaction.atomic():
            batch = queryset.order_by("pk")
            if last_pk is not None:
                batch = batch.filter(pk__gt=last_pk)
            rows = list(batch.select_for_update().values(*columns)[:batch_size])
            for row in rows:
                _rotate_row(model, fields, row, current_id=current_id, rehash=rehash, result=result)
        if not rows:
            break
        last_pk = rows[-1]["pk"]
        result.rows += len(rows)
        if progress is not None:
            progress(result.model, result.rows, total)
    return result


def _rotate_row(
    model: type[models.Model],
    fields: list[EncryptedTextField],
    row: dict,
    *,
    current_id: str,
    rehash: bool,
    result: RotationResult,
) -> None:
    changes = {}
    for field in fields:
        token = row[_raw(field)]
        if token is None or token == "":
            plain = token
        else:
            try:
                plain = decrypt(token, context=field.context)
            except DecryptionError as error:
                raise RotationError(f"{model._meta.label} pk={row['pk']} {field.name}: {error}") from None
            if key_id_of(token) != current_id:
                # update() encrypts the plain value under the current key (get_db_prep_save).
                changes[field.attname] = plain
                result.reencrypted += 1
        if rehash and field.hash_field is not None:
            hash_attname = model._meta.get_field(field.hash_field).attname
            digest = field.hash_of(plain)
            if row[hash_attname] != digest:
                changes[hash_attname] = digest
                result.rehashed += 1
    if changes:
        model._base_manager.filter(pk=row["pk"]).update(**changes)
