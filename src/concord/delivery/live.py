"""Live updates: the acts that concern a party, pushed to its open browsers as
server-sent events.

Each web process (each event loop) keeps one hub. The hub learns that acts were
committed in three ways: the ``act_committed`` signal of its own process, a message on
the Redis pub/sub channel from any process (when ``REDIS_URL`` is set), and a timer.
Each of them only wakes it: the hub then reads the record after the last act it has
seen and hands each act to the streams of the parties it concerns
(``concord.delivery.audience``). A lost wake-up therefore delays an act by one timer
period and never loses it.

A stream's progress is the sequence number of the last act it sent, which is also the
event id: a browser that reconnects sends it back as ``Last-Event-ID`` and resumes
with a query of the record from there. Nothing a stream owes lives only in memory.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
import time
import weakref
from collections import deque
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache, wraps
from typing import Any, ParamSpec, TypeVar

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import connections
from django.dispatch import receiver
from django.urls import reverse
from django.utils import translation

from concord.delivery.audience import act_audience, acts_for_party
from concord.record import entry as entry_format
from concord.record.models import Act, ActType
from concord.record.proofs import head_size
from concord.record.services import act_committed

logger = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")

# Acts read per query: a stream far behind catches up in pages of this size.
BATCH = 200
# Acts a stream may have waiting to be sent; beyond that it drops them and catches up
# from the record instead, so a slow client cannot make the process hoard memory.
PENDING_MAX = 1000
# After Redis failed, commits stop trying to publish for this long (seconds); the
# streams meanwhile learn of acts by polling.
PUBLISH_PAUSE = 5.0
HEARTBEAT = b": keep-alive\n\n"
# Seconds before the hub reads again after a failed read of the record.
RETRY_READ = 1.0


class StreamLimitReached(Exception):
    """The user already has as many open streams as ``CONCORD_LIVE_STREAMS_PER_USER``."""


@dataclass(frozen=True)
class LiveAct:
    """The metadata of one act that a stream may tell of; never its content.
    ``audience`` is what ``act_audience`` answered (None: every party)."""

    seq: int
    type: str
    actor: str
    time: datetime
    audience: frozenset[int] | None = None

    def concerns(self, party_id: int | None) -> bool:
        """``act_concerns`` on the audience already read: the secretariat (None) is
        told of every act, a party of public acts and of those it is a recipient of."""
        return party_id is None or self.audience is None or party_id in self.audience


def closing_connections(fn: Callable[P, R]) -> Callable[P, R]:
    """Run ``fn``, then close this thread's database connections: a stream is idle
    most of its life and must not hold a connection meanwhile."""

    @wraps(fn)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        finally:
            connections.close_all()

    return run


def _live_act(act: Act, audience: frozenset[int] | None = None) -> LiveAct:
    return LiveAct(
        seq=act.seq, type=act.type, actor=act.actor_code, time=act.time, audience=audience
    )


@closing_connections
def record_last_seq() -> int:
    """The sequence number of the last committed act (-1 for an empty record)."""
    return head_size() - 1


@closing_connections
def acts_after(after: int) -> list[LiveAct]:
    """Up to BATCH acts after ``after``, each with the parties it concerns."""
    acts = Act.objects.filter(seq__gt=after).select_related("actor").order_by("seq")[:BATCH]
    return [_live_act(a, act_audience(a)) for a in acts]


@closing_connections
def acts_owed(party_id: int | None, after: int) -> list[LiveAct]:
    """Up to BATCH acts after ``after`` that concern a party (None: the secretariat)."""
    return [
        _live_act(a) for a in acts_for_party(party_id, after=after).select_related("actor")[:BATCH]
    ]


@lru_cache(maxsize=512)
def act_summary(type: str, language: str) -> str:
    """The act type's label in ``language``."""
    with translation.override(language):
        try:
            return str(ActType(type).label)
        except ValueError:
            return type


def event_frame(act: LiveAct, language: str) -> bytes:
    """One server-sent event telling of ``act``; its id is the act's sequence number."""
    data = {
        "seq": act.seq,
        "type": act.type,
        "actor": act.actor,
        "time": entry_format.format_time(act.time),
        "summary": act_summary(act.type, language),
        "url": reverse("record:act", args=[act.seq]),
    }
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return f"id: {act.seq}\nevent: act\ndata: {payload}\n\n".encode()


@dataclass(eq=False)
class LiveStream:
    """One open stream: whom it is for, the last act it sent, and the acts the hub has
    handed it that it has not sent yet."""

    user_id: int
    party_id: int | None
    language: str
    cursor: int
    pending: deque[LiveAct] = field(default_factory=deque)
    overflowed: bool = False
    ready: asyncio.Event = field(default_factory=asyncio.Event)

    def offer(self, act: LiveAct) -> None:
        if act.seq <= self.cursor or not act.concerns(self.party_id):
            return
        if len(self.pending) >= PENDING_MAX:
            # Too far behind: forget what waits and catch up from the record instead.
            self.pending.clear()
            self.overflowed = True
        else:
            self.pending.append(act)
        self.ready.set()


class LiveHub:
    """The streams open in one event loop, and the one task that reads new acts for
    all of them (one query per wake-up, however many streams are open)."""

    def __init__(self, loop: asyncio.AbstractEventLoop):
        self.loop = loop
        self.streams: weakref.WeakSet[LiveStream] = weakref.WeakSet()
        # Last act read; None while no stream is open (read afresh when one opens).
        self.cursor: int | None = None
        self.woken = asyncio.Event()
        self.task: asyncio.Task[None] | None = None

    def open_count(self, user_id: int) -> int:
        return sum(1 for s in list(self.streams) if s.user_id == user_id)

    async def stream_open(
        self, *, user_id: int, party_id: int | None, language: str, after: int | None
    ) -> LiveStream:
        """Register a stream that will send the acts after ``after`` (None: from now)."""
        if self.open_count(user_id) >= settings.CONCORD_LIVE_STREAMS_PER_USER:
            raise StreamLimitReached
        # The hub's starting point is read before the stream's first catch-up query,
        # so every act is either in that catch-up or read by the hub afterwards.
        last = await sync_to_async(record_last_seq, thread_sensitive=False)()
        if self.cursor is None:
            self.cursor = last
        stream = LiveStream(
            user_id=user_id,
            party_id=party_id,
            language=language,
            cursor=last if after is None else after,
        )
        self.streams.add(stream)
        if self.task is None:
            self.task = self.loop.create_task(self._run())
        return stream

    def stream_close(self, stream: LiveStream) -> None:
        self.streams.discard(stream)
        self.wake_up()  # lets the task notice when it has no stream left

    def wake_up(self, seq: int | None = None) -> None:
        """Have the task read the record; ``seq`` (a committed act) already read is a
        wake-up with nothing new, and is ignored."""
        if seq is not None and self.cursor is not None and seq <= self.cursor:
            return
        self.woken.set()

    async def _run(self) -> None:
        subscriber = self.loop.create_task(self._subscribe()) if settings.REDIS_URL else None
        try:
            while self.streams:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.woken.wait(), settings.CONCORD_LIVE_POLL)
                self.woken.clear()
                try:
                    await self._read()
                except Exception:
                    # The database may be away or busy for a moment: try again soon.
                    logger.exception("live updates: reading the record failed")
                    self.loop.call_later(RETRY_READ, self.wake_up)
        finally:
            # No await between the last check of ``streams`` and here: a stream that
            # opens from now on starts a new task and reads a fresh cursor.
            self.task = None
            self.cursor = None
            if subscriber is not None:
                subscriber.cancel()

    async def _read(self) -> None:
        while self.streams and self.cursor is not None:
            acts = await sync_to_async(acts_after, thread_sensitive=False)(self.cursor)
            for act in acts:
                for stream in list(self.streams):
                    stream.offer(act)
            if acts:
                self.cursor = acts[-1].seq
            if len(acts) < BATCH:
                return

    async def _subscribe(self) -> None:
        """Wake up on every act any process publishes; reconnect while Redis is away."""
        import redis.asyncio as aioredis
        from redis.exceptions import RedisError

        pause = 1.0
        while True:
            client = aioredis.Redis.from_url(settings.REDIS_URL)
            try:
                async with client.pubsub() as pubsub:
                    await pubsub.subscribe(settings.CONCORD_LIVE_CHANNEL)
                    pause = 1.0
                    self.wake_up()  # acts published while not subscribed
                    async for message in pubsub.listen():
                        if message.get("type") == "message":
                            self.wake_up(_seq_of(message.get("data")))
            except (RedisError, OSError) as exc:
                logger.warning("live updates: Redis subscription lost (%s)", exc)
            finally:
                await client.aclose()
            await asyncio.sleep(pause)
            pause = min(pause * 2, 30.0)


def _seq_of(data: Any) -> int | None:
    try:
        return int(data)
    except (TypeError, ValueError):
        return None


async def stream_events(hub: LiveHub, stream: LiveStream) -> AsyncIterator[bytes]:
    """The body of an event stream: what the record owes the stream, then each act as
    the hub hands it over, a comment line as heartbeat, until the stream's time is up
    or the client goes away."""
    loop = asyncio.get_running_loop()
    ends_at = loop.time() + settings.CONCORD_LIVE_MAX_AGE
    try:
        catch_up, started = True, False
        while True:
            if catch_up or stream.overflowed:
                catch_up, stream.overflowed = False, False
                stream.pending.clear()
                while True:
                    owed = await sync_to_async(acts_owed)(stream.party_id, stream.cursor)
                    for act in owed:
                        stream.cursor = act.seq
                        yield event_frame(act, stream.language)
                    if len(owed) < BATCH:
                        break
                if not started:
                    # Once caught up: how soon to reconnect should the stream break.
                    started = True
                    yield b"retry: 3000\n\n"
                continue
            while stream.pending:
                act = stream.pending.popleft()
                if act.seq > stream.cursor:
                    stream.cursor = act.seq
                    yield event_frame(act, stream.language)
            if stream.overflowed:
                continue
            left = ends_at - loop.time()
            if left <= 0:
                return
            stream.ready.clear()
            try:
                await asyncio.wait_for(
                    stream.ready.wait(), min(settings.CONCORD_LIVE_HEARTBEAT, left)
                )
            except TimeoutError:
                yield HEARTBEAT
    finally:
        hub.stream_close(stream)


# One hub per event loop: uvicorn runs one loop per process; tests may run several.
_hubs: dict[asyncio.AbstractEventLoop, LiveHub] = {}
_hubs_guard = threading.Lock()


def hub_for_running_loop() -> LiveHub:
    loop = asyncio.get_running_loop()
    with _hubs_guard:
        for old in [lp for lp in _hubs if lp.is_closed()]:
            del _hubs[old]
        hub = _hubs.get(loop)
        if hub is None:
            hub = _hubs[loop] = LiveHub(loop)
        return hub


def _hubs_wake(seq: int) -> None:
    with _hubs_guard:
        hubs = list(_hubs.values())
    for hub in hubs:
        if hub.task is None:
            continue
        with contextlib.suppress(RuntimeError):  # the loop has closed meanwhile
            hub.loop.call_soon_threadsafe(hub.wake_up, seq)


class _Publisher:
    """Publishes the sequence number of each committed act on the Redis channel. A
    commit never waits long on Redis: after a failure it stops trying for a while."""

    def __init__(self) -> None:
        self.client: Any = None
        self.url = ""
        self.paused_until = 0.0
        self.guard = threading.Lock()

    def publish(self, seq: int) -> None:
        url = settings.REDIS_URL
        if not url or time.monotonic() < self.paused_until:
            return
        import redis
        from redis.exceptions import RedisError

        with self.guard:
            if self.client is None or self.url != url:
                self.client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
                self.url = url
            client = self.client
        try:
            client.publish(settings.CONCORD_LIVE_CHANNEL, str(seq))
        except (RedisError, OSError) as exc:
            self.paused_until = time.monotonic() + PUBLISH_PAUSE
            logger.warning("live updates: could not publish act %s to Redis (%s)", seq, exc)


_publisher = _Publisher()


@receiver(act_committed, dispatch_uid="concord.delivery.live")
def act_committed_wake(sender: type[Act], act: Act, **kwargs: Any) -> None:
    """Wake this process's streams at once and tell the other processes through Redis."""
    _hubs_wake(act.seq)
    _publisher.publish(act.seq)
