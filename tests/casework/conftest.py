"""The casework pages show several apps: their tests use the fixtures of the apps below."""

from tests.detainees.conftest import frozen_now, make_detention  # noqa: F401 (fixtures)
from tests.disputes.conftest import (  # noqa: F401 (fixtures)
    approve_plan,
    make_lead,
    ready_lead,
    rooms,
    session_booked,
    volunteer_on_roster,
)
from tests.disputes.test_agreement_pdf import agreement, pdf_storage, queued_renders, resolved_lead  # noqa: F401
