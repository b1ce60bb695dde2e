"""Writes to accounts: organizations, users and memberships."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr

from .models import Membership, Organization, Role, User


@transaction.atomic
def create_organization(
    *,
    name: str,
    kind: str,
    code: str,
    region_code: str,
    parent: Organization | None = None,
    is_state_organ: bool = True,
) -> Organization:
    org = Organization(
        name=name, kind=kind, code=code, region_code=region_code, parent=parent, is_state_organ=is_state_organ
    )
    _check_parent(org, parent)
    # The path holds the row's own key, known only after the insert: a placeholder first.
    org.path = f"/new-{code}/"
    org.full_clean(exclude=["path"])
    org.save()
    org.path = f"{parent.path if parent else '/'}{org.pk}/"
    org.depth = parent.depth + 1 if parent else 0
    org.save(update_fields=["path", "depth"])
    return org


@transaction.atomic
def move_organization(org: Organization, *, new_parent: Organization) -> Organization:
    """Hang `org` (and its subtree) under `new_parent`, rewriting the paths in one UPDATE."""
    org = Organization.objects.select_for_update().get(pk=org.pk)
    if new_parent.path.startswith(org.path):
        raise ValidationError("不能把机构移动到它自己的下级之下")
    _check_parent(org, new_parent)
    old_path, new_path = org.path, f"{new_parent.path}{org.pk}/"
    depth_change = new_parent.depth + 1 - org.depth
    org.subtree().update(
        path=Concat(Value(new_path), Substr(F("path"), len(old_path) + 1)),
        depth=F("depth") + depth_change,
    )
    Organization.objects.filter(pk=org.pk).update(parent=new_parent)
    org.refresh_from_db()
    return org


def _check_parent(org: Organization, parent: Organization | None) -> None:
    allowed = org.allowed_parent_kinds()
    if parent is None:
        if allowed:
            raise ValidationError({"parent": f"{org.get_kind_display()}必须有上级机构"})
        return
    if parent.kind not in allowed:
        raise ValidationError(
            {"parent": f"{org.get_kind_display()}不能设在{parent.get_kind_display()}之下"}
        )


@transaction.atomic
def create_user(*, username: str, password: str, full_name: str = "", email: str = "") -> User:
    user = User(username=username, full_name=full_name, email=email)
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    return user


@transaction.atomic
def grant_membership(user: User, *, organization: Organization, role: str) -> Membership:
    """Give `user` a role in `organization`; the role's group carries its model permissions."""
    role = Role(role)
    membership, _created = Membership.objects.update_or_create(
        user=user, organization=organization, role=role, defaults={"is_active": True}
    )
    user.groups.add(Group.objects.get(name=role.value))
    # The system administrator works in Django's admin; no other role does (三员分立).
    is_staff = Membership.objects.filter(user=user, role=Role.SYSTEM_ADMIN, is_active=True).exists()
    if user.is_staff != is_staff:
        user.is_staff = is_staff
        user.save(update_fields=["is_staff"])
    return membership
