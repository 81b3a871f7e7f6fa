"""Conciliation (`helsinki`, Stockholm 1992): the secretariat records the commission's
report; each party to the dispute accepts or rejects it within 30 days. All accept: the
report is accepted; any rejects: it is rejected at once; the period ends first: it
lapses, not accepted — the same on read as once the worker has run. On the page (forms)
and in the API."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail

from concord import clock
from concord.parties.services import NotPermitted, ServiceError
from concord.procedures import selectors, services
from concord.procedures.conciliation import (
    ERR_ANSWERED,
    ERR_NO_REPORT,
    ERR_NOT_DISPUTING,
    ERR_OTHER_REPORT,
    ERR_REPORT_MECHANISM,
    ERR_REPORT_PENDING,
)
from concord.procedures.deadlines import ERR_CLOSED, ERR_REPORT_PERIOD_OVER
from concord.procedures.models import State
from concord.procedures.reminders import procedure_reminders_due
from concord.record.models import Act
from concord.web.worker import worker_pass

pytestmark = pytest.mark.django_db

URL = "/api/v1/procedures"
REPORT = "The commission proposes that both parties withdraw their forces 30 km."


def dispute_open(user, helsinki, de, invited=()):  # type: ignore[no-untyped-def]
    return services.procedure_open(
        agent=user("fr-head"),
        charter=helsinki,
        mechanism="dispute-settlement",
        subject="Interpretation of a commitment",
        respondent=de,
        invited=list(invited),
    )


@pytest.fixture
def dispute(helsinki, de, user):  # type: ignore[no-untyped-def]
    return dispute_open(user, helsinki, de)


def report_submit(user, procedure, text=REPORT):  # type: ignore[no-untyped-def]
    return services.conciliation_report_submit(
        agent=user("secretariat"), procedure=procedure, text=text
    )


def outcome_of(procedure):  # type: ignore[no-untyped-def]
    return selectors.conciliation_of(procedure)["outcome"]


def test_the_report_opens_30_days_for_the_parties_to_the_dispute(dispute, user):  # type: ignore[no-untyped-def]
    # Nothing is due before there is a report.
    assert not dispute.deadlines.exists()
    report = report_submit(user, dispute)
    assert report.kind == "report"
    assert report.text == REPORT
    act = Act.objects.get(pk=report.act_id)
    assert act.actor is None  # recorded by the depositary for the commission
    assert act.agent == user("secretariat")
    assert act.content["parties"] == ["de", "fr"]
    assert set(act.recipients.values_list("code", flat=True)) == {"fr", "de"}
    dispute.refresh_from_db()
    assert dispute.state == State.REPORT_SUBMITTED
    deadline = dispute.deadlines.get(name="respond")
    assert deadline.action == "report-lapse"
    assert deadline.proposal == report
    assert deadline.due_at == report.at + timedelta(days=30)
    found = selectors.conciliation_of(dispute)
    assert found["outcome"] == "pending"
    assert [(a["party"].code, a["answer"]) for a in found["answers"]] == [
        ("de", None),
        ("fr", None),
    ]


def test_only_the_secretariat_reports_and_only_in_a_conciliation(  # type: ignore[no-untyped-def]
    dispute, helsinki, charters, user, stored
):
    with pytest.raises(NotPermitted):
        services.conciliation_report_submit(agent=user("fr-head"), procedure=dispute, text=REPORT)
    conference = services.procedure_open(
        agent=user("fr-head"), charter=helsinki, mechanism="conference", subject="Council"
    )
    before = stored()
    with pytest.raises(ServiceError) as err:
        report_submit(user, conference)
    assert (err.value.field, err.value.message) == ("kind", ERR_REPORT_MECHANISM)
    # est-2009's dispute settlement runs through its tiers: no report to accept.
    est_dispute = services.procedure_open(
        agent=user("fr-head"),
        charter=charters["est-2009"],
        mechanism="dispute-settlement",
        subject="A question of interpretation",
        respondent=user("de-head").party,
    )
    before = stored()
    with pytest.raises(ServiceError) as err:
        report_submit(user, est_dispute)
    assert err.value.message == ERR_REPORT_MECHANISM
    with pytest.raises(ServiceError) as err:
        report_submit(user, dispute, text="  ")
    assert err.value.field == "text"
    assert stored() == before

    report_submit(user, dispute)
    before = stored()
    with pytest.raises(ServiceError) as err:
        report_submit(user, dispute, text="A second report.")
    assert err.value.message == ERR_REPORT_PENDING
    assert stored() == before


def test_every_party_accepts_and_the_report_is_accepted(dispute, user, act_as):  # type: ignore[no-untyped-def]
    report = report_submit(user, dispute)
    accept = act_as("fr-head", dispute, "accept", "We accept.")
    assert accept.proposal == report  # the report before the parties, named or not
    assert outcome_of(dispute) == "pending"
    assert dispute.steps.filter(kind="report-accepted").count() == 0
    act_as("de-head", dispute, "accept", proposal=report)
    dispute.refresh_from_db()
    assert dispute.state == State.CLOSED
    accepted = dispute.steps.get(kind="report-accepted")
    assert Act.objects.get(pk=accepted.act_id).content["accepted"] == ["de", "fr"]
    assert outcome_of(dispute) == "accepted"
    assert dispute.deadlines.get(name="respond").cancelled
    # Nothing is left for the worker.
    clock.advance(timedelta(days=31))
    worker_pass()
    assert not dispute.steps.filter(kind__in=["deadline", "report-lapsed"]).exists()
    assert outcome_of(dispute) == "accepted"


def test_one_rejection_rejects_the_report_at_once(dispute, user, act_as, stored):  # type: ignore[no-untyped-def]
    report_submit(user, dispute)
    act_as("fr-head", dispute, "accept")
    act_as("de-head", dispute, "reject", "The proposals do not address our concerns.")
    dispute.refresh_from_db()
    assert dispute.state == State.CLOSED
    rejected = dispute.steps.get(kind="report-rejected")
    content = Act.objects.get(pk=rejected.act_id).content
    assert (content["accepted"], content["rejected"]) == (["fr"], ["de"])
    assert outcome_of(dispute) == "rejected"
    before = stored()
    with pytest.raises(ServiceError) as err:
        act_as("fr-head", dispute, "reject")
    assert err.value.message == ERR_CLOSED
    assert stored() == before


def test_the_period_ends_and_the_report_lapses_on_read_and_by_the_worker(  # type: ignore[no-untyped-def]
    dispute, user, act_as, stored
):
    report = report_submit(user, dispute)
    act_as("fr-head", dispute, "accept")
    clock.advance(timedelta(days=29, hours=23))
    assert outcome_of(dispute) == "pending"
    clock.advance(timedelta(hours=1, seconds=1))
    # Lapsed on read, though the worker is down.
    assert outcome_of(dispute) == "lapsed"
    dispute.refresh_from_db()
    assert dispute.state == State.REPORT_SUBMITTED
    assert selectors.state_of(dispute) == State.CLOSED
    due = f"{report.at + timedelta(days=30):%Y-%m-%d %H:%M}"
    before = stored()
    for kind in ("accept", "reject"):
        with pytest.raises(ServiceError) as err:
            act_as("de-head", dispute, kind)
        assert err.value.message == ERR_REPORT_PERIOD_OVER % {"due": due}
    assert stored() == before

    worker_pass()
    worker_pass()
    dispute.refresh_from_db()
    assert dispute.state == State.CLOSED
    lapsed = dispute.steps.get(kind="report-lapsed")
    assert lapsed.party is None
    assert Act.objects.get(pk=lapsed.act_id).content["unanswered"] == ["de"]
    assert dispute.steps.filter(kind="deadline").count() == 1
    assert outcome_of(dispute) == "lapsed"
    with pytest.raises(ServiceError) as err:
        act_as("de-head", dispute, "accept")
    assert err.value.message == ERR_REPORT_PERIOD_OVER % {"due": due}


def test_answers_are_refused_from_others_twice_and_without_a_report(  # type: ignore[no-untyped-def]
    dispute, user, act_as, stored
):
    before = stored()
    with pytest.raises(ServiceError) as err:
        act_as("de-head", dispute, "accept")
    assert (err.value.field, err.value.message) == ("kind", ERR_NO_REPORT)
    report = report_submit(user, dispute)
    statement = act_as("fr-head", dispute, "statement", "Our view.")
    before = stored()
    with pytest.raises(NotPermitted) as denied:
        act_as("it-head", dispute, "accept")  # not a party to the dispute
    assert denied.value.message == ERR_NOT_DISPUTING
    with pytest.raises(NotPermitted):
        act_as("de-delegate", dispute, "reject")  # signing is the head's (charter roles)
    with pytest.raises(ServiceError) as err:
        act_as("de-head", dispute, "accept", proposal=statement)
    assert (err.value.field, err.value.message) == ("proposal", ERR_OTHER_REPORT)
    assert stored() == before
    act_as("de-head", dispute, "accept", proposal=report)
    before = stored()
    for kind in ("accept", "reject"):
        with pytest.raises(ServiceError) as err:
            act_as("de-head", dispute, kind)
        assert err.value.message == ERR_ANSWERED
    assert stored() == before


def test_a_party_that_joined_the_dispute_answers_too(helsinki, de, user, act_as, stored):  # type: ignore[no-untyped-def]
    it = user("it-head").party
    dispute = dispute_open(user, helsinki, de, invited=[it])
    act_as("it-head", dispute, "join", "We are a party to this dispute.")
    report_submit(user, dispute)
    act_as("fr-head", dispute, "accept")
    act_as("de-head", dispute, "accept")
    assert outcome_of(dispute) == "pending"
    act_as("it-head", dispute, "accept")
    assert outcome_of(dispute) == "accepted"


def test_no_party_joins_while_a_report_is_before_the_parties(helsinki, de, user, act_as, stored):  # type: ignore[no-untyped-def]
    it = user("it-head").party
    dispute = dispute_open(user, helsinki, de, invited=[it])
    report_submit(user, dispute)
    before = stored()
    with pytest.raises(ServiceError):
        act_as("it-head", dispute, "join")
    assert stored() == before


def test_the_parties_to_the_dispute_are_reminded_before_the_period_ends(dispute, user):  # type: ignore[no-untyped-def]
    for name in ("fr-head", "de-head", "it-head"):
        member = user(name)
        member.email = f"{name}@example.org"
        member.save()
    report_submit(user, dispute)
    mail.outbox.clear()
    clock.advance(timedelta(days=23))  # 7 days left, under a quarter of 30
    assert procedure_reminders_due() == 1
    assert sorted(a for m in mail.outbox for a in m.to) == [
        "de-head@example.org",
        "fr-head@example.org",
    ]


# --- API and page ---------------------------------------------------------------------


def test_through_the_api_report_then_answers(dispute, client_as, api_post):  # type: ignore[no-untyped-def]
    path = f"{URL}/{dispute.pk}/acts"
    denied = api_post(client_as("fr-head"), path, {"kind": "report", "text": REPORT})
    assert denied.status_code == 403
    empty = api_post(client_as("secretariat"), path, {"kind": "report", "text": ""})
    assert empty.status_code == 400
    assert empty.json()["errors"][0]["field"] == "text"
    created = api_post(client_as("secretariat"), path, {"kind": "report", "text": REPORT})
    assert created.status_code == 201, created.content
    report = created.json()
    assert (report["kind"], report["party"], report["text"]) == ("report", None, REPORT)

    body = client_as("de-delegate").get(f"{URL}/{dispute.pk}").json()
    assert body["state"] == "report-submitted"
    assert body["conciliation"]["outcome"] == "pending"
    assert body["conciliation"]["report"] == report["id"]
    assert [a["answer"] for a in body["conciliation"]["answers"]] == [None, None]

    assert api_post(client_as("it-head"), path, {"kind": "accept"}).status_code == 404
    accept = api_post(client_as("fr-head"), path, {"kind": "accept", "proposal": report["id"]})
    assert accept.status_code == 201
    assert accept.json()["proposal"] == report["id"]
    reject = api_post(client_as("de-head"), path, {"kind": "reject", "text": "No."})
    assert reject.status_code == 201
    body = client_as("fr-delegate").get(f"{URL}/{dispute.pk}").json()
    assert body["state"] == "closed"
    assert body["conciliation"]["outcome"] == "rejected"
    assert [(a["party"], a["answer"]) for a in body["conciliation"]["answers"]] == [
        ("de", "reject"),
        ("fr", "accept"),
    ]
    assert "report-rejected" in [t["kind"] for t in body["timeline"]]


def test_on_the_page_the_secretariat_reports_and_a_party_answers(dispute, client_as):  # type: ignore[no-untyped-def]
    page = f"/procedures/{dispute.pk}"
    secretariat = client_as("secretariat")
    assert 'id="report"' in secretariat.get(page).content.decode()
    assert 'id="report"' not in client_as("fr-head").get(page).content.decode()
    empty = secretariat.post(f"{page}/acts", {"kind": "report", "text": ""})
    assert empty.status_code == 400
    assert secretariat.post(f"{page}/acts", {"kind": "report", "text": REPORT}).status_code == 302

    html = client_as("de-head").get(page).content.decode()
    assert 'id="conciliation" data-outcome="pending"' in html
    assert REPORT in html
    assert 'id="answer"' in html
    assert 'value="accept"' in html
    assert 'value="reject"' in html
    report = dispute.steps.get(kind="report")
    answered = client_as("de-head").post(
        f"{page}/acts", {"kind": "accept", "proposal": report.pk, "text": "Agreed."}
    )
    assert answered.status_code == 302
    html = client_as("de-head").get(page).content.decode()
    assert 'id="answer"' not in html  # answered once
    assert "Agreed." in html
    client_as("fr-head").post(f"{page}/acts", {"kind": "accept", "proposal": report.pk})
    html = client_as("fr-head").get(page).content.decode()
    assert 'data-outcome="accepted"' in html
    assert "accepted by every party to the dispute" in html
