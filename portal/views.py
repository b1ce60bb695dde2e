"""Public pages: no login, their own base template, no access to staff querysets."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.models import Organization
from accounts.permissions import public


@public
def index(request: HttpRequest) -> HttpResponse:
    # Only the centres' names and counties: nothing here may reveal whether anyone is detained.
    centres = list(
        Organization.objects.filter(kind=Organization.Kind.FACILITY, is_active=True)
        .select_related("parent")
        .order_by("region_code", "name")
    )
    return render(request, "portal/index.html", {"centres": centres})
