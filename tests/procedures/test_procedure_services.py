"""Procedures through their services: requests for explanation and their clock,
consultations, conferences and their decision rules, the silence procedure, emergency
meetings, the indivisible-security review; who may take which step; what is refused
and that a refusal stores nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from concord import clock
from concord.parties.models import Party, PartyKind, Role, Status
from concord.parties.services import (
    NotPermitted,
    ServiceError,
    participation_set,
    party_register,
    user_create,
)
from concord.procedures import selectors, services
from concord.procedures.models import Deadline, Decision, Procedure, State, Step
from concord.procedures.models import Role as PRole
from concord.record.models import Act, ActType
from concord.web.worker import worker_pass

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
# Enough helsinki parties for an emergency meeting: fr, de and these make 14.
MORE_STATES = ["it", "es", "pl", "nl", "be", "at", "pt", "se", "fi", "dk", "cz", "gr"]


def add_party(secretariat, code, *charters, roles=(Role.HEAD, Role.DELEGATE)):  # type: ignore[no-untyped-def]
    party = party_register(agent=secretariat, code=code, kind=PartyKind.STATE)
    for role in roles:
        user_create(
            agent=secretariat,
            username=f"{code}-{role}",
            party=party,
            roles=[role],
            password=PASSWORD,
        )
    for charter in charters:
        participation_set(agent=secretariat, party=party, charter=charter, status=Status.PARTY)
    return party


def snapshot():  # type: ignore[no-untyped-def]
    return (
        Act.objects.count(),
        Procedure.objects.count(),
        Step.objects.count(),
        Decision.objects.count(),
        Deadline.objects.filter(done_at__isnull=True).count(),
    )


def codes(procedure, role=None):  # type: ignore[no-untyped-def]
    qs = procedure.participants.all()
    if role:
        qs = qs.filter(role=role)
    return set(qs.values_list("party__code", flat=True))


@pytest.fixture
def est(charters):  # type: ignore[no-untyped-def]
    return charters["est-2009"]


@pytest.fixture
def helsinki(charters, secretariat, fr, de):  # type: ignore[no-untyped-def]
    for party in (fr, de):
        participation_set(
            agent=secretariat, party=party, charter=charters["helsinki"], status=Status.PARTY
        )
    return charters["helsinki"]


@pytest.fixture
def it(charters, secretariat):  # type: ignore[no-untyped-def]
    """A third party to both charters, concerned by nothing between fr and de."""
    return add_party(secretariat, "it", charters["est-2009"], charters["helsinki"])


def open_rfe(user, helsinki, de, **kw):  # type: ignore[no-untyped-def]
    return services.procedure_open(
        agent=user(kw.pop("as_", "fr-delegate")),
        charter=helsinki,
        mechanism="request-for-explanation",
        subject="Unusual activity near the border",
        respondent=de,
        **{"text": "Please explain the objectives, location, dates, units and equipment.", **kw},
    )


def step(user, username, procedure, kind, text="", **kw):  # type: ignore[no-untyped-def]
    return services.procedure_step(
        agent=user(username), procedure=procedure, kind=kind, text=text, **kw
    )


def refresh(procedure):  # type: ignore[no-untyped-def]
    procedure.refresh_from_db()
    return procedure


# --- request for explanation ---------------------------------------------------------


def test_request_for_explanation_opens_awaiting_a_reply_due_in_48_hours(helsinki, fr, de, user):
    rfe = open_rfe(user, helsinki, de)
    assert rfe.kind == "request-for-explanation"
    assert rfe.state == State.AWAITING_REPLY
    assert selectors.state_of(rfe) == State.AWAITING_REPLY
    assert (rfe.initiator, rfe.respondent) == (fr, de)
    assert codes(rfe, PRole.INITIATOR) == {"fr"}
    assert codes(rfe, PRole.RESPONDENT) == {"de"}
    assert not rfe.open_to_all
    reply = rfe.deadlines.get(name="reply")
    assert reply.due_at == rfe.opened_at + timedelta(hours=48)
    assert reply.done_at is None
    act = Act.objects.get(pk=rfe.act_id)
    assert act.type == ActType.PROCEDURE_OPENED
    assert act.actor == fr
    assert act.content["mechanism"] == "request-for-explanation"
    assert act.content["respondent"] == "de"
    # Between the two parties only.
    assert act.restricted
    assert set(act.recipients.values_list("code", flat=True)) == {"fr", "de"}


def test_overdue_on_read_before_the_worker_and_marked_once_by_it(helsinki, fr, de, user):
    rfe = open_rfe(user, helsinki, de)
    clock.advance(timedelta(hours=47, minutes=59))
    assert selectors.state_of(rfe) == State.AWAITING_REPLY
    clock.advance(timedelta(minutes=2))
    # Shown overdue though nothing has been written yet.
    assert selectors.state_of(rfe) == State.OVERDUE
    assert refresh(rfe).state == State.AWAITING_REPLY
    assert not Act.objects.filter(type=ActType.PROCEDURE_DEADLINE).exists()

    worker_pass()
    worker_pass()
    assert refresh(rfe).state == State.OVERDUE
    assert selectors.state_of(rfe) == State.OVERDUE
    deadline_acts = Act.objects.filter(type=ActType.PROCEDURE_DEADLINE)
    assert deadline_acts.count() == 1
    assert deadline_acts.get().content["procedure"] == rfe.pk
    assert deadline_acts.get().actor is None  # the depositary's act
    assert rfe.steps.filter(kind="deadline").count() == 1
    assert rfe.deadlines.get(name="reply").done_at is not None


def test_only_the_respondent_replies(helsinki, fr, de, it, user):
    rfe = open_rfe(user, helsinki, de)
    before = snapshot()
    with pytest.raises(NotPermitted):
        step(user, "fr-head", rfe, "reply", "We reply for de.")
    with pytest.raises(NotPermitted):
        step(user, "it-head", rfe, "reply", "We reply for de.")
    with pytest.raises(NotPermitted):
        step(user, "secretariat", rfe, "reply", "The secretariat replies.")
    assert snapshot() == before
    assert refresh(rfe).state == State.AWAITING_REPLY


def test_request_for_explanation_replied_then_meeting_then_joint_meeting(helsinki, fr, de, user):
    rfe = open_rfe(user, helsinki, de)
    # No meeting while the reply is neither in nor overdue.
    with pytest.raises(ServiceError) as err:
        step(user, "fr-head", rfe, "request-meeting", "Let us meet.")
    assert err.value.field == "kind"

    reply = step(user, "de-delegate", rfe, "reply", "A scheduled exercise; details attached.")
    assert reply.kind == "reply"
    assert reply.party == de
    assert refresh(rfe).state == State.REPLIED
    assert selectors.state_of(rfe) == State.REPLIED
    assert rfe.deadlines.get(name="reply").done_at is not None
    act = Act.objects.get(pk=reply.act_id)
    assert act.type == ActType.PROCEDURE_STEP
    assert act.actor == de
    assert act.content["kind"] == "reply"
    assert rfe.act_id in act.refs
    # One reply only, and the reply's due time no longer makes it overdue.
    with pytest.raises(ServiceError):
        step(user, "de-head", rfe, "reply", "And another.")
    clock.advance(timedelta(hours=49))
    assert selectors.state_of(rfe) == State.REPLIED
    worker_pass()
    assert refresh(rfe).state == State.REPLIED
    assert not Act.objects.filter(type=ActType.PROCEDURE_DEADLINE).exists()

    # Only the requesting party asks for the meeting.
    with pytest.raises(NotPermitted):
        step(user, "de-head", rfe, "request-meeting", "")
    meeting = step(user, "fr-delegate", rfe, "request-meeting", "The concern remains.")
    assert refresh(rfe).state == State.MEETING_REQUESTED
    assert rfe.deadlines.get(name="meeting").due_at == meeting.at + timedelta(hours=48)

    # Escalation is the next mechanism opened with this one as its parent.
    with pytest.raises(ServiceError) as err:
        step(user, "fr-head", rfe, "escalate", "")
    assert err.value.field == "kind"
    joint = services.procedure_open(
        agent=user("fr-delegate"),
        charter=helsinki,
        mechanism="joint-meeting",
        subject="Joint meeting on the activity",
        parent=rfe,
    )
    assert joint.parent == rfe
    assert joint.kind == "emergency-meeting"
    assert joint.state == State.CONVENED  # no support needed
    assert joint.open_to_all
    assert rfe.act_id in Act.objects.get(pk=joint.act_id).refs
    rfe = refresh(rfe)
    assert rfe.state == State.CLOSED
    assert rfe.closed_at is not None
    with pytest.raises(ServiceError, match="closed"):
        step(user, "de-head", rfe, "statement", "Late.")


def test_reply_after_the_deadline_is_still_taken(helsinki, fr, de, user):
    rfe = open_rfe(user, helsinki, de)
    clock.advance(timedelta(hours=50))
    worker_pass()
    assert refresh(rfe).state == State.OVERDUE
    # The initiator may now ask for a meeting, or the respondent may still reply.
    step(user, "de-head", rfe, "reply", "Late, but here it is.")
    assert refresh(rfe).state == State.REPLIED


def test_overdue_request_allows_a_meeting_without_the_worker(helsinki, fr, de, user):
    rfe = open_rfe(user, helsinki, de)
    clock.advance(timedelta(hours=48, seconds=1))
    step(user, "fr-head", rfe, "request-meeting", "No reply came.")
    rfe = refresh(rfe)
    assert rfe.state == State.MEETING_REQUESTED
    # The passed deadline was carried out first, once.
    assert rfe.steps.filter(kind="deadline").count() == 1
    worker_pass()
    assert rfe.steps.filter(kind="deadline").count() == 1


def test_a_party_not_concerned_cannot_escalate_and_close_a_bilateral_request(
    helsinki, fr, de, it, user
):
    rfe = open_rfe(user, helsinki, de)
    step(user, "de-head", rfe, "reply", "Explained.")
    with pytest.raises(ServiceError):
        services.procedure_open(
            agent=user("it-head"),
            charter=helsinki,
            mechanism="joint-meeting",
            subject="Not ours",
            parent=rfe,
        )
    assert refresh(rfe).state == State.REPLIED


def test_a_parent_under_another_charter_is_refused(helsinki, est, fr, de, user):
    rfe = open_rfe(user, helsinki, de)
    with pytest.raises(ServiceError) as err:
        services.procedure_open(
            agent=user("fr-head"),
            charter=est,
            mechanism="consultations",
            subject="Under another treaty",
            invited=[de],
            parent=rfe,
        )
    assert err.value.field == "parent"
    assert refresh(rfe).state == State.AWAITING_REPLY


# --- who acts ------------------------------------------------------------------------


def test_a_party_not_taking_part_makes_no_statement_in_a_bilateral_procedure(
    helsinki, fr, de, it, user
):
    rfe = open_rfe(user, helsinki, de)
    before = snapshot()
    with pytest.raises(NotPermitted):
        step(user, "it-head", rfe, "statement", "We have a view too.")
    assert snapshot() == before
    # The two parties may.
    assert step(user, "de-head", rfe, "statement", "Noted.").party == de
    # Each acts for its own party: the step is de's whoever of de acts.
    assert step(user, "de-delegate", rfe, "statement", "Also noted.").party == de


def test_the_secretariat_and_non_parties_do_not_take_part(helsinki, est, fr, de, user, secretariat):
    with pytest.raises(NotPermitted):
        open_rfe(user, helsinki, de, as_="secretariat")
    # A party to est-2009 only is not a participating State of helsinki.
    add_party(secretariat, "es", est)
    with pytest.raises(NotPermitted):
        services.procedure_open(
            agent=user("es-head"),
            charter=helsinki,
            mechanism="request-for-explanation",
            subject="x",
            respondent=de,
        )
    # Nor is a signatory a party.
    pl = add_party(secretariat, "pl")
    participation_set(agent=secretariat, party=pl, charter=est, status=Status.SIGNATORY)
    with pytest.raises(NotPermitted):
        services.procedure_open(
            agent=user("pl-head"),
            charter=est,
            mechanism="consultations",
            subject="x",
            invited=[fr],
        )


def test_roles_come_from_the_charter(helsinki, est, fr, de, secretariat, user):
    """helsinki lets a verification officer request; est-2009 does not."""
    user_create(
        agent=secretariat,
        username="fr-officer",
        party=fr,
        roles=[Role.VERIFICATION_OFFICER],
        password=PASSWORD,
    )
    rfe = open_rfe(user, helsinki, de, as_="fr-officer")
    assert rfe.initiator == fr
    with pytest.raises(NotPermitted):
        services.procedure_open(
            agent=user("fr-officer"),
            charter=est,
            mechanism="information-request",
            subject="x",
            respondent=de,
        )


def test_objecting_and_deciding_need_the_head_in_helsinki(helsinki, fr, de, user):
    conf = services.procedure_open(
        agent=user("fr-delegate"), charter=helsinki, mechanism="conference", subject="A draft"
    )
    draft = step(user, "fr-delegate", conf, "proposal", "The Council decides ...")
    before = snapshot()
    with pytest.raises(NotPermitted):
        step(user, "de-delegate", conf, "objection", "No.", proposal=draft)
    with pytest.raises(NotPermitted):
        step(user, "fr-delegate", conf, "call-decision", proposal=draft)
    assert snapshot() == before
    # Delegates may speak and amend.
    step(user, "de-delegate", conf, "amendment", "Replace 'decides' by 'notes'.", proposal=draft)
    step(user, "de-delegate", conf, "statement", "We join.", proposal=draft)
    step(user, "de-head", conf, "objection", "No.", proposal=draft)
    step(user, "fr-head", conf, "call-decision", proposal=draft)
    assert not Decision.objects.exists()


# --- consultations (est-2009) --------------------------------------------------------


def test_consultations_invited_joined_statements_outcome(est, fr, de, it, secretariat, user):
    es = add_party(secretariat, "es", est)
    cons = services.procedure_open(
        agent=user("fr-delegate"),
        charter=est,
        mechanism="consultations",
        subject="A threat of violation",
        text="We request consultations under Article 5.",
        invited=[de, fr],  # the requesting party is not its own guest
    )
    assert cons.kind == "consultations"
    assert cons.state == State.OPEN
    assert codes(cons, PRole.INITIATOR) == {"fr"}
    assert codes(cons, PRole.INVITED) == {"de"}
    assert not cons.open_to_all
    assert cons.deadlines.get(name="respond").due_at == cons.opened_at + timedelta(days=10)
    opened = Act.objects.get(pk=cons.act_id)
    assert opened.content["invited"] == ["de"]
    assert set(opened.recipients.values_list("code", flat=True)) == {"fr", "de"}

    # A party not taking part speaks only after joining.
    with pytest.raises(NotPermitted):
        step(user, "it-delegate", cons, "statement", "Our view.")
    joined = step(user, "it-delegate", cons, "join", "We consider ourselves interested.")
    assert joined.kind == "join"
    assert codes(cons, PRole.JOINED) == {"it"}
    with pytest.raises(ServiceError):
        step(user, "it-head", cons, "join")  # once
    with pytest.raises(ServiceError):
        step(user, "fr-head", cons, "join")  # the initiator takes part already

    step(user, "de-head", cons, "statement", "There is no violation.")
    step(user, "it-delegate", cons, "statement", "We call for restraint.")
    step(user, "fr-delegate", cons, "statement", "We maintain our concern.")
    # Acts of the consultations go to those taking part at the time.
    last = Act.objects.get(pk=cons.steps.order_by("-id").first().act_id)
    assert set(last.recipients.values_list("code", flat=True)) == {"fr", "de", "it"}
    assert es.code not in set(last.recipients.values_list("code", flat=True))

    # A party outside gives no outcome; an invited party may; only the initiator closes.
    with pytest.raises(NotPermitted):
        step(user, "es-head", cons, "outcome", "Settled.")
    with pytest.raises(NotPermitted):
        step(user, "de-head", cons, "close")
    outcome = step(user, "de-head", cons, "outcome", "The matter is not settled.")
    assert outcome.kind == "outcome"
    cons = refresh(cons)
    assert cons.state == State.CLOSED
    assert cons.closed_at is not None
    assert not cons.deadlines.filter(done_at__isnull=True).exists()

    before = snapshot()
    for kind, text in [("statement", "More."), ("join", ""), ("outcome", "Again."), ("close", "")]:
        with pytest.raises(ServiceError, match="closed"):
            step(user, "es-head" if kind == "join" else "fr-head", cons, kind, text)
    assert snapshot() == before
    # The respond deadline, cancelled on closing, never fires.
    clock.advance(timedelta(days=11))
    worker_pass()
    assert not cons.steps.filter(kind="deadline").exists()


def test_the_initiator_closes_consultations(est, fr, de, user):
    cons = services.procedure_open(
        agent=user("fr-head"), charter=est, mechanism="consultations", subject="x", invited=[de]
    )
    step(user, "fr-delegate", cons, "close", "Withdrawn.")
    assert refresh(cons).state == State.CLOSED


def test_a_party_not_taking_part_does_not_reply_in_consultations(est, fr, de, it, user):
    cons = services.procedure_open(
        agent=user("fr-head"), charter=est, mechanism="consultations", subject="x", invited=[de]
    )
    before = snapshot()
    with pytest.raises(NotPermitted):
        step(user, "it-head", cons, "reply", "We reply though not invited.")
    assert snapshot() == before


def test_consultations_with_oneself_are_refused(est, fr, de, user):
    with pytest.raises(ServiceError) as err:
        services.procedure_open(
            agent=user("fr-head"),
            charter=est,
            mechanism="consultations",
            subject="Alone",
            respondent=fr,
        )
    assert err.value.field == "respondent"


# --- conference of the parties (est-2009) ---------------------------------------------


@pytest.fixture
def five(est, fr, de, it, secretariat):  # type: ignore[no-untyped-def]
    """Five parties to est-2009: a quorum of two thirds is four."""
    add_party(secretariat, "es", est)
    add_party(secretariat, "pl", est)


def consultations_of(user, est, de):  # type: ignore[no-untyped-def]
    return services.procedure_open(
        agent=user("fr-head"),
        charter=est,
        mechanism="consultations",
        subject="A threat",
        invited=[de],
    )


def conference(user, est, parent, username="fr-delegate"):  # type: ignore[no-untyped-def]
    return services.procedure_open(
        agent=user(username),
        charter=est,
        mechanism="conference",
        subject="Conference on the threat",
        parent=parent,
    )


def test_a_conference_is_proposed_from_consultations_one_took_part_in(est, fr, de, it, user):
    before = snapshot()
    with pytest.raises(ServiceError) as err:
        conference(user, est, None)
    assert err.value.field == "parent"
    cons = consultations_of(user, est, de)
    # it took no part in the consultations.
    with pytest.raises(ServiceError) as err:
        conference(user, est, cons, "it-head")
    assert err.value.field == "parent"
    # A parent that is not consultations does not do.
    other = services.procedure_open(
        agent=user("fr-head"),
        charter=est,
        mechanism="information-request",
        subject="x",
        respondent=de,
    )
    with pytest.raises(ServiceError) as err:
        conference(user, est, other)
    assert err.value.field == "parent"
    assert Procedure.objects.filter(kind="conference").count() == 0
    assert snapshot()[1] == before[1] + 2

    # The invited party took part as much as the initiator.
    conf = conference(user, est, cons, "de-delegate")
    assert conf.kind == "conference"
    assert conf.state == State.CONVENED
    assert conf.open_to_all
    assert conf.parent == cons
    assert not Act.objects.get(pk=conf.act_id).restricted
    # The consultations go on until settled.
    assert refresh(cons).state == State.OPEN


def test_conference_quorum_consensus_and_decision(est, fr, de, it, five, user):
    conf = conference(user, est, consultations_of(user, est, de))
    draft = step(user, "fr-delegate", conf, "proposal", "The Conference calls on all ...")
    assert draft.kind == "proposal"
    step(user, "de-delegate", conf, "attend")
    step(user, "it-delegate", conf, "attend")
    with pytest.raises(ServiceError):
        step(user, "it-delegate", conf, "attend")  # once
    assert services.quorum_of(conf) == (3, 4, 5)

    before = snapshot()
    with pytest.raises(ServiceError) as err:
        step(user, "fr-head", conf, "call-decision", proposal=draft)
    assert err.value.field == "quorum"
    assert snapshot() == before

    # An interpretative statement concerns a draft.
    with pytest.raises(ServiceError) as err:
        step(user, "es-delegate", conf, "statement", "We read it so.", interpretative=True)
    assert err.value.field == "proposal"
    note = step(
        user,
        "es-delegate",
        conf,
        "statement",
        "We read it so.",
        proposal=draft,
        interpretative=True,
    )
    assert note.proposal == draft
    assert Act.objects.get(pk=note.act_id).content["interpretative"] is True
    assert services.quorum_of(conf) == (4, 4, 5)  # speaking is being present

    decided = step(user, "fr-head", conf, "call-decision", proposal=draft)
    assert decided.kind == "call-decision"
    decision = Decision.objects.get()
    assert decision.number == 1
    assert decision.text == "The Conference calls on all ..."
    assert decision.rule == "consensus"
    assert decision.procedure == conf
    assert decision.proposal == draft
    assert decision.charter == est
    act = Act.objects.get(pk=decision.act_id)
    assert act.type == ActType.DECISION_ADOPTED
    assert act.actor is None
    assert act.content["text"] == decision.text
    assert not act.restricted
    assert conf.steps.filter(kind="decision").count() == 1

    # A decided draft is not decided again, nor objected to.
    with pytest.raises(ServiceError) as err:
        step(user, "fr-head", conf, "call-decision", proposal=draft)
    assert err.value.field == "proposal"
    with pytest.raises(ServiceError):
        step(user, "de-head", conf, "objection", "Too late.", proposal=draft)

    # The next decision under the charter is number 2.
    second = step(user, "de-delegate", conf, "proposal", "The Conference will meet again.")
    step(user, "fr-head", conf, "call-decision", proposal=second)
    assert sorted(Decision.objects.values_list("number", flat=True)) == [1, 2]


def test_an_objection_by_a_present_party_blocks_consensus(est, fr, de, it, five, user):
    conf = conference(user, est, consultations_of(user, est, de))
    draft = step(user, "fr-delegate", conf, "proposal", "The Conference finds a violation.")
    for username in ("it-delegate", "es-delegate"):
        step(user, username, conf, "attend")
    objection = step(user, "de-head", conf, "objection", "We object.", proposal=draft)
    assert objection.proposal == draft
    assert services.quorum_of(conf)[0] == 4
    acts = Act.objects.count()
    step(user, "fr-head", conf, "call-decision", proposal=draft)
    assert not Decision.objects.exists()
    assert not Act.objects.filter(type=ActType.DECISION_ADOPTED).exists()
    not_adopted = conf.steps.get(kind="not-adopted")
    assert Act.objects.get(pk=not_adopted.act_id).content["objections"] == ["de"]
    assert Act.objects.count() == acts + 2  # the call and the depositary's finding


def test_amendments_and_objections_name_a_draft_of_this_procedure(est, fr, de, it, five, user):
    conf = conference(user, est, consultations_of(user, est, de))
    draft = step(user, "fr-delegate", conf, "proposal", "Draft A.")
    statement = step(user, "de-delegate", conf, "statement", "A statement, not a draft.")
    other = services.procedure_open(
        agent=user("fr-head"),
        charter=est,
        mechanism="conference",
        subject="Other",
        parent=conf.parent,
    )
    foreign = step(user, "fr-delegate", other, "proposal", "Draft B.")
    before = snapshot()
    for kind, proposal in [
        ("amendment", None),
        ("amendment", statement),
        ("objection", None),
        ("call-decision", None),
        ("call-decision", statement),
        ("objection", foreign),
        ("amendment", foreign),
        ("call-decision", foreign),
    ]:
        with pytest.raises(ServiceError) as err:
            step(user, "de-head", conf, kind, "Text.", proposal=proposal)
        assert err.value.field == "proposal", (kind, proposal)
    assert snapshot() == before
    assert step(user, "de-head", conf, "amendment", "Draft A'.", proposal=draft).proposal == draft


def test_steps_that_belong_to_other_procedures_are_refused(est, helsinki, fr, de, user):
    cons = consultations_of(user, est, de)
    rfe = open_rfe(user, helsinki, de)
    conf = conference(user, est, cons)
    before = snapshot()
    for procedure, kind in [
        (cons, "proposal"),  # drafts are proposed in meetings
        (cons, "attend"),
        (rfe, "join"),  # a bilateral request is not joined
        (conf, "reply"),
        (conf, "request-meeting"),
        (conf, "support"),  # not gathering support
        (conf, "reject"),  # only a conciliation report is rejected
    ]:
        with pytest.raises(ServiceError) as err:
            step(user, "fr-head", procedure, kind, "Text.")
        assert err.value.field == "kind", (procedure.kind, kind)
    assert snapshot() == before


# --- extraordinary conference and consensus minus one -------------------------------


def test_unanimity_minus_the_party_concerned(est, fr, de, it, five, user):
    """est-2009 Art. 8: four fifths present; all votes but the attacker's."""
    extra = services.procedure_open(
        agent=user("fr-head"),
        charter=est,
        mechanism="extraordinary-conference",
        subject="Armed attack",
        respondent=de,
    )
    assert extra.state == State.CONVENED
    assert extra.open_to_all
    assert extra.deadlines.get(name="convene").due_at == extra.opened_at + timedelta(hours=24)
    draft = step(user, "fr-delegate", extra, "proposal", "Measures to restore peace.")
    for username in ("it-delegate", "es-delegate", "de-delegate"):
        step(user, username, extra, "attend")
    assert services.quorum_of(extra) == (4, 4, 5)
    step(user, "de-head", extra, "objection", "We object.", proposal=draft)
    # it and es have not yet joined the draft: not unanimous.
    step(user, "fr-head", extra, "call-decision", proposal=draft)
    assert not Decision.objects.exists()
    step(user, "it-delegate", extra, "statement", "We support it.", proposal=draft)
    step(user, "es-delegate", extra, "statement", "We support it.", proposal=draft)
    step(user, "fr-head", extra, "call-decision", proposal=draft)
    decision = Decision.objects.get()
    assert decision.rule == "unanimity-minus-party-concerned"


def test_consensus_minus_one_does_not_count_the_state_concerned(helsinki, fr, de, it, user):
    cmo = services.procedure_open(
        agent=user("fr-head"),
        charter=helsinki,
        mechanism="consensus-minus-one",
        subject="Gross violations",
        respondent=de,
    )
    draft = step(user, "fr-delegate", cmo, "proposal", "Measures without de's consent.")
    step(user, "de-head", cmo, "objection", "We object.", proposal=draft)
    step(user, "it-delegate", cmo, "attend")
    step(user, "fr-head", cmo, "call-decision", proposal=draft)
    assert Decision.objects.get().rule == "consensus-minus-one"

    # Another State's objection still counts.
    second = step(user, "fr-delegate", cmo, "proposal", "Further measures.")
    step(user, "it-head", cmo, "objection", "We object.", proposal=second)
    step(user, "fr-head", cmo, "call-decision", proposal=second)
    assert Decision.objects.count() == 1


# --- silence procedure (helsinki) --------------------------------------------------------


def silence(user, helsinki):  # type: ignore[no-untyped-def]
    return services.procedure_open(
        agent=user("fr-delegate"),
        charter=helsinki,
        mechanism="silence-procedure",
        subject="Draft under silence",
    )


def test_silence_adopts_the_draft_at_the_deadline(helsinki, fr, de, user):
    proc = silence(user, helsinki)
    assert proc.kind == "conference"
    assert proc.open_to_all
    draft = step(user, "fr-delegate", proc, "proposal", "The participating States agree ...")
    deadline = proc.deadlines.get(proposal=draft)
    assert deadline.action == "adopt-if-silent"
    assert deadline.due_at == draft.at + timedelta(days=3)
    # Nobody calls for a decision under silence.
    with pytest.raises(ServiceError) as err:
        step(user, "fr-head", proc, "call-decision", proposal=draft)
    assert err.value.field == "kind"

    clock.advance(timedelta(days=2, hours=23))
    worker_pass()
    assert not Decision.objects.exists()
    clock.advance(timedelta(hours=1, seconds=1))
    worker_pass()
    worker_pass()
    decision = Decision.objects.get()
    assert decision.number == 1
    assert decision.rule == "silence"
    assert decision.text == "The participating States agree ..."
    assert decision.charter == helsinki
    assert Act.objects.filter(type=ActType.DECISION_ADOPTED).count() == 1
    assert proc.steps.filter(kind="deadline").count() == 1
    assert refresh(deadline).done_at is not None

    # Breaking silence afterwards is refused.
    before = snapshot()
    with pytest.raises(ServiceError) as err:
        step(user, "de-head", proc, "break-silence", "Too late.", proposal=draft)
    assert err.value.field == "proposal"
    assert snapshot() == before


def test_breaking_silence_prevents_adoption(helsinki, fr, de, user):
    proc = silence(user, helsinki)
    draft = step(user, "fr-delegate", proc, "proposal", "Draft.")
    with pytest.raises(ServiceError) as err:
        step(user, "de-head", proc, "break-silence", "No.")
    assert err.value.field == "proposal"
    with pytest.raises(NotPermitted):
        step(user, "de-delegate", proc, "break-silence", "No.", proposal=draft)
    clock.advance(timedelta(days=2))
    broken = step(user, "de-head", proc, "break-silence", "We break silence.", proposal=draft)
    assert broken.proposal == draft
    assert Act.objects.get(pk=broken.act_id).actor == de
    with pytest.raises(ServiceError):
        step(user, "de-head", proc, "break-silence", "Again.", proposal=draft)
    clock.advance(timedelta(days=2))
    worker_pass()
    assert not Decision.objects.exists()
    assert not proc.steps.filter(kind="deadline").exists()


def test_breaking_silence_after_the_deadline_before_the_worker_is_refused(helsinki, fr, de, user):
    proc = silence(user, helsinki)
    draft = step(user, "fr-delegate", proc, "proposal", "Draft.")
    clock.advance(timedelta(days=3, seconds=1))
    before = snapshot()
    with pytest.raises(ServiceError) as err:
        step(user, "de-head", proc, "break-silence", "Too late.", proposal=draft)
    assert err.value.field == "proposal"
    # The refusal stores nothing, not even the adoption that fell due; the worker does it.
    assert snapshot() == before
    worker_pass()
    assert Decision.objects.get().proposal == draft


def test_each_draft_has_its_own_silence(helsinki, fr, de, user):
    proc = silence(user, helsinki)
    first = step(user, "fr-delegate", proc, "proposal", "First.")
    clock.advance(timedelta(days=1))
    second = step(user, "de-delegate", proc, "proposal", "Second.")
    step(user, "fr-head", proc, "break-silence", "No.", proposal=second)
    clock.advance(timedelta(days=2, seconds=1))
    worker_pass()
    assert list(Decision.objects.values_list("proposal", flat=True)) == [first.pk]
    clock.advance(timedelta(days=2))
    worker_pass()
    assert Decision.objects.count() == 1


# --- emergency meeting (helsinki) -----------------------------------------------------


@pytest.fixture
def many(helsinki, secretariat):  # type: ignore[no-untyped-def]
    return [add_party(secretariat, code, helsinki, roles=[Role.HEAD]) for code in MORE_STATES]


def emergency(user, helsinki):  # type: ignore[no-untyped-def]
    return services.procedure_open(
        agent=user("fr-head"),
        charter=helsinki,
        mechanism="emergency-meeting",
        subject="An emergency situation",
    )


def test_emergency_meeting_convened_at_the_twelfth_supporter(helsinki, fr, de, many, user):
    meeting = emergency(user, helsinki)
    assert meeting.state == State.GATHERING_SUPPORT
    assert meeting.open_to_all
    assert meeting.deadlines.get(name="support").due_at == meeting.opened_at + timedelta(hours=48)
    # The requesting State is the first supporter (services.procedure_open).
    assert codes(meeting, PRole.SUPPORTER) == {"fr"}
    with pytest.raises(ServiceError):
        step(user, "fr-delegate", meeting, "support")
    with pytest.raises(ServiceError) as err:
        step(user, "fr-delegate", meeting, "proposal", "Not yet.")
    assert err.value.field == "kind"

    supporters = ["de-delegate"] + [f"{code}-head" for code in MORE_STATES[:9]]
    for username in supporters:
        step(user, username, meeting, "support", "We support the request.")
    assert len(codes(meeting, PRole.SUPPORTER)) == 11
    assert refresh(meeting).state == State.GATHERING_SUPPORT
    assert not meeting.steps.filter(kind="convened").exists()

    clock.advance(timedelta(hours=47))
    step(user, f"{MORE_STATES[9]}-head", meeting, "support")
    meeting = refresh(meeting)
    assert meeting.state == State.CONVENED
    assert len(codes(meeting, PRole.SUPPORTER)) == 12
    convened = meeting.steps.get(kind="convened")
    assert convened.party is None
    assert Act.objects.get(pk=convened.act_id).actor is None
    assert meeting.deadlines.get(name="support").done_at is not None
    with pytest.raises(ServiceError) as err:
        step(user, f"{MORE_STATES[10]}-head", meeting, "support")
    assert err.value.field == "kind"

    # The support deadline no longer closes it.
    clock.advance(timedelta(hours=2))
    worker_pass()
    assert refresh(meeting).state == State.CONVENED
    # It opens 48 hours after it was convened (tests/procedures/test_emergency_window.py);
    # every State is present, as the charter sets no quorum.
    clock.advance(timedelta(hours=46, seconds=1))
    draft = step(user, "fr-delegate", meeting, "proposal", "Recommended measures.")
    for username in ["de-head"] + [f"{code}-head" for code in MORE_STATES]:
        step(user, username, meeting, "attend")
    step(user, "fr-head", meeting, "call-decision", proposal=draft)
    assert Decision.objects.get().rule == "consensus"


def test_emergency_meeting_without_support_is_closed_by_the_worker(helsinki, fr, de, many, user):
    meeting = emergency(user, helsinki)
    for username in ["de-delegate"] + [f"{code}-head" for code in MORE_STATES[:5]]:
        step(user, username, meeting, "support")
    clock.advance(timedelta(hours=48, seconds=1))
    # Too late, though the worker has not run: refused, nothing stored.
    before = snapshot()
    with pytest.raises(ServiceError, match="closed"):
        step(user, f"{MORE_STATES[6]}-head", meeting, "support")
    assert snapshot() == before
    assert refresh(meeting).state == State.GATHERING_SUPPORT
    worker_pass()
    meeting = refresh(meeting)
    assert meeting.state == State.CLOSED
    assert meeting.steps.filter(kind="deadline").count() == 1
    assert Act.objects.filter(type=ActType.PROCEDURE_DEADLINE).count() == 1
    worker_pass()
    assert Act.objects.filter(type=ActType.PROCEDURE_DEADLINE).count() == 1
    with pytest.raises(ServiceError, match="closed"):
        step(user, f"{MORE_STATES[6]}-head", meeting, "support")


# --- indivisible-security review (est-2009) ------------------------------------------


def review(user, est):  # type: ignore[no-untyped-def]
    return services.procedure_open(
        agent=user("fr-head"),
        charter=est,
        mechanism="indivisible-security-review",
        subject="Deployment of an air-defence battalion",
    )


def test_each_objection_in_a_review_opens_consultations(est, fr, de, it, user):
    rev = review(user, est)
    assert rev.state == State.OPEN
    assert rev.deadlines.get(name="object").due_at == rev.opened_at + timedelta(days=30)
    with pytest.raises(ServiceError):
        step(user, "fr-head", rev, "objection", "Our own measure.")
    with pytest.raises(NotPermitted):
        step(user, "de-delegate", rev, "objection", "Delegates do not object.")
    assert not Procedure.objects.filter(kind="consultations").exists()

    objection = step(user, "de-head", rev, "objection", "It affects our security.")
    assert objection.kind == "objection"
    assert objection.party == de
    child = Procedure.objects.get(kind="consultations")
    assert child.parent == rev
    assert child.mechanism == "consultations"
    assert child.initiator == de
    assert codes(child, PRole.INVITED) == {"fr"}
    assert Act.objects.get(pk=child.act_id).content["text"] == "It affects our security."
    # The review goes on: another party objects too.
    step(user, "it-head", rev, "objection", "Ours too.")
    children = Procedure.objects.filter(kind="consultations", parent=rev)
    assert set(children.values_list("initiator__code", flat=True)) == {"de", "it"}
    assert refresh(rev).state == State.OPEN

    clock.advance(timedelta(days=30, seconds=1))
    worker_pass()
    assert refresh(rev).state == State.CLOSED
    with pytest.raises(ServiceError, match="closed"):
        step(user, "it-head", rev, "objection", "Late.")
    # The consultations it opened go on.
    assert set(children.values_list("state", flat=True)) == {State.OPEN}


def test_a_review_opened_by_a_party_is_open_to_all(est, fr, de, user):
    rev = review(user, est)
    assert rev.open_to_all
    assert not Act.objects.get(pk=rev.act_id).restricted


# --- bad input -------------------------------------------------------------------------


OPEN_CASES = [
    ({"mechanism": "nope"}, "mechanism"),
    ({"mechanism": "inspection"}, "mechanism"),  # a helsinki mechanism no party opens
    ({"subject": ""}, "subject"),
    ({"subject": "   "}, "subject"),
    ({"respondent": None}, "respondent"),
    ({"respondent": "fr"}, "respondent"),  # itself
    ({"respondent": "es"}, "respondent"),  # not a participating State of helsinki
    ({"text": "x" * 20001}, "text"),
    ({"mechanism": "consultations", "respondent": None}, "invited"),
    ({"mechanism": "consultations", "respondent": None, "invited": ["es"]}, "invited"),
]


@pytest.mark.parametrize(("change", "field"), OPEN_CASES)
def test_bad_openings_name_the_field_and_store_nothing(
    helsinki, est, fr, de, secretariat, user, change, field
):
    add_party(secretariat, "es", est)
    parties = {p.code: p for p in Party.objects.all()}
    kw = {
        "mechanism": "request-for-explanation",
        "subject": "A subject",
        "text": "",
        "respondent": "de",
        "invited": [],
        **change,
    }
    kw["respondent"] = parties[kw["respondent"]] if kw["respondent"] else None
    kw["invited"] = [parties[c] for c in kw["invited"]]
    before = snapshot()
    with pytest.raises(ServiceError) as err:
        services.procedure_open(agent=user("fr-head"), charter=helsinki, **kw)
    assert err.value.field == field
    assert not isinstance(err.value, NotPermitted)
    assert snapshot() == before


def test_text_of_20000_characters_is_taken(helsinki, fr, de, user):
    rfe = open_rfe(user, helsinki, de, text="x" * 20000)
    assert Act.objects.get(pk=rfe.act_id).content["text"] == "x" * 20000
    step(user, "de-head", rfe, "reply", "y" * 20000)


STEP_CASES = [
    ("nope", "Text.", "kind"),
    ("", "Text.", "kind"),
    ("reply", "x" * 20001, "text"),
    ("reply", "", "text"),
    ("reply", "   ", "text"),
    ("statement", "x" * 20001, "text"),
]


@pytest.mark.parametrize(("kind", "text", "field"), STEP_CASES)
def test_bad_steps_name_the_field_and_store_nothing(helsinki, fr, de, user, kind, text, field):
    rfe = open_rfe(user, helsinki, de)
    before = snapshot()
    with pytest.raises(ServiceError) as err:
        step(user, "de-head", rfe, kind, text)
    assert err.value.field == field
    assert snapshot() == before
    assert refresh(rfe).state == State.AWAITING_REPLY


def test_a_proposal_from_another_procedure_is_refused(helsinki, fr, de, user):
    one = services.procedure_open(
        agent=user("fr-head"), charter=helsinki, mechanism="conference", subject="One"
    )
    two = services.procedure_open(
        agent=user("fr-head"), charter=helsinki, mechanism="conference", subject="Two"
    )
    draft = step(user, "fr-delegate", one, "proposal", "Draft of one.")
    before = snapshot()
    for kind, text in [("statement", "About it."), ("amendment", "Changed.")]:
        with pytest.raises(ServiceError) as err:
            step(user, "de-head", two, kind, text, proposal=draft)
        assert err.value.field == "proposal"
    assert snapshot() == before


def test_refusals_store_nothing_even_when_a_deadline_fell_due(helsinki, fr, de, it, user):
    """A refused step rolls back the deadlines it carried out first; the worker does them."""
    rfe = open_rfe(user, helsinki, de)
    clock.advance(timedelta(hours=49))
    before = snapshot()
    with pytest.raises(NotPermitted):
        step(user, "fr-head", rfe, "reply", "Not ours to give.")
    with pytest.raises(ServiceError):
        step(user, "de-head", rfe, "reply", "x" * 20001)
    assert snapshot() == before
    assert refresh(rfe).state == State.AWAITING_REPLY
    assert selectors.state_of(rfe) == State.OVERDUE
    worker_pass()
    assert refresh(rfe).state == State.OVERDUE


# --- information request, dispute settlement, numbering --------------------------------


def test_an_information_request_leads_to_consultations(est, fr, de, user):
    request = services.procedure_open(
        agent=user("fr-delegate"),
        charter=est,
        mechanism="information-request",
        subject="Measures affecting our security",
        respondent=de,
    )
    assert request.state == State.AWAITING_REPLY
    assert request.deadlines.get(name="reply").due_at == request.opened_at + timedelta(days=10)
    step(user, "de-delegate", request, "reply", "Our reply.")
    cons = services.procedure_open(
        agent=user("fr-delegate"),
        charter=est,
        mechanism="consultations",
        subject="The reply does not settle the matter",
        invited=[de],
        parent=request,
    )
    assert cons.parent == request
    assert refresh(request).state == State.CLOSED


def test_dispute_settlement_between_two_parties(helsinki, fr, de, it, user):
    dispute = services.procedure_open(
        agent=user("fr-head"),
        charter=helsinki,
        mechanism="dispute-settlement",
        subject="Interpretation of a commitment",
        respondent=de,
    )
    assert dispute.state == State.OPEN
    assert not dispute.open_to_all
    # The 30 days run from the commission's report (tests/procedures/test_conciliation.py).
    assert not dispute.deadlines.exists()
    with pytest.raises(NotPermitted):
        step(user, "it-head", dispute, "statement", "Our view.")
    with pytest.raises(NotPermitted):
        step(user, "it-head", dispute, "reject", "")
    with pytest.raises(NotPermitted):
        step(user, "de-delegate", dispute, "reject", "")  # signing is the head's
    services.conciliation_report_submit(
        agent=user("secretariat"), procedure=dispute, text="The commission proposes ..."
    )
    step(user, "fr-head", dispute, "accept", "We accept them.")
    step(user, "de-head", dispute, "reject", "We reject the proposals.")
    assert [s.kind for s in dispute.steps.all()] == [
        "report",
        "accept",
        "reject",
        "report-rejected",
    ]
    assert refresh(dispute).state == State.CLOSED


def test_a_dispute_needs_another_party_as_respondent(helsinki, fr, de, user):
    for respondent in (None, fr):
        with pytest.raises(ServiceError) as err:
            services.procedure_open(
                agent=user("fr-head"),
                charter=helsinki,
                mechanism="dispute-settlement",
                subject="x",
                respondent=respondent,
            )
        assert err.value.field == "respondent"


def test_decisions_are_numbered_per_charter(helsinki, est, fr, de, user):
    conf = conference(user, est, consultations_of(user, est, de))
    step(user, "de-delegate", conf, "attend")
    draft = step(user, "fr-delegate", conf, "proposal", "est decision.")
    step(user, "fr-head", conf, "call-decision", proposal=draft)
    council = services.procedure_open(
        agent=user("fr-head"), charter=helsinki, mechanism="conference", subject="A draft"
    )
    step(user, "de-delegate", council, "attend")  # every State: helsinki sets no quorum
    for text in ("helsinki one.", "helsinki two."):
        d = step(user, "fr-delegate", council, "proposal", text)
        step(user, "fr-head", council, "call-decision", proposal=d)
    numbers = {(d.charter.code, d.number, d.text) for d in Decision.objects.all()}
    assert numbers == {
        ("est-2009", 1, "est decision."),
        ("helsinki", 1, "helsinki one."),
        ("helsinki", 2, "helsinki two."),
    }


# --- withdrawal while the worker is down -------------------------------------------------


@pytest.fixture
def withdrawn_es(est, fr, de, it, secretariat, user):  # type: ignore[no-untyped-def]
    """es, a fourth party to est-2009, whose notice of withdrawal has run out though the
    worker has not yet recorded it."""
    from concord.parties.services import withdrawal_notify

    es = add_party(secretariat, "es", est)
    conf = conference(user, est, consultations_of(user, est, de))
    step(user, "es-delegate", conf, "attend")
    withdrawal_notify(agent=user("es-head"), party=es, charter=est)
    clock.advance(timedelta(days=91))
    return conf


def test_a_party_whose_withdrawal_took_effect_takes_no_step(withdrawn_es, user):
    before = snapshot()
    with pytest.raises(NotPermitted):
        step(user, "es-head", withdrawn_es, "statement", "Still here?")
    assert snapshot() == before


def test_quorum_counts_the_parties_now_before_the_worker(withdrawn_es):
    _present, needed, of = services.quorum_of(withdrawn_es)
    assert (needed, of) == (2, 3)


def test_quorum_counts_the_parties_now_after_the_worker(withdrawn_es):
    worker_pass()
    assert services.quorum_of(withdrawn_es)[1:] == (2, 3)
