"""The forms of the import pages: the upload, and the confirmation."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from ..models import ImportLog


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:g}"


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("导入类型"), choices=ImportLog.Kind.choices, widget=forms.RadioSelect)
    file = forms.FileField(
        label=_("数据文件"),
        help_text=_("平台导出的 CSV（UTF-8 或 GB18030）、XLSX 或 JSON 文件。上传后先预检，确认后才写入。"),
        widget=forms.FileInput(attrs={"accept": ".csv,.xlsx,.json,text/csv,application/json"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.IMPORT_MAX_UPLOAD_BYTES
        if upload.size > limit:
            raise ValidationError(
                _("文件过大：不能超过 %(mb)s MB，请分成几个文件导入") % {"mb": _megabytes(limit)}, code="too_large"
            )
        return upload


class ConfirmForm(forms.Form):
    # Checked only in the "import only the valid rows" form, where the user has seen the errors.
    only_valid = forms.BooleanField(required=False)
