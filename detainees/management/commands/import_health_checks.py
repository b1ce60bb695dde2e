"""manage.py import_health_checks FILE [--facility CODE] [--dry-run] [--only-valid]: health checks from
a health-platform file (DESIGN.md §3), through detainees.imports like an upload in the browser.
Without --facility the rows may belong to any centre's detentions."""

from django.utils.translation import gettext_lazy

from detainees.models import ImportLog

from ._import_command import ImportCommand


class Command(ImportCommand):
    help = gettext_lazy("导入全民健康信息平台导出的体检记录（先预检；有无效行时不写入任何数据，除非加 --only-valid）。")
    kind = ImportLog.Kind.HEALTH_CHECKS
    facility_required = False
