"""DRF serializer fields that send a sensitive value only masked (security.masking): what the API gives
partner systems. Showing a value in full is a logged action of the officer pages, never of the API."""

from __future__ import annotations

from rest_framework import serializers

from .masking import mask_id_number, mask_phone


class MaskedIdNumberField(serializers.CharField):
    """The document number as `330281********1234`: never the full value."""

    def to_representation(self, value: str) -> str:
        return mask_id_number(value)


class MaskedPhoneField(serializers.CharField):
    """The phone number as `138****1234`: never the full value."""

    def to_representation(self, value: str) -> str:
        return mask_phone(value)
