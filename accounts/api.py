"""Token sign-in for partner systems and a who-am-I endpoint to check a token."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.decorators import api_view, permission_classes
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings

from .access import current_membership
from .permissions import ApiPublic, ApiSignedIn


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    full_name = serializers.CharField()
    organization = serializers.CharField(allow_null=True)
    organization_code = serializers.CharField(allow_null=True)
    role = serializers.CharField(allow_null=True)


class ObtainToken(ObtainAuthToken):
    """POST username and password; the answer holds the token for `Authorization: Token <token>`."""

    permission_classes = [ApiPublic]
    # ObtainAuthToken names DRF's own JSON parser; the project's bounds size and depth (settings).
    parser_classes = api_settings.DEFAULT_PARSER_CLASSES

    @extend_schema(request=ObtainAuthToken.serializer_class, responses={200: TokenSerializer}, tags=["auth"])
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)


obtain_token = ObtainToken.as_view()


@extend_schema(responses={200: MeSerializer}, tags=["auth"])
@api_view(["GET"])
@permission_classes([ApiSignedIn])
def me(request: Request) -> Response:
    membership = current_membership(request.user)
    return Response(
        MeSerializer(
            {
                "username": request.user.username,
                "full_name": request.user.full_name,
                "organization": membership.organization.name if membership else None,
                "organization_code": membership.organization.code if membership else None,
                "role": membership.role if membership else None,
            }
        ).data
    )
