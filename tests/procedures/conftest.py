"""Fixtures shared by the procedures tests: more parties with delegations, steps taken
as a named member, what is stored (to prove a refusal stores nothing), and posting JSON
to the API."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from concord.parties.models import Party, PartyKind, Role, Status, User
from concord.parties.services import participation_set, party_register, user_create
from concord.procedures import services
from concord.procedures.models import Deadline, Decision, Procedure, Step
from concord.record.models import Act

PASSWORD = "correct horse battery staple"


@pytest.fixture
def helsinki(charters: Any, secretariat: User, fr: Party, de: Party, party_add: Any) -> Any:
    """helsinki with fr, de and it taking part (a test module may set up its own)."""
    for party in (fr, de):
        participation_set(
            agent=secretariat, party=party, charter=charters["helsinki"], status=Status.PARTY
        )
    party_add("it", charters["helsinki"])
    return charters["helsinki"]


@pytest.fixture
def party_add(secretariat: User) -> Callable[..., Party]:
    """Register a state with a head and a delegate, party to the given charters."""

    def make(
        code: str, *charters: Any, roles: tuple[str, ...] = (Role.HEAD, Role.DELEGATE)
    ) -> Party:
        party = party_register(agent=secretariat, code=code, kind=PartyKind.STATE)
        for role in roles:
            user_create(
                agent=secretariat,
                username=f"{code}-{role}",
                party=party,
                roles=[role],
                password=PASSWORD,
            )
        for charter in charters:
            participation_set(agent=secretariat, party=party, charter=charter, status=Status.PARTY)
        return party

    return make


@pytest.fixture
def act_as(user: Callable[[str], User]) -> Callable[..., Step]:
    """Take a step as the named member."""

    def take(username: str, procedure: Procedure, kind: str, text: str = "", **kw: Any) -> Step:
        return services.procedure_step(
            agent=user(username), procedure=procedure, kind=kind, text=text, **kw
        )

    return take


def _stored() -> tuple[int, ...]:
    return (
        Act.objects.count(),
        Procedure.objects.count(),
        Step.objects.count(),
        Decision.objects.count(),
        Deadline.objects.filter(done_at__isnull=True).count(),
    )


@pytest.fixture
def stored(db: None) -> Callable[[], tuple[int, ...]]:
    """What a write leaves behind (acts, procedures, steps, decisions, open deadlines):
    equal before and after, a refusal stored nothing."""
    return _stored


@pytest.fixture
def api_post() -> Callable[[Any, str, dict[str, Any]], Any]:
    def post(client: Any, path: str, data: dict[str, Any]) -> Any:
        return client.post(path, data, content_type="application/json")

    return post
