"""Live updates through the ASGI application itself: each test sends a real request to
Django's ASGI handler, reads the event stream as it arrives, and hangs up like a
browser closing its tab."""

from __future__ import annotations

import asyncio
import json
import os
import threading
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import pytest
from asgiref.sync import sync_to_async
from django.core.asgi import get_asgi_application
from django.db import connection, connections
from django.test import Client

from concord.delivery.live import hub_for_running_loop
from concord.parties import services as psvc
from concord.parties.models import PartyKind, User
from concord.record.models import Act

pytestmark = pytest.mark.django_db(transaction=True)

T = TypeVar("T")
EVENT_KEYS = {"seq", "type", "actor", "time", "summary", "url"}


@pytest.fixture(autouse=True)
def _live_settings(settings: Any) -> None:
    # Only the commit signal can explain an event arriving within a test's timeouts.
    settings.REDIS_URL = ""
    settings.CONCORD_LIVE_POLL = 60
    settings.CONCORD_LIVE_HEARTBEAT = 60


@pytest.fixture(scope="module")
def app() -> Any:
    return get_asgi_application()


class Stream:
    """One GET request to the ASGI application, read while it streams."""

    def __init__(self, app: Any, path: str, headers: dict[str, str]):
        path, _, query = path.partition("?")
        self.scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": query.encode(),
            "root_path": "",
            "headers": [(b"host", b"testserver")]
            + [(k.lower().encode(), v.encode()) for k, v in headers.items()],
            "client": ("127.0.0.1", 50000),
            "server": ("testserver", 80),
        }
        self.app = app
        self.messages: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.hung_up = asyncio.Event()
        self.requested = False
        self.buffer = b""
        self.ended = False
        self.status = 0
        self.headers: dict[str, str] = {}

    async def _receive(self) -> dict[str, Any]:
        if not self.requested:
            self.requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await self.hung_up.wait()
        return {"type": "http.disconnect"}

    async def _send(self, message: dict[str, Any]) -> None:
        await self.messages.put(message)

    async def open(self) -> Stream:
        self.task = asyncio.create_task(self.app(self.scope, self._receive, self._send))
        first = asyncio.ensure_future(self.messages.get())
        await asyncio.wait([first, self.task], timeout=10, return_when=asyncio.FIRST_COMPLETED)
        if not first.done():
            first.cancel()
            if self.task.done():
                self.task.result()  # the application's own error, if it raised
            raise TimeoutError("no response within 10 s")
        start = first.result()
        assert start["type"] == "http.response.start"
        self.status = start["status"]
        self.headers = {k.decode().lower(): v.decode() for k, v in start["headers"]}
        return self

    async def _more(self, timeout: float) -> bool:
        """Read one body message; False when the response has ended."""
        message = await asyncio.wait_for(self.messages.get(), timeout)
        self.buffer += message.get("body", b"")
        if not message.get("more_body", False):
            self.ended = True
        return not self.ended

    async def frames(self, count: int, timeout: float = 5.0) -> list[dict[str, str]]:
        """The next ``count`` frames (events or comments) of the stream."""
        frames: list[dict[str, str]] = []
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while len(frames) < count:
            while b"\n\n" in self.buffer and len(frames) < count:
                block, self.buffer = self.buffer.split(b"\n\n", 1)
                frames.append(_parse_frame(block.decode()))
            if len(frames) >= count:
                break
            if self.ended:
                raise AssertionError(f"stream ended after {frames}")
            await self._more(max(deadline - loop.time(), 0.01))
        return frames

    async def acts(self, count: int, timeout: float = 5.0) -> list[dict[str, Any]]:
        """The next ``count`` act events, their data decoded, skipping other frames."""
        found: list[dict[str, Any]] = []
        while len(found) < count:
            (frame,) = await self.frames(1, timeout)
            if frame.get("event") == "act":
                data = json.loads(frame["data"])
                assert frame["id"] == str(data["seq"])
                found.append(data)
        return found

    async def quiet(self, seconds: float) -> list[dict[str, Any]]:
        """The act events that arrive within ``seconds`` (expected: none)."""
        try:
            return await self.acts(1, timeout=seconds)
        except TimeoutError:
            return []

    async def hang_up(self) -> None:
        self.hung_up.set()
        await asyncio.wait_for(self.task, 5)


def _parse_frame(block: str) -> dict[str, str]:
    frame: dict[str, str] = {}
    for line in block.split("\n"):
        if line.startswith(":"):
            frame["comment"] = line[1:].strip()
            continue
        name, _, value = line.partition(":")
        frame[name] = value.removeprefix(" ")
    return frame


def session_headers(username: str, **extra: str) -> dict[str, str]:
    client = Client()
    client.force_login(User.objects.get(username=username))
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    if "language" in extra:
        cookie += f"; django_language={extra.pop('language')}"
    return {"cookie": cookie, **extra}


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


def in_thread(fn: Callable[[], T]) -> Awaitable[T]:
    """Run ``fn`` (a service that commits acts) in another thread, as a request would."""

    def call() -> T:
        try:
            return fn()
        finally:
            connections.close_all()

    return sync_to_async(call, thread_sensitive=False)()


def last_seq() -> int:
    return Act.objects.order_by("-seq").values_list("seq", flat=True).first() or 0


def register(secretariat: User, code: str) -> list[int]:
    """Register a party: public acts (registration, first key). Their sequence numbers."""
    before = last_seq()
    psvc.party_register(agent=secretariat, code=code, kind=PartyKind.STATE)
    return list(Act.objects.filter(seq__gt=before).values_list("seq", flat=True))


def token_act(username: str) -> int:
    """A token for the member: an act restricted to the member's party."""
    member = User.objects.get(username=username)
    psvc.token_create(agent=member, user=member, name="live test")
    return last_seq()


def test_anonymous_request_is_refused(app: Any, fr: Any) -> None:
    async def main() -> int:
        stream = await Stream(app, "/live/events", {}).open()
        await stream.hang_up()
        return stream.status

    assert run(main) == 401


def test_member_of_no_party_is_refused(app: Any, fr: Any) -> None:
    User.objects.create_user(username="nobody", password="x" * 12)

    headers = session_headers("nobody")

    async def main() -> int:
        stream = await Stream(app, "/live/events", headers).open()
        await stream.hang_up()
        return stream.status

    assert run(main) == 403


def test_stream_resumes_after_last_event_id(app: Any, fr: Any, de: Any, secretariat: User) -> None:
    start = last_seq()
    first = register(secretariat, "it")
    hidden = token_act("fr-head")  # restricted to fr: de must not hear of it
    second = register(secretariat, "es")

    headers = session_headers("de-delegate", **{"Last-Event-ID": str(start)})

    async def main() -> tuple[list[dict[str, Any]], dict[str, str], list[dict[str, Any]]]:
        stream = await Stream(app, "/live/events", headers).open()
        got = await stream.acts(4)
        extra = await stream.quiet(0.3)
        await stream.hang_up()
        return got, stream.headers, extra

    got, headers, extra = run(main)
    assert headers["content-type"].startswith("text/event-stream")
    assert headers["cache-control"].startswith("no-cache")
    assert [e["seq"] for e in got] == first + second
    assert hidden not in [e["seq"] for e in got]
    assert extra == []
    assert all(set(e) == EVENT_KEYS for e in got)
    registered = got[0]
    assert registered["type"] == "party.registered"
    assert registered["actor"] == "depositary"
    assert registered["summary"] == "Party registered"
    assert registered["url"] == f"/record/acts/{registered['seq']}"
    assert registered["time"].endswith("Z")


def test_page_cursor_in_query_resumes_when_no_last_event_id(
    app: Any, fr: Any, de: Any, secretariat: User
) -> None:
    start = last_seq()
    acts = register(secretariat, "it")

    headers = session_headers("de-head")

    async def main() -> list[dict[str, Any]]:
        stream = await Stream(app, f"/live/events?after={start}", headers).open()
        got = await stream.acts(2)
        await stream.hang_up()
        return got

    assert [e["seq"] for e in run(main)] == acts


def test_commit_wakes_open_stream(app: Any, fr: Any, de: Any, secretariat: User) -> None:
    headers = session_headers("de-head")

    async def main() -> tuple[list[int], list[dict[str, Any]], float]:
        stream = await Stream(app, "/live/events", headers).open()
        await stream.frames(1)  # the retry hint: the stream is open
        loop = asyncio.get_running_loop()
        began = loop.time()
        acts = await in_thread(lambda: register(secretariat, "it"))
        got = await stream.acts(2, timeout=3)
        elapsed = loop.time() - began
        await stream.hang_up()
        return acts, got, elapsed

    acts, got, elapsed = run(main)
    assert [e["seq"] for e in got] == acts
    assert elapsed < 3  # the poll interval is 60 s: the commit woke the stream


def test_restricted_act_reaches_only_its_party_and_secretariat_sees_metadata(
    app: Any, fr: Any, de: Any, secretariat: User
) -> None:
    headers = {name: session_headers(name) for name in ("fr-delegate", "de-head", "secretariat")}

    async def main() -> dict[str, list[dict[str, Any]]]:
        streams = {name: await Stream(app, "/live/events", h).open() for name, h in headers.items()}
        for stream in streams.values():
            await stream.frames(1)
        hidden = await in_thread(lambda: token_act("fr-head"))
        public = await in_thread(lambda: register(secretariat, "it"))
        got = {
            "fr-delegate": await streams["fr-delegate"].acts(3),
            "de-head": await streams["de-head"].acts(2),
            "secretariat": await streams["secretariat"].acts(3),
            "hidden": [{"seq": hidden}],
            "public": [{"seq": s} for s in public],
        }
        got["de-head extra"] = await streams["de-head"].quiet(0.3)
        for stream in streams.values():
            await stream.hang_up()
        return got

    got = run(main)
    hidden = got["hidden"][0]["seq"]
    public = [e["seq"] for e in got["public"]]
    assert [e["seq"] for e in got["fr-delegate"]] == [hidden, *public]
    assert [e["seq"] for e in got["de-head"]] == public
    assert got["de-head extra"] == []
    secretariat_view = got["secretariat"]
    assert [e["seq"] for e in secretariat_view] == [hidden, *public]
    # Metadata only: the token's name and the member's username stay out of the event.
    told = secretariat_view[0]
    assert set(told) == EVENT_KEYS
    assert told["type"] == "token.created"
    assert "live test" not in json.dumps(told)
    assert "fr-head" not in json.dumps(told)


def test_bearer_token_opens_stream(app: Any, fr: Any, de: Any, secretariat: User) -> None:
    member = User.objects.get(username="de-head")
    _token, raw = psvc.token_create(agent=member, user=member, name="feed")

    async def main() -> tuple[int, list[dict[str, Any]]]:
        stream = await Stream(app, "/live/events", {"Authorization": f"Bearer {raw}"}).open()
        await stream.frames(1)
        acts = await in_thread(lambda: register(secretariat, "it"))
        got = await stream.acts(2)
        await stream.hang_up()
        assert [e["seq"] for e in got] == acts
        return stream.status, got

    status, _ = run(main)
    assert status == 200


def test_revoked_token_is_refused(app: Any, fr: Any, de: Any) -> None:
    member = User.objects.get(username="de-head")
    token, raw = psvc.token_create(agent=member, user=member, name="feed")
    psvc.token_revoke(agent=member, token=token)

    async def main() -> int:
        stream = await Stream(app, "/live/events", {"Authorization": f"Bearer {raw}"}).open()
        await stream.hang_up()
        return stream.status

    assert run(main) == 401


def test_summary_is_in_the_language_of_the_page(app: Any, fr: Any, de: Any) -> None:
    start = last_seq()
    token_act("fr-head")

    headers = session_headers("fr-head", language="fr", **{"Last-Event-ID": str(start)})

    async def main() -> list[dict[str, Any]]:
        stream = await Stream(app, "/live/events", headers).open()
        got = await stream.acts(1)
        await stream.hang_up()
        return got

    assert run(main)[0]["summary"] == "Jeton d'API créé"


def test_streams_per_user_are_limited(app: Any, settings: Any, fr: Any) -> None:
    settings.CONCORD_LIVE_STREAMS_PER_USER = 2
    headers = session_headers("fr-head")
    other = session_headers("fr-delegate")

    async def main() -> list[int]:
        first = await Stream(app, "/live/events", headers).open()
        second = await Stream(app, "/live/events", headers).open()
        refused = await Stream(app, "/live/events", headers).open()
        other_user = await Stream(app, "/live/events", other).open()
        await refused.hang_up()
        await first.hang_up()
        again = await Stream(app, "/live/events", headers).open()
        for stream in (second, other_user, again):
            await stream.hang_up()
        assert refused.headers["retry-after"] == "30"
        return [first.status, second.status, refused.status, other_user.status, again.status]

    assert run(main) == [200, 200, 429, 200, 200]


def test_idle_stream_sends_heartbeats(app: Any, settings: Any, fr: Any) -> None:
    settings.CONCORD_LIVE_HEARTBEAT = 0.2

    headers = session_headers("fr-head")

    async def main() -> list[dict[str, str]]:
        stream = await Stream(app, "/live/events", headers).open()
        frames = await stream.frames(3, timeout=3)
        await stream.hang_up()
        return frames

    retry, *beats = run(main)
    assert retry == {"retry": "3000"}
    assert beats == [{"comment": "keep-alive"}, {"comment": "keep-alive"}]


def test_hanging_up_ends_the_stream_and_frees_its_place(app: Any, fr: Any) -> None:
    headers = session_headers("fr-head")

    async def main() -> tuple[bool, int, bool]:
        stream = await Stream(app, "/live/events", headers).open()
        await stream.frames(1)
        hub = hub_for_running_loop()
        open_before = len(hub.streams)
        await stream.hang_up()  # raises if the application did not return within 5 s
        await asyncio.sleep(0.05)
        return stream.task.done(), open_before - len(hub.streams), hub.task is None

    done, freed, hub_stopped = run(main)
    assert done
    assert freed == 1
    assert hub_stopped  # with no stream left, the hub stops reading the record


def test_stream_ends_at_its_maximum_age(app: Any, settings: Any, fr: Any) -> None:
    settings.CONCORD_LIVE_MAX_AGE = 0.3

    headers = session_headers("fr-head")

    async def main() -> bool:
        stream = await Stream(app, "/live/events", headers).open()
        await stream.frames(1)
        while await stream._more(3):
            pass
        await stream.hang_up()
        return stream.ended

    assert run(main)


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="counts server connections in pg_stat_activity (PostgreSQL only)",
)
def test_idle_streams_hold_no_database_connection(app: Any, fr: Any) -> None:
    def connections_open() -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            )
            return int(cursor.fetchone()[0])

    before = connections_open()
    headers = [session_headers(name) for name in ("fr-head", "fr-delegate")]

    async def main() -> int:
        streams = [await Stream(app, "/live/events", h).open() for h in headers * 2]
        for stream in streams:
            await stream.frames(1)
        await asyncio.sleep(0.3)  # past the catch-up queries
        during = await in_thread(connections_open)
        for stream in streams:
            await stream.hang_up()
        return during

    # The thread that counted holds one connection of its own.
    assert run(main) <= before + 1


def test_wsgi_server_refuses_to_stream(client_as: Callable[[str], Client], fr: Any) -> None:
    client = client_as("fr-head")
    got: list[Any] = []
    # A thread of its own: a request to an async view may not run beside a running loop.
    thread = threading.Thread(target=lambda: got.append(client.get("/live/events")))
    thread.start()
    thread.join(30)
    (response,) = got
    assert response.status_code == 503
    assert "ASGI" in response.content.decode()
