"""Benchmark of the compliance evaluation, beside a reference measured in the same run.

    .venv/bin/python bench/compliance.py [--runs N] [--units N] [--seed N]

A synthetic treaty year under the helsinki charter for its 57 participating States,
each with:

- an annual exchange of --units (default 500) combat units for the next year, in the
  production format; its facts are computed through ``facts.facts_of`` from that data,
  as ``notification_submit`` does;
- the annual calendar of the year (20 activities) and, for most States, the next
  year's calendar (20 activities; every tenth State has not sent it: "missing");
- 30 prior notifications, most matching calendar activities, about one in ten late,
  many above the observation and constraint figures; observation invitations for
  about half the observable ones; a few calendar activities never notified;
- two activity reports about a neighbour, by another State.

``evaluate`` runs --runs times (default 20) for the whole charter; p50/p95 seconds.

Reference: json-decoding the same 57 annual exchanges (the data as stored, in the
notifications' JSON column). It is the least any evaluation working from the
submissions' data, rather than their facts, would pay before checking anything, so it
shows what extracting the facts once at submission saves on every read. Also shown:
``facts_of`` over the 57 exchanges (paid once, at submission).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from concord.charters.loader import BUILTIN_DIR, load_file  # noqa: E402
from concord.notifications.compliance import Member, Submission, evaluate  # noqa: E402
from concord.notifications.facts import due_at, facts_of  # noqa: E402

YEAR = 2026
KINDS = ["field-training", "field-training", "concentration", "transfer", "amphibious-landing"]
PLACES = ["Grafenwöhr", "Bergen", "Drawsko Pomorskie", "Adazi", "Pabradė", "Tapa", "Luga"]


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[max(0, int(len(ordered) * 0.95) - 1)]


def timed(fn: Callable[[], object], runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return samples


def exchange_data(rng: random.Random, code: str, units: int) -> dict[str, Any]:
    return {
        "year": YEAR + 1,
        "valid_as_of": f"{YEAR + 1}-01-01",
        "units": [
            {
                "name": f"{i + 1}th Mechanised Brigade",
                "designation": f"{code.upper()}-{i + 1:04d}",
                "command": f"{code.upper()} Land Forces Command, {i // 50 + 1} Division",
                "location": {
                    "name": rng.choice(PLACES),
                    "lat": round(rng.uniform(35, 70), 4),
                    "lon": round(rng.uniform(-10, 60), 4),
                },
                "personnel": rng.randrange(300, 5000),
                "equipment": {
                    "battle_tanks": rng.randrange(0, 120),
                    "acv": rng.randrange(0, 200),
                    "artillery": rng.randrange(0, 60),
                    "combat_aircraft": rng.randrange(0, 4),
                    "helicopters": rng.randrange(0, 12),
                },
            }
            for i in range(units)
        ],
    }


def activity_data(rng: random.Random, start: date) -> dict[str, Any]:
    kind = rng.choice(KINDS)
    # Mostly just over the notification figure; a few observable, large or very large.
    troops = rng.choices(
        [3200, 9000, 9500, 12000, 13500, 18000, 26000, 41000], [2, 6, 6, 5, 3, 2, 1, 0.2]
    )[0]
    return {
        "start": start.isoformat(),
        "end": (start + timedelta(days=rng.randrange(2, 12))).isoformat(),
        "area": {"name": rng.choice(PLACES), "coordinates": {"lat": 54.1, "lon": 23.9}},
        "kind": kind,
        "purpose": "Exercise of the brigade's readiness.",
        "troops": troops,
        "battle_tanks": rng.randrange(0, 320),
        "acv": rng.randrange(0, 520),
        "artillery": rng.randrange(0, 200),
        "units": [f"UNIT-{n}" for n in range(rng.randrange(1, 12))],
    }


def synthetic_year(
    units: int, seed: int
) -> tuple[dict[str, Any], list[Submission], list[Member], list[bytes]]:
    rng = random.Random(seed)
    charter = load_file(BUILTIN_DIR / "helsinki.yaml")
    prior = next(f for f in charter["forms"] if f["id"] == "prior-notification")
    codes = [c.lower() for c in charter["eligibility"]["states"]]
    since = datetime(2011, 1, 1, tzinfo=UTC)
    members = [Member(code, "party", since) for code in codes]
    subs: list[Submission] = []
    stored: list[bytes] = []
    seq = 0

    def submit(party: str, form: str, data: dict[str, Any], at: datetime, **kw: Any) -> Submission:
        nonlocal seq
        seq += 1
        sub = Submission(seq, party, form, at, facts_of(form, data), f"HELSINKI-{seq}", **kw)
        subs.append(sub)
        return sub

    for n, code in enumerate(codes):
        exchange = exchange_data(rng, code, units)
        stored.append(json.dumps(exchange).encode())
        submit(code, "annual-exchange", exchange, datetime(YEAR, 12, 10, 9, tzinfo=UTC))
        starts = sorted(date(YEAR, 1, 20) + timedelta(days=rng.randrange(330)) for _ in range(30))
        notified = [activity_data(rng, start) for start in starts]
        calendar = [{k: v for k, v in a.items() if k != "units"} for a in notified[:15]]
        for a in calendar:
            a["area"] = a["area"]["name"]
        for _ in range(5):  # planned but never notified
            a = activity_data(rng, date(YEAR, 1, 20) + timedelta(days=rng.randrange(330)))
            a["area"] = a["area"]["name"]
            del a["units"]
            calendar.append(a)
        submit(
            code,
            "annual-calendar",
            {"year": YEAR, "activities": calendar},
            datetime(YEAR - 1, 11, 12, tzinfo=UTC),
        )
        if n % 10:
            following = [
                {
                    **a,
                    "start": a["start"].replace(str(YEAR), str(YEAR + 1), 1),
                    "end": a["end"].replace(str(YEAR), str(YEAR + 1), 1),
                }
                for a in calendar
            ]
            submit(
                code,
                "annual-calendar",
                {"year": YEAR + 1, "activities": following},
                datetime(YEAR, 11, 14, tzinfo=UTC),
            )
        for data in notified:
            due = due_at(prior, facts_of("prior-notification", data))
            assert due is not None
            late = rng.random() < 0.1
            at = due + timedelta(days=rng.randrange(1, 20)) if late else due - timedelta(days=3)
            sub = submit(code, "prior-notification", data, at)
            if data["troops"] >= 13000 and rng.random() < 0.5:
                invitation = {
                    "activity": sub.number,
                    "programme_start": f"{data['start']}T08:00:00Z",
                    "programme_end": f"{data['end']}T18:00:00Z",
                    "arrival_point": "Capital airport",
                    "observers_per_state": 2,
                    "programme": "Briefing; visit to the units in the field.",
                }
                submit(code, "observation-invitation", invitation, at)
        neighbour = codes[(n + 1) % len(codes)]
        for _ in range(2):
            start = date(YEAR, 2, 1) + timedelta(days=rng.randrange(300))
            report = {
                "party_concerned": neighbour,
                "start": start.isoformat(),
                "end": (start + timedelta(days=3)).isoformat(),
                "area": {"name": rng.choice(PLACES)},
                "kind": "concentration",
                "troops": rng.choice([5000, 10000, 15000]),
            }
            submit(
                code, "activity-report", report, datetime.combine(start, datetime.min.time(), UTC)
            )
    return charter, subs, members, stored


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20, help="evaluations timed")
    parser.add_argument("--units", type=int, default=500, help="units per annual exchange")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    start = time.perf_counter()
    charter, subs, members, stored = synthetic_year(args.units, args.seed)
    built = time.perf_counter() - start
    activities = sum(len(s.facts.get("activities", [])) for s in subs)
    size = sum(len(b) for b in stored)
    print(
        f"Concord compliance benchmark: {len(members)} parties, {len(subs):,} submissions, "
        f"{activities:,} calendar activities, {size / 2**20:.1f} MiB of annual exchanges "
        f"(built in {built:.1f} s)"
    )
    now = datetime(YEAR + 1, 2, 1, tzinfo=UTC)
    findings = evaluate(charter, YEAR, subs, members, now=now)
    decoded = [json.loads(b) for b in stored]

    def decode() -> None:
        for raw in stored:
            json.loads(raw)

    def extract() -> None:
        for data in decoded:
            facts_of("annual-exchange", data)

    reference = timed(decode, args.runs)
    samples = timed(lambda: evaluate(charter, YEAR, subs, members, now=now), args.runs)
    one = members[len(members) // 2].party
    single = timed(lambda: evaluate(charter, YEAR, subs, members, now=now, party=one), args.runs)
    extraction = timed(extract, args.runs)
    ref50 = percentiles(reference)[0]

    def line(label: str, data: list[float], note: str) -> None:
        p50, p95 = percentiles(data)
        print(f"  {label:<44} p50 {p50:9.6f}   p95 {p95:9.6f}   {note}")

    line("json-decode the 57 annual exchanges (s)", reference, "reference")
    p50, p95 = percentiles(samples)
    line(f"evaluate, all parties, {YEAR} (s)", samples, f"{p50 / ref50:6.1%} of reference")
    line(
        f"evaluate, one party ({one}) (s)",
        single,
        f"{percentiles(single)[0] / ref50:6.1%} of reference",
    )
    line("facts_of over the 57 exchanges (s)", extraction, "paid once, at submission")
    kinds = Counter(f.kind for f in findings)
    print(
        f"  findings: {len(findings):,} ({', '.join(f'{k} {n}' for k, n in sorted(kinds.items()))})"
    )
    if p95 >= 1.0:
        print("  WARNING: evaluate p95 is not well under one second", file=sys.stderr)


if __name__ == "__main__":
    main()
