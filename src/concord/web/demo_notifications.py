"""A year of notifications among the demo parties under `helsinki`: annual exchanges
(most on time, some late, one missing), annual calendars, prior notifications of the
calendared activities (some late), observation invitations, receipts acknowledged, a
correction, and one activity above the notification threshold that was never notified
and that another State reported."""

from __future__ import annotations

import heapq
import random
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from concord import clock
from concord.charters.models import Charter
from concord.notifications import services
from concord.notifications.models import Notification
from concord.parties.models import Party, Status, User

KINDS = ["field-training", "field-training", "transfer", "concentration", "amphibious-landing"]
UNIT_TYPES = [
    ("Mechanised Brigade", 4200, (90, 120, 36)),
    ("Tank Battalion", 600, (44, 10, 0)),
    ("Artillery Regiment", 1500, (0, 20, 54)),
    ("Motor Rifle Brigade", 3900, (40, 130, 36)),
    ("Air Assault Brigade", 2800, (0, 60, 18)),
    ("Infantry Regiment", 2100, (0, 45, 12)),
]
AREAS = [
    "Northern training area",
    "Coastal range",
    "Central plain",
    "Mountain range",
    "Delta region",
]


def _at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=clock.now().tzinfo)


def _unit(rng: random.Random, code: str, n: int) -> dict[str, Any]:
    name, personnel, (tanks, acv, artillery) = rng.choice(UNIT_TYPES)
    return {
        "name": f"{n}{'st' if n == 1 else 'nd' if n == 2 else 'rd' if n == 3 else 'th'} {name}",
        "designation": f"{code.upper()}-{100 + n}",
        "command": f"{rng.choice(['Northern', 'Southern', 'Western', 'Eastern'])} Command",
        "location": {
            "name": f"Garrison {n}",
            "lat": round(rng.uniform(36, 68), 4),
            "lon": round(rng.uniform(-9, 60), 4),
        },
        "personnel": int(personnel * rng.uniform(0.8, 1.1)),
        "equipment": {
            "battle_tanks": tanks,
            "acv": acv,
            "artillery": artillery,
            "combat_aircraft": 0,
            "helicopters": rng.choice([0, 0, 4, 8]),
        },
    }


class Timeline:
    """Events run in time order, so that the record's times only move forward; an
    event may schedule later ones (an acknowledgement after a delivery)."""

    def __init__(self, rng: random.Random, heads: dict[int | None, User], until: datetime):
        self.events: list[tuple[datetime, int, Callable[[], None]]] = []
        self.rng = rng
        self.heads = heads
        self.until = until
        self.counter = 0

    def at(self, when: datetime, fn: Callable[[], None]) -> None:
        """Schedule ``fn`` at ``when``; events after the demo's present are dropped."""
        if when <= self.until:
            heapq.heappush(self.events, (when, self.counter, fn))
            self.counter += 1

    def run(self) -> None:
        while self.events:
            when, _n, fn = heapq.heappop(self.events)
            # Events due at the same moment run one after the other: never go back.
            clock.travel(max(when, clock.now()))
            fn()

    def submit(
        self,
        user: User,
        charter: Charter,
        form: str,
        data: dict[str, Any],
        when: datetime,
        then: Callable[[Notification], None] | None = None,
    ) -> None:
        def event() -> None:
            n = services.notification_submit(
                agent=user, charter=charter, form=form, data=data, language="en"
            )
            self._acknowledgements(n)
            if then is not None:
                then(n)

        self.at(when, event)

    def _acknowledgements(self, n: Notification) -> None:
        for receipt in n.receipts.all():
            member = self.heads.get(receipt.party_id)
            if member is None or self.rng.random() > 0.55:
                continue
            self.at(
                receipt.delivered_at + timedelta(hours=self.rng.randint(2, 96)), _ack(member, n)
            )


def _ack(head: User, n: Notification) -> Callable[[], None]:
    def event() -> None:
        services.receipt_acknowledge(agent=head, notification=n)

    return event


def schedule(timeline: Timeline, now: datetime) -> None:
    """Put a year of notifications on the timeline."""
    charter = Charter.objects.filter(code="helsinki").first()
    if charter is None:
        return
    rng = timeline.rng
    parties = list(
        Party.objects.filter(
            participations__charter=charter, participations__status=Status.PARTY, kind="state"
        ).order_by("code")
    )
    delegates = {u.party_id: u for u in User.objects.filter(username__endswith="-delegate")}
    this_year = now.year
    exchange_due = date(this_year - 1, 12, 15)
    calendar_due = date(this_year - 1, 11, 15)
    shuffled = parties[:]
    rng.shuffle(shuffled)
    missing, nil, unnotified_party, reporter = shuffled[0], shuffled[4], shuffled[5], shuffled[6]
    late = set(shuffled[1:4])
    corrected_party = shuffled[8]

    # Annual calendars for this year, before 15 November of the year before.
    planned: list[tuple[Party, dict[str, Any]]] = []
    for party in shuffled[5:25]:
        activities: list[dict[str, Any]] = []
        for _ in range(rng.randint(1, 3)):
            begin = date(this_year, rng.randint(1, 10), rng.randint(1, 25))
            kind = rng.choice(KINDS)
            troops = (
                3200 if kind == "amphibious-landing" else rng.choice([9500, 11000, 13500, 4000])
            )
            activity: dict[str, Any] = {
                "start": begin.isoformat(),
                "end": (begin + timedelta(days=rng.randint(4, 12))).isoformat(),
                "area": rng.choice(AREAS),
                "kind": kind,
                "troops": troops,
                "battle_tanks": rng.randint(20, 150),
                "acv": rng.randint(50, 300),
                "artillery": rng.randint(10, 120),
            }
            if party == unnotified_party and not activities:
                activity["troops"] = 12000  # above the threshold, and never notified
            activities.append(activity)
            planned.append((party, activity))
        timeline.submit(
            delegates[party.pk],
            charter,
            "annual-calendar",
            {"year": this_year, "activities": activities},
            _at(calendar_due - timedelta(days=rng.randint(1, 30))),
        )

    # The other parties plan no notifiable activity and say so in an empty calendar;
    # next year's calendars have come in before this year's 15 November.
    for party in [*shuffled[:5], *shuffled[25:]]:
        timeline.submit(
            delegates[party.pk],
            charter,
            "annual-calendar",
            {"year": this_year, "activities": []},
            _at(calendar_due - timedelta(days=rng.randint(1, 30))),
        )
    for party in shuffled[2:]:
        timeline.submit(
            delegates[party.pk],
            charter,
            "annual-calendar",
            {"year": this_year + 1, "activities": []},
            _at(date(this_year, 11, 15) - timedelta(days=rng.randint(1, 30))),
        )

    # Annual exchanges for this year: on time, a few late, a nil return, one missing.
    for party in parties:
        delegate = delegates[party.pk]
        if party == missing:
            continue
        if party == nil:
            timeline.submit(
                delegate,
                charter,
                "nil-return",
                {"year": this_year, "statement": "No combat units within the zone of application."},
                _at(exchange_due - timedelta(days=3)),
            )
            continue
        units = [_unit(rng, party.code, i + 1) for i in range(rng.randint(3, 12))]
        days = rng.randint(3, 40)
        when = _at(
            exchange_due + timedelta(days=days)
            if party in late
            else exchange_due - timedelta(days=days)
        )
        then = None
        if party == corrected_party:

            def then(
                n: Notification,
                delegate: User = delegate,
                units: list[Any] = units,
                when: datetime = when,
            ) -> None:
                data = {**n.data, "units": [*units, _unit(rng, n.party.code, len(units) + 1)]}

                def correct() -> None:
                    services.notification_submit(
                        agent=delegate,
                        charter=charter,
                        form="annual-exchange",
                        data=data,
                        supersedes=n,
                        language="en",
                    )

                timeline.at(when + timedelta(days=5), correct)

        timeline.submit(
            delegate,
            charter,
            "annual-exchange",
            {"year": this_year, "valid_as_of": f"{this_year}-01-01", "units": units},
            when,
            then,
        )

    # Prior notifications of the calendared activities (one party leaves its big
    # exercise unnotified), with observation invitations for the largest.
    for party, activity in planned:
        if party == unnotified_party and activity["troops"] == 12000:
            begin = date.fromisoformat(str(activity["start"]))
            report = {
                "party_concerned": party.code,
                "start": activity["start"],
                "end": activity["end"],
                "area": {"name": activity["area"]},
                "kind": activity["kind"],
                "troops": 12000,
                "battle_tanks": activity["battle_tanks"],
                "acv": activity["acv"],
                "artillery": activity["artillery"],
                "source": "National technical means and open sources.",
            }
            timeline.submit(
                delegates[reporter.pk],
                charter,
                "activity-report",
                report,
                _at(begin + timedelta(days=3)),
            )
            continue
        begin = date.fromisoformat(str(activity["start"]))
        when = _at(begin - timedelta(days=rng.choice([50, 45, 44, 43, 30])))
        designations = [f"{party.code.upper()}-{100 + i}" for i in range(1, 4)]
        invite = None
        if int(activity["troops"]) >= 13000:

            def invite(
                n: Notification, activity: dict[str, Any] = activity, party: Party = party
            ) -> None:
                data = {
                    "activity": n.number,
                    "programme_start": f"{activity['start']}T08:00:00Z",
                    "programme_end": f"{activity['end']}T18:00:00Z",
                    "arrival_point": "Capital airport",
                    "observers_per_state": 2,
                    "programme": "Briefing, visits to the training areas, meeting with commanders.",
                }
                timeline.submit(
                    delegates[party.pk],
                    charter,
                    "observation-invitation",
                    data,
                    clock.now() + timedelta(hours=2),
                )

        area = {
            "name": activity["area"],
            "lat": round(rng.uniform(40, 65), 3),
            "lon": round(rng.uniform(-5, 50), 3),
        }
        timeline.submit(
            delegates[party.pk],
            charter,
            "prior-notification",
            {**activity, "area": area, "purpose": "Combined-arms training", "units": designations},
            when,
            invite,
        )

    # Next year's exchange has begun to arrive ahead of its deadline.
    next_due = date(this_year, 12, 15)
    for party in shuffled[10:22]:
        timeline.submit(
            delegates[party.pk],
            charter,
            "annual-exchange",
            {
                "year": this_year + 1,
                "valid_as_of": f"{this_year + 1}-01-01",
                "units": [_unit(rng, party.code, i + 1) for i in range(rng.randint(3, 8))],
            },
            _at(next_due - timedelta(days=rng.randint(30, 60))),
        )
