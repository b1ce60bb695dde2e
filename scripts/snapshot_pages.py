"""Fetch a fixed set of pages as each demo user and write them to a folder, to compare the HTML before
and after a change that must not alter it (issue 10: "page HTML is unchanged").

    DATABASE_URL=postgresql://user@host:5432/name python scripts/snapshot_pages.py OUTDIR

It drops and creates its own database `<name>_snap` on the same server (other databases are left
alone), migrates it, loads the demo data (seed_demo) and a few more records through the services, and
GETs every page with Django's test client, all at one fixed instant, so two runs on the same code write
the same files. Each page goes to OUTDIR/<name>.html: the status code (and the redirect target) on the
first line, then the body with what still changes per request (CSRF tokens, CSP nonces) replaced by a
fixed text. Compare two runs with `diff -r`. SNAPSHOT_KEEP_DATABASE=1 keeps the database afterwards.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

# A Tuesday morning; the demo session falls on Wednesday 10:00.
FIXED_NOW = datetime(2026, 3, 10, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai"))

# Replaced in every body: they differ on every request although the page is the same.
VOLATILE = [
    (re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]*(")'), r"\1CSRF\2"),
    (re.compile(r'(name="csrf-token" content=")[^"]*(")'), r"\1CSRF\2"),
    (re.compile(r'("X-CSRFToken"\s*:\s*")[^"]*(")'), r"\1CSRF\2"),
    (re.compile(r'(nonce=")[^"]*(")'), r"\1NONCE\2"),
]


def snapshot_database_url(url: str) -> tuple[str, str, str]:
    """(URL of the snapshot database, its name, URL of the server's maintenance database)."""
    parts = urlsplit(url)
    name = parts.path.lstrip("/") or "postgres"
    snap = f"{name}_snap"
    return (
        urlunsplit(parts._replace(path=f"/{snap}")),
        snap,
        urlunsplit(parts._replace(path="/postgres")),
    )


def recreate_database(maintenance_url: str, name: str) -> None:
    import psycopg2

    connection = psycopg2.connect(maintenance_url)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    connection.close()


def drop_database(maintenance_url: str, name: str) -> None:
    import psycopg2

    connection = psycopg2.connect(maintenance_url)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    connection.close()


def add_records() -> None:
    """What the demo data lacks for the pages below: a held video session with the court, a resolved
    lead with its agreement and a request for judicial confirmation, and an import dry run. Written
    through the services, like seed_demo."""
    from django.utils import timezone

    from accounts.models import Organization, User
    from detainees import identity
    from detainees import services as detainee_services
    from detainees.imports.applying import import_records
    from detainees.models import Detention, ImportLog, Person
    from disputes import services as dispute_services
    from disputes.models import DisputeLead, LeadParty, MediationSession, ResolutionPlan, Room

    now = timezone.now()
    centre = Organization.objects.get(code="330281-JLS")
    court = Organization.objects.get(code="330281-FY")
    officer = User.objects.get(username="yy_officer")
    leader = User.objects.get(username="yy_leader")
    mediator = User.objects.get(username="yy_court_mediator")
    first17 = "33028119780612131"
    detention = detainee_services.record_intake(
        detainee_services.PersonInput(
            id_type=Person.IdType.RESIDENT_ID,
            id_number=first17 + identity.check_character(first17),
            name="孙国强",
            phone="13700002222",
        ),
        detainee_services.DetentionInput(
            facility=centre,
            kind=Detention.Kind.ADMINISTRATIVE,
            admitted_at=now - timedelta(days=2),
            scheduled_release_at=now + timedelta(days=8),
            external_ref="SNAP-0003",
            decision_number="余公（阳）行罚决字〔2026〕102号",
            handling_unit="余姚市公安局阳明派出所",
            reason="寻衅滋事",
            cell="2",
            responsible_officer=officer,
        ),
        acting_user=officer,
    )
    video_lead, settled_lead = (
        dispute_services.open_lead(
            detention,
            category=category,
            summary=summary,
            amount_at_stake=amount,
            parties=[dispute_services.PartyInput(side=LeadParty.Side.COUNTERPARTY, name=other)],
            acting_user=officer,
        )
        for category, summary, amount, other in [
            (DisputeLead.Category.COURT_ENFORCEMENT, "拖欠工程款，法院已立案执行", Decimal("12000"), "余姚某装饰公司"),
            (DisputeLead.Category.NEIGHBOURS, "与邻居因排水沟渠多次争执", None, "李某"),
        ]
    )
    for lead in (video_lead, settled_lead):
        plan = dispute_services.save_plan(
            lead,
            analysis="当事人有和解意愿",
            strategy="释法明理，促成和解",
            methods=[ResolutionPlan.Method.LEGAL_EXPLANATION],
            acting_user=officer,
        )
        dispute_services.review_plan(plan, approve=True, comment="同意", acting_user=leader)
    video_room = Room.objects.get(facility=centre, kind=Room.Kind.VIDEO)
    held = dispute_services.schedule_session(
        video_lead,
        mode=MediationSession.Mode.VIDEO,
        starts_at=now - timedelta(hours=3),
        ends_at=now - timedelta(hours=2),
        room=video_room,
        court=court,
        staff=[dispute_services.StaffInput(officer), dispute_services.StaffInput(mediator)],
        topic="执行和解",
        # Entered after it took place: a leader's override with its reason (disputes.services.sessions).
        override_note="事后补录",
        acting_user=leader,
    )
    dispute_services.record_session_result(
        held, minutes="双方同意分期履行", result=MediationSession.Result.AGREED, acting_user=officer
    )
    dispute_services.schedule_session(
        settled_lead,
        mode=MediationSession.Mode.IN_PERSON,
        starts_at=now - timedelta(hours=5),
        ends_at=now - timedelta(hours=4),
        room=Room.objects.get(facility=centre, name="第二调解室"),
        staff=[dispute_services.StaffInput(officer)],
        override_note="事后补录",
        acting_user=leader,
    )
    dispute_services.record_outcome(
        settled_lead,
        status=DisputeLead.Status.RESOLVED,
        outcome=dispute_services.OutcomeInput(summary="双方达成协议", family_reconciled=False, crisis_averted=True),
        acting_user=officer,
    )
    agreement = dispute_services.save_agreement(
        settled_lead,
        facts="双方因排水沟渠发生争执",
        terms="孙国强出资疏通沟渠，双方不再追究",
        signed_on=timezone.localdate(),
        signatories=[
            dispute_services.SignatoryInput(role="甲方", name="孙国强"),
            dispute_services.SignatoryInput(role="乙方", name="李某"),
        ],
        acting_user=officer,
    )
    dispute_services.request_judicial_confirmation(agreement, court=court, acting_user=officer)
    # A JSON push checked but not applied, with one bad row.
    good = {
        "facility_code": "330281-JLS",
        "external_ref": "SNAP-0004",
        "name": "周某",
        "id_number": "33028119921120" + "143" + identity.check_character("33028119921120143"),
        "kind": Detention.Kind.ADMINISTRATIVE.value,
        "admitted_at": (now - timedelta(hours=6)).isoformat(),
        "days": 5,
    }
    bad = {**good, "external_ref": "SNAP-0005", "id_number": "330281199211201430"}
    log = import_records(
        ImportLog.Kind.DETENTIONS,
        [good, bad],
        user=officer,
        facility=centre,
        checksum="0" * 64,
        dry_run=True,
        only_valid=False,
    )
    assert log.pk, log


def pages() -> list[tuple[str, str | None, str]]:
    """(file name, username or None for anonymous, path), in the order they are fetched."""
    from detainees.models import Detention, ImportLog
    from disputes.models import Agreement, DisputeLead, JudicialConfirmation, MediationSession, Room, VolunteerProfile

    debtor = Detention.objects.get(external_ref="DEMO-0001")
    leaving = Detention.objects.get(external_ref="DEMO-0002")
    third = Detention.objects.get(external_ref="SNAP-0003")
    lead = DisputeLead.objects.get(detention=debtor)
    leaving_lead = DisputeLead.objects.get(detention=leaving)
    video_lead = DisputeLead.objects.get(detention=third, status=DisputeLead.Status.MEDIATING)
    settled_lead = DisputeLead.objects.get(detention=third, status=DisputeLead.Status.RESOLVED)
    booked = MediationSession.objects.get(lead=lead)
    video = MediationSession.objects.get(lead=video_lead)
    agreement = Agreement.objects.get(lead=settled_lead)
    confirmation = JudicialConfirmation.objects.get(agreement=agreement)
    room = Room.objects.filter(facility__code="330281-JLS").order_by("pk").first()
    volunteer = VolunteerProfile.objects.get(user__username="yy_volunteer")
    import_log = ImportLog.objects.order_by("pk").first()
    day = booked.starts_at.astimezone(FIXED_NOW.tzinfo).date().isoformat()

    list_ = [
        ("public", None, "/public/"),
        ("login", None, "/login/"),
        ("anonymous_home", None, "/"),
    ]
    dashboards = {
        "yy_officer": "officer",
        "yy_leader": "centre_leader",
        "yy_judge": "court_staff",
        "yy_enforcement": "court_staff",
        "yy_court_mediator": "court_mediator",
        "yy_justice": "agency_staff",
        "yy_lawyer": "agency_staff",
        "yy_volunteer": "volunteer",
        "nb_supervisor": "supervisor",
        "cx_officer": "officer",
        "sys_admin": "system_admin",
        "sec_admin": "security_admin",
        "audit_admin": "audit_admin",
    }
    for user, role in dashboards.items():
        list_ += [(f"{user}__home", user, "/"), (f"{user}__dashboard", user, f"/dashboard/{role}/")]
    officer = "yy_officer"
    list_ += [
        (f"{officer}__worklist", officer, "/detainees/"),
        (f"{officer}__intake", officer, "/detainees/new/"),
        (f"{officer}__detention", officer, f"/detainees/{debtor.pk}/"),
        (f"{officer}__detention_leaving", officer, f"/detainees/{leaving.pk}/"),
        (f"{officer}__detention_third", officer, f"/detainees/{third.pk}/"),
        (f"{officer}__detention_edit", officer, f"/detainees/{debtor.pk}/edit/"),
        (f"{officer}__detention_release", officer, f"/detainees/{debtor.pk}/release/"),
        (f"{officer}__detention_transfer", officer, f"/detainees/{debtor.pk}/transfer/"),
        (f"{officer}__detention_assessment", officer, f"/detainees/{debtor.pk}/assessment/"),
        (f"{officer}__detention_health", officer, f"/detainees/{debtor.pk}/health/"),
        (f"{officer}__imports", officer, "/detainees/imports/"),
        (f"{officer}__import", officer, f"/detainees/imports/{import_log.pk}/"),
        (f"{officer}__import_progress", officer, f"/detainees/imports/{import_log.pk}/progress/"),
        (f"{officer}__leads", officer, "/disputes/"),
        (f"{officer}__lead", officer, f"/disputes/{lead.pk}/"),
        (f"{officer}__lead_leaving", officer, f"/disputes/{leaving_lead.pk}/"),
        (f"{officer}__lead_video", officer, f"/disputes/{video_lead.pk}/"),
        (f"{officer}__lead_settled", officer, f"/disputes/{settled_lead.pk}/"),
        (f"{officer}__lead_create", officer, f"/disputes/new/{debtor.pk}/"),
        (f"{officer}__lead_edit", officer, f"/disputes/{lead.pk}/edit/"),
        (f"{officer}__plan", officer, f"/disputes/{lead.pk}/plan/"),
        (f"{officer}__plan_leaving", officer, f"/disputes/{leaving_lead.pk}/plan/"),
        (f"{officer}__outcome", officer, f"/disputes/{video_lead.pk}/outcome/"),
        (f"{officer}__session_create", officer, f"/disputes/{lead.pk}/sessions/new/"),
        (f"{officer}__sessions", officer, "/disputes/sessions/"),
        (f"{officer}__session", officer, f"/disputes/sessions/{booked.pk}/"),
        (f"{officer}__session_video", officer, f"/disputes/sessions/{video.pk}/"),
        (f"{officer}__calendar", officer, "/disputes/calendar/"),
        (f"{officer}__calendar_day", officer, f"/disputes/calendar/?view=day&date={day}"),
        (f"{officer}__calendar_week", officer, f"/disputes/calendar/?view=week&date={day}"),
        (f"{officer}__agreement", officer, f"/disputes/{settled_lead.pk}/agreement/"),
        (f"{officer}__agreement_pdf_status", officer, f"/disputes/{settled_lead.pk}/agreement/pdf/status/"),
        (f"{officer}__confirmation_request", officer, f"/disputes/{settled_lead.pk}/agreement/confirmation/"),
        (f"{officer}__confirmations", officer, "/disputes/confirmations/"),
        (f"{officer}__confirmation", officer, f"/disputes/confirmations/{confirmation.pk}/"),
        (f"{officer}__inbox", officer, "/inbox/"),
        (f"{officer}__inbox_preferences", officer, "/inbox/preferences/"),
        (f"{officer}__rooms", officer, "/disputes/rooms/"),
        (f"{officer}__api_detentions", officer, "/api/v1/detentions/"),
        (f"{officer}__api_detention", officer, f"/api/v1/detentions/{debtor.pk}/"),
        (f"{officer}__api_leads", officer, "/api/v1/leads/"),
        (f"{officer}__api_sessions", officer, "/api/v1/sessions/"),
    ]
    leader = "yy_leader"
    list_ += [
        (f"{leader}__worklist", leader, "/detainees/"),
        (f"{leader}__plan_review", leader, f"/disputes/{lead.pk}/plan/review/"),
        (f"{leader}__plan_review_leaving", leader, f"/disputes/{leaving_lead.pk}/plan/review/"),
        (f"{leader}__rooms", leader, "/disputes/rooms/"),
        (f"{leader}__room_create", leader, "/disputes/rooms/new/"),
        (f"{leader}__room", leader, f"/disputes/rooms/{room.pk}/"),
        (f"{leader}__roster", leader, "/disputes/volunteers/"),
        (f"{leader}__volunteer_create", leader, "/disputes/volunteers/new/"),
        (f"{leader}__volunteer", leader, f"/disputes/volunteers/{volunteer.pk}/"),
        (f"{leader}__session", leader, f"/disputes/sessions/{booked.pk}/"),
        (f"{leader}__inbox", leader, "/inbox/"),
    ]
    for user in ("yy_judge", "yy_enforcement"):
        list_ += [
            (f"{user}__sessions", user, "/disputes/sessions/"),
            (f"{user}__session_video", user, f"/disputes/sessions/{video.pk}/"),
            (f"{user}__session_other", user, f"/disputes/sessions/{booked.pk}/"),
            (f"{user}__confirmations", user, "/disputes/confirmations/"),
            (f"{user}__confirmation", user, f"/disputes/confirmations/{confirmation.pk}/"),
            (f"{user}__inbox", user, "/inbox/"),
            (f"{user}__detention_forbidden", user, f"/detainees/{debtor.pk}/"),
            (f"{user}__api_detentions", user, "/api/v1/detentions/"),
            (f"{user}__api_leads", user, "/api/v1/leads/"),
            (f"{user}__api_sessions", user, "/api/v1/sessions/"),
        ]
    for user in ("yy_court_mediator", "yy_volunteer", "yy_justice", "yy_lawyer"):
        list_ += [
            (f"{user}__sessions", user, "/disputes/sessions/"),
            (f"{user}__session", user, f"/disputes/sessions/{booked.pk}/"),
            (f"{user}__session_video", user, f"/disputes/sessions/{video.pk}/"),
            (f"{user}__inbox", user, "/inbox/"),
            (f"{user}__api_sessions", user, "/api/v1/sessions/"),
        ]
    cx = "cx_officer"
    list_ += [
        (f"{cx}__worklist", cx, "/detainees/"),
        (f"{cx}__leads", cx, "/disputes/"),
        (f"{cx}__sessions", cx, "/disputes/sessions/"),
        (f"{cx}__detention_other_centre", cx, f"/detainees/{debtor.pk}/"),
        (f"{cx}__lead_other_centre", cx, f"/disputes/{lead.pk}/"),
        (f"{cx}__session_other_centre", cx, f"/disputes/sessions/{booked.pk}/"),
        (f"{cx}__api_detentions", cx, "/api/v1/detentions/"),
    ]
    list_ += [
        ("nb_supervisor__organizations", "nb_supervisor", "/organizations/"),
        ("sys_admin__organizations", "sys_admin", "/organizations/"),
        ("sys_admin__failed_deliveries", "sys_admin", "/inbox/failed/"),
        # Last: the trail then holds every write above and every logged read of the pages before.
        ("audit_admin__events", "audit_admin", "/audit/events/"),
        ("audit_admin__access_log", "audit_admin", "/audit/access-log/"),
    ]
    return list_


# The audit trail is written by database triggers with PostgreSQL's own clock, which the fixed time
# does not reach: a date-time far from FIXED_NOW (plain or URL-encoded ISO) is that clock's.
DATE_TIME = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})(?: |T)(\d{2})(?::|%3A)(\d{2})(?::|%3A)(\d{2})(?:\.\d+)?(?:%2B00%3A00|\+00:00)?"
)


def _database_clock(match: re.Match) -> str:
    moment = datetime(*map(int, match.groups()), tzinfo=FIXED_NOW.tzinfo)
    return match.group(0) if abs(moment - FIXED_NOW) < timedelta(days=30) else "DATABASE-CLOCK"


def normalise(body: str) -> str:
    for pattern, replacement in VOLATILE:
        body = pattern.sub(replacement, body)
    return DATE_TIME.sub(_database_clock, body)


def fetch_all(outdir: Path) -> int:
    from django.test import Client

    from accounts.models import User

    outdir.mkdir(parents=True, exist_ok=True)
    clients: dict[str | None, Client] = {}
    for name, username, path in pages():
        client = clients.get(username)
        if client is None:
            client = clients[username] = Client()
            if username:
                client.force_login(User.objects.get(username=username))
        response = client.get(path)
        first = str(response.status_code)
        if response.has_header("Location"):
            first += " " + response["Location"]
        body = response.content.decode(response.charset or "utf-8", errors="replace")
        (outdir / f"{name}.html").write_text(first + "\n" + normalise(body), encoding="utf-8")
    return len(pages())


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    outdir = Path(sys.argv[1]).resolve()
    url = os.environ.get("DATABASE_URL")
    if not url:
        print("DATABASE_URL is required (the snapshot database is made next to it)", file=sys.stderr)
        return 2
    snap_url, snap_name, maintenance_url = snapshot_database_url(url)
    recreate_database(maintenance_url, snap_name)
    os.environ["DATABASE_URL"] = snap_url
    # The same settings on every run: development profile (seed_demo needs DEBUG), the database cache,
    # and no Celery worker (tasks go to an in-memory broker and are dropped, below).
    os.environ["DJANGO_PROFILE"] = "development"
    os.environ["DEBUG"] = "true"
    os.environ.pop("REDIS_URL", None)
    os.environ.pop("CELERY_TASK_ALWAYS_EAGER", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yaoyao_mediation.settings")

    import django

    django.setup()
    # The refused pages (403, 404) are expected here; their log lines would only hide real errors.
    logging.getLogger("django.request").setLevel(logging.ERROR)

    import time_machine
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connections

    from yaoyao_mediation.celery import app as celery_app

    celery_app.conf.broker_url = "memory://"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    try:
        call_command("migrate", "--noinput", verbosity=0)
        call_command("createcachetable", verbosity=0)
        with time_machine.travel(FIXED_NOW, tick=False):
            call_command("seed_demo", verbosity=0)
            add_records()
            # The pages as production serves them: with DEBUG on, a 404 would be Django's technical
            # page, which lists the URL table instead of templates/404.html.
            settings.DEBUG = False
            count = fetch_all(outdir)
    finally:
        connections.close_all()
        if not os.environ.get("SNAPSHOT_KEEP_DATABASE"):
            drop_database(maintenance_url, snap_name)
    print(f"{count} pages written to {outdir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
