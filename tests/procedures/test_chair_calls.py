"""Who calls for a decision: where the secretariat has assigned a meeting a chair, only
the chair (or the secretariat) calls for a decision on a draft, and anyone else is
refused with a message naming the chair; without a chair any party present may, as
before. In the services, the API and on the page."""

from __future__ import annotations

import pytest

from concord.parties.services import NotPermitted, ServiceError
from concord.procedures import services
from concord.procedures.meetings import ERR_CALL_MEETING, ERR_CALL_SECRETARIAT, ERR_CHAIR_CALLS
from concord.procedures.models import Decision, Role
from concord.record.models import Act

pytestmark = pytest.mark.django_db

URL = "/api/v1/procedures"


@pytest.fixture
def council(helsinki, user, act_as):  # type: ignore[no-untyped-def]
    """A Permanent Council meeting every participating State attends (its quorum)."""
    council = services.procedure_open(
        agent=user("fr-head"), charter=helsinki, mechanism="conference", subject="Council"
    )
    for code in ("fr", "de", "it"):
        act_as(f"{code}-head", council, "attend")
    return council


def chair_assign(user, procedure, code):  # type: ignore[no-untyped-def]
    return services.procedure_role_assign(
        agent=user("secretariat"),
        procedure=procedure,
        party=user(f"{code}-head").party,
        role=Role.CHAIR,
    )


def test_with_a_chair_only_the_chair_or_the_secretariat_calls_for_a_decision(  # type: ignore[no-untyped-def]
    council, user, act_as, stored
):
    chair_assign(user, council, "it")
    draft = act_as("fr-head", council, "proposal", "The Council welcomes the report.")
    before = stored()
    for username in ("fr-head", "de-head"):
        with pytest.raises(NotPermitted) as denied:
            act_as(username, council, "call-decision", proposal=draft)
        assert (denied.value.field, denied.value.message) == (
            "kind",
            ERR_CHAIR_CALLS % {"chair": "it"},
        )
    assert stored() == before
    called = act_as("it-head", council, "call-decision", proposal=draft)
    assert called.party.code == "it"
    assert Decision.objects.get(proposal=draft).number == 1

    second = act_as("de-head", council, "proposal", "The Council meets again in May.")
    by_secretariat = services.procedure_decision_call(
        agent=user("secretariat"), procedure=council, proposal=second
    )
    assert by_secretariat.party is None
    act = Act.objects.get(pk=by_secretariat.act_id)
    assert (act.actor, act.agent) == (None, user("secretariat"))
    assert Decision.objects.get(proposal=second).number == 2


def test_without_a_chair_any_party_present_calls_as_before(council, user, act_as):  # type: ignore[no-untyped-def]
    draft = act_as("fr-head", council, "proposal", "The Council takes note.")
    act_as("de-head", council, "call-decision", proposal=draft)
    assert Decision.objects.filter(proposal=draft).exists()
    # The secretariat, as convener, may call too.
    second = act_as("fr-head", council, "proposal", "A second text.")
    services.procedure_decision_call(agent=user("secretariat"), procedure=council, proposal=second)
    assert Decision.objects.filter(proposal=second).exists()


def test_the_secretariats_call_is_refused_to_others_and_outside_a_meeting(  # type: ignore[no-untyped-def]
    helsinki, council, user, de, stored
):
    draft = services.procedure_step(
        agent=user("fr-head"), procedure=council, kind="proposal", text="A text."
    )
    before = stored()
    with pytest.raises(NotPermitted) as denied:
        services.procedure_decision_call(agent=user("fr-head"), procedure=council, proposal=draft)
    assert denied.value.message == ERR_CALL_SECRETARIAT
    assert stored() == before
    dispute = services.procedure_open(
        agent=user("fr-head"),
        charter=helsinki,
        mechanism="dispute-settlement",
        subject="x",
        respondent=de,
    )
    before = stored()
    with pytest.raises(ServiceError) as err:
        services.procedure_decision_call(
            agent=user("secretariat"), procedure=dispute, proposal=None
        )
    assert (err.value.field, err.value.message) == ("kind", ERR_CALL_MEETING)
    with pytest.raises(ServiceError) as err:
        services.procedure_decision_call(
            agent=user("secretariat"), procedure=council, proposal=None
        )
    assert err.value.field == "proposal"
    assert stored() == before


def test_through_the_api_the_chair_and_the_secretariat_call(  # type: ignore[no-untyped-def]
    council, user, act_as, client_as, api_post
):
    chair_assign(user, council, "it")
    path = f"{URL}/{council.pk}/acts"
    first = act_as("fr-head", council, "proposal", "First.")
    second = act_as("fr-head", council, "proposal", "Second.")
    denied = api_post(client_as("fr-head"), path, {"kind": "call-decision", "proposal": first.pk})
    assert denied.status_code == 403
    error = denied.json()["errors"][0]
    assert error["field"] == "kind"
    assert "only the chair or the secretariat" in error["message"]
    chair = api_post(client_as("it-head"), path, {"kind": "call-decision", "proposal": first.pk})
    assert chair.status_code == 201, chair.content
    convener = api_post(
        client_as("secretariat"), path, {"kind": "call-decision", "proposal": second.pk}
    )
    assert convener.status_code == 201, convener.content
    assert convener.json()["party"] is None
    drafts = client_as("de-head").get(f"{URL}/{council.pk}").json()["drafts"]
    assert [d["status"] for d in drafts] == ["adopted", "adopted"]


def test_on_the_page_the_call_is_offered_to_the_chair_and_the_secretariat(  # type: ignore[no-untyped-def]
    council, user, act_as, client_as
):
    draft = act_as("fr-head", council, "proposal", "The Council takes note.")
    page = f"/procedures/{council.pk}"
    assert 'class="call-decision"' not in client_as("fr-head").get(page).content.decode()
    chair_assign(user, council, "it")
    assert 'class="call-decision"' in client_as("it-head").get(page).content.decode()
    assert 'class="call-decision"' in client_as("secretariat").get(page).content.decode()
    html = client_as("fr-head").get(page).content.decode()
    assert 'class="call-decision"' not in html
    assert "Only the chair or the secretariat calls for a decision on a draft." in html
    forbidden = client_as("fr-head").post(
        f"{page}/acts", {"kind": "call-decision", "proposal": draft.pk}
    )
    assert forbidden.status_code == 403
    called = client_as("secretariat").post(
        f"{page}/acts", {"kind": "call-decision", "proposal": draft.pk}
    )
    assert called.status_code == 302
    assert Decision.objects.filter(proposal=draft).exists()
