"""Every URL of the project declares who may open it, and every role gets what its permissions say
(issue 10 §2; the seed of QUALITY.md R2).

1. The walk: every pattern of the URL table (includes and namespaces followed) must carry a declared
   rule (accounts.permissions): a named permission, "signed_in" or "public" on the view, the
   `access_rule` of exactly one of a DRF view's permission classes, or "admin_site" for Django's admin
   (accounts/admin_site.py: system administrators only). A view added without one fails
   test_every_url_declares_its_access_rule, and test_an_undeclared_view_fails_the_walk shows it.
2. The matrix: for every pattern whose rule is a named permission, every persona of tests/conftest.py
   and the anonymous visitor request it with objects of the caller's own centre (A, 余姚) and, where
   the URL takes an object, of another centre (B, 慈溪). What each should get is worked out from
   PERMISSIONS, never written per case; the few real exceptions are in EXCEPTIONS below.
"""

from __future__ import annotations

import types
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.http import HttpResponse
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, include, path, reverse
from django.utils import timezone
from rest_framework.decorators import api_view, permission_classes
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Organization, Role, User
from accounts.permissions import (
    PERMISSIONS,
    PUBLIC,
    SIGNED_IN,
    ApiSignedIn,
    api_permission,
    requires,
)
from accounts.services import create_organization
from detainees import services as detainee_services
from detainees.imports.applying import import_records
from detainees.models import Detention, Document, HealthCheck, ImportLog
from disputes import services
from disputes.models import (
    Agreement,
    DisputeLead,
    JudicialConfirmation,
    LeadParty,
    MediationSession,
    ResolutionPlan,
    Room,
    VolunteerProfile,
)
from followups import services as followup_services
from followups.models import FollowUp, VisitEvidence
from notifications.dispatch import dispatch_due
from notifications.models import Delivery, InboxMessage, WebhookEndpoint
from notifications.services import Message, notify, notify_organization
from referrals import services as referral_services
from referrals.models import WorkOrder
from tests.conftest import PERSONA_OF_ROLE, make_person
from tests.detainees import conftest as detainee_fixtures
from tests.detainees import document_files
from tests.detainees.conftest import ID_WOMAN, local
from tests.disputes import conftest as dispute_fixtures
from tests.disputes import test_agreement_pdf as agreement_fixtures
from tests.disputes.conftest import BOOKED_AHEAD, SESSION_END, SESSION_START
from tests.followups import conftest as followup_fixtures

# Fixtures of the detainees and disputes tests, used here as they are.
make_detention = detainee_fixtures.make_detention
private_media = detainee_fixtures.private_media
rooms = dispute_fixtures.rooms
make_lead = dispute_fixtures.make_lead
volunteer_on_roster = dispute_fixtures.volunteer_on_roster
pdf_storage = agreement_fixtures.pdf_storage
queued_renders = agreement_fixtures.queued_renders  # autouse: the PDF worker lies outside these tests
evidence_media = followup_fixtures.evidence_media  # autouse: visit evidence in a temporary folder

ADMIN_SITE = "admin_site"

# --- 1. the walk ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    name: str  # "namespace:name", as reverse() takes it ("" for an unnamed pattern)
    path: str  # the pattern's route from the root, e.g. "disputes/<int:pk>/"
    callback: Callable
    namespace: str

    def __str__(self) -> str:
        return f"{self.name or '(unnamed)'} /{self.path}"


def walk(patterns, prefix: str = "", namespace: str = "") -> Iterator[Route]:
    """Every URLPattern under `patterns`, with its full route and namespaced name."""
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from walk(pattern.url_patterns, route, inner)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}:{pattern.name}" if namespace and pattern.name else (pattern.name or "")
            yield Route(name=name, path=route, callback=pattern.callback, namespace=namespace)


def rule_of(route: Route) -> str | None:
    """The route's declared access rule, or None when it declares none (or, for DRF, more than one)."""
    callback = route.callback
    # Django's admin: its own AdminSite.has_permission decides (system administrators only).
    if route.namespace.split(":")[0] == "admin" or callback.__module__.startswith("django.contrib.admin"):
        return ADMIN_SITE
    declared = getattr(callback, "access_rule", None)
    if declared is not None:
        return declared
    view_class = getattr(callback, "cls", None)  # ViewSet.as_view, APIView.as_view and @api_view alike
    if view_class is not None and issubclass(view_class, APIView):
        rules = [rule for rule in map(_drf_rule, view_class.permission_classes) if rule is not None]
        return rules[0] if len(rules) == 1 else None
    return None


def _drf_rule(permission_class) -> str | None:
    return getattr(permission_class, "access_rule", None)


def undeclared(routes) -> list[str]:
    return [str(route) for route in routes if rule_of(route) not in {*PERMISSIONS, PUBLIC, SIGNED_IN, ADMIN_SITE}]


ROUTES = list(walk(get_resolver().url_patterns))


def test_every_url_declares_its_access_rule():
    assert undeclared(ROUTES) == []


def _undeclared_view(request):
    return HttpResponse("anyone")


@api_view(["GET"])
@permission_classes([api_permission("view_leads")])
def _declared_api(request):
    return Response({})


@api_view(["GET"])
def _undeclared_api(request):  # the default IsAuthenticated: a class, but no declared rule
    return Response({})


@api_view(["GET"])
@permission_classes([api_permission("view_leads"), ApiSignedIn])
def _ambiguous_api(request):  # two declared rules: which one holds is not clear, so neither counts
    return Response({})


def test_an_undeclared_view_fails_the_walk():
    """A small URLconf with declared views and undeclared ones, walked as the project's own: the walk
    names exactly the undeclared ones, so the test above cannot pass while one is missing."""
    urlconf = types.ModuleType("tests.access_matrix_sample_urls")
    urlconf.app_name = "sample"
    urlconf.urlpatterns = [
        path("declared/", requires("view_leads")(_undeclared_view), name="declared"),
        path("undeclared/", _undeclared_view, name="undeclared"),
        path("api/declared/", _declared_api, name="api-declared"),
        path("api/undeclared/", _undeclared_api, name="api-undeclared"),
        path("api/ambiguous/", _ambiguous_api, name="api-ambiguous"),
    ]
    routes = list(walk([path("sample/", include(urlconf))]))

    assert [(route.name, rule_of(route)) for route in routes] == [
        ("sample:declared", "view_leads"),
        ("sample:undeclared", None),
        ("sample:api-declared", "view_leads"),
        ("sample:api-undeclared", None),
        ("sample:api-ambiguous", None),
    ]
    assert undeclared(routes) == [
        "sample:undeclared /sample/undeclared/",
        "sample:api-undeclared /sample/api/undeclared/",
        "sample:api-ambiguous /sample/api/ambiguous/",
    ]


# --- the world: centre A (the callers' own) and centre B (another), each built through the services ---

PDF = document_files.pdf()  # a whole, valid PDF: uploads are parsed
INBOX_SUBJECT = "权限矩阵测试消息"


@dataclass
class Side:
    """One centre's objects."""

    detention: Detention
    document: Document
    health_check: HealthCheck
    import_log: ImportLog
    lead: DisputeLead  # open, with a party and an approved plan
    party: LeadParty
    room: Room
    volunteer: VolunteerProfile
    session: MediationSession
    resolved_lead: DisputeLead
    agreement: Agreement
    confirmation: JudicialConfirmation
    followup: FollowUp  # of another person, released with a resolved lead
    evidence: VisitEvidence  # of a visit of that follow-up
    court_order: WorkOrder  # sent to the court's side (A: its enforcement bureau)
    justice_order: WorkOrder  # sent to the county's justice bureau


@dataclass
class World:
    a: Side
    b: Side
    inbox: dict[int, InboxMessage]  # user pk -> the message each persona (and officer B) received
    officer_b: User
    failed_delivery: Delivery

    def side(self, name: str) -> Side:
        return self.a if name == "own" else self.b


def approved_lead(make_lead, detention, officer, leader, *, agencies=()) -> DisputeLead:
    lead = make_lead(detention=detention, acting_user=officer)
    plan = services.save_plan(
        lead,
        analysis="被执行人有还款意愿，但一次性支付困难",
        strategy="联系执行法官，促成分期履行的执行和解",
        methods=[ResolutionPlan.Method.LEGAL_EXPLANATION],
        agencies_needed=list(agencies),
        acting_user=officer,
    )
    services.review_plan(plan, approve=True, comment="同意", acting_user=leader)
    lead.refresh_from_db()
    return lead


def resolved_with_agreement(make_lead, detention, officer, leader, court) -> JudicialConfirmation:
    lead = approved_lead(make_lead, detention, officer, leader)
    services.move_lead(lead, DisputeLead.Status.MEDIATING, acting_user=officer)
    services.record_outcome(
        lead,
        status=DisputeLead.Status.RESOLVED,
        outcome=services.OutcomeInput(
            summary="双方达成分期履行的执行和解", enforcement_settled=True, agreed_amount=Decimal("50000")
        ),
        acting_user=officer,
    )
    agreement = agreement_fixtures.save(lead, officer)
    return services.request_judicial_confirmation(agreement, court=court, acting_user=officer)


PNG = document_files.png()  # a whole, valid image: uploads are parsed to the end


def released_with_followup(
    make_detention, make_lead, *, facility, officer, serial: int
) -> tuple[FollowUp, VisitEvidence]:
    """Another person of the centre, whose resolved lead is followed after the release, with a visit."""
    detention = make_detention(
        facility=facility,
        id_number=detainee_fixtures.resident_id(serial),
        admitted_at=local(2026, 3, 1, 10, 0),
        detention_days=5,
        acting_user=officer,
    )
    lead = make_lead(detention=detention, acting_user=officer)
    services.move_lead(lead, DisputeLead.Status.PLANNING, acting_user=officer)
    services.move_lead(lead, DisputeLead.Status.MEDIATING, acting_user=officer)
    followup_services.record_outcome(
        lead,
        status=DisputeLead.Status.RESOLVED,
        outcome=services.OutcomeInput(summary="双方和解"),
        acting_user=officer,
    )
    followup_services.release_detention(detention, released_at=local(2026, 3, 6, 10, 0), acting_user=officer)
    followup = FollowUp.objects.get(detention=detention)
    visit = followup_services.record_visit(
        followup,
        channel="home",
        visited_at=local(2026, 3, 8, 10, 0),
        contact="party",
        notes="上门走访",
        evidence=[SimpleUploadedFile("a.png", PNG, content_type="image/png")],
        acting_user=officer,
    )
    return followup, visit.evidence.get()


def build_side(
    make_detention,
    make_lead,
    *,
    facility,
    officer,
    leader,
    id_number,
    room,
    volunteer,
    court,
    partners,
    session_for,
):
    detention = make_detention(facility=facility, id_number=id_number, acting_user=officer)
    health_check, _created = detainee_services.record_health_check(
        detention, external_ref=f"TJ-{facility.pk}", checked_at=local(2026, 3, 2, 17, 0), conclusion="suitable"
    )
    document = detainee_services.add_document(
        detention,
        kind="decision_notice",
        title="拘留决定书",
        upload=SimpleUploadedFile("a.pdf", PDF, content_type="application/pdf"),
        acting_user=officer,
    )
    import_log = import_records(
        ImportLog.Kind.DETENTIONS,
        [],
        user=officer,
        facility=facility,
        checksum="a" * 64,
        dry_run=True,
        only_valid=False,
    )
    lead = approved_lead(make_lead, detention, officer, leader)
    # Work orders to the court's side and to the justice bureau, sent early in the custody.
    referral = referral_services.refer_lead(
        lead,
        partners=list(partners),
        kind=WorkOrder.Kind.ENFORCEMENT,
        summary=lead.summary,
        acting_user=officer,
        now=BOOKED_AHEAD,
    )
    court_order, justice_order = (referral.work_orders.get(partner=partner) for partner in partners)
    confirmation = resolved_with_agreement(make_lead, detention, officer, leader, court)
    followup, evidence = released_with_followup(
        make_detention, make_lead, facility=facility, officer=officer, serial=900 + facility.pk % 100
    )
    return Side(
        detention=detention,
        document=document,
        health_check=health_check,
        import_log=import_log,
        lead=lead,
        party=lead.parties.get(),
        room=room,
        volunteer=VolunteerProfile.objects.get(user=volunteer, facility=facility),
        session=session_for(lead),
        resolved_lead=confirmation.agreement.lead,
        agreement=confirmation.agreement,
        confirmation=confirmation,
        followup=followup,
        evidence=evidence,
        court_order=court_order,
        justice_order=justice_order,
    )


@pytest.fixture
def world(
    request, settings, orgs, make_detention, make_lead, rooms, volunteer_on_roster, private_media, pdf_storage
) -> World:
    personas = {role: request.getfixturevalue(name) for role, name in PERSONA_OF_ROLE.items()}
    officer_a, leader_a = personas[Role.OFFICER], personas[Role.CENTRE_LEADER]
    officer_b, leader_b = request.getfixturevalue("officer_b"), request.getfixturevalue("leader_b")
    # Centre A: a session by video with the court, the court mediator, the justice clerk and the
    # volunteer taking part, so that every role that sees sessions sees this one.
    side_a = build_side(
        make_detention,
        make_lead,
        facility=orgs.centre_a,
        officer=officer_a,
        leader=leader_a,
        id_number=detainee_fixtures.ID_MAN,
        room=rooms["one"],
        volunteer=volunteer_on_roster,
        court=orgs.court,
        partners=(orgs.enforcement_bureau, orgs.justice_bureau),
        session_for=lambda lead: services.schedule_session(
            lead,
            mode=MediationSession.Mode.VIDEO,
            starts_at=SESSION_START,
            ends_at=SESSION_END,
            room=rooms["video"],
            court=orgs.court,
            staff=[
                services.StaffInput(officer_a),
                services.StaffInput(volunteer_on_roster, conflict_declaration="本人与双方当事人无利害关系"),
                services.StaffInput(personas[Role.COURT_MEDIATOR]),
                services.StaffInput(personas[Role.AGENCY_STAFF]),
            ],
            acting_user=officer_a,
            now=BOOKED_AHEAD,
        ),
    )
    # Centre B: its own court, volunteer and session, in person, that no persona of A is part of.
    cixi_court = create_organization(
        name="慈溪市人民法院", kind=Organization.Kind.COURT, code="330282-FY", region_code="330282", parent=orgs.cixi
    )
    cixi_justice = create_organization(
        name="慈溪市司法局",
        kind=Organization.Kind.JUSTICE_BUREAU,
        code="330282-SFJ",
        region_code="330282",
        parent=orgs.cixi,
    )
    volunteer_b = make_person("cx_volunteer", "慈溪志愿者", orgs.centre_b, Role.VOLUNTEER)
    services.enrol_volunteer(
        orgs.centre_b,
        user=volunteer_b,
        qualification="lawyer",
        certificate_number="13302201010000002",
        available_weekdays=[1, 2, 3, 4, 5],
        available_from=SESSION_START.time(),
        available_until=SESSION_END.time(),
        confidentiality_signed_on=SESSION_START.date(),
        acting_user=leader_b,
    )
    side_b = build_side(
        make_detention,
        make_lead,
        facility=orgs.centre_b,
        officer=officer_b,
        leader=leader_b,
        id_number=ID_WOMAN,
        room=rooms["b"],
        volunteer=volunteer_b,
        court=cixi_court,
        partners=(cixi_court, cixi_justice),
        session_for=lambda lead: services.schedule_session(
            lead,
            mode=MediationSession.Mode.IN_PERSON,
            starts_at=SESSION_START,
            ends_at=SESSION_END,
            room=rooms["b"],
            staff=[services.StaffInput(officer_b)],
            acting_user=officer_b,
            now=BOOKED_AHEAD,
        ),
    )
    recipients = [*personas.values(), officer_b]
    notify("access_matrix", recipients=recipients, build_message=lambda user: Message(subject=INBOX_SUBJECT))
    inbox = {message.user_id: message for message in InboxMessage.objects.filter(subject=INBOX_SUBJECT)}
    # A failed delivery: a webhook nobody answers (the discard port), one attempt allowed.
    settings.NOTIFICATION_MAX_ATTEMPTS = 1
    WebhookEndpoint.objects.create(organization=orgs.justice_bureau, url="http://127.0.0.1:9/hook", secret="s" * 32)
    delivery = notify_organization(
        "access_matrix", organization=orgs.justice_bureau, build_message=lambda org: Message(subject=INBOX_SUBJECT)
    )
    dispatch_due(timezone.now())
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.FAILED
    return World(a=side_a, b=side_b, inbox=inbox, officer_b=officer_b, failed_delivery=delivery)


# --- 2. the matrix --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Caller:
    role: Role | None  # None: the anonymous visitor
    user: User | None

    def __str__(self) -> str:
        return self.role.value if self.role else "anonymous"


Kwargs = Callable[[World, Side, Caller], dict]


def _own_message(world: World, side: Side, caller: Caller) -> dict:
    # "Own" is the caller's own message; "other" a message of centre B's officer.
    if side is world.b:
        return {"pk": world.inbox[world.officer_b.pk].pk}
    user_pk = caller.user.pk if caller.user else next(iter(world.inbox))
    return {"pk": world.inbox[user_pk].pk}


def _detention(world: World, side: Side, caller: Caller) -> dict:
    return {"pk": side.detention.pk}


def _lead(world: World, side: Side, caller: Caller) -> dict:
    return {"pk": side.lead.pk}


def _resolved_lead(world: World, side: Side, caller: Caller) -> dict:
    return {"pk": side.resolved_lead.pk}


def _session(world: World, side: Side, caller: Caller) -> dict:
    return {"pk": side.session.pk}


def _import(world: World, side: Side, caller: Caller) -> dict:
    return {"pk": side.import_log.pk}


def _followup(world: World, side: Side, caller: Caller) -> dict:
    return {"pk": side.followup.pk}


def _work_order(world: World, side: Side, caller: Caller) -> dict:
    # The order addressed to the caller's organization (the justice clerk's for agency staff); the
    # centre's staff see both of their own centre's.
    order = side.justice_order if caller.role == Role.AGENCY_STAFF else side.court_order
    return {"pk": order.pk}


# The objects a URL's kwargs name, by URL name. A URL with kwargs missing here fails the matrix.
URL_KWARGS: dict[str, Kwargs] = {
    "casework:dashboard": lambda world, side, caller: {"role": caller.role or Role.OFFICER},
    "casework:detention": _detention,
    "casework:reveal": _detention,
    "casework:upload_document": _detention,
    "casework:transfer": _detention,
    "detainees:edit": _detention,
    "casework:release": _detention,
    "detainees:assessment": _detention,
    "detainees:health_checks": _detention,
    "detainees:download_document": lambda world, side, caller: {
        "pk": side.detention.pk,
        "document_pk": side.document.pk,
    },
    "detainees:import_detail": _import,
    "detainees:import_confirm": _import,
    "detainees:import_discard": _import,
    "detainees:import_progress": _import,
    "disputes:lead_create": lambda world, side, caller: {"detention_pk": side.detention.pk},
    "disputes:lead_detail": _lead,
    "disputes:lead_edit": _lead,
    "disputes:party_add": _lead,
    "disputes:party_remove": lambda world, side, caller: {"pk": side.lead.pk, "party_pk": side.party.pk},
    "disputes:plan_edit": _lead,
    "disputes:plan_review": _lead,
    "casework:outcome": _lead,
    "disputes:session_create": _lead,
    "disputes:agreement_edit": _resolved_lead,
    "disputes:agreement_pdf": _resolved_lead,
    "disputes:agreement_pdf_status": _resolved_lead,
    "disputes:confirmation_request": _resolved_lead,
    "disputes:confirmation_detail": lambda world, side, caller: {"pk": side.confirmation.pk},
    "disputes:session_detail": _session,
    "disputes:session_result": _session,
    "disputes:session_no_show": _session,
    "disputes:session_cancel": _session,
    "disputes:participant_add": _session,
    "disputes:room_edit": lambda world, side, caller: {"pk": side.room.pk},
    "disputes:volunteer_edit": lambda world, side, caller: {"pk": side.volunteer.pk},
    "followups:detail": _followup,
    "followups:evaluate": _followup,
    "followups:visit_create": _followup,
    "followups:close": _followup,
    "followups:download_evidence": lambda world, side, caller: {
        "pk": side.followup.pk,
        "evidence_pk": side.evidence.pk,
    },
    "followups:reoffence": lambda world, side, caller: {"detention_pk": side.followup.detention_id},
    "notifications:mark_read": _own_message,
    "notifications:retry": lambda world, side, caller: {"pk": world.failed_delivery.pk},
    "api-detention-detail": _detention,
    "api-lead-detail": _lead,
    "api-session-detail": _session,
    "api-followup-detail": _followup,
    "api-followup-evaluation": _followup,
    "api-followup-visits": _followup,
}

ANY_ROLE = "any role"

# The exceptions, each with why: (url name, role or ANY_ROLE, case) -> what is expected instead
# ("skip": the case does not apply).
EXCEPTIONS: dict[tuple[str, Role | str, str], str] = {
    # The path holds the caller's role, not an object: there is no other centre's one to try.
    ("casework:dashboard", ANY_ROLE, "other"): "skip",
    # Failed deliveries belong to no centre: the system administrator retries any of the province.
    ("notifications:retry", ANY_ROLE, "other"): "skip",
}

MATRIX_ROUTES = [route for route in ROUTES if rule_of(route) in PERMISSIONS]
CALLERS = [None, *PERSONA_OF_ROLE]  # None: the anonymous visitor
SIGN_IN = "sign-in"
FORBIDDEN = "403"
THROUGH = "through the access check"
NOT_FOUND = "404"


def takes_object(route: Route) -> bool:
    return "<" in route.path


def expected(route: Route, role: Role | None, case: str) -> str:
    exception = EXCEPTIONS.get((route.name, role, case)) or EXCEPTIONS.get((route.name, ANY_ROLE, case))
    if exception:
        return exception
    if role is None:
        return SIGN_IN
    if role not in PERMISSIONS[rule_of(route)]:
        return FORBIDDEN
    if case == "other":
        return NOT_FOUND
    # A view reached with one permission whose object needs another to be changed (@requires(...,
    # change=...)): a role without it sees the object but is refused (403), after the 404 for unseen.
    change = getattr(route.callback, "change_rule", None)
    if change is not None and role not in PERMISSIONS[change]:
        return FORBIDDEN
    return THROUGH


def cases_for(route: Route, role: Role | None) -> list[str]:
    """Everyone tries the own centre's object; those who hold the permission also another centre's."""
    if takes_object(route) and role is not None and role in PERMISSIONS[rule_of(route)]:
        return ["own", "other"]
    return ["own"]


def answer(client: Client, url: str):
    """GET, or for a POST-only view an empty POST; inside a savepoint, so that no request changes
    what the next one finds."""
    with transaction.atomic():
        response = client.get(url)
        if response.status_code == 405:
            response = client.post(url)
        transaction.set_rollback(True)
    return response


def verdict(response, expectation: str, *, is_api: bool) -> bool:
    status = response.status_code
    to_sign_in = status == 302 and response["Location"].startswith(reverse("accounts:login"))
    if expectation == SIGN_IN:
        return status in {401, 403} if is_api else to_sign_in
    if expectation == FORBIDDEN:
        return status == 403
    if expectation == NOT_FOUND:
        return status == 404
    return status < 500 and status not in {403, 404} and not to_sign_in


@pytest.mark.parametrize("route", MATRIX_ROUTES, ids=str)
def test_each_role_gets_what_its_permissions_say(route, world, request):
    assert not takes_object(route) or route.name in URL_KWARGS, (
        f"{route}: add an entry to URL_KWARGS naming the objects its kwargs take"
    )
    is_api = route.path.startswith("api/")
    failures = []
    for role in CALLERS:
        user = request.getfixturevalue(PERSONA_OF_ROLE[role]) if role else None
        caller = Caller(role, user)
        client = Client(raise_request_exception=False)
        if user is not None:
            client.force_login(user)
        for case in cases_for(route, role):
            expectation = expected(route, role, case)
            if expectation == "skip":
                continue
            kwargs = URL_KWARGS[route.name](world, world.side(case), caller) if takes_object(route) else {}
            url = reverse(route.name, kwargs=kwargs)
            response = answer(client, url)
            if not verdict(response, expectation, is_api=is_api):
                location = f" -> {response['Location']}" if response.has_header("Location") else ""
                failures.append(
                    f"{url} as {caller}, {case} centre: expected {expectation}, got {response.status_code}{location}"
                )
    assert failures == [], "\n".join([str(route), *failures])


# --- the admin site ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", CALLERS, ids=str)
def test_the_admin_site_lets_in_system_administrators_only(role, orgs, request):
    client = Client()
    if role is not None:
        client.force_login(request.getfixturevalue(PERSONA_OF_ROLE[role]))

    response = client.get(reverse("admin:accounts_organization_changelist"), follow=True)

    if role is None:
        assert response.redirect_chain[-1][0].startswith(reverse("accounts:login"))
    else:
        assert response.status_code == (200 if role == Role.SYSTEM_ADMIN else 403)


def test_the_tables_name_only_urls_that_exist():
    names = {route.name for route in ROUTES}
    assert set(URL_KWARGS) - names == set()
    assert {name for name, _role, _case in EXCEPTIONS} - names == set()


# --- the rules that are not permissions: public and signed_in -------------------------------------------


@pytest.mark.parametrize("route", [r for r in ROUTES if rule_of(r) in {PUBLIC, SIGNED_IN}], ids=str)
def test_anonymous_visitors_reach_public_urls_and_only_those(route, db):
    response = Client(raise_request_exception=False).get(reverse(route.name))

    to_sign_in = response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))
    if rule_of(route) == PUBLIC:
        assert response.status_code not in {401, 403} and not to_sign_in
    elif route.path.startswith("api/"):
        assert response.status_code in {401, 403}
    else:
        assert to_sign_in
