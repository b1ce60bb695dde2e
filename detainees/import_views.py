"""The import pages: upload and dry run, the result with its errors, confirm or discard, the progress
of a large import, and the centre's import log (DESIGN.md §3). For the officers and leaders of a
centre; another centre's import is 404."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import BadRequest, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRefresh

from accounts.access import current_membership, staff_facility_id
from accounts.permissions import requires

from . import imports
from .access import get_import_for_user
from .imports.applying import IN_PROGRESS
from .imports.forms import ConfirmForm, UploadForm
from .models import ImportLog

PAGE_SIZE = 30


@requires("import_records")
@never_cache
@require_http_methods(["GET", "POST"])
def import_list(request: HttpRequest) -> HttpResponse:
    """GET: the upload form and the centre's past imports, newest first. POST: upload and dry run."""
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        log = imports.check_upload(
            upload,
            kind=form.cleaned_data["kind"],
            file_name=upload.name,
            user=request.user,
            facility=current_membership(request.user).organization,
        )
        return redirect("detainees:import_detail", pk=log.pk)
    logs = ImportLog.objects.filter(facility_id=staff_facility_id(request.user)).select_related("created_by")
    before = request.GET.get("before")
    if before is not None:
        if not (before.isascii() and before.isdigit()):  # "²" is a digit to isdigit, not to int
            raise BadRequest("bad page cursor")
        logs = logs.filter(pk__lt=int(before))
    rows = list(logs.order_by("-pk")[: PAGE_SIZE + 1])
    next_url = f"?before={rows[PAGE_SIZE - 1].pk}" if len(rows) > PAGE_SIZE else None
    status = 400 if form.is_bound else 200
    return render(
        request,
        "detainees/imports.html",
        {"form": form, "logs": rows[:PAGE_SIZE], "next_url": next_url, "paged": before is not None},
        status=status,
    )


@requires("import_records")
@never_cache
@require_GET
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    log = get_import_for_user(request.user, pk)
    can_confirm = (
        log.status == ImportLog.Status.CHECKED and log.source == ImportLog.Source.UPLOAD and bool(log.stored_file)
    )
    return render(
        request,
        "detainees/imports_detail.html",
        {
            "log": log,
            "valid_rows": imports.valid_count(log),
            "to_write": log.new_count + log.updated_count,
            "can_confirm": can_confirm,
            "in_progress": log.status in IN_PROGRESS,
        },
    )


@requires("import_records")
@require_POST
def import_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    log = get_import_for_user(request.user, pk)
    form = ConfirmForm(request.POST)
    if not form.is_valid():
        raise BadRequest("bad confirmation")
    try:
        log = imports.confirm_import(log, only_valid=form.cleaned_data["only_valid"])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("detainees:import_detail", pk=pk)
    if log.status == ImportLog.Status.DONE:
        messages.success(
            request,
            _("导入完成：新增 %(new)s 条，更新 %(updated)s 条，未变 %(unchanged)s 条。")
            % {"new": log.new_count, "updated": log.updated_count, "unchanged": log.unchanged_count},
        )
    elif log.status == ImportLog.Status.CHECKED:
        messages.error(
            request, _("数据在预检后发生了变化，出现了新的无效行，未导入任何数据。请查看下方错误后重新选择。")
        )
    elif log.status == ImportLog.Status.FAILED:
        messages.error(request, _("导入失败，请查看下方说明。"))
    return redirect("detainees:import_detail", pk=pk)


@requires("import_records")
@require_POST
def import_discard(request: HttpRequest, pk: int) -> HttpResponse:
    log = get_import_for_user(request.user, pk)
    if imports.discard_import(log):
        messages.success(request, _("已放弃这次导入，未写入任何数据。"))
    else:
        messages.error(request, _("这次导入已经确认或结束，不能放弃。"))
    return redirect("detainees:import_list")


@requires("import_records")
@never_cache
@require_GET
def import_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress bar, polled by htmx every two seconds; once the import has ended, htmx reloads the
    page to show the result. Without htmx, the detail page (which refreshes itself)."""
    log = get_import_for_user(request.user, pk)
    if not request.htmx:
        return redirect("detainees:import_detail", pk=pk)
    if log.status not in IN_PROGRESS:
        return HttpResponseClientRefresh()
    return render(request, "detainees/_imports_progress.html", {"log": log, "in_progress": True})
