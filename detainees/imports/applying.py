"""Running an import and keeping its log: the dry run, the confirmation, and the apply in batches.

Every import runs the same way, whether a file uploaded in the browser, a JSON push or a command:

1. check every row (nothing written), counting new / updated / unchanged / invalid;
2. stop there for a dry run, or when rows are invalid and the user has not chosen to import only the
   valid ones: a file with bad rows saves nothing;
3. otherwise read the rows again and apply them in batches of settings.IMPORT_BATCH_SIZE, one
   transaction per batch, re-checking each batch inside its transaction (the data may have changed
   since step 1). Audit events carry the import: {"source": "import:<id>", "user": <who>}.

An uploaded file waits in private storage (ImportLog.stored_file) between the dry run and the
confirmation; a large one is applied by a Celery worker (detainees.tasks), which reports progress in
ImportLog.processed_rows. Applying is idempotent on the platform references, so a task delivered
again after its worker died simply finds the rows it had already applied unchanged.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import islice
from typing import BinaryIO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Organization, User
from accounts.permissions import require
from audit.context import acting
from yaoyao_mediation.states import require_transition

from ..models import ImportLog
from .parsing import ImportFileError, json_rows, read_rows
from .validating import Checked, DetentionImport, HealthCheckImport, Scope, SeenKeys

logger = logging.getLogger(__name__)

IMPORTERS = {ImportLog.Kind.DETENTIONS: DetentionImport, ImportLog.Kind.HEALTH_CHECKS: HealthCheckImport}
IN_PROGRESS = (ImportLog.Status.QUEUED, ImportLog.Status.RUNNING)
# The log keeps this many row errors; the page and the API say how many more there were.
MAX_STORED_ERRORS = 500

Rows = Iterable[tuple[int, object]]


@dataclass
class Totals:
    total: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    invalid: int = 0
    errors: list[dict] = field(default_factory=list)
    errors_left_out: int = 0

    def add(self, items: list[Checked]) -> None:
        for item in items:
            self.total += 1
            setattr(self, item.outcome, getattr(self, item.outcome) + 1)
            for error in item.errors:
                if len(self.errors) < MAX_STORED_ERRORS:
                    self.errors.append(error)
                else:
                    self.errors_left_out += 1

    def write_to(self, log: ImportLog) -> None:
        log.total_rows = self.total
        log.new_count, log.updated_count = self.new, self.updated
        log.unchanged_count, log.invalid_count = self.unchanged, self.invalid
        log.errors = list(self.errors)
        if self.errors_left_out:
            note = _("另有 %(n)s 条错误未列出（只保存前 %(max)s 条）") % {
                "n": self.errors_left_out,
                "max": MAX_STORED_ERRORS,
            }
            log.errors.append({"row": None, "field": "", "message": note})


def batched(rows: Rows, size: int) -> Iterator[list]:
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


def run(
    importer: DetentionImport | HealthCheckImport,
    rows: Rows,
    scope: Scope,
    *,
    apply: bool,
    on_batch: Callable[[Totals], None] | None = None,
) -> Totals:
    """Check (and with apply=True, apply) every row, a batch at a time. Raises ImportFileError."""
    totals = Totals()
    with SeenKeys() as seen:
        for batch in batched(rows, settings.IMPORT_BATCH_SIZE):
            if apply:
                with transaction.atomic():
                    items = importer.check(batch, scope, seen)
                    importer.apply(items, scope)
            else:
                items = importer.check(batch, scope, seen)
            totals.add(items)
            if on_batch is not None:
                on_batch(totals)
    return totals


def execute(
    log: ImportLog,
    rows: Callable[[], Rows],
    scope: Scope,
    *,
    dry_run: bool,
    only_valid: bool,
    rejected_status: str = ImportLog.Status.FAILED,
    accepted_invalid: int | None = None,
) -> ImportLog:
    """Steps 1-3 above for one import; `rows()` reads the rows from the start each time it is called.
    A check that finds invalid rows the user has not accepted (all of them without only_valid, more
    than `accepted_invalid` with it) leaves the log in `rejected_status` and writes nothing."""
    importer = IMPORTERS[log.kind]()
    try:
        checked = run(importer, rows(), scope, apply=False)
    except ImportFileError as error:
        return _file_failed(log, error.message)
    except Exception:
        # A row the checks did not foresee: the log must not stay "checked" (nothing would ever end
        # it), but failed, and removed by remove_refused_imports like every refused import.
        logger.exception("import %s: the check failed", log.pk)
        return _file_failed(log, _("导入过程中出错，请联系系统管理员"))
    checked.write_to(log)
    log.processed_rows = 0
    rejected = checked.invalid and (
        not only_valid or (accepted_invalid is not None and checked.invalid > accepted_invalid)
    )
    if dry_run or rejected:
        _move(log, ImportLog.Status.CHECKED if dry_run else rejected_status)
        if rejected and rejected_status == ImportLog.Status.CHECKED:
            log.only_valid_rows = False
        log.save()
        return log
    _move(log, ImportLog.Status.RUNNING)
    log.save()

    def progress(totals: Totals) -> None:
        # updated_at too: sweep_imports takes an import without progress for too long as abandoned.
        ImportLog.objects.filter(pk=log.pk).update(processed_rows=totals.total, updated_at=timezone.now())

    try:
        with acting(user=scope.user, source=f"import:{log.pk}"):
            applied = run(importer, rows(), scope, apply=True, on_batch=progress)
    except Exception as error:
        # Batches applied before the failure stay (each is whole); a second run finds them unchanged.
        logger.exception("import %s failed", log.pk)
        message = error.message if isinstance(error, ImportFileError) else _("导入过程中出错，请联系系统管理员")
        log.refresh_from_db(fields=["processed_rows"])
        _move(log, ImportLog.Status.FAILED)
        log.errors = [*log.errors, {"row": None, "field": "", "message": message}]
        log.finished_at = timezone.now()
        log.save()
        _delete_file(log)
        return log
    applied.write_to(log)
    _move(log, ImportLog.Status.DONE)
    log.processed_rows = applied.total
    log.finished_at = timezone.now()
    log.save()
    _delete_file(log)
    return log


def _move(log: ImportLog, status: str) -> None:
    """The log's own moves in this process, checked against ImportLog.TRANSITIONS. (The moves made by
    a conditional UPDATE below are enforced by its status filter instead.)"""
    require_transition(log, status)
    log.status = status


def _file_failed(log: ImportLog, message: str) -> ImportLog:
    _move(log, ImportLog.Status.FAILED)
    log.errors = [{"row": None, "field": "", "message": message}]
    log.finished_at = timezone.now()
    log.save()
    _delete_file(log)
    return log


def _delete_file(log: ImportLog) -> None:
    if log.stored_file:
        log.stored_file.delete(save=False)
        log.save(update_fields=["stored_file", "updated_at"])


def checksum(file: BinaryIO) -> str:
    file.seek(0)
    digest = hashlib.sha256()
    for chunk in iter(lambda: file.read(1 << 16), b""):
        digest.update(chunk)
    file.seek(0)
    return digest.hexdigest()


def stored_rows(log: ImportLog) -> Iterator[tuple[int, object]]:
    columns = IMPORTERS[log.kind].columns
    with log.stored_file.storage.open(log.stored_file.name, "rb") as file:
        yield from read_rows(file, file_name=log.file_name, columns=columns)


# --- the browser: upload and dry run, then confirm or discard ------------------------------------------


def check_upload(
    file, *, kind: str, file_name: str, user: User, facility: Organization, now: datetime | None = None
) -> ImportLog:
    """Keep an uploaded file and dry-run it: an ImportLog in status checked, or failed when the file
    cannot be read at all. Nothing is written to the case tables."""
    require(user, "import_records", facility)
    log = ImportLog(
        kind=kind,
        source=ImportLog.Source.UPLOAD,
        facility=facility,
        file_name=file_name[:255],
        checksum=checksum(file),
        created_by=user,
    )
    # A random name: the sender's may carry a person's name.
    log.stored_file.save(uuid.uuid4().hex, File(file), save=False)
    log.save()
    scope = Scope(facility=facility, user=user, now=now or timezone.now())
    return execute(log, lambda: stored_rows(log), scope, dry_run=True, only_valid=False)


def confirm_import(log: ImportLog, *, only_valid: bool) -> ImportLog:
    """The user's "import" (or "import only the valid rows") on a checked upload: applied at once when
    small, else queued for a worker. ValidationError when that is not possible."""
    if log.invalid_count and not only_valid:
        raise ValidationError(_("文件中有无效行：请修改文件后重新上传，或选择“仅导入有效行”"))
    # checked → queued (ImportLog.TRANSITIONS), enforced by the status filter: one confirmation wins.
    claimed = (
        ImportLog.objects.filter(pk=log.pk, status=ImportLog.Status.CHECKED, source=ImportLog.Source.UPLOAD)
        .exclude(stored_file="")
        .update(status=ImportLog.Status.QUEUED, only_valid_rows=only_valid, updated_at=timezone.now())
    )
    if not claimed:
        raise ValidationError(_("这次导入已经确认、放弃或结束，不能再次确认"))
    if log.total_rows <= settings.IMPORT_SYNC_MAX_ROWS:
        return apply_import(log.pk)
    from .. import tasks  # the task module imports this one

    try:
        tasks.apply_import.delay(log.pk)
    except Exception as error:  # the broker is down: nothing is lost, the user may try again
        logger.warning("could not queue import %s: %s", log.pk, error)
        # queued → checked: back to the user, only if no worker claimed it meanwhile.
        ImportLog.objects.filter(pk=log.pk, status=ImportLog.Status.QUEUED).update(status=ImportLog.Status.CHECKED)
        raise ValidationError(_("后台任务队列暂时不可用，请稍后再试")) from None
    log.refresh_from_db()
    return log


def apply_import(import_id: int, *, now: datetime | None = None) -> ImportLog:
    """Re-check a confirmed upload and apply it: the body of the Celery task, and of the confirmation
    of a small file. Runs again from the start when its task is delivered again (a worker died)."""
    # queued → running, or running → running for a task delivered again (ImportLog.TRANSITIONS).
    claimed = ImportLog.objects.filter(
        pk=import_id, status__in=[ImportLog.Status.QUEUED, ImportLog.Status.RUNNING]
    ).update(status=ImportLog.Status.RUNNING, processed_rows=0, updated_at=timezone.now())
    log = ImportLog.objects.select_related("facility", "created_by").get(pk=import_id)
    if not claimed:
        return log
    scope = Scope(facility=log.facility, user=log.created_by, now=now or timezone.now())
    return execute(
        log,
        lambda: stored_rows(log),
        scope,
        dry_run=False,
        only_valid=log.only_valid_rows,
        # The data changed since the dry run: the user sees the new errors and decides again.
        rejected_status=ImportLog.Status.CHECKED,
        accepted_invalid=log.invalid_count,
    )


def discard_import(log: ImportLog) -> bool:
    """The user gives up a checked upload; its file is deleted. False when it was no longer waiting."""
    # checked → discarded (ImportLog.TRANSITIONS), enforced by the status filter.
    discarded = ImportLog.objects.filter(pk=log.pk, status=ImportLog.Status.CHECKED).update(
        status=ImportLog.Status.DISCARDED, finished_at=timezone.now(), updated_at=timezone.now()
    )
    if discarded:
        log.refresh_from_db()
        _delete_file(log)
    return bool(discarded)


def sweep_imports(*, now: datetime) -> tuple[int, int]:
    """Level-triggered, from beat every few minutes (detainees.tasks). Queues again every import that
    waited or ran without progress for longer than a task may run (its message was lost with Redis,
    or its worker died): applying is idempotent, so the rows already applied count as unchanged. And
    discards the uploads left unconfirmed for IMPORT_UNCONFIRMED_HOURS, with their files: the files
    hold ID numbers in plain text. Returns (queued again, discarded)."""
    from .. import tasks  # the task module imports this one

    stale = now - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 5 * 60)
    requeued = 0
    for pk in ImportLog.objects.filter(status__in=IN_PROGRESS, updated_at__lt=stale).values_list("pk", flat=True):
        # Claimed by moving updated_at: a second sweep running at the same time finds nothing to do.
        if ImportLog.objects.filter(pk=pk, status__in=IN_PROGRESS, updated_at__lt=stale).update(updated_at=now):
            tasks.apply_import.delay(pk)
            requeued += 1
    expired = ImportLog.objects.filter(
        status=ImportLog.Status.CHECKED,
        created_at__lt=now - timedelta(hours=settings.IMPORT_UNCONFIRMED_HOURS),
    ).exclude(stored_file="")
    discarded = sum(discard_import(log) for log in expired)
    return requeued, discarded


def remove_refused_imports(*, now: datetime) -> int:
    """Level-triggered, with sweep_imports (detainees.tasks). Deletes the logs of the imports that were
    refused and wrote nothing, once IMPORT_UNCONFIRMED_HOURS old: a push or file with invalid rows,
    a file that could not be read, a check that failed. (A push or command never waits in "checked":
    one found there was left by a request that died.) An import that failed while applying keeps its
    log when it wrote rows (processed_rows): the audit events of those rows name it. Returns how many."""
    old = now - timedelta(hours=settings.IMPORT_UNCONFIRMED_HOURS)
    refused = ImportLog.objects.filter(status=ImportLog.Status.FAILED, processed_rows=0)
    abandoned = ImportLog.objects.filter(status=ImportLog.Status.CHECKED).exclude(source=ImportLog.Source.UPLOAD)
    removed = 0
    for log in (refused | abandoned).filter(updated_at__lt=old):
        _delete_file(log)
        log.delete()
        removed += 1
    return removed


# --- the JSON push and the operators' commands ------------------------------------------------------


def import_records(
    kind: str,
    records: list,
    *,
    user: User,
    facility: Organization,
    checksum: str,
    dry_run: bool,
    only_valid: bool,
    now: datetime | None = None,
) -> ImportLog:
    """A JSON push of the API: the same checks and the same all-or-nothing rule, within the request."""
    require(user, "import_records", facility)
    log = ImportLog.objects.create(
        kind=kind,
        source=ImportLog.Source.API,
        facility=facility,
        checksum=checksum,
        created_by=user,
        only_valid_rows=only_valid,
    )
    columns = IMPORTERS[kind].columns
    scope = Scope(facility=facility, user=user, now=now or timezone.now())
    return execute(log, lambda: json_rows(records, columns=columns), scope, dry_run=dry_run, only_valid=only_valid)


def import_file(
    kind: str,
    file: BinaryIO,
    *,
    file_name: str,
    facility: Organization | None,
    user: User | None = None,
    dry_run: bool,
    only_valid: bool,
    now: datetime | None = None,
) -> ImportLog:
    """A file imported by an operator's command (no facility: any centre), read where it lies."""
    log = ImportLog.objects.create(
        kind=kind,
        source=ImportLog.Source.COMMAND,
        facility=facility,
        file_name=file_name[-255:],
        checksum=checksum(file),
        created_by=user,
        only_valid_rows=only_valid,
    )
    columns = IMPORTERS[kind].columns

    def rows() -> Rows:
        file.seek(0)
        return read_rows(file, file_name=file_name, columns=columns)

    scope = Scope(facility=facility, user=user, now=now or timezone.now())
    return execute(log, rows, scope, dry_run=dry_run, only_valid=only_valid)


def valid_count(log: ImportLog) -> int:
    return log.total_rows - log.invalid_count
