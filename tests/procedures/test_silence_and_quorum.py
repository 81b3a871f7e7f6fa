"""Two rules of decision: an objection under the silence procedure breaks silence (the
draft is not adopted at the deadline, on read as by the worker), and no decision is
taken without a quorum — the charter's, or every party where the charter sets none."""

from __future__ import annotations

import copy
from datetime import timedelta

import pytest

from concord import clock
from concord.charters import loader
from concord.charters.services import charter_load
from concord.parties.services import ServiceError, withdrawal_notify
from concord.procedures import selectors, services
from concord.procedures.meetings import ERR_QUORUM, ERR_SILENCE_ENDED
from concord.procedures.models import Decision
from concord.record.models import Act, ActType
from concord.web.worker import worker_pass

pytestmark = pytest.mark.django_db

URL = "/api/v1/procedures"


def open_in(user, charter, mechanism, **kw):  # type: ignore[no-untyped-def]
    return services.procedure_open(
        agent=user(kw.pop("as_", "fr-head")),
        charter=charter,
        mechanism=mechanism,
        subject=kw.pop("subject", "A draft for the participating States"),
        **kw,
    )


def draft_of(procedure):  # type: ignore[no-untyped-def]
    (found,) = [d for d in selectors.drafts_of(procedure)]
    return found


# --- an objection breaks silence ------------------------------------------------------


@pytest.fixture
def under_silence(helsinki, user, act_as):  # type: ignore[no-untyped-def]
    procedure = open_in(user, helsinki, "silence-procedure")
    draft = act_as("fr-delegate", procedure, "proposal", "The participating States agree ...")
    return procedure, draft


def test_an_objection_before_the_deadline_breaks_silence(under_silence, act_as):  # type: ignore[no-untyped-def]
    procedure, draft = under_silence
    deadline = procedure.deadlines.get(proposal=draft)
    clock.advance(timedelta(days=2))
    objection = act_as("de-head", procedure, "objection", "We cannot agree.", proposal=draft)
    act = Act.objects.get(pk=objection.act_id)
    assert (act.type, act.content["kind"], act.actor.code) == (
        ActType.PROCEDURE_STEP,
        "objection",
        "de",
    )
    deadline.refresh_from_db()
    assert deadline.cancelled
    assert deadline.done_at == objection.at
    found = draft_of(procedure)
    assert found["status"] == "silence-broken"
    assert found["broken_by"] == objection

    # At and after the deadline: not adopted, on read and once the worker has run.
    clock.advance(timedelta(days=1, seconds=1))
    assert draft_of(procedure)["status"] == "silence-broken"
    worker_pass()
    assert not Decision.objects.exists()
    assert not procedure.steps.filter(kind="deadline").exists()
    assert draft_of(procedure)["status"] == "silence-broken"


def test_a_further_objection_after_silence_is_broken_is_recorded(under_silence, act_as):  # type: ignore[no-untyped-def]
    procedure, draft = under_silence
    first = act_as("de-head", procedure, "break-silence", "We break silence.", proposal=draft)
    act_as("it-head", procedure, "objection", "We object as well.", proposal=draft)
    assert draft_of(procedure)["broken_by"] == first
    assert [r.kind for r in draft_of(procedure)["responses"]] == ["break-silence", "objection"]


def test_an_objection_after_the_silence_ended_is_refused(under_silence, act_as, stored):  # type: ignore[no-untyped-def]
    procedure, draft = under_silence
    due = procedure.deadlines.get(proposal=draft).due_at
    clock.advance(timedelta(days=3, seconds=1))
    # Adopted on read before the worker gives it its number.
    assert draft_of(procedure)["status"] == "adopted"
    assert draft_of(procedure)["decision"] is None
    before = stored()
    with pytest.raises(ServiceError) as err:
        act_as("de-head", procedure, "objection", "Too late.", proposal=draft)
    assert err.value.field == "proposal"
    assert err.value.message == ERR_SILENCE_ENDED % {"due": f"{due:%Y-%m-%d %H:%M}"}
    assert stored() == before
    worker_pass()
    found = draft_of(procedure)
    assert (found["status"], found["decision"].number) == ("adopted", 1)


def test_the_api_and_the_page_show_who_broke_silence(under_silence, client_as, api_post):  # type: ignore[no-untyped-def]
    procedure, draft = under_silence
    body = client_as("it-head").get(f"{URL}/{procedure.pk}").json()
    assert [(d["id"], d["status"]) for d in body["drafts"]] == [(draft.pk, "silence")]
    response = api_post(
        client_as("de-head"),
        f"{URL}/{procedure.pk}/acts",
        {"kind": "objection", "text": "We object.", "proposal": draft.pk},
    )
    assert response.status_code == 201
    clock.advance(timedelta(days=4))
    body = client_as("it-head").get(f"{URL}/{procedure.pk}").json()
    (found,) = body["drafts"]
    assert (found["status"], found["broken_by"], found["decision"]) == (
        "silence-broken",
        "de",
        None,
    )
    html = client_as("it-head").get(f"/procedures/{procedure.pk}").content.decode()
    assert f'id="draft-{draft.pk}" data-status="silence-broken"' in html
    assert "silence broken by de" in html
    assert "not adopted at the deadline" in html


def test_without_objection_the_worker_and_the_reader_agree_on_adoption(under_silence, client_as):  # type: ignore[no-untyped-def]
    procedure, _draft = under_silence
    clock.advance(timedelta(days=3, seconds=1))
    (found,) = client_as("de-head").get(f"{URL}/{procedure.pk}").json()["drafts"]
    assert (found["status"], found["decision"]) == ("adopted", None)
    html = client_as("de-head").get(f"/procedures/{procedure.pk}").content.decode()
    assert "adopted at the end of silence" in html
    worker_pass()
    (found,) = client_as("de-head").get(f"{URL}/{procedure.pk}").json()["drafts"]
    assert (found["status"], found["decision"]) == ("adopted", 1)


# --- quorum -----------------------------------------------------------------------------


def test_a_conference_without_a_charter_quorum_needs_every_party(helsinki, user, act_as, stored):  # type: ignore[no-untyped-def]
    """`helsinki` sets no quorum for its Permanent Council: consensus is the absence of
    objection from every participating State, so every State must be present."""
    council = open_in(user, helsinki, "conference")
    draft = act_as("fr-delegate", council, "proposal", "Decided by the proposer alone?")
    assert services.quorum_of(council) == (1, 3, 3)
    before = stored()
    with pytest.raises(ServiceError) as err:
        act_as("fr-head", council, "call-decision", proposal=draft)
    assert err.value.field == "quorum"
    assert err.value.message == ERR_QUORUM % {"present": 1, "of": 3, "needed": 3}
    assert err.value.message == "Quorum not reached: 1 of 3 parties present, 3 needed."
    act_as("de-head", council, "attend")
    with pytest.raises(ServiceError) as err:
        act_as("fr-head", council, "call-decision", proposal=draft)
    assert err.value.message == ERR_QUORUM % {"present": 2, "of": 3, "needed": 3}
    assert stored()[3] == before[3]
    act_as("it-head", council, "attend")
    act_as("fr-head", council, "call-decision", proposal=draft)
    assert Decision.objects.get().proposal == draft


def test_the_charter_quorum_is_named_in_the_refusal(charters, fr, de, party_add, user, act_as):  # type: ignore[no-untyped-def]
    est = charters["est-2009"]
    for code in ("it", "es", "pl"):
        party_add(code, est)
    consultations = open_in(user, est, "consultations", invited=[de])
    conference = open_in(user, est, "conference", parent=consultations)
    draft = act_as("fr-delegate", conference, "proposal", "The Conference finds ...")
    act_as("de-head", conference, "attend")
    act_as("it-head", conference, "attend")
    with pytest.raises(ServiceError) as err:
        act_as("fr-head", conference, "call-decision", proposal=draft)
    assert err.value.message == "Quorum not reached: 3 of 5 parties present, 4 needed."


def test_a_party_whose_withdrawal_took_effect_is_not_counted_present(  # type: ignore[no-untyped-def]
    charters, fr, de, party_add, user, act_as
):
    est = charters["est-2009"]
    es = party_add("es", est)
    consultations = open_in(user, est, "consultations", invited=[de])
    conference = open_in(user, est, "conference", parent=consultations)
    draft = act_as("fr-delegate", conference, "proposal", "Draft.")
    act_as("es-head", conference, "attend")
    assert services.quorum_of(conference) == (2, 2, 3)
    withdrawal_notify(agent=user("es-head"), party=es, charter=est)
    clock.advance(timedelta(days=91))
    assert services.quorum_of(conference) == (1, 2, 2)
    with pytest.raises(ServiceError) as err:
        act_as("fr-head", conference, "call-decision", proposal=draft)
    assert err.value.field == "quorum"


def test_a_quorum_of_the_participants_counts_the_parties_to_the_procedure(  # type: ignore[no-untyped-def]
    helsinki, user, act_as
):
    """A charter may set the quorum as a share of the procedure's participants."""
    document = copy.deepcopy(
        loader.load_file(next(p for p in loader.builtin_paths() if p.stem == "helsinki"))
    )
    document["version"] = f"{document['version']}-participants"
    for mechanism in document["mechanisms"]:
        if mechanism["id"] == "consensus-minus-one":
            mechanism["quorum"] = {"fraction": "1/1", "of": "participants", "confirmed": False}
    charter_load(document=document)
    helsinki.refresh_from_db()
    de = user("de-head").party
    cmo = open_in(user, helsinki, "consensus-minus-one", respondent=de)
    draft = act_as("fr-delegate", cmo, "proposal", "Measures without de's consent.")
    # fr and de take part (initiator, State concerned); it has not come.
    assert services.quorum_of(cmo) == (1, 2, 2)
    with pytest.raises(ServiceError) as err:
        act_as("fr-head", cmo, "call-decision", proposal=draft)
    assert err.value.message == "Quorum not reached: 1 of 2 parties present, 2 needed."
    act_as("de-head", cmo, "objection", "We object.", proposal=draft)
    act_as("fr-head", cmo, "call-decision", proposal=draft)
    assert Decision.objects.get().rule == "consensus-minus-one"


def test_no_quorum_is_asked_where_nothing_is_decided(helsinki, user, de):  # type: ignore[no-untyped-def]
    rfe = open_in(user, helsinki, "request-for-explanation", respondent=de)
    silence = open_in(user, helsinki, "silence-procedure")
    assert services.quorum_of(rfe)[1] == 0
    assert services.quorum_of(silence)[1] == 0


def test_the_page_and_the_api_refuse_a_decision_without_quorum(
    helsinki, user, act_as, client_as, api_post
):  # type: ignore[no-untyped-def]
    council = open_in(user, helsinki, "conference")
    draft = act_as("fr-delegate", council, "proposal", "A draft.")
    html = client_as("fr-head").get(f"/procedures/{council.pk}").content.decode()
    assert 'id="quorum" data-reached="no"' in html
    assert "No decision until the quorum is reached." in html
    page = client_as("fr-head").post(
        f"/procedures/{council.pk}/acts", {"kind": "call-decision", "proposal": draft.pk}
    )
    assert page.status_code == 400
    assert "Quorum not reached: 1 of 3 parties present, 3 needed." in page.content.decode()
    response = api_post(
        client_as("fr-head"),
        f"{URL}/{council.pk}/acts",
        {"kind": "call-decision", "proposal": draft.pk},
    )
    assert response.status_code == 400
    assert response.json()["detail"] == "Quorum not reached: 1 of 3 parties present, 3 needed."
    assert response.json()["errors"][0]["field"] == "quorum"
    body = client_as("it-head").get(f"{URL}/{council.pk}").json()
    assert body["quorum"] == {"present": 1, "needed": 3, "of": 3}
    assert not Decision.objects.exists()
