"""DRF serializer fields that send a sensitive value only masked (security.masking): what the API gives
partner systems. Showing a value in full is a logged action of the officer pages, never of the API.
And the input field of a phone number, checked like every other phone input (validate_phone)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from rest_framework import serializers

from .masking import mask_id_number, mask_phone
from .normalizers import validate_phone


class MaskedIdNumberField(serializers.CharField):
    """The document number as `330281********1234`: never the full value."""

    def to_representation(self, value: str) -> str:
        return mask_id_number(value)


class MaskedPhoneField(serializers.CharField):
    """The phone number as `138****1234`: never the full value."""

    def to_representation(self, value: str) -> str:
        return mask_phone(value)


class PhoneInputField(serializers.CharField):
    """A phone number in: NFKC-normalised and checked as a mobile or a landline with its area code."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("max_length", 32)
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_blank", True)
        kwargs.setdefault("default", "")
        super().__init__(**kwargs)

    def to_internal_value(self, data) -> str:
        try:
            return validate_phone(super().to_internal_value(data))
        except ValidationError as error:
            raise serializers.ValidationError(error.messages) from None
