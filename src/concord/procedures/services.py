"""Every write to procedures. Each opening, step, decision and passed deadline is an
act in the record; what may be done, by whom and until when comes from the charter's
mechanism (its kind, deadlines, quorum, support and decision rule).

Meetings (window, quorum, decision rules, silence, chair and rapporteur) are in
``meetings``, conciliation reports in ``conciliation``, the means of settling a dispute
(negotiation, good offices, mediation) in ``settlement`` and its award in
``arbitration``, the clock in ``deadlines``; their public services are named here too, so callers need one module."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from concord import clock
from concord.charters.loader import duration
from concord.charters.models import Charter
from concord.parties.models import Party, User
from concord.parties.services import NotPermitted, ServiceError
from concord.procedures import conciliation, settlement
from concord.procedures.acts import (
    BILATERAL,
    MAX_TEXT,
    MEETINGS,
    acting_party,
    deadline_finish,
    deadline_set,
    definition_of,
    depositary_step_append,
    is_party,
    mechanism_of,
    participant_add,
    period_of,
    procedure_close,
    roles_of,
    roles_require,
    step_append,
    text_clean,
)
from concord.procedures.arbitration import arbitration_award_record
from concord.procedures.conciliation import conciliation_report_submit
from concord.procedures.deadlines import deadlines_due, procedure_lock
from concord.procedures.meetings import (
    break_silence,
    call_decision,
    draft_require,
    meeting_convene,
    procedure_decision_call,
    procedure_meeting_schedule,
    procedure_role_assign,
    quorum_of,
    silence_break,
    silence_end,
)
from concord.procedures.models import Procedure, SettlementOffer, State, Step
from concord.procedures.models import Role as PRole
from concord.procedures.settlement import (
    SETTLEMENT_STEPS,
    mediation_proposal_submit,
    settlement_contact_record,
    settlement_means_propose,
    settlement_third_party_propose,
)
from concord.record.models import ActType
from concord.record.services import act_append

__all__ = [
    "MAX_TEXT",
    "OPENABLE",
    "SETTLEMENT_STEPS",
    "arbitration_award_record",
    "conciliation_report_submit",
    "deadlines_due",
    "mechanism_of",
    "mediation_proposal_submit",
    "procedure_decision_call",
    "procedure_meeting_schedule",
    "procedure_open",
    "procedure_role_assign",
    "procedure_step",
    "quorum_of",
    "review_open_for",
    "settlement_contact_record",
    "settlement_means_propose",
    "settlement_third_party_propose",
]

OPENABLE = {
    *BILATERAL,
    "consultations",
    "conference",
    "extraordinary-conference",
    "emergency-meeting",
    "dispute-settlement",
    "indivisible-security-review",
}

# Which charter role list (``roles`` in the charter) governs each step.
STEP_ROLE = {
    "reply": "reply",
    "request-meeting": "request",
    "escalate": "request",
    "join": "consult",
    "statement": "consult",
    "objection": "object",
    "proposal": "propose",
    "amendment": "propose",
    "attend": "consult",
    "break-silence": "object",
    "support": "request",
    "call-decision": "decide",
    "accept": "sign",
    "reject": "sign",
    "outcome": "consult",
    "close": "consult",
}
# Steps the secretariat takes for the depositary, each through its own service.
DEPOSITARY_STEPS = {"assign-chair", "assign-rapporteur", "report", "schedule"}


# --- opening ----------------------------------------------------------------------


def procedure_open(
    *,
    agent: User,
    charter: Charter,
    mechanism: str,
    subject: str,
    text: str = "",
    respondent: Party | None = None,
    invited: Iterable[Party] = (),
    parent: Procedure | None = None,
    means: str = "",
) -> Procedure:
    """Open a procedure under one of the charter's mechanisms; a dispute opens in the
    means of settlement its initiator names (``means``), or the charter's default."""
    definition = mechanism_of(charter, mechanism)
    kind = definition["kind"]
    if kind not in OPENABLE:
        raise ServiceError(_("This mechanism is not opened by a party."), field="mechanism")
    party = acting_party(agent, charter, "request")
    means = settlement.opening_means(charter, definition, means)
    subject = text_clean(subject, "subject")[:300]
    text = text_clean(text, required=False)
    invited = [p for p in invited if p.pk != party.pk]
    if kind in BILATERAL | {"dispute-settlement"} and respondent is None:
        raise ServiceError(_("Name the party the request is addressed to."), field="respondent")
    if respondent is not None:
        if respondent.pk == party.pk:
            raise ServiceError(
                _("A party does not address a request to itself."), field="respondent"
            )
        if not is_party(respondent, charter):
            raise ServiceError(
                _("The respondent is not a party to this charter."), field="respondent"
            )
    if parent is not None:
        if parent.charter_version.charter_id != charter.pk:
            raise ServiceError(_("The earlier procedure is under another charter."), field="parent")
        if not parent.open_to_all and not parent.participants.filter(party=party).exists():
            raise ServiceError(
                _("Your party does not take part in the earlier procedure."), field="parent"
            )
    if kind == "consultations" and not invited and respondent is None:
        raise ServiceError(_("Invite at least one party you consider interested."), field="invited")
    for p in invited:
        if not is_party(p, charter):
            raise ServiceError(
                _("%(party)s is not a party to this charter.") % {"party": p.code}, field="invited"
            )
    if kind == "conference":
        took_part = (
            parent is not None
            and parent.kind == "consultations"
            and parent.participants.filter(party=party).exists()
        )
        if definition.get("quorum") and not took_part and charter.code == "est-2009":
            # Art. 6: proposed by a party that took part in the consultations.
            raise ServiceError(
                _("A Conference is proposed by a party that took part in the consultations."),
                field="parent",
            )
    with transaction.atomic():
        assert charter.current is not None
        at = clock.now()
        # Meetings of all parties, and reviews to which every party may object.
        open_to_all = kind in MEETINGS or kind == "indivisible-security-review"
        recipients_ids = {
            party.pk,
            *(p.pk for p in invited),
            *([respondent.pk] if respondent else []),
        }
        act = act_append(
            type=ActType.PROCEDURE_OPENED,
            actor=party,
            agent=agent,
            charter_version=charter.current,
            content={
                "mechanism": mechanism,
                "subject": subject,
                "text": text,
                "respondent": respondent.code if respondent else None,
                "invited": sorted(p.code for p in invited),
                "parent": parent.pk if parent else None,
                **({"means": means} if kind == "dispute-settlement" else {}),
            },
            refs=[parent.act_id] if parent else [],
            recipients=None if open_to_all else list(Party.objects.filter(pk__in=recipients_ids)),
        )
        state = {
            "request-for-explanation": State.AWAITING_REPLY,
            "information-request": State.AWAITING_REPLY,
            "emergency-meeting": State.GATHERING_SUPPORT
            if definition.get("support")
            else State.CONVENED,
            "conference": State.CONVENED,
            "extraordinary-conference": State.CONVENED,
        }.get(kind, State.OPEN)
        procedure = Procedure.objects.create(
            charter_version=charter.current,
            mechanism=mechanism,
            kind=kind,
            initiator=party,
            respondent=respondent,
            subject=subject,
            state=state,
            parent=parent,
            act=act,
            opened_at=at,
            open_to_all=open_to_all,
            means=means,
        )
        participant_add(procedure, party, PRole.INITIATOR)
        if respondent is not None:
            participant_add(procedure, respondent, PRole.RESPONDENT)
        for p in invited:
            participant_add(procedure, p, PRole.INVITED)
        if kind in BILATERAL:
            deadline_set(procedure, "reply", period_of(definition, "reply", at), "overdue")
        elif kind == "consultations":
            deadline_set(
                procedure,
                "respond",
                period_of(definition, "respond", at) or period_of(definition, "reply", at),
                "overdue",
            )
        elif kind == "indivisible-security-review":
            deadline_set(procedure, "object", period_of(definition, "object", at), "close")
        elif kind == "emergency-meeting" and definition.get("support"):
            within = definition["support"].get("within", "PT48H")
            deadline_set(procedure, "support", at + duration(within, start=at), "close-unsupported")
            participant_add(procedure, party, PRole.SUPPORTER)
        elif kind == "extraordinary-conference":
            deadline_set(procedure, "convene", period_of(definition, "convene", at), "none")
        if state == State.CONVENED and (window := meeting_convene(procedure, definition, at)):
            depositary_step_append(procedure, "convened", window)
        if parent is not None and parent.state != State.CLOSED and parent.kind in BILATERAL:
            parent.state = State.CLOSED
            parent.closed_at = at
            parent.save(update_fields=["state", "closed_at"])
    return procedure


# --- steps ------------------------------------------------------------------------


def procedure_step(
    *,
    agent: User,
    procedure: Procedure,
    kind: str,
    text: str = "",
    proposal: Step | None = None,
    interpretative: bool = False,
) -> Step:
    """Take one step in a procedure (reply, join, statement, objection, proposal,
    amendment, attend, break-silence, support, call-decision, accept, reject, outcome,
    close, request-meeting)."""
    if kind not in STEP_ROLE:
        raise ServiceError(_("Unknown step %(kind)s.") % {"kind": kind}, field="kind")
    charter = procedure.charter_version.charter
    party = acting_party(agent, charter, STEP_ROLE[kind])
    handler = _HANDLERS.get(kind)
    assert handler is not None
    with transaction.atomic():
        procedure = procedure_lock(procedure, kind=kind)
        if proposal is not None and proposal.procedure_id != procedure.pk:
            raise ServiceError(_("That proposal belongs to another procedure."), field="proposal")
        return handler(
            procedure,
            party,
            agent,
            text_clean(text, required=kind in _NEEDS_TEXT),
            proposal,
            interpretative,
        )


_NEEDS_TEXT = {"reply", "statement", "proposal", "amendment", "outcome"}


def _reply(
    procedure: Procedure, party: Party, agent: User, text: str, proposal: Step | None, _i: bool
) -> Step:
    if procedure.kind not in BILATERAL | {"consultations"}:
        raise ServiceError(_("There is nothing to reply to in this procedure."), field="kind")
    if procedure.kind == "consultations":
        roles_require(procedure, party, PRole.INVITED, PRole.JOINED, PRole.RESPONDENT)
    if procedure.kind in BILATERAL:
        roles_require(procedure, party, PRole.RESPONDENT)
        if procedure.steps.filter(kind="reply").exists():
            raise ServiceError(_("A reply has already been given."), field="kind")
    step = step_append(procedure, "reply", party=party, agent=agent, text=text)
    if procedure.kind in BILATERAL:
        deadline_finish(procedure, "reply")
        procedure.state = State.REPLIED
        procedure.save(update_fields=["state"])
    return step


def _request_meeting(
    procedure: Procedure, party: Party, agent: User, text: str, proposal: Step | None, _i: bool
) -> Step:
    if procedure.kind not in BILATERAL:
        raise ServiceError(
            _("Meetings are requested after a request for explanation."), field="kind"
        )
    roles_require(procedure, party, PRole.INITIATOR)
    if procedure.state not in (State.OVERDUE, State.REPLIED):
        raise ServiceError(
            _("A meeting may be requested once the reply is in or overdue."), field="kind"
        )
    step = step_append(procedure, "request-meeting", party=party, agent=agent, text=text)
    deadline_set(
        procedure, "meeting", period_of(definition_of(procedure), "meeting", step.at), "none"
    )
    procedure.state = State.MEETING_REQUESTED
    procedure.save(update_fields=["state"])
    return step


def _join_step(
    procedure: Procedure, party: Party, agent: User, text: str, proposal: Step | None, _i: bool
) -> Step:
    if procedure.kind not in {"consultations", "indivisible-security-review", "dispute-settlement"}:
        raise ServiceError(
            _("This procedure is not joined; attend the meeting instead."), field="kind"
        )
    if procedure.state == State.REPORT_SUBMITTED:
        # The report is answered by the parties to the dispute when it was made.
        raise ServiceError(_("No party joins while a report is before the parties."), field="kind")
    if PRole.JOINED in roles_of(procedure, party) or PRole.INITIATOR in roles_of(procedure, party):
        raise ServiceError(_("Your party already takes part."), field="kind")
    if procedure.kind == "dispute-settlement":
        settlement.join_check(procedure, party)
    step = step_append(procedure, "join", party=party, agent=agent, text=text)
    participant_add(procedure, party, PRole.JOINED)
    return step


def _statement(
    procedure: Procedure,
    party: Party,
    agent: User,
    text: str,
    proposal: Step | None,
    interpretative: bool,
) -> Step:
    if not procedure.open_to_all and not roles_of(procedure, party):
        raise NotPermitted(_("Your party does not take part in this procedure."))
    if interpretative and (proposal is None or proposal.kind != "proposal"):
        raise ServiceError(
            _("An interpretative statement concerns a draft decision."), field="proposal"
        )
    if procedure.open_to_all:
        participant_add(procedure, party, PRole.PRESENT)
    return step_append(
        procedure,
        "statement",
        party=party,
        agent=agent,
        text=text,
        proposal=proposal,
        extra={"interpretative": interpretative},
    )


def _proposal(
    procedure: Procedure, party: Party, agent: User, text: str, proposal: Step | None, _i: bool
) -> Step:
    if procedure.kind not in MEETINGS:
        raise ServiceError(
            _("Draft decisions are proposed in a conference or meeting."), field="kind"
        )
    if procedure.state == State.GATHERING_SUPPORT:
        raise ServiceError(_("The meeting has not been convened yet."), field="kind")
    participant_add(procedure, party, PRole.PRESENT)
    step = step_append(procedure, "proposal", party=party, agent=agent, text=text)
    definition = definition_of(procedure)
    if definition.get("decision_rule") == "silence":
        deadline_set(
            procedure,
            f"silence-{step.pk}",
            period_of(definition, "silence", step.at),
            "adopt-if-silent",
            step,
        )
    return step


def _amendment(
    procedure: Procedure, party: Party, agent: User, text: str, proposal: Step | None, _i: bool
) -> Step:
    if proposal is None or proposal.kind != "proposal":
        raise ServiceError(_("Name the draft decision this amends."), field="proposal")
    participant_add(procedure, party, PRole.PRESENT)
    return step_append(
        procedure, "amendment", party=party, agent=agent, text=text, proposal=proposal
    )


def _objection(
    procedure: Procedure, party: Party, agent: User, text: str, proposal: Step | None, _i: bool
) -> Step:
    if procedure.kind == "indivisible-security-review":
        if party.pk == procedure.initiator_id:
            raise ServiceError(_("A party does not object to its own measure."), field="kind")
        step = step_append(procedure, "objection", party=party, agent=agent, text=text)
        # Each objection opens consultations with the notifying party (Arts. 1-2, 5).
        _child_consultations(procedure, party, agent, text)
        return step
    silence = None
    if proposal is not None and proposal.kind == "proposal":
        # An objection to a draft under silence breaks the silence (checked first, so a
        # late objection is told the silence ended rather than that the draft passed).
        silence = silence_break(proposal, required=False)
    proposal = draft_require(proposal, _("Name the draft decision you object to."))
    participant_add(procedure, party, PRole.PRESENT)
    step = step_append(
        procedure, "objection", party=party, agent=agent, text=text, proposal=proposal
    )
    silence_end(silence, step)
    return step


def _child_consultations(review: Procedure, party: Party, agent: User, text: str) -> None:
    charter = review.charter_version.charter
    mechanisms = {m["id"]: m for m in charter.document.get("mechanisms", [])}
    target = next(
        (
            m
            for m in mechanism_of(charter, review.mechanism).get("steps", [])
            if mechanisms.get(m, {}).get("kind") == "consultations"
        ),
        None,
    )
    if target is None:
        return
    procedure_open(
        agent=agent,
        charter=charter,
        mechanism=target,
        subject=_("Objection to: %(subject)s") % {"subject": review.subject},
        text=text,
        invited=[review.initiator],
        parent=review,
    )


def _attend(
    procedure: Procedure, party: Party, agent: User, text: str, proposal: Step | None, _i: bool
) -> Step:
    if procedure.kind not in MEETINGS:
        raise ServiceError(_("Attendance is recorded at a conference or meeting."), field="kind")
    if PRole.PRESENT in roles_of(procedure, party):
        raise ServiceError(_("Your party's attendance is already recorded."), field="kind")
    participant_add(procedure, party, PRole.PRESENT)
    return step_append(procedure, "attend", party=party, agent=agent, text=text)


def _support(
    procedure: Procedure, party: Party, agent: User, text: str, proposal: Step | None, _i: bool
) -> Step:
    if procedure.state != State.GATHERING_SUPPORT:
        raise ServiceError(_("This request is not gathering support."), field="kind")
    if PRole.SUPPORTER in roles_of(procedure, party):
        raise ServiceError(_("Your party already supports this request."), field="kind")
    step = step_append(procedure, "support", party=party, agent=agent, text=text)
    participant_add(procedure, party, PRole.SUPPORTER)
    definition = definition_of(procedure)
    needed = int(definition.get("support", {}).get("parties", 1))
    if procedure.participants.filter(role=PRole.SUPPORTER).count() >= needed:
        procedure.state = State.CONVENED
        procedure.save(update_fields=["state"])
        deadline_finish(procedure, "support")
        # The window runs from this notification that the request has its support.
        depositary_step_append(
            procedure, "convened", meeting_convene(procedure, definition, step.at)
        )
    return step


def _accept_or_reject(kind: str) -> Any:
    def handler(
        procedure: Procedure, party: Party, agent: User, text: str, proposal: Step | None, _i: bool
    ) -> Step:
        if procedure.kind == "dispute-settlement":
            if proposal is not None and SettlementOffer.objects.filter(step=proposal).exists():
                return settlement.offer_answer(procedure, party, agent, kind, text, proposal)
            return conciliation.report_answer(procedure, party, agent, kind, text, proposal)
        if kind == "reject":
            raise ServiceError(
                _("Only a conciliation report is accepted or rejected."), field="kind"
            )
        roles_require(procedure, party, PRole.INITIATOR, PRole.RESPONDENT, PRole.PRESENT)
        return step_append(procedure, kind, party=party, agent=agent, text=text, proposal=proposal)

    return handler


def _outcome(
    procedure: Procedure, party: Party, agent: User, text: str, proposal: Step | None, _i: bool
) -> Step:
    roles_require(
        procedure,
        party,
        PRole.INITIATOR,
        PRole.RESPONDENT,
        PRole.INVITED,
        PRole.JOINED,
        PRole.CHAIR,
        PRole.RAPPORTEUR,
    )
    settlement.unilateral_end_check(procedure)
    step = step_append(procedure, "outcome", party=party, agent=agent, text=text)
    procedure_close(procedure)
    return step


def _close_step(
    procedure: Procedure, party: Party, agent: User, text: str, proposal: Step | None, _i: bool
) -> Step:
    roles_require(procedure, party, PRole.INITIATOR, PRole.CHAIR)
    settlement.unilateral_end_check(procedure)
    step = step_append(procedure, "close", party=party, agent=agent, text=text)
    procedure_close(procedure)
    return step


def _escalate(
    procedure: Procedure, party: Party, agent: User, text: str, proposal: Step | None, _i: bool
) -> Step:
    raise ServiceError(_("Open the next mechanism with the parent procedure named."), field="kind")


_HANDLERS: dict[str, Any] = {
    "reply": _reply,
    "request-meeting": _request_meeting,
    "escalate": _escalate,
    "join": _join_step,
    "statement": _statement,
    "objection": _objection,
    "proposal": _proposal,
    "amendment": _amendment,
    "attend": _attend,
    "break-silence": break_silence,
    "support": _support,
    "call-decision": call_decision,
    "accept": _accept_or_reject("accept"),
    "reject": _accept_or_reject("reject"),
    "outcome": _outcome,
    "close": _close_step,
}


# --- reviews opened by a notification ---------------------------------------------------


def review_open_for(notification: Any) -> Procedure | None:
    """When a party notifies a measure under the article of the charter's
    indivisible-security review, the review opens by itself: every party may object
    within the charter's window, and each objection opens consultations with the
    notifying party. Runs in the transaction of the submission."""
    charter = notification.charter_version.charter
    form = next(
        (f for f in charter.document.get("forms", []) if f["id"] == notification.form), None
    )
    mechanism = next(
        (
            m
            for m in charter.document.get("mechanisms", [])
            if m["kind"] == "indivisible-security-review"
            and form is not None
            and m.get("article") == form.get("article")
        ),
        None,
    )
    if mechanism is None or notification.act is None:
        return None
    act = act_append(
        type=ActType.PROCEDURE_OPENED,
        actor=None,
        agent=None,
        charter_version=notification.charter_version,
        content={
            "mechanism": mechanism["id"],
            "subject": notification.number,
            "notification": notification.number,
        },
        refs=[notification.act_id],
    )
    procedure = Procedure.objects.create(
        charter_version=notification.charter_version,
        mechanism=mechanism["id"],
        kind=mechanism["kind"],
        initiator=notification.party,
        subject=_("Review of %(number)s") % {"number": notification.number},
        state=State.OPEN,
        act=act,
        opened_at=act.time,
        open_to_all=True,
    )
    participant_add(procedure, notification.party, PRole.INITIATOR)
    deadline_set(procedure, "object", period_of(mechanism, "object", act.time), "close")
    return procedure
