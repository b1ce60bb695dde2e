"""Users, the organization tree and who works where in which role (DESIGN.md §3 accounts)."""

from __future__ import annotations

import pghistory
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from audit.tracking import changed_except, track
from security.fields import EncryptedTextField
from security.normalizers import normalize_phone


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        abstract = True


class Role(models.TextChoices):
    """Each role is also a Django group of the same name, created by migration 0002."""

    OFFICER = "officer", _("管教民警")
    CENTRE_LEADER = "centre_leader", _("所领导")
    COURT_STAFF = "court_staff", _("法院工作人员")
    COURT_MEDIATOR = "court_mediator", _("驻所法院调解员")
    AGENCY_STAFF = "agency_staff", _("协作单位工作人员")
    VOLUNTEER = "volunteer", _("社会监督员")
    SUPERVISOR = "supervisor", _("监管部门")
    SYSTEM_ADMIN = "system_admin", _("系统管理员")
    SECURITY_ADMIN = "security_admin", _("安全管理员")
    AUDIT_ADMIN = "audit_admin", _("安全审计员")


CENTRE_ROLES = {Role.OFFICER, Role.CENTRE_LEADER}
ADMIN_ROLES = {Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN}


@track(
    pghistory.InsertEvent(),
    # Sign-ins (last_login) are not changes of the record.
    pghistory.UpdateEvent(condition=changed_except("password", "last_login")),
    pghistory.DeleteEvent(),
    # A password change is recorded by name only: the hash never enters the audit trail.
    pghistory.UpdateEvent("password_change", condition=pghistory.AnyChange("password")),
    exclude=["password", "last_login"],
)
class User(AbstractUser):
    full_name = models.CharField(_("姓名"), max_length=64, blank=True)
    # Staff mobile number, for SMS notifications. Encrypted (DESIGN.md §5); find a user by number with
    # security.fields.encrypted_lookup(User, "phone", number).
    phone = EncryptedTextField(
        _("手机号码"), max_length=32, blank=True, hash_field="phone_hash", normalizer=normalize_phone
    )
    phone_hash = models.CharField(
        max_length=64, blank=True, editable=False, db_index=True, verbose_name=_("联系电话检索码")
    )

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = pgettext_lazy("plural", "用户")

    def __str__(self) -> str:
        return self.full_name or self.username


@track()
class Organization(TimeStampedModel):
    class Kind(models.TextChoices):
        PROVINCE = "province", _("省")
        CITY = "city", _("市")
        COUNTY = "county", _("县（市、区）")
        FACILITY = "facility", _("拘留所")
        COURT = "court", _("人民法院")
        ENFORCEMENT_BUREAU = "enforcement_bureau", _("法院执行局")
        JUSTICE_BUREAU = "justice_bureau", _("司法局")
        LAW_FIRM = "law_firm", _("律师事务所")
        COUNSELLING_CENTRE = "counselling_centre", _("心理咨询机构")
        WOMENS_FEDERATION = "womens_federation", _("妇联")
        POLICE_STATION = "police_station", _("派出所")
        TOWNSHIP = "township", _("乡镇（街道）")
        VILLAGE_COMMITTEE = "village_committee", _("村（居）委会")
        OTHER = "other", _("其他协作单位")

    REGION_KINDS = {Kind.PROVINCE, Kind.CITY, Kind.COUNTY}
    # Which kind may hang under which: province → city → county; centres and partners under a county
    # (the enforcement bureau under its court).
    ALLOWED_PARENT_KINDS = {
        Kind.PROVINCE: set(),
        Kind.CITY: {Kind.PROVINCE},
        Kind.COUNTY: {Kind.CITY},
        Kind.ENFORCEMENT_BUREAU: {Kind.COURT, Kind.COUNTY},
    }
    DEFAULT_PARENT_KINDS = {Kind.COUNTY}

    name = models.CharField(_("名称"), max_length=128)
    kind = models.CharField(_("类型"), max_length=32, choices=Kind.choices)
    code = models.CharField(
        _("机构代码"),
        max_length=32,
        unique=True,
        validators=[RegexValidator(r"^[0-9A-Za-z-]+$", _("机构代码只能包含字母、数字和连字符"))],
        help_text=_("唯一代码，例如监所代码 330281-JLS，供平台导入使用"),
    )
    region_code = models.CharField(
        _("行政区划代码"),
        max_length=6,
        validators=[RegexValidator(r"^[1-8]\d{5}$", _("行政区划代码应为 6 位数字（GB/T 2260）"))],
        help_text=_("GB/T 2260，例如余姚市 330281；单位取其所在县（市、区）的代码"),
    )
    is_state_organ = models.BooleanField(
        _("国家机关"),
        default=True,
        help_text=_("律师事务所、心理咨询机构、村委会等非国家机关看不到被拘留事实（封存规则）"),
    )
    parent = models.ForeignKey(
        "self", verbose_name=_("上级"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    # Materialised path of primary keys, "/1/4/9/": a subtree is one indexed prefix match.
    path = models.CharField(max_length=255, editable=False, verbose_name=_("层级路径"))
    depth = models.PositiveSmallIntegerField(editable=False, default=0, verbose_name=_("层级深度"))
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("组织机构")
        verbose_name_plural = pgettext_lazy("plural", "组织机构")
        ordering = ["path"]
        constraints = [
            # Unique, and with the pattern opclass so that subtree()'s LIKE 'prefix%' uses it under any
            # collation: one index serves both uniqueness and subtree queries.
            models.UniqueConstraint(fields=["path"], name="org_path_prefix_idx", opclasses=["varchar_pattern_ops"]),
            models.UniqueConstraint(fields=["parent", "name"], name="org_unique_name_under_parent"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_region(self) -> bool:
        return self.kind in self.REGION_KINDS

    def allowed_parent_kinds(self) -> set[str]:
        return self.ALLOWED_PARENT_KINDS.get(self.kind, self.DEFAULT_PARENT_KINDS)

    def clean(self) -> None:
        allowed = self.allowed_parent_kinds()
        parent = self.parent
        if parent is None:
            if allowed:
                raise ValidationError({"parent": _("%(kind)s必须有上级机构") % {"kind": self.get_kind_display()}})
            return
        if parent.kind not in allowed:
            raise ValidationError(
                {
                    "parent": _("%(kind)s不能设在%(parent)s之下")
                    % {"kind": self.get_kind_display(), "parent": parent.get_kind_display()}
                }
            )

    def subtree(self) -> models.QuerySet[Organization]:
        """This organization and everything below it."""
        return Organization.objects.filter(path__startswith=self.path)

    def ancestors(self) -> models.QuerySet[Organization]:
        """The organizations above this one, from the root down (itself not included)."""
        ids = [int(part) for part in self.path.strip("/").split("/") if part][:-1]
        return Organization.objects.filter(pk__in=ids).order_by("depth")

    def county(self) -> Organization | None:
        """The county region this organization belongs to (itself when it is a county)."""
        if self.kind == self.Kind.COUNTY:
            return self
        return self.ancestors().filter(kind=self.Kind.COUNTY).first()


@track()
class Membership(TimeStampedModel):
    """A user works in one organization in one role. A user normally has one active membership."""

    user = models.ForeignKey(User, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(
        Organization, verbose_name=_("组织机构"), on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(_("角色"), max_length=32, choices=Role.choices)
    is_active = models.BooleanField(_("有效"), default=True)

    class Meta:
        verbose_name = _("任职")
        verbose_name_plural = pgettext_lazy("plural", "任职")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["user", "organization", "role"], name="membership_unique_role"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.organization} · {self.get_role_display()}"
