from accounts.access import current_membership

from .navigation import navigation_for


def membership(request):
    """The signed-in user's organization, role and navigation, for the header of every page."""
    current = current_membership(request.user) if hasattr(request, "user") else None
    return {"membership": current, "nav_items": navigation_for(current)}
