"""Benchmark of webhook delivery, beside references measured in the same run.

    .venv/bin/python bench/webhooks.py [--acts N] [--webhooks N,N] [--database-url URL]

Appends --acts public acts, registers webhooks of one party pointing at a local
receiver (a threaded http.server on 127.0.0.1 speaking HTTP/1.1 with keep-alive) and
times the worker's webhook pass until every delivery is recorded as delivered: rows
created from the record, claimed, signed, posted and settled. References:

- raw POSTs/s of the same bodies with the same HTTP client (``receivers.Poster``, one
  kept-alive connection per receiver, as many threads as webhooks) to the same
  receiver, without any database work: the ceiling of the HTTP path on this machine;
- HMAC-SHA256 signatures/s of the same bodies (``webhooks.signature_for``).

Without --database-url a fresh SQLite file in a temporary directory is used; with a
PostgreSQL URL, a scratch database ``concord_bench_webhooks`` is created and dropped.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
SCRATCH = "concord_bench_webhooks"


class Counter:
    def __init__(self) -> None:
        self.n = 0
        self.lock = threading.Lock()


def receiver_start(counter: Counter) -> tuple[ThreadingHTTPServer, str]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as a production receiver would

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            with counter.lock:
                counter.n += 1
            self.send_response(204)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/hook"


def scratch_postgres(url: str) -> str:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {SCRATCH} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {SCRATCH}")
    return urlunsplit(urlsplit(url)._replace(path=f"/{SCRATCH}"))


def drop_postgres(url: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {SCRATCH} WITH (FORCE)")


def acts_append_public(n: int) -> None:
    from django.db import transaction

    from concord.record.models import ActType
    from concord.record.services import Draft, acts_append

    for first in range(0, n, 100):
        with transaction.atomic():
            acts_append(
                [
                    Draft(
                        type=ActType.USER_CHANGED,
                        actor=None,
                        agent=None,
                        content={"user": f"member-{i}", "roles": ["delegate"], "n": i},
                    )
                    for i in range(first, min(first + 100, n))
                ]
            )


def sample_bodies(limit: int) -> list[bytes]:
    """Bodies as the hub sends them, for the references."""
    from concord.delivery import webhooks
    from concord.record.models import Act

    return [
        webhooks.body_bytes(webhooks.act_payload(act, "00000000-0000-0000-0000-000000000000"))
        for act in Act.objects.select_related("actor", "charter_version__charter").order_by("-seq")[
            :limit
        ]
    ]


def raw_posts(url: str, bodies: list[bytes], threads: int, seconds: float = 2.0) -> float:
    """POSTs/s with the hub's HTTP client and signed headers, no database."""
    from concord import clock
    from concord.delivery import webhooks
    from concord.delivery.receivers import Poster

    def loop(_: int) -> int:
        poster = Poster()
        n, start = 0, time.perf_counter()
        try:
            while time.perf_counter() - start < seconds:
                body = bodies[n % len(bodies)]
                headers = webhooks.signed_headers("whsec_x", "id", body, clock.now())
                outcome = poster.post(url, body, headers)
                assert outcome.ok, outcome
                n += 1
        finally:
            poster.close()
        return n

    with ThreadPoolExecutor(threads) as pool:
        total = sum(pool.map(loop, range(threads)))
    return total / seconds


def hmac_rate(bodies: list[bytes], seconds: float = 1.0) -> float:
    from concord.delivery import webhooks

    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for body in bodies[:100]:
            webhooks.signature_for("whsec_0123456789abcdef0123456789abcdef", 1_700_000_000, body)
        n += min(len(bodies), 100)
    return n / (time.perf_counter() - start)


def bench_deliveries(url: str, acts: int, count: int, after: int) -> tuple[float, float]:
    """Deliveries/s of the worker's pass to ``count`` webhooks; returns (rate, enqueue s)."""
    from concord.delivery import webhooks
    from concord.delivery.models import DeliveryState, Webhook, WebhookDelivery
    from concord.delivery.services import webhook_register, webhooks_due
    from concord.parties.models import User

    head = User.objects.get(username="fr-head")
    Webhook.objects.all().delete()
    for _ in range(count):
        webhook_register(agent=head, url=url, types=["user."])
    # Each webhook is owed the benchmark's acts, whatever came before or since.
    Webhook.objects.update(enqueued_seq=after)
    expected = acts * count
    start = time.perf_counter()
    webhooks.deliveries_enqueue()
    while webhooks.deliveries_enqueue():
        pass
    enqueue = time.perf_counter() - start
    while WebhookDelivery.objects.filter(state=DeliveryState.DELIVERED).count() < expected:
        webhooks_due()
    elapsed = time.perf_counter() - start
    failed = WebhookDelivery.objects.exclude(state=DeliveryState.DELIVERED).count()
    assert failed == 0, f"{failed} deliveries not delivered"
    return expected / elapsed, enqueue


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--acts", type=int, default=2000, help="acts to deliver per webhook")
    parser.add_argument("--webhooks", default="1,4", help="webhook counts to measure")
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()

    home = tempfile.mkdtemp(prefix="concord-bench-")
    os.environ.update(
        CONCORD_HOME=home,
        DJANGO_SETTINGS_MODULE="concord.settings",
        CONCORD_WEBHOOK_ALLOW_HTTP="1",
    )
    engine = "PostgreSQL" if args.database_url else "SQLite"
    os.environ["DATABASE_URL"] = scratch_postgres(args.database_url) if args.database_url else ""
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from concord.parties.models import PartyKind, Role
    from concord.parties.services import party_register, user_create
    from concord.record.models import Act

    counter = Counter()
    server, url = receiver_start(counter)
    counts = [int(c) for c in args.webhooks.split(",") if c]
    print(
        f"Concord webhook benchmark on {engine}, {os.cpu_count()} cores, "
        f"{args.acts:,} acts, concurrency {settings.CONCORD_WEBHOOK_CONCURRENCY}"
    )
    try:
        call_command("migrate", verbosity=0)
        party = party_register(agent=None, code="fr", kind=PartyKind.STATE)
        user_create(
            agent=None,
            username="fr-head",
            party=party,
            roles=[Role.HEAD],
            password="bench passphrase, long enough",
        )
        after = Act.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
        acts_append_public(args.acts)
        bodies = sample_bodies(200)
        size = sum(map(len, bodies)) / len(bodies)
        print(f"  payload size                             {size:10,.0f} bytes on average")
        print(f"  HMAC-SHA256 signatures/s                 {hmac_rate(bodies):10,.0f}   reference")
        for count in counts:
            raw = raw_posts(url, bodies, threads=count)
            rate, enqueue = bench_deliveries(url, args.acts, count, after)
            print(f"  {count} webhook(s): raw POSTs/s, no database  {raw:10,.0f}   reference")
            print(
                f"  {count} webhook(s): deliveries/s (worker pass) {rate:10,.0f}"
                f"   {rate / raw:6.1%} of raw POSTs; rows created in {enqueue:.2f} s"
            )
    finally:
        server.shutdown()
        server.server_close()
        connection.close()
        if args.database_url:
            drop_postgres(args.database_url)


if __name__ == "__main__":
    main()
