"""manage.py import_detentions FILE --facility CODE [--dry-run] [--only-valid]: detentions from a
custody-platform file (DESIGN.md §3), through detainees.imports like an upload in the browser."""

from django.utils.translation import gettext_lazy

from detainees.models import ImportLog

from ._import_command import ImportCommand


class Command(ImportCommand):
    help = gettext_lazy("导入公安监管综合平台导出的入所记录（先预检；有无效行时不写入任何数据，除非加 --only-valid）。")
    kind = ImportLog.Kind.DETENTIONS
    facility_required = True
