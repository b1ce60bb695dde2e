"""QUALITY.md P10: a partner with 5,000 work orders against a partner with 50 (≤ 1.3x, equal query counts).

On tier M (bench/tiers.py): the first county's justice bureau (余姚市司法局) holds 5,000 work orders, the
second county's (余杭区司法局) exactly 50 — the same kind of partner, so the same pages. A member of each
(created by tiers.py, signed in with Client.force_login) opens through django.test.Client, in one worker
process on the tier's database (DEBUG off, one persistent connection):

- the inbox /partner/work-orders/ (first page: the newest orders, keyset pagination, no COUNT(*)),
- the dashboard /partner/ (counts by state, due soon and overdue, timeliness figures),
- the API list /api/v1/work-orders/ (first page, cursor pagination).

The query count of each page is taken for both partners (CaptureQueriesContext) and must be equal. Times
are wall times of Client.get, in interleaved blocks (the two partners take turns, the first alternating);
the ratio is the median over blocks of median(big) / median(small). Tier S (1,000 against 50) is
reported beside it when built.

Run:   DATABASE_URL=postgresql://postgres@127.0.0.1:5432/yaoyao .venv/bin/python bench/partner_inbox.py
       (needs tier M, and S for the second row, built by bench/tiers.py)
Writes bench/results/partner_inbox.json, prints a table, exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.lists import TierProcess, check_tier_exists, median_ratio, worker_main  # noqa: E402
from bench.tiers import REAL_COUNTIES, server_url  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "partner_inbox.json"
TARGET = 1.3
PAGES = {"inbox": "/partner/work-orders/", "dashboard": "/partner/", "api_list": "/api/v1/work-orders/"}
# tiers.py's member of each county's justice bureau.
BIG_USER = f"{REAL_COUNTIES[0][1]}-justice-1"
SMALL_USER = f"{REAL_COUNTIES[1][1]}-justice-1"


class Worker:
    def __init__(self) -> None:
        warnings.filterwarnings("ignore", message="No directory at")  # whitenoise: no collected static files
        import django

        django.setup()
        from django.test import Client

        from accounts.models import User

        self.clients = {}
        for name, username in (("big", BIG_USER), ("small", SMALL_USER)):
            client = Client()
            client.force_login(User.objects.get(username=username))
            self.clients[name] = client

    def get(self, who: str, page: str):
        response = self.clients[who].get(PAGES[page])
        if response.status_code != 200:
            raise RuntimeError(f"{PAGES[page]} as {who}: {response.status_code}")
        return response

    def setup(self) -> dict:
        from django.db import connection

        from referrals.models import WorkOrder

        with connection.cursor() as cursor:
            cursor.execute("SELECT big_partner_id, small_partner_id FROM bench_tier")
            big, small = cursor.fetchone()
        for who in self.clients:  # warm up: sessions, membership, templates
            for page in PAGES:
                self.get(who, page)
        return {
            "database": connection.settings_dict["NAME"],
            "orders": {
                "big": WorkOrder.objects.filter(partner_id=big).count(),
                "small": WorkOrder.objects.filter(partner_id=small).count(),
            },
        }

    def counts(self) -> dict:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        counts = {}
        for who in self.clients:
            for page in PAGES:
                with CaptureQueriesContext(connection) as queries:
                    self.get(who, page)
                counts[f"{page} {who}"] = len(queries)
        return counts

    def time(self, page: str, n: int, reverse: bool) -> dict:
        samples = {"big": [], "small": []}
        order = ["small", "big"] if reverse else ["big", "small"]
        for _ in range(n):
            for who in order:
                started = time.perf_counter()
                self.get(who, page)
                samples[who].append(time.perf_counter() - started)
        return samples


class InboxTier(TierProcess):
    script = __file__


def measure(name: str, server: str, blocks: int, per_block: int) -> dict:
    worker = InboxTier(name, server)
    try:
        info = worker.call("setup")
        counts = worker.call("counts")
        samples = {page: [] for page in PAGES}
        for block in range(blocks):
            for page in PAGES:
                samples[page].append(worker.call("time", page=page, n=per_block, reverse=block % 2 == 1))
    finally:
        worker.stop()
    ratios = {page: median_ratio(samples[page], "big", "small") for page in PAGES}
    medians = {
        page: {who: statistics.median(s for block in samples[page] for s in block[who]) for who in ("big", "small")}
        for page in PAGES
    }
    return {"info": info, "counts": counts, "ratios": ratios, "median_s": medians, "samples": samples}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", help="PostgreSQL server URL (default: DATABASE_URL's)")
    parser.add_argument("--blocks", type=int, default=7)
    parser.add_argument("--per-block", type=int, default=5)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker_main(Worker)

    server = server_url(args.server)
    check_tier_exists(server, "M")
    results = {"M": measure("M", server, args.blocks, args.per_block)}
    try:
        check_tier_exists(server, "S")
    except SystemExit:
        pass
    else:
        results["S"] = measure("S", server, args.blocks, args.per_block)

    checks = []
    m = results["M"]
    for page in PAGES:
        checks.append(
            {
                "check": f"P10 {page}: {m['info']['orders']['big']:,} vs {m['info']['orders']['small']} orders",
                "measured": round(m["ratios"][page], 3),
                "target": TARGET,
                "passed": m["ratios"][page] <= TARGET,
            }
        )
        big, small = m["counts"][f"{page} big"], m["counts"][f"{page} small"]
        checks.append(
            {"check": f"P10 {page}: queries", "measured": f"{big} / {small}", "target": "equal", "passed": big == small}
        )
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps({"results": results, "checks": checks}, ensure_ascii=False, indent=1, default=str))
    print(f"| {'check':<46} | {'measured':>10} | {'target':>6} | ok |")
    for check in checks:
        mark = "✓" if check["passed"] else "✗"
        print(f"| {check['check']:<46} | {check['measured']!s:>10} | {check['target']!s:>6} | {mark}  |")
    for name, result in results.items():
        print(
            f"tier {name}: orders {result['info']['orders']}, ratios "
            + ", ".join(f"{page} {ratio:.2f}" for page, ratio in result["ratios"].items())
        )
    print(f"written to {RESULTS.relative_to(Path.cwd()) if RESULTS.is_relative_to(Path.cwd()) else RESULTS}")
    return 0 if all(check["passed"] for check in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
