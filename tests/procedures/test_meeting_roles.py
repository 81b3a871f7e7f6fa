"""Chair and rapporteur: the secretariat, as convener, assigns them in a conference or
meeting, each assignment an act of the depositary; a new one replaces the holder. The
chair may close the meeting, the chair and the rapporteur may record its outcome. On
the page (a form for the secretariat) and in the API."""

from __future__ import annotations

import pytest

from concord.parties.models import Status
from concord.parties.services import NotPermitted, ServiceError, participation_set
from concord.procedures import services
from concord.procedures.acts import ERR_NOT_TAKING_PART
from concord.procedures.deadlines import ERR_CLOSED
from concord.procedures.meetings import (
    ERR_ASSIGN_AGAIN,
    ERR_ASSIGN_MEETING,
    ERR_ASSIGN_PARTY,
    ERR_ASSIGN_ROLE,
    ERR_ASSIGN_SECRETARIAT,
)
from concord.procedures.models import Role, State
from concord.record.models import Act

pytestmark = pytest.mark.django_db

URL = "/api/v1/procedures"


@pytest.fixture
def helsinki(charters, secretariat, fr, de, party_add):  # type: ignore[no-untyped-def]
    for party in (fr, de):
        participation_set(
            agent=secretariat, party=party, charter=charters["helsinki"], status=Status.PARTY
        )
    party_add("it", charters["helsinki"])
    party_add("es", charters["est-2009"])  # not a participating State of helsinki
    return charters["helsinki"]


@pytest.fixture
def council(helsinki, user):  # type: ignore[no-untyped-def]
    return services.procedure_open(
        agent=user("fr-head"), charter=helsinki, mechanism="conference", subject="Council"
    )


def assign(user, procedure, code, role, as_="secretariat"):  # type: ignore[no-untyped-def]
    return services.procedure_role_assign(
        agent=user(as_), procedure=procedure, party=user(f"{code}-head").party, role=role
    )


def holders(procedure, role):  # type: ignore[no-untyped-def]
    return list(procedure.participants.filter(role=role).values_list("party__code", flat=True))


def test_the_secretariat_assigns_a_chair_and_a_rapporteur(council, user):  # type: ignore[no-untyped-def]
    chair = assign(user, council, "it", Role.CHAIR)
    assert chair.kind == "assign-chair"
    assert chair.assignee.code == "it"
    assert chair.party is None
    act = Act.objects.get(pk=chair.act_id)
    assert act.actor is None  # the depositary's act, by a member of the secretariat
    assert act.agent == user("secretariat")
    assert act.content["role"] == "chair"
    assert act.content["party"] == "it"
    assert act.content["replaces"] is None
    assert not act.restricted  # a meeting of all parties: seen by all
    rapporteur = assign(user, council, "de", Role.RAPPORTEUR)
    assert rapporteur.kind == "assign-rapporteur"
    assert holders(council, Role.CHAIR) == ["it"]
    assert holders(council, Role.RAPPORTEUR) == ["de"]


def test_a_new_assignment_replaces_the_holder_and_is_not_repeated(council, user, stored):  # type: ignore[no-untyped-def]
    assign(user, council, "it", Role.CHAIR)
    again = assign(user, council, "fr", Role.CHAIR)
    assert Act.objects.get(pk=again.act_id).content["replaces"] == "it"
    assert holders(council, Role.CHAIR) == ["fr"]
    # The initiator keeps its own role beside the chair.
    assert set(council.participants.filter(party__code="fr").values_list("role", flat=True)) == {
        Role.INITIATOR,
        Role.CHAIR,
    }
    before = stored()
    with pytest.raises(ServiceError) as err:
        assign(user, council, "fr", Role.CHAIR)
    assert (err.value.field, err.value.message) == ("party", ERR_ASSIGN_AGAIN % {"party": "fr"})
    assert stored() == before


def test_assignments_refused_name_the_reason_and_store_nothing(  # type: ignore[no-untyped-def]
    helsinki, council, user, de, stored
):
    rfe = services.procedure_open(
        agent=user("fr-head"),
        charter=helsinki,
        mechanism="request-for-explanation",
        subject="Unusual activity",
        respondent=de,
    )
    before = stored()
    for as_ in ("fr-head", "it-head", "de-delegate"):
        with pytest.raises(NotPermitted) as denied:
            assign(user, council, "it", Role.CHAIR, as_=as_)
        assert denied.value.message == ERR_ASSIGN_SECRETARIAT
    with pytest.raises(ServiceError) as err:
        assign(user, rfe, "it", Role.CHAIR)
    assert (err.value.field, err.value.message) == ("kind", ERR_ASSIGN_MEETING)
    with pytest.raises(ServiceError) as err:
        assign(user, council, "it", "president")
    assert (err.value.field, err.value.message) == ("role", ERR_ASSIGN_ROLE)
    with pytest.raises(ServiceError) as err:
        assign(user, council, "es", Role.CHAIR)
    assert (err.value.field, err.value.message) == ("party", ERR_ASSIGN_PARTY % {"party": "es"})
    assert stored() == before


def test_the_chair_closes_and_the_rapporteur_records_the_outcome(council, user, act_as, stored):  # type: ignore[no-untyped-def]
    before = stored()
    with pytest.raises(NotPermitted) as denied:
        act_as("it-head", council, "close")
    assert denied.value.message == ERR_NOT_TAKING_PART
    with pytest.raises(NotPermitted):
        act_as("de-head", council, "outcome", "The Council took note.")
    assert stored() == before
    assign(user, council, "de", Role.RAPPORTEUR)
    assign(user, council, "it", Role.CHAIR)
    # The rapporteur records the outcome, which closes the meeting ...
    act_as("de-head", council, "outcome", "The Council took note.")
    council.refresh_from_db()
    assert council.state == State.CLOSED
    # ... after which nobody is assigned any more.
    with pytest.raises(ServiceError) as err:
        assign(user, council, "fr", Role.CHAIR)
    assert err.value.message == ERR_CLOSED


def test_the_chair_closes_the_meeting(helsinki, user, act_as):  # type: ignore[no-untyped-def]
    joint = services.procedure_open(
        agent=user("fr-head"), charter=helsinki, mechanism="joint-meeting", subject="Joint"
    )
    assign(user, joint, "it", Role.CHAIR)
    act_as("it-head", joint, "close", "The meeting is closed.")
    joint.refresh_from_db()
    assert joint.state == State.CLOSED


# --- API and page ---------------------------------------------------------------------


def test_assignments_through_the_api(council, client_as, api_post):  # type: ignore[no-untyped-def]
    path = f"{URL}/{council.pk}/acts"
    denied = api_post(client_as("fr-head"), path, {"kind": "assign-chair", "party": "it"})
    assert denied.status_code == 403
    unknown = api_post(client_as("secretariat"), path, {"kind": "assign-chair", "party": "zz"})
    assert unknown.status_code == 400
    assert unknown.json()["errors"][0]["field"] == "party"
    created = api_post(client_as("secretariat"), path, {"kind": "assign-chair", "party": "it"})
    assert created.status_code == 201, created.content
    assert (created.json()["kind"], created.json()["assignee"]) == ("assign-chair", "it")
    created = api_post(client_as("secretariat"), path, {"kind": "assign-rapporteur", "party": "de"})
    assert created.status_code == 201
    body = client_as("de-delegate").get(f"{URL}/{council.pk}").json()
    roles = {(p["party"], p["role"]) for p in body["participants"]}
    assert {("it", "chair"), ("de", "rapporteur")} <= roles
    kinds = [(t["kind"], t["assignee"]) for t in body["timeline"]]
    assert kinds == [("assign-chair", "it"), ("assign-rapporteur", "de")]


def test_the_secretariat_assigns_on_the_page(council, client_as):  # type: ignore[no-untyped-def]
    page = f"/procedures/{council.pk}"
    assert 'id="assign"' not in client_as("fr-head").get(page).content.decode()
    secretariat = client_as("secretariat")
    html = secretariat.get(page).content.decode()
    assert 'id="assign"' in html
    assert '<option value="es"' not in html  # only parties to the charter are offered
    response = secretariat.post(f"{page}/acts", {"kind": "assign", "role": "chair", "party": "it"})
    assert response.status_code == 302
    bad = secretariat.post(f"{page}/acts", {"kind": "assign", "role": "chair", "party": "zz"})
    assert bad.status_code == 400
    assert "Choose a party." in bad.content.decode()
    forbidden = client_as("fr-head").post(
        f"{page}/acts", {"kind": "assign", "role": "chair", "party": "fr"}
    )
    assert forbidden.status_code == 403
    html = client_as("de-head").get(page).content.decode()
    assert "Chair: Italy" in html
    assert "Chair assigned" in html
