"""JSON from outside: every API request body (JSONParser, the only JSON parser of the API, set in
REST_FRAMEWORK) and the uploaded .json import files (detainees.imports.parsing) go through load_json.

Python's json module recurses once per level of nesting, so a body of 100,000 brackets raises
RecursionError (a server error) instead of a parse error; and a body read whole without a bound could
hold the worker's memory. Both are checked here, before parsing, and answered as bad input.
"""

from __future__ import annotations

import json
import re

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError

# No document of the project nests deeper than 4 levels ({"rows": [{...}]}); 32 leaves room for
# partners' wrappers and stays far below Python's recursion limit.
MAX_DEPTH = 32

# A JSON string (escapes included), to be blanked out before the brackets are counted; written as an
# "unrolled loop" so a 20 MB body is scanned in C at regex speed.
JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
BRACKET = re.compile(r"[\[\]{}]")


class JSONInputError(ValueError):
    """The text is no JSON the project reads; the message is for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class JSONTooDeep(JSONInputError):
    pass


def nesting_too_deep(text: str, max_depth: int = MAX_DEPTH) -> bool:
    depth = 0
    for match in BRACKET.finditer(JSON_STRING.sub('""', text)):
        if match.group() in "[{":
            depth += 1
            if depth > max_depth:
                return True
        else:
            depth -= 1
    return False


def _refuse_constant(name: str):
    # NaN and Infinity are JavaScript, not JSON: a partner sending them has a bug worth hearing about.
    raise JSONInputError(_("JSON 中不能使用 %(name)s") % {"name": name})


def load_json(text: str, *, max_depth: int = MAX_DEPTH):
    """The parsed value of `text`; JSONInputError when it is no JSON or nested deeper than max_depth."""
    if nesting_too_deep(text, max_depth):
        raise JSONTooDeep(_("JSON 嵌套层数过多（最多 %(n)s 层）") % {"n": max_depth})
    try:
        return json.loads(text, parse_constant=_refuse_constant)
    except JSONInputError:
        raise
    except ValueError as error:  # JSONDecodeError, with where it stopped
        raise JSONInputError(_("JSON 格式不正确（%(error)s）") % {"error": error}) from None


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser with a bounded size and depth, and its errors in Chinese (400)."""

    def parse(self, stream, media_type=None, parser_context=None):
        # The largest body any endpoint takes is an import push (checked again there, by its rows).
        limit = settings.IMPORT_MAX_UPLOAD_BYTES
        raw = stream.read(limit + 1)
        if len(raw) > limit:
            raise ParseError(_("请求体过大：不能超过 %(mb)s MB") % {"mb": f"{limit / 1024 / 1024:g}"})
        encoding = parsers.get_encoding(parser_context or {})
        try:
            return load_json(raw.decode(encoding))
        except UnicodeDecodeError:
            raise ParseError(_("请求体不是有效的 %(encoding)s 文本") % {"encoding": encoding}) from None
        except JSONInputError as error:
            raise ParseError(error.message) from None
