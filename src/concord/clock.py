"""The one source of the current time. Always timezone-aware UTC.

Tests and the demo move the clock with ``advance``/``travel`` rather than sleeping; the
offset lives in the process only, never in stored data.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

_offset = timedelta(0)


def now() -> datetime:
    return datetime.now(UTC) + _offset


def advance(delta: timedelta) -> None:
    """Move this process's clock forward (tests)."""
    global _offset
    _offset += delta


def reset() -> None:
    global _offset
    _offset = timedelta(0)


def travel(to: datetime) -> None:
    """Set this process's clock to ``to`` (the demo replays a year of history)."""
    global _offset
    if to.tzinfo is None:
        raise ValueError("clock.travel needs an aware datetime")
    _offset = to - datetime.now(UTC)
