"""Model fields for sensitive values: ID numbers, phone numbers, health notes (DESIGN.md §5).

    phone = EncryptedTextField(_("手机号码"), blank=True, hash_field="phone_hash", normalizer=normalize_phone)
    phone_hash = models.CharField(max_length=64, blank=True, editable=False, db_index=True)

`EncryptedTextField` stores `v1:<key id>:<base64>` (security.encryption) and hands plain text to Python:
it encrypts in get_prep_value and decrypts in from_db_value. None and "" are stored as they are, so
"no value" needs no key. Because every encryption uses a fresh nonce, the column cannot be searched
or compared: every lookup but `isnull` is refused with a FieldError instead of silently matching
nothing. Ordering by it is meaningless.

`hash_field` names a CharField of the same model, declared after this field (a system check says so:
an INSERT reads the columns in their declared order), that pre_save fills with the keyed hash of the
normalised plain value (security.encryption.lookup_hash); "" for no value. Find rows with

    encrypted_lookup(User, "phone", "+86 138-1234-1234")            # a queryset
    User.objects.filter(phone_hash=lookup_hash_for(User, "phone", value))

and make a value unique with a constraint on the hash column, blank values excluded:

    models.UniqueConstraint(fields=["id_number_hash"], condition=~Q(id_number_hash=""), name=...)

Writes: save(), create() and bulk_create() run pre_save, so the hash is filled. queryset.update() and
bulk_update() do not: the value is still stored encrypted, but its hash goes stale. Write these
fields through save() in the app's services, and name the hash column too in
save(update_fields=[...]) (`["phone", "phone_hash"]`). `manage.py rotate_keys --rehash` recomputes
every hash. dumpdata writes the plain values (Django serialises the Python value): treat its output
as the sensitive data it is.

The associated data of each value is the column's context, "<app_label>.<model>.<column>". It is
written into the migration (the `context` argument), so that audit-event copies of the field (django-
pghistory builds them from deconstruct()) read the values its triggers copy. Renaming a model or a
column therefore needs the old context passed explicitly, or a re-encryption.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core import checks
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.translation import gettext_lazy as _

from .encryption import decrypt, encrypt, lookup_hash, normalize_text

HASH_HEX_LENGTH = 64
# pre_save fills the hash attribute, but an INSERT has already read the columns declared before it.
HASH_ORDER_HINT = "An INSERT reads the columns in declared order: a hash column declared earlier is stored stale."


class EncryptedTextField(models.TextField):
    description = _("加密文本")

    def __init__(
        self,
        *args: Any,
        hash_field: str | None = None,
        normalizer: Callable[[str], str] | None = None,
        context: str | None = None,
        **kwargs: Any,
    ) -> None:
        self.hash_field = hash_field
        self.normalizer = normalizer
        self.given_context = context
        self.context = context
        super().__init__(*args, **kwargs)

    def contribute_to_class(self, cls: type[models.Model], name: str, private_only: bool = False) -> None:
        super().contribute_to_class(cls, name, private_only=private_only)
        # Recomputed for each class, so a field inherited from an abstract model gets its child's label.
        if self.given_context is None:
            self.context = f"{cls._meta.label_lower}.{self.column}"

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if self.hash_field is not None:
            kwargs["hash_field"] = self.hash_field
        if self.normalizer is not None:
            kwargs["normalizer"] = self.normalizer
        if self.context is not None:
            kwargs["context"] = self.context
        return name, path, args, kwargs

    def get_lookup(self, lookup_name: str):
        # A fresh nonce per value: an `exact` (or `in`, `contains`...) lookup could never match.
        if lookup_name != "isnull":
            return None
        return super().get_lookup(lookup_name)

    def get_transform(self, lookup_name: str):
        return None

    def from_db_value(self, value: str | None, expression, connection) -> str | None:
        if value is None or value == "":
            return value
        return decrypt(value, context=self.context)

    def get_prep_value(self, value: Any) -> str | None:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(value, context=self.context)

    def hash_of(self, value: str | None) -> str:
        """The lookup hash stored for `value`; "" for no value, so blank rows never match real ones."""
        normalizer = self.normalizer or normalize_text
        if value is None or normalizer(value) == "":
            return ""
        return lookup_hash(value, context=self.context, normalizer=normalizer)

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        value = super().pre_save(model_instance, add)
        if self.hash_field is not None:
            hash_attname = self.model._meta.get_field(self.hash_field).attname
            setattr(model_instance, hash_attname, self.hash_of(value))
        return value

    def check(self, **kwargs: Any) -> list[checks.CheckMessage]:
        return [*super().check(**kwargs), *self._check_hash_field()]

    def _check_hash_field(self) -> list[checks.CheckMessage]:
        if self.hash_field is None:
            return []
        try:
            target = self.model._meta.get_field(self.hash_field)
        except FieldDoesNotExist:
            target = None
        if not isinstance(target, models.CharField) or (target.max_length or 0) < HASH_HEX_LENGTH:
            problem = f"hash_field {self.hash_field!r} must be a CharField with max_length >= {HASH_HEX_LENGTH}"
            return [checks.Error(problem, obj=self, id="security.E001")]
        fields = self.model._meta.concrete_fields
        if fields.index(target) < fields.index(self):
            problem = f"hash_field {self.hash_field!r} must be declared after {self.name!r}"
            return [checks.Error(problem, hint=HASH_ORDER_HINT, obj=self, id="security.E002")]
        return []


def encrypted_field(model: type[models.Model], field_name: str) -> EncryptedTextField:
    field = model._meta.get_field(field_name)
    if not isinstance(field, EncryptedTextField) or field.hash_field is None:
        raise FieldDoesNotExist(f"{model._meta.label}.{field_name} is no EncryptedTextField with a hash_field")
    return field


def lookup_hash_for(model: type[models.Model], field_name: str, value: str | None) -> str:
    """The hash column's value for `value` in `model`.`field_name` ("" for a blank value)."""
    return encrypted_field(model, field_name).hash_of(value)


def encrypted_lookup(
    model_or_queryset: type[models.Model] | models.QuerySet, field_name: str, value: str | None
) -> models.QuerySet:
    """Rows whose encrypted `field_name` equals `value` after normalisation (none for a blank value)."""
    if isinstance(model_or_queryset, models.QuerySet):
        queryset = model_or_queryset
    else:
        queryset = model_or_queryset._default_manager.all()
    field = encrypted_field(queryset.model, field_name)
    digest = field.hash_of(value)
    if digest == "":
        return queryset.none()
    return queryset.filter(**{field.hash_field: digest})
