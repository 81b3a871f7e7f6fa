"""Benchmarks of the record, each figure beside a reference measured in the same run.

    .venv/bin/python bench/record.py [--size N] [--acts N] [--database-url URL]

1. Appends per second with signing: one act per transaction, one after another; a
   hundred per transaction (as a bulk upload makes them); and 16 threads appending one
   act per call at once (as concurrent web requests do), each call in a transaction of
   its own or, as notification submissions are written, through a group commit that
   writes the calls that meet in one transaction. References: the raw Ed25519 signing
   rate of the same library, and the rate of empty commits to the same database (the
   durable-commit ceiling of one-act transactions).
2. Inclusion and consistency proofs in a record of --size entries (default 10^6):
   p50/p99 latency. Reference: reading one act by its number.
3. Full verification of that record (every entry, signature and the tree) using every
   core. Reference: the raw Ed25519 verification rate on every core.
4. Storage per million acts.

Without --database-url a fresh SQLite file in a temporary directory is used; with a
PostgreSQL URL, a scratch database ``concord_bench`` is created there and dropped after.
The large record is built with signed entries in the production format, inserted in
bulk (appending a million acts one by one would only measure item 1 again).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
MESSAGE = b"x" * 300  # about the size of an entry's signed body


def _sign_loop(seconds: float) -> int:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for _ in range(100):
            key.sign(MESSAGE)
        n += 100
    return n


def _verify_loop(seconds: float) -> int:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()
    public, signature = key.public_key(), key.sign(MESSAGE)
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for _ in range(100):
            public.verify(signature, MESSAGE)
        n += 100
    return n


def raw_rate(loop: object, workers: int = 1, seconds: float = 2.0) -> float:
    if workers == 1:
        return loop(seconds) / seconds  # type: ignore[operator]
    with ProcessPoolExecutor(workers) as pool:
        return sum(pool.map(loop, [seconds] * workers)) / seconds  # type: ignore[arg-type]


def percentiles(samples: list[float]) -> tuple[float, float, float]:
    """p50, p95 and p99 of ``samples``."""
    ordered = sorted(samples)
    return (
        statistics.median(ordered),
        ordered[int(len(ordered) * 0.95) - 1],
        ordered[int(len(ordered) * 0.99) - 1],
    )


def scratch_postgres(url: str, name: str = "concord_bench") -> str:
    """A fresh scratch database ``name`` on the server at ``url``; returns its URL."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def drop_postgres(url: str, name: str = "concord_bench") -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def bench_appends(acts: int) -> None:
    from django.db import connection, transaction

    from concord.record.models import ActType
    from concord.record.services import Draft, act_append, acts_append

    def append(i: int) -> None:
        act_append(
            type=ActType.USER_CHANGED,
            actor=None,
            agent=None,
            content={"user": f"member-{i}", "roles": ["delegate"], "n": i},
        )

    with transaction.atomic():
        append(-1)  # the depositary key, act 0
    sign = raw_rate(_sign_loop, seconds=1.0)
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE bench_commit (n integer)")
    start = time.perf_counter()
    for i in range(1000):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("INSERT INTO bench_commit VALUES (%s)", [i])
    commits = 1000 / (time.perf_counter() - start)
    start = time.perf_counter()
    for i in range(acts):
        with transaction.atomic():
            append(i)
    single = acts / (time.perf_counter() - start)
    start = time.perf_counter()
    for b in range(acts // 100):
        with transaction.atomic():
            acts_append(
                [
                    Draft(
                        type=ActType.USER_CHANGED,
                        actor=None,
                        agent=None,
                        content={"user": f"member-{b * 100 + i}", "roles": ["delegate"], "n": i},
                    )
                    for i in range(100)
                ]
            )
    batched = (acts // 100 * 100) / (time.perf_counter() - start)
    grouped = concurrent_appends(acts, THREADS, grouped=True)
    ungrouped = concurrent_appends(acts, THREADS, grouped=False)
    print(f"  raw Ed25519 signatures/s (1 core)        {sign:10,.0f}   reference")
    print(f"  empty durable commits/s                  {commits:10,.0f}   reference")
    print(
        f"  acts/s, one per transaction              {single:10,.0f}"
        f"   {single / sign:6.1%} of signing, {single / commits:6.1%} of commits"
    )
    print(
        f"  acts/s, 100 per transaction (batch)       {batched:10,.0f}   {batched / sign:6.1%} of signing"
    )
    print(
        f"  acts/s, {THREADS} threads, one act per call,\n"
        f"    each call its own transaction            {ungrouped:10,.0f}   {ungrouped / commits:6.1%} of commits\n"
        f"    calls that meet share one (group commit) {grouped:10,.0f}   {grouped / sign:6.1%} of signing"
    )


THREADS = 16


def concurrent_appends(acts: int, threads: int, *, grouped: bool) -> float:
    """Acts appended per second by ``threads`` threads at once, one act per call, each
    call waiting until its act is committed: each in a transaction of its own, or
    through a ``GroupCommit`` as notification submissions are written."""
    import threading

    from django.db import connection, transaction

    from concord.db.group_commit import GroupCommit
    from concord.record.models import ActType
    from concord.record.services import Draft, acts_append

    group: GroupCommit[Draft, int] = GroupCommit(
        lambda drafts: [a.seq for a in acts_append(drafts)]
    )
    each = acts // threads
    barrier = threading.Barrier(threads + 1)

    def append(n: int) -> None:
        draft = Draft(
            type=ActType.USER_CHANGED,
            actor=None,
            agent=None,
            content={"user": f"member-{n}", "roles": ["delegate"], "n": n},
        )
        if grouped:
            group.run(draft)
        else:
            with transaction.atomic():
                acts_append([draft])

    def worker(t: int) -> None:
        barrier.wait()
        for i in range(each):
            append(t * each + i)
        connection.close()

    workers = [threading.Thread(target=worker, args=(t,)) for t in range(threads)]
    for w in workers:
        w.start()
    barrier.wait()
    start = time.perf_counter()
    for w in workers:
        w.join()
    return each * threads / (time.perf_counter() - start)


def build_record(size: int) -> None:
    """Fill the record up to ``size`` signed entries, in bulk."""
    from django.db import transaction

    from concord.parties import keys
    from concord.record import entry as entry_format
    from concord.record.models import Act, ActType, RecordHead
    from concord.record.services import signing_key_for
    from concord.record.tiles import tiles_on_append

    head = RecordHead.objects.get(id=1)
    key = signing_key_for(None, at=datetime.now(UTC))
    private = bytes(key.private_key_encrypted)
    at = datetime.now(UTC)
    chunk = 5000
    start = time.perf_counter()
    for first in range(head.size, size, chunk):
        rows = []
        for seq in range(first, min(first + chunk, size)):
            content = {"user": f"member-{seq}", "roles": ["delegate"], "n": seq}
            digest = entry_format.content_digest(content)
            t = at + timedelta(microseconds=seq)
            body = entry_format.signed_body(
                seq=seq,
                type=ActType.USER_CHANGED,
                charter=None,
                actor="depositary",
                agent="",
                time=entry_format.format_time(t),
                refs=[],
                digest=digest,
                restricted=False,
            )
            signature = keys.sign(private, entry_format.canonical(body))
            raw = entry_format.entry_bytes(body, key.key_id, signature)
            rows.append(
                Act(
                    seq=seq,
                    type=ActType.USER_CHANGED,
                    time=t,
                    refs=[],
                    content=content,
                    digest=digest,
                    key=key,
                    signature=signature,
                    entry=raw,
                    leaf_hash=entry_format.leaf_hash(raw),
                )
            )
        with transaction.atomic():
            Act.objects.bulk_create(rows)
            for act in rows:
                tiles_on_append(act.seq)
            RecordHead.objects.filter(id=1).update(size=rows[-1].seq + 1)
        done = rows[-1].seq + 1
        if done % 100_000 < chunk:
            rate = (done - head.size) / (time.perf_counter() - start)
            print(f"  ... {done:,} entries ({rate:,.0f}/s)", file=sys.stderr)


def bench_proofs(size: int, samples: int = 2000) -> None:
    """Proofs as the API serves them (``record.proofs``: the record's size, the leaf
    hash and the tiles, read in one query), without HTTP and authentication."""
    from concord.record import proofs
    from concord.record.models import Act

    rng = random.Random(7)
    read, inclusion, consistency = [], [], []
    for _ in range(samples):
        n = rng.randrange(size)
        t = time.perf_counter()
        Act.objects.values_list("leaf_hash", flat=True).get(seq=n)
        read.append(time.perf_counter() - t)
        t = time.perf_counter()
        proofs.inclusion(n, size)
        inclusion.append(time.perf_counter() - t)
        first = rng.randrange(1, size)
        t = time.perf_counter()
        proofs.consistency(first, size)
        consistency.append(time.perf_counter() - t)
    for label, data in (
        ("read one act by number (ms)", read),
        ("inclusion proof (ms)", inclusion),
        ("consistency proof (ms)", consistency),
    ):
        p50, p95, p99 = percentiles(data)
        note = "reference" if data is read else ""
        print(
            f"  {label:<30} p50 {p50 * 1000:6.2f}   p95 {p95 * 1000:6.2f}"
            f"   p99 {p99 * 1000:6.2f}   {note}"
        )


def bench_verify(size: int) -> None:
    from concord.record import verify

    workers = os.cpu_count() or 1
    reference = raw_rate(_verify_loop, workers=workers)
    start = time.perf_counter()
    verdict = verify.verify_items(
        verify.local_items(upto=size),
        note=None,
        vkey=None,
        workers=workers,
        require_checkpoint=False,
    )
    rate = size / (time.perf_counter() - start)
    print(f"  raw Ed25519 verifications/s ({workers} cores)  {reference:10,.0f}   reference")
    print(
        f"  entries verified/s ({workers} cores)          {rate:10,.0f}   {rate / reference:6.1%} of reference"
    )
    print(f"  verdict: {verdict}")


def storage(engine: str, home: str, size: int) -> None:
    from django.db import connection

    if engine == "SQLite":
        connection.close()
        db = Path(home) / "var" / "concord.sqlite3"
        total = sum(p.stat().st_size for p in db.parent.glob("concord.sqlite3*"))
    else:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c "
                "WHERE c.relname LIKE 'record_%%' AND c.relkind = 'r'"
            )
            total = int(cursor.fetchone()[0])
    print(
        f"  storage of the record                    {total / 2**20:10,.0f} MiB for {size:,} acts"
    )
    print(f"  per million acts                         {total / size * 1e6 / 2**20:10,.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=1_000_000, help="entries for proofs")
    parser.add_argument("--acts", type=int, default=3000, help="acts appended one by one")
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()

    home = tempfile.mkdtemp(prefix="concord-bench-")
    os.environ.update(CONCORD_HOME=home, DJANGO_SETTINGS_MODULE="concord.settings")
    engine = "PostgreSQL" if args.database_url else "SQLite"
    os.environ["DATABASE_URL"] = scratch_postgres(args.database_url) if args.database_url else ""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    print(f"Concord record benchmark on {engine}, {os.cpu_count()} cores")
    try:
        call_command("migrate", verbosity=0)
        print("appends")
        bench_appends(args.acts)
        if args.size <= 0:
            return
        print(f"building a record of {args.size:,} entries ...")
        build_record(args.size)
        print(f"proofs at {args.size:,} entries")
        bench_proofs(args.size)
        print(f"full verification of {args.size:,} entries")
        bench_verify(args.size)
        storage(engine, home, args.size)
    finally:
        connection.close()
        if args.database_url:
            drop_postgres(args.database_url)


if __name__ == "__main__":
    main()
