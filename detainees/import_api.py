"""/api/v1/imports/detentions/ and /api/v1/imports/health-checks/: the platforms push JSON rows.

The same checks and rules as a file uploaded in the browser (detainees.imports): idempotent on the
platform references, an error in Chinese per bad row, and all or nothing: with invalid rows the push
saves nothing (400) unless it says `"only_valid": true`. `"dry_run": true` checks without writing.
For the officers and leaders of a centre, into their own centre only (another centre's rows are
invalid). Pushes are applied within the request, up to settings.IMPORT_API_MAX_ROWS rows.

Every answer, 200 or 400, has the same keys (ImportResultSerializer), so a partner system reads one
shape; a body that is no JSON list of rows answers it too, with `id` and `status` null.
"""

from __future__ import annotations

import hashlib
import json

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import api_view, parser_classes, permission_classes
from rest_framework.exceptions import ParseError
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.access import current_membership
from accounts.permissions import api_permission
from yaoyao_mediation.json_input import JSONParser

from . import imports
from .api import CENTRE_STAFF_ONLY
from .models import ImportLog

TIME_HELP = gettext_lazy("北京时间 YYYY-MM-DD HH:MM[:SS] 或 YYYY/MM/DD HH:MM；也接受带时区的 ISO 8601")


# --- the rows, for the schema (the rows themselves are checked by detainees.imports) ----------------


class DetentionImportRowSerializer(serializers.Serializer):
    facility_code = serializers.CharField(help_text=gettext_lazy("监所代码，须为本所，例如 330281-JLS"))
    external_ref = serializers.CharField(help_text=gettext_lazy("入所编号（公安监管综合平台），据此识别记录"))
    name = serializers.CharField(help_text=gettext_lazy("姓名"))
    id_number = serializers.CharField(help_text=gettext_lazy("居民身份证号码（18 位或旧式 15 位）"))
    phone = serializers.CharField(required=False, allow_blank=True, help_text=gettext_lazy("联系电话"))
    household_address = serializers.CharField(required=False, allow_blank=True, help_text=gettext_lazy("户籍地址"))
    current_address = serializers.CharField(required=False, allow_blank=True, help_text=gettext_lazy("现住址"))
    employer = serializers.CharField(required=False, allow_blank=True, help_text=gettext_lazy("工作单位"))
    kind = serializers.CharField(
        help_text=gettext_lazy("拘留类型：行政拘留 / 司法拘留（或 administrative / judicial）")
    )
    decision_number = serializers.CharField(required=False, allow_blank=True, help_text=gettext_lazy("决定书文号"))
    handling_unit = serializers.CharField(required=False, allow_blank=True, help_text=gettext_lazy("办案单位"))
    reason = serializers.CharField(required=False, allow_blank=True, help_text=gettext_lazy("拘留事由"))
    admitted_at = serializers.CharField(help_text=TIME_HELP)
    days = serializers.IntegerField(
        required=False, allow_null=True, help_text=gettext_lazy("拘留天数；与预计出所时间至少填写一项")
    )
    scheduled_release_at = serializers.CharField(required=False, allow_blank=True, help_text=TIME_HELP)
    released_at = serializers.CharField(
        required=False, allow_blank=True, help_text=gettext_lazy("出所时间，在所期间留空；格式同入所时间")
    )
    cell = serializers.CharField(required=False, allow_blank=True, help_text=gettext_lazy("监室"))


class HealthCheckImportRowSerializer(serializers.Serializer):
    external_ref = serializers.CharField(help_text=gettext_lazy("体检编号（全民健康信息平台），据此识别记录"))
    detention_ref = serializers.CharField(help_text=gettext_lazy("入所编号：须为本所的入所记录"))
    id_number = serializers.CharField(help_text=gettext_lazy("居民身份证号码，须与入所记录的被拘留人一致"))
    checked_at = serializers.CharField(help_text=TIME_HELP)
    conclusion = serializers.CharField(help_text=gettext_lazy("体检结论：适宜 / 暂缓 / 不宜参加调解"))
    findings = serializers.CharField(required=False, allow_blank=True, help_text=gettext_lazy("异常项目"))
    history = serializers.CharField(required=False, allow_blank=True, help_text=gettext_lazy("既往病史"))
    mental_state = serializers.CharField(required=False, allow_blank=True, help_text=gettext_lazy("精神状况"))


# What the views validate (the schema shows the subclasses below): the rows' contents are left to
# detainees.imports, which names the row and the column of every problem in Chinese.
class ImportRequestSerializer(serializers.Serializer):
    rows = serializers.ListField(allow_empty=False, help_text=gettext_lazy("数据行，每行一个对象（英文键）"))
    dry_run = serializers.BooleanField(default=False, help_text=gettext_lazy("只预检，不写入"))
    only_valid = serializers.BooleanField(
        default=False, help_text=gettext_lazy("有无效行时仍导入其余有效行；否则有无效行时不写入任何数据")
    )


class DetentionImportRequestSerializer(ImportRequestSerializer):
    rows = DetentionImportRowSerializer(many=True, allow_empty=False)


class HealthCheckImportRequestSerializer(ImportRequestSerializer):
    rows = HealthCheckImportRowSerializer(many=True, allow_empty=False)


class ImportErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(allow_null=True, help_text=gettext_lazy("行号：rows 中的第几个（从 1 起）"))
    field = serializers.CharField(allow_blank=True, help_text=gettext_lazy("出错的列（中文列名）"))
    message = serializers.CharField(help_text=gettext_lazy("中文错误说明，含行号和列名"))


class ImportResultSerializer(serializers.Serializer):
    detail = serializers.CharField()
    id = serializers.IntegerField(allow_null=True, help_text=gettext_lazy("导入记录编号"))
    kind = serializers.ChoiceField(choices=ImportLog.Kind.choices)
    status = serializers.ChoiceField(choices=ImportLog.Status.choices, allow_null=True)
    dry_run = serializers.BooleanField()
    only_valid = serializers.BooleanField()
    total = serializers.IntegerField()
    new = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    invalid = serializers.IntegerField()
    errors = ImportErrorSerializer(many=True)


# --- the views ---------------------------------------------------------------------------------------


def _answer(kind: str, detail: str, code: int, *, log: ImportLog | None = None, options=None, errors=None):
    options = options or {}
    body = {
        "detail": detail,
        "id": log.pk if log else None,
        "kind": kind,
        "status": log.status if log else None,
        "dry_run": bool(options.get("dry_run", False)),
        "only_valid": bool(options.get("only_valid", False)),
        "total": log.total_rows if log else 0,
        "new": log.new_count if log else 0,
        "updated": log.updated_count if log else 0,
        "unchanged": log.unchanged_count if log else 0,
        "invalid": log.invalid_count if log else 0,
        "errors": log.errors if log else (errors or []),
    }
    return Response(ImportResultSerializer(body).data, status=code)


def _request_errors(errors, prefix: str = "") -> list[dict]:
    """DRF's nested errors as flat {"row": None, "field", "message"} entries."""
    flat = []
    if isinstance(errors, dict):
        for name, value in errors.items():
            flat += _request_errors(value, f"{prefix}{name}.")
    elif isinstance(errors, list):
        for value in errors:
            flat += _request_errors(value, prefix)
    else:
        name = prefix.rstrip(".")
        flat.append({"row": None, "field": name, "message": f"{name}：{errors}" if name else str(errors)})
    return flat


def push(request: Request, kind: str) -> Response:
    length = request.META.get("CONTENT_LENGTH") or "0"
    if length.isdigit() and int(length) > settings.IMPORT_MAX_UPLOAD_BYTES:
        return _answer(kind, _("请求过大，请分批推送"), status.HTTP_400_BAD_REQUEST)
    try:
        data = request.data
    except ParseError as error:  # what the parser found (too deep, too large) is the one error listed
        errors = [{"row": None, "field": "", "message": str(error.detail)}]
        return _answer(kind, _("请求体不是有效的 JSON"), status.HTTP_400_BAD_REQUEST, errors=errors)
    if isinstance(data, list):
        data = {"rows": data}
    form = ImportRequestSerializer(data=data)
    if not form.is_valid():
        return _answer(
            kind,
            _('请求格式不正确：应为数据行组成的列表，或 {"rows": [...], "dry_run": ..., "only_valid": ...}'),
            status.HTTP_400_BAD_REQUEST,
            errors=_request_errors(form.errors),
        )
    options = form.validated_data
    rows = options["rows"]
    if len(rows) > settings.IMPORT_API_MAX_ROWS:
        return _answer(
            kind,
            _("单次推送不能超过 %(n)s 行，请分批推送") % {"n": settings.IMPORT_API_MAX_ROWS},
            status.HTTP_400_BAD_REQUEST,
            options=options,
        )
    canonical = json.dumps(rows, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    log = imports.import_records(
        kind,
        rows,
        user=request.user,
        facility=current_membership(request.user).organization,
        checksum=hashlib.sha256(canonical.encode()).hexdigest(),
        dry_run=options["dry_run"],
        only_valid=options["only_valid"],
    )
    if log.status == ImportLog.Status.DONE:
        return _answer(kind, _("导入完成"), status.HTTP_200_OK, log=log, options=options)
    if log.status == ImportLog.Status.CHECKED:
        return _answer(kind, _("预检完成，未写入任何数据"), status.HTTP_200_OK, log=log, options=options)
    if log.invalid_count:
        detail = _("有 %(n)s 行无效，未写入任何数据：请修改后重新推送，或设置 only_valid 仅导入有效行") % {
            "n": log.invalid_count
        }
        return _answer(kind, detail, status.HTTP_400_BAD_REQUEST, log=log, options=options)
    return _answer(kind, _("导入失败"), status.HTTP_500_INTERNAL_SERVER_ERROR, log=log, options=options)


RESPONSES = {
    200: ImportResultSerializer,
    400: OpenApiResponse(
        ImportResultSerializer,
        description=gettext_lazy("有无效行（未写入任何数据），或请求格式不正确：errors 列出每一行的中文错误"),
    ),
    401: OpenApiResponse(description=gettext_lazy("未登录或令牌无效")),
    403: OpenApiResponse(description=gettext_lazy("只有拘留所民警和所领导可以使用此接口")),
}
EXAMPLE_ANSWER = OpenApiExample(
    "invalid",
    summary=gettext_lazy("有一行无效"),
    response_only=True,
    status_codes=["400"],
    value={
        "detail": "有 1 行无效，未写入任何数据：请修改后重新推送，或设置 only_valid 仅导入有效行",
        "id": 42,
        "kind": "detentions",
        "status": "failed",
        "dry_run": False,
        "only_valid": False,
        "total": 3,
        "new": 2,
        "updated": 0,
        "unchanged": 0,
        "invalid": 1,
        "errors": [{"row": 2, "field": "身份证号", "message": "第 2 行，身份证号：身份证号码校验位不正确，请核对号码"}],
    },
)


@extend_schema(
    summary=gettext_lazy("推送入所记录（公安监管综合平台）"),
    description=gettext_lazy(
        "按入所编号新增或更新本所的入所记录；同样的数据再次推送时计为“未变”。"
        "请求体为数据行组成的列表，或带 dry_run / only_valid 的对象。"
    ),
    tags=["imports"],
    request=DetentionImportRequestSerializer,
    responses=RESPONSES,
    examples=[EXAMPLE_ANSWER],
)
@api_view(["POST"])
@parser_classes([JSONParser])
@permission_classes([api_permission("import_records", message=CENTRE_STAFF_ONLY)])
def detention_import(request: Request) -> Response:
    return push(request, ImportLog.Kind.DETENTIONS)


@extend_schema(
    summary=gettext_lazy("推送体检记录（全民健康信息平台）"),
    description=gettext_lazy(
        "按体检编号新增或更新本所被拘留人的体检记录；入所编号须为本所的入所记录，身份证号须与之一致。"
    ),
    tags=["imports"],
    request=HealthCheckImportRequestSerializer,
    responses=RESPONSES,
)
@api_view(["POST"])
@parser_classes([JSONParser])
@permission_classes([api_permission("import_records", message=CENTRE_STAFF_ONLY)])
def health_check_import(request: Request) -> Response:
    return push(request, ImportLog.Kind.HEALTH_CHECKS)
