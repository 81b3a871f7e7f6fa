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

    @staticmethod
    def resolve_party(obj: Step) -> str | None:
        return obj.party.code if obj.party else None

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


class ProcedureDetailOut(ProcedureOut):
    parent: int | None
    participants: list[dict[str, str]]
    deadlines: list[DeadlineOut]
    timeline: list[StepOut]
    decisions: list[DecisionOut]
    quorum: dict[str, int]

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


class ProcedureIn(Schema):
    charter: str = Field(..., max_length=40)
    mechanism: str = Field(..., max_length=60)
    subject: str = Field(..., max_length=300)
    text: str = Field("", max_length=services.MAX_TEXT)
    respondent: str | None = Field(None, max_length=20)
    invited: list[str] = Field(default_factory=list, max_length=100)
    parent: int | None = None


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
    kind: str = Field(..., max_length=30)
    text: str = Field("", max_length=services.MAX_TEXT)
    proposal: int | None = None
    interpretative: bool = False


@router.post(
    "/procedures/{pk}/acts",
    response={201: StepOut},
    summary="Take a step: reply, join, statement, objection, proposal, break-silence, ...",
)
def procedure_act(request: HttpRequest, pk: int, payload: StepIn) -> Any:
    viewer = viewer_of(request)
    procedure = selectors.procedure_get(viewer, pk)
    proposal = None
    if payload.proposal is not None:
        proposal = procedure.steps.filter(pk=payload.proposal).first()
        if proposal is None:
            raise ServiceError("No such draft decision in this procedure.", field="proposal")
    step = services.procedure_step(
        agent=viewer,
        procedure=procedure,
        kind=payload.kind,
        text=payload.text,
        proposal=proposal,
        interpretative=payload.interpretative,
    )
    return Created(201, step)


@router.get("/decisions", response=list[DecisionOut], summary="Adopted decisions")
@paginate(LimitOffsetPagination)
def decision_list(request: HttpRequest, charter: str = "") -> Any:
    qs = selectors.decisions_visible_to(viewer_of(request))
    return qs.filter(charter__code=charter) if charter else qs
