from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CaseworkConfig(AppConfig):
    """The pages and steps that span several apps (DESIGN.md §3): the role dashboards, the worklist,
    a detention's page with its leads and timeline, and the transfer. It sits above every app it
    reads and imports only downward, so no lower app needs a list of callbacks to be shown here."""

    name = "casework"
    verbose_name = _("工作台")
