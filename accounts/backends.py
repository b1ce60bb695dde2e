"""Model permissions come from the user's active memberships, not from stored group rows.

A role's permissions are those of the group with the role's name (created by migration). Reading
them through the active memberships means that revoking a membership ends its permissions at once;
there is no second place (user.groups, is_staff) that could be left behind.
"""

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission

from .models import Membership


class MembershipBackend(ModelBackend):
    def _get_group_permissions(self, user_obj):
        roles = Membership.objects.filter(user=user_obj, is_active=True, organization__is_active=True).values("role")
        return Permission.objects.filter(group__name__in=roles)
