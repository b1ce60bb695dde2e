"""Every API view reads JSON with the project's parser, which bounds a body's size and depth
(yaoyao_mediation.json_input): a view naming DRF's own JSONParser, as ObtainAuthToken does, would
answer a body nested 100,000 deep with a RecursionError (500)."""

from __future__ import annotations

from rest_framework import parsers
from rest_framework.views import APIView

from tests.test_access_matrix import ROUTES
from yaoyao_mediation.json_input import JSONParser, load_json, nesting_too_deep


def api_views():
    for route in ROUTES:
        view_class = getattr(route.callback, "cls", None)
        if view_class is not None and issubclass(view_class, APIView):
            yield route, view_class


def test_every_api_view_parses_json_with_the_bounded_parser():
    checked = []
    for route, view_class in api_views():
        json_parsers = [parser for parser in view_class.parser_classes if issubclass(parser, parsers.JSONParser)]
        assert json_parsers, f"{route} reads no JSON"
        assert all(issubclass(parser, JSONParser) for parser in json_parsers), f"{route}: {json_parsers}"
        checked.append(route.path)
    assert {"api/v1/auth/token/", "api/v1/imports/detentions/", "api/v1/leads/", "api/v1/sessions/"} <= set(checked)


def test_the_depth_is_counted_outside_strings_only():
    assert not nesting_too_deep(
        '{"a": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[ \\" {{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{"}'
    )
    assert nesting_too_deep("[" * 33 + "]" * 33)
    assert not nesting_too_deep("[" * 32 + "]" * 32)
    assert load_json('[{"rows": [{"name": "赵建军"}]}]') == [{"rows": [{"name": "赵建军"}]}]
