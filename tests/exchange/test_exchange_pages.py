"""The exchange pages: composing with entities (and their errors, named), checking for
hits, the inbox per channel, a message with its hits and thread, deciding requests,
sharing groups; and who may open which page."""

from __future__ import annotations

import pytest

from concord.exchange.models import AccessRequest, Message
from concord.record.models import Act

pytestmark = pytest.mark.django_db


def compose_data(**overrides):  # type: ignore[no-untyped-def]
    data = {
        "charter": "eurasia-2024",
        "channel": "irregular-migration",
        "kind": "request",
        "subject": "Forged passports from one printer",
        "body": "Twelve passports with the same defect.",
        "tlp": "amber",
        "handling": "H1",
        "reliability": "B",
        "accuracy": "2",
        "recipients": ["ru", "cn"],
        "findable": "on",
        "e-0-kind": "person",
        "e-0-names": "Тимур Назаров\nTimur Nazarov",
        "e-0-birth_date": "1986-10-10",
        "e-0-documents": "passport 751234567 RU",
        "e-3-kind": "phone",
        "e-3-number": "+998 90 123 45 67",
    }
    return data | overrides


def test_a_contact_point_composes_a_message_with_entities(trio, client_as) -> None:
    client = client_as("kz-cp")
    page = client.get("/exchange/new")
    assert page.status_code == 200
    assert "Check for hits" in page.content.decode()
    response = client.post("/exchange/new", compose_data())
    assert response.status_code == 302, response.content.decode()[:2000]
    message = Message.objects.get()
    assert message.kind == "request"
    assert message.due_at is not None
    labels = [e.kind for e in message.entities.all()]
    assert labels == ["person", "phone"]
    person = message.entities.get(kind="person")
    assert person.data["names"] == ["Тимур Назаров", "Timur Nazarov"]
    assert person.data["documents"][0]["number"] == "751234567"
    shown = client.get(response["Location"]).content.decode()
    assert "Forged passports from one printer" in shown
    assert "matches the record" in shown


def test_compose_errors_name_the_entity_field_and_keep_the_input(trio, client_as) -> None:
    before = Act.objects.count()
    response = client_as("kz-cp").post(
        "/exchange/new", compose_data(**{"e-3-number": "12", "e-0-birth_date": "2999-01-01"})
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "entities.1.number" in page
    assert "entities.0.birth_date" in page
    assert "Тимур Назаров" in page  # what was entered is still there
    assert Act.objects.count() == before
    assert not Message.objects.exists()


def test_compose_refuses_a_missing_subject_naming_it(trio, client_as) -> None:
    response = client_as("kz-cp").post("/exchange/new", compose_data(subject=""))
    assert response.status_code == 400
    assert "Subject" in response.content.decode()
    assert not Message.objects.exists()


def test_the_hit_check_answers_in_place(trio, client_as) -> None:
    client_as("kz-cp").post("/exchange/new", compose_data())
    fragment = client_as("cn-cp").post(
        "/exchange/hits",
        {"e-0-kind": "person", "e-0-names": "Nazarov Timur", "e-0-birth_date": "1986-10-10"},
        HTTP_HX_REQUEST="true",
    )
    text = fragment.content.decode()
    assert "<html" not in text
    assert "Hit" in text
    assert "kz" in text
    assert "Forged" not in text
    page = (
        client_as("cn-cp")
        .post("/exchange/hits", {"e-0-kind": "vessel", "e-0-imo": "9074729"})
        .content.decode()
    )
    assert "No hit" in page


def test_the_inbox_lists_by_channel_and_the_secretariat_sees_metadata(trio, client_as) -> None:
    client_as("kz-cp").post("/exchange/new", compose_data())
    inbox = client_as("ru-cp").get("/exchange/?channel=irregular-migration").content.decode()
    assert "Forged passports" in inbox
    assert "awaiting reply" in inbox
    other = client_as("ru-cp").get("/exchange/?channel=terrorism").content.decode()
    assert "Forged passports" not in other
    assert "Forged passports" not in client_as("cn-cp").get("/exchange/?box=sent").content.decode()
    secretariat = client_as("secretariat").get("/exchange/").content.decode()
    assert "MSG-" in secretariat
    assert "Forged" not in secretariat
    csv_export = client_as("secretariat").get("/exchange/?export=csv").content.decode()
    assert "Forged" not in csv_export
    assert "kz" in csv_export


def test_members_who_are_not_contact_points_see_no_exchange(trio, client_as) -> None:
    client_as("kz-cp").post("/exchange/new", compose_data())
    message = Message.objects.get()
    page = client_as("ru-head").get("/exchange/").content.decode()
    assert "contact points" in page
    assert "Forged" not in page
    assert client_as("ru-head").get(f"/exchange/{message.pk}").status_code == 404
    assert client_as("cn-delegate").get(f"/exchange/{message.pk}").status_code == 404
    assert client_as(None).get("/exchange/").status_code == 302


def test_the_originator_decides_a_request_on_its_page(trio, client_as) -> None:
    client_as("kz-cp").post("/exchange/new", compose_data(recipients=["ru"]))
    message = Message.objects.get()
    client_as("ru-cp").post(
        f"/exchange/{message.pk}/pass-on", {"beneficiary": "cn", "reason": "Transit via China."}
    )
    page = client_as("kz-cp").get("/exchange/requests").content.decode()
    assert "Transit via China." in page
    request = AccessRequest.objects.get()
    client_as("kz-cp").post(f"/exchange/requests/{request.pk}/decision", {"decision": "grant"})
    request.refresh_from_db()
    assert request.state == "granted"
    assert client_as("cn-cp").get(f"/exchange/{message.pk}").status_code == 200


def test_a_reply_from_the_message_page(trio, client_as) -> None:
    client_as("kz-cp").post("/exchange/new", compose_data(recipients=["ru"]))
    message = Message.objects.get()
    response = client_as("ru-cp").post(
        f"/exchange/{message.pk}/reply", {"subject": "Re: passports", "body": "Printer found."}
    )
    assert response.status_code == 302
    reply = Message.objects.get(kind="reply")
    thread = client_as("kz-cp").get(f"/exchange/{message.pk}").content.decode()
    assert reply.reference in thread
    assert "answered" in thread


def test_sharing_groups_page(trio, client_as) -> None:
    response = client_as("kz-cp").post(
        "/exchange/groups",
        {
            "charter": "eurasia-2024",
            "name": "Central Asia",
            "members": ["ru", "cn"],
            "hidden_membership": "on",
        },
    )
    assert response.status_code == 302
    assert "Central Asia" in client_as("kz-cp").get("/exchange/groups").content.decode()
    member_view = client_as("ru-cp").get("/exchange/groups").content.decode()
    assert "Central Asia" in member_view
    assert "membership hidden" in member_view
    duplicate = client_as("kz-cp").post(
        "/exchange/groups", {"charter": "eurasia-2024", "name": "Central Asia", "members": ["ru"]}
    )
    assert duplicate.status_code == 400
    assert "already has a group" in duplicate.content.decode()


def test_a_decision_without_a_choice_or_by_another_party_changes_nothing(trio, client_as) -> None:
    client_as("kz-cp").post("/exchange/new", compose_data(recipients=["ru"]))
    message = Message.objects.get()
    client_as("ru-cp").post(
        f"/exchange/{message.pk}/pass-on", {"beneficiary": "cn", "reason": "Transit via China."}
    )
    request = AccessRequest.objects.get()
    before = Act.objects.count()
    client_as("kz-cp").post(f"/exchange/requests/{request.pk}/decision", {"decision": "maybe"})
    missing = client_as("cn-cp").post(
        f"/exchange/requests/{request.pk}/decision", {"decision": "grant"}
    )
    assert missing.status_code == 404
    no_reason = client_as("cn-cp").post("/exchange/requests/new", {"reference": "E-1"})
    assert no_reason.status_code == 302
    request.refresh_from_db()
    assert request.state == "pending"
    assert Act.objects.count() == before


def test_an_attachment_downloads_with_a_safe_file_name(trio, client_as) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    pdf = b"%PDF-1.7\n%%EOF\n"
    upload = SimpleUploadedFile('list "a".pdf', pdf, content_type="application/pdf")
    client_as("kz-cp").post("/exchange/new", compose_data(recipients=["ru"], attachments=upload))
    message = Message.objects.get()
    attachment = message.attachments.get()
    got = client_as("ru-cp").get(f"/exchange/{message.pk}/attachments/{attachment.pk}")
    assert got.content == pdf
    assert got["Content-Disposition"].startswith("attachment;")
    assert '"a"' not in got["Content-Disposition"]
    assert got["X-Content-Type-Options"] == "nosniff"
