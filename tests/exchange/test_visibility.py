"""Visibility of the exchange, as a property over random distributions: whatever is
sent to whom (named parties, open or hidden groups, TLP:RED or not, findable or not,
passed on or not), no party sees — or gets a hit that reveals — anything that was not
distributed to it; the secretariat sees metadata only; delegates who are not contact
points see nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from concord.exchange import selectors, services
from concord.exchange.hits import hits_find
from concord.exchange.models import Distribution, Message
from concord.parties.models import Party, User

pytestmark = pytest.mark.django_db

CODES = ["kz", "ru", "cn", "mn"]
IMO = ["9074729", "9176187", "9247455", "9321483"]


class Rollback(Exception):
    """Undo one example's writes."""


@pytest.fixture
def parties(make_party) -> dict[str, Party]:  # type: ignore[no-untyped-def]
    return {code: make_party(code) for code in CODES}


message_plan = st.fixed_dictionaries(
    {
        "sender": st.sampled_from(CODES),
        "to": st.lists(st.sampled_from(CODES), max_size=3, unique=True),
        "group": st.sampled_from([None, "open", "hidden"]),
        "tlp": st.sampled_from(["red", "amber", "green"]),
        "findable": st.sampled_from([None, True, False]),
        "imo": st.sampled_from(IMO),
        "pass_on": st.sampled_from([None, *CODES]),
    }
)


def _send(plan: dict[str, Any], groups: dict[tuple[str, str], Any], charter: Any) -> Message | None:
    sender = plan["sender"]
    agent = User.objects.get(username=f"{sender}-cp")
    recipients = tuple(c for c in plan["to"] if c != sender)
    group = None
    if plan["group"] and plan["tlp"] != "red":
        key = (sender, plan["group"])
        if key not in groups:
            groups[key] = services.group_create(
                agent=agent,
                charter=charter,
                name=f"{plan['group']} group of {sender}",
                members=[c for c in CODES if c != sender],
                hidden_membership=plan["group"] == "hidden",
            )
        group = groups[key]
    if not recipients and group is None:
        return None
    return services.message_send(
        agent=agent,
        message=services.MessageInput(
            charter=charter,
            channel="organised-crime",
            subject=f"about {plan['imo']}",
            tlp=plan["tlp"],
            recipients=recipients,
            group=group,
            findable=plan["findable"],
            entities=[{"kind": "vessel", "imo": plan["imo"]}],
        ),
    )


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(plans=st.lists(message_plan, min_size=1, max_size=6))
def test_no_party_sees_or_gets_hits_on_what_was_not_distributed_to_it(
    parties, exchange_charter, secretariat, plans
) -> None:  # type: ignore[no-untyped-def]
    try:
        with transaction.atomic():
            _check(parties, exchange_charter, secretariat, plans)
            raise Rollback
    except Rollback:
        pass


def _check(parties, charter, secretariat, plans) -> None:  # type: ignore[no-untyped-def]
    groups: dict[tuple[str, str], Any] = {}
    sent: list[tuple[Message, dict[str, Any]]] = []
    for plan in plans:
        message = _send(plan, groups, charter)
        if message is None:
            continue
        sent.append((message, plan))
        beneficiary = plan["pass_on"]
        holders = set(message.distribution.values_list("party__code", flat=True))
        if beneficiary and beneficiary != plan["sender"] and beneficiary not in holders and holders:
            asker = sorted(holders)[0]
            request = services.access_request(
                agent=User.objects.get(username=f"{asker}-cp"),
                kind="pass-on",
                message=message,
                beneficiary=beneficiary,
                reason="needed",
            )
            services.access_decide(
                agent=User.objects.get(username=f"{plan['sender']}-cp"),
                request=request,
                grant=True,
            )
    for code in CODES:
        viewer = User.objects.get(username=f"{code}-cp")
        # Expected, computed from the plan, not from the selectors.
        expected = {
            m.pk
            for m, plan in sent
            if plan["sender"] == code
            or Distribution.objects.filter(message=m, party__code=code).exists()
        }
        visible = set(selectors.messages_visible_to(viewer).values_list("pk", flat=True))
        assert visible == expected
        for m, _plan in sent:
            assert selectors.content_visible(viewer, m) == (m.pk in expected)
            if m.pk in expected:
                shown = selectors.distribution_for(viewer, m)
                if m.group and m.group.hidden_membership and m.originator.code != code:
                    # Of a hidden group's members, a recipient sees only itself.
                    group_codes = {p.code for p, via in shown.parties if via == "group"}
                    assert group_codes <= {code}
        # Hits: every vessel number, as this viewer asks.
        results = hits_find(viewer, [{"kind": "vessel", "imo": imo} for imo in IMO])
        for result in results:
            for hit in result.hits:
                assert hit.party != code
                message = Message.objects.get(entities__reference=hit.reference)
                # Found only if findable by all, or already distributed to the viewer.
                assert message.findable or message.pk in expected
                # A hit links to the message only if the viewer may read it.
                assert hit.message_id in (None, message.pk)
                assert (hit.message_id is not None) == (message.pk in expected)
                assert set(vars(hit)) == {
                    "party",
                    "reference",
                    "match",
                    "score",
                    "verdict",
                    "message_id",
                }
    delegate = User.objects.get(username="ru-delegate")
    assert not selectors.messages_visible_to(delegate).exists()
    for m, _plan in sent:
        assert not selectors.content_visible(secretariat, m)
    assert set(selectors.messages_visible_to(secretariat).values_list("pk", flat=True)) == {
        m.pk for m, _plan in sent
    }
