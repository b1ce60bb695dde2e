"""The data tiers of QUALITY.md, each in its own database: bench_s, bench_m (and bench_l by hand).

| Tier | Detentions | Leads | Follow-ups | Audit rows | Counties | Due now (each sweep rule) | Database |
|------|------------|-------|------------|------------|----------|---------------------------|----------|
| S    | 10k        | 6k    | 3k         | 100k       | 3        | 1,000                     | bench_s  |
| M    | 100k       | 60k   | 30k        | 1M         | 11       | 1,000                     | bench_m  |
| L    | 1M         | 600k  | 300k       | 3M         | 90       | 1,000                     | bench_l  |

Work orders (the tiers' other column) are 0 here: the referrals app has no work orders yet.
Building a tier drops and creates its database (only names starting with "bench_"), runs
the migrations, creates the organization tree (province → city → county → centre, court, justice
bureau) and each centre's staff through accounts.services, then fills the rest with bench/tiers.sql:
generate_series and a fixed seed (setseed), in one transaction, never the ORM row by row.

- Encrypted columns hold values the app decrypts: a handful of ID and phone numbers are encrypted once
  through their EncryptedTextField here and shared by many rows. The phone hash is the real one; the ID
  number hash is a per-row stand-in (the unique constraint on it needs distinct values), so a search by
  a bench ID number finds nothing.
- The fill runs with session_replication_role = replica: the pghistory and append-only triggers are off,
  and the SQL writes the audit rows itself, so that their total is exactly the tier's. Foreign keys are
  then unchecked by the server, so every reference is checked here afterwards.
- 30% of detentions are in custody (admitted in the last 15 days), so an officer's worklist is long
  enough for a page deep in it; the others were released over the three years before.
- Staff accounts get a random password, hashed with a fast hasher: they only ever sign in through
  Client.force_login in bench/lists.py.

Run:   DATABASE_URL=postgresql://postgres@127.0.0.1:5432/yaoyao .venv/bin/python bench/tiers.py
       (tiers S and M; `--tier L` by hand; only the server of DATABASE_URL is used, never its database)
Writes bench/results/tiers.json (build times, row counts, checks) and prints a table.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import secrets
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yaoyao_mediation.settings")

SQL = ROOT / "bench" / "tiers.sql"
RESULTS = ROOT / "bench" / "results" / "tiers.json"
LOOPBACK = {"127.0.0.1", "localhost", "::1", None}  # None: a Unix socket, also local
SEED = 0.42
# Share of detentions in custody now, and of detentions whose person has no other detention.
CUSTODY_SHARE = 0.3
PERSON_SHARE = 0.85
OFFICERS_PER_CENTRE = 4
# P10 (bench/partner_inbox.py): the first county's justice bureau holds this many work orders (at most
# half the tier's), the second county's exactly SMALL_PARTNER_ORDERS: the same kind of partner, so the
# same page, with 100 times the orders.
BIG_PARTNER_ORDERS = 5_000
SMALL_PARTNER_ORDERS = 50
BUILD_TIMEOUT_SECONDS = 3 * 60 * 60


@dataclass(frozen=True)
class Tier:
    name: str
    detentions: int
    leads: int
    audit_rows: int
    counties: int
    due_now: int
    follow_ups: int
    work_orders: int

    @property
    def database(self) -> str:
        return f"bench_{self.name.lower()}"


TIERS = {
    "S": Tier(
        "S",
        detentions=10_000,
        leads=6_000,
        audit_rows=100_000,
        counties=3,
        due_now=1_000,
        follow_ups=3_000,
        work_orders=2_000,
    ),
    "M": Tier(
        "M",
        detentions=100_000,
        leads=60_000,
        audit_rows=1_000_000,
        counties=11,
        due_now=1_000,
        follow_ups=30_000,
        work_orders=20_000,
    ),
    "L": Tier(
        "L",
        detentions=1_000_000,
        leads=600_000,
        audit_rows=3_000_000,
        counties=90,
        due_now=1_000,
        follow_ups=300_000,
        work_orders=200_000,
    ),
}

# Zhejiang's 11 cities, and one real county of each (GB/T 2260). 余姚 comes first: its centre is the one
# bench/lists.py signs in to, as in the demo data. Tier L's other 79 counties are made up (name and code).
CITIES = [
    ("杭州市", "330100"),
    ("宁波市", "330200"),
    ("温州市", "330300"),
    ("嘉兴市", "330400"),
    ("湖州市", "330500"),
    ("绍兴市", "330600"),
    ("金华市", "330700"),
    ("衢州市", "330800"),
    ("舟山市", "330900"),
    ("台州市", "331000"),
    ("丽水市", "331100"),
]
REAL_COUNTIES = [
    ("余姚市", "330281", 1),
    ("余杭区", "330110", 0),
    ("瑞安市", "330381", 2),
    ("海宁市", "330481", 3),
    ("德清县", "330521", 4),
    ("诸暨市", "330681", 5),
    ("义乌市", "330782", 6),
    ("江山市", "330881", 7),
    ("岱山县", "330921", 8),
    ("临海市", "331082", 9),
    ("龙泉市", "331181", 10),
]
STAFF_NAMES = ["张明", "李强", "王建军", "陈海峰", "刘伟", "周志刚", "吴晓东", "赵国庆", "孙立新", "徐文斌"]

# Intake-assessment profiles: risk tags and level; each is used with and without leads found.
PROFILE_SHAPES = [
    ([], "low"),
    ([], "low"),
    ([], "low"),
    ([], "medium"),
    (["family_conflict"], "low"),
    (["family_conflict"], "medium"),
    (["enforcement_debtor"], "medium"),
    (["enforcement_debtor", "family_conflict"], "medium"),
    (["petitioner"], "medium"),
    (["drug_use"], "low"),
    (["drug_use", "mental_health"], "medium"),
    (["mental_health"], "medium"),
    (["children_without_care"], "medium"),
    (["violence"], "high"),
    (["violence", "family_conflict"], "high"),
    (["self_harm", "family_conflict"], "high"),
]
NEEDS = {
    "family_conflict": "联系家属，协调家庭关系",
    "enforcement_debtor": "协助与申请执行人协商还款计划",
    "petitioner": "释法明理，引导依法表达诉求",
    "drug_use": "对接社区戒毒康复",
    "mental_health": "安排心理咨询",
    "children_without_care": "联系村（居）委会照料子女",
    "violence": "加强管控，开展情绪疏导",
    "self_harm": "重点关注，开展心理危机干预",
}
PHONES = ["13812341234", "13905741122", "15858291234", "13566330987", "18857412345", "13757401234", "15168201234"]
PERMITS = {
    "hk_macau_permit": ["H12345678", "M87654321"],
    "taiwan_permit": ["12345678", "87654321"],
    "passport": ["E12345678", "PA1234567"],
}


# --- databases ---------------------------------------------------------------------------------------


def server_url(given: str | None) -> str:
    url = given or os.environ.get("DATABASE_URL")
    if not url:
        from yaoyao_mediation.embedded_db import ensure_running

        url = ensure_running(ROOT)
    host = urlsplit(url).hostname
    if host not in LOOPBACK:
        raise SystemExit(f"refusing to build tiers on {host}: only a local server (127.0.0.1) is used")
    return url


def _on_server(server: str, database: str) -> str:
    parts = urlsplit(server)
    return urlunsplit((parts.scheme, parts.netloc, f"/{database}", parts.query, parts.fragment))


def database_url(server: str, name: str) -> str:
    if not re.fullmatch(r"bench_[a-z0-9_]+", name):
        raise SystemExit(f"refusing to touch database {name!r}: bench databases are named bench_*")
    return _on_server(server, name)


def recreate_database(server: str, name: str) -> None:
    import psycopg2

    database_url(server, name)  # checks the name before anything is dropped
    connection = psycopg2.connect(_on_server(server, "postgres"))
    try:
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            cursor.execute(f'CREATE DATABASE "{name}"')
    finally:
        connection.close()


# --- one tier, in its own process (Django is set up on the tier's database) ---------------------------


def counties(tier: Tier) -> list[tuple[str, str, int]]:
    chosen = REAL_COUNTIES[: tier.counties]
    for index in range(len(chosen), tier.counties):  # bounded by the tier's county count
        city = index % len(CITIES)
        number = index // len(CITIES)
        city_name = CITIES[city][0].removesuffix("市")
        chosen.append((f"{city_name}第{number}县", f"{CITIES[city][1][:4]}{60 + number:02d}", city))
    return chosen


def create_organizations_and_staff(tier: Tier) -> dict:
    """The tree and the staff through the app's own services (their audit rows are written by the
    triggers, as in production)."""
    from django.test.utils import override_settings

    from accounts import services
    from accounts.models import Organization, Role
    from audit.context import acting

    Kind = Organization.Kind
    staff = 0
    # The staff never sign in with a password (Client.force_login): a fast hasher keeps the 450 accounts of
    # tier L from taking minutes.
    fast = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with acting(source="command:bench_tiers"), override_settings(PASSWORD_HASHERS=fast):
        province = services.create_organization(name="浙江省", kind=Kind.PROVINCE, code="330000", region_code="330000")
        cities: dict[int, Organization] = {}
        for county_name, region, city_index in counties(tier):
            if city_index not in cities:
                city_name, city_code = CITIES[city_index]
                cities[city_index] = services.create_organization(
                    name=city_name, kind=Kind.CITY, code=city_code, region_code=city_code, parent=province
                )
            county = services.create_organization(
                name=county_name, kind=Kind.COUNTY, code=region, region_code=region, parent=cities[city_index]
            )
            facility = services.create_organization(
                name=f"{county_name}拘留所", kind=Kind.FACILITY, code=f"{region}-JLS", region_code=region, parent=county
            )
            court = services.create_organization(
                name=f"{county_name}人民法院", kind=Kind.COURT, code=f"{region}-FY", region_code=region, parent=county
            )
            services.create_organization(
                name=f"{court.name}执行局",
                kind=Kind.ENFORCEMENT_BUREAU,
                code=f"{region}-ZXJ",
                region_code=region,
                parent=court,
            )
            justice = services.create_organization(
                name=f"{county_name}司法局",
                kind=Kind.JUSTICE_BUREAU,
                code=f"{region}-SFJ",
                region_code=region,
                parent=county,
            )
            law_firm = services.create_organization(
                name=f"{county_name}第一律师事务所",
                kind=Kind.LAW_FIRM,
                code=f"{region}-LS01",
                region_code=region,
                parent=county,
                is_state_organ=False,
            )
            services.create_organization(
                name=f"{county_name}城关派出所",
                kind=Kind.POLICE_STATION,
                code=f"{region}-PCS",
                region_code=region,
                parent=county,
            )
            # One signed-in member for each partner whose inbox the benchmarks open.
            for organization, role, name in (
                (court, Role.COURT_STAFF, "court"),
                (justice, Role.AGENCY_STAFF, "justice"),
                (law_firm, Role.AGENCY_STAFF, "lawyer"),
            ):
                user = services.create_user(
                    username=f"{region}-{name}-1", password=secrets.token_urlsafe(24), full_name=STAFF_NAMES[0]
                )
                services.grant_membership(user, organization=organization, role=role)
                staff += 1
            roles = [Role.OFFICER] * OFFICERS_PER_CENTRE + [Role.CENTRE_LEADER]
            for number, role in enumerate(roles, start=1):
                user = services.create_user(
                    username=f"{region}-{role.value}-{number}",
                    password=secrets.token_urlsafe(24),
                    full_name=STAFF_NAMES[(number + int(region)) % len(STAFF_NAMES)],
                )
                services.grant_membership(user, organization=facility, role=role)
                staff += 1
    return {"organizations": Organization.objects.count(), "staff": staff}


def resident_ids(tier: Tier) -> list[tuple[str, date, str]]:
    """Valid resident ID numbers (GB 11643 check character) of people born in the tier's counties."""
    from detainees.identity import check_character, parse_resident_id

    numbers = []
    regions = [region for _name, region, _city in counties(tier)[:3]]
    for index in range(12):
        born = date(1968 + 3 * index, 1 + (index * 5) % 12, 1 + (index * 7) % 28)
        woman = index in (4, 9)  # about one in six, as among the detained
        sequence = 101 + 2 * index + (1 if woman else 0)  # odd: a man, even: a woman
        first17 = f"{regions[index % len(regions)]}{born:%Y%m%d}{sequence:03d}"
        parsed = parse_resident_id(first17 + check_character(first17), now=datetime.now(UTC))
        numbers.append((parsed.number, parsed.birth_date, parsed.sex))
    return numbers


def cipher_rows(tier: Tier) -> list[tuple]:
    """(field, kind, idx, token, hash, birth_date, sex): a few values encrypted through the real fields."""
    from detainees.models import Detention, Person

    id_field = Person._meta.get_field("id_number")
    phone_field = Detention._meta.get_field("phone")
    rows = []
    for idx, (number, born, sex) in enumerate(resident_ids(tier), start=1):
        rows.append((id_field.context, "resident_id", idx, id_field.get_prep_value(number), "", born, sex))
    for kind, numbers in PERMITS.items():
        for idx, number in enumerate(numbers, start=1):
            rows.append((id_field.context, kind, idx, id_field.get_prep_value(number), "", None, None))
    for idx, number in enumerate(PHONES, start=1):
        token = phone_field.get_prep_value(number)
        rows.append((phone_field.context, "phone", idx, token, phone_field.hash_of(number), None, None))
    for field_name, _kind, _idx, token, *_rest in rows:
        field = id_field if field_name == id_field.context else phone_field
        assert field.from_db_value(token, None, None), "an encrypted bench value does not decrypt"
    return rows


def profile_rows() -> list[tuple]:
    """(idx, leads_found, risk_tags, risk_level, needs, screening_result, score, reasons) from the
    app's own escalation score."""
    from django.utils import translation

    from detainees.escalation import escalation_score
    from detainees.models import IntakeAssessment

    rows = []
    with translation.override("zh-hans"):
        for leads_found in (False, True):
            screening = IntakeAssessment.Screening.LEADS_FOUND if leads_found else IntakeAssessment.Screening.NONE_FOUND
            for idx, (tags, level) in enumerate(PROFILE_SHAPES, start=1):
                score, reasons = escalation_score(risk_tags=tags, risk_level=level, screening_result=screening)
                needs = "；".join(NEEDS[tag] for tag in tags) or "无特殊需求"
                rows.append((idx, leads_found, tags, level, needs, str(screening), score, json.dumps(reasons)))
    return rows


def sql_steps() -> list[tuple[str, str]]:
    steps, name, lines = [], "preamble", []
    for line in SQL.read_text(encoding="utf-8").splitlines():
        if line.startswith("-- step:"):
            steps.append((name, "\n".join(lines)))
            name, lines = line.removeprefix("-- step:").strip(), []
        else:
            lines.append(line)
    steps.append((name, "\n".join(lines)))
    return [(name, text) for name, text in steps if name != "preamble"]


def event_tables() -> list[str]:
    from django.apps import apps

    return sorted(model._meta.db_table for model in apps.get_models() if hasattr(model, "pgh_tracked_model"))


def audit_rows(cursor) -> int:
    return sum(scalar(cursor, f'SELECT count(*) FROM "{table}"') for table in event_tables())


def scalar(cursor, sql: str, params: tuple = ()) -> int:
    cursor.execute(sql, params)
    return cursor.fetchone()[0]


CHECKS = {
    "detentions whose person is missing": (
        "SELECT count(*) FROM detainees_detention d LEFT JOIN detainees_person p ON p.id = d.person_id"
        " WHERE p.id IS NULL"
    ),
    "detentions whose centre is missing or no centre": (
        "SELECT count(*) FROM detainees_detention d LEFT JOIN accounts_organization o ON o.id = d.facility_id"
        " WHERE o.id IS NULL OR o.kind <> 'facility'"
    ),
    "detentions whose officer is missing": (
        "SELECT count(*) FROM detainees_detention d LEFT JOIN accounts_user u ON u.id = d.responsible_officer_id"
        " WHERE d.responsible_officer_id IS NOT NULL AND u.id IS NULL"
    ),
    "leads whose detention or officer is missing": (
        "SELECT count(*) FROM disputes_disputelead l LEFT JOIN detainees_detention d ON d.id = l.detention_id"
        " LEFT JOIN accounts_user u ON u.id = l.assigned_officer_id WHERE d.id IS NULL OR u.id IS NULL"
    ),
    "assessments whose detention or author is missing": (
        "SELECT count(*) FROM detainees_intakeassessment a LEFT JOIN detainees_detention d ON d.id = a.detention_id"
        " LEFT JOIN accounts_user u ON u.id = a.completed_by_id WHERE d.id IS NULL OR u.id IS NULL"
    ),
    "done assessments without an assessment row": (
        "SELECT count(*) FROM detainees_detention d WHERE d.assessment_completed_at IS NOT NULL"
        " AND NOT EXISTS (SELECT 1 FROM detainees_intakeassessment a WHERE a.detention_id = d.id)"
    ),
    "assessment scores differing from the detention's": (
        "SELECT count(*) FROM detainees_intakeassessment a JOIN detainees_detention d ON d.id = a.detention_id"
        " WHERE a.escalation_score <> d.escalation_score"
    ),
    "people in custody twice": (
        "SELECT count(*) FROM (SELECT person_id FROM detainees_detention WHERE status = 'in_custody'"
        " GROUP BY person_id HAVING count(*) > 1) x"
    ),
    "in custody but released, or released without a release time": (
        "SELECT count(*) FROM detainees_detention WHERE (status = 'in_custody') <> (released_at IS NULL)"
    ),
    "rows dated after the tier's now": (
        "SELECT (SELECT count(*) FROM detainees_detention, bench_tier b WHERE created_at > b.now OR admitted_at > b.now"
        "  OR released_at > b.now OR assessment_completed_at > b.now)"
        " + (SELECT count(*) FROM disputes_disputelead, bench_tier b WHERE created_at > b.now OR closed_at > b.now)"
        " + (SELECT count(*) FROM detainees_detentionevent, bench_tier b WHERE pgh_created_at > b.now)"
    ),
    "leads whose release differs from their detention's": (
        "SELECT count(*) FROM disputes_disputelead l JOIN detainees_detention d ON d.id = l.detention_id"
        " WHERE l.release_at IS DISTINCT FROM coalesce(d.released_at, d.scheduled_release_at)"
    ),
    "follow-ups of a detention not released, or of another centre": (
        "SELECT count(*) FROM followups_followup f LEFT JOIN detainees_detention d ON d.id = f.detention_id"
        " WHERE d.id IS NULL OR d.released_at IS NULL OR d.facility_id <> f.facility_id"
    ),
    "scheduled visits whose follow-up is missing": (
        "SELECT count(*) FROM followups_scheduledvisit v LEFT JOIN followups_followup f ON f.id = v.followup_id"
        " WHERE f.id IS NULL"
    ),
    "closed leads without a closing time, or open ones with one": (
        "SELECT count(*) FROM disputes_disputelead"
        " WHERE (status IN ('resolved', 'partly_resolved', 'unresolved', 'withdrawn')) <> (closed_at IS NOT NULL)"
    ),
}


# Each sweep rule's "due now" (overdue at the tier's now, its open_items condition), exactly the tier's
# due_now at every tier: bench/sweeps.py times the same 1,000 items at S and at M.
DUE_NOW = {
    "assessment": "SELECT count(*) FROM detainees_detention WHERE assessment_completed_at IS NULL"
    " AND assessment_due_at < %s",
    "custody_clock": "SELECT count(*) FROM disputes_disputelead WHERE closed_at IS NULL AND release_at < %s",
    "evaluation": "SELECT count(*) FROM followups_followup WHERE status = 'open' AND evaluation_due_at < %s",
    "followup_visit": "SELECT count(*) FROM followups_scheduledvisit WHERE status = 'pending' AND due_at < %s",
    "work_order_receipt": "SELECT count(*) FROM referrals_workorder WHERE status = 'sent' AND receipt_due_at < %s",
    "work_order_feedback": "SELECT count(*) FROM referrals_workorder WHERE status IN ('received', 'in_progress')"
    " AND feedback_due_at < %s",
}


def work_order_due_now(tier: Tier) -> int:
    """Work orders due now per rule, the same at every tier so that P5 compares equal work: a tenth of
    tier S's 2,000 (15% of them wait for receipt), not the 1,000 of the other rules."""
    return TIERS["S"].work_orders // 10


def partner_id(code: str) -> int:
    from accounts.models import Organization

    return Organization.objects.values_list("pk", flat=True).get(code=code)


def check_with_the_app() -> dict[str, int]:
    """Read rows back through the ORM: encrypted values decrypt, due times are detainees.deadlines'."""
    from detainees.deadlines import assessment_due_at
    from detainees.models import Detention

    label = "due times differing from detainees.deadlines (sample of 500)"
    problems = {label: 0, "ID numbers that read back empty": 0}
    step = max(1, Detention.objects.count() // 500)
    # Reading the rows decrypts every ID and phone number: a value that does not decrypt raises here.
    sample = Detention.objects.select_related("person").filter(pk__in=range(1, 500 * step + 1, step))
    for detention in sample:
        due = assessment_due_at(
            admitted_at=detention.admitted_at,
            scheduled_release_at=detention.scheduled_release_at,
            released_at=detention.released_at,
        )
        if due != detention.assessment_due_at:
            problems[label] += 1
        person = detention.person
        if person.id_type != "unknown" and not person.id_number:
            problems["ID numbers that read back empty"] += 1
    return problems


def build(name: str, server: str, seed: float, report: Path) -> int:
    tier = TIERS[name]
    url = database_url(server, tier.database)
    seconds: dict[str, float] = {}
    started = time.perf_counter()

    recreate_database(server, tier.database)
    os.environ["DATABASE_URL"] = url
    import django

    django.setup()
    import psycopg2
    from django.core.management import call_command
    from django.utils import timezone

    call_command("migrate", interactive=False, verbosity=0)
    call_command("createcachetable", verbosity=0)
    seconds["create database + migrate"] = time.perf_counter() - started

    mark = time.perf_counter()
    made = create_organizations_and_staff(tier)
    seconds["organizations + staff (services)"] = time.perf_counter() - mark

    now = timezone.now().replace(microsecond=0)
    n_facilities = tier.counties
    params = {
        "tier": tier.name,
        "seed": seed,
        "now": now,
        "n_facilities": n_facilities,
        "n_det": tier.detentions,
        "n_custody": round(tier.detentions * CUSTODY_SHARE),
        "n_persons": round(tier.detentions * PERSON_SHARE),
        "n_leads": tier.leads,
        "n_audit": tier.audit_rows,
        "n_due": tier.due_now,
        "n_fu": tier.follow_ups,
        "n_wo": tier.work_orders,
        "n_wo_big": min(BIG_PARTNER_ORDERS, tier.work_orders // 2),
        "n_wo_due": work_order_due_now(tier),
        "big_partner_id": partner_id(f"{REAL_COUNTIES[0][1]}-SFJ"),
        "small_partner_id": partner_id(f"{REAL_COUNTIES[1][1]}-SFJ"),
    }
    connection = psycopg2.connect(url)
    try:
        with connection, connection.cursor() as cursor:
            params["events_before"] = audit_rows(cursor)
            cursor.execute(
                """CREATE TABLE bench_tier (
                     tier text PRIMARY KEY, seed float8 NOT NULL, now timestamptz NOT NULL, n_facilities int NOT NULL,
                     n_det int NOT NULL, n_custody int NOT NULL, n_persons int NOT NULL, n_leads int NOT NULL,
                     n_audit int NOT NULL, n_due int NOT NULL, n_fu int NOT NULL, n_wo int NOT NULL,
                     n_wo_big int NOT NULL, n_wo_due int NOT NULL, big_partner_id int NOT NULL,
                     small_partner_id int NOT NULL, events_before int NOT NULL,
                     ev_person_ins int, ev_det_ins int, ev_lead_ins int, ev_assess_ins int, ev_updates int,
                     ev_det_upd int, ev_lead_upd int, ev_person_upd int, report jsonb)"""
            )
            columns = ", ".join(params)
            cursor.execute(
                f"INSERT INTO bench_tier ({columns}) VALUES ({', '.join(['%s'] * len(params))})", list(params.values())
            )
            cursor.execute(
                "CREATE TEMP TABLE bench_cipher (field text, kind text, idx int, token text, hash text,"
                " birth_date date, sex text, alike int) ON COMMIT DROP"
            )
            cursor.executemany(
                "INSERT INTO bench_cipher (field, kind, idx, token, hash, birth_date, sex)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s)",
                cipher_rows(tier),
            )
            cursor.execute(
                "CREATE TEMP TABLE bench_profile (idx int, leads_found bool, risk_tags varchar(32)[], risk_level text,"
                " needs text, screening_result text, score int, reasons jsonb, alike int) ON COMMIT DROP"
            )
            cursor.executemany(
                "INSERT INTO bench_profile (idx, leads_found, risk_tags, risk_level, needs, screening_result, score,"
                " reasons) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                profile_rows(),
            )
            cursor.execute(
                "UPDATE bench_cipher c SET alike = (SELECT count(*) FROM bench_cipher k WHERE k.kind = c.kind)"
            )
            cursor.execute(
                "UPDATE bench_profile p SET alike = (SELECT count(*) FROM bench_profile k"
                " WHERE k.leads_found = p.leads_found)"
            )
            # Triggers off for this transaction only (see tiers.sql): the audit rows are written explicitly.
            cursor.execute("SET LOCAL session_replication_role = replica")
            for step, text in sql_steps():
                mark = time.perf_counter()
                cursor.execute(text)
                seconds[f"sql: {step}"] = time.perf_counter() - mark
                print(f"  {tier.name} {step:<22} {seconds[f'sql: {step}']:6.1f} s", flush=True)
        connection.autocommit = True
        mark = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE)")
        seconds["vacuum analyze"] = time.perf_counter() - mark
        seconds["total"] = time.perf_counter() - started

        with connection.cursor() as cursor:
            counts = {
                "organizations": made["organizations"],
                "counties": scalar(cursor, "SELECT count(*) FROM accounts_organization WHERE kind = 'county'"),
                "centres": scalar(cursor, "SELECT count(*) FROM accounts_organization WHERE kind = 'facility'"),
                "staff": made["staff"],
                "persons": scalar(cursor, "SELECT count(*) FROM detainees_person"),
                "detentions": scalar(cursor, "SELECT count(*) FROM detainees_detention"),
                "in_custody": scalar(cursor, "SELECT count(*) FROM detainees_detention WHERE status = 'in_custody'"),
                "due_now": scalar(
                    cursor,
                    "SELECT count(*) FROM detainees_detention WHERE assessment_completed_at IS NULL"
                    " AND assessment_due_at <= %s",
                    (now,),
                ),
                "intake_assessments": scalar(cursor, "SELECT count(*) FROM detainees_intakeassessment"),
                "leads": scalar(cursor, "SELECT count(*) FROM disputes_disputelead"),
                "open_leads": scalar(cursor, "SELECT count(*) FROM disputes_disputelead WHERE closed_at IS NULL"),
                "audit_rows": audit_rows(cursor),
                "work_orders": scalar(cursor, "SELECT count(*) FROM referrals_workorder"),
                "work_orders big partner": scalar(
                    cursor,
                    "SELECT count(*) FROM referrals_workorder WHERE partner_id = %s",
                    (params["big_partner_id"],),
                ),
                "work_orders small partner": scalar(
                    cursor,
                    "SELECT count(*) FROM referrals_workorder WHERE partner_id = %s",
                    (params["small_partner_id"],),
                ),
                "follow_ups": scalar(cursor, "SELECT count(*) FROM followups_followup"),
                "scheduled_visits": scalar(cursor, "SELECT count(*) FROM followups_scheduledvisit"),
                **{f"due_now {rule}": scalar(cursor, sql, (now,)) for rule, sql in DUE_NOW.items()},
            }
            problems = {label: scalar(cursor, sql) for label, sql in CHECKS.items()}
        problems.update(check_with_the_app())
        targets = {
            "detentions": tier.detentions,
            "leads": tier.leads,
            "audit_rows": tier.audit_rows,
            "counties": tier.counties,
            "due_now": tier.due_now,
            "follow_ups": tier.follow_ups,
            "work_orders": tier.work_orders,
            "work_orders big partner": params["n_wo_big"],
            "work_orders small partner": SMALL_PARTNER_ORDERS,
            **{f"due_now {rule}": tier.due_now for rule in DUE_NOW if not rule.startswith("work_order")},
            **{f"due_now {rule}": params["n_wo_due"] for rule in DUE_NOW if rule.startswith("work_order")},
        }
        missed = {key: [counts[key], value] for key, value in targets.items() if counts[key] != value}
        result = {
            "tier": tier.name,
            "database": tier.database,
            "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "now": now.isoformat(),
            "seed": seed,
            "spec": asdict(tier),
            "counts": counts,
            "missed_targets": missed,
            "problems": {label: n for label, n in problems.items() if n},
            "seconds": {key: round(value, 2) for key, value in seconds.items()},
            "machine": {"python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count()},
        }
        with connection.cursor() as cursor:
            cursor.execute("UPDATE bench_tier SET report = %s", (json.dumps(result, ensure_ascii=False),))
    finally:
        connection.close()
    report.write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")
    return 0 if not missed and not result["problems"] else 1


# --- the driver ---------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--tier", action="append", choices=sorted(TIERS), help="S, M or L; repeatable (default S and M)"
    )
    parser.add_argument("--seed", type=float, default=SEED, help=f"setseed() value in [-1, 1] (default {SEED})")
    parser.add_argument("--server", help="PostgreSQL URL of the server (default DATABASE_URL; its database is unused)")
    parser.add_argument("--build", choices=sorted(TIERS), help=argparse.SUPPRESS)
    parser.add_argument("--report", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    server = server_url(args.server)
    if args.build:
        return build(args.build, server, args.seed, args.report)

    previous = json.loads(RESULTS.read_text(encoding="utf-8")) if RESULTS.exists() else {}
    results = previous.get("tiers", {})
    failed = []
    for name in args.tier or ["S", "M"]:
        print(f"building tier {name} in {TIERS[name].database} ...", flush=True)
        with tempfile.TemporaryDirectory() as folder:
            report = Path(folder) / "report.json"
            command = [sys.executable, __file__, "--build", name, "--seed", str(args.seed), "--server", server]
            code = subprocess.run(
                [*command, "--report", str(report)], cwd=ROOT, timeout=BUILD_TIMEOUT_SECONDS
            ).returncode
            if not report.exists():
                print(f"tier {name}: the build failed (exit {code})")
                failed.append(name)
                continue
            results[name] = json.loads(report.read_text(encoding="utf-8"))
        if code != 0:
            failed.append(name)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps({"spec": "QUALITY.md data tiers", "tiers": results}, indent=2, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )

    print()
    header = ("tier", "detentions", "persons", "in custody", "leads", "audit rows", "counties", "due now", "build s")
    print("| " + " | ".join(f"{h:>10}" for h in header) + " |")
    print("|" + "|".join("-" * 12 for _ in header) + "|")
    for name in sorted(results, key="SML".index):
        result = results[name]
        counts = result["counts"]
        row = (
            name,
            counts["detentions"],
            counts["persons"],
            counts["in_custody"],
            counts["leads"],
            counts["audit_rows"],
            counts["counties"],
            counts["due_now"],
            result["seconds"]["total"],
        )
        print("| " + " | ".join(f"{value:>10}" for value in row) + " |")
    for name in sorted(results, key="SML".index):
        result = results[name]
        steps = ", ".join(f"{key} {value:.1f}" for key, value in result["seconds"].items() if key != "total")
        print(f"\n{name}: {steps} (seconds)")
        for label, value in {**result["missed_targets"], **result["problems"]}.items():
            print(f"  MISSED {label}: {value}")
    print(f"\nwritten to {RESULTS.relative_to(ROOT)}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
