"""What manage.py import_detentions and import_health_checks share: a thin wrapper over
detainees.imports.import_file that prints the counts and the errors in Chinese.

Exit status 1 when rows are invalid and --only-valid was not given (nothing is saved then), and when
the file cannot be read; 0 otherwise."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from accounts.models import Organization
from detainees import imports
from detainees.models import ImportLog


class ImportCommand(BaseCommand):
    kind: str
    facility_required: bool

    def add_arguments(self, parser):
        parser.add_argument("file", help=_("CSV（UTF-8 或 GB18030）、XLSX 或 JSON 文件"))
        parser.add_argument(
            "--facility",
            required=self.facility_required,
            help=_("拘留所的监所代码，例如 330281-JLS：只导入该所的记录"),
        )
        parser.add_argument("--dry-run", action="store_true", help=_("只预检，不写入"))
        parser.add_argument(
            "--only-valid", action="store_true", help=_("有无效行时仍导入其余有效行（否则有无效行时不写入任何数据）")
        )

    def handle(self, *args, file: str, facility: str | None, dry_run: bool, only_valid: bool, **options):
        centre = None
        if facility:
            centre = Organization.objects.filter(code=facility, kind=Organization.Kind.FACILITY).first()
            if centre is None:
                raise CommandError(_("未知的监所代码：%(code)s") % {"code": facility})
        try:
            stream = open(file, "rb")  # noqa: SIM115 - closed below, after both passes over it
        except OSError as error:
            raise CommandError(
                _("无法打开文件 %(file)s：%(error)s") % {"file": file, "error": error.strerror}
            ) from None
        with stream:
            log = imports.import_file(
                self.kind, stream, file_name=file, facility=centre, dry_run=dry_run, only_valid=only_valid
            )
        self.report(log, only_valid=only_valid)

    def report(self, log: ImportLog, *, only_valid: bool) -> None:
        self.stdout.write(_("导入记录 #%(id)s，文件校验值 (SHA-256) %(sum)s") % {"id": log.pk, "sum": log.checksum})
        if log.status == ImportLog.Status.FAILED and not log.total_rows:
            raise CommandError(log.errors[0]["message"] if log.errors else _("导入失败"))
        self.stdout.write(
            _("共 %(total)s 行：新增 %(new)s，更新 %(updated)s，未变 %(unchanged)s，无效 %(invalid)s")
            % {
                "total": log.total_rows,
                "new": log.new_count,
                "updated": log.updated_count,
                "unchanged": log.unchanged_count,
                "invalid": log.invalid_count,
            }
        )
        for error in log.errors:
            self.stderr.write(error["message"])
        if log.status == ImportLog.Status.DONE:
            self.stdout.write(self.style.SUCCESS(_("导入完成")))
        elif log.invalid_count and not only_valid:
            if log.status == ImportLog.Status.CHECKED:
                raise CommandError(_("预检发现 %(n)s 行无效（未写入任何数据）") % {"n": log.invalid_count})
            raise CommandError(
                _("有 %(n)s 行无效，未写入任何数据：请修改文件，或加 --only-valid 仅导入有效行")
                % {"n": log.invalid_count}
            )
        elif log.status == ImportLog.Status.CHECKED:
            self.stdout.write(self.style.SUCCESS(_("预检完成，未写入任何数据")))
        else:
            raise CommandError(_("导入失败"))
