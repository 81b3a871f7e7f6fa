"""Reads of procedures with visibility applied, and their state on read.

A request for explanation, consultations or a dispute is seen by the parties taking
part in it and by the secretariat; conferences and meetings of all parties are seen by
every party; adopted decisions are published to all. Anything else is "not found"."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from concord import clock
from concord.parties.models import User
from concord.procedures.models import Deadline, Decision, Procedure, State, Step


def procedures_visible_to(viewer: User, *, open_only: bool = False) -> QuerySet[Procedure]:
    if not viewer.is_authenticated:
        return Procedure.objects.none()
    qs = Procedure.objects.select_related("initiator", "respondent", "charter_version__charter")
    if not viewer.is_secretariat:
        qs = qs.filter(Q(open_to_all=True) | Q(participants__party_id=viewer.party_id)).distinct()
    if open_only:
        qs = qs.exclude(state=State.CLOSED)
    return qs.order_by("-opened_at")


def procedure_get(viewer: User, pk: int) -> Procedure:
    found = procedures_visible_to(viewer).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def state_of(procedure: Procedure) -> str:
    """The state now, counting deadlines that have passed though the worker has not
    yet acted on them."""
    if procedure.state != State.AWAITING_REPLY:
        return procedure.state
    overdue = procedure.deadlines.filter(
        action="overdue", done_at__isnull=True, due_at__lte=clock.now()
    ).exists()
    return State.OVERDUE if overdue else procedure.state


def next_deadline(procedure: Procedure) -> Deadline | None:
    return procedure.deadlines.filter(done_at__isnull=True).order_by("due_at").first()


def timeline(procedure: Procedure) -> QuerySet[Step]:
    return procedure.steps.select_related("party", "act", "proposal").order_by("at", "id")


def proposals_of(procedure: Procedure) -> QuerySet[Step]:
    return procedure.steps.filter(kind="proposal").select_related("party").order_by("at")


def decisions_visible_to(viewer: User) -> QuerySet[Decision]:
    if not viewer.is_authenticated:
        return Decision.objects.none()
    return Decision.objects.select_related("charter", "procedure")
