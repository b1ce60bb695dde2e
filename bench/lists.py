"""P1, P2 and P3 (QUALITY.md) for the lists that exist today, on the data tiers of bench/tiers.py.

An officer of one centre (余姚市拘留所, created here through accounts.services, signed in with
Client.force_login) opens, through django.test.Client:

- the worklist /detainees/ (first page, and a page deep in it: its keyset cursor followed up to page 50,
  or to the last page when the centre has fewer), the lead list /disputes/ (first and deep page, its own
  cursor), the detentions API /api/v1/detentions/ and the leads API /api/v1/leads/ (first page and the
  page reached by following `next` as far);
- trivial pages through the same stack: /inbox/ (a login-required page with the same layout, navigation
  and context processors, and no rows: the officer has no messages), / (login-required, a redirect
  without a template) and /healthz (no session).

P1  the query count of every list page (CaptureQueriesContext): equal at every tier and page position.
P2  the worklist's first and deep page, M/S (and L/S) ≤ 1.3 and deep/first ≤ 1.2. Each tier runs in its
    own worker process (Django set up on its database); in each block the driver asks the tiers in turn,
    alternating which goes first, for `per-block` requests of each page, alternating the page order.
    Times are wall times of Client.get (time.perf_counter): the whole request in process, including the
    database server's work, which CPU time of this process would not see.
P3  in each tier's worker, in interleaved blocks: the worklist's first page as data access through the
    ORM (the selector's queryset evaluated, 51 rows: a page plus one) against the same SQL
    (Query.sql_with_params) run on a raw psycopg2 connection, fetching every row, ≤ 2x; and the whole
    page against the trivial page /inbox/ (≤ 3x; / and /healthz reported beside it).

Every figure is the median of per-block ratios (each block ratio: the medians of its samples). Also
recorded, not targets: what the ORM ratio would be with .only() of the columns the page shows, and
EXPLAIN ANALYZE of the worklist query at the first and deep page (with and without a range condition on
the cursor), for the write-up in docs/performance.md.

Run:   DATABASE_URL=postgresql://postgres@127.0.0.1:5432/yaoyao .venv/bin/python bench/lists.py
       (after bench/tiers.py; `--tier L` adds bench_l when built; only DATABASE_URL's server is used,
       without it the embedded one)
Writes bench/results/lists.json, prints a table, exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import platform
import re
import secrets
import select
import statistics
import subprocess
import sys
import time
import warnings
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yaoyao_mediation.settings")

from bench.tiers import TIERS, database_url, server_url  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "lists.json"
CENTRE_CODE = "330281-JLS"
OFFICER = "bench-lists-officer"
DEEP_PAGE = 50
PAGE_SIZE = 50
TIER_TARGET = 1.3
DEEP_TARGET = 1.2
ORM_TARGET = 2.0
PAGE_TARGET = 3.0
WORKER_TIMEOUT_SECONDS = 900
MAX_COMMANDS = 10_000

# List families whose pages must all cost the same number of queries (P1).
FAMILIES = {
    "worklist": ("worklist_first", "worklist_deep"),
    "lead list": ("leads_first", "leads_deep"),
    "detentions API": ("api_detentions_first", "api_detentions_deep"),
    "leads API": ("api_leads_first", "api_leads_deep"),
}
TRIVIAL = ("inbox", "home", "healthz")
# The columns the worklist page shows (template, view and selectors), for the .only() what-if of P3.
WORKLIST_COLUMNS = (
    "id",
    "status",
    "cell",
    "scheduled_release_at",
    "released_at",
    "assessment_due_at",
    "assessment_completed_at",
    "escalation_score",
    "name",
    "phone",
    "person__id",
    "person__id_type",
    "person__id_number",
    "responsible_officer__id",
    "responsible_officer__username",
    "responsible_officer__full_name",
)


def median_ratio(blocks: list[dict], top: str, bottom: str) -> float:
    return statistics.median(statistics.median(block[top]) / statistics.median(block[bottom]) for block in blocks)


# --- the worker: one tier, Django set up on its database ---------------------------------------------


class Worker:
    def __init__(self) -> None:
        warnings.filterwarnings("ignore", message="No directory at")  # whitenoise: no collected static files
        import django

        django.setup()
        from django.test import Client

        self.client = Client()
        self.pages: dict[str, str] = {}
        self.positions: dict[str, dict] = {}

    # -- setup: the officer and the URLs of the pages

    def setup(self, deep_page: int) -> dict:
        from django.db import connection

        from accounts import services
        from accounts.models import Organization, Role, User
        from audit.context import acting

        centre = Organization.objects.get(code=CENTRE_CODE)
        user = User.objects.filter(username=OFFICER).first()
        if user is None:
            with acting(source="command:bench_lists"):
                user = services.create_user(
                    username=OFFICER, password=secrets.token_urlsafe(24), full_name="基准测试民警"
                )
                services.grant_membership(user, organization=centre, role=Role.OFFICER)
        self.user = user
        self.client.force_login(user)
        self.pages = {
            "worklist_first": "/detainees/",
            "leads_first": "/disputes/",
            "api_detentions_first": "/api/v1/detentions/",
            "api_leads_first": "/api/v1/leads/",
            "inbox": "/inbox/",
            "home": "/",
            "healthz": "/healthz",
        }
        self.pages["worklist_deep"], self.positions["worklist"] = self.follow_html("/detainees/", deep_page)
        self.pages["leads_deep"], self.positions["lead list"] = self.follow_html("/disputes/", deep_page)
        self.pages["api_detentions_deep"], self.positions["detentions API"] = self.follow_api(
            "/api/v1/detentions/", deep_page
        )
        self.pages["api_leads_deep"], self.positions["leads API"] = self.follow_api("/api/v1/leads/", deep_page)
        with connection.cursor() as cursor:
            cursor.execute("SELECT report FROM bench_tier")
            report = cursor.fetchone()[0]
            cursor.execute(
                "SELECT count(*) FILTER (WHERE status = 'in_custody'), count(*) FROM detainees_detention"
                " WHERE facility_id = %s",
                [centre.pk],
            )
            in_custody, detentions = cursor.fetchone()
            cursor.execute(
                "SELECT count(*) FROM disputes_disputelead l JOIN detainees_detention d ON d.id = l.detention_id"
                " WHERE d.facility_id = %s",
                [centre.pk],
            )
            leads = cursor.fetchone()[0]
        return {
            "database": connection.settings_dict["NAME"],
            "tier": report,
            "centre": {"code": CENTRE_CODE, "detentions": detentions, "in_custody": in_custody, "leads": leads},
            "pages": self.pages,
            "deep_positions": self.positions,
        }

    def get(self, url: str, *, status: int = 200):
        response = self.client.get(url)
        if response.status_code != status:
            raise RuntimeError(f"{url} answered {response.status_code}, expected {status}")
        return response

    def follow_html(self, first: str, deep_page: int) -> tuple[str, dict]:
        """Follow the page's rel="next" link up to page `deep_page` (or the last page)."""
        url, page = first, 1
        for _ in range(deep_page - 1):  # bounded by the page number
            match = re.search(r'<a href="([^"]*)" rel="next"', self.get(url).content.decode())
            if not match:
                break
            url, page = urlsplit(first).path + html.unescape(match[1]), page + 1
        rows = self.get(url).content.decode().count("<tr class=")
        return url, {"page": page, "rows_before": (page - 1) * PAGE_SIZE, "rows_on_page": rows}

    def follow_api(self, first: str, deep_page: int) -> tuple[str, dict]:
        url, page = first, 1
        for _ in range(deep_page - 1):  # bounded by the page number
            following = self.get(url).json()["next"]
            if not following:
                break
            parts = urlsplit(following)
            url, page = f"{parts.path}?{parts.query}", page + 1
        rows = len(self.get(url).json()["results"])
        return url, {"page": page, "rows_before": (page - 1) * PAGE_SIZE, "rows_on_page": rows}

    # -- P1

    def counts(self) -> dict:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        counts, count_queries = {}, {}
        for name, url in self.pages.items():
            status = 302 if name == "home" else 200
            with CaptureQueriesContext(connection) as queries:
                self.get(url, status=status)
            counts[name] = len(queries.captured_queries)
            # A query that counts a whole table (SELECT COUNT(*) FROM ...), not a per-row subquery.
            tables = sorted(
                {
                    match[1]
                    for query in queries.captured_queries
                    if (match := re.match(r'SELECT COUNT\(\*\) AS "__count" FROM "(\w+)"', query["sql"]))
                }
            )
            if tables:
                count_queries[name] = tables
        return {"queries": counts, "count_queries": count_queries}

    # -- P2: timed requests, in the order the driver asks

    def time(self, names: list[str], n: int, reverse: bool) -> dict:
        samples: dict[str, list[float]] = {name: [] for name in names}
        for index in range(n):
            order = names if (index % 2 == 0) != reverse else list(reversed(names))
            for name in order:
                url = self.pages[name]
                status = 302 if name == "home" else 200
                started = time.perf_counter()
                self.get(url, status=status)
                samples[name].append(time.perf_counter() - started)
        return samples

    # -- P3

    def raw_connection(self):
        import psycopg2
        from django.db import connection

        # The parameters Django itself connects with: they include OPTIONS, where the embedded server's
        # socket directory is (its URL's "?host=", HOST stays empty); HOST/PORT alone would go to the
        # default socket. The cursor factory is Django's: a raw connection keeps psycopg2's own.
        params = connection.get_connection_params()
        params.pop("cursor_factory", None)
        raw = psycopg2.connect(**params)
        raw.autocommit = True
        return raw

    def p3(self, blocks: int, n: int) -> dict:
        from django.utils import timezone

        from casework import selectors
        from detainees.models import Detention, Person

        now = timezone.now()
        raw = self.raw_connection()

        def worklist():
            return selectors.worklist(self.user, now=now)[: PAGE_SIZE + 1]

        def worklist_only():
            return selectors.worklist(self.user, now=now).only(*WORKLIST_COLUMNS)[: PAGE_SIZE + 1]

        sql, params = worklist().query.sql_with_params()
        sql_only, params_only = worklist_only().query.sql_with_params()

        def orm(make) -> tuple[float, int]:
            started = time.perf_counter()
            rows = list(make())
            return time.perf_counter() - started, len(rows)

        def run_raw(text: str, values: tuple) -> tuple[float, int]:
            started = time.perf_counter()
            with raw.cursor() as cursor:
                cursor.execute(text, values)
                rows = cursor.fetchall()
            return time.perf_counter() - started, len(rows)

        # Two parts of the ORM's work, timed alone: building the SQL of a fresh queryset, and decrypting the
        # page's ID and phone numbers (EncryptedTextField.from_db_value runs for every row read).
        id_field, phone_field = Person._meta.get_field("id_number"), Detention._meta.get_field("phone")
        detention_ids = [row.pk for row in worklist()]
        with raw.cursor() as cursor:
            cursor.execute(
                "SELECT p.id_number, d.phone FROM detainees_detention d JOIN detainees_person p ON p.id = d.person_id"
                " WHERE d.id = ANY(%s)",
                [detention_ids],
            )
            tokens = cursor.fetchall()

        def compile_sql() -> tuple[float, int]:
            started = time.perf_counter()
            worklist().query.sql_with_params()
            return time.perf_counter() - started, 0

        def decrypt() -> tuple[float, int]:
            started = time.perf_counter()
            for id_number, phone in tokens:
                id_field.from_db_value(id_number, None, None)
                phone_field.from_db_value(phone, None, None)
            return time.perf_counter() - started, len(tokens)

        measures = {
            "orm": lambda: orm(worklist),
            "raw": lambda: run_raw(sql, params),
            "orm_only": lambda: orm(worklist_only),
            "raw_only": lambda: run_raw(sql_only, params_only),
            "compile": compile_sql,
            "decrypt": decrypt,
        }
        rows = {name: measure()[1] for name, measure in measures.items()}  # also a warm-up
        for _ in range(3):
            for measure in measures.values():
                measure()
        data_blocks = []
        for block in range(blocks):
            samples: dict[str, list[float]] = {name: [] for name in measures}
            for index in range(n):
                order = list(measures) if (index + block) % 2 == 0 else list(reversed(measures))
                for name in order:
                    samples[name].append(measures[name]()[0])
            data_blocks.append(samples)
        raw.close()
        page_blocks = [self.time(["worklist_first", *TRIVIAL], n, reverse=block % 2 == 1) for block in range(blocks)]
        return {"rows": rows, "sql": sql, "data_blocks": data_blocks, "page_blocks": page_blocks}

    # -- EXPLAIN ANALYZE of the worklist query, for the write-up

    def explain(self) -> dict:
        """The worklist query after a cursor at page 2, mid-list and the deep page, as the app writes it
        (an OR of two conditions on the cursor) and as a row-value comparison, which the index takes as
        an Index Cond. What is recorded is exact work: the detention rows the scan read, against 51 shown."""
        from django.db import connection
        from django.utils import timezone

        from casework import selectors

        now = timezone.now()
        keys = list(selectors.worklist(self.user, now=now).values_list("scheduled_release_at", "pk"))
        deep = self.positions["worklist"]["rows_before"]
        positions = {
            "first": 0,
            "page 2": PAGE_SIZE,
            "mid-list": (len(keys) // 2) // PAGE_SIZE * PAGE_SIZE,
            "deep": deep,
        }
        plans = {}
        for label, before in positions.items():
            if before > len(keys) or (before == 0 and label != "first"):
                continue
            variants = {"app": selectors.worklist(self.user, now=now)}
            if before:
                cursor = selectors.WorklistCursor(*keys[before - 1])
                variants["app"] = selectors.worklist(self.user, now=now, after=cursor)
                variants["row comparison"] = selectors.worklist(self.user, now=now).extra(
                    where=['("detainees_detention"."scheduled_release_at", "detainees_detention"."id") > (%s, %s)'],
                    params=[cursor.scheduled_release_at, cursor.pk],
                )
            for variant, queryset in variants.items():
                sql, params = queryset[: PAGE_SIZE + 1].query.sql_with_params()
                with connection.cursor() as db:
                    db.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, params)
                    plan = db.fetchone()[0][0]["Plan"]
                    db.execute("EXPLAIN (ANALYZE) " + sql, params)
                    text = "\n".join(line for (line,) in db.fetchall())
                scans = [node for node in plan_nodes(plan) if node.get("Relation Name") == "detainees_detention"]
                plans[f"{label} ({before} rows before), {variant}"] = {
                    "detention_rows_read": sum(
                        node["Actual Rows"] * node.get("Actual Loops", 1) + node.get("Rows Removed by Filter", 0)
                        for node in scans
                    ),
                    "scan": ", ".join(f"{node['Node Type']} using {node.get('Index Name', '-')}" for node in scans),
                    "sorts": sum(1 for node in plan_nodes(plan) if node["Node Type"] == "Sort"),
                    "text": text,
                }
        return plans

    # -- EXPLAIN ANALYZE of every list page's row query: how many rows it reads for the 51 it shows

    def list_plans(self) -> dict:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        plans = {}
        for members in FAMILIES.values():
            for name in members:
                with CaptureQueriesContext(connection) as queries:
                    self.get(self.pages[name])
                # The page's rows: the longest query with a LIMIT (the others are session, user, membership,
                # unread count, and the prefetch of parties).
                sql = max((q["sql"] for q in queries.captured_queries if " LIMIT " in q["sql"]), key=len)
                with connection.cursor() as db:
                    db.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql)
                    plan = db.fetchone()[0][0]["Plan"]
                read: dict[str, int] = {}
                for node in plan_nodes(plan):
                    if "Relation Name" in node:
                        rows = node["Actual Rows"] * node.get("Actual Loops", 1) + node.get("Rows Removed by Filter", 0)
                        read[node["Relation Name"]] = read.get(node["Relation Name"], 0) + rows
                plans[name] = {
                    "rows_read": read,
                    "scans": sorted(
                        {
                            f"{node['Node Type']} on {node['Relation Name']}"
                            for node in plan_nodes(plan)
                            if "Relation Name" in node
                        }
                    ),
                    "sorts": [
                        f"{node.get('Sort Method', '?')} ({node.get('Sort Space Type', '?')})"
                        for node in plan_nodes(plan)
                        if node["Node Type"] == "Sort"
                    ],
                }
        return plans

    # -- where the worklist page's time goes: the share of template rendering

    def render_share(self, n: int) -> dict:
        """Client.get of the worklist with casework.views.render wrapped in a timer (only for these
        requests, after all timed blocks): the share of the request spent rendering the template."""
        from casework import views

        original, spent = views.render, []

        def timed_render(*args, **kwargs):
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                spent.append(time.perf_counter() - started)

        views.render = timed_render
        try:
            shares = []
            for _ in range(n):  # bounded
                started = time.perf_counter()
                self.get(self.pages["worklist_first"])
                shares.append(spent[-1] / (time.perf_counter() - started))
        finally:
            views.render = original
        return {"median_share": statistics.median(shares), "samples": shares}


def plan_nodes(node: dict) -> list[dict]:
    nodes = [node]
    for child in node.get("Plans", []):
        nodes.extend(plan_nodes(child))
    return nodes


def worker_main(worker_class: type | None = None) -> int:
    """A tier's worker process: one JSON command a line on stdin, one JSON answer a line on stdout, to a
    `worker_class` instance (this script's Worker unless another bench script passes its own)."""
    # The protocol owns the real stdout; anything else printed goes to stderr.
    protocol = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    worker = (worker_class or Worker)()
    for _ in range(MAX_COMMANDS):
        line = sys.stdin.readline()
        if not line:
            return 0
        command = json.loads(line)
        name = command.pop("command")
        if name == "quit":
            return 0
        answer = getattr(worker, name)(**command)
        protocol.write(json.dumps(answer, default=str) + "\n")
        protocol.flush()
    return 0


# --- the driver -------------------------------------------------------------------------------------


class TierProcess:
    # The script its worker runs (bench/sweeps.py runs its own through this class).
    script = __file__

    def __init__(self, name: str, server: str) -> None:
        self.name = name
        env = {
            **os.environ,
            "DATABASE_URL": database_url(server, TIERS[name].database),
            # As in production: no query log, no debug templates; one connection for the whole run.
            "DEBUG": "false",
            "DB_CONN_MAX_AGE": "3600",
        }
        self.process = subprocess.Popen(
            [sys.executable, self.script, "--worker"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )

    def call(self, command: str, **arguments):
        self.process.stdin.write(json.dumps({"command": command, **arguments}) + "\n")
        self.process.stdin.flush()
        ready, _, _ = select.select([self.process.stdout], [], [], WORKER_TIMEOUT_SECONDS)
        line = self.process.stdout.readline() if ready else ""
        if not line:
            self.stop()
            raise RuntimeError(f"the tier {self.name} worker gave no answer to {command}")
        return json.loads(line)

    def stop(self) -> None:
        if self.process.poll() is None:
            try:
                self.process.stdin.write(json.dumps({"command": "quit"}) + "\n")
                self.process.stdin.flush()
                self.process.wait(timeout=30)
            except (BrokenPipeError, subprocess.TimeoutExpired):
                self.process.kill()
                self.process.wait(timeout=30)


def check_tier_exists(server: str, name: str) -> None:
    import psycopg2

    try:
        connection = psycopg2.connect(database_url(server, TIERS[name].database))
    except psycopg2.OperationalError:
        raise SystemExit(f"no database {TIERS[name].database}: run bench/tiers.py --tier {name} first") from None
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT to_regclass('bench_tier') IS NOT NULL")
            if not cursor.fetchone()[0]:
                raise SystemExit(f"{TIERS[name].database} is not a built tier: run bench/tiers.py --tier {name}")
    finally:
        connection.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tier", action="append", choices=sorted(TIERS), help="a tier besides S and M (L, when built)")
    parser.add_argument("--blocks", type=int, default=7, help="interleaved blocks (default 7)")
    parser.add_argument("--per-block", type=int, default=5, help="requests of each page per block (default 5)")
    parser.add_argument("--deep-page", type=int, default=DEEP_PAGE, help=f"the deep page (default {DEEP_PAGE})")
    parser.add_argument("--server", help="PostgreSQL URL of the server (default DATABASE_URL)")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker_main()

    server = server_url(args.server)
    names = sorted({"S", "M", *(args.tier or [])}, key="SML".index)
    for name in names:
        check_tier_exists(server, name)
    workers = {name: TierProcess(name, server) for name in names}
    try:
        info = {name: worker.call("setup", deep_page=args.deep_page) for name, worker in workers.items()}
        p1 = {name: worker.call("counts") for name, worker in workers.items()}
        for worker in workers.values():  # warm-up, not recorded
            worker.call("time", names=list(info[worker.name]["pages"]), n=3, reverse=False)

        # P2: the tiers in turn inside each block, the first one alternating.
        pages = ["worklist_first", "worklist_deep"]
        p2_blocks = []
        for block in range(args.blocks):
            order = names if block % 2 == 0 else list(reversed(names))
            samples = {}
            for name in order:
                samples[name] = workers[name].call("time", names=pages, n=args.per_block, reverse=block % 2 == 1)
            p2_blocks.append(samples)
        p3 = {name: worker.call("p3", blocks=args.blocks, n=args.per_block) for name, worker in workers.items()}
        plans = {name: worker.call("explain") for name, worker in workers.items()}
        list_plans = {name: worker.call("list_plans") for name, worker in workers.items()}
        shares = {name: worker.call("render_share", n=3 * args.per_block) for name, worker in workers.items()}
    finally:
        for worker in workers.values():
            worker.stop()

    # --- P1: equal counts per family, at every tier and position
    p1_rows = []
    for family, members in FAMILIES.items():
        values = {
            f"{name} {member.rsplit('_', 1)[1]}": p1[name]["queries"][member] for name in names for member in members
        }
        p1_rows.append({"family": family, "counts": values, "pass": len(set(values.values())) == 1})

    # --- P2 ratios
    def tier_blocks(name: str) -> list[dict]:
        return [block[name] for block in p2_blocks]

    p2 = {"blocks": p2_blocks, "ratios": {}}
    checks = []
    for name in names:
        ratio = median_ratio(tier_blocks(name), "worklist_deep", "worklist_first")
        p2["ratios"][f"{name} deep/first"] = ratio
        page = info[name]["deep_positions"]["worklist"]["page"]
        checks.append((f"P2 {name} worklist deep (page {page}) / first", ratio, DEEP_TARGET))
    for name in names[1:]:
        for page in pages:
            per_block = [
                statistics.median(block[name][page]) / statistics.median(block["S"][page]) for block in p2_blocks
            ]
            ratio = statistics.median(per_block)
            p2["ratios"][f"{name}/S {page}"] = ratio
            checks.append((f"P2 {name}/S worklist {page.split('_')[1]} page", ratio, TIER_TARGET))

    # --- P3 ratios
    p3_ratios = {}
    for name in names:
        data, page_blocks = p3[name]["data_blocks"], p3[name]["page_blocks"]
        ratios = {
            "orm/raw": median_ratio(data, "orm", "raw"),
            "orm/raw with .only() (what-if)": median_ratio(data, "orm_only", "raw_only"),
            "orm with .only() / orm (what-if)": median_ratio(data, "orm_only", "orm"),
            "building the SQL / raw": median_ratio(data, "compile", "raw"),
            "decrypting the page's numbers / raw": median_ratio(data, "decrypt", "raw"),
            "template rendering share of the page": shares[name]["median_share"],
            "page/inbox": median_ratio(page_blocks, "worklist_first", "inbox"),
            "page/home (redirect)": median_ratio(page_blocks, "worklist_first", "home"),
            "page/healthz": median_ratio(page_blocks, "worklist_first", "healthz"),
        }
        p3_ratios[name] = ratios
        checks.append((f"P3 {name} worklist ORM / raw psycopg2", ratios["orm/raw"], ORM_TARGET))
        checks.append((f"P3 {name} worklist page / trivial page (/inbox/)", ratios["page/inbox"], PAGE_TARGET))

    result = {
        "id": "P1 P2 P3",
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count()},
        "method": {
            "blocks": args.blocks,
            "per_block": args.per_block,
            "timing": "wall time of django.test.Client.get (time.perf_counter), in process, DEBUG off",
            "orm_vs_raw": "list(selectors.worklist(user, now=now)[:51]) against the same SQL and parameters "
            "(Query.sql_with_params) on a raw psycopg2 connection, cursor.fetchall()",
            "trivial_page": "/inbox/ (login-required, same layout, no rows); / and /healthz reported too",
        },
        "tiers": info,
        "p1": {"per_tier": p1, "families": p1_rows},
        "p2": p2,
        "p3": {"ratios": p3_ratios, "raw": p3},
        "explain": plans,
        "list_plans": list_plans,
        "render_share": shares,
        "checks": [
            {"check": label, "measured": round(value, 3), "target": target, "pass": value <= target}
            for label, value, target in checks
        ],
    }
    result["pass"] = all(check["pass"] for check in result["checks"]) and all(row["pass"] for row in p1_rows)
    # `make bench` (S and M) writes lists.json; a run by hand with tier L its own file beside it.
    results = RESULTS if names == ["S", "M"] else RESULTS.with_name(f"lists_{''.join(names)}.json")
    results.parent.mkdir(parents=True, exist_ok=True)
    results.write_text(json.dumps(result, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")

    for name in names:
        centre = info[name]["centre"]
        positions = ", ".join(
            f"{family} page {value['page']} ({value['rows_on_page']} rows)"
            for family, value in info[name]["deep_positions"].items()
        )
        print(
            f"tier {name}: centre {centre['code']}: {centre['detentions']} detentions, {centre['in_custody']} in "
            f"custody, {centre['leads']} leads; deep pages: {positions}"
        )
    print("\nP1 query counts (equal within each family):")
    for row in p1_rows:
        counts = ", ".join(f"{key} {value}" for key, value in row["counts"].items())
        print(f"  {row['family']:<15} {counts}  {'ok' if row['pass'] else 'DIFFERENT'}")
    for name in names:
        if p1[name]["count_queries"]:
            print(f"  COUNT queries at {name}: {p1[name]['count_queries']}")
    for name in names:
        also = ", ".join(
            f"{key} {value:.2f}" for key, value in p3_ratios[name].items() if key not in ("orm/raw", "page/inbox")
        )
        print(f"P3 {name} also: {also}")
    for name in names:
        for plan_name, plan in plans[name].items():
            print(
                f"EXPLAIN {name} {plan_name}: reads {plan['detention_rows_read']} detention rows "
                f"({plan['scan']}; {plan['sorts']} sort)"
            )
    print(
        "\nRows each list page's row query reads (EXPLAIN ANALYZE) for the 50 (+1) it shows: its own table, all tables"
    )
    for members in FAMILIES.values():
        for member in members:
            table = "disputes_disputelead" if "leads" in member else "detainees_detention"
            cells = []
            for name in names:
                read = list_plans[name][member]["rows_read"]
                disk = any("Disk" in sort for sort in list_plans[name][member]["sorts"])
                cells.append(f"{name} {read.get(table, 0)}, {sum(read.values())}{' (sort on disk)' if disk else ''}")
            print(f"  {member:<22} {table:<21} " + "; ".join(cells))
    print(f"\n{args.blocks} blocks x {args.per_block} per block, median of block ratios\n")
    print(f"| {'check':<52} | {'measured':>8} | {'target':>7} | pass |")
    print(f"|{'-' * 54}|{'-' * 10}|{'-' * 9}|------|")
    for check in result["checks"]:
        measured = f"{check['measured']:.2f}x"
        print(
            f"| {check['check']:<52} | {measured:>8} | {'≤ ' + str(check['target']) + 'x':>7} | "
            f"{'yes' if check['pass'] else 'NO':<4} |"
        )
    print(f"\nwritten to {results.relative_to(ROOT)}")
    return 0 if result["pass"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
