"""Submitting, delivering, acknowledging and correcting notifications; who sees what;
bad input refused with the field named and nothing stored."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError

from concord import clock
from concord.notifications.models import Notification, Receipt, Reminder, State
from concord.parties import services as psvc
from concord.parties.models import Status
from concord.record.models import Act, ActType
from concord.web.worker import worker_pass

pytestmark = pytest.mark.django_db


def prior(**overrides):  # type: ignore[no-untyped-def]
    start = clock.now().date() + timedelta(days=60)
    data = {
        "start": start.isoformat(),
        "end": (start + timedelta(days=7)).isoformat(),
        "area": {"name": "Northern training area", "lat": 61.5, "lon": 24.1},
        "kind": "field-training",
        "troops": 9500,
        "battle_tanks": 40,
        "acv": 120,
        "artillery": 30,
        "units": ["FR-101", "FR-102"],
    }
    data.update(overrides)
    return data


@pytest.fixture
def helsinki(charters, fr, de, secretariat):  # type: ignore[no-untyped-def]
    for party in (fr, de):
        psvc.participation_set(
            agent=secretariat, party=party, charter=charters["helsinki"], status=Status.PARTY
        )
    cn = psvc.party_register(agent=secretariat, code="cn", kind="state")
    psvc.user_create(
        agent=secretariat, username="cn-head", party=cn, roles=["head"], password="x" * 20
    )
    return charters["helsinki"]


def post(c, data):  # type: ignore[no-untyped-def]
    return c.post("/api/v1/notifications", data, content_type="application/json")


def test_submission_is_delivered_and_acknowledged(helsinki, client_as):
    response = post(
        client_as("fr-delegate"),
        {"charter": "helsinki", "form": "prior-notification", "data": prior()},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    n = Notification.objects.get(pk=body["id"])
    assert n.state == State.SUBMITTED
    assert n.act.type == ActType.NOTIFICATION_SUBMITTED
    assert n.act.actor.code == "fr"
    assert [r.party.code for r in n.receipts.all()] == ["de"]
    assert Act.objects.filter(type=ActType.NOTIFICATION_DELIVERED, refs=[n.act_id]).exists()
    ack = client_as("de-head").post(f"/api/v1/notifications/{n.pk}/acknowledge")
    assert ack.status_code == 200
    assert ack.json()["acknowledged_by"] == "de-head"
    again = client_as("de-delegate").post(f"/api/v1/notifications/{n.pk}/acknowledge")
    assert again.status_code == 400
    seen = client_as("fr-head").get(f"/api/v1/notifications/{n.pk}").json()
    assert seen["receipts"][0]["acknowledged_by"] == "de-head"
    page = client_as("fr-head").get(f"/notifications/{n.pk}").content.decode()
    assert "1 of 1 parties have acknowledged receipt." in page


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (
            {"charter": "helsinki", "form": "prior-notification", "data": prior(start=None)},
            "data.start",
        ),
        (
            {"charter": "helsinki", "form": "prior-notification", "data": prior(troops=-5)},
            "data.troops",
        ),
        (
            {"charter": "helsinki", "form": "prior-notification", "data": prior(troops="many")},
            "data.troops",
        ),
        (
            {"charter": "helsinki", "form": "prior-notification", "data": prior(kind="parade")},
            "data.kind",
        ),
        (
            {
                "charter": "helsinki",
                "form": "prior-notification",
                "data": prior(start="31/12/2026"),
            },
            "data.start",
        ),
        ({"charter": "helsinki", "form": "no-such-form", "data": {}}, "form"),
        ({"charter": "helsinki", "form": "prior-notification"}, "data"),
        (
            {
                "charter": "helsinki",
                "form": "prior-notification",
                "data": prior(area={"name": "x" * 5000}),
            },
            "data.area.name",
        ),
    ],
)
def test_bad_submissions_name_the_field_and_store_nothing(helsinki, client_as, data, field):
    if (
        isinstance(data.get("data"), dict)
        and data["data"].get("start") is None
        and "start" in data["data"]
    ):
        del data["data"]["start"]
    before = (Notification.objects.count(), Act.objects.count())
    response = post(client_as("fr-delegate"), data)
    assert response.status_code == 400, response.content
    fields = [e["field"] for e in response.json()["errors"]]
    assert any(f == field or f.startswith(field) for f in fields), fields
    assert (Notification.objects.count(), Act.objects.count()) == before


def test_oversized_data_is_refused(helsinki, client_as):
    response = post(
        client_as("fr-delegate"),
        {
            "charter": "helsinki",
            "form": "prior-notification",
            "data": prior(purpose="x" * (1100 * 1024)),
        },
    )
    assert response.status_code in (400, 413)
    assert not Notification.objects.exists()


@pytest.mark.parametrize(
    ("user", "status"), [("secretariat", 403), ("cn-head", 403), ("fr-delegate", 201)]
)
def test_only_a_party_with_a_notifying_role_submits(helsinki, client_as, user, status):
    response = post(
        client_as(user), {"charter": "helsinki", "form": "prior-notification", "data": prior()}
    )
    assert response.status_code == status


def test_correction_supersedes_and_keeps_the_old_version(helsinki, client_as):
    first = post(
        client_as("fr-delegate"),
        {"charter": "helsinki", "form": "prior-notification", "data": prior()},
    ).json()
    corrected = post(
        client_as("fr-delegate"),
        {
            "charter": "helsinki",
            "form": "prior-notification",
            "data": prior(troops=9800),
            "supersedes": first["id"],
        },
    )
    assert corrected.status_code == 201
    body = corrected.json()
    assert body["supersedes"] == first["number"]
    old = Notification.objects.get(pk=first["id"])
    assert old.state == State.SUPERSEDED
    new = Notification.objects.get(pk=body["id"])
    assert new.act.refs == [old.act_id]
    assert new.first_submitted_at == old.submitted_at
    twice = post(
        client_as("fr-delegate"),
        {
            "charter": "helsinki",
            "form": "prior-notification",
            "data": prior(),
            "supersedes": first["id"],
        },
    )
    assert twice.status_code == 400
    other = post(
        client_as("de-delegate"),
        {
            "charter": "helsinki",
            "form": "prior-notification",
            "data": prior(),
            "supersedes": body["id"],
        },
    )
    assert other.status_code == 403
    page = client_as("de-head").get(f"/notifications/{new.pk}").content.decode()
    assert old.number in page


@pytest.mark.parametrize(
    ("viewer", "status"),
    [(None, 302), ("cn-head", 404), ("de-delegate", 200), ("fr-head", 200), ("secretariat", 200)],
)
def test_notification_visibility(helsinki, client_as, viewer, status):
    n = post(
        client_as("fr-delegate"),
        {"charter": "helsinki", "form": "prior-notification", "data": prior()},
    ).json()
    assert client_as(viewer).get(f"/notifications/{n['id']}").status_code == status
    if viewer:
        api = client_as(viewer).get(f"/api/v1/notifications/{n['id']}")
        assert api.status_code == (404 if status == 404 else 200)
        listed = client_as(viewer).get("/api/v1/notifications").json()["items"]
        assert (n["id"] in [i["id"] for i in listed]) is (status == 200)


def test_drafts_are_seen_by_their_party_only(helsinki, client_as):
    r = post(
        client_as("fr-delegate"),
        {"charter": "helsinki", "form": "prior-notification", "data": {"troops": 5}, "draft": True},
    )
    assert r.status_code == 201
    draft = Notification.objects.get(state=State.DRAFT)
    assert not Act.objects.filter(type=ActType.NOTIFICATION_SUBMITTED).exists()
    url = f"/notifications/new/helsinki/prior-notification?draft={draft.pk}"
    assert client_as("fr-head").get(url).status_code == 200
    assert client_as("de-head").get(url).status_code == 404
    assert client_as("secretariat").get(url).status_code == 404
    assert client_as("de-head").get(f"/notifications/{draft.pk}").status_code == 404


def test_web_form_submission_with_errors_then_success(helsinki, client_as):
    c = client_as("fr-delegate")
    page = c.get("/notifications/new/helsinki/prior-notification")
    assert page.status_code == 200
    data = prior()
    form = {
        "start": data["start"],
        "end": data["end"],
        "area.name": "Northern training area",
        "area.lat": "61.5",
        "area.lon": "24.1",
        "kind": "field-training",
        "troops": "lots",
        "battle_tanks": "40",
        "acv": "120",
        "artillery": "30",
        "units.0": "FR-101",
        "submit": "1",
    }
    bad = c.post("/notifications/new/helsinki/prior-notification", form)
    assert bad.status_code == 400
    assert "Nothing was submitted" in bad.content.decode()
    assert not Notification.objects.exists()
    form["troops"] = "9500"
    good = c.post("/notifications/new/helsinki/prior-notification", form)
    assert good.status_code == 302, good.content.decode()[:2000]
    n = Notification.objects.get()
    assert n.data["troops"] == 9500
    assert good["Location"] == f"/notifications/{n.pk}"


def test_bulk_annual_exchange_from_the_csv_template(helsinki, client_as):
    c = client_as("fr-delegate")
    template = c.get("/notifications/templates/helsinki/annual-exchange.csv")
    assert template.status_code == 200
    header = template.content.decode("utf-8-sig").splitlines()[0].split(",")
    assert "location.lat" in header
    row = {
        "name": "1st Brigade",
        "designation": "FR-101",
        "command": "North",
        "location.name": "Garrison",
        "location.lat": "48.1",
        "location.lon": "2.3",
        "personnel": "4000",
        "equipment.battle_tanks": "40",
        "equipment.acv": "100",
        "equipment.artillery": "30",
        "equipment.combat_aircraft": "0",
        "equipment.helicopters": "0",
    }
    line = ",".join(row.get(h, "") for h in header)
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("units.csv", (",".join(header) + "\n" + line + "\n").encode())
    response = c.post(
        "/notifications/new/helsinki/annual-exchange",
        {
            "year": str(clock.now().year + 1),
            "valid_as_of": f"{clock.now().year + 1}-01-01",
            "bulk": upload,
            "submit": "1",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    n = Notification.objects.get(form="annual-exchange")
    assert n.data["units"][0]["location"]["lat"] == 48.1
    bad = SimpleUploadedFile("units.txt", b"hello")
    response = c.post("/notifications/new/helsinki/annual-exchange", {"bulk": bad, "submit": "1"})
    assert response.status_code == 400
    assert "Upload a .csv or .xlsx file" in response.content.decode()
    xlsx = c.get("/notifications/templates/helsinki/annual-exchange.xlsx")
    assert xlsx.content.startswith(b"PK")


def test_late_notification_is_a_compliance_finding(helsinki, client_as):
    clock.advance(timedelta(days=60))  # long a party when the deadline passed
    soon = clock.now().date() + timedelta(days=10)
    r = post(
        client_as("fr-delegate"),
        {
            "charter": "helsinki",
            "form": "prior-notification",
            "data": prior(start=soon.isoformat(), end=(soon + timedelta(days=3)).isoformat()),
        },
    )
    assert r.json()["late"] is True
    findings = (
        client_as("de-head").get(f"/api/v1/compliance?charter=helsinki&year={soon.year}").json()
    )
    late = [f for f in findings if f["kind"] == "late" and f["party"] == "fr"]
    assert late
    assert late[0]["acts"] == [r.json()["act"]]
    assert late[0]["clause"]["id"]
    page = client_as("de-head").get(
        f"/notifications/compliance?charter=helsinki&year={soon.year}&party=fr"
    )
    assert page.status_code == 200
    assert "late" in page.content.decode()
    assert (
        client_as("de-head").get("/api/v1/compliance?charter=helsinki&year=99999").status_code
        == 400
    )


def test_calendar_and_ical_feed(helsinki, client_as, client, user):
    n = post(
        client_as("fr-delegate"),
        {"charter": "helsinki", "form": "prior-notification", "data": prior()},
    ).json()
    year = date.fromisoformat(prior()["start"]).year
    page = client_as("de-head").get(f"/notifications/calendar?year={year}").content.decode()
    assert n["number"] in page
    assert client.get("/notifications/calendar.ics").status_code == 401
    token = psvc.token_create(agent=user("de-head"), user=user("de-head"), name="calendar")[1]
    ics = client.get(f"/notifications/calendar.ics?token={token}")
    assert ics.status_code == 200
    assert b"BEGIN:VEVENT" in ics.content
    assert n["number"].encode() in ics.content
    other = psvc.token_create(agent=user("cn-head"), user=user("cn-head"), name="calendar")[1]
    assert (
        n["number"].encode() not in client.get(f"/notifications/calendar.ics?token={other}").content
    )
    # The feed is in the member's language: calendar programs send none.
    reader = user("de-head")
    reader.language = "fr"
    reader.save()
    feed = client.get(f"/notifications/calendar.ics?token={token}").content.decode()
    unfolded = feed.replace("\r\n ", "")
    assert "DE : Exercice" not in unfolded  # fr notified, not de
    assert "FR : Exercice sur le terrain (9500 militaires)" in unfolded
    assert "field-training" not in unfolded


def test_command_line_submission(helsinki, tmp_path, capsys):
    path = tmp_path / "n.json"
    path.write_text(
        json.dumps({"charter": "helsinki", "form": "prior-notification", "data": prior()})
    )
    call_command("notify", "submit", str(path), "--as", "fr-delegate")
    assert "submitted HELSINKI-" in capsys.readouterr().out
    path.write_text(
        json.dumps({"charter": "helsinki", "form": "prior-notification", "data": prior(troops=-1)})
    )
    with pytest.raises(CommandError, match="nothing stored"):
        call_command("notify", "submit", str(path), "--as", "fr-delegate")
    path.write_text("{not json")
    with pytest.raises(CommandError, match="not valid JSON"):
        call_command("notify", "submit", str(path), "--as", "fr-delegate")
    assert Notification.objects.count() == 1


def test_reminders_go_out_once_before_the_deadline(helsinki, user, settings):
    settings.CONCORD_REMINDER_DAYS = 400  # the next annual deadline is always within reach
    for name in ("fr-delegate", "fr-head", "de-delegate"):
        u = user(name)
        u.email = f"{name}@example.org"
        u.save()
    mail.outbox.clear()
    worker_pass()
    assert Reminder.objects.filter(party__code="fr").exists()
    to = sorted(a for m in mail.outbox for a in m.to)
    assert "fr-delegate@example.org" in to
    sent = len(mail.outbox)
    worker_pass()
    assert len(mail.outbox) == sent


def test_receipt_needs_delivery(helsinki, client_as):
    n = post(
        client_as("fr-delegate"),
        {"charter": "helsinki", "form": "prior-notification", "data": prior()},
    ).json()
    assert (
        client_as("fr-head").post(f"/api/v1/notifications/{n['id']}/acknowledge").status_code == 403
    )
    assert (
        client_as("cn-head").post(f"/api/v1/notifications/{n['id']}/acknowledge").status_code == 404
    )
    assert Receipt.objects.get().acknowledged_at is None


def test_a_withdrawal_that_took_effect_ends_delivery_and_notifying(helsinki, client_as, de):
    """Even before the worker records it, a withdrawal counts from when it takes effect:
    the party no longer receives notifications nor submits them."""
    from concord.parties.models import Participation

    Participation.objects.filter(party=de, charter=helsinki).update(
        withdrawal_effective_at=clock.now() - timedelta(minutes=1)
    )
    response = post(
        client_as("fr-delegate"),
        {"charter": "helsinki", "form": "prior-notification", "data": prior()},
    )
    assert response.status_code == 201, response.content
    n = Notification.objects.get(pk=response.json()["id"])
    assert not n.receipts.exists()
    refused = post(
        client_as("de-delegate"),
        {"charter": "helsinki", "form": "prior-notification", "data": prior()},
    )
    assert refused.status_code == 403, refused.content
    assert Notification.objects.filter(party=de).count() == 0


def test_reminders_name_the_form_in_each_members_language(helsinki, user, settings):
    from concord.charters.loader import text

    settings.CONCORD_REMINDER_DAYS = 400
    for name, language in (("fr-delegate", "fr"), ("fr-head", "ru")):
        u = user(name)
        u.email = f"{name}@example.org"
        u.language = language
        u.save()
    mail.outbox.clear()
    worker_pass()
    forms = {f["id"]: f for f in helsinki.document["forms"]}
    reminder = Reminder.objects.filter(party__code="fr").order_by("due_at").first()
    assert reminder is not None
    title = forms[reminder.form]["title"]

    def subjects(address: str) -> str:
        return "\n".join(m.subject for m in mail.outbox if m.to == [address])

    assert text(title, "fr") in subjects("fr-delegate@example.org")
    assert text(title, "ru") in subjects("fr-head@example.org")
    assert text(title, "en") not in subjects("fr-head@example.org")
