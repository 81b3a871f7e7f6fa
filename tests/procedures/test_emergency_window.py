"""The emergency meeting's window (Berlin mechanism, `helsinki`): convened when twelve
States support the request, it opens no earlier than 48 hours and no later than 3 days
after that notification and lasts at most 2 days. No step is taken before it opens or
after it closes; the page and the API show the window; the worker and the state on read
agree."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from concord import clock
from concord.parties.models import Role, Status
from concord.parties.services import NotPermitted, ServiceError, participation_set
from concord.procedures import selectors, services
from concord.procedures.deadlines import ERR_MEETING_NOT_OPEN, ERR_MEETING_OVER
from concord.procedures.meetings import ERR_SCHEDULE_OPENED, ERR_SCHEDULE_OUTSIDE
from concord.procedures.models import Decision, Procedure, State
from concord.record.models import Act
from concord.web.worker import worker_pass

pytestmark = pytest.mark.django_db

# With fr and de, fourteen participating States: twelve supporters convene the meeting.
MORE_STATES = ["it", "es", "pl", "nl", "be", "at", "pt", "se", "fi", "dk", "cz", "gr"]
URL = "/api/v1/procedures"


def minute(value: datetime) -> str:
    return f"{value:%Y-%m-%d %H:%M}"


@pytest.fixture
def helsinki(charters, secretariat, fr, de, party_add):  # type: ignore[no-untyped-def]
    for party in (fr, de):
        participation_set(
            agent=secretariat, party=party, charter=charters["helsinki"], status=Status.PARTY
        )
    for code in MORE_STATES:
        party_add(code, charters["helsinki"], roles=(Role.HEAD,))
    return charters["helsinki"]


@pytest.fixture
def meeting(helsinki, user, act_as) -> Procedure:  # type: ignore[no-untyped-def]
    """An emergency meeting convened by its twelfth supporter, an hour after the request."""
    request = services.procedure_open(
        agent=user("fr-head"),
        charter=helsinki,
        mechanism="emergency-meeting",
        subject="An emergency situation",
    )
    for username in ["de-head"] + [f"{code}-head" for code in MORE_STATES[:9]]:
        act_as(username, request, "support")
    clock.advance(timedelta(hours=1))
    act_as(f"{MORE_STATES[9]}-head", request, "support")
    request.refresh_from_db()
    assert request.state == State.CONVENED
    return request


def convened_at(meeting: Procedure) -> datetime:
    """The twelfth support: the moment the request is supported and the meeting convened."""
    return meeting.steps.filter(kind="support").latest("at", "id").at


def test_convening_sets_the_window_the_charter_gives(meeting):  # type: ignore[no-untyped-def]
    at = convened_at(meeting)
    window = selectors.meeting_window(meeting)
    assert window is not None
    # Counted from the notification that the request has its support, not the request.
    assert window["convened"] == at
    assert window["earliest"] - at == window["opens"] - at == timedelta(hours=48)
    assert window["latest"] - at == timedelta(days=3)
    assert window["closes"] - window["opens"] == timedelta(days=2)
    assert window["status"] == "not-open"
    deadlines = {d.name: d for d in meeting.deadlines.all()}
    assert deadlines["opens"].action == "open-session"
    assert deadlines["session"].action == "end-session"
    assert deadlines["support"].done_at is not None
    content = Act.objects.get(pk=meeting.steps.get(kind="convened").act_id).content
    assert datetime.fromisoformat(content["from"]) == at
    assert datetime.fromisoformat(content["opens"]) == window["opens"]
    assert datetime.fromisoformat(content["latest"]) == window["latest"]
    assert datetime.fromisoformat(content["closes"]) == window["closes"]


def test_no_step_is_taken_before_the_meeting_opens(meeting, act_as, stored):  # type: ignore[no-untyped-def]
    opens = selectors.meeting_window(meeting)["opens"]
    clock.advance(timedelta(hours=47, minutes=59))
    before = stored()
    for username, kind, text in [
        ("fr-head", "proposal", "Recommended measures."),
        ("de-head", "attend", ""),
        ("it-head", "statement", "Our view."),
    ]:
        with pytest.raises(ServiceError) as err:
            act_as(username, meeting, kind, text)
        assert err.value.field == "kind"
        assert err.value.message == ERR_MEETING_NOT_OPEN % {"opens": minute(opens)}
    assert stored() == before


def test_the_meeting_opens_on_read_and_by_the_worker_once(meeting, act_as):  # type: ignore[no-untyped-def]
    clock.advance(timedelta(hours=48, seconds=1))
    # In session on read though the worker has not run.
    assert selectors.state_of(meeting) == State.IN_SESSION
    assert selectors.meeting_window(meeting)["status"] == "in-session"
    meeting.refresh_from_db()
    assert meeting.state == State.CONVENED
    worker_pass()
    worker_pass()
    meeting.refresh_from_db()
    assert meeting.state == State.IN_SESSION
    assert meeting.steps.filter(kind="deadline", text="opens").count() == 1
    attend = act_as("de-head", meeting, "attend")
    assert attend.kind == "attend"


def test_a_step_after_the_window_closed_is_refused_before_and_after_the_worker(  # type: ignore[no-untyped-def]
    meeting, act_as, stored
):
    clock.advance(timedelta(hours=49))
    draft = act_as("fr-head", meeting, "proposal", "Recommended measures.")
    closes = selectors.meeting_window(meeting)["closes"]
    clock.advance(closes - clock.now())  # the very moment it closes
    assert selectors.state_of(meeting) == State.CLOSED
    assert selectors.meeting_window(meeting)["status"] == "over"
    expected = ERR_MEETING_OVER % {"closes": minute(closes)}
    before = stored()
    for username, kind, kw in [
        ("de-head", "statement", {"text": "Late."}),
        ("de-head", "objection", {"text": "Late.", "proposal": draft}),
        ("fr-head", "call-decision", {"proposal": draft}),
    ]:
        with pytest.raises(ServiceError) as err:
            act_as(username, meeting, kind, **kw)
        assert err.value.message == expected
    assert stored() == before
    meeting.refresh_from_db()
    assert meeting.state == State.IN_SESSION  # opened by the proposal's write

    worker_pass()
    worker_pass()
    meeting.refresh_from_db()
    assert meeting.state == State.CLOSED
    assert meeting.steps.filter(kind="deadline", text="session").count() == 1
    with pytest.raises(ServiceError) as err:
        act_as("de-head", meeting, "statement", "Later still.")
    assert err.value.message == expected
    assert not Decision.objects.exists()


def test_a_meeting_in_session_decides_with_every_state_present(meeting, act_as):  # type: ignore[no-untyped-def]
    clock.advance(timedelta(hours=50))
    draft = act_as("fr-head", meeting, "proposal", "Recommended measures.")
    for username in ["de-head"] + [f"{code}-head" for code in MORE_STATES]:
        act_as(username, meeting, "attend")
    act_as("fr-head", meeting, "call-decision", proposal=draft)
    assert Decision.objects.get().rule == "consensus"


def test_the_secretariat_sets_the_opening_within_the_window(meeting, user, act_as, stored):  # type: ignore[no-untyped-def]
    at = convened_at(meeting)
    window = selectors.meeting_window(meeting)
    expected = ERR_SCHEDULE_OUTSIDE % {
        "earliest": minute(window["earliest"]),
        "latest": minute(window["latest"]),
    }
    before = stored()
    for opens_at in (at + timedelta(hours=47), at + timedelta(days=3, minutes=1)):
        with pytest.raises(ServiceError) as err:
            services.procedure_meeting_schedule(
                agent=user("secretariat"), procedure=meeting, opens_at=opens_at
            )
        assert err.value.field == "opens_at"
        assert err.value.message == expected
    with pytest.raises(NotPermitted):
        services.procedure_meeting_schedule(
            agent=user("fr-head"), procedure=meeting, opens_at=at + timedelta(hours=60)
        )
    assert stored() == before

    step = services.procedure_meeting_schedule(
        agent=user("secretariat"), procedure=meeting, opens_at=at + timedelta(hours=60)
    )
    assert step.kind == "schedule"
    act = Act.objects.get(pk=step.act_id)
    assert act.actor is None  # the depositary's act, by a member of the secretariat
    assert act.agent == user("secretariat")
    window = selectors.meeting_window(meeting)
    assert window["opens"] == at + timedelta(hours=60)
    assert window["closes"] == at + timedelta(hours=60, days=2)
    # Still closed to steps at 48 hours; open at 60.
    clock.advance(at + timedelta(hours=50) - clock.now())
    with pytest.raises(ServiceError):
        act_as("de-head", meeting, "attend")
    clock.advance(timedelta(hours=10, seconds=1))
    act_as("de-head", meeting, "attend")
    with pytest.raises(ServiceError) as err:
        services.procedure_meeting_schedule(
            agent=user("secretariat"), procedure=meeting, opens_at=at + timedelta(hours=70)
        )
    assert err.value.message == ERR_SCHEDULE_OPENED


def test_a_request_without_a_window_is_unchanged(helsinki, user, act_as):  # type: ignore[no-untyped-def]
    """The joint meeting after a request for explanation has no window in the charter."""
    joint = services.procedure_open(
        agent=user("fr-head"), charter=helsinki, mechanism="joint-meeting", subject="Joint"
    )
    assert selectors.meeting_window(joint) is None
    act_as("de-head", joint, "attend")


# --- API and page ---------------------------------------------------------------------


def test_the_api_shows_the_window_and_refuses_steps_outside_it(meeting, client_as, api_post):  # type: ignore[no-untyped-def]
    body = client_as("it-head").get(f"{URL}/{meeting.pk}").json()
    window = body["window"]
    assert window["status"] == "not-open"
    at = convened_at(meeting)
    opens = datetime.fromisoformat(window["opens"].replace("Z", "+00:00"))
    assert abs(opens - (at + timedelta(hours=48))) < timedelta(milliseconds=1)  # JSON: ms
    assert body["state"] == "convened"
    early = api_post(client_as("de-head"), f"{URL}/{meeting.pk}/acts", {"kind": "attend"})
    assert early.status_code == 400
    assert early.json()["errors"][0]["field"] == "kind"
    assert "opens on" in early.json()["detail"]

    clock.advance(timedelta(hours=48, seconds=1))
    assert client_as("de-head").get(f"{URL}/{meeting.pk}").json()["state"] == "in-session"
    ok = api_post(client_as("de-head"), f"{URL}/{meeting.pk}/acts", {"kind": "attend"})
    assert ok.status_code == 201

    clock.advance(timedelta(days=2))
    body = client_as("de-head").get(f"{URL}/{meeting.pk}").json()
    assert body["state"] == "closed"
    assert body["window"]["status"] == "over"
    late = api_post(
        client_as("it-head"), f"{URL}/{meeting.pk}/acts", {"kind": "statement", "text": "x"}
    )
    assert late.status_code == 400
    assert "window closed" in late.json()["detail"]


def test_the_page_shows_the_window_and_the_secretariat_sets_the_opening(meeting, client_as):  # type: ignore[no-untyped-def]
    page = client_as("it-head").get(f"/procedures/{meeting.pk}")
    html = page.content.decode()
    assert 'id="window" data-status="not-open"' in html
    assert "not yet open" in html
    assert 'id="schedule"' not in html  # a party does not set the opening

    secretariat = client_as("secretariat")
    assert 'id="schedule"' in secretariat.get(f"/procedures/{meeting.pk}").content.decode()
    at = convened_at(meeting) + timedelta(hours=55)
    response = secretariat.post(
        f"/procedures/{meeting.pk}/acts", {"kind": "schedule", "opens_at": f"{at:%Y-%m-%dT%H:%M}"}
    )
    assert response.status_code == 302
    window = selectors.meeting_window(meeting)
    assert window["opens"] == at.replace(second=0, microsecond=0)
    bad = secretariat.post(
        f"/procedures/{meeting.pk}/acts", {"kind": "schedule", "opens_at": "not a time"}
    )
    assert bad.status_code == 400
    assert "Give the time the meeting opens." in bad.content.decode()

    clock.advance(timedelta(days=5))
    html = client_as("it-head").get(f"/procedures/{meeting.pk}").content.decode()
    assert 'id="window" data-status="over"' in html
    late = client_as("it-head").post(
        f"/procedures/{meeting.pk}/acts", {"kind": "statement", "text": "Late."}
    )
    assert late.status_code == 400
    assert "window closed" in late.content.decode()
