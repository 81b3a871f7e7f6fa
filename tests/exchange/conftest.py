"""Fixtures of the exchange: parties to a charter with an exchange mechanism, each with
a contact point, a head of delegation and a delegate."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from concord.charters.models import Charter
from concord.parties import services as svc
from concord.parties.models import Party, Role, Status, User

PASSWORD = "correct horse battery staple"
CHARTER = "eurasia-2024"


@pytest.fixture
def exchange_charter(charters: dict[str, Charter]) -> Charter:
    return charters[CHARTER]


@pytest.fixture
def make_party(exchange_charter: Charter, secretariat: User) -> Callable[[str], Party]:
    """A state party to the exchange charter with `<code>-cp` (contact point),
    `<code>-head` and `<code>-delegate`."""

    def make(code: str) -> Party:
        party = svc.party_register(agent=secretariat, code=code, kind="state", name="")
        for username, role in (
            (f"{code}-cp", Role.CONTACT_POINT),
            (f"{code}-head", Role.HEAD),
            (f"{code}-delegate", Role.DELEGATE),
        ):
            svc.user_create(
                agent=secretariat, username=username, party=party, roles=[role], password=PASSWORD
            )
        svc.participation_set(
            agent=secretariat, party=party, charter=exchange_charter, status=Status.PARTY
        )
        return party

    return make


@pytest.fixture
def trio(make_party: Callable[[str], Party]) -> tuple[Party, Party, Party]:
    """Three parties: kz sends, ru and cn receive or not."""
    return make_party("kz"), make_party("ru"), make_party("cn")
