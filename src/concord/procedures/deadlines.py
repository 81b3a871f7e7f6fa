"""The charter's clock: carrying out deadlines that fell due (among them a dispute's
offers that lapse and an arbitral award's period), and the checks every write makes
first (the procedure locked, closed or not, the meeting's window, the period to answer
a conciliation report).

A deadline is carried out once: its procedure's row is locked while its deadlines are
handled, and it is marked done in the same transaction. Pages apply the same rule on
read (``selectors.state_of``), so nothing shows wrong while the worker is down."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from concord import clock
from concord.parties.services import ServiceError
from concord.procedures import selectors
from concord.procedures.acts import decision_adopt, depositary_step_append, procedure_close
from concord.procedures.models import (
    Deadline,
    Decision,
    OfferStatus,
    Procedure,
    SettlementOffer,
    State,
    state_after,
)

ERR_CLOSED = gettext_noop("This procedure is closed.")
ERR_MEETING_NOT_OPEN = gettext_noop(
    "The meeting opens on %(opens)s UTC; no step is taken in it before then."
)
ERR_MEETING_OVER = gettext_noop(
    "The meeting's window closed on %(closes)s UTC; no step is taken in it after then."
)
ERR_REPORT_PERIOD_OVER = gettext_noop(
    "The period to accept or reject the report ended on %(due)s UTC."
)
ANSWERS = ("accept", "reject")


def at_minute(value: object) -> str:
    """A time as the pages show it, for messages (UTC)."""
    return f"{value:%Y-%m-%d %H:%M}"


def procedure_lock(
    procedure: Procedure, *, kind: str = "", before_opening: bool = False
) -> Procedure:
    """Lock the procedure for a write and carry out what fell due first. Refuses a
    closed procedure, a step in a meeting outside its window (before it opens, unless
    ``before_opening``; after it closes), and an answer to a conciliation report after
    its period. A refusal rolls back the deadlines carried out here too."""
    locked = Procedure.objects.select_for_update().get(pk=procedure.pk)
    now = clock.now()
    window = selectors.meeting_window(locked)
    if window and window["closes"] is not None and now >= window["closes"]:
        raise ServiceError(
            _(ERR_MEETING_OVER) % {"closes": at_minute(window["closes"])}, field="kind"
        )
    if kind in ANSWERS and locked.kind == "dispute-settlement":
        lapse = locked.deadlines.filter(action="report-lapse").order_by("-due_at").first()
        if lapse is not None and not lapse.cancelled and lapse.due_at <= now:
            raise ServiceError(
                _(ERR_REPORT_PERIOD_OVER) % {"due": at_minute(lapse.due_at)}, field="kind"
            )
    if locked.state == State.CLOSED:
        raise ServiceError(_(ERR_CLOSED), field="kind")
    due_apply(locked)
    if locked.state == State.CLOSED:
        raise ServiceError(_(ERR_CLOSED), field="kind")
    if window and not before_opening and now < window["opens"]:
        raise ServiceError(
            _(ERR_MEETING_NOT_OPEN) % {"opens": at_minute(window["opens"])}, field="kind"
        )
    return locked


def due_apply(procedure: Procedure) -> None:
    """Carry out this procedure's deadlines that have fallen due, in due order (under
    its row lock). Each is read afresh: one that closes the procedure cancels the rest."""
    now = clock.now()
    while True:
        deadline = (
            procedure.deadlines.select_for_update()
            .filter(done_at__isnull=True, due_at__lte=now)
            .order_by("due_at", "id")
            .first()
        )
        if deadline is None:
            return
        _carry_out(procedure, deadline)


def _carry_out(procedure: Procedure, deadline: Deadline) -> None:
    before = procedure.state
    after = state_after(before, deadline.action)
    draft = deadline.proposal if deadline.action == "adopt-if-silent" else None
    if draft is not None and not Decision.objects.filter(proposal=draft).exists():
        decision_adopt(procedure, draft, "silence")
    depositary_step_append(
        procedure,
        "deadline",
        {
            "deadline": deadline.name,
            "due": deadline.due_at.isoformat(),
            "action": deadline.action,
        },
        text=deadline.name,
    )
    deadline.done_at = clock.now()
    deadline.save(update_fields=["done_at"])
    if deadline.action == "report-lapse" and before == State.REPORT_SUBMITTED:
        report = deadline.proposal
        answered = set(
            report.responses.filter(kind="accept").values_list("party_id", flat=True)
            if report
            else []
        )
        depositary_step_append(
            procedure,
            "report-lapsed",
            {
                "report": report.pk if report else None,
                "unanswered": sorted(
                    p.code for p in selectors.disputing_parties(procedure) if p.pk not in answered
                ),
            },
            refs=[report.act_id] if report else [],
            proposal=report,
        )
    if deadline.action == "offer-lapse" and deadline.proposal is not None:
        _offer_lapse(procedure, deadline)
    if after == State.CLOSED and before != State.CLOSED:
        procedure_close(procedure)
    elif after != before:
        procedure.state = after
        procedure.save(update_fields=["state"])


def _offer_lapse(procedure: Procedure, deadline: Deadline) -> None:
    """An offer in a dispute (a third party, a mediator's proposal) that not every
    party to it accepted within the period lapses; the dispute goes on."""
    offer = SettlementOffer.objects.filter(
        step=deadline.proposal, status=OfferStatus.PENDING
    ).first()
    if offer is None or deadline.proposal is None:
        return
    offer.status = OfferStatus.LAPSED
    offer.decided_at = clock.now()
    offer.save(update_fields=["status", "decided_at"])
    # The proposer of a means or a third party accepted it by proposing it.
    accepted: set[int | None] = {deadline.proposal.party_id}
    accepted |= set(
        deadline.proposal.responses.filter(kind="accept").values_list("party_id", flat=True)
    )
    depositary_step_append(
        procedure,
        "offer-lapsed",
        {
            "offer": offer.step_id,
            "kind": offer.kind,
            "unanswered": sorted(
                p.code for p in selectors.disputing_parties(procedure) if p.pk not in accepted
            ),
        },
        refs=[deadline.proposal.act_id],
        proposal=deadline.proposal,
    )


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
            before = set(
                procedure.deadlines.filter(done_at__isnull=True, due_at__lte=now).values_list(
                    "pk", flat=True
                )
            )
            due_apply(procedure)
            done += procedure.deadlines.filter(pk__in=before, cancelled=False).count()
    return done
