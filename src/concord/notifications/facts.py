"""The few facts compliance needs from a notification, and the notification's deadline.

A submission's data can be large (an annual exchange lists hundreds of units); the
compliance checks need only dates, figures and references. ``facts_of`` extracts them
once, at submission, into a small JSON-serialisable dict that is stored beside the
data; ``due_at`` turns a form's ``deadline`` rule and those facts into an instant.

Facts are plain JSON values: dates as ISO strings (``"2026-05-04"``), instants as ISO
strings in UTC (``"2026-05-04T10:00:00+00:00"``), figures as integers. A missing or
malformed optional field gives ``None`` (dates, year), ``""`` (text) or ``0`` (figures),
never an exception: data has been validated against the form's schema before, and a
charter may add optional fields later.

Deadline semantics (all instants timezone-aware UTC; a submission is on time when it
is submitted at or before ``due_at``, late when strictly after):

- ``before-start``: the activity's start day at 00:00 UTC minus ``period``. "At least
  42 days before the start" of an activity starting on 4 May 2026 is due at 00:00 UTC
  on 23 March 2026.
- ``annual``: the end of day ``month``/``day`` (UTC) of the year *before* the year the
  information is for, i.e. 00:00 UTC of the following day (24:00 of the due day). The
  ``year`` of an annual form is the year the information is valid for / planned for,
  so the annual exchange for 2027 is due by the end of 15 December 2026 (instant
  2026-12-16T00:00Z) and the annual calendar for 2027 by the end of 15 November 2026.
- ``after-event``: ``occurred_at`` plus ``period``.
- ``within-after-budget``, ``none`` and unknown rules: no deadline Concord can
  compute (``None``).
"""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any

from concord.charters.loader import duration

#: The figures of a military activity the thresholds and constraints compare.
FIGURES = ("troops", "battle_tanks", "acv", "artillery")

Facts = dict[str, Any]


def _iso_date(value: Any) -> str | None:
    """An ISO date string (``YYYY-MM-DD``) or None when absent or malformed."""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if not isinstance(value, str) or not value:
        return None
    try:
        return date.fromisoformat(value[:10]).isoformat()
    except ValueError:
        return None


def _iso_instant(value: Any) -> str | None:
    """An ISO instant in UTC, or None. A naive time is taken as UTC (the forms say so)."""
    parsed: datetime | None = None
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str) and value:
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            day = _iso_date(value)
            parsed = datetime.combine(date.fromisoformat(day), time(0)) if day else None
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC).isoformat()


def _int(value: Any) -> int:
    """A figure as an int; 0 when absent or not a number."""
    if isinstance(value, bool):
        return 0
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            return 0
    return 0


def _year(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _area(value: Any) -> str:
    """An area's name: the forms give either ``{name, ...}`` or a plain string."""
    if isinstance(value, Mapping):
        return _text(value.get("name"))
    return _text(value)


def _activity(data: Mapping[str, Any]) -> Facts:
    """The facts of one military activity: dates, kind, figures, area name."""
    facts: Facts = {
        "start": _iso_date(data.get("start")),
        "end": _iso_date(data.get("end")),
        "kind": _text(data.get("kind")),
    }
    for figure in FIGURES:
        facts[figure] = _int(data.get(figure))
    facts["area"] = _area(data.get("area"))
    return facts


def _prior_notification(data: Mapping[str, Any]) -> Facts:
    return _activity(data)


def _annual_calendar(data: Mapping[str, Any]) -> Facts:
    activities = data.get("activities")
    items = activities if isinstance(activities, list) else []
    return {
        "year": _year(data.get("year")),
        "activities": [_activity(a) for a in items if isinstance(a, Mapping)],
    }


def _annual_exchange(data: Mapping[str, Any]) -> Facts:
    units = data.get("units")
    return {"year": _year(data.get("year")), "units": len(units) if isinstance(units, list) else 0}


def _nil_return(data: Mapping[str, Any]) -> Facts:
    return {"year": _year(data.get("year"))}


def _observation_invitation(data: Mapping[str, Any]) -> Facts:
    # ``activity`` is the prior notification's reference, its number (e.g. HELSINKI-4217).
    return {"activity": _text(data.get("activity"))}


def _hazardous_incident(data: Mapping[str, Any]) -> Facts:
    return {"occurred_at": _iso_instant(data.get("occurred_at"))}


def _security_measure(data: Mapping[str, Any]) -> Facts:
    return {"start": _iso_date(data.get("start"))}


def _activity_report(data: Mapping[str, Any]) -> Facts:
    # Party codes are lower case (parties.Party.code); the form's pattern says so too.
    return {"party_concerned": _text(data.get("party_concerned")).lower(), **_activity(data)}


_EXTRACTORS: dict[str, Callable[[Mapping[str, Any]], Facts]] = {
    "prior-notification": _prior_notification,
    "annual-calendar": _annual_calendar,
    "annual-exchange": _annual_exchange,
    "nil-return": _nil_return,
    "observation-invitation": _observation_invitation,
    "hazardous-incident": _hazardous_incident,
    "security-measure": _security_measure,
    "activity-report": _activity_report,
}


def facts_of(form_id: str, data: dict[str, Any]) -> dict[str, Any]:
    """The small set of facts compliance needs from a submission of ``form_id``.

    Knows the built-in forms of the helsinki and est-2009 charters:

    - ``prior-notification``: ``{start, end, kind, troops, battle_tanks, acv,
      artillery, area}`` (``area`` is the area's name);
    - ``annual-calendar``: ``{year, activities: [{start, end, kind, troops,
      battle_tanks, acv, artillery, area}]}``;
    - ``annual-exchange``: ``{year, units}`` (``units`` is the count of units);
    - ``nil-return``: ``{year}``;
    - ``observation-invitation``: ``{activity}`` (the notified activity's reference);
    - ``hazardous-incident``: ``{occurred_at}`` (ISO instant, UTC);
    - ``security-measure``: ``{start}``;
    - ``activity-report``: ``{party_concerned, start, end, kind, troops,
      battle_tanks, acv, artillery, area}``.

    An unknown form gives ``{}``. Missing optional fields never raise.
    """
    extract = _EXTRACTORS.get(form_id)
    if extract is None or not isinstance(data, Mapping):
        return {}
    return extract(data)


def parse_date(value: Any) -> date | None:
    """A facts date (ISO string) as a date, or None."""
    if isinstance(value, str) and len(value) == 10:
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    day = _iso_date(value)
    return date.fromisoformat(day) if day else None


def parse_instant(value: Any) -> datetime | None:
    """A facts instant (ISO string) as an aware UTC datetime, or None."""
    instant = _iso_instant(value)
    return datetime.fromisoformat(instant) if instant else None


def midnight(day: date) -> datetime:
    """00:00 UTC at the start of ``day``."""
    return datetime.combine(day, time(0), tzinfo=UTC)


@lru_cache(maxsize=256)
def _fixed(period: str) -> timedelta | None:
    """A period of weeks, days, hours, minutes or seconds, parsed once; None for one
    with months or years, whose length depends on where it is counted from."""
    calendar_part = period.partition("T")[0]
    if "Y" in calendar_part or "M" in calendar_part:
        return None
    return duration(period)


def _period(period: str, start: datetime) -> timedelta:
    fixed = _fixed(period)
    return fixed if fixed is not None else duration(period, start=start)


def due_at(
    form: dict[str, Any], facts: dict[str, Any], *, submitted_at: datetime | None = None
) -> datetime | None:
    """When a submission of ``form`` (the charter's form definition) with ``facts`` is
    due, as an aware UTC instant; None when the rule gives no deadline or the facts
    lack what it counts from. On time means submitted at or before this instant.

    ``before-start``: start day 00:00 UTC minus ``period``; ``annual``: the end of
    ``month``/``day`` in the year before ``facts["year"]`` (00:00 UTC the next day);
    ``after-event``: ``occurred_at`` plus ``period``. ``submitted_at`` is accepted for
    rules counted from the submission itself; none of the charter schema's rules is,
    so it does not change the result today.
    """
    del submitted_at  # no rule of the charter schema counts from the submission
    deadline = form.get("deadline")
    if not isinstance(deadline, Mapping):
        return None
    rule = deadline.get("rule")
    period = deadline.get("period")
    if rule == "before-start":
        start = parse_date(facts.get("start"))
        if start is None or not isinstance(period, str):
            return None
        begins = midnight(start)
        # Week/day/hour periods are exact. Months and years are counted forward from the
        # start, as ``loader.duration`` does: "P1M before 31 March" gives 1 March, not
        # 28 February. No built-in charter uses them for this rule.
        return begins - _period(period, begins)
    if rule == "annual":
        year = _year(facts.get("year"))
        month, day = deadline.get("month"), deadline.get("day")
        if year is None or not isinstance(month, int) or not isinstance(day, int):
            return None
        if not 1 <= month <= 12:
            return None
        # A day past the month's end (31 November, 29 February) means its last day.
        due_day = date(year - 1, month, max(1, min(day, monthrange(year - 1, month)[1])))
        return midnight(due_day + timedelta(days=1))
    if rule == "after-event":
        occurred = parse_instant(facts.get("occurred_at"))
        if occurred is None or not isinstance(period, str):
            return None
        return occurred + _period(period, occurred)
    return None
