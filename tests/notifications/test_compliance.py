"""Compliance over the real helsinki charter: the facts of each form, deadlines, and one
small hand-made scenario per finding kind (late, missing, not-notified,
observers-not-invited, limit-exceeded). Pure functions: no database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from concord.charters.loader import BUILTIN_DIR, load_file
from concord.notifications.compliance import Finding, Member, Submission, evaluate
from concord.notifications.facts import due_at, facts_of

HELSINKI = load_file(BUILTIN_DIR / "helsinki.yaml")
EST = load_file(BUILTIN_DIR / "est-2009.yaml")
FORMS = {f["id"]: f for f in HELSINKI["forms"]}
SINCE = datetime(2020, 1, 1, tzinfo=UTC)
MEMBERS = [Member("de", "party", SINCE), Member("fr", "party", SINCE)]


def at(y: int, m: int, d: int, h: int = 0, minute: int = 0, s: int = 0) -> datetime:
    return datetime(y, m, d, h, minute, s, tzinfo=UTC)


def activity(
    start: str,
    end: str | None = None,
    *,
    troops: int = 9000,
    kind: str = "field-training",
    tanks: int = 0,
    acv: int = 0,
    artillery: int = 0,
) -> dict[str, Any]:
    """A valid prior-notification's data."""
    return {
        "start": start,
        "end": end or start,
        "area": {"name": "Grafenwöhr", "coordinates": {"lat": 49.7, "lon": 11.9}},
        "kind": kind,
        "troops": troops,
        "battle_tanks": tanks,
        "acv": acv,
        "artillery": artillery,
        "units": ["1 PzDiv"],
    }


def planned(start: str, end: str | None = None, **figures: Any) -> dict[str, Any]:
    """One activity of an annual calendar (its area is a plain string)."""
    data = activity(start, end, **figures)
    data["area"] = data["area"]["name"]
    del data["units"]
    return data


def submit(
    seq: int,
    form: str,
    data: dict[str, Any],
    when: datetime,
    *,
    party: str = "de",
    superseded: bool = False,
    first: datetime | None = None,
) -> Submission:
    return Submission(
        seq=seq,
        party=party,
        form=form,
        submitted_at=when,
        facts=facts_of(form, data),
        number=f"HELSINKI-{seq}",
        superseded=superseded,
        first_submitted_at=first,
    )


def annual_obligations_met(year: int, *, party: str = "de", seq: int = 900) -> list[Submission]:
    """The annual exchange and calendar for ``year + 1``, on time: keeps "missing" quiet."""
    on_time = at(year, 11, 1)
    return [
        submit(seq, "nil-return", {"year": year + 1, "statement": "none"}, on_time, party=party),
        submit(
            seq + 1, "annual-calendar", {"year": year + 1, "activities": []}, on_time, party=party
        ),
    ]


def run(
    subs: list[Submission],
    *,
    year: int = 2026,
    now: datetime | None = None,
    members: list[Member] | None = None,
    kind: str | None = None,
) -> list[Finding]:
    found = evaluate(
        HELSINKI,
        year,
        [*subs, *annual_obligations_met(year), *annual_obligations_met(year, party="fr", seq=950)],
        MEMBERS if members is None else members,
        now=now or at(year + 1, 6, 1),
    )
    return [f for f in found if kind is None or f.kind == kind]


# --- facts and deadlines -----------------------------------------------------------


def test_facts_of_each_built_in_form() -> None:
    assert facts_of("prior-notification", activity("2026-05-04", "2026-05-10", tanks=12)) == {
        "start": "2026-05-04",
        "end": "2026-05-10",
        "kind": "field-training",
        "troops": 9000,
        "battle_tanks": 12,
        "acv": 0,
        "artillery": 0,
        "area": "Grafenwöhr",
    }
    calendar = facts_of("annual-calendar", {"year": 2027, "activities": [planned("2027-03-01")]})
    assert calendar["year"] == 2027
    assert calendar["activities"][0]["area"] == "Grafenwöhr"
    unit = {"name": "u", "designation": "d", "command": "c", "personnel": 1, "equipment": {}}
    assert facts_of("annual-exchange", {"year": 2027, "units": [unit] * 3}) == {
        "year": 2027,
        "units": 3,
    }
    assert facts_of("nil-return", {"year": 2027, "statement": "none"}) == {"year": 2027}
    assert facts_of("observation-invitation", {"activity": " HELSINKI-12 "}) == {
        "activity": "HELSINKI-12"
    }
    incident = facts_of("hazardous-incident", {"occurred_at": "2026-03-01T12:00:00+02:00"})
    assert incident == {"occurred_at": "2026-03-01T10:00:00+00:00"}
    assert facts_of("security-measure", {"start": "2026-07-01"}) == {"start": "2026-07-01"}
    report = facts_of(
        "activity-report",
        {
            "party_concerned": "de",
            "start": "2026-05-04",
            "end": "2026-05-06",
            "area": {"name": "Baltic coast", "lat": 54.1, "lon": 12.1},
            "kind": "amphibious-landing",
            "troops": 4000,
        },
    )
    assert report["party_concerned"] == "de"
    assert report["area"] == "Baltic coast"
    assert (report["troops"], report["battle_tanks"]) == (4000, 0)
    assert facts_of("defence-planning", {"budget_year": 2026}) == {}
    assert facts_of("no-such-form", {"x": 1}) == {}
    # Missing optional fields (and even required ones) never raise.
    assert facts_of("prior-notification", {})["start"] is None
    assert facts_of("annual-calendar", {}) == {"year": None, "activities": []}


def test_due_at_follows_each_deadline_rule() -> None:
    prior = facts_of("prior-notification", activity("2026-05-04"))
    assert due_at(FORMS["prior-notification"], prior) == at(2026, 3, 23)  # 42 days before
    # Annual forms: due by the end of the day, in the year before the one they are for.
    assert due_at(FORMS["annual-exchange"], {"year": 2027}) == at(2026, 12, 16)
    assert due_at(FORMS["nil-return"], {"year": 2027}) == at(2026, 12, 16)
    assert due_at(FORMS["annual-calendar"], {"year": 2027}) == at(2026, 11, 16)
    incident = facts_of("hazardous-incident", {"occurred_at": "2026-03-01T10:00:00Z"})
    assert due_at(FORMS["hazardous-incident"], incident) == at(2026, 3, 4, 10)
    assert due_at(FORMS["defence-planning"], {"budget_year": 2026}) is None
    assert due_at(FORMS["activity-report"], prior) is None
    assert due_at(FORMS["prior-notification"], {}) is None
    measure = next(f for f in EST["forms"] if f["id"] == "security-measure")
    assert due_at(measure, facts_of("security-measure", {"start": "2026-07-01"})) == at(2026, 6, 1)


# --- late ---------------------------------------------------------------------------


def test_late_prior_notification_against_one_on_time() -> None:
    due = at(2026, 3, 23)  # activity starts 2026-05-04
    on_time = submit(1, "prior-notification", activity("2026-05-04"), due)  # exactly at due
    late = submit(2, "prior-notification", activity("2026-08-10"), at(2026, 7, 11, 9))
    found = run([on_time, late], kind="late")
    assert [f.acts for f in found] == [[2]]
    finding = found[0]
    assert finding.party == "de"
    assert finding.year == 2026
    assert finding.form == "prior-notification"
    assert finding.due == at(2026, 6, 29)
    assert finding.clause["id"] == "vd-v"
    assert finding.clause["number"] == "V"
    assert finding.clause["title"]["en"] == "Prior notification of certain military activities"
    assert "field-training starting 2026-08-10" in finding.message
    assert "submitted 12 days late" in finding.message
    assert finding.params["late_days"] == 12
    assert finding.params["start"] == "2026-08-10"
    # One second after the deadline is late.
    assert run(
        [submit(3, "prior-notification", activity("2026-05-04"), due + timedelta(seconds=1))],
        kind="late",
    )[0].message.endswith("submitted 1 minute late; due 2026-03-23 00:00 UTC")


def test_late_annual_exchange_is_found_in_the_year_it_was_due() -> None:
    exchange = submit(
        5, "nil-return", {"year": 2027, "statement": "none"}, at(2026, 12, 18, 10)
    )  # due by the end of 15 December 2026
    subs = [
        exchange,
        submit(6, "annual-calendar", {"year": 2027, "activities": []}, at(2026, 11, 15, 23)),
    ]
    found = evaluate(HELSINKI, 2026, subs, MEMBERS[:1], now=at(2027, 1, 10))
    assert [(f.kind, f.acts) for f in found] == [("late", [5])]
    assert "for 2027" in found[0].message
    assert "submitted 2 days late; due by the end of 2026-12-15 UTC" in found[0].message
    # The calendar, submitted at 23:00 on its due day (15 November), was on time.
    assert all(f.acts != [6] for f in found)


def test_correction_is_judged_by_its_first_version() -> None:
    first = at(2026, 3, 1)  # on time for a 2026-05-04 start
    original = submit(10, "prior-notification", activity("2026-05-04"), first, superseded=True)
    correction = submit(
        11, "prior-notification", activity("2026-05-04", troops=9500), at(2026, 4, 20), first=first
    )
    assert run([original, correction], kind="late") == []
    # A late first version stays late, however it is corrected.
    late_first = at(2026, 4, 1)
    original = submit(12, "prior-notification", activity("2026-05-04"), late_first, superseded=True)
    correction = submit(
        13, "prior-notification", activity("2026-05-04"), at(2026, 4, 2), first=late_first
    )
    found = run([original, correction], kind="late")
    assert [f.acts for f in found] == [[13]]
    assert found[0].params["late_days"] == 9


# --- missing ------------------------------------------------------------------------


def test_missing_annual_forms_only_after_their_deadline() -> None:
    members = MEMBERS[:1]
    before = evaluate(HELSINKI, 2026, [], members, now=at(2026, 11, 15, 23, 59))
    assert before == []
    between = evaluate(HELSINKI, 2026, [], members, now=at(2026, 11, 16, 0, 0, 1))
    assert [(f.kind, f.form) for f in between] == [("missing", "annual-calendar")]
    after = evaluate(HELSINKI, 2026, [], members, now=at(2027, 1, 2))
    assert [(f.kind, f.form) for f in after] == [
        ("missing", "annual-calendar"),
        ("missing", "annual-exchange"),
    ]
    exchange = after[1]
    assert exchange.due == at(2026, 12, 16)
    assert exchange.clause["id"] == "vd-i"
    assert exchange.params["for_year"] == 2027
    assert "Annual exchange of military information for 2027 not submitted" in exchange.message
    assert exchange.acts == []


def test_nil_return_satisfies_the_annual_exchange_but_the_wrong_year_does_not() -> None:
    nil = submit(20, "nil-return", {"year": 2027, "statement": "No combat units."}, at(2026, 12, 1))
    calendar = submit(21, "annual-calendar", {"year": 2027, "activities": []}, at(2026, 11, 1))
    assert evaluate(HELSINKI, 2026, [nil, calendar], MEMBERS[:1], now=at(2027, 2, 1)) == []
    wrong = submit(22, "nil-return", {"year": 2026, "statement": "none"}, at(2026, 12, 1))
    found = evaluate(HELSINKI, 2026, [wrong, calendar], MEMBERS[:1], now=at(2027, 2, 1))
    assert [(f.kind, f.form) for f in found] == [("missing", "annual-exchange")]


def test_a_signatory_owes_nothing() -> None:
    signatory = [Member("de", "signatory", SINCE)]
    late = submit(30, "prior-notification", activity("2026-05-04", troops=50000), at(2026, 5, 1))
    assert evaluate(HELSINKI, 2026, [late], signatory, now=at(2027, 6, 1)) == []
    # A State that becomes a party after the deadline did not owe that year's exchange.
    joined = [
        Member("de", "signatory", SINCE, at(2026, 12, 20)),
        Member("de", "party", at(2026, 12, 20)),
    ]
    found = evaluate(HELSINKI, 2026, [], joined, now=at(2027, 6, 1))
    assert found == []
    assert {f.form for f in evaluate(HELSINKI, 2027, [], joined, now=at(2028, 6, 1))} == {
        "annual-calendar",
        "annual-exchange",
    }


# --- not-notified -------------------------------------------------------------------


def test_calendar_activity_at_the_threshold_must_be_notified() -> None:
    calendar = submit(
        40,
        "annual-calendar",
        {
            "year": 2026,
            "activities": [
                planned("2026-05-04", "2026-05-10", troops=9000),  # exactly at: notifiable
                planned("2026-06-01", troops=8999),  # below
                planned("2026-07-01", troops=100, artillery=250),  # equipment at threshold
                planned("2026-09-01", "2026-09-05", troops=20000),  # notified, dates shifted
                planned("2026-10-01", troops=20000),  # notified 4 days later: not the same
            ],
        },
        at(2025, 11, 1),
    )
    notified = [
        submit(
            41,
            "prior-notification",
            activity("2026-09-08", "2026-09-12", troops=20000),
            at(2026, 7, 1),
        ),
        submit(42, "prior-notification", activity("2026-10-05", troops=20000), at(2026, 8, 1)),
    ]
    found = run([calendar, *notified], kind="not-notified")
    assert [f.params["start"] for f in found] == ["2026-05-04", "2026-07-01", "2026-10-01"]
    first = found[0]
    assert first.acts == [40]
    assert first.due == at(2026, 3, 23)
    assert first.clause["id"] == "vd-v"
    assert first.params["thresholds"] == ["notification"]
    assert "field-training starting 2026-05-04" in first.message
    assert "not notified" in first.message
    assert "HELSINKI-40" in first.message
    # Before the notification's deadline nothing is owed yet.
    early = run([calendar, *notified], now=at(2026, 3, 22), kind="not-notified")
    assert early == []


def test_amphibious_threshold_is_3000_troops() -> None:
    calendar = submit(
        50,
        "annual-calendar",
        {
            "year": 2026,
            "activities": [
                planned("2026-05-04", troops=3000, kind="amphibious-landing"),
                planned("2026-06-04", troops=3000, kind="field-training"),
                planned("2026-07-04", troops=2999, kind="parachute-assault"),
            ],
        },
        at(2025, 11, 1),
    )
    found = run([calendar], kind="not-notified")
    assert [(f.params["kind"], f.params["start"]) for f in found] == [
        ("amphibious-landing", "2026-05-04")
    ]
    assert found[0].params["thresholds"] == ["notification-amphibious-airborne"]


def test_another_partys_report_cites_both_sources() -> None:
    calendar = submit(
        60,
        "annual-calendar",
        {"year": 2026, "activities": [planned("2026-05-04", "2026-05-08")]},
        at(2025, 11, 1),
    )
    report = submit(
        61,
        "activity-report",
        {
            "party_concerned": "de",
            "start": "2026-05-05",
            "end": "2026-05-07",
            "area": {"name": "Grafenwöhr"},
            "kind": "field-training",
            "troops": 11000,
        },
        at(2026, 5, 6),
        party="fr",
    )
    unplanned = submit(
        62,
        "activity-report",
        {
            "party_concerned": "de",
            "start": "2026-08-01",
            "end": "2026-08-02",
            "area": {"name": "Munster"},
            "kind": "concentration",
            "troops": 300,
            "battle_tanks": 260,
        },
        at(2026, 8, 2),
        party="fr",
    )
    found = run([calendar, report, unplanned], kind="not-notified")
    assert [(f.party, f.acts) for f in found] == [("de", [60, 61]), ("de", [62])]
    assert "HELSINKI-61 by fr" in found[0].message
    assert found[1].params["reported_by"] == ["fr"]
    # A report of an activity that was notified finds nothing.
    notified = submit(
        63, "prior-notification", activity("2026-08-01", troops=300, tanks=260), at(2026, 6, 1)
    )
    assert [f.acts for f in run([calendar, report, unplanned, notified], kind="not-notified")] == [
        [60, 61]
    ]


# --- observers-not-invited ----------------------------------------------------------


def test_observation_invitation_present_or_absent() -> None:
    big = submit(70, "prior-notification", activity("2026-05-04", troops=13000), at(2026, 3, 1))
    small = submit(71, "prior-notification", activity("2026-06-04", troops=12999), at(2026, 4, 1))
    landing = submit(
        72,
        "prior-notification",
        activity("2026-07-04", troops=3500, kind="parachute-assault"),
        at(2026, 5, 1),
    )
    found = run([big, small, landing], kind="observers-not-invited")
    assert [f.acts for f in found] == [[70], [72]]
    assert found[0].clause["id"] == "vd-vi"
    assert found[0].form == "observation-invitation"
    assert found[0].due == at(2026, 3, 23)
    assert found[1].params["thresholds"] == ["observation-amphibious-airborne"]
    assert "HELSINKI-70" in found[0].message
    invitation = {
        "activity": "helsinki-70",  # the reference, in any case
        "programme_start": "2026-05-05T08:00:00Z",
        "programme_end": "2026-05-06T18:00:00Z",
        "arrival_point": "Nuremberg",
        "observers_per_state": 2,
        "programme": "Briefing, field visit.",
    }
    invited = submit(73, "observation-invitation", invitation, at(2026, 3, 2))
    assert [f.acts for f in run([big, small, landing, invited], kind="observers-not-invited")] == [
        [72]
    ]
    # The invitation is also judged late against the activity it refers to.
    assert [f.acts for f in run([big, small, landing, invited], kind="late")] == []
    late = submit(74, "observation-invitation", invitation, at(2026, 4, 1))
    lates = run([big, late], kind="late")
    assert [(f.acts, f.form, f.due) for f in lates] == [
        ([74], "observation-invitation", at(2026, 3, 23))
    ]
    assert "for HELSINKI-70" in lates[0].message


def test_invitation_citing_an_earlier_version_still_counts() -> None:
    first = at(2026, 3, 1)
    original = submit(
        80, "prior-notification", activity("2026-05-04", troops=14000), first, superseded=True
    )
    correction = submit(
        81, "prior-notification", activity("2026-05-05", troops=15000), at(2026, 3, 10), first=first
    )
    invitation = submit(82, "observation-invitation", {"activity": "HELSINKI-80"}, at(2026, 3, 2))
    assert run([original, correction, invitation], kind="observers-not-invited") == []
    assert [f.acts for f in run([original, correction], kind="observers-not-invited")] == [[81]]
    # Not due yet: no finding.
    assert run([original, correction], now=at(2026, 3, 24), kind="observers-not-invited") == []
    assert run([original, correction], now=at(2026, 3, 22), kind="observers-not-invited") == []


# --- limit-exceeded -----------------------------------------------------------------


def test_more_than_six_activities_above_13000_in_a_year() -> None:
    subs = [
        submit(
            100 + i,
            "prior-notification",
            activity(f"2026-{i + 2:02d}-20", troops=13001),
            at(2026, 1, 1),
        )
        for i in range(7)
    ]
    found = run(subs, kind="limit-exceeded")
    assert [f.params["constraint"] for f in found] == ["above-13000"]
    assert found[0].acts == list(range(100, 107))
    assert found[0].clause["id"] == "vd-viii"
    assert found[0].due is None
    assert found[0].params["count"] == 7
    assert found[0].params["first_excess"] == "HELSINKI-106"
    assert "7 activities above 13,000 troops or 300 battle tanks" in found[0].message
    # Exactly 13,000 is not "more than" 13,000: six above and one at the figure is fine.
    subs[0] = submit(
        100, "prior-notification", activity("2026-02-20", troops=13000), at(2026, 1, 1)
    )
    assert run(subs, kind="limit-exceeded") == []


def test_one_activity_above_40000_every_three_years() -> None:
    y2024 = submit(110, "prior-notification", activity("2024-06-01", troops=40001), at(2024, 1, 1))
    y2026 = submit(
        111, "prior-notification", activity("2026-06-01", tanks=901, troops=1000), at(2026, 1, 1)
    )
    found = run([y2024, y2026], kind="limit-exceeded")
    assert [(f.params["constraint"], f.acts) for f in found] == [("above-40000", [110, 111])]
    assert found[0].params["from"] == "2024-01-01"
    assert found[0].params["to"] == "2026-12-31"
    # 2027's window (2025-2027) holds one activity; 2023's excess was in 2024's check.
    assert run([y2024, y2026], year=2027, kind="limit-exceeded") == []
    y2023 = submit(112, "prior-notification", activity("2023-06-01", troops=40001), at(2023, 1, 1))
    assert run([y2023, y2024], year=2024, kind="limit-exceeded")[0].acts == [110, 112]
    assert run([y2023, y2024], year=2025, kind="limit-exceeded") == []


# --- the whole ---------------------------------------------------------------------


def test_findings_sorted_by_party_then_time_and_filtered_by_party() -> None:
    subs = [
        submit(120, "prior-notification", activity("2026-09-01"), at(2026, 8, 30), party="fr"),
        submit(121, "prior-notification", activity("2026-08-01"), at(2026, 7, 30)),
        submit(122, "prior-notification", activity("2026-05-01"), at(2026, 4, 30)),
    ]
    found = run(subs)
    assert [(f.party, f.acts) for f in found] == [("de", [122]), ("de", [121]), ("fr", [120])]
    assert all(f.kind == "late" for f in found)
    only = evaluate(
        HELSINKI,
        2026,
        [*subs, *annual_obligations_met(2026)],
        MEMBERS,
        now=at(2027, 1, 1),
        party="de",
    )
    assert [f.acts for f in only] == [[122], [121]]


@pytest.mark.parametrize("party_code", ["DE", "de"])
def test_party_codes_compare_case_insensitively(party_code: str) -> None:
    report = submit(
        130,
        "activity-report",
        {
            "party_concerned": "de",
            "start": "2026-05-05",
            "end": "2026-05-07",
            "area": {"name": "x"},
            "kind": "other",
            "troops": 9000,
        },
        at(2026, 5, 6),
        party="fr",
    )
    members = [Member(party_code, "party", SINCE)]
    found = evaluate(HELSINKI, 2026, [report], members, now=at(2026, 11, 1))
    assert [(f.kind, f.party) for f in found] == [("not-notified", party_code)]
