"""API: procedures (explanations, consultations, conferences, ...), their steps and the
decisions adopted.

No `from __future__ import annotations` here: django-ninja reads the annotations at
import time to build its schemas.
"""

from datetime import datetime
from typing import Any

from django.http import Http404, HttpRequest
from ninja import Field, Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate
from ninja.responses import Status as Created

from concord.charters.selectors import charter_get
from concord.parties.api import viewer_of
from concord.parties.selectors import party_get
from concord.parties.services import ServiceError
from concord.procedures import selectors, services
from concord.procedures.models import Deadline, Decision, Procedure, Step
from concord.procedures.settlement import MAX_NAME

router = Router(tags=["procedures"])


class DeadlineOut(Schema):
    name: str
    due_at: datetime
    done: bool

    @staticmethod
    def resolve_done(obj: Deadline) -> bool:
        return obj.done_at is not None


class StepOut(Schema):
    id: int
    kind: str
    party: str | None
    text: str
    at: datetime
    act: int
    proposal: int | None
    assignee: str | None

    @staticmethod
    def resolve_party(obj: Step) -> str | None:
        return obj.party.code if obj.party else None

    @staticmethod
    def resolve_assignee(obj: Step) -> str | None:
        return obj.assignee.code if obj.assignee else None

    @staticmethod
    def resolve_act(obj: Step) -> int:
        return obj.act_id

    @staticmethod
    def resolve_proposal(obj: Step) -> int | None:
        return obj.proposal_id


class DecisionOut(Schema):
    number: int
    charter: str
    text: str
    rule: str
    adopted_at: datetime
    procedure: int
    act: int

    @staticmethod
    def resolve_charter(obj: Decision) -> str:
        return obj.charter.code

    @staticmethod
    def resolve_procedure(obj: Decision) -> int:
        return obj.procedure_id

    @staticmethod
    def resolve_act(obj: Decision) -> int:
        return obj.act_id


class ProcedureOut(Schema):
    id: int
    charter: str
    mechanism: str
    kind: str
    state: str
    subject: str
    initiator: str
    respondent: str | None
    opened_at: datetime
    next_deadline: DeadlineOut | None
    means: str | None = Field(
        None, description="A dispute's means of settlement now; null for other procedures."
    )

    @staticmethod
    def resolve_means(obj: Procedure) -> str | None:
        return obj.means or None

    @staticmethod
    def resolve_charter(obj: Procedure) -> str:
        return obj.charter_version.label

    @staticmethod
    def resolve_state(obj: Procedure) -> str:
        return selectors.state_of(obj)

    @staticmethod
    def resolve_initiator(obj: Procedure) -> str:
        return obj.initiator.code

    @staticmethod
    def resolve_respondent(obj: Procedure) -> str | None:
        return obj.respondent.code if obj.respondent else None

    @staticmethod
    def resolve_next_deadline(obj: Procedure) -> Deadline | None:
        return selectors.next_deadline(obj)


class WindowOut(Schema):
    """When a meeting may open (``earliest``..``latest``, from its convening), when it
    ``opens`` and ``closes``, and its ``status``: not-open, in-session or over."""

    convened: datetime
    earliest: datetime
    latest: datetime | None
    opens: datetime
    closes: datetime | None
    status: str


class DraftOut(Schema):
    """A draft decision and where it stands: ``status`` open, adopted or not-adopted;
    under silence also running, broken (``broken_by``) or adopted at ``silence_until``."""

    id: int
    party: str | None
    text: str
    status: str
    decision: int | None
    silence_until: datetime | None
    broken_by: str | None


class AnswerOut(Schema):
    party: str
    answer: str | None
    at: datetime | None


class ConciliationOut(Schema):
    """The conciliation report before the disputing parties: ``outcome`` pending,
    accepted, rejected, lapsed or closed; each party's answer; the deadline."""

    report: int
    text: str
    submitted_at: datetime
    due: datetime | None
    outcome: str
    answers: list[AnswerOut]


class OfferAnswerOut(Schema):
    party: str
    answer: str | None = Field(
        None, description="accept, reject, or null; the proposer's own proposal counts as accept."
    )
    at: datetime | None


class OfferOut(Schema):
    """Something every party to the dispute answers: ``kind`` means (another means of
    settlement; for arbitration, consent), third-party (a third party for good offices
    or mediation) or mediation-proposal; ``status`` pending, accepted, rejected, lapsed
    (also on read once ``due`` has passed), superseded or closed. Accept or reject it
    with the step ``accept`` / ``reject`` naming its ``id`` as ``proposal``."""

    id: int
    kind: str
    means: str
    party: str | None
    text: str
    third_party: str | None
    third_party_name: str | None
    status: str
    due: datetime | None
    at: datetime
    answers: list[OfferAnswerOut]


class ThirdPartyOut(Schema):
    party: str | None
    name: str | None
    offer: int
    since: datetime | None


class AwardOut(Schema):
    number: int
    text: str
    rendered_at: datetime
    act: int
    binding: bool = True


class SettlementOut(Schema):
    """A dispute's settlement: the ``means`` it is in and those the charter allows
    (``allowed``), the accepted ``third_party``, the ``offers`` before the parties, and
    in arbitration the ``award`` (``award_status`` awaited, overdue — on read once
    ``award_due`` has passed — or rendered)."""

    means: str | None
    allowed: list[str]
    third_party: ThirdPartyOut | None
    offers: list[OfferOut]
    award: AwardOut | None
    award_due: datetime | None
    award_status: str | None


class ProcedureDetailOut(ProcedureOut):
    parent: int | None
    participants: list[dict[str, str]]
    deadlines: list[DeadlineOut]
    timeline: list[StepOut]
    decisions: list[DecisionOut]
    quorum: dict[str, int]
    window: WindowOut | None
    drafts: list[DraftOut]
    conciliation: ConciliationOut | None
    settlement: SettlementOut | None

    @staticmethod
    def resolve_parent(obj: Procedure) -> int | None:
        return obj.parent_id

    @staticmethod
    def resolve_participants(obj: Procedure) -> list[dict[str, str]]:
        return [
            {"party": p.party.code, "role": p.role}
            for p in obj.participants.select_related("party")
        ]

    @staticmethod
    def resolve_deadlines(obj: Procedure) -> list[Deadline]:
        return list(obj.deadlines.all())

    @staticmethod
    def resolve_timeline(obj: Procedure) -> list[Step]:
        return list(selectors.timeline(obj))

    @staticmethod
    def resolve_decisions(obj: Procedure) -> list[Decision]:
        return list(obj.decisions.select_related("charter"))

    @staticmethod
    def resolve_quorum(obj: Procedure) -> dict[str, int]:
        present, needed, of = services.quorum_of(obj)
        return {"present": present, "needed": needed, "of": of}

    @staticmethod
    def resolve_window(obj: Procedure) -> dict[str, Any] | None:
        return selectors.meeting_window(obj)

    @staticmethod
    def resolve_drafts(obj: Procedure) -> list[dict[str, Any]]:
        return [
            {
                "id": d["step"].pk,
                "party": d["step"].party.code if d["step"].party else None,
                "text": d["step"].text,
                "status": d["status"],
                "decision": d["decision"].number if d["decision"] else None,
                "silence_until": d["silence"]["due"] if d["silence"] else None,
                "broken_by": d["broken_by"].party.code if d["broken_by"] else None,
            }
            for d in selectors.drafts_of(obj)
        ]

    @staticmethod
    def resolve_conciliation(obj: Procedure) -> dict[str, Any] | None:
        found = selectors.conciliation_of(obj)
        if found is None:
            return None
        return {
            "report": found["report"].pk,
            "text": found["report"].text,
            "submitted_at": found["report"].at,
            "due": found["due"],
            "outcome": found["outcome"],
            "answers": [
                {
                    "party": a["party"].code,
                    "answer": a["answer"].kind if a["answer"] else None,
                    "at": a["answer"].at if a["answer"] else None,
                }
                for a in found["answers"]
            ],
        }

    @staticmethod
    def resolve_settlement(obj: Procedure) -> dict[str, Any] | None:
        found = selectors.settlement_of(obj)
        if found is None:
            return None
        third = found["third_party"]
        award = found["award"]
        return {
            "means": found["means"] or None,
            "allowed": found["allowed"],
            "third_party": {
                "party": third.third_party.code if third.third_party else None,
                "name": third.third_party_name or None,
                "offer": third.step_id,
                "since": third.decided_at,
            }
            if third
            else None,
            "offers": [
                {
                    "id": o["step"].pk,
                    "kind": o["kind"],
                    "means": o["offer"].means,
                    "party": o["step"].party.code if o["step"].party else None,
                    "text": o["step"].text,
                    "third_party": o["offer"].third_party.code if o["offer"].third_party else None,
                    "third_party_name": o["offer"].third_party_name or None,
                    "status": o["status"],
                    "due": o["due"],
                    "at": o["step"].at,
                    "answers": [
                        {
                            "party": a["party"].code,
                            "answer": "accept"
                            if a["proposer"]
                            else (a["answer"].kind if a["answer"] else None),
                            "at": o["step"].at
                            if a["proposer"]
                            else (a["answer"].at if a["answer"] else None),
                        }
                        for a in o["answers"]
                    ],
                }
                for o in found["offers"]
            ],
            "award": {
                "number": award.number,
                "text": award.text,
                "rendered_at": award.rendered_at,
                "act": award.step.act_id,
            }
            if award
            else None,
            "award_due": found["award_due"],
            "award_status": found["award_status"],
        }


class ProcedureIn(Schema):
    charter: str = Field(..., max_length=40)
    mechanism: str = Field(..., max_length=60)
    subject: str = Field(..., max_length=300)
    text: str = Field("", max_length=services.MAX_TEXT)
    respondent: str | None = Field(None, max_length=20)
    invited: list[str] = Field(default_factory=list, max_length=100)
    parent: int | None = None
    means: str = Field(
        "",
        max_length=20,
        description="A dispute's means of settlement to open in; the charter's default if empty.",
    )


@router.post("/procedures", response={201: ProcedureDetailOut}, summary="Open a procedure")
def procedure_open(request: HttpRequest, payload: ProcedureIn) -> Any:
    viewer = viewer_of(request)
    charter = charter_get(viewer, payload.charter)
    respondent = None
    if payload.respondent:
        try:
            respondent = party_get(viewer, payload.respondent)
        except Http404:
            raise ServiceError("No such party.", field="respondent") from None
    invited = []
    for code in payload.invited:
        try:
            invited.append(party_get(viewer, code))
        except Http404:
            raise ServiceError(f"No party {code}.", field="invited") from None
    parent = selectors.procedure_get(viewer, payload.parent) if payload.parent else None
    procedure = services.procedure_open(
        agent=viewer,
        charter=charter,
        mechanism=payload.mechanism,
        subject=payload.subject,
        text=payload.text,
        respondent=respondent,
        invited=invited,
        parent=parent,
        means=payload.means,
    )
    return Created(201, procedure)


@router.get("/procedures", response=list[ProcedureOut], summary="Procedures you may see")
@paginate(LimitOffsetPagination)
def procedure_list(request: HttpRequest, open: bool = False) -> Any:
    return selectors.procedures_visible_to(viewer_of(request), open_only=open)


@router.get(
    "/procedures/{pk}",
    response=ProcedureDetailOut,
    summary="A procedure: state, deadlines, timeline",
)
def procedure_detail(request: HttpRequest, pk: int) -> Any:
    return selectors.procedure_get(viewer_of(request), pk)


class StepIn(Schema):
    """A party's step, or one the secretariat takes as depositary: ``assign-chair`` and
    ``assign-rapporteur`` name the ``party``; ``schedule`` gives ``opens_at``; ``report``
    records a conciliation commission's report (its ``text``); ``call-decision`` names
    the draft (``proposal``).

    In a dispute: ``propose-means`` names the ``means``; ``propose-third-party`` names
    the ``party`` or, for the secretariat or a person, the ``name``; ``accept`` /
    ``reject`` name the offer (``proposal``); the third party (or the secretariat for
    it) records a ``contact`` or a ``mediation-proposal`` (``text``); the secretariat
    records the arbitral ``award`` (``text``)."""

    kind: str = Field(..., max_length=30)
    text: str = Field("", max_length=services.MAX_TEXT)
    proposal: int | None = None
    interpretative: bool = False
    party: str | None = Field(None, max_length=20)
    opens_at: datetime | None = None
    means: str | None = Field(None, max_length=20)
    name: str | None = Field(None, max_length=MAX_NAME)


@router.post(
    "/procedures/{pk}/acts",
    response={201: StepOut},
    summary=(
        "Take a step: reply, join, statement, objection, proposal, break-silence, accept,"
        " reject, ...; in a dispute: propose-means, propose-third-party, contact,"
        " mediation-proposal; the secretariat: assign-chair, assign-rapporteur, schedule,"
        " report, award, call-decision"
    ),
)
def procedure_act(request: HttpRequest, pk: int, payload: StepIn) -> Any:
    viewer = viewer_of(request)
    procedure = selectors.procedure_get(viewer, pk)
    if payload.kind in services.DEPOSITARY_STEPS:
        return Created(201, _depositary_step(viewer, procedure, payload))
    if payload.kind in services.SETTLEMENT_STEPS:
        return Created(201, _settlement_step(viewer, procedure, payload))
    proposal = None
    if payload.proposal is not None:
        proposal = procedure.steps.filter(pk=payload.proposal).first()
        if proposal is None:
            raise ServiceError("No such proposal in this procedure.", field="proposal")
    if payload.kind == "call-decision" and viewer.is_secretariat:
        return Created(
            201,
            services.procedure_decision_call(
                agent=viewer, procedure=procedure, proposal=proposal, text=payload.text
            ),
        )
    step = services.procedure_step(
        agent=viewer,
        procedure=procedure,
        kind=payload.kind,
        text=payload.text,
        proposal=proposal,
        interpretative=payload.interpretative,
    )
    return Created(201, step)


def _depositary_step(viewer: Any, procedure: Procedure, payload: StepIn) -> Step:
    if payload.kind == "report":
        return services.conciliation_report_submit(
            agent=viewer, procedure=procedure, text=payload.text
        )
    if payload.kind == "schedule":
        if payload.opens_at is None:
            raise ServiceError("Give the time the meeting opens.", field="opens_at")
        return services.procedure_meeting_schedule(
            agent=viewer, procedure=procedure, opens_at=payload.opens_at
        )
    try:
        party = party_get(viewer, payload.party or "")
    except Http404:
        raise ServiceError("No such party.", field="party") from None
    return services.procedure_role_assign(
        agent=viewer,
        procedure=procedure,
        party=party,
        role=payload.kind.removeprefix("assign-"),
    )


def _settlement_step(viewer: Any, procedure: Procedure, payload: StepIn) -> Step:
    if payload.kind == "propose-means":
        return services.settlement_means_propose(
            agent=viewer, procedure=procedure, means=payload.means or "", text=payload.text
        )
    if payload.kind == "propose-third-party":
        party = None
        if payload.party:
            try:
                party = party_get(viewer, payload.party)
            except Http404:
                raise ServiceError("No such party.", field="party") from None
        return services.settlement_third_party_propose(
            agent=viewer,
            procedure=procedure,
            party=party,
            name=payload.name or "",
            text=payload.text,
        )
    if payload.kind == "contact":
        return services.settlement_contact_record(
            agent=viewer, procedure=procedure, text=payload.text
        )
    if payload.kind == "mediation-proposal":
        return services.mediation_proposal_submit(
            agent=viewer, procedure=procedure, text=payload.text
        )
    return services.arbitration_award_record(agent=viewer, procedure=procedure, text=payload.text)


@router.get("/decisions", response=list[DecisionOut], summary="Adopted decisions")
@paginate(LimitOffsetPagination)
def decision_list(request: HttpRequest, charter: str = "") -> Any:
    qs = selectors.decisions_visible_to(viewer_of(request))
    return qs.filter(charter__code=charter) if charter else qs
