"""What the forms of every app build their fields from: text and textarea fields, the date, time and
datetime-local widgets, the attributes of number inputs, and add_service_errors, which puts a service's
ValidationError back onto the form that called it (the services hold the rules and their messages)."""

from __future__ import annotations

from datetime import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

# Document and phone numbers are not for the browser's form history on a shared centre PC.
PRIVATE_NUMBER = {"autocomplete": "off", "spellcheck": "false"}
PHONE_NUMBER = {"autocomplete": "off", "inputmode": "tel"}


def text_field(
    label, max_length: int, *, required: bool = False, help_text: str = "", attrs: dict | None = None
) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=max_length,
        required=required,
        help_text=help_text,
        widget=forms.TextInput(attrs=attrs) if attrs else None,
    )


def area_field(label, *, required: bool = False, help_text: str = "", rows: int = 3) -> forms.CharField:
    return forms.CharField(
        label=label, required=required, help_text=help_text, widget=forms.Textarea(attrs={"rows": rows})
    )


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs=None) -> None:
        super().__init__(attrs, format="%H:%M")


class LocalDateTimeInput(forms.DateTimeInput):
    """<input type="datetime-local"> in the project's time zone; seconds only when the value has them
    (a value imported with seconds keeps them, so saving an edit form does not change it)."""

    input_type = "datetime-local"

    def format_value(self, value):
        if isinstance(value, datetime):
            if timezone.is_aware(value):
                value = timezone.localtime(value)
            return value.strftime("%Y-%m-%dT%H:%M:%S" if value.second else "%Y-%m-%dT%H:%M")
        return super().format_value(value)

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        if isinstance(value, datetime) and value.second:
            context["widget"]["attrs"]["step"] = "1"
        return context


def local_datetime_field(label, *, required: bool = True, help_text: str = "") -> forms.DateTimeField:
    return forms.DateTimeField(label=label, required=required, widget=LocalDateTimeInput(), help_text=help_text)


def add_service_errors(form: forms.Form, error: ValidationError, aliases: dict[str, str] | None = None) -> None:
    """Put a service's ValidationError on the form: on the field it names when the form has it (`aliases`
    renames the service's field names to the form's), else above the form."""
    if hasattr(error, "error_dict"):
        aliases = aliases or {}
        for name, errors in error.error_dict.items():
            name = aliases.get(name, name)
            target = name if name in form.fields else None
            for item in errors:
                form.add_error(target, item.messages)
    else:
        form.add_error(None, error.messages)
