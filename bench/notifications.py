"""Benchmark of notifications: submission to delivered, under concurrent submitters.

    .venv/bin/python bench/notifications.py [--submitters 20] [--each 20] [--database-url URL]

57 parties take part in `helsinki`; each submitter is a different party's delegate and
submits prior notifications (validated against the form's schema, signed, recorded and
delivered to the 56 other parties, all in one transaction). Latency is measured from
the call to the committed delivery. Submitters are threads of one process, as requests
are in one web worker; submissions that meet are written in one transaction (group
commit), and the benchmark prints how many transactions that took. References measured in the same run: the same
submission with no one else submitting, and an empty durable commit.

Without --database-url a fresh SQLite file in a temporary directory is used; with a
PostgreSQL URL, a scratch database ``concord_bench`` is created there and dropped after.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from record import drop_postgres, scratch_postgres  # noqa: E402


def p(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--submitters", type=int, default=20)
    parser.add_argument("--each", type=int, default=20, help="submissions per submitter")
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()

    home = tempfile.mkdtemp(prefix="concord-bench-")
    os.environ.update(CONCORD_HOME=home, DJANGO_SETTINGS_MODULE="concord.settings")
    engine = "PostgreSQL" if args.database_url else "SQLite"
    os.environ["DATABASE_URL"] = scratch_postgres(args.database_url) if args.database_url else ""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from concord import clock
    from concord.charters.models import Charter
    from concord.charters.services import builtin_charters_load
    from concord.notifications.services import notification_submit
    from concord.parties import services as svc
    from concord.parties.models import Role, Status, User

    try:
        call_command("migrate", verbosity=0)
        builtin_charters_load()
        helsinki = Charter.objects.get(code="helsinki")
        states = helsinki.document["eligibility"]["states"][:57]
        delegates = []
        for code in states:
            party = svc.party_register(agent=None, code=code.lower(), kind="state")
            svc.participation_set(agent=None, party=party, charter=helsinki, status=Status.PARTY)
            delegates.append(
                svc.user_create(
                    agent=None,
                    username=f"{code.lower()}-delegate",
                    party=party,
                    roles=[Role.DELEGATE],
                    password="x",
                    check_password=False,
                )
            )
        start = clock.now().date() + timedelta(days=60)
        data = {
            "start": start.isoformat(),
            "end": (start + timedelta(days=6)).isoformat(),
            "area": {"name": "Northern training area", "lat": 61.5, "lon": 24.1},
            "kind": "field-training",
            "troops": 9500,
            "battle_tanks": 40,
            "acv": 120,
            "artillery": 30,
            "units": ["U-101", "U-102", "U-103"],
        }

        def submit(user: User) -> float:
            t = time.perf_counter()
            notification_submit(
                agent=user, charter=helsinki, form="prior-notification", data=data, language="en"
            )
            return time.perf_counter() - t

        with connection.cursor() as cursor:
            cursor.execute("CREATE TABLE bench_commit (n integer)")
        commits = []
        for i in range(200):
            t = time.perf_counter()
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("INSERT INTO bench_commit VALUES (%s)", [i])
            commits.append(time.perf_counter() - t)
        alone = [submit(delegates[0]) for _ in range(40)]

        # Count the transactions the group commit writes (``notifications.services._group``).
        from concord.notifications import services as nsvc

        batches: list[int] = []
        write = nsvc._group.write

        def counted(units):  # type: ignore[no-untyped-def]
            batches.append(len(units))
            return write(units)

        nsvc._group.write = counted
        samples: list[float] = []
        lock = threading.Lock()
        barrier = threading.Barrier(args.submitters)

        def worker(user: User) -> None:
            barrier.wait()
            mine = [submit(user) for _ in range(args.each)]
            with lock:
                samples.extend(mine)
            connection.close()

        threads = [
            threading.Thread(target=worker, args=(delegates[i % len(delegates)],))
            for i in range(args.submitters)
        ]
        wall = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - wall
        ms = 1000.0
        print(f"Concord notification benchmark on {engine}, {os.cpu_count()} cores")
        print(
            f"  empty durable commit (ms)                p50 {statistics.median(commits) * ms:7.1f}   p95 {p(commits, 0.95) * ms:7.1f}   reference"
        )
        print(
            f"  one submitter alone (ms)                 p50 {statistics.median(alone) * ms:7.1f}   p95 {p(alone, 0.95) * ms:7.1f}   reference"
        )
        print(
            f"  {args.submitters} concurrent submitters (ms)          p50 {statistics.median(samples) * ms:7.1f}"
            f"   p95 {p(samples, 0.95) * ms:7.1f}   ({len(samples)} submissions, {len(samples) / wall:,.0f}/s)"
        )
        print(
            f"  written in {len(batches)} transactions, {len(samples) / len(batches):.1f} submissions"
            f" each on average, at most {max(batches)}"
        )
        print("  each submission: validated, signed, recorded, delivered to 56 parties")
    finally:
        connection.close()
        if args.database_url:
            drop_postgres(args.database_url)


if __name__ == "__main__":
    main()
