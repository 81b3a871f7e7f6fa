"""Peaceful settlement through the API (POST /api/v1/procedures/{id}/acts, the state on
GET) and on the procedure page (the forms each viewer may use, the refusals naming the
field): a dispute moved to mediation, a third party accepted, a mediator's proposal
answered, arbitration consented to and its award recorded."""

from __future__ import annotations

import pytest

from concord.parties.models import Status
from concord.parties.services import participation_set
from concord.procedures.models import Procedure

pytestmark = pytest.mark.django_db

URL = "/api/v1/procedures"


@pytest.fixture
def helsinki(charters, secretariat, fr, de, party_add):  # type: ignore[no-untyped-def]
    for party in (fr, de):
        participation_set(
            agent=secretariat, party=party, charter=charters["helsinki"], status=Status.PARTY
        )
    party_add("it", charters["helsinki"])
    party_add("at", charters["helsinki"])
    return charters["helsinki"]


def opened(client_as, api_post, **extra):  # type: ignore[no-untyped-def]
    response = api_post(
        client_as("fr-head"),
        URL,
        {
            "charter": "helsinki",
            "mechanism": "dispute-settlement",
            "subject": "Interpretation of a commitment",
            "respondent": "de",
            "invited": ["at"],
            **extra,
        },
    )
    assert response.status_code == 201, response.content
    return response.json()


def error_of(response):  # type: ignore[no-untyped-def]
    first = response.json()["errors"][0]
    return first["field"], first["message"]


def test_through_the_api_mediation_then_arbitration(helsinki, client_as, api_post):  # type: ignore[no-untyped-def]
    bad = api_post(
        client_as("fr-head"),
        URL,
        {
            "charter": "helsinki",
            "mechanism": "dispute-settlement",
            "subject": "x",
            "respondent": "de",
            "means": "arbitration",
        },
    )
    assert bad.status_code == 400
    assert error_of(bad)[0] == "means"
    body = opened(client_as, api_post, means="negotiation")
    assert (body["means"], body["settlement"]["means"]) == ("negotiation", "negotiation")
    assert body["settlement"]["allowed"] == [
        "negotiation",
        "good-offices",
        "mediation",
        "conciliation",
        "arbitration",
    ]
    acts = f"{URL}/{body['id']}/acts"

    missing = api_post(client_as("fr-head"), acts, {"kind": "propose-means"})
    assert (missing.status_code, error_of(missing)[0]) == (400, "means")
    outsider = api_post(client_as("at-head"), acts, {"kind": "propose-means", "means": "mediation"})
    assert (outsider.status_code, error_of(outsider)[0]) == (403, "kind")
    assert "Only the parties to the dispute" in error_of(outsider)[1]
    unseen = api_post(client_as("it-head"), acts, {"kind": "propose-means", "means": "mediation"})
    assert unseen.status_code == 404  # not taking part: the dispute is not found

    offer = api_post(client_as("fr-head"), acts, {"kind": "propose-means", "means": "mediation"})
    assert offer.status_code == 201, offer.content
    offer_id = offer.json()["id"]
    state = client_as("de-delegate").get(f"{URL}/{body['id']}").json()["settlement"]
    assert [(o["id"], o["kind"], o["means"], o["status"]) for o in state["offers"]] == [
        (offer_id, "means", "mediation", "pending")
    ]
    assert [(a["party"], a["answer"]) for a in state["offers"][0]["answers"]] == [
        ("de", None),
        ("fr", "accept"),  # its own proposal
    ]
    unknown = api_post(client_as("de-head"), acts, {"kind": "accept", "proposal": 999999})
    assert (unknown.status_code, error_of(unknown)[0]) == (400, "proposal")
    accepted = api_post(client_as("de-head"), acts, {"kind": "accept", "proposal": offer_id})
    assert accepted.status_code == 201

    no_party = api_post(client_as("de-head"), acts, {"kind": "propose-third-party", "party": "zz"})
    assert (no_party.status_code, error_of(no_party)[0]) == (400, "party")
    nobody = api_post(client_as("de-head"), acts, {"kind": "propose-third-party"})
    assert (nobody.status_code, error_of(nobody)[0]) == (400, "party")
    third = api_post(client_as("de-head"), acts, {"kind": "propose-third-party", "party": "it"})
    assert third.status_code == 201
    assert third.json()["assignee"] == "it"
    early = api_post(client_as("it-head"), acts, {"kind": "contact", "text": "We met."})
    assert early.status_code == 404  # before it is accepted, Italy does not see the dispute
    api_post(client_as("fr-head"), acts, {"kind": "accept", "proposal": third.json()["id"]})
    state = client_as("it-head").get(f"{URL}/{body['id']}").json()["settlement"]
    assert state["third_party"]["party"] == "it"

    empty = api_post(client_as("it-head"), acts, {"kind": "mediation-proposal", "text": ""})
    assert (empty.status_code, error_of(empty)[0]) == (400, "text")
    proposal = api_post(
        client_as("it-head"), acts, {"kind": "mediation-proposal", "text": "A joint survey."}
    )
    assert proposal.status_code == 201
    rejected = api_post(
        client_as("fr-head"),
        acts,
        {"kind": "reject", "proposal": proposal.json()["id"], "text": "No."},
    )
    assert rejected.status_code == 201
    detail = client_as("fr-head").get(f"{URL}/{body['id']}").json()
    assert detail["state"] == "open"
    assert detail["settlement"]["offers"][-1]["status"] == "rejected"
    assert "mediation-rejected" in [t["kind"] for t in detail["timeline"]]

    not_yet = api_post(client_as("secretariat"), acts, {"kind": "award", "text": "Award."})
    assert (not_yet.status_code, error_of(not_yet)[0]) == (400, "kind")
    consent = api_post(
        client_as("de-head"), acts, {"kind": "propose-means", "means": "arbitration"}
    )
    api_post(client_as("fr-head"), acts, {"kind": "accept", "proposal": consent.json()["id"]})
    state = client_as("fr-head").get(f"{URL}/{body['id']}").json()["settlement"]
    assert (state["means"], state["award_status"]) == ("arbitration", "awaited")
    assert state["award_due"] is not None
    assert state["third_party"] is None  # its part ended with mediation
    by_party = api_post(client_as("fr-head"), acts, {"kind": "award", "text": "Award."})
    assert (by_party.status_code, error_of(by_party)[0]) == (403, "kind")
    award = api_post(
        client_as("secretariat"), acts, {"kind": "award", "text": "The tribunal decides ..."}
    )
    assert award.status_code == 201, award.content
    detail = client_as("de-head").get(f"{URL}/{body['id']}").json()
    assert detail["state"] == "closed"
    assert detail["settlement"]["award_status"] == "rendered"
    assert detail["settlement"]["award"]["number"] == 1
    assert detail["settlement"]["award"]["binding"] is True
    assert detail["settlement"]["award"]["act"] == award.json()["act"]


def test_the_secretariat_calls_for_a_decision_through_the_api_only_as_secretariat(  # type: ignore[no-untyped-def]
    helsinki, client_as, api_post
):
    body = opened(client_as, api_post)
    acts = f"{URL}/{body['id']}/acts"
    refused = api_post(client_as("secretariat"), acts, {"kind": "call-decision"})
    assert (refused.status_code, error_of(refused)[0]) == (400, "kind")


# --- the page -----------------------------------------------------------------------------


def test_on_the_page_the_parties_move_to_mediation_and_answer_the_mediator(  # type: ignore[no-untyped-def]
    helsinki, client_as
):
    fr = client_as("fr-head")
    opened_page = fr.post(
        "/procedures/open",
        {
            "mechanism": "helsinki:dispute-settlement",
            "subject": "Interpretation of a commitment",
            "respondent": "de",
            "means": "negotiation",
        },
    )
    assert opened_page.status_code == 302
    dispute = Procedure.objects.get(subject="Interpretation of a commitment")
    assert dispute.means == "negotiation"
    page = f"/procedures/{dispute.pk}"
    html = fr.get(page).content.decode()
    assert 'id="settlement" data-means="negotiation"' in html
    assert 'id="propose-means"' in html
    assert 'id="allowed-means"' in html
    assert 'data-duration="P30D">(30 days)' in html  # the charter's periods, with the means
    assert 'id="propose-means"' not in client_as("secretariat").get(page).content.decode()

    bad = fr.post(f"{page}/acts", {"kind": "propose-means", "means": "war"})
    assert bad.status_code == 400
    assert "<strong>Means of settlement</strong>" in bad.content.decode()
    assert (
        fr.post(f"{page}/acts", {"kind": "propose-means", "means": "mediation"}).status_code == 302
    )
    offer = dispute.offers.get()
    html = client_as("de-head").get(page).content.decode()
    assert f'id="offer-{offer.step_id}" data-kind="means" data-status="pending"' in html
    assert 'class="offer-answer"' in html
    assert 'class="offer-answer"' not in fr.get(page).content.decode()  # its own proposal
    answered = client_as("de-head").post(
        f"{page}/acts", {"kind": "accept", "proposal": offer.step_id, "text": "Agreed."}
    )
    assert answered.status_code == 302
    html = fr.get(page).content.decode()
    assert 'data-means="mediation"' in html
    assert 'id="propose-third-party"' in html
    assert "Means of settlement agreed by every party to the dispute" in html

    fr.post(f"{page}/acts", {"kind": "propose-third-party", "name": "Ms A. Mediator"})
    proposal = dispute.offers.get(kind="third-party")
    client_as("de-head").post(f"{page}/acts", {"kind": "accept", "proposal": proposal.step_id})
    secretariat = client_as("secretariat")
    html = secretariat.get(page).content.decode()
    assert 'id="third-party">Ms A. Mediator<' in html
    assert 'id="mediation-proposal"' in html  # the secretariat acts for a named mediator
    assert 'id="mediation-proposal"' not in fr.get(page).content.decode()
    empty = secretariat.post(f"{page}/acts", {"kind": "mediation-proposal", "text": ""})
    assert empty.status_code == 400
    assert "<strong>Text</strong>" in empty.content.decode()
    secretariat.post(f"{page}/acts", {"kind": "mediation-proposal", "text": "Both withdraw 15 km."})
    html = fr.get(page).content.decode()
    assert "Both withdraw 15 km." in html
    assert "Mediator&#x27;s proposal" in html or "Mediator's proposal" in html
    forbidden = client_as("at-head").post(f"{page}/acts", {"kind": "contact", "text": "Hi."})
    assert forbidden.status_code == 404  # Austria takes no part: not found


def test_on_the_page_arbitration_and_its_award(helsinki, client_as, user):  # type: ignore[no-untyped-def]
    from concord.procedures import services

    dispute = services.procedure_open(
        agent=user("fr-head"),
        charter=helsinki,
        mechanism="dispute-settlement",
        subject="Boundary",
        respondent=user("de-head").party,
        means="negotiation",
    )
    offer = services.settlement_means_propose(
        agent=user("fr-head"), procedure=dispute, means="arbitration"
    )
    services.procedure_step(agent=user("de-head"), procedure=dispute, kind="accept", proposal=offer)
    page = f"/procedures/{dispute.pk}"
    secretariat = client_as("secretariat")
    html = secretariat.get(page).content.decode()
    assert 'id="award" data-status="awaited"' in html
    assert 'id="award-form"' in html
    assert 'id="award-form"' not in client_as("fr-head").get(page).content.decode()
    forbidden = client_as("fr-head").post(f"{page}/acts", {"kind": "award", "text": "Mine."})
    assert forbidden.status_code == 403
    recorded = secretariat.post(f"{page}/acts", {"kind": "award", "text": "The tribunal decides."})
    assert recorded.status_code == 302
    html = client_as("de-head").get(page).content.decode()
    assert 'id="award" data-status="rendered"' in html
    assert "Arbitral award 1" in html
    assert "final and binding on the parties to the dispute" in html
    assert 'data-state="closed"' in html
