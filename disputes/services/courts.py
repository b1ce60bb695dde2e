"""Which courts a centre works with: those of its own county (video sessions, judicial confirmation)."""

from __future__ import annotations

from accounts.models import Organization

COURT_KINDS = {Organization.Kind.COURT, Organization.Kind.ENFORCEMENT_BUREAU}


def _in_county(organization: Organization, facility: Organization) -> bool:
    county = facility.county()
    return county is not None and organization.path.startswith(county.path)
