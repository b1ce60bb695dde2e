"""QUALITY.md P5: the deadline sweeps with 1,000 due, at tier M against the same at tier S (≤ 1.5x).

Every rule of casework.deadlines.RULES (assessment, custody clock, evaluation, further visits, work-order
receipt and feedback) is timed at the tier's `now` (bench_tier.now), where tiers.sql arranged exactly
1,000 of its rows overdue at both tiers (200 for the two work-order rules: tier S has 2,000 work
orders): sweeps.services.sweep records their breaches and notifies them (claim, inbox, outbox).
The reminder lead is set to zero for the timed sweeps (dataclasses.replace of the rule), so that the
reminders of rows due within the next day or two, which grow with the tier, are not part of the work
compared; the reminders' query still runs (an empty range of the same index).

- Each timed sweep runs inside a transaction that is rolled back: every block measures the same work on
  the same rows (nothing stays recorded). Each tier runs in its own worker process (Django set up on the
  tier's database, DEBUG off, one persistent connection); the tiers take turns inside each block, the
  first alternating, and the ratio is the median over blocks of median(M) / median(S).
- EXPLAIN (ANALYZE) of each rule's due query (sweeps.selectors.not_recorded(overdue(...))) at each tier:
  the rule's partial index is used and no Seq Scan touches a big table (detentions, leads, follow-ups,
  scheduled visits, breaches).
- Two sweeps one after the other (in one rolled-back transaction) give exactly one breach per due item,
  every breach notified, and no recipient told twice of one item. (Two sweeps racing in two threads with
  their own connections are tests/sweeps/test_racing_sweeps.py; committed here they would change the tier.)

Run:   DATABASE_URL=postgresql://postgres@127.0.0.1:5432/yaoyao .venv/bin/python bench/sweeps.py
       (needs tiers S and M built by bench/tiers.py; --blocks, --per-block for more samples)
Writes bench/results/sweeps.json, prints a table, exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yaoyao_mediation.settings")

from bench.lists import TierProcess, check_tier_exists, median_ratio, plan_nodes, worker_main  # noqa: E402
from bench.tiers import TIERS, server_url  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "sweeps.json"
TARGET = 1.5
# Tables that grow with the tier: a Seq Scan on any of them in a due query misses P5.
BIG_TABLES = {
    "detainees_detention",
    "disputes_disputelead",
    "followups_followup",
    "followups_scheduledvisit",
    "referrals_workorder",
    "sweeps_breach",
}
# The partial index each rule's due query must show.
INDEXES = {
    "assessment": "detention_assessment_sweep_idx",
    "custody_clock": "lead_release_due_idx",
    "evaluation": "followup_evaluation_due_idx",
    "followup_visit": "scheduled_visit_due_idx",
    "work_order_receipt": "workorder_receipt_due_idx",
    "work_order_feedback": "workorder_feedback_due_idx",
}


class Rollback(Exception):
    """Raised to roll a timed sweep's transaction back."""


# --- the worker (one per tier) -------------------------------------------------------------------------


class Worker:
    def __init__(self) -> None:
        import django

        django.setup()
        from django.db import connection

        from casework.deadlines import RULES

        with connection.cursor() as cursor:
            cursor.execute("SELECT now FROM bench_tier")
            self.now = cursor.fetchone()[0]
        # Breaches only: see the module's docstring.
        self.rules = {
            name: dataclasses.replace(rule, reminder_lead=lambda: timedelta(0)) for name, rule in RULES.items()
        }

    def setup(self) -> dict:
        from sweeps import selectors

        due = {name: selectors.overdue(rule, self.now).count() for name, rule in self.rules.items()}
        return {"now": self.now.isoformat(), "rules": list(self.rules), "due": due}

    def _in_rollback(self, work):
        from django.db import transaction

        result = {}
        try:
            with transaction.atomic():
                result.update(work())
                raise Rollback
        except Rollback:
            pass
        return result

    def time(self, rule: str, n: int) -> list[float]:
        from sweeps.services import sweep

        samples = []
        for _ in range(n):  # bounded by the caller
            started = time.perf_counter()
            counts = self._in_rollback(lambda: sweep(self.rules[rule], self.now))
            samples.append(time.perf_counter() - started)
            assert counts["breaches"] == counts["notified"] == 1_000, counts
        return samples

    def twice(self, rule: str) -> dict:
        from django.db.models import Count

        from notifications.models import InboxMessage
        from sweeps.models import Breach
        from sweeps.services import sweep

        def work():
            first = sweep(self.rules[rule], self.now)
            # At the same moment: a later one would also find the rows that fell due in between.
            second = sweep(self.rules[rule], self.now)
            breaches = Breach.objects.filter(rule=rule, kind=Breach.Kind.BREACH)
            messages = InboxMessage.objects.filter(kind="deadline_breach")
            return {
                "first": first,
                "second": second,
                "breaches": breaches.count(),
                "items": breaches.values("object_id").distinct().count(),
                "not_notified": breaches.filter(notified_at=None).count(),
                "messages": messages.count(),
                "told_twice": messages.values("user_id", "link", "subject")
                .annotate(n=Count("pk"))
                .filter(n__gt=1)
                .count(),
            }

        return self._in_rollback(work)

    def explain(self) -> dict:
        from django.db import connection

        from sweeps import selectors
        from sweeps.services import BATCH

        plans = {}
        for name, rule in self.rules.items():
            # The statement sweeps.services.record runs: the first batch of the due rows, oldest first.
            due = selectors.not_recorded(selectors.overdue(rule, self.now), rule, "breach").order_by(
                "deadline_at", "pk"
            )
            batch = due.values("pk", "deadline_at", "deadline_centre", "deadline_officer")[:BATCH]
            sql, params = batch.query.sql_with_params()
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, params)
                plan = cursor.fetchone()[0][0]
            nodes = plan_nodes(plan["Plan"])
            plans[name] = {
                "indexes": sorted({node["Index Name"] for node in nodes if "Index Name" in node}),
                "seq_scans": sorted({node["Relation Name"] for node in nodes if node["Node Type"] == "Seq Scan"}),
                "rows": plan["Plan"]["Actual Rows"],
                "ms": plan["Execution Time"],
                "text": explain_text(sql, params),
            }
        return plans


def explain_text(sql: str, params) -> list[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) " + sql, params)
        return [row[0] for row in cursor.fetchall()]


# --- the driver ----------------------------------------------------------------------------------------


class SweepTier(TierProcess):
    script = __file__


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--blocks", type=int, default=5, help="interleaved blocks (default 5)")
    parser.add_argument("--per-block", type=int, default=2, help="sweeps of each rule per block (default 2)")
    parser.add_argument("--server", help="PostgreSQL URL of the server (default DATABASE_URL)")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker_main(Worker)

    server = server_url(args.server)
    names = ["S", "M"]
    for name in names:
        check_tier_exists(server, name)
    workers = {name: SweepTier(name, server) for name in names}
    try:
        info = {name: worker.call("setup") for name, worker in workers.items()}
        rules = info["S"]["rules"]
        for worker in workers.values():  # warm-up, not recorded
            for rule in rules:
                worker.call("time", rule=rule, n=1)
        blocks = []
        for block in range(args.blocks):
            order = names if block % 2 == 0 else list(reversed(names))
            samples: dict[str, dict[str, list[float]]] = {name: {} for name in names}
            for rule in rules if block % 2 == 0 else list(reversed(rules)):
                for name in order:
                    samples[name][rule] = workers[name].call("time", rule=rule, n=args.per_block)
            blocks.append(samples)
        twice = {name: {rule: workers[name].call("twice", rule=rule) for rule in rules} for name in names}
        plans = {name: worker.call("explain") for name, worker in workers.items()}
    finally:
        for worker in workers.values():
            worker.stop()

    checks = []
    ratios = {}
    for rule in rules:
        per_block = [{"M": block["M"][rule], "S": block["S"][rule]} for block in blocks]
        ratio = median_ratio(per_block, "M", "S")
        ratios[rule] = {
            "M/S": ratio,
            "median_s": {name: statistics.median(s for block in blocks for s in block[name][rule]) for name in names},
        }
        checks.append(
            {"check": f"P5 {rule}: sweep of {info['S']['due'][rule]:,} due, M/S", "measured": ratio, "target": TARGET}
        )
    plan_checks = []
    for name in names:
        for rule in rules:
            plan = plans[name][rule]
            big_seq = sorted(set(plan["seq_scans"]) & BIG_TABLES)
            plan_checks.append(
                {
                    "tier": name,
                    "rule": rule,
                    "index": INDEXES[rule],
                    "uses_index": INDEXES[rule] in plan["indexes"],
                    "seq_scans_on_big_tables": big_seq,
                    "rows": plan["rows"],
                    "ms": round(plan["ms"], 2),
                    "pass": INDEXES[rule] in plan["indexes"] and not big_seq,
                }
            )
    once = []
    for name in names:
        for rule in rules:
            t = twice[name][rule]
            ok = t["breaches"] == t["items"] == 1_000 and t["not_notified"] == 0 and t["told_twice"] == 0
            ok = ok and t["second"]["breaches"] == 0 and t["second"]["notified"] == 0 and t["messages"] > 0
            once.append({"tier": name, "rule": rule, **t, "pass": ok})

    result = {
        "id": "P5",
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count()},
        "method": {
            "blocks": args.blocks,
            "per_block": args.per_block,
            "timing": "wall time of sweeps.services.sweep(rule, tier now) inside a rolled-back transaction, "
            "reminder lead 0 (breaches only), one worker process per tier, tiers alternating in each block",
        },
        "tiers": {name: {**info[name], "spec": dataclasses.asdict(TIERS[name])} for name in names},
        "samples": blocks,
        "ratios": ratios,
        "explain": plans,
        "plan_checks": plan_checks,
        "twice": once,
        "checks": [
            {**check, "measured": round(check["measured"], 3), "pass": check["measured"] <= TARGET} for check in checks
        ],
    }
    result["pass"] = (
        all(c["pass"] for c in result["checks"])
        and all(c["pass"] for c in plan_checks)
        and all(c["pass"] for c in once)
    )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")

    print("EXPLAIN ANALYZE of each rule's due query (the first batch the sweep records; rows = its length):")
    for row in plan_checks:
        seq = ", ".join(row["seq_scans_on_big_tables"]) or "none"
        print(
            f"  {row['tier']} {row['rule']:<15} {row['index']:<31} used: {'yes' if row['uses_index'] else 'NO':<3}"
            f"  Seq Scan on big tables: {seq:<6} rows {row['rows']:>5}  {row['ms']:>7.2f} ms"
        )
    print("Two sweeps one after the other (rolled back):")
    for row in once:
        print(
            f"  {row['tier']} {row['rule']:<15} breaches {row['breaches']} on {row['items']} items, not notified "
            f"{row['not_notified']}, inbox messages {row['messages']}, told twice {row['told_twice']}, second sweep "
            f"{row['second']['breaches']} offered / {row['second']['notified']} notified  "
            f"{'ok' if row['pass'] else 'NO'}"
        )
    print(f"\n{args.blocks} blocks x {args.per_block} sweeps per rule and tier, median of block ratios\n")
    print(f"| {'check':<42} | {'S median':>9} | {'M median':>9} | {'M/S':>6} | target | pass |")
    print(f"|{'-' * 44}|{'-' * 11}|{'-' * 11}|{'-' * 8}|--------|------|")
    for rule, check in zip(rules, result["checks"], strict=True):
        medians = ratios[rule]["median_s"]
        print(
            f"| {check['check']:<42} | {medians['S']:>8.2f}s | {medians['M']:>8.2f}s | {check['measured']:>5.2f}x "
            f"| ≤ {TARGET}x | {'yes' if check['pass'] else 'NO':<4} |"
        )
    print(f"\nwritten to {RESULTS.relative_to(ROOT)}")
    return 0 if result["pass"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
