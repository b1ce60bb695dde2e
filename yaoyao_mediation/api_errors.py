"""A service's ValidationError as a DRF 400 body. The services hold the rules and their Chinese
messages; the API answers them field by field, like the errors of its own serializers."""

from __future__ import annotations

from collections.abc import Collection, Mapping

from django.core.exceptions import ValidationError
from rest_framework.settings import api_settings


def service_error_detail(
    error: ValidationError,
    fields: Collection[str],
    renamed: Mapping[str, str] | None = None,
    *,
    nested: Mapping[str, Collection[str]] | None = None,
) -> dict:
    """The messages of `error` by field where the API has the field: `fields` are the serializer's own
    names, `renamed` maps a service's field name to the API's, and `nested` puts the fields of a nested
    serializer under its name ({"person": person_fields} gives {"person": {"name": [...]}}). Every other
    message goes under non_field_errors."""
    non_field = api_settings.NON_FIELD_ERRORS_KEY
    if not hasattr(error, "error_dict"):
        return {non_field: error.messages}
    renamed = renamed or {}
    nested = nested or {}
    detail: dict = {}
    for field, messages in error.message_dict.items():
        outer = next((outer for outer, inner in nested.items() if field in inner), None)
        name = renamed.get(field, field)
        if outer is not None:
            detail.setdefault(outer, {})[field] = messages
        elif name in fields:
            detail.setdefault(name, []).extend(messages)
        else:  # NON_FIELD_ERRORS, or a model field the API does not take
            detail.setdefault(non_field, []).extend(messages)
    return detail
