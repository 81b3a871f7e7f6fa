"""Benchmark of the record: acts appended per second, beside the raw Ed25519 signing
rate of the same library measured in the same run.

    .venv/bin/python bench/record.py [--acts N] [--database-url URL]

Each act is appended in its own transaction, as services do. Without --database-url
a fresh SQLite file in a temporary directory is used; with a PostgreSQL URL, a
scratch database ``concord_bench`` is created on that server and dropped afterwards.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


def raw_sign_rate(seconds: float = 1.0) -> float:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()
    message = b"x" * 300  # about the size of an entry
    n, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        for _ in range(200):
            key.sign(message)
        n += 200
    return n / elapsed


def scratch_postgres(url: str) -> str:
    import psycopg

    parts = urlsplit(url)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS concord_bench")
        conn.execute("CREATE DATABASE concord_bench")
    return urlunsplit(parts._replace(path="/concord_bench"))


def drop_postgres(url: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS concord_bench WITH (FORCE)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--acts", type=int, default=3000)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()

    home = tempfile.mkdtemp(prefix="concord-bench-")
    os.environ["CONCORD_HOME"] = home
    os.environ["DJANGO_SETTINGS_MODULE"] = "concord.settings"
    engine = "SQLite"
    if args.database_url:
        os.environ["DATABASE_URL"] = scratch_postgres(args.database_url)
        engine = "PostgreSQL"
    else:
        os.environ["DATABASE_URL"] = ""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from concord.record.models import ActType
    from concord.record.services import act_append

    try:
        call_command("migrate", verbosity=0)
        with transaction.atomic():  # the depositary key and act 0
            act_append(type=ActType.USER_CHANGED, actor=None, agent=None, content={"warm": 1})

        reference = raw_sign_rate()
        start = time.perf_counter()
        for i in range(args.acts):
            with transaction.atomic():
                act_append(
                    type=ActType.USER_CHANGED,
                    actor=None,
                    agent=None,
                    content={"user": f"member-{i}", "roles": ["delegate"], "n": i},
                )
        elapsed = time.perf_counter() - start
        rate = args.acts / elapsed
        print(f"engine                     {engine}")
        print(f"raw Ed25519 signatures/s   {reference:10.0f}   (reference)")
        print(f"acts appended/s            {rate:10.0f}   ({rate / reference:.1%} of reference)")
        print(
            f"acts                       {args.acts:10d}   in {elapsed:.2f} s, one transaction each"
        )
    finally:
        connection.close()
        if args.database_url:
            drop_postgres(args.database_url)


if __name__ == "__main__":
    main()
