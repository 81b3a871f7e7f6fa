"""Reminders before procedure deadlines: once per deadline, to the members of the
parties expected to act (the parties to a dispute before a conciliation report's, a
third party's or a mediator's proposal's period ends, or an award's), when a quarter of
the period is left (at least an hour)."""

from __future__ import annotations

from datetime import timedelta

from django.core.mail import send_mail
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from concord import clock
from concord.parties.models import Party, Role, User
from concord.procedures.models import Deadline
from concord.procedures.models import Role as PRole
from concord.procedures.selectors import DISPUTING

# A dispute's periods concern the parties to it only: never every party to the charter.
DISPUTE_ACTIONS = {"report-lapse", "offer-lapse", "award-overdue"}
# Who is expected to act before each kind of deadline.
EXPECTED = {
    "reply": (PRole.RESPONDENT,),
    "respond": (PRole.INVITED, PRole.RESPONDENT),
    "meeting": (PRole.INITIATOR, PRole.RESPONDENT),
}


def _parties_for(deadline: Deadline) -> list[Party]:
    procedure = deadline.procedure
    # Every party to the dispute answers a conciliation report.
    roles = DISPUTING if deadline.action in DISPUTE_ACTIONS else EXPECTED.get(deadline.name)
    if roles is not None:
        ids = procedure.participants.filter(role__in=roles).values_list("party_id", flat=True)
        return list(Party.objects.filter(pk__in=ids))
    # Silence, support and objection windows concern every party to the charter.
    charter = procedure.charter_version.charter
    return list(
        Party.objects.filter(participations__charter=charter, participations__status="party")
    )


def procedure_reminders_due() -> int:
    """Send each reminder that has come due; a second pass sends nothing."""
    now = clock.now()
    sent = 0
    for deadline in Deadline.objects.filter(
        done_at__isnull=True, reminded_at__isnull=True, due_at__gt=now
    ).select_related("procedure__charter_version__charter"):
        period = deadline.due_at - deadline.created_at
        if deadline.due_at - now > max(period / 4, timedelta(hours=1)):
            continue
        with transaction.atomic():
            claimed = Deadline.objects.filter(pk=deadline.pk, reminded_at__isnull=True).update(
                reminded_at=now
            )
        if not claimed:
            continue  # another worker took it
        procedure = deadline.procedure
        members = User.objects.filter(party__in=_parties_for(deadline), is_active=True).exclude(
            email=""
        )
        for member in members:
            if not member.has_role(Role.HEAD, Role.DELEGATE):
                continue
            with translation.override(member.language):
                send_mail(
                    _("Concord: %(subject)s — %(deadline)s due %(due)s")
                    % {
                        "subject": procedure.subject,
                        "deadline": deadline.label,
                        "due": f"{deadline.due_at:%Y-%m-%d %H:%M} UTC",
                    },
                    _(
                        "The deadline %(deadline)s of procedure %(number)s (%(mechanism)s) "
                        "falls on %(due)s. See the procedure in Concord."
                    )
                    % {
                        "deadline": deadline.label,
                        "number": procedure.pk,
                        "mechanism": procedure.mechanism_title,
                        "due": f"{deadline.due_at:%Y-%m-%d %H:%M} UTC",
                    },
                    None,
                    [member.email],
                )
        sent += 1
    return sent
