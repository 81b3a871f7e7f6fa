"""The procedures API: opening, reading and taking steps; who sees what (a bilateral
request is the two parties' and the secretariat's, a conference everyone's); adopted
decisions; and input refused with JSON naming the field, storing nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from concord import clock
from concord.parties.models import PartyKind, Role, Status
from concord.parties.services import participation_set, party_register, user_create
from concord.procedures.models import Decision, Procedure, Step
from concord.record.models import Act
from concord.web.worker import worker_pass

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
URL = "/api/v1/procedures"


def post(client, path, data):  # type: ignore[no-untyped-def]
    return client.post(path, data, content_type="application/json")


def stored():  # type: ignore[no-untyped-def]
    return (
        Act.objects.count(),
        Procedure.objects.count(),
        Step.objects.count(),
        Decision.objects.count(),
    )


@pytest.fixture
def helsinki(charters, secretariat, fr, de):  # type: ignore[no-untyped-def]
    for party in (fr, de):
        participation_set(
            agent=secretariat, party=party, charter=charters["helsinki"], status=Status.PARTY
        )
    return charters["helsinki"]


@pytest.fixture
def it(charters, secretariat):  # type: ignore[no-untyped-def]
    """A third party to both charters."""
    party = party_register(agent=secretariat, code="it", kind=PartyKind.STATE)
    for role in (Role.HEAD, Role.DELEGATE):
        user_create(
            agent=secretariat,
            username=f"it-{role}",
            party=party,
            roles=[role],
            password=PASSWORD,
        )
    for code in ("est-2009", "helsinki"):
        participation_set(
            agent=secretariat, party=party, charter=charters[code], status=Status.PARTY
        )
    return party


def open_rfe(client_as, username="fr-delegate"):  # type: ignore[no-untyped-def]
    response = post(
        client_as(username),
        URL,
        {
            "charter": "helsinki",
            "mechanism": "request-for-explanation",
            "subject": "Unusual activity near the border",
            "text": "Please explain.",
            "respondent": "de",
        },
    )
    assert response.status_code == 201, response.content
    return response.json()


def act(client, pk, data):  # type: ignore[no-untyped-def]
    return post(client, f"{URL}/{pk}/acts", data)


def fields(response):  # type: ignore[no-untyped-def]
    body = response.json()
    assert body["detail"]
    return [e["field"] for e in body["errors"]]


# --- opening and reading -----------------------------------------------------------


def test_open_a_request_for_explanation_and_read_it(helsinki, fr, de, client_as):
    body = open_rfe(client_as)
    assert body["id"] == Procedure.objects.get().pk
    assert body["state"] == "awaiting-reply"
    assert body["mechanism"] == "request-for-explanation"
    assert body["kind"] == "request-for-explanation"
    assert body["charter"].split("@")[0] == "helsinki"
    assert body["subject"] == "Unusual activity near the border"
    assert (body["initiator"], body["respondent"]) == ("fr", "de")
    assert body["timeline"] == []
    assert body["decisions"] == []
    assert [(d["name"], d["done"]) for d in body["deadlines"]] == [("reply", False)]
    assert body["deadlines"][0]["due_at"]

    detail = client_as("de-delegate").get(f"{URL}/{body['id']}")
    assert detail.status_code == 200
    got = detail.json()
    for key in ("id", "charter", "mechanism", "kind", "state", "subject", "initiator"):
        assert got[key] == body[key]
    assert {(p["party"], p["role"]) for p in got["participants"]} == {
        ("fr", "initiator"),
        ("de", "respondent"),
    }


VIEWERS = [
    (None, 401, False),
    ("it-head", 404, False),
    ("it-delegate", 404, False),
    ("fr-head", 200, True),
    ("fr-delegate", 200, True),
    ("de-head", 200, True),
    ("de-delegate", 200, True),
    ("secretariat", 200, True),
]


@pytest.mark.parametrize(("viewer", "status", "listed"), VIEWERS)
def test_a_bilateral_request_is_seen_by_its_parties_and_the_secretariat(
    helsinki, fr, de, it, client_as, viewer, status, listed
):
    rfe = open_rfe(client_as)
    client = client_as(viewer)
    assert client.get(f"{URL}/{rfe['id']}").status_code == status
    listing = client.get(URL)
    if viewer is None:
        assert listing.status_code == 401
        assert client.get("/api/v1/decisions").status_code == 401
        return
    assert listing.status_code == 200
    ids = [p["id"] for p in listing.json()["items"]]
    assert (rfe["id"] in ids) is listed
    assert listing.json()["count"] == len(ids)
    # Its acts in the record are theirs too.
    seq = Procedure.objects.get().act_id
    assert client.get(f"/api/v1/acts/{seq}").status_code == (200 if listed else 404)


def test_a_party_not_concerned_takes_no_step_and_is_told_nothing(helsinki, fr, de, it, client_as):
    rfe = open_rfe(client_as)
    before = stored()
    response = act(client_as("it-head"), rfe["id"], {"kind": "statement", "text": "Ours."})
    assert response.status_code == 404
    response = act(client_as("it-head"), rfe["id"], {"kind": "reply", "text": "Ours."})
    assert response.status_code == 404
    # Nor escalates it, naming it as parent.
    response = post(
        client_as("it-head"),
        URL,
        {
            "charter": "helsinki",
            "mechanism": "joint-meeting",
            "subject": "Not ours",
            "parent": rfe["id"],
        },
    )
    assert response.status_code in (400, 404)
    assert stored() == before
    assert client_as("fr-head").get(f"{URL}/{rfe['id']}").json()["state"] == "awaiting-reply"


def test_only_the_respondent_replies_403(helsinki, fr, de, client_as):
    rfe = open_rfe(client_as)
    before = stored()
    response = act(client_as("fr-head"), rfe["id"], {"kind": "reply", "text": "For de."})
    assert response.status_code == 403
    assert response.json()["detail"]
    # The secretariat sees the request but takes no step in it.
    response = act(client_as("secretariat"), rfe["id"], {"kind": "reply", "text": "For de."})
    assert response.status_code == 403
    assert stored() == before


def test_steps_through_the_api(helsinki, fr, de, it, client_as):
    rfe = open_rfe(client_as)
    response = act(client_as("de-delegate"), rfe["id"], {"kind": "reply", "text": "An exercise."})
    assert response.status_code == 201, response.content
    reply = response.json()
    assert reply["kind"] == "reply"
    assert reply["party"] == "de"
    assert reply["text"] == "An exercise."
    assert reply["proposal"] is None
    assert reply["at"]
    assert reply["act"] == Step.objects.get(pk=reply["id"]).act_id

    detail = client_as("fr-head").get(f"{URL}/{rfe['id']}").json()
    assert detail["state"] == "replied"
    assert [(t["kind"], t["party"], t["text"]) for t in detail["timeline"]] == [
        ("reply", "de", "An exercise.")
    ]
    assert detail["timeline"][0]["act"] == reply["act"]
    assert [(d["name"], d["done"]) for d in detail["deadlines"]] == [("reply", True)]
    # The reply's act is the two parties', not it's.
    assert client_as("fr-delegate").get(f"/api/v1/acts/{reply['act']}").status_code == 200
    assert client_as("it-head").get(f"/api/v1/acts/{reply['act']}").status_code == 404

    meeting = act(client_as("fr-delegate"), rfe["id"], {"kind": "request-meeting"})
    assert meeting.status_code == 201
    joint = post(
        client_as("fr-delegate"),
        URL,
        {
            "charter": "helsinki",
            "mechanism": "joint-meeting",
            "subject": "Joint meeting",
            "parent": rfe["id"],
        },
    )
    assert joint.status_code == 201, joint.content
    assert joint.json()["state"] == "convened"
    assert joint.json()["parent"] == rfe["id"]
    assert client_as("fr-head").get(f"{URL}/{rfe['id']}").json()["state"] == "closed"
    # The joint meeting is every participating State's.
    assert client_as("it-delegate").get(f"{URL}/{joint.json()['id']}").status_code == 200
    closed = act(client_as("de-head"), rfe["id"], {"kind": "statement", "text": "Late."})
    assert closed.status_code == 400
    assert fields(closed) == ["kind"]


def test_overdue_is_shown_before_the_worker_runs(helsinki, fr, de, client_as):
    rfe = open_rfe(client_as)
    clock.advance(timedelta(hours=48, seconds=1))
    detail = client_as("de-head").get(f"{URL}/{rfe['id']}").json()
    assert detail["state"] == "overdue"
    assert detail["timeline"] == []
    worker_pass()
    detail = client_as("de-head").get(f"{URL}/{rfe['id']}").json()
    assert detail["state"] == "overdue"
    assert [t["kind"] for t in detail["timeline"]] == ["deadline"]
    assert detail["timeline"][0]["party"] is None
    assert [(d["name"], d["done"]) for d in detail["deadlines"]] == [("reply", True)]


# --- conferences and decisions --------------------------------------------------------


def test_consultations_are_private_and_a_conference_is_everyones(fr, de, it, client_as):
    cons = post(
        client_as("fr-head"),
        URL,
        {
            "charter": "est-2009",
            "mechanism": "consultations",
            "subject": "A threat",
            "invited": ["de"],
        },
    )
    assert cons.status_code == 201, cons.content
    cons_id = cons.json()["id"]
    assert client_as("it-head").get(f"{URL}/{cons_id}").status_code == 404
    assert client_as("de-delegate").get(f"{URL}/{cons_id}").status_code == 200
    conf = post(
        client_as("de-delegate"),
        URL,
        {
            "charter": "est-2009",
            "mechanism": "conference",
            "subject": "Conference",
            "parent": cons_id,
        },
    )
    assert conf.status_code == 201, conf.content
    conf_id = conf.json()["id"]
    assert conf.json()["state"] == "convened"
    assert conf.json()["quorum"] == {"present": 0, "needed": 2, "of": 3}
    for viewer in ("it-head", "it-delegate", "fr-delegate", "secretariat"):
        assert client_as(viewer).get(f"{URL}/{conf_id}").status_code == 200
    ids = [p["id"] for p in client_as("it-delegate").get(URL).json()["items"]]
    assert ids == [conf_id]
    assert act(client_as("it-delegate"), conf_id, {"kind": "attend"}).status_code == 201


def test_a_conference_decides_and_the_decision_is_published(fr, de, it, client_as):
    cons = post(
        client_as("fr-head"),
        URL,
        {"charter": "est-2009", "mechanism": "consultations", "subject": "x", "invited": ["de"]},
    ).json()
    conf = post(
        client_as("fr-head"),
        URL,
        {"charter": "est-2009", "mechanism": "conference", "subject": "y", "parent": cons["id"]},
    ).json()
    draft = act(client_as("fr-delegate"), conf["id"], {"kind": "proposal", "text": "Decided."})
    assert draft.status_code == 201
    draft_id = draft.json()["id"]
    call = {"kind": "call-decision", "proposal": draft_id}
    quorum = act(client_as("fr-head"), conf["id"], call)
    assert quorum.status_code == 400
    assert fields(quorum) == ["quorum"]
    note = act(
        client_as("it-delegate"),
        conf["id"],
        {
            "kind": "statement",
            "text": "We read it so.",
            "proposal": draft_id,
            "interpretative": True,
        },
    )
    assert note.status_code == 201
    assert note.json()["proposal"] == draft_id
    assert act(client_as("fr-delegate"), conf["id"], call).status_code == 403  # decide: head
    assert act(client_as("fr-head"), conf["id"], call).status_code == 201

    detail = client_as("de-delegate").get(f"{URL}/{conf['id']}").json()
    assert [(d["number"], d["text"]) for d in detail["decisions"]] == [(1, "Decided.")]
    assert detail["decisions"][0]["rule"] == "consensus"
    assert "decision" in [t["kind"] for t in detail["timeline"]]
    assert detail["quorum"] == {"present": 2, "needed": 2, "of": 3}

    for viewer in ("it-delegate", "secretariat"):
        listing = client_as(viewer).get("/api/v1/decisions")
        assert listing.status_code == 200
        assert listing.json()["count"] == 1
        (decision,) = listing.json()["items"]
        assert decision["number"] == 1
        assert decision["text"] == "Decided."
        assert decision["charter"] == "est-2009"
        assert decision["procedure"] == conf["id"]
        assert client_as(viewer).get(f"/api/v1/acts/{decision['act']}").status_code == 200
    assert client_as("it-head").get("/api/v1/decisions?charter=helsinki").json()["count"] == 0
    assert client_as("it-head").get("/api/v1/decisions?charter=est-2009").json()["count"] == 1


def test_an_objection_blocks_and_silence_adopts(helsinki, fr, de, client_as):
    council = post(
        client_as("fr-head"),
        URL,
        {"charter": "helsinki", "mechanism": "conference", "subject": "Council"},
    ).json()
    draft = act(client_as("fr-delegate"), council["id"], {"kind": "proposal", "text": "A."}).json()
    objection = {"kind": "objection", "text": "No.", "proposal": draft["id"]}
    assert act(client_as("de-delegate"), council["id"], objection).status_code == 403
    assert act(client_as("de-head"), council["id"], objection).status_code == 201
    call = {"kind": "call-decision", "proposal": draft["id"]}
    assert act(client_as("fr-head"), council["id"], call).status_code == 201
    assert client_as("fr-head").get("/api/v1/decisions").json()["count"] == 0

    silence = post(
        client_as("fr-head"),
        URL,
        {"charter": "helsinki", "mechanism": "silence-procedure", "subject": "Under silence"},
    ).json()
    draft = act(client_as("fr-delegate"), silence["id"], {"kind": "proposal", "text": "B."}).json()
    deadlines = client_as("de-head").get(f"{URL}/{silence['id']}").json()["deadlines"]
    assert [d["done"] for d in deadlines] == [False]
    clock.advance(timedelta(days=3, seconds=1))
    late = act(
        client_as("de-head"),
        silence["id"],
        {"kind": "break-silence", "text": "Late.", "proposal": draft["id"]},
    )
    assert late.status_code == 400
    assert fields(late) == ["proposal"]
    worker_pass()
    items = client_as("de-delegate").get("/api/v1/decisions").json()["items"]
    assert [(d["text"], d["rule"]) for d in items] == [("B.", "silence")]


# --- lists ---------------------------------------------------------------------------


def test_the_list_is_paginated_and_filters_open_ones(helsinki, fr, de, client_as):
    first = open_rfe(client_as)
    second = open_rfe(client_as)
    third = post(
        client_as("fr-head"),
        URL,
        {
            "charter": "helsinki",
            "mechanism": "dispute-settlement",
            "subject": "z",
            "respondent": "de",
        },
    ).json()
    act(client_as("fr-head"), third["id"], {"kind": "close"})
    page = client_as("de-head").get(f"{URL}?limit=2").json()
    assert page["count"] == 3
    assert len(page["items"]) == 2
    rest = client_as("de-head").get(f"{URL}?limit=2&offset=2").json()
    assert len(rest["items"]) == 1
    everything = {p["id"] for p in page["items"] + rest["items"]}
    assert everything == {first["id"], second["id"], third["id"]}
    still_open = client_as("de-head").get(f"{URL}?open=true").json()
    assert {p["id"] for p in still_open["items"]} == {first["id"], second["id"]}
    assert still_open["count"] == 2
    item = still_open["items"][0]
    assert item["next_deadline"]["name"] == "reply"


# --- bad input -------------------------------------------------------------------------


RFE = {
    "charter": "helsinki",
    "mechanism": "request-for-explanation",
    "subject": "S",
    "respondent": "de",
}
REMOVE = object()

OPEN_CASES = [
    ({"charter": REMOVE}, "charter"),
    ({"mechanism": REMOVE}, "mechanism"),
    ({"mechanism": "nope"}, "mechanism"),
    ({"mechanism": "inspection"}, "mechanism"),
    ({"subject": REMOVE}, "subject"),
    ({"subject": ""}, "subject"),
    ({"subject": "   "}, "subject"),
    ({"subject": "x" * 301}, "subject"),
    ({"text": "x" * 20001}, "text"),
    ({"text": 5}, "text"),
    ({"respondent": REMOVE}, "respondent"),
    ({"respondent": "zz"}, "respondent"),
    ({"respondent": "fr"}, "respondent"),
    ({"respondent": "it"}, "respondent"),  # not a participating State of helsinki
    ({"mechanism": "consultations", "respondent": REMOVE}, "invited"),
    ({"mechanism": "consultations", "respondent": REMOVE, "invited": ["zz"]}, "invited"),
    ({"mechanism": "consultations", "respondent": REMOVE, "invited": ["it"]}, "invited"),
    ({"mechanism": "consultations", "respondent": REMOVE, "invited": "de"}, "invited"),
    ({"parent": "first"}, "parent"),
    ({"charter": "est-2009", "mechanism": "conference", "respondent": REMOVE}, "parent"),
]


@pytest.mark.parametrize(("change", "field"), OPEN_CASES)
def test_bad_openings_name_the_field_and_store_nothing(
    helsinki, fr, de, secretariat, client_as, change, field
):
    # A party to est-2009 only.
    party_register(agent=secretariat, code="it", kind=PartyKind.STATE)
    data = {k: v for k, v in {**RFE, **change}.items() if v is not REMOVE}
    before = stored()
    response = post(client_as("fr-head"), URL, data)
    assert response.status_code == 400, response.content
    assert field in fields(response)
    assert stored() == before


def test_unknown_charter_and_parent_are_not_found(helsinki, fr, de, client_as):
    before = stored()
    assert post(client_as("fr-head"), URL, {**RFE, "charter": "nope"}).status_code == 404
    response = post(
        client_as("fr-head"),
        URL,
        {"charter": "helsinki", "mechanism": "joint-meeting", "subject": "S", "parent": 999999},
    )
    assert response.status_code in (400, 404)
    assert stored() == before


def test_the_secretariat_opens_no_procedure(helsinki, fr, de, client_as):
    before = stored()
    response = post(client_as("secretariat"), URL, RFE)
    assert response.status_code == 403
    assert stored() == before


@pytest.fixture
def two_conferences(helsinki, fr, de, client_as):  # type: ignore[no-untyped-def]
    ids = []
    for subject in ("One", "Two"):
        body = post(
            client_as("fr-head"),
            URL,
            {"charter": "helsinki", "mechanism": "conference", "subject": subject},
        ).json()
        draft = act(client_as("fr-delegate"), body["id"], {"kind": "proposal", "text": subject})
        ids.append((body["id"], draft.json()["id"]))
    return ids


STEP_CASES = [
    ({"text": "x"}, "kind"),
    ({"kind": "nope"}, "kind"),
    ({"kind": ""}, "kind"),
    ({"kind": "x" * 31}, "kind"),
    ({"kind": "statement", "text": "x" * 20001}, "text"),
    ({"kind": "statement", "text": ""}, "text"),
    ({"kind": "amendment", "text": "A'"}, "proposal"),
    ({"kind": "amendment", "text": "A'", "proposal": 999999}, "proposal"),
    ({"kind": "amendment", "text": "A'", "proposal": "other"}, "proposal"),
    ({"kind": "amendment", "text": "A'", "proposal": "abc"}, "proposal"),
    ({"kind": "statement", "text": "So.", "interpretative": True}, "proposal"),
    ({"kind": "statement", "text": "So.", "interpretative": "perhaps"}, "interpretative"),
]


@pytest.mark.parametrize(("data", "field"), STEP_CASES)
def test_bad_steps_name_the_field_and_store_nothing(two_conferences, client_as, data, field):
    (one, _draft_one), (_two, draft_two) = two_conferences
    if data.get("proposal") == "other":
        data = {**data, "proposal": draft_two}  # a draft of the other conference
    before = stored()
    response = act(client_as("de-head"), one, data)
    assert response.status_code == 400, response.content
    assert field in fields(response)
    assert stored() == before


def test_steps_on_unknown_procedures_are_not_found(helsinki, fr, de, client_as):
    response = act(client_as("fr-head"), 999999, {"kind": "statement", "text": "x"})
    assert response.status_code == 404
    assert client_as("fr-head").get(f"{URL}/999999").status_code == 404
    assert client_as("fr-head").get(f"{URL}/abc").status_code in (400, 404)


# --- authentication -------------------------------------------------------------------


def test_a_token_acts_for_its_owner_party(helsinki, fr, de, client_as, user):
    from django.test import Client

    from concord.parties.services import token_create

    rfe = open_rfe(client_as)
    _token, raw = token_create(agent=user("de-head"), user=user("de-head"), name="ci")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    response = Client().post(
        f"{URL}/{rfe['id']}/acts",
        {"kind": "reply", "text": "By token."},
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 201, response.content
    assert response.json()["party"] == "de"
    bad = Client().get(URL, HTTP_AUTHORIZATION="Bearer cnc_nothing_here")
    assert bad.status_code == 401


def test_session_writes_need_the_csrf_token(helsinki, fr, de, user):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(user("fr-head"))
    before = stored()
    response = client.post(URL, RFE, content_type="application/json")
    assert response.status_code in (401, 403)
    assert stored() == before
