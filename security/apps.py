from axes.apps import AppConfig as AxesConfig
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SecurityConfig(AppConfig):
    # The app's own config, though this module holds two (LockoutConfig is named in INSTALLED_APPS).
    default = True
    name = "security"
    verbose_name = _("安全")

    def ready(self) -> None:
        from django.core.validators import ProhibitNullCharactersValidator

        # Every form and DRF text field refuses U+0000 (PostgreSQL cannot store it) with Django's
        # message, whose Chinese reads "no empty string allowed"; say what is refused instead, the same
        # words as the imports use (detainees/imports/validating.py).
        ProhibitNullCharactersValidator.message = _("不能包含空字符（U+0000）")


class LockoutConfig(AxesConfig):
    """django-axes (the sign-in lockout, DESIGN.md §5) under Chinese names in the admin: axes ships no
    Chinese catalogue, and the system administrator unlocks sign-ins there.

    The names are set on the models' options when the app is ready. Migrations read the options the
    models declare (Meta), not these, so axes' own migrations stay as they are."""

    default = False
    verbose_name = _("登录锁定")

    MODEL_NAMES = {
        "AccessAttempt": _("登录失败（锁定）记录"),
        "AccessFailureLog": _("登录失败日志"),
        "AccessLog": _("登录日志"),
        "AccessAttemptExpiration": _("锁定到期时间"),
    }
    FIELD_NAMES = {
        "user_agent": _("浏览器标识"),
        "ip_address": _("IP 地址"),
        "username": _("用户名"),
        "http_accept": _("HTTP Accept 头"),
        "path_info": _("请求路径"),
        "attempt_time": _("时间"),
        "locked_out": _("已锁定"),
        "get_data": _("GET 参数"),
        "post_data": _("POST 参数"),
        "failures_since_start": _("连续失败次数"),
        "access_attempt": _("登录失败记录"),
        "expires_at": _("到期时间"),
        "logout_time": _("退出时间"),
        "session_hash": _("会话标识摘要（SHA-256）"),
    }

    def ready(self) -> None:
        super().ready()
        for model in self.get_models():
            name = self.MODEL_NAMES.get(model.__name__)
            if name is not None:
                model._meta.verbose_name = model._meta.verbose_name_plural = name
            for field in model._meta.get_fields():
                if field.name in self.FIELD_NAMES:
                    field.verbose_name = self.FIELD_NAMES[field.name]
