"""/api/v1/: each app adds its routes here as it grows an api.py."""

from django.conf import settings
from django.urls import path

from accounts import api as accounts_api
from detainees import api as detainees_api
from detainees import import_api as detainees_import_api
from disputes import api as disputes_api
from followups import api as followups_api
from security.ratelimit import rate_limit

from .api_root import api_root

urlpatterns = [
    # What the API offers: every route below by name (yaoyao_mediation.api_root).
    path("", api_root, name="api-root"),
    # The same per-address budget as the login page (one scope): the per-username lockout alone would
    # let one address try a few passwords on every username.
    path(
        "auth/token/",
        rate_limit("login", limit=settings.LOGIN_RATE_LIMIT, window_seconds=settings.LOGIN_RATE_LIMIT_WINDOW)(
            accounts_api.obtain_token
        ),
        name="api-token",
    ),
    path("me/", accounts_api.me, name="api-me"),
    path("detentions/", detainees_api.detention_list, name="api-detention-list"),
    path("detentions/<int:pk>/", detainees_api.detention_detail, name="api-detention-detail"),
    path("imports/detentions/", detainees_import_api.detention_import, name="api-import-detentions"),
    path("imports/health-checks/", detainees_import_api.health_check_import, name="api-import-health-checks"),
    path("leads/", disputes_api.lead_list, name="api-lead-list"),
    path("leads/<int:pk>/", disputes_api.lead_detail, name="api-lead-detail"),
    path("sessions/", disputes_api.session_list, name="api-session-list"),
    path("sessions/<int:pk>/", disputes_api.session_detail, name="api-session-detail"),
    path("followups/", followups_api.followup_list, name="api-followup-list"),
    path("followups/<int:pk>/", followups_api.followup_detail, name="api-followup-detail"),
    path("followups/<int:pk>/evaluation/", followups_api.followup_evaluation, name="api-followup-evaluation"),
    path("followups/<int:pk>/visits/", followups_api.followup_visits, name="api-followup-visits"),
]
