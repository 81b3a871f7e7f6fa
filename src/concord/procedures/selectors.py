"""Reads of procedures with visibility applied, and their state on read.

A request for explanation, consultations or a dispute is seen by the parties taking
part in it (a dispute's third party once every party to it has accepted it) and by the
secretariat; conferences and meetings of all parties are seen by
every party; adopted decisions are published to all. Anything else is "not found"."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from concord import clock
from concord.parties.models import Party, User
from concord.procedures.acts import definition_of, means_of
from concord.procedures.models import (
    Award,
    Deadline,
    Decision,
    OfferStatus,
    Procedure,
    Role,
    SettlementOffer,
    State,
    Step,
    state_after,
)

# The parties to a dispute, who accept or reject a conciliation report.
DISPUTING = (Role.INITIATOR, Role.RESPONDENT, Role.JOINED)


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
    yet acted on them (in due order, by the rule the worker applies)."""
    state = procedure.state
    if state == State.CLOSED:
        return state
    due = procedure.deadlines.filter(done_at__isnull=True, due_at__lte=clock.now())
    for action in due.order_by("due_at", "id").values_list("action", flat=True):
        state = state_after(state, action)
        if state == State.CLOSED:
            break
    return state


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


def _moment(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else None


def meeting_window(procedure: Procedure) -> dict[str, Any] | None:
    """When a meeting with a charter window is held: the ``earliest`` and ``latest`` it
    may open (as its convening act recorded them), when it ``opens`` and ``closes``, and
    its ``status`` now (not-open, in-session, over). None for procedures without one."""
    rows = {d.name: d for d in procedure.deadlines.filter(name__in=("opens", "session"))}
    if not rows:
        return None
    convened = procedure.steps.filter(kind="convened").select_related("act").first()
    recorded = convened.act.content if convened else {}
    opens = rows["opens"].due_at if "opens" in rows else procedure.opened_at
    closes = rows["session"].due_at if "session" in rows else None
    now = clock.now()
    if state_of(procedure) == State.CLOSED or (closes is not None and now >= closes):
        status = "over"
    elif now < opens:
        status = "not-open"
    else:
        status = "in-session"
    return {
        "convened": _moment(recorded.get("from")) or procedure.opened_at,
        "earliest": _moment(recorded.get("earliest")) or opens,
        "latest": _moment(recorded.get("latest")),
        "opens": opens,
        "closes": closes,
        "status": status,
    }


def silence_of(proposal: Step) -> dict[str, Any] | None:
    """A draft's silence procedure: running until ``due``, ``broken`` (by whom, how and
    when), or ``adopted`` — on read as soon as the period ends, before the worker
    records the decision and its number."""
    deadline = Deadline.objects.filter(proposal=proposal, action="adopt-if-silent").first()
    if deadline is None:
        return None
    decision = Decision.objects.filter(proposal=proposal).first()
    breach = (
        proposal.responses.filter(kind__in=("break-silence", "objection"), at__lt=deadline.due_at)
        .select_related("party")
        .order_by("at", "id")
        .first()
    )
    if decision is not None or (deadline.done_at is None and deadline.due_at <= clock.now()):
        status = "adopted"
    elif deadline.cancelled:
        status = "broken"
    else:
        status = "running"
    return {
        "status": status,
        "due": deadline.due_at,
        "decision": decision,
        "broken_by": breach if status == "broken" else None,
    }


def drafts_of(procedure: Procedure) -> list[dict[str, Any]]:
    """Each draft decision with its responses and where it stands now (``status``):
    open, adopted, not-adopted, or under silence: silence (running), silence-broken."""
    drafts = []
    for step in proposals_of(procedure):
        responses = list(step.responses.select_related("party").order_by("at", "id"))
        silence = silence_of(step)
        decision = Decision.objects.filter(proposal=step).first()
        if decision is not None or (silence and silence["status"] == "adopted"):
            status = "adopted"
        elif silence is not None:
            status = "silence" if silence["status"] == "running" else "silence-broken"
        elif any(r.kind == "not-adopted" for r in responses):
            status = "not-adopted"
        else:
            status = "open"
        drafts.append(
            {
                "step": step,
                "responses": responses,
                "decision": decision,
                "silence": silence,
                "status": status,
                "broken_by": silence["broken_by"] if silence else None,
            }
        )
    return drafts


def disputing_parties(procedure: Procedure) -> list[Party]:
    ids = procedure.participants.filter(role__in=DISPUTING).values_list("party_id", flat=True)
    return list(Party.objects.filter(pk__in=set(ids)).order_by("code"))


def conciliation_of(procedure: Procedure) -> dict[str, Any] | None:
    """The conciliation report before the disputing parties: each party's answer, the
    deadline, and the ``outcome`` — pending, accepted (all accept), rejected (any
    rejects), lapsed (the period ended first; on read before the worker records it) or
    closed (the parties ended the procedure otherwise)."""
    report = procedure.steps.filter(kind="report").order_by("-at", "-id").first()
    if report is None:
        return None
    deadline = procedure.deadlines.filter(proposal=report, action="report-lapse").first()
    answers = {
        s.party_id: s
        for s in report.responses.filter(kind__in=("accept", "reject")).select_related("party")
    }
    final = (
        procedure.steps.filter(
            kind__in=("report-accepted", "report-rejected", "report-lapsed"), proposal=report
        )
        .values_list("kind", flat=True)
        .first()
    )
    if final is not None:
        outcome = final.removeprefix("report-")
    elif deadline is not None and deadline.done_at is None and deadline.due_at <= clock.now():
        outcome = "lapsed"
    elif procedure.state == State.CLOSED:
        outcome = "closed"
    else:
        outcome = "pending"
    return {
        "report": report,
        "due": deadline.due_at if deadline else None,
        "outcome": outcome,
        "answers": [
            {"party": p, "answer": answers.get(p.pk)} for p in disputing_parties(procedure)
        ],
    }


def third_party_of(procedure: Procedure) -> SettlementOffer | None:
    """The third party every party to the dispute has accepted for its good offices or
    mediation, while the dispute is in that means; None otherwise."""
    return (
        procedure.offers.filter(
            kind="third-party", status=OfferStatus.ACCEPTED, ended_at__isnull=True
        )
        .select_related("third_party", "step")
        .order_by("-decided_at", "-id")
        .first()
    )


def offer_status(procedure: Procedure, offer: SettlementOffer, due: datetime | None) -> str:
    """Where an offer stands now: as recorded, or ``lapsed`` once its period has passed
    though the worker has not recorded it, or ``closed`` when the dispute ended first."""
    if offer.status != OfferStatus.PENDING:
        return offer.status
    if due is not None and due <= clock.now():
        return OfferStatus.LAPSED
    if state_of(procedure) == State.CLOSED:
        return "closed"
    return offer.status


def settlement_of(procedure: Procedure) -> dict[str, Any] | None:
    """A dispute's settlement now: the ``means`` it is in, the third party accepted
    (``third_party``), every offer with each party's answer and its status on read
    (``offers``: other means, third parties, mediator's proposals), the means the
    charter allows (``allowed``, with their periods in the charter), the third party's
    ``contacts``, and in arbitration the ``award`` with its period (``award_due``) and
    ``award_status`` — awaited, overdue (on read as soon as the period ends), rendered.
    None for other procedures."""
    if procedure.kind != "dispute-settlement":
        return None
    parties = disputing_parties(procedure)
    deadlines = {
        d.proposal_id: d
        for d in procedure.deadlines.filter(action="offer-lapse").exclude(proposal=None)
    }
    offers = []
    for offer in procedure.offers.select_related("step__party", "third_party").order_by(
        "step__at", "step_id"
    ):
        answers = {
            s.party_id: s
            for s in offer.step.responses.filter(kind__in=("accept", "reject")).select_related(
                "party"
            )
        }
        deadline = deadlines.get(offer.step_id)
        due = deadline.due_at if deadline is not None and not deadline.cancelled else None
        offers.append(
            {
                "offer": offer,
                "step": offer.step,
                "kind": offer.kind,
                "status": offer_status(procedure, offer, due),
                "due": due,
                "answers": [
                    {
                        "party": p,
                        # A party's own proposal of a means or a third party is its acceptance.
                        "proposer": p.pk == offer.step.party_id,
                        "answer": answers.get(p.pk),
                    }
                    for p in parties
                ],
            }
        )
    award = Award.objects.filter(procedure=procedure).select_related("step").first()
    award_deadline = procedure.deadlines.filter(name="award").first()
    award_due = None
    if award_deadline is not None and not (award_deadline.cancelled and award is None):
        award_due = award_deadline.due_at
    if award is not None:
        award_status: str | None = "rendered"
    elif procedure.means != "arbitration":
        award_status = None
    elif award_due is not None and award_due <= clock.now():
        award_status = "overdue"
    else:
        award_status = "awaited"
    return {
        "means": procedure.means,
        "allowed": list(means_of(definition_of(procedure))),
        "third_party": third_party_of(procedure),
        "offers": offers,
        "contacts": list(
            procedure.steps.filter(kind="contact").select_related("party").order_by("at", "id")
        ),
        "award": award,
        "award_due": award_due,
        "award_status": award_status,
        "parties": parties,
    }
