from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DisputesConfig(AppConfig):
    name = "disputes"
    verbose_name = _("矛盾纠纷")

    def ready(self) -> None:
        # accounts and detainees sit below disputes (DESIGN.md §3): their dashboards, worklist and timeline
        # learn of leads and sessions here, and a transfer moves the leads and frees the old centre's sessions.
        from accounts.views import DASHBOARD_HOOKS
        from detainees.selectors import OPEN_LEADS_COUNT_HOOKS, TIMELINE_SOURCES
        from detainees.services import TRANSFER_HOOKS

        from .calendar import dashboard_sessions
        from .selectors import open_leads_of_detention
        from .services import follow_transfer
        from .timeline import disputes_timeline

        OPEN_LEADS_COUNT_HOOKS.append(open_leads_of_detention)
        TIMELINE_SOURCES.append(disputes_timeline)
        DASHBOARD_HOOKS.append(dashboard_sessions)
        TRANSFER_HOOKS.append(follow_transfer)
