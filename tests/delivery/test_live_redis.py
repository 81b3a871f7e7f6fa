"""Live updates across processes: uvicorn servers sharing one database and one Redis,
as a deployment with several web workers runs them.

Redis is expected at 127.0.0.1:6379 (REDIS_TEST_URL to change it). Where it does not
answer these tests are skipped, except under CI=true, where they must run.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import pytest

from concord.parties import services as psvc
from concord.record.models import Act

T = TypeVar("T")
REDIS_TEST_URL = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/0")
# A server left behind by a killed test run still stops on its own.
SERVER_LIFETIME = 300

SETUP = """
import json
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from concord.parties import services as svc
from concord.parties.models import PartyKind, Role
pw = "correct horse battery staple"
sec = svc.user_create(agent=None, username="secretariat", party=None,
                      roles=[Role.SECRETARIAT], password=pw)
tokens = {"secretariat": svc.token_create(agent=sec, user=sec, name="t")[1]}
for code in ("fr", "de"):
    party = svc.party_register(agent=sec, code=code, kind=PartyKind.STATE)
    member = svc.user_create(agent=sec, username=code + "-delegate", party=party,
                             roles=[Role.DELEGATE], password=pw)
    tokens[member.username] = svc.token_create(agent=member, user=member, name="t")[1]
print(json.dumps(tokens))
"""

# A process of its own that commits an act and tells nobody (no REDIS_URL).
COMMIT_SILENTLY = """
import django
django.setup()
from concord.parties import services as svc
from concord.parties.models import User
member = User.objects.get(username="fr-delegate")
svc.token_create(agent=member, user=member, name="silent")
"""


def redis_or_skip() -> str:
    import redis

    try:
        redis.Redis.from_url(REDIS_TEST_URL, socket_connect_timeout=1).ping()
    except (redis.RedisError, OSError) as exc:
        reason = f"Redis does not answer at {REDIS_TEST_URL} ({exc})"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}; it is required under CI")
        pytest.skip(reason)
    return REDIS_TEST_URL


@pytest.fixture(scope="module")
def hub_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A hub's environment (its own database, SQLite or a scratch PostgreSQL database
    like the test run's) with a secretariat, fr and de, and an API token for each."""
    home = tmp_path_factory.mktemp("live-hub")
    env = {
        **os.environ,
        "CONCORD_HOME": str(home),
        "DJANGO_SETTINGS_MODULE": "concord.settings",
        "CONCORD_SECRET_KEY": secrets.token_urlsafe(40),
        "CONCORD_REQUIRE_TOTP": "0",
        "CONCORD_LIVE_CHANNEL": f"concord-test:{secrets.token_hex(6)}",
        "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "src"),
    }
    env.pop("REDIS_URL", None)
    scratch = ""
    base = os.environ.get("DATABASE_URL", "")
    if base.startswith("postgres"):
        import psycopg

        scratch = f"concord_live_{secrets.token_hex(4)}"
        # Created from the server's maintenance database, like Django's test database.
        base = urlunsplit(urlsplit(base)._replace(path="/postgres"))
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {scratch}")
        env["DATABASE_URL"] = urlunsplit(urlsplit(base)._replace(path=f"/{scratch}"))
    else:
        env["DATABASE_URL"] = ""
    try:
        out = subprocess.run(
            [sys.executable, "-c", SETUP], env=env, check=True, capture_output=True, text=True
        ).stdout
        yield {"env": env, "tokens": json.loads(out.strip().splitlines()[-1])}
    finally:
        if scratch:
            with psycopg.connect(base, autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {scratch} WITH (FORCE)")


class Server:
    """``uvicorn concord.asgi:application`` on an ephemeral port of 127.0.0.1."""

    def __init__(self, env: dict[str, str], **settings: str):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        command = [
            "timeout",
            str(SERVER_LIFETIME),
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
        ]
        self.proc = subprocess.Popen(
            command, env={**env, **settings}, pass_fds=[self.sock.fileno()]
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as probe:
                    probe.sendall(b"GET /login HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
                    if probe.recv(12).startswith(b"HTTP/1.1 200"):
                        break
            except OSError:
                pass
            if time.monotonic() > deadline or self.proc.poll() is not None:
                self.stop()
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.2)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.sock.close()


@pytest.fixture
def servers() -> Iterator[list[Server]]:
    started: list[Server] = []
    yield started
    for server in started:
        server.stop()


class HttpStream:
    """An event stream read over HTTP/1.1 (chunked), as a browser's EventSource does."""

    def __init__(self, port: int, token: str):
        self.port, self.token = port, token
        self.buffer = b""

    async def open(self) -> HttpStream:
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        self.writer.write(
            (
                "GET /live/events HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                f"Authorization: Bearer {self.token}\r\nAccept: text/event-stream\r\n\r\n"
            ).encode()
        )
        head = await asyncio.wait_for(self.reader.readuntil(b"\r\n\r\n"), 10)
        assert head.startswith(b"HTTP/1.1 200"), head
        assert b"transfer-encoding: chunked" in head.lower()
        await self._frame(10)  # the retry hint: the stream is open
        return self

    async def _frame(self, timeout: float) -> str:
        while b"\n\n" not in self.buffer:
            size = int((await asyncio.wait_for(self.reader.readline(), timeout)).strip(), 16)
            chunk = await asyncio.wait_for(self.reader.readexactly(size + 2), timeout)
            self.buffer += chunk[:-2]
        frame, self.buffer = self.buffer.split(b"\n\n", 1)
        return frame.decode()

    async def act(self, timeout: float) -> dict[str, Any] | None:
        """The next act event's data, or None if none comes within ``timeout``."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        try:
            while True:
                frame = await self._frame(max(deadline - loop.time(), 0.01))
                if "event: act" in frame:
                    data = frame.split("data: ", 1)[1]
                    return dict(json.loads(data))
        except TimeoutError:
            return None

    def close(self) -> None:
        self.writer.close()


def run(main: Callable[[], Awaitable[T]]) -> T:
    """Run ``main`` in an event loop of its own thread: the browser tests' Playwright
    keeps a loop running in the main thread for the whole session."""
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["value"] = asyncio.run(main())  # type: ignore[arg-type]
        except BaseException as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(180)
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]  # type: ignore[no-any-return]


async def api_post(port: int, token: str, path: str, body: dict[str, Any]) -> int:
    """POST to the hub's API; the response status."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    payload = json.dumps(body).encode()
    writer.write(
        (
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n"
            "Connection: close\r\n\r\n"
        ).encode()
        + payload
    )
    status = await asyncio.wait_for(reader.readline(), 10)
    writer.close()
    return int(status.split()[1])


@pytest.mark.django_db(transaction=True)
def test_commit_publishes_its_sequence_number_on_the_channel(
    settings: Any, fr: Any, user: Any
) -> None:
    url = redis_or_skip()
    import redis

    settings.REDIS_URL = url
    settings.CONCORD_LIVE_CHANNEL = f"concord-test:{secrets.token_hex(6)}"
    with redis.Redis.from_url(url) as client, client.pubsub() as pubsub:
        pubsub.subscribe(settings.CONCORD_LIVE_CHANNEL)
        assert pubsub.get_message(timeout=2)["type"] == "subscribe"  # type: ignore[index]
        member = user("fr-head")
        psvc.token_create(agent=member, user=member, name="published")
        seq = Act.objects.order_by("-seq").values_list("seq", flat=True).first()
        message = pubsub.get_message(timeout=2)
    assert message is not None
    assert message["data"] == str(seq).encode()


def test_act_committed_by_one_process_reaches_stream_served_by_another(
    hub_env: dict[str, Any], servers: list[Server]
) -> None:
    url = redis_or_skip()
    env, tokens = hub_env["env"], hub_env["tokens"]
    # Polling is slowed to a minute: only Redis can bring the act over in time.
    a = Server(env, REDIS_URL=url, CONCORD_LIVE_POLL="60")
    servers.append(a)
    b = Server(env, REDIS_URL=url, CONCORD_LIVE_POLL="60")
    servers.append(b)

    async def main() -> dict[str, Any]:
        fr_stream = await HttpStream(a.port, tokens["fr-delegate"]).open()
        de_stream = await HttpStream(a.port, tokens["de-delegate"]).open()
        began = time.monotonic()
        status = await api_post(b.port, tokens["fr-delegate"], "/api/v1/tokens", {"name": "x"})
        fr_got = await fr_stream.act(5)
        fr_latency = time.monotonic() - began
        # fr's token is fr's business: de hears of the next public act, not of it.
        public = await api_post(
            b.port, tokens["secretariat"], "/api/v1/parties", {"kind": "state", "code": "it"}
        )
        de_got = await de_stream.act(5)
        fr_stream.close()
        de_stream.close()
        return {
            "status": (status, public),
            "fr": fr_got,
            "de": de_got,
            "latency": fr_latency,
        }

    got = run(main)
    assert got["status"] == (201, 201)
    assert got["fr"] is not None
    assert got["fr"]["type"] == "token.created"
    assert got["latency"] < 3
    assert got["de"] is not None
    assert got["de"]["type"] == "party.registered"
    assert got["de"]["seq"] > got["fr"]["seq"]


def test_act_nobody_announced_arrives_by_the_periodic_read(
    hub_env: dict[str, Any], servers: list[Server]
) -> None:
    url = redis_or_skip()
    env, tokens = hub_env["env"], hub_env["tokens"]
    a = Server(env, REDIS_URL=url, CONCORD_LIVE_POLL="1")
    servers.append(a)

    async def main() -> dict[str, Any] | None:
        stream = await HttpStream(a.port, tokens["fr-delegate"]).open()
        silent = await asyncio.create_subprocess_exec(
            sys.executable, "-c", COMMIT_SILENTLY, env=env
        )
        assert await silent.wait() == 0
        got = await stream.act(5)
        stream.close()
        return got

    got = run(main)
    assert got is not None
    assert got["type"] == "token.created"


def test_commits_and_streams_carry_on_while_redis_is_away(
    hub_env: dict[str, Any], servers: list[Server]
) -> None:
    env, tokens = hub_env["env"], hub_env["tokens"]
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        nowhere = f"redis://127.0.0.1:{closed.getsockname()[1]}/0"
    a = Server(env, REDIS_URL=nowhere, CONCORD_LIVE_POLL="60")
    servers.append(a)

    async def main() -> tuple[int, float, dict[str, Any] | None]:
        stream = await HttpStream(a.port, tokens["fr-delegate"]).open()
        began = time.monotonic()
        status = await api_post(a.port, tokens["fr-delegate"], "/api/v1/tokens", {"name": "x"})
        took = time.monotonic() - began
        got = await stream.act(5)
        stream.close()
        return status, took, got

    status, took, got = run(main)
    assert status == 201
    assert took < 3  # a commit does not hang on the missing Redis
    assert got is not None  # the process's own commit still wakes its streams
    assert got["type"] == "token.created"
