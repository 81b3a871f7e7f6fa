"""Compliance: what each party owed under a charter in a year, and what it did not do.

Pure functions over small facts (see ``notifications.facts``): no database, no clock.
The caller passes the charter document, the submissions (with their facts) and the
parties' statuses, and ``now``; ``evaluate`` returns findings, each citing the clause
of the charter it rests on, with an English message and the parameters a translation
needs.

Finding kinds:

``late``
    A current (non-superseded) submission whose first version was submitted after its
    deadline (``facts.due_at``). An observation invitation's deadline is counted from
    the start of the activity it refers to.
``missing``
    A form with the ``annual`` deadline rule owes one submission per party per year:
    the one for ``year + 1``, due in ``year``. A nil return (a form with
    ``nil_return_for``) meets its target form's obligation and is not owed itself.
    Missing only once the deadline has passed (``now`` after it).
``not-notified``
    An activity at or above a notification threshold that the party's annual calendar
    lists, or another party's activity report describes, with no prior notification
    of the party whose dates overlap it (give or take ``TOLERANCE``). Reported once
    the notification's deadline has passed; the finding cites every source act.
``observers-not-invited``
    A prior notification at or above an observation threshold with no observation
    invitation referring to it, once the invitation's deadline has passed.
``limit-exceeded``
    More activities above a constraint's figures than ``max_activities`` in its
    period, counted over the party's current prior notifications.

Which thresholds are which is read from the charter, never from ids in code: a
threshold is an *observation* threshold when it cites the article of a mechanism of
kind ``observation`` (in helsinki, ``vd-vi``); when the charter has no such mechanism,
when its id starts with ``observation``. Every other threshold with a ``form`` is a
*notification* threshold for that form. Observation invitations are the forms citing
an observation threshold's article (other than the measured form); an invitation
refers to a notification by its number (``HELSINKI-4217``, any case) or record seq.

Thresholds are met "at or above" (any field equals or exceeds its figure, within the
threshold's ``kinds`` when given); constraints count activities "above" (any field
strictly exceeds its figure), as the charter schema defines them.

Years: an obligation about an activity (deadline rule ``before-start``, and the
not-notified, observation and constraint checks) belongs to the year the activity
starts; an annual form to the year before the one it is for (when it is due); any
other deadline to the year it falls in.

Only a party whose status is ``party`` at the relevant time (the deadline; for
constraints, the activity's start) owes anything; signatories, observers and the rest
owe nothing. Times are timezone-aware UTC; a naive time is read as UTC.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from concord.charters.loader import duration, text
from concord.notifications.facts import FIGURES, due_at, midnight, parse_date

#: Dates of a notified activity may differ from a calendar's or a report's by this much.
TOLERANCE = timedelta(days=3)

KINDS = ("late", "missing", "not-notified", "observers-not-invited", "limit-exceeded")
_KIND_ORDER = {k: i for i, k in enumerate(KINDS)}
_YEARS = re.compile(r"^P(\d+)Y$")
_TICK = timedelta(microseconds=1)
_LABELS = {
    "troops": "troops",
    "battle_tanks": "battle tanks",
    "acv": "armoured combat vehicles",
    "artillery": "artillery pieces",
}


def _label(name: str) -> str:
    return _LABELS.get(name, name.replace("_", " "))


@dataclass
class Submission:
    """One version of a submitted notification. A correction supersedes an earlier
    version (``superseded`` on the old one); lateness is judged on
    ``first_submitted_at``, the first version's time, when given."""

    seq: int
    party: str
    form: str
    submitted_at: datetime
    facts: dict[str, Any]
    number: str
    superseded: bool = False
    first_submitted_at: datetime | None = None


@dataclass
class Member:
    """A party's status under the charter from ``since`` until ``until`` (exclusive;
    None: still). Only status ``party`` owes obligations."""

    party: str
    status: str
    since: datetime
    until: datetime | None = None


@dataclass
class Finding:
    """One failure to meet an obligation. ``clause`` is ``{id, number, title}`` of the
    charter article it rests on (``title`` a charter Text); ``acts`` the record seqs
    it cites; ``params`` the facts of ``message`` for a translation; ``due`` the
    deadline that was missed (None for limit-exceeded, where none is)."""

    party: str
    year: int
    kind: str
    clause: dict[str, Any]
    acts: list[int]
    message: str
    params: dict[str, Any]
    due: datetime | None
    form: str | None


# ---------------------------------------------------------------------------------
# The charter, read once per evaluation.


@dataclass(slots=True)
class _Rules:
    forms: dict[str, dict[str, Any]]
    articles: dict[str, dict[str, Any]]
    annual: list[str]  # annual forms owed (not nil returns)
    nil_for: dict[str, list[str]]  # target form -> its nil-return forms
    notification: dict[str, list[dict[str, Any]]]  # measured form -> thresholds
    observation: dict[str, list[dict[str, Any]]]  # measured form -> thresholds
    invitations: dict[str, list[str]]  # measured form -> invitation forms
    constraints: list[dict[str, Any]]

    @classmethod
    def of(cls, charter: Mapping[str, Any]) -> _Rules:
        forms = {f["id"]: f for f in charter.get("forms", []) if isinstance(f, dict)}
        articles = {a["id"]: a for a in charter.get("articles", []) if isinstance(a, dict)}
        nil_for: dict[str, list[str]] = defaultdict(list)
        for fid, form in forms.items():
            if form.get("nil_return_for"):
                nil_for[form["nil_return_for"]].append(fid)
        annual = [
            fid
            for fid, form in forms.items()
            if (form.get("deadline") or {}).get("rule") == "annual"
            and not form.get("nil_return_for")
        ]
        observation_articles = {
            m["article"]
            for m in charter.get("mechanisms", [])
            if m.get("kind") == "observation" and m.get("article")
        }

        def is_observation(threshold: Mapping[str, Any]) -> bool:
            if observation_articles:
                return threshold.get("article") in observation_articles
            return str(threshold.get("id", "")).startswith("observation")

        notification: dict[str, list[dict[str, Any]]] = defaultdict(list)
        observation: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for threshold in charter.get("thresholds", []):
            measured = threshold.get("form")
            if measured not in forms:  # a threshold without a form measures nothing sent
                continue
            (observation if is_observation(threshold) else notification)[measured].append(threshold)
        invitations = {
            measured: [
                fid
                for fid, form in forms.items()
                if fid != measured and form.get("article") in {t["article"] for t in found}
            ]
            for measured, found in observation.items()
        }
        constraints = [c for c in charter.get("constraints", []) if isinstance(c, dict)]
        return cls(
            forms,
            articles,
            annual,
            dict(nil_for),
            dict(notification),
            dict(observation),
            invitations,
            constraints,
        )

    def clause(self, article: str | None) -> dict[str, Any]:
        found = self.articles.get(article or "", {})
        return {
            "id": article or "",
            "number": found.get("number", ""),
            "title": found.get("title", ""),
        }

    def title(self, form: str) -> str:
        return text(self.forms.get(form, {}).get("title")) or form

    def rule(self, form: str) -> str | None:
        rule = (self.forms.get(form, {}).get("deadline") or {}).get("rule")
        return rule if isinstance(rule, str) else None


# ---------------------------------------------------------------------------------
# Small helpers.


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _judged_at(sub: Submission) -> datetime:
    return _utc(sub.first_submitted_at or sub.submitted_at)


def _ref(value: Any) -> str:
    return str(value).strip().upper() if value is not None else ""


def _year_of(facts: Mapping[str, Any]) -> int | None:
    year = facts.get("year")
    return year if isinstance(year, int) and not isinstance(year, bool) else None


def _figure(facts: Mapping[str, Any], name: str) -> int:
    value = facts.get(name)
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def meets(threshold: Mapping[str, Any], facts: Mapping[str, Any]) -> bool:
    """Whether an activity is at or above ``threshold``: any ``any_of`` field equals
    or exceeds its figure, and its kind is among ``kinds`` when those are given."""
    kinds = threshold.get("kinds")
    if kinds and facts.get("kind") not in kinds:
        return False
    return any(_figure(facts, f) >= n for f, n in (threshold.get("any_of") or {}).items())


def exceeds(constraint: Mapping[str, Any], facts: Mapping[str, Any]) -> bool:
    """Whether an activity counts against ``constraint``: any ``above`` field strictly
    exceeds its figure ("more than")."""
    return any(_figure(facts, f) > n for f, n in (constraint.get("above") or {}).items())


def _span(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size or unit == "minute":
            n = max(1, seconds // size)
            return f"{n} {unit}{'s' if n != 1 else ''}"
    raise AssertionError("unreachable")


def _due_text(rule: str | None, due: datetime) -> str:
    if rule == "annual":
        return f"by the end of {(due - _TICK).date().isoformat()} UTC"
    return f"{due:%Y-%m-%d %H:%M} UTC"


def _activity_text(facts: Mapping[str, Any]) -> str:
    words = f"{facts.get('kind') or 'activity'} starting {facts.get('start')}"
    if facts.get("area"):
        words += f" in {facts['area']}"
    figures = [f"{_figure(facts, f):,} {_label(f)}" for f in FIGURES if _figure(facts, f)]
    return ", ".join([words, *figures])


def _subject(facts: Mapping[str, Any]) -> str:
    """What a submission is about, in a few words."""
    if facts.get("start") and "kind" in facts:
        return _activity_text(facts)
    if _year_of(facts) is not None:
        return f"for {facts['year']}"
    if facts.get("occurred_at"):
        return f"event at {facts['occurred_at']}"
    if facts.get("activity"):
        return f"for {facts['activity']}"
    if facts.get("start"):
        return f"taking effect {facts['start']}"
    return ""


def _activity_params(facts: Mapping[str, Any]) -> dict[str, Any]:
    params = {k: facts.get(k) for k in ("kind", "start", "end", "area")}
    params.update({f: _figure(facts, f) for f in FIGURES})
    return params


@dataclass(slots=True)
class _Activity:
    """An activity from a calendar, a report or a notification, dates parsed."""

    start: date
    end: date
    facts: Mapping[str, Any]
    source: Submission

    def overlaps(self, start: date, end: date) -> bool:
        return self.start - TOLERANCE <= end and start <= self.end + TOLERANCE


def _activity(facts: Mapping[str, Any], source: Submission) -> _Activity | None:
    start = parse_date(facts.get("start"))
    if start is None:
        return None
    end = parse_date(facts.get("end")) or start
    return _Activity(start, max(start, end), facts, source)


@dataclass(slots=True)
class _Party:
    """One party's submissions, indexed for the checks."""

    code: str
    current: list[Submission] = field(default_factory=list)
    by_form: dict[str, list[Submission]] = field(default_factory=lambda: defaultdict(list))
    # Current submissions about one activity (facts with a start), parsed once.
    activities: dict[str, list[_Activity]] = field(default_factory=lambda: defaultdict(list))
    activity_of: dict[int, _Activity] = field(default_factory=dict)
    annual_years: set[tuple[str, int]] = field(default_factory=set)
    numbers: dict[str, Submission] = field(default_factory=dict)
    calendar: list[_Activity] = field(default_factory=list)
    reported: list[_Activity] = field(default_factory=list)  # by other parties
    memberships: list[Member] = field(default_factory=list)

    def owes(self, at: datetime) -> bool:
        return any(
            m.status == "party" and _utc(m.since) <= at and (m.until is None or at < _utc(m.until))
            for m in self.memberships
        )


# ---------------------------------------------------------------------------------
# The checks.


@dataclass(slots=True)
class _Out:
    year: int
    rules: _Rules
    found: list[tuple[datetime | None, Finding]] = field(default_factory=list)

    def add(
        self,
        *,
        party: str,
        kind: str,
        article: str | None,
        acts: Iterable[int],
        message: str,
        params: dict[str, Any],
        due: datetime | None,
        form: str | None,
        at: datetime | None = None,
    ) -> None:
        finding = Finding(
            party=party,
            year=self.year,
            kind=kind,
            clause=self.rules.clause(article),
            acts=sorted(set(acts)),
            message=message,
            params=params,
            due=due,
            form=form,
        )
        self.found.append((due or at, finding))


def _check_late(p: _Party, out: _Out) -> None:
    rules, year = out.rules, out.year
    for sub in p.current:
        form = rules.forms.get(sub.form)
        if form is None:
            continue
        rule = rules.rule(sub.form)
        facts: Mapping[str, Any] = sub.facts
        referred: Submission | None = None
        due = due_at(form, sub.facts)
        if due is None and rule == "before-start" and sub.facts.get("activity"):
            # An invitation's deadline counts from the activity it refers to.
            referred = p.numbers.get(_ref(sub.facts["activity"]))
            if referred is not None:
                facts = referred.facts
                due = due_at(form, referred.facts)
        if due is None:
            continue
        if rule == "before-start":
            parsed = p.activity_of.get((referred or sub).seq)
            belongs = parsed.start.year if parsed else due.year
        elif rule == "annual":
            belongs = (_year_of(facts) or due.year + 1) - 1
        else:
            belongs = due.year
        judged = _judged_at(sub)
        if belongs != year or judged <= due or not p.owes(due):
            continue
        late = judged - due
        title, subject = rules.title(sub.form), _subject(facts)
        if referred is not None:
            subject = f"for {referred.number}: {subject}"
        about = f"{title} {sub.number}" + (f" ({subject})" if subject else "")
        out.add(
            party=p.code,
            kind="late",
            article=form.get("article"),
            acts=[sub.seq],
            message=f"{about} submitted {_span(late)} late; due {_due_text(rule, due)}",
            params={
                "form": sub.form,
                "number": sub.number,
                "subject": subject,
                "submitted_at": judged.isoformat(),
                "due": due.isoformat(),
                "late_seconds": int(late.total_seconds()),
                "late_days": late.days,
                "late_by": _span(late),
                **({k: facts[k] for k in ("year",) if k in facts}),
                **(_activity_params(facts) if "kind" in facts else {}),
            },
            due=due,
            form=sub.form,
        )


def _check_missing(p: _Party, out: _Out, now: datetime) -> None:
    rules, owed_year = out.rules, out.year + 1
    for fid in rules.annual:
        due = due_at(rules.forms[fid], {"year": owed_year})
        if due is None or now <= due or not p.owes(due):
            continue
        accepted = [fid, *rules.nil_for.get(fid, [])]
        if any((f, owed_year) in p.annual_years for f in accepted):
            continue
        title, rule = rules.title(fid), rules.rule(fid)
        alternatives = " or ".join(rules.title(f) for f in accepted[1:])
        message = f"{title} for {owed_year} not submitted"
        if alternatives:
            message += f" (nor {alternatives})"
        out.add(
            party=p.code,
            kind="missing",
            article=rules.forms[fid].get("article"),
            acts=[],
            message=f"{message}; due {_due_text(rule, due)}",
            params={
                "form": fid,
                "for_year": owed_year,
                "accepted": accepted,
                "due": due.isoformat(),
            },
            due=due,
            form=fid,
        )


def _check_not_notified(p: _Party, out: _Out, now: datetime) -> None:
    rules, year = out.rules, out.year
    for measured, thresholds in rules.notification.items():
        notified = p.activities.get(measured, [])
        groups: list[tuple[_Activity, list[_Activity], list[dict[str, Any]]]] = []
        for candidate in (*p.calendar, *p.reported):
            if candidate.start.year != year:
                continue
            met = [t for t in thresholds if meets(t, candidate.facts)]
            if not met or any(n.overlaps(candidate.start, candidate.end) for n in notified):
                continue
            for first, sources, _ in groups:
                if candidate.source.seq not in {s.source.seq for s in sources} and first.overlaps(
                    candidate.start, candidate.end
                ):
                    sources.append(candidate)
                    break
            else:
                groups.append((candidate, [candidate], met))
        own = p.code.lower()
        for first, sources, met in groups:
            due = due_at(rules.forms[measured], dict(first.facts)) or midnight(first.start)
            if now <= due or not p.owes(due):
                continue
            cited = ", ".join(
                f"{rules.title(s.source.form)} {s.source.number}"
                + (f" by {s.source.party}" if s.source.party.lower() != own else "")
                for s in sources
            )
            out.add(
                party=p.code,
                kind="not-notified",
                article=met[0].get("article"),
                acts=[s.source.seq for s in sources],
                message=(
                    f"Activity {_activity_text(first.facts)} is at or above the "
                    f"{text(met[0].get('title')).lower()} but was not notified "
                    f"(due {_due_text(rules.rule(measured), due)}); listed in {cited}"
                ),
                params={
                    "form": measured,
                    "thresholds": [t["id"] for t in met],
                    "sources": [s.source.number for s in sources],
                    "reported_by": sorted(
                        {s.source.party for s in sources if s.source.party.lower() != own}
                    ),
                    "due": due.isoformat(),
                    **_activity_params(first.facts),
                },
                due=due,
                form=measured,
            )


def _check_observers(p: _Party, out: _Out, now: datetime, superseded: list[Submission]) -> None:
    rules, year = out.rules, out.year
    for measured, thresholds in rules.observation.items():
        invitation_forms = rules.invitations.get(measured, [])
        if not invitation_forms:
            continue
        invited = {
            _ref(s.facts.get("activity")) for f in invitation_forms for s in p.by_form.get(f, [])
        }
        earlier = [a for s in superseded if s.form == measured if (a := _activity(s.facts, s))]
        for activity in p.activities.get(measured, []):
            sub = activity.source
            if activity.start.year != year:
                continue
            met = [t for t in thresholds if meets(t, sub.facts)]
            if not met:
                continue
            # The invitation may cite this version or an earlier version of it.
            refs = {_ref(sub.number), str(sub.seq)}
            for old in earlier:
                if old.overlaps(activity.start, activity.end):
                    refs.update((_ref(old.source.number), str(old.source.seq)))
            if refs & invited:
                continue
            form = rules.forms[invitation_forms[0]]
            due = due_at(form, sub.facts) or midnight(activity.start)
            if now <= due or not p.owes(due):
                continue
            out.add(
                party=p.code,
                kind="observers-not-invited",
                article=met[0].get("article"),
                acts=[sub.seq],
                message=(
                    f"Activity {_activity_text(sub.facts)} ({sub.number}) is at or above the "
                    f"{text(met[0].get('title')).lower()} but no "
                    f"{rules.title(invitation_forms[0]).lower()} refers to it "
                    f"(due {_due_text(rules.rule(invitation_forms[0]), due)})"
                ),
                params={
                    "form": invitation_forms[0],
                    "number": sub.number,
                    "thresholds": [t["id"] for t in met],
                    "due": due.isoformat(),
                    **_activity_params(sub.facts),
                },
                due=due,
                form=invitation_forms[0],
            )


def _window(per: str, year: int) -> tuple[date, date]:
    """The period a constraint counts over, ending with ``year`` ([first, end))."""
    end = date(year + 1, 1, 1)
    whole = _YEARS.match(per)
    if whole:  # P1Y: the calendar year; P3Y: the three calendar years ending with it
        return date(year + 1 - int(whole.group(1)), 1, 1), end
    # Any other period: a rolling window ending with the year.
    finish = midnight(end)
    return (finish - duration(per, start=finish)).date(), end


def _check_limits(p: _Party, out: _Out, default_form: str | None) -> None:
    rules, year = out.rules, out.year
    for constraint in rules.constraints:
        measured = constraint.get("form") or default_form
        limit = constraint.get("max_activities")
        if not measured or not isinstance(limit, int) or not isinstance(constraint.get("per"), str):
            continue
        first, end = _window(constraint["per"], year)
        counted = sorted(
            (
                a
                for a in p.activities.get(measured, [])
                if first <= a.start < end
                and exceeds(constraint, a.facts)
                and p.owes(midnight(a.start))
            ),
            key=lambda a: (a.start, a.source.seq),
        )
        excess = [a for a in counted[limit:] if a.start.year == year]
        if not excess:
            continue
        above = " or ".join(
            f"{n:,} {_label(f)}" for f, n in (constraint.get("above") or {}).items()
        )
        period = f"{first.isoformat()} to {(end - timedelta(days=1)).isoformat()}"
        out.add(
            party=p.code,
            kind="limit-exceeded",
            article=constraint.get("article"),
            acts=[a.source.seq for a in counted],
            message=(
                f"{len(counted)} activities above {above} from {period}, at most {limit} "
                f"allowed ({', '.join(a.source.number for a in counted)})"
            ),
            params={
                "constraint": constraint.get("id"),
                "count": len(counted),
                "max": limit,
                "per": constraint["per"],
                "from": first.isoformat(),
                "to": (end - timedelta(days=1)).isoformat(),
                "numbers": [a.source.number for a in counted],
                "first_excess": excess[0].source.number,
            },
            due=None,
            form=measured,
            at=midnight(excess[0].start),
        )


# ---------------------------------------------------------------------------------


def evaluate(
    charter: dict[str, Any],
    year: int,
    submissions: Iterable[Submission],
    members: Iterable[Member],
    *,
    now: datetime,
    party: str | None = None,
) -> list[Finding]:
    """Every finding for obligations falling due in calendar ``year`` (or about
    activities starting in it), as of ``now``, sorted by party then time.

    ``charter`` is the charter document; ``submissions`` every submission under it
    (all parties, all versions, with facts from ``facts.facts_of``); ``members`` the
    parties' status history. With ``party``, only that party's findings (other
    parties' activity reports about it still count).
    """
    now = _utc(now)
    rules = _Rules.of(charter)
    parties: dict[str, _Party] = {}

    def get(code: str) -> _Party:  # party codes compare case-insensitively
        found = parties.get(code.lower())
        if found is None:
            found = parties[code.lower()] = _Party(code)
        return found

    for member in members:
        get(member.party).memberships.append(member)
    superseded: dict[str, list[Submission]] = defaultdict(list)
    for sub in submissions:
        p = get(sub.party)
        facts = sub.facts
        fy = _year_of(facts)
        if fy is not None:
            p.annual_years.add((sub.form, fy))
        if sub.number:
            p.numbers[_ref(sub.number)] = sub
        p.numbers[str(sub.seq)] = sub
        if sub.superseded:
            superseded[sub.party.lower()].append(sub)
            continue
        p.current.append(sub)
        p.by_form[sub.form].append(sub)
        if "start" in facts:
            parsed = _activity(facts, sub)
            if parsed is not None:
                p.activities[sub.form].append(parsed)
                p.activity_of[sub.seq] = parsed
        activities = facts.get("activities")
        if isinstance(activities, list):  # an annual calendar
            p.calendar.extend(a for x in activities if (a := _activity(x, sub)) is not None)
        concerned = facts.get("party_concerned")
        if isinstance(concerned, str) and concerned and concerned.lower() != sub.party.lower():
            report = p.activity_of.get(sub.seq)
            if report is not None:
                get(concerned).reported.append(report)

    default_form = next(iter(rules.notification), None)
    out = _Out(year, rules)
    codes = [party.lower()] if party is not None else sorted(parties)
    for code in codes:
        target = parties.get(code)
        if target is None or not any(m.status == "party" for m in target.memberships):
            continue  # only a party owes anything
        _check_late(target, out)
        _check_missing(target, out, now)
        _check_not_notified(target, out, now)
        _check_observers(target, out, now, superseded.get(code, []))
        _check_limits(target, out, default_form)

    far = datetime.max.replace(tzinfo=UTC)
    out.found.sort(
        key=lambda x: (x[1].party, x[0] or far, _KIND_ORDER.get(x[1].kind, 99), x[1].acts)
    )
    return [finding for _, finding in out.found]
