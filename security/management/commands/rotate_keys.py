"""manage.py rotate_keys [--rehash] [--batch-size N]: see security.services.rotate_keys.

Put the new key first in FIELD_ENCRYPTION_KEYS (keeping the old ones after it), restart every process,
then run this. Audit events keep the key they were written under (security.services.encrypted_models),
so old keys stay in the ring, decrypt-only, for as long as those events are kept.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from security.encryption import key_ring
from security.services import RotationError, rotate_keys


class Command(BaseCommand):
    help = gettext_lazy("用 FIELD_ENCRYPTION_KEYS 的当前（第一个）密钥重新加密全部加密字段。")

    def add_arguments(self, parser):
        parser.add_argument(
            "--rehash", action="store_true", help=_("同时重算全部查找散列列（更换 FIELD_HASH_KEY 之后使用）")
        )
        parser.add_argument("--batch-size", type=int, default=500, help=_("每个事务处理的行数（默认 500）"))

    def handle(self, *args, rehash: bool, batch_size: int, **options):
        if batch_size < 1:
            raise CommandError(_("--batch-size 至少为 1"))
        self.stdout.write(_("当前密钥：%(key_id)s") % {"key_id": key_ring().current_id})

        def progress(model: str, done: int, total: int) -> None:
            self.stdout.write(f"{model}: {done}/{total}")

        try:
            results = rotate_keys(rehash=rehash, batch_size=batch_size, progress=progress)
        except RotationError as error:
            raise CommandError(str(error)) from error
        for result in results:
            self.stdout.write(
                _("%(model)s：检查 %(rows)d 行，重新加密 %(reencrypted)d 个值，重算 %(rehashed)d 个散列")
                % {
                    "model": result.model,
                    "rows": result.rows,
                    "reencrypted": result.reencrypted,
                    "rehashed": result.rehashed,
                }
            )
        self.stdout.write(self.style.SUCCESS(_("完成")))
