"""Every write to procedures. Each opening, step, decision and passed deadline is an
act in the record; what may be done, by whom and until when comes from the charter's
mechanism (its kind, deadlines, quorum, support and decision rule)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from concord import clock
from concord.charters.loader import duration
from concord.charters.models import Charter
from concord.parties.models import Participation, Party, Role, Status, User
from concord.parties.services import NotPermitted, ServiceError, charter_roles
from concord.procedures.models import (
    Deadline,
    Decision,
    Participant,
    Procedure,
    State,
    Step,
)
from concord.procedures.models import Role as PRole
from concord.record.models import Act, ActType
from concord.record.services import act_append

MAX_TEXT = 20000
MEETINGS = {"conference", "extraordinary-conference", "emergency-meeting"}
BILATERAL = {"request-for-explanation", "information-request"}
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
DEFAULT_ROLES = (Role.HEAD, Role.DELEGATE)


def mechanism_of(charter: Charter, mechanism: str) -> dict[str, Any]:
    for m in charter.document.get("mechanisms", []):
        if m["id"] == mechanism:
            return dict(m)
    raise ServiceError(
        _("%(charter)s has no mechanism %(mechanism)s.")
        % {"charter": charter.code, "mechanism": mechanism},
        field="mechanism",
    )


def _period(mechanism: dict[str, Any], name: str, at: datetime) -> datetime | None:
    deadline = (mechanism.get("deadlines") or {}).get(name)
    if not deadline:
        return None
    return at + duration(deadline["duration"], start=at)


def _parties_of(charter: Charter) -> list[Party]:
    """The parties now, counting a withdrawal whose notice has run out even before the
    worker records it (as ``Participation.effective_status`` does)."""
    now = clock.now()
    return list(
        Party.objects.filter(participations__charter=charter, participations__status=Status.PARTY)
        .exclude(
            participations__charter=charter,
            participations__withdrawal_effective_at__lte=now,
        )
        .order_by("code")
        .distinct()
    )


def _is_party(party: Party, charter: Charter) -> bool:
    p = Participation.objects.filter(party=party, charter=charter).first()
    return p is not None and p.effective_status() == Status.PARTY


def _acting_party(agent: User, charter: Charter, act: str) -> Party:
    if agent.party is None:
        raise NotPermitted(_("Only a party's delegation takes part in procedures."))
    if not agent.has_role(*charter_roles(charter, act, DEFAULT_ROLES)):
        raise NotPermitted(_("Your role does not allow this."))
    if not _is_party(agent.party, charter):
        raise NotPermitted(_("Your party is not a party to this charter."))
    return agent.party


def _text(value: str, field: str = "text", *, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ServiceError(_("This field is required."), field=field)
    if len(value) > MAX_TEXT:
        raise ServiceError(_("The text is longer than 20,000 characters."), field=field)
    return value


def _append(
    procedure: Procedure,
    *,
    type: str,
    actor: Party | None,
    agent: User | None,
    content: dict[str, Any],
    refs: Iterable[int] = (),
) -> Act:
    """Procedures between some parties record their acts for those parties only."""
    recipients = None if procedure.open_to_all else _concerned(procedure)
    return act_append(
        type=type,
        actor=actor,
        agent=agent,
        content={"procedure": procedure.pk, **content},
        charter_version=procedure.charter_version,
        refs=[procedure.act_id, *refs],
        recipients=recipients,
    )


def _concerned(procedure: Procedure) -> list[Party]:
    ids = set(procedure.participants.values_list("party_id", flat=True))
    return list(Party.objects.filter(pk__in=ids))


def _step(
    procedure: Procedure,
    kind: str,
    *,
    party: Party | None,
    agent: User | None,
    text: str = "",
    proposal: Step | None = None,
    extra: dict[str, Any] | None = None,
) -> Step:
    act = _append(
        procedure,
        type=ActType.PROCEDURE_STEP,
        actor=party,
        agent=agent,
        content={
            "kind": kind,
            "text": text,
            "proposal": proposal.pk if proposal else None,
            **(extra or {}),
        },
        refs=[proposal.act_id] if proposal else [],
    )
    return Step.objects.create(
        procedure=procedure,
        act=act,
        kind=kind,
        party=party,
        text=text,
        proposal=proposal,
        at=act.time,
    )


def _depositary_step(
    procedure: Procedure, kind: str, content: dict[str, Any], refs: Iterable[int] = ()
) -> Step:
    """An act of the depositary in the procedure's timeline (convened, a deadline that
    passed, a draft not adopted)."""
    act = _append(
        procedure,
        type=ActType.PROCEDURE_DEADLINE if kind == "deadline" else ActType.PROCEDURE_STEP,
        actor=None,
        agent=None,
        content={"kind": kind, **content},
        refs=refs,
    )
    return Step.objects.create(
        procedure=procedure, act=act, kind=kind, party=None, text="", at=act.time
    )


def _deadline(
    procedure: Procedure, name: str, due: datetime | None, action: str, proposal: Step | None = None
) -> None:
    if due is not None:
        Deadline.objects.update_or_create(
            procedure=procedure,
            name=name,
            defaults={
                "due_at": due,
                "action": action,
                "proposal": proposal,
                "done_at": None,
                "cancelled": False,
                "created_at": clock.now(),
                "reminded_at": None,
            },
        )


def _finish_deadline(procedure: Procedure, name: str) -> None:
    Deadline.objects.filter(procedure=procedure, name=name, done_at__isnull=True).update(
        done_at=clock.now(), cancelled=True
    )


def _join(procedure: Procedure, party: Party, role: str) -> None:
    Participant.objects.get_or_create(
        procedure=procedure, party=party, role=role, defaults={"since": clock.now()}
    )


def _roles_of(procedure: Procedure, party: Party) -> set[str]:
    return set(procedure.participants.filter(party=party).values_list("role", flat=True))


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
) -> Procedure:
    """Open a procedure under one of the charter's mechanisms."""
    definition = mechanism_of(charter, mechanism)
    kind = definition["kind"]
    if kind not in OPENABLE:
        raise ServiceError(_("This mechanism is not opened by a party."), field="mechanism")
    party = _acting_party(agent, charter, "request")
    subject = _text(subject, "subject")[:300]
    text = _text(text, required=False)
    invited = [p for p in invited if p.pk != party.pk]
    if kind in BILATERAL | {"dispute-settlement"} and respondent is None:
        raise ServiceError(_("Name the party the request is addressed to."), field="respondent")
    if respondent is not None:
        if respondent.pk == party.pk:
            raise ServiceError(
                _("A party does not address a request to itself."), field="respondent"
            )
        if not _is_party(respondent, charter):
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
        if not _is_party(p, charter):
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
        )
        _join(procedure, party, PRole.INITIATOR)
        if respondent is not None:
            _join(procedure, respondent, PRole.RESPONDENT)
        for p in invited:
            _join(procedure, p, PRole.INVITED)
        if kind in BILATERAL:
            _deadline(procedure, "reply", _period(definition, "reply", at), "overdue")
        elif kind == "consultations":
            _deadline(
                procedure,
                "respond",
                _period(definition, "respond", at) or _period(definition, "reply", at),
                "overdue",
            )
        elif kind == "dispute-settlement":
            _deadline(procedure, "respond", _period(definition, "respond", at), "overdue")
        elif kind == "indivisible-security-review":
            _deadline(procedure, "object", _period(definition, "object", at), "close")
        elif kind == "emergency-meeting" and definition.get("support"):
            within = definition["support"].get("within", "PT48H")
            _deadline(procedure, "support", at + duration(within, start=at), "close-unsupported")
            _join(procedure, party, PRole.SUPPORTER)
        elif kind == "extraordinary-conference":
            _deadline(procedure, "convene", _period(definition, "convene", at), "none")
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
    party = _acting_party(agent, charter, STEP_ROLE[kind])
    handler = _HANDLERS.get(kind)
    assert handler is not None
    with transaction.atomic():
        procedure = Procedure.objects.select_for_update().get(pk=procedure.pk)
        if procedure.state == State.CLOSED:
            raise ServiceError(_("This procedure is closed."), field="kind")
        _apply_due(procedure)
        if procedure.state == State.CLOSED:
            raise ServiceError(_("This procedure is closed."), field="kind")
        if proposal is not None and proposal.procedure_id != procedure.pk:
            raise ServiceError(_("That proposal belongs to another procedure."), field="proposal")
        return handler(
            procedure,
            party,
            agent,
            _text(text, required=kind in _NEEDS_TEXT),
            proposal,
            interpretative,
        )


_NEEDS_TEXT = {"reply", "statement", "proposal", "amendment", "outcome"}


def _require(procedure: Procedure, party: Party, *roles: str) -> None:
    if not _roles_of(procedure, party) & set(roles):
        raise NotPermitted(_("Your party cannot take this step in this procedure."))


def _reply(
    procedure: Procedure, party: Party, agent: User, text: str, proposal: Step | None, _i: bool
) -> Step:
    if procedure.kind not in BILATERAL | {"consultations"}:
        raise ServiceError(_("There is nothing to reply to in this procedure."), field="kind")
    if procedure.kind == "consultations":
        _require(procedure, party, PRole.INVITED, PRole.JOINED, PRole.RESPONDENT)
    if procedure.kind in BILATERAL:
        _require(procedure, party, PRole.RESPONDENT)
        if procedure.steps.filter(kind="reply").exists():
            raise ServiceError(_("A reply has already been given."), field="kind")
    step = _step(procedure, "reply", party=party, agent=agent, text=text)
    if procedure.kind in BILATERAL:
        _finish_deadline(procedure, "reply")
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
    _require(procedure, party, PRole.INITIATOR)
    if procedure.state not in (State.OVERDUE, State.REPLIED):
        raise ServiceError(
            _("A meeting may be requested once the reply is in or overdue."), field="kind"
        )
    definition = mechanism_of(procedure.charter_version.charter, procedure.mechanism)
    step = _step(procedure, "request-meeting", party=party, agent=agent, text=text)
    _deadline(procedure, "meeting", _period(definition, "meeting", step.at), "none")
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
    if PRole.JOINED in _roles_of(procedure, party) or PRole.INITIATOR in _roles_of(
        procedure, party
    ):
        raise ServiceError(_("Your party already takes part."), field="kind")
    step = _step(procedure, "join", party=party, agent=agent, text=text)
    _join(procedure, party, PRole.JOINED)
    return step


def _statement(
    procedure: Procedure,
    party: Party,
    agent: User,
    text: str,
    proposal: Step | None,
    interpretative: bool,
) -> Step:
    if not procedure.open_to_all and not _roles_of(procedure, party):
        raise NotPermitted(_("Your party does not take part in this procedure."))
    if interpretative and (proposal is None or proposal.kind != "proposal"):
        raise ServiceError(
            _("An interpretative statement concerns a draft decision."), field="proposal"
        )
    if procedure.open_to_all:
        _join(procedure, party, PRole.PRESENT)
    return _step(
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
    _join(procedure, party, PRole.PRESENT)
    step = _step(procedure, "proposal", party=party, agent=agent, text=text)
    definition = mechanism_of(procedure.charter_version.charter, procedure.mechanism)
    if definition.get("decision_rule") == "silence":
        _deadline(
            procedure,
            f"silence-{step.pk}",
            _period(definition, "silence", step.at),
            "adopt-if-silent",
            step,
        )
    return step


def _amendment(
    procedure: Procedure, party: Party, agent: User, text: str, proposal: Step | None, _i: bool
) -> Step:
    if proposal is None or proposal.kind != "proposal":
        raise ServiceError(_("Name the draft decision this amends."), field="proposal")
    _join(procedure, party, PRole.PRESENT)
    return _step(procedure, "amendment", party=party, agent=agent, text=text, proposal=proposal)


def _objection(
    procedure: Procedure, party: Party, agent: User, text: str, proposal: Step | None, _i: bool
) -> Step:
    if procedure.kind == "indivisible-security-review":
        if party.pk == procedure.initiator_id:
            raise ServiceError(_("A party does not object to its own measure."), field="kind")
        step = _step(procedure, "objection", party=party, agent=agent, text=text)
        # Each objection opens consultations with the notifying party (Arts. 1-2, 5).
        _child_consultations(procedure, party, agent, text)
        return step
    if proposal is None or proposal.kind != "proposal":
        raise ServiceError(_("Name the draft decision you object to."), field="proposal")
    if hasattr(proposal, "decision"):
        raise ServiceError(_("This draft has already been decided."), field="proposal")
    _join(procedure, party, PRole.PRESENT)
    return _step(procedure, "objection", party=party, agent=agent, text=text, proposal=proposal)


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
    if PRole.PRESENT in _roles_of(procedure, party):
        raise ServiceError(_("Your party's attendance is already recorded."), field="kind")
    _join(procedure, party, PRole.PRESENT)
    return _step(procedure, "attend", party=party, agent=agent, text=text)


def _break_silence(
    procedure: Procedure, party: Party, agent: User, text: str, proposal: Step | None, _i: bool
) -> Step:
    if proposal is None or proposal.kind != "proposal":
        raise ServiceError(_("Name the draft decision whose silence you break."), field="proposal")
    deadline = Deadline.objects.filter(
        procedure=procedure, proposal=proposal, action="adopt-if-silent"
    ).first()
    if deadline is None or deadline.done_at is not None:
        raise ServiceError(
            _("This draft is not under a silence procedure, or its silence has ended."),
            field="proposal",
        )
    if deadline.due_at <= clock.now():
        raise ServiceError(_("The silence period has ended."), field="proposal")
    step = _step(procedure, "break-silence", party=party, agent=agent, text=text, proposal=proposal)
    deadline.done_at = step.at
    deadline.cancelled = True
    deadline.save(update_fields=["done_at", "cancelled"])
    return step


def _support(
    procedure: Procedure, party: Party, agent: User, text: str, proposal: Step | None, _i: bool
) -> Step:
    if procedure.state != State.GATHERING_SUPPORT:
        raise ServiceError(_("This request is not gathering support."), field="kind")
    if PRole.SUPPORTER in _roles_of(procedure, party):
        raise ServiceError(_("Your party already supports this request."), field="kind")
    step = _step(procedure, "support", party=party, agent=agent, text=text)
    _join(procedure, party, PRole.SUPPORTER)
    definition = mechanism_of(procedure.charter_version.charter, procedure.mechanism)
    needed = int(definition.get("support", {}).get("parties", 1))
    if procedure.participants.filter(role=PRole.SUPPORTER).count() >= needed:
        procedure.state = State.CONVENED
        procedure.save(update_fields=["state"])
        _finish_deadline(procedure, "support")
        earliest = _period(definition, "reply", step.at)  # no earlier than 48 hours
        latest = _period(definition, "meeting", procedure.opened_at)  # no later than 3 days
        _depositary_step(
            procedure,
            "convened",
            {
                "earliest": earliest.isoformat() if earliest else None,
                "latest": latest.isoformat() if latest else None,
            },
        )
    return step


def quorum_of(procedure: Procedure) -> tuple[int, int, int]:
    """(present, needed, of) for the procedure's charter quorum; needed 0 when none."""
    definition = mechanism_of(procedure.charter_version.charter, procedure.mechanism)
    parties = len(_parties_of(procedure.charter_version.charter))
    present = procedure.participants.filter(role=PRole.PRESENT).values("party").distinct().count()
    fraction = (definition.get("quorum") or {}).get("fraction")
    if not fraction:
        return present, 0, parties
    num, den = (int(x) for x in str(fraction).split("/"))
    return present, math.ceil(parties * num / den), parties


def _call_decision(
    procedure: Procedure, party: Party, agent: User, text: str, proposal: Step | None, _i: bool
) -> Step:
    if proposal is None or proposal.kind != "proposal":
        raise ServiceError(_("Name the draft decision to decide."), field="proposal")
    if hasattr(proposal, "decision"):
        raise ServiceError(_("This draft has already been decided."), field="proposal")
    definition = mechanism_of(procedure.charter_version.charter, procedure.mechanism)
    rule = definition.get("decision_rule", "consensus")
    if rule == "silence":
        raise ServiceError(
            _("Under a silence procedure the draft is adopted at the deadline."), field="kind"
        )
    present, needed, of = quorum_of(procedure)
    if present < needed:
        raise ServiceError(
            _("No quorum: %(present)s of %(of)s parties present, %(needed)s needed.")
            % {"present": present, "of": of, "needed": needed},
            field="quorum",
        )
    step = _step(procedure, "call-decision", party=party, agent=agent, text=text, proposal=proposal)
    present_ids = set(
        procedure.participants.filter(role=PRole.PRESENT).values_list("party_id", flat=True)
    )
    objectors = (
        set(proposal.responses.filter(kind="objection").values_list("party_id", flat=True))
        & present_ids
    )
    concerned = procedure.respondent_id
    if rule in ("consensus-minus-one", "unanimity-minus-party-concerned") and concerned:
        objectors.discard(concerned)
        present_ids.discard(concerned)
    if rule.startswith("unanimity"):
        joined: set[int | None] = set(
            proposal.responses.filter(kind__in=["statement", "amendment"]).values_list(
                "party_id", flat=True
            )
        )
        joined.add(proposal.party_id)
        adopted = not objectors and present_ids <= joined | set(
            procedure.steps.filter(kind="accept").values_list("party_id", flat=True)
        )
    else:
        adopted = not objectors
    if adopted:
        _adopt(procedure, proposal, rule)
    else:
        _depositary_step(
            procedure,
            "not-adopted",
            {
                "proposal": proposal.pk,
                "objections": sorted(
                    Party.objects.filter(pk__in=objectors).values_list("code", flat=True)
                ),
            },
            refs=[proposal.act_id],
        )
    return step


def _adopt(procedure: Procedure, proposal: Step, rule: str) -> Decision:
    charter = procedure.charter_version.charter
    act = act_append(
        type=ActType.DECISION_ADOPTED,
        actor=None,
        agent=None,
        charter_version=procedure.charter_version,
        content={
            "procedure": procedure.pk,
            "proposal": proposal.pk,
            "text": proposal.text,
            "rule": rule,
        },
        refs=[procedure.act_id, proposal.act_id],
    )
    # Numbered under the record's lock, which the append above holds.
    number = (Decision.objects.filter(charter=charter).aggregate(m=Max("number"))["m"] or 0) + 1
    Step.objects.create(
        procedure=procedure,
        act=act,
        kind="decision",
        party=None,
        text=proposal.text,
        proposal=proposal,
        at=act.time,
    )
    return Decision.objects.create(
        procedure=procedure,
        charter=charter,
        number=number,
        text=proposal.text,
        rule=rule,
        proposal=proposal,
        act=act,
        adopted_at=act.time,
    )


def _accept_or_reject(kind: str) -> Any:
    def handler(
        procedure: Procedure, party: Party, agent: User, text: str, proposal: Step | None, _i: bool
    ) -> Step:
        if procedure.kind != "dispute-settlement" and kind == "reject":
            raise ServiceError(
                _("Only a conciliation report is accepted or rejected."), field="kind"
            )
        _require(procedure, party, PRole.INITIATOR, PRole.RESPONDENT, PRole.PRESENT)
        return _step(procedure, kind, party=party, agent=agent, text=text, proposal=proposal)

    return handler


def _outcome(
    procedure: Procedure, party: Party, agent: User, text: str, proposal: Step | None, _i: bool
) -> Step:
    _require(
        procedure,
        party,
        PRole.INITIATOR,
        PRole.RESPONDENT,
        PRole.INVITED,
        PRole.JOINED,
        PRole.CHAIR,
    )
    step = _step(procedure, "outcome", party=party, agent=agent, text=text)
    _close(procedure)
    return step


def _close_step(
    procedure: Procedure, party: Party, agent: User, text: str, proposal: Step | None, _i: bool
) -> Step:
    _require(procedure, party, PRole.INITIATOR, PRole.CHAIR)
    step = _step(procedure, "close", party=party, agent=agent, text=text)
    _close(procedure)
    return step


def _close(procedure: Procedure) -> None:
    procedure.state = State.CLOSED
    procedure.closed_at = clock.now()
    procedure.save(update_fields=["state", "closed_at"])
    Deadline.objects.filter(procedure=procedure, done_at__isnull=True).update(
        done_at=procedure.closed_at, cancelled=True
    )


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
    "break-silence": _break_silence,
    "support": _support,
    "call-decision": _call_decision,
    "accept": _accept_or_reject("accept"),
    "reject": _accept_or_reject("reject"),
    "outcome": _outcome,
    "close": _close_step,
}


# --- the clock ----------------------------------------------------------------------


def _apply_due(procedure: Procedure) -> None:
    """Carry out this procedure's deadlines that have fallen due (under its row lock)."""
    now = clock.now()
    for deadline in procedure.deadlines.select_for_update().filter(
        done_at__isnull=True, due_at__lte=now
    ):
        _carry_out(procedure, deadline)


def _carry_out(procedure: Procedure, deadline: Deadline) -> None:
    at = deadline.due_at
    if deadline.action == "adopt-if-silent" and deadline.proposal is not None:
        if not hasattr(deadline.proposal, "decision"):
            _adopt(procedure, deadline.proposal, "silence")
    elif deadline.action == "overdue" and procedure.state == State.AWAITING_REPLY:
        procedure.state = State.OVERDUE
        procedure.save(update_fields=["state"])
    elif deadline.action in ("close", "close-unsupported") and procedure.state != State.CONVENED:
        _close(procedure)
    _depositary_step(
        procedure,
        "deadline",
        {"deadline": deadline.name, "due": at.isoformat(), "action": deadline.action},
    )
    deadline.done_at = clock.now()
    deadline.save(update_fields=["done_at"])


def deadlines_due() -> int:
    """Carry out every deadline that has fallen due (the worker). Each procedure is
    locked while its deadlines are handled, and a deadline is marked done in the same
    transaction, so two workers never act twice on one deadline."""
    done = 0
    now = clock.now()
    pending = (
        Deadline.objects.filter(done_at__isnull=True, due_at__lte=now)
        .values_list("procedure_id", flat=True)
        .distinct()
    )
    for pk in list(pending):
        with transaction.atomic():
            procedure = Procedure.objects.select_for_update().get(pk=pk)
            before = procedure.deadlines.filter(done_at__isnull=True, due_at__lte=now).count()
            _apply_due(procedure)
            done += before
    return done


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
    _join(procedure, notification.party, PRole.INITIATOR)
    _deadline(procedure, "object", _period(mechanism, "object", act.time), "close")
    return procedure
