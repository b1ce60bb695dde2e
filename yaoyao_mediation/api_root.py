"""GET /api/v1/: what the API offers, as DRF's browsable API root does: every endpoint by name, with
the schema and its documentation. No data and no sign-in: partner developers start here."""

from __future__ import annotations

import re

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import api_view, permission_classes
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.permissions import ApiPublic

# "<int:pk>" in a route becomes "{pk}" in the listing, as in the OpenAPI paths.
CONVERTER = re.compile(r"<(?:\w+:)?(\w+)>")


@extend_schema(responses={200: OpenApiTypes.OBJECT}, tags=["root"])
@api_view(["GET"])
@permission_classes([ApiPublic])
def api_root(request: Request) -> Response:
    from . import api_urls  # the routes that list this view

    base = request.build_absolute_uri(reverse("api-root"))
    endpoints = {
        pattern.name: base + CONVERTER.sub(r"{\1}", str(pattern.pattern))
        for pattern in api_urls.urlpatterns
        if pattern.name and pattern.name != "api-root"
    }
    return Response(
        {
            "endpoints": endpoints,
            "schema": request.build_absolute_uri(reverse("schema")),
            "docs": request.build_absolute_uri(reverse("swagger-ui")),
        }
    )
