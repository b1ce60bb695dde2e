from accounts.access import current_membership

from .selectors import unread_count as count_unread


def unread_count(request) -> dict:
    """The signed-in user's unread inbox messages, for the page header: one COUNT query.

    Only for users with a role (the inbox is a staff page); the membership is already cached on the
    user by casework.context_processors.membership, so asking for it costs nothing here.
    """
    user = getattr(request, "user", None)
    if user is None or current_membership(user) is None:
        return {}
    return {"unread_count": count_unread(user)}
