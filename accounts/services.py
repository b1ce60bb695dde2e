"""Writes to accounts: organizations, users and memberships."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext as _

from security.normalizers import validate_phone

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
    # The path holds the row's own key, known only after the insert: a placeholder first.
    org.path = f"/new-{code}/"
    org.full_clean(exclude=["path"])  # includes the parent-kind rule of Organization.clean()
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
        raise ValidationError(_("不能把机构移动到它自己的下级之下"))
    org.parent = new_parent
    org.clean()
    old_path, new_path = org.path, f"{new_parent.path}{org.pk}/"
    depth_change = new_parent.depth + 1 - org.depth
    org.subtree().update(
        path=Concat(Value(new_path), Substr(F("path"), len(old_path) + 1)),
        depth=F("depth") + depth_change,
    )
    Organization.objects.filter(pk=org.pk).update(parent=new_parent)
    org.refresh_from_db()
    return org


@transaction.atomic
def create_user(*, username: str, password: str, full_name: str = "", email: str = "", phone: str = "") -> User:
    # The same check as every phone input (a ValidationError on "phone" for one that is no number).
    try:
        phone = validate_phone(phone)
    except ValidationError as error:
        raise ValidationError({"phone": error.messages}) from None
    user = User(username=username, full_name=full_name, email=email, phone=phone)
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    return user


@transaction.atomic
def grant_membership(user: User, *, organization: Organization, role: str) -> Membership:
    """Give `user` a role in `organization`; the role's group carries its model permissions."""
    # Permissions and admin access follow the active memberships at every request
    # (accounts.backends, accounts.admin_site), so nothing else needs to change here.
    membership, _created = Membership.objects.update_or_create(
        user=user, organization=organization, role=Role(role), defaults={"is_active": True}
    )
    return membership


@transaction.atomic
def revoke_membership(membership: Membership) -> Membership:
    """End a role. The row stays (who held which role when is part of the record)."""
    Membership.objects.filter(pk=membership.pk).update(is_active=False)
    membership.refresh_from_db()
    return membership
