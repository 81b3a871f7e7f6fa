"""Conciliation: the commission's report in a dispute, recorded by the secretariat, and
each disputing party's acceptance or rejection within the charter's period (``respond``
of the mechanism's ``conciliation`` means, or its ``deadlines.respond`` where the
charter lists no means; 30 days in `helsinki`). Where the charter lists means, the
report is recorded once the dispute is in conciliation (``settlement``).

All accept: the report is accepted and the procedure closes. Any rejects: the report is
rejected and the procedure closes at once. The period ends first: the report lapses,
not accepted (``deadlines.due_apply``; on read in ``selectors.conciliation_of``)."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from concord import clock
from concord.parties.models import Party, User
from concord.parties.services import NotPermitted, ServiceError
from concord.procedures import selectors, settlement
from concord.procedures.acts import (
    deadline_set,
    definition_of,
    depositary_step_append,
    means_of,
    means_period,
    period_of,
    procedure_close,
    roles_of,
    step_append,
    text_clean,
)
from concord.procedures.deadlines import procedure_lock
from concord.procedures.models import Means, Procedure, State, Step

ERR_REPORT_SECRETARIAT = gettext_noop(
    "Only the secretariat records the conciliation commission's report."
)
ERR_REPORT_MECHANISM = gettext_noop(
    "This mechanism has no conciliation report for the parties to accept or reject."
)
ERR_REPORT_MEANS = gettext_noop(
    "A conciliation report is recorded once the parties to the dispute have agreed to"
    " conciliation; the dispute's means of settlement is: %(means)s."
)
ERR_REPORT_PENDING = gettext_noop("A report is already before the parties.")
ERR_NO_REPORT = gettext_noop("There is no report before the parties to accept or reject.")
ERR_NOT_DISPUTING = gettext_noop("Only the parties to the dispute accept or reject the report.")
ERR_ANSWERED = gettext_noop("Your party has already answered this report.")
ERR_OTHER_REPORT = gettext_noop("That is not the report before the parties.")


def has_report(procedure: Procedure) -> bool:
    """Whether the mechanism has a conciliation: a dispute whose charter allows the
    ``conciliation`` means, or, where it lists no means, sets the period to accept or
    reject the report (``deadlines.respond``)."""
    if procedure.kind != "dispute-settlement":
        return False
    definition = definition_of(procedure)
    if means_of(definition):
        return Means.CONCILIATION in means_of(definition)
    return period_of(definition, "respond", clock.now()) is not None


def report_due(procedure: Procedure, at: datetime) -> datetime | None:
    """When the period to answer a report made ``at`` ends; None where none is set."""
    definition = definition_of(procedure)
    if means_of(definition):
        return means_period(definition, Means.CONCILIATION, "respond", at)
    return period_of(definition, "respond", at)


def conciliation_report_submit(*, agent: User, procedure: Procedure, text: str) -> Step:
    """Record the conciliation commission's report (the secretariat does, for the
    commission); the disputing parties then have the charter's period to answer."""
    if not agent.is_secretariat:
        raise NotPermitted(_(ERR_REPORT_SECRETARIAT))
    if not has_report(procedure):
        raise ServiceError(_(ERR_REPORT_MECHANISM), field="kind")
    text = text_clean(text)
    with transaction.atomic():
        procedure = procedure_lock(procedure, kind="report")
        if procedure.state == State.REPORT_SUBMITTED:
            raise ServiceError(_(ERR_REPORT_PENDING), field="kind")
        if procedure.means and procedure.means != Means.CONCILIATION:
            raise ServiceError(
                _(ERR_REPORT_MEANS) % {"means": settlement.means_label(procedure.means)},
                field="kind",
            )
        settlement.offers_end(procedure)
        parties = selectors.disputing_parties(procedure)
        step = depositary_step_append(
            procedure,
            "report",
            {"text": text, "parties": [p.code for p in parties]},
            agent=agent,
            text=text,
        )
        due = report_due(procedure, step.at)
        deadline_set(procedure, "respond", due, "report-lapse", step)
        procedure.state = State.REPORT_SUBMITTED
        procedure.save(update_fields=["state"])
        return step


def report_answer(
    procedure: Procedure,
    party: Party,
    agent: User,
    kind: str,
    text: str,
    proposal: Step | None,
) -> Step:
    """A disputing party accepts or rejects the report before it (in the service's
    transaction, the procedure locked and the period checked)."""
    if not roles_of(procedure, party) & set(selectors.DISPUTING):
        raise NotPermitted(_(ERR_NOT_DISPUTING))
    report = procedure.steps.filter(kind="report").order_by("-at", "-id").first()
    if procedure.state != State.REPORT_SUBMITTED or report is None:
        raise ServiceError(_(ERR_NO_REPORT), field="kind")
    if proposal is not None and proposal.pk != report.pk:
        raise ServiceError(_(ERR_OTHER_REPORT), field="proposal")
    if report.responses.filter(kind__in=("accept", "reject"), party=party).exists():
        raise ServiceError(_(ERR_ANSWERED), field="kind")
    step = step_append(procedure, kind, party=party, agent=agent, text=text, proposal=report)
    parties = selectors.disputing_parties(procedure)
    accepted = set(report.responses.filter(kind="accept").values_list("party_id", flat=True))
    if kind == "reject":
        outcome = "report-rejected"
    elif all(p.pk in accepted for p in parties):
        outcome = "report-accepted"
    else:
        return step
    depositary_step_append(
        procedure,
        outcome,
        {
            "report": report.pk,
            "accepted": sorted(p.code for p in parties if p.pk in accepted),
            "rejected": [party.code] if kind == "reject" else [],
        },
        refs=[report.act_id, step.act_id],
        proposal=report,
    )
    procedure_close(procedure)
    return step
