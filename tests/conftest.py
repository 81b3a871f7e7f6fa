"""Shared fixtures: the built-in charters, a few parties with delegations, and clients
signed in as each kind of viewer the permission matrix needs."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from django.test import Client
from django.utils import translation

from concord import clock
from concord.charters.models import Charter
from concord.charters.services import builtin_charters_load
from concord.parties import services as svc
from concord.parties.models import Party, PartyKind, Role, Status, User

PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def _fast_hashing_and_clock(settings) -> Iterator[None]:  # type: ignore[no-untyped-def]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.CONCORD_REQUIRE_TOTP = False
    # A language a page activated must not leak into the next test's messages.
    translation.activate("en")
    yield
    translation.deactivate()
    clock.reset()


@pytest.fixture
def charters(db: None) -> dict[str, Charter]:
    builtin_charters_load()
    return {c.code: c for c in Charter.objects.all()}


@pytest.fixture
def secretariat(db: None) -> User:
    return svc.user_create(
        agent=None,
        username="secretariat",
        party=None,
        roles=[Role.SECRETARIAT],
        password=PASSWORD,
    )


def _party_with_delegation(secretariat: User, code: str, kind: str = PartyKind.STATE) -> Party:
    party = svc.party_register(
        agent=secretariat,
        code=code,
        kind=kind,
        name="" if kind == PartyKind.STATE else code.upper(),
    )
    for role in (Role.HEAD, Role.DELEGATE):
        svc.user_create(
            agent=secretariat,
            username=f"{code}-{role}",
            party=party,
            roles=[role],
            password=PASSWORD,
        )
    return party


@pytest.fixture
def fr(charters: dict[str, Charter], secretariat: User) -> Party:
    party = _party_with_delegation(secretariat, "fr")
    svc.participation_set(
        agent=secretariat, party=party, charter=charters["est-2009"], status=Status.PARTY
    )
    return party


@pytest.fixture
def de(charters: dict[str, Charter], secretariat: User) -> Party:
    party = _party_with_delegation(secretariat, "de")
    svc.participation_set(
        agent=secretariat, party=party, charter=charters["est-2009"], status=Status.PARTY
    )
    return party


@pytest.fixture
def user(db: None) -> Callable[[str], User]:
    return lambda username: User.objects.get(username=username)


@pytest.fixture
def client_as(db: None) -> Callable[[str | None], Client]:
    """A test client signed in as the named member (None: anonymous)."""

    def make(username: str | None) -> Client:
        c = Client()
        if username:
            c.force_login(User.objects.get(username=username))
        return c

    return make
