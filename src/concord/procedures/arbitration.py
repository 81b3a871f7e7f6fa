"""Arbitration in a dispute: once every party to it has consented (their agreement to
take the dispute to arbitration, ``settlement``), the secretariat records the arbitral
tribunal's award. It is numbered under the charter, final and binding on the parties to
the dispute — nothing to accept or reject — and published to them as a conciliation
report is; the dispute closes. The period for the award, where the charter sets one
(``award`` of the ``arbitration`` means), runs from the parties' agreement: the worker
records it passing and the page shows the award overdue from then (``selectors``)."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from concord import clock
from concord.charters.models import Charter
from concord.parties.models import User
from concord.parties.services import NotPermitted, ServiceError
from concord.procedures import selectors
from concord.procedures.acts import (
    definition_of,
    depositary_step_append,
    means_of,
    procedure_close,
    text_clean,
)
from concord.procedures.deadlines import procedure_lock
from concord.procedures.models import Award, Means, Procedure, Step
from concord.procedures.settlement import dispute_require, offers_end

ERR_AWARD_SECRETARIAT = gettext_noop("Only the secretariat records the arbitral tribunal's award.")
ERR_NO_ARBITRATION = gettext_noop("The charter does not provide for arbitration in this mechanism.")
ERR_AWARD_CONSENT = gettext_noop(
    "The parties to the dispute have not all consented to arbitration: no award is"
    " recorded before they agree to it."
)


def arbitration_award_record(*, agent: User, procedure: Procedure, text: str) -> Step:
    """Record the arbitral tribunal's award (the secretariat does, for the tribunal),
    once every party to the dispute has consented to arbitration. It is numbered under
    the charter, final and binding on the parties to the dispute — nothing to accept or
    reject — published to them, and the dispute closes."""
    if not agent.is_secretariat:
        raise NotPermitted(_(ERR_AWARD_SECRETARIAT), field="kind")
    text = text_clean(text)
    with transaction.atomic():
        procedure = procedure_lock(procedure, kind="award")
        dispute_require(procedure)
        if Means.ARBITRATION not in means_of(definition_of(procedure)):
            raise ServiceError(_(ERR_NO_ARBITRATION), field="kind")
        if procedure.means != Means.ARBITRATION:
            raise ServiceError(_(ERR_AWARD_CONSENT), field="kind")
        # Numbered under the charter's lock: two awards never take one number.
        charter = Charter.objects.select_for_update().get(pk=procedure.charter_version.charter_id)
        number = (Award.objects.filter(charter=charter).aggregate(m=Max("number"))["m"] or 0) + 1
        period = procedure.deadlines.filter(name="award").first()
        step = depositary_step_append(
            procedure,
            "award",
            {
                "number": number,
                "text": text,
                "parties": [p.code for p in selectors.disputing_parties(procedure)],
                "binding": True,
                "late": period is not None and period.due_at <= clock.now(),
            },
            agent=agent,
            text=text,
        )
        Award.objects.create(
            procedure=procedure,
            charter=charter,
            number=number,
            text=text,
            step=step,
            rendered_at=step.at,
        )
        offers_end(procedure)
        procedure_close(procedure)
        return step
