"""The custody clock as a deadline rule (DESIGN.md §4). Plain Python: no Celery, no SQL now().

A lead still open when its person is about to leave the centre is an alarm: the CUSTODY_CLOCK before
the release (the actual release when it came early, else the scheduled one) the lead's assigned officer
and the centre's leaders are reminded; a lead still open at the release is a breach, escalated to the
leaders. The due time is the release itself: the detention's, copied onto the lead (DisputeLead.release_at).
"""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sweeps.rules import Rule, Subject

from .models import DisputeLead
from .selectors import CUSTODY_CLOCK


def _open_leads():
    # Exactly the condition of lead_release_due_idx (release_at) WHERE closed_at IS NULL: the sweep's
    # "due before now" is one range of it (release_at is the detention's release, copied by the database).
    return DisputeLead.objects.filter(closed_at__isnull=True)


def _describe_lead(lead: DisputeLead) -> Subject:
    release = timezone.localtime(lead.detention.released_at or lead.detention.scheduled_release_at)
    return Subject(
        title=_("%(name)s · %(category)s（%(release)s 出所，线索未结）")
        % {
            "name": lead.detention.name,
            "category": lead.get_category_display(),
            "release": f"{release:%Y-%m-%d %H:%M}",
        },
        link=reverse("disputes:lead_detail", kwargs={"pk": lead.pk}),
    )


CUSTODY_CLOCK_RULE = Rule(
    name="custody_clock",
    label=gettext_lazy("出所前线索化解"),
    open_items=_open_leads,
    due_at="release_at",
    facility="facility_id",
    responsible="assigned_officer_id",
    permission="view_leads",
    describe=_describe_lead,
    related=("detention",),
    reminder_lead=lambda: CUSTODY_CLOCK,
    remind_leaders=True,
)
