"""Benchmark of live updates: act committed → event received by an SSE client while
many streams are open, beside references measured in the same run.

    .venv/bin/python bench/live.py [--streams 500] [--acts 40] [--database-url URL]
                                   [--redis-url URL]

Each act is an API token created through ``POST /api/v1/tokens`` by a member of fr: a
restricted act, so every commit also exercises the audience rule. Latency is the time
the client parsed the event minus the act's own time (taken inside the transaction,
before signing and commit), so it includes the commit. Of the streams, a few belong
to de, which must hear of none of these acts (counted as leaks).

1. In-process broker: one uvicorn process, no Redis. Reference: the same measurement
   with one open stream.
2. Redis: two uvicorn processes, the streams split between them, every act committed
   through the first, so half the streams hear of it only through Redis pub/sub.
   References: one open stream on the second process, and the raw pub/sub round trip
   (PUBLISH → subscriber) on the same Redis.

Without --database-url a fresh SQLite file in a temporary directory is used; with a
PostgreSQL URL, a scratch database ``concord_bench_live`` is created and dropped after.
Servers listen on 127.0.0.1 and stop by themselves after --lifetime seconds at most.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
SCRATCH = "concord_bench_live"
PASSWORD = "correct horse battery staple"


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


def hub_prepare(members: int) -> dict[str, list[str]]:
    """Migrate, then fr and de with a few members each; an API token per member."""
    from django.core.management import call_command

    from concord.parties import services as svc
    from concord.parties.models import PartyKind, Role

    call_command("migrate", verbosity=0)
    secretariat = svc.user_create(
        agent=None, username="secretariat", party=None, roles=[Role.SECRETARIAT], password=PASSWORD
    )
    tokens: dict[str, list[str]] = {}
    for code in ("fr", "de"):
        party = svc.party_register(agent=secretariat, code=code, kind=PartyKind.STATE)
        tokens[code] = []
        for i in range(members):
            member = svc.user_create(
                agent=secretariat,
                username=f"{code}-{i}",
                party=party,
                roles=[Role.DELEGATE],
                password=PASSWORD,
            )
            tokens[code].append(svc.token_create(agent=member, user=member, name="bench")[1])
    return tokens


class Server:
    """uvicorn serving concord.asgi:application on an ephemeral port."""

    def __init__(self, env: dict[str, str], lifetime: int):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.proc = subprocess.Popen(
            [
                "timeout",
                str(lifetime),
                sys.executable,
                "-m",
                "uvicorn",
                "concord.asgi:application",
                "--fd",
                str(self.sock.fileno()),
                "--log-level",
                "warning",
                "--lifespan",
                "off",
                "--timeout-graceful-shutdown",
                "2",
                "--backlog",
                "2048",
            ],
            env=env,
            pass_fds=[self.sock.fileno()],
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as probe:
                    probe.sendall(b"GET /login HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
                    if probe.recv(12).startswith(b"HTTP/1.1 200"):
                        return
            except OSError:
                pass
            if time.monotonic() > deadline or self.proc.poll() is not None:
                self.stop()
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.2)

    def python_pid(self) -> int:
        """The uvicorn process itself (a child of ``timeout``)."""
        children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text()
        return int(children.split()[0])

    def usage(self) -> str:
        status = Path(f"/proc/{self.python_pid()}/status").read_text().splitlines()
        fields = dict(line.split(":", 1) for line in status if ":" in line)
        rss = int(fields["VmRSS"].split()[0]) / 1024
        return f"{rss:.0f} MiB resident, {int(fields['Threads'])} threads"

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.sock.close()


class Client:
    """One open event stream, parsing ``data:`` lines as they arrive."""

    def __init__(self, server: int, port: int, token: str, party: str):
        self.server, self.port, self.token, self.party = server, port, token, party
        self.task: asyncio.Task[None] | None = None
        self.seen: dict[int, float] = {}
        self.leaks = 0
        self.ready = asyncio.Event()

    async def run(self) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        writer.write(
            (
                "GET /live/events HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                f"Authorization: Bearer {self.token}\r\nAccept: text/event-stream\r\n\r\n"
            ).encode()
        )
        head = await reader.readuntil(b"\r\n\r\n")
        if not head.startswith(b"HTTP/1.1 200"):
            raise RuntimeError(head.decode(errors="replace").splitlines()[0])
        buffer = b""
        try:
            while True:
                data = await reader.read(65536)
                if not data:
                    return
                now = time.time()
                buffer += data
                *lines, buffer = buffer.split(b"\n")
                for line in lines:
                    if line.startswith(b"retry:"):
                        self.ready.set()
                    elif line.startswith(b"data: "):
                        event = json.loads(line[6:])
                        at = datetime.fromisoformat(event["time"]).timestamp()
                        if self.party != "fr":
                            self.leaks += 1
                        self.seen[event["seq"]] = now - at
        finally:
            writer.close()


async def measure(
    writer: Server,
    readers: list[Server],
    tokens: dict[str, list[str]],
    streams: int,
    acts: int,
    label: str,
) -> None:
    """Open ``streams`` streams spread over ``readers`` (one in fifty of them de's),
    commit ``acts`` acts one after the other through ``writer``, and report the
    latencies of their events."""
    clients = []
    de_streams = streams // 50
    for i in range(streams):
        party = "de" if i < de_streams else "fr"
        token = tokens[party][i % len(tokens[party])]
        n = i % len(readers)
        clients.append(Client(n, readers[n].port, token, party))
    gate = asyncio.Semaphore(50)

    async def start(client: Client) -> None:
        async with gate:
            client.task = asyncio.create_task(client.run())
            await asyncio.wait_for(client.ready.wait(), 60)

    await asyncio.gather(*(start(c) for c in clients))
    listeners = [c for c in clients if c.party == "fr"]
    await asyncio.sleep(0.5)
    committed = []
    for _ in range(acts):
        seq = await create_token(writer.port, tokens["fr"][0])
        committed.append(seq)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not all(seq in c.seen for c in listeners):
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.1)
    usage = "; ".join(f"server {n + 1}: {s.usage()}" for n, s in enumerate(readers))
    for client in clients:
        assert client.task is not None
        client.task.cancel()
    await asyncio.gather(*(c.task for c in clients if c.task), return_exceptions=True)
    leaks = sum(c.leaks for c in clients)
    groups = [("", listeners)]
    if len(readers) > 1:
        groups += [
            (f", on server {n + 1}", [c for c in listeners if c.server == n])
            for n in range(len(readers))
        ]
    for suffix, group in groups:
        latencies = [c.seen[seq] for c in group for seq in committed if seq in c.seen]
        missing = len(group) * len(committed) - len(latencies)
        note = f"{len(latencies)} events, {missing} missing"
        report(label + suffix, latencies, note + (f", {leaks} leaked" if not suffix else ""))
    if streams > 1:
        print(f"    {usage}")


async def create_token(port: int, token: str) -> int:
    """POST /api/v1/tokens; returns the sequence number of the act it committed."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    body = json.dumps({"name": "bench"}).encode()
    writer.write(
        (
            f"POST /api/v1/tokens HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
            "Connection: close\r\n\r\n"
        ).encode()
        + body
    )
    response = await reader.read()
    writer.close()
    if not response.startswith(b"HTTP/1.1 201"):
        raise RuntimeError(response[:200].decode(errors="replace"))
    from concord.record.models import Act

    last = await asyncio.to_thread(
        lambda: Act.objects.order_by("-seq").values_list("seq", flat=True).first()
    )
    return int(last or 0)


def report(label: str, samples: list[float], note: str) -> None:
    if not samples:
        print(f"  {label:<46} no samples ({note})")
        return
    ordered = sorted(samples)

    def pct(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(len(ordered) * p))] * 1000

    print(
        f"  {label:<46} p50 {statistics.median(ordered) * 1000:7.1f}  p95 {pct(0.95):7.1f}"
        f"  p99 {pct(0.99):7.1f}  max {ordered[-1] * 1000:7.1f} ms   ({note})"
    )


async def pubsub_round_trip(url: str, rounds: int = 500) -> None:
    """PUBLISH → subscriber on the same Redis: the floor under the Redis path."""
    import redis.asyncio as aioredis

    channel = f"concord-bench:{secrets.token_hex(4)}"
    client = aioredis.Redis.from_url(url)
    samples = []
    async with client.pubsub() as pubsub:
        await pubsub.subscribe(channel)
        await pubsub.get_message(timeout=2)
        for i in range(rounds):
            began = time.perf_counter()
            await client.publish(channel, str(i))
            while (await pubsub.get_message(timeout=2)) is None:
                pass
            samples.append(time.perf_counter() - began)
    await client.aclose()
    report("raw Redis pub/sub round trip", samples, f"{rounds} messages, reference")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--streams", type=int, default=500)
    parser.add_argument("--acts", type=int, default=40)
    parser.add_argument("--members", type=int, default=10, help="members of fr and of de")
    parser.add_argument("--database-url", default="")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--lifetime", type=int, default=900, help="seconds a server may live")
    args = parser.parse_args()

    home = tempfile.mkdtemp(prefix="concord-bench-live-")
    database = scratch_postgres(args.database_url) if args.database_url else ""
    env = {
        **os.environ,
        "CONCORD_HOME": home,
        "DATABASE_URL": database,
        "DJANGO_SETTINGS_MODULE": "concord.settings",
        "CONCORD_SECRET_KEY": secrets.token_urlsafe(40),
        "CONCORD_REQUIRE_TOTP": "0",
        "CONCORD_LIVE_STREAMS_PER_USER": str(args.streams),
        "CONCORD_LIVE_CHANNEL": f"concord-bench:{secrets.token_hex(4)}",
        "PYTHONPATH": str(ROOT / "src"),
    }
    env.pop("REDIS_URL", None)
    os.environ.update({k: env[k] for k in ("CONCORD_HOME", "DATABASE_URL", "CONCORD_SECRET_KEY")})
    os.environ["DJANGO_SETTINGS_MODULE"] = "concord.settings"
    import django

    django.setup()
    from django.db import connection

    engine = "PostgreSQL" if database else "SQLite"
    print(
        f"Concord live-updates benchmark on {engine}, {os.cpu_count()} cores, "
        f"{args.streams} streams, {args.acts} acts"
    )
    servers: list[Server] = []
    try:
        tokens = hub_prepare(args.members)
        connection.close()

        print("in-process broker, one uvicorn process")
        one = Server(env, args.lifetime)
        servers = [one]
        asyncio.run(measure(one, [one], tokens, 1, args.acts, "1 stream (reference)"))
        asyncio.run(measure(one, [one], tokens, args.streams, args.acts, f"{args.streams} streams"))
        for s in servers:
            s.stop()
        servers = []

        print("Redis, two uvicorn processes, acts committed through the first")
        redis_env = {**env, "REDIS_URL": args.redis_url}
        first, second = Server(redis_env, args.lifetime), Server(redis_env, args.lifetime)
        servers = [first, second]
        asyncio.run(pubsub_round_trip(args.redis_url))
        asyncio.run(
            measure(first, [second], tokens, 1, args.acts, "1 stream on the other process (ref.)")
        )
        asyncio.run(
            measure(first, servers, tokens, args.streams, args.acts, f"{args.streams} streams")
        )
    finally:
        for s in servers:
            s.stop()
        connection.close()
        if args.database_url:
            drop_postgres(args.database_url)


if __name__ == "__main__":
    main()
