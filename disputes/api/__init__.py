"""/api/v1/leads/ and /api/v1/sessions/: dispute leads and mediation sessions for partner systems,
scoped like the pages (disputes.selectors, DESIGN.md §5).

Leads: officers and leaders of a centre, on every method; every other role gets 403 (not an empty list),
an officer of another centre 404 on a lead of this one. Party phone numbers leave only masked.

Sessions: read by centre staff (their centre's), court staff (those by video with their court or with a
participant of it) and the people invited to one (court mediators, volunteers, agency staff: a
django-guardian grant). Each reader gets a field whitelist of their own:
- centre staff, SessionSerializer: the whole record;
- court staff, CourtSessionSerializer: the session, with only the detention facts of
  disclosure.DETENTION[Audience.COURT] (the same list the session page uses) and no leader's override;
- the invited ones are SEALED viewers, SealedSessionSerializer: the logistics only (time, mode, room, the
  person's name, the dispute, who takes part), never a fact of the detention record (decision, offence,
  handling unit, cell, dates, health) and not the free-text topic, which is the centre's working note.
Only centre staff book a session (POST); a double booking answers 409 with the service's message.

Every write goes through disputes.services, whose Chinese messages come back field by field.

serializers.py holds what each reader gets, inputs.py what a partner sends, filters.py the filters and
cursor pages, views.py the permission classes and viewsets; yaoyao_mediation/api_urls.py routes to the
views exported here.
"""

from .views import lead_detail, lead_list, session_detail, session_list

__all__ = ["lead_detail", "lead_list", "session_detail", "session_list"]
