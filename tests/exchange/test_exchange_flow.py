"""The exchange through its API and pages: messages with codes and entities reach their
distribution and no one else; the secretariat sees metadata only; the record commits to
the content and a recipient can check it; replies, requests for assistance, passing on
with the originator's consent, sharing groups with hidden membership; and bad input
refused with the field named, storing nothing."""

from __future__ import annotations

import base64
import hashlib
from datetime import timedelta

import pytest

from concord import clock
from concord.exchange.models import AccessRequest, Distribution, Entity, Message
from concord.record.entry import canonical
from concord.record.models import Act, ActType

pytestmark = pytest.mark.django_db

URL = "/api/v1/exchange"
VESSEL = {"kind": "vessel", "imo": "IMO 9074729", "name": "Nordic Star"}
PERSON = {"kind": "person", "names": ["Иван Петрович Сидоров"], "birth_date": "1979-03-14"}


def post(client, path, data):  # type: ignore[no-untyped-def]
    return client.post(path, data, content_type="application/json")


def message(**overrides):  # type: ignore[no-untyped-def]
    data = {
        "charter": "eurasia-2024",
        "channel": "drug-trafficking",
        "subject": "Shipment expected at Aktau",
        "body": "Container MSCU 123 on the Nordic Star.",
        "tlp": "amber",
        "handling": "H2",
        "reliability": "B",
        "accuracy": "2",
        "recipients": ["ru"],
        "entities": [VESSEL, PERSON],
    }
    return data | overrides


def stored():  # type: ignore[no-untyped-def]
    return (Act.objects.count(), Message.objects.count(), Entity.objects.count())


def send(client_as, username="kz-cp", **overrides):  # type: ignore[no-untyped-def]
    response = post(client_as(username), f"{URL}/messages", message(**overrides))
    assert response.status_code == 201, response.json()
    return response.json()


def test_a_message_reaches_its_recipients_and_no_one_else(trio, client_as) -> None:
    sent = send(client_as)
    assert sent["reference"].startswith("MSG-")
    assert sent["to"] == ["ru"]
    assert [e["data"]["imo"] for e in sent["entities"] if e["kind"] == "vessel"] == ["9074729"]

    got = client_as("ru-cp").get(f"{URL}/messages/{sent['id']}").json()
    assert got["subject"] == "Shipment expected at Aktau"
    assert got["handling"] == "H2"
    assert got["evaluation"] == "B2"
    # A party it was not distributed to, and a delegate of the recipient who is not a
    # contact point, get "not found" — the message's existence does not leak.
    assert client_as("cn-cp").get(f"{URL}/messages/{sent['id']}").status_code == 404
    assert client_as("ru-head").get(f"{URL}/messages/{sent['id']}").status_code == 404
    assert client_as("cn-cp").get(f"{URL}/messages").json()["count"] == 0
    assert client_as("ru-cp").get(f"{URL}/messages?box=received").json()["count"] == 1


def test_the_secretariat_sees_that_a_message_exists_never_what_it_says(trio, client_as) -> None:
    sent = send(client_as)
    meta = client_as("secretariat").get(f"{URL}/messages/{sent['id']}").json()
    assert meta["originator"] == "kz"
    assert meta["recipients"] == 1
    assert meta["subject"] is None
    assert meta["entities"] is None
    assert meta["body"] is None
    page = client_as("secretariat").get(f"/exchange/{sent['id']}").content.decode()
    assert "MSG-" in page
    assert "Aktau" not in page
    assert "Nordic" not in page
    listing = client_as("secretariat").get("/exchange/").content.decode()
    assert sent["reference"] in listing
    assert "Aktau" not in listing
    assert client_as("secretariat").get(f"{URL}/messages/{sent['id']}/opening").status_code == 404


def test_the_record_holds_a_commitment_a_recipient_can_check(trio, client_as) -> None:
    sent = send(client_as)
    act = Act.objects.get(seq=sent["act"])
    assert act.type == ActType.EXCHANGE_MESSAGE_SENT
    assert act.restricted
    # The entry carries no content, only the commitment.
    assert b"Aktau" not in bytes(act.entry)
    assert b"Nordic" not in bytes(act.entry)

    opening = client_as("ru-cp").get(f"{URL}/messages/{sent['id']}/opening").json()
    salt = base64.b64decode(opening["salt"])
    recomputed = "sha256:" + hashlib.sha256(salt + canonical(opening["content"])).hexdigest()
    assert recomputed == opening["digest"] == act.digest
    assert opening["content"]["subject"] == "Shipment expected at Aktau"
    page = client_as("ru-cp").get(f"/exchange/{sent['id']}").content.decode()
    assert "matches the record" in page


def test_bad_input_is_refused_naming_the_field_and_nothing_is_stored(trio, client_as) -> None:
    client = client_as("kz-cp")
    before = stored()
    cases = [
        (message(tlp="purple"), "tlp"),
        (message(subject="  "), "subject"),
        (message(handling="H3"), "handling_note"),
        (message(recipients=["xx"]), "recipients"),
        (message(recipients=["kz"]), "recipients"),
        (message(recipients=[]), "recipients"),
        (message(channel="gossip"), "channel"),
        (message(kind="reply"), "in_reply_to"),
        (message(due_at="2000-01-01T00:00:00Z", kind="request"), "due_at"),
        (message(due_at=(clock.now() + timedelta(days=3)).isoformat()), "due_at"),
        (message(entities=[{"kind": "vessel", "imo": "9074728"}]), "entities.0.imo"),
        (message(entities=[VESSEL, {"kind": "spaceship"}]), "entities.1"),
        (message(attachments=[{"name": "x.pdf", "data": "not base64!"}]), "attachments.0.data"),
        (
            message(
                attachments=[{"name": "x.pdf", "data": base64.b64encode(b"MZ\x90\x00").decode()}]
            ),
            "attachments.0",
        ),
        (message(subject="x" * 201), "subject"),
    ]
    for data, field in cases:
        response = post(client, f"{URL}/messages", data)
        assert response.status_code == 400, (field, response.json())
        fields = [e["field"] for e in response.json()["errors"]]
        assert any(f == field or f.startswith(field + ".") for f in fields), (field, fields)
    assert stored() == before


def test_entity_errors_are_all_reported(trio, client_as) -> None:
    response = post(
        client_as("kz-cp"),
        f"{URL}/messages",
        message(
            entities=[
                {"kind": "vessel", "imo": "9074728"},
                {"kind": "bank-account", "iban": "DE89370400440532013001"},
            ]
        ),
    )
    assert response.status_code == 400
    fields = {e["field"] for e in response.json()["errors"]}
    assert {"entities.0.imo", "entities.1.iban"} <= fields


def test_only_contact_points_of_parties_send(trio, client_as) -> None:
    before = stored()
    for username in ("kz-head", "kz-delegate", "secretariat"):
        response = post(client_as(username), f"{URL}/messages", message())
        assert response.status_code == 403, username
    assert post(client_as(None), f"{URL}/messages", message()).status_code == 401
    assert stored() == before


def test_tlp_red_goes_to_named_recipients_only(trio, client_as) -> None:
    group = post(
        client_as("kz-cp"),
        f"{URL}/groups",
        {"charter": "eurasia-2024", "name": "Caspian", "members": ["ru", "cn"]},
    ).json()
    response = post(
        client_as("kz-cp"), f"{URL}/messages", message(tlp="red", recipients=[], group=group["id"])
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "group"


def test_a_hidden_group_shows_its_members_to_its_keeper_only(trio, client_as) -> None:
    group = post(
        client_as("kz-cp"),
        f"{URL}/groups",
        {
            "charter": "eurasia-2024",
            "name": "Caspian",
            "members": ["ru", "cn"],
            "hidden_membership": True,
        },
    ).json()
    assert group["members"] == ["cn", "kz", "ru"]
    seen_by_ru = client_as("ru-cp").get(f"{URL}/groups").json()
    assert seen_by_ru[0]["name"] == "Caspian"
    assert seen_by_ru[0]["members"] is None
    sent = send(client_as, recipients=[], group=group["id"])
    got = client_as("ru-cp").get(f"{URL}/messages/{sent['id']}").json()
    assert got["group"] == "Caspian"
    assert got["to"] == ["ru"]  # itself only: not who else is in the group
    assert client_as("cn-cp").get(f"{URL}/messages/{sent['id']}").status_code == 200
    # The acts' content, which every member may read, names no member.
    act = Act.objects.get(seq=sent["act"])
    assert "cn" not in act.content["to"]
    assert act.content["group"] == "Caspian"
    group_act = Act.objects.filter(type=ActType.EXCHANGE_GROUP_CREATED).get()
    assert group_act.content["members"] is None
    page = client_as("ru-cp").get(f"/exchange/{sent['id']}").content.decode()
    assert "membership hidden" in page


def test_a_request_for_assistance_is_answered_or_overdue(trio, client_as) -> None:
    sent = send(client_as, kind="request")
    assert sent["request_state"] == "open"
    due = sent["due_at"]
    assert due is not None  # the charter's default: 7 days
    clock.travel(clock.now() + timedelta(days=8))
    assert client_as("kz-cp").get(f"{URL}/messages/{sent['id']}").json()["request_state"] == (
        "overdue"
    )
    clock.reset()
    reply = post(
        client_as("ru-cp"),
        f"{URL}/messages",
        {
            "charter": "eurasia-2024",
            "kind": "reply",
            "in_reply_to": sent["id"],
            "subject": "Re: shipment",
            "body": "Vessel searched; nothing found.",
        },
    )
    assert reply.status_code == 201, reply.json()
    assert reply.json()["to"] == ["kz"]
    assert reply.json()["channel"] == "drug-trafficking"
    state = client_as("kz-cp").get(f"{URL}/messages/{sent['id']}").json()["request_state"]
    assert state == "answered"
    # cn never saw the request, so it cannot reply to it.
    response = post(
        client_as("cn-cp"),
        f"{URL}/messages",
        {"charter": "eurasia-2024", "kind": "reply", "in_reply_to": sent["id"], "subject": "x"},
    )
    assert response.status_code == 404


def test_passing_on_needs_the_originators_consent(trio, client_as) -> None:
    sent = send(client_as)
    asked = post(
        client_as("ru-cp"),
        f"{URL}/messages/{sent['id']}/pass-on",
        {"beneficiary": "cn", "reason": "The vessel calls at a Chinese port next."},
    )
    assert asked.status_code == 201, asked.json()
    assert client_as("cn-cp").get(f"{URL}/messages/{sent['id']}").status_code == 404
    # Only the originator decides: ru cannot grant its own request, cn cannot see it.
    request_id = asked.json()["id"]
    decision = f"{URL}/access-requests/{request_id}/decision"
    assert post(client_as("ru-cp"), decision, {"grant": True}).status_code == 400
    assert post(client_as("cn-cp"), decision, {"grant": True}).status_code == 404
    granted = post(client_as("kz-cp"), decision, {"grant": True, "note": "Agreed."})
    assert granted.status_code == 200, granted.json()
    assert granted.json()["state"] == "granted"
    got = client_as("cn-cp").get(f"{URL}/messages/{sent['id']}").json()
    assert got["subject"] == "Shipment expected at Aktau"
    assert Distribution.objects.get(message_id=sent["id"], party__code="cn").via == "passed-on"
    # ru does not learn that cn received it beyond its own request; a decided request
    # cannot be decided again.
    assert post(client_as("kz-cp"), decision, {"grant": False}).status_code == 400
    types = list(Act.objects.order_by("seq").values_list("type", flat=True))[-3:]
    assert types == [
        ActType.EXCHANGE_ACCESS_REQUESTED,
        ActType.EXCHANGE_ACCESS_DECIDED,
        ActType.EXCHANGE_MESSAGE_PASSED_ON,
    ]


def test_a_refused_request_releases_nothing(trio, client_as) -> None:
    sent = send(client_as)
    asked = post(
        client_as("ru-cp"),
        f"{URL}/messages/{sent['id']}/pass-on",
        {"beneficiary": "cn", "reason": "Please."},
    ).json()
    refused = post(
        client_as("kz-cp"),
        f"{URL}/access-requests/{asked['id']}/decision",
        {"grant": False, "note": "Operation ongoing."},
    )
    assert refused.json()["state"] == "refused"
    assert client_as("cn-cp").get(f"{URL}/messages/{sent['id']}").status_code == 404
    assert AccessRequest.objects.get().decision_note == "Operation ongoing."


def test_pass_on_requests_are_checked(trio, client_as) -> None:
    sent = send(client_as)
    path = f"{URL}/messages/{sent['id']}/pass-on"
    own = post(client_as("kz-cp"), path, {"beneficiary": "cn", "reason": "x"})
    assert own.status_code == 400  # the originator distributes its message itself
    assert own.json()["errors"][0]["field"] == "message"
    assert post(client_as("cn-cp"), path, {"beneficiary": "mn", "reason": "x"}).status_code == 404
    assert post(client_as("ru-cp"), path, {"beneficiary": "xx", "reason": "x"}).status_code == 400
    response = post(client_as("ru-cp"), path, {"beneficiary": "cn", "reason": " "})
    assert response.json()["errors"][0]["field"] == "reason"
    assert post(client_as("ru-cp"), path, {"beneficiary": "cn", "reason": "x"}).status_code == 201
    again = post(client_as("ru-cp"), path, {"beneficiary": "cn", "reason": "x"})
    assert again.status_code == 400  # one pending request at a time


def test_attachments_are_type_checked_and_downloadable_by_recipients_only(trio, client_as) -> None:
    pdf = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n%%EOF\n"
    sent = send(
        client_as,
        attachments=[{"name": "manifest.pdf", "data": base64.b64encode(pdf).decode()}],
    )
    attachment = sent["attachments"][0]
    assert attachment["sha256"] == hashlib.sha256(pdf).hexdigest()
    path = f"{URL}/messages/{sent['id']}/attachments/{attachment['id']}"
    got = client_as("ru-cp").get(path)
    assert got.status_code == 200
    assert got.content == pdf
    assert client_as("cn-cp").get(path).status_code == 404
    assert client_as("secretariat").get(path).status_code == 404
    # A PDF named as a picture is refused.
    response = post(
        client_as("kz-cp"),
        f"{URL}/messages",
        message(attachments=[{"name": "photo.png", "data": base64.b64encode(pdf).decode()}]),
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "attachments.0"


def test_an_oversized_attachment_is_refused(trio, client_as, settings) -> None:
    settings.CONCORD_EXCHANGE_ATTACHMENT_MAX_BYTES = 1000
    big = b"%PDF-1.7\n" + b"0" * 2000
    response = post(
        client_as("kz-cp"),
        f"{URL}/messages",
        message(attachments=[{"name": "big.pdf", "data": base64.b64encode(big).decode()}]),
    )
    assert response.status_code == 400
    assert "larger than" in response.json()["detail"]
