"""What the forms of every app build their fields from: text, phone and textarea fields, the date, time
and datetime-local widgets and fields (within the dates the system can mean), the attributes of number
inputs, and add_service_errors, which puts a service's ValidationError back onto the form that called
it (the services hold the rules and their messages). The API's serializers and filters use the same
date check (validate_date_in_range)."""

from __future__ import annotations

from datetime import date, datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from security.normalizers import validate_phone

# Document and phone numbers are not for the browser's form history on a shared centre PC.
PRIVATE_NUMBER = {"autocomplete": "off", "spellcheck": "false"}
PHONE_NUMBER = {"autocomplete": "off", "inputmode": "tel"}

# The dates the system can mean. Python's dates end at years 1 and 9999, and the pages and services
# compute around a date (a calendar week, a release so many days on, local midnight in UTC): a date
# outside this range is refused as input rather than failing with OverflowError in a computation.
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2199, 12, 31)


def validate_date_in_range(value: date | datetime) -> None:
    day = value.date() if isinstance(value, datetime) else value
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        raise ValidationError(
            _("日期应在 %(first)s 至 %(last)s 之间") % {"first": EARLIEST_DATE, "last": LATEST_DATE},
            code="date_out_of_range",
        )


class PhoneField(forms.CharField):
    """A phone number: NFKC-normalised (full-width digits become ASCII) and checked as a mobile or a
    landline with its area code (security.normalizers.validate_phone)."""

    def to_python(self, value):
        return validate_phone(super().to_python(value))


def text_field(
    label, max_length: int, *, required: bool = False, help_text: str = "", attrs: dict | None = None
) -> forms.CharField:
    """A one-line text field. With the phone number's attributes (PHONE_NUMBER) it is a PhoneField:
    every phone input of every form is normalised and checked the same way."""
    field_class = PhoneField if attrs is PHONE_NUMBER else forms.CharField
    return field_class(
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
    return forms.DateTimeField(
        label=label,
        required=required,
        widget=LocalDateTimeInput(),
        help_text=help_text,
        validators=[validate_date_in_range],
    )


def date_field(label="", *, required: bool = True, help_text: str = "", **options) -> forms.DateField:
    """A date, within the dates the system can mean (validate_date_in_range)."""
    options.setdefault("widget", DateInput())
    return forms.DateField(
        label=label, required=required, help_text=help_text, validators=[validate_date_in_range], **options
    )


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
