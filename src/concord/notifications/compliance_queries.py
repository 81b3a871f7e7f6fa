"""Compliance from the database: the submissions and memberships of a charter fed to
the pure evaluation in ``compliance``. Computed on every read, so findings follow the
data as soon as it changes."""

from __future__ import annotations

from typing import Any

from concord import clock
from concord.charters.models import Charter
from concord.notifications import compliance
from concord.notifications.models import Notification, State
from concord.parties.models import ParticipationChange


def submissions_of(charter: Charter) -> list[compliance.Submission]:
    rows = (
        Notification.objects.filter(charter_version__charter=charter)
        .exclude(state=State.DRAFT)
        .values_list(
            "act_id", "party__code", "form", "submitted_at", "facts", "state", "first_submitted_at"
        )
    )
    prefix = charter.code.upper()
    return [
        compliance.Submission(
            seq=act,
            party=party,
            form=form,
            submitted_at=submitted,
            facts=facts,
            number=f"{prefix}-{act}",
            superseded=state == State.SUPERSEDED,
            first_submitted_at=first,
        )
        for act, party, form, submitted, facts, state, first in rows
        if act is not None and submitted is not None
    ]


def members_of(charter: Charter) -> list[compliance.Member]:
    """Each party's spells of status under the charter, from its history."""
    spells: list[compliance.Member] = []
    current: dict[str, compliance.Member] = {}
    changes = (
        ParticipationChange.objects.filter(participation__charter=charter)
        .order_by("at", "id")
        .values_list("participation__party__code", "status", "at")
    )
    for party, status, at in changes:
        previous = current.get(party)
        if previous is not None:
            previous.until = at
        current[party] = compliance.Member(party=party, status=status, since=at)
        spells.append(current[party])
    return spells


def findings(charter: Charter, year: int, *, party: str | None = None) -> list[dict[str, Any]]:
    result = compliance.evaluate(
        charter.document,
        year,
        submissions_of(charter),
        members_of(charter),
        now=clock.now(),
        party=party,
    )
    return [f.__dict__ for f in result]
