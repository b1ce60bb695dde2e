"""The query filters and cursor pages of /api/v1/leads/ and /api/v1/sessions/."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework.pagination import CursorPagination

from yaoyao_mediation.form_fields import validate_date_in_range

from ..models import DisputeLead, MediationSession


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(filters.NumberFilter):
    """An id: a whole number (NumberFilter alone takes decimals and is documented as a number)."""

    field_class = forms.IntegerField


class LeadFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=DisputeLead.Status.choices)
    category = filters.ChoiceFilter(choices=DisputeLead.Category.choices)
    detention = IdFilter(field_name="detention_id")
    open = filters.BooleanFilter(
        field_name="closed_at", lookup_expr="isnull", help_text=gettext_lazy("true：未结案；false：已结案")
    )

    class Meta:
        model = DisputeLead
        fields = ["status", "category", "detention", "open"]


class LeadPagination(CursorPagination):
    ordering = ("-created_at", "-id")


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _starts_on_or_after(queryset: QuerySet, name: str, value: date) -> QuerySet:
    return queryset.filter(starts_at__gte=_local_midnight(value))


def _starts_on_or_before(queryset: QuerySet, name: str, value: date) -> QuerySet:
    # A bound on the column rather than starts_at__date, so the calendar index serves the query.
    return queryset.filter(starts_at__lt=_local_midnight(value + timedelta(days=1)))


class SessionFilter(filters.FilterSet):
    room = IdFilter(field_name="room_id")
    status = filters.ChoiceFilter(choices=MediationSession.Status.choices)

    class Meta:
        model = MediationSession
        fields = ["room", "status"]


# "from" and "to" are Python keywords, so they cannot be class attributes of the FilterSet above.
SessionFilter.base_filters["from"] = filters.DateFilter(
    method=_starts_on_or_after,
    validators=[validate_date_in_range],
    help_text=gettext_lazy("开始日期不早于（含，本地日期）"),
)
SessionFilter.base_filters["to"] = filters.DateFilter(
    method=_starts_on_or_before,
    validators=[validate_date_in_range],
    help_text=gettext_lazy("开始日期不晚于（含，本地日期）"),
)


class SessionPagination(CursorPagination):
    ordering = ("starts_at", "id")
