"""Writing a procedure's acts: the record entry, the timeline step, the deadlines and
participants that go with it, an adopted decision; and reading the charter's mechanism
and parties. Every function here runs inside the transaction of the service that calls
it, so the act and the working state commit together."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db.models import Max
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from concord import clock
from concord.charters.loader import duration
from concord.charters.models import Charter
from concord.parties.models import Participation, Party, Role, Status, User
from concord.parties.services import NotPermitted, ServiceError, charter_roles
from concord.procedures.models import (
    Deadline,
    Decision,
    Means,
    Participant,
    Procedure,
    State,
    Step,
)
from concord.record.models import Act, ActType
from concord.record.services import act_append

MAX_TEXT = 20000
MEETINGS = {"conference", "extraordinary-conference", "emergency-meeting"}
BILATERAL = {"request-for-explanation", "information-request"}
DEFAULT_ROLES = (Role.HEAD, Role.DELEGATE)

ERR_NOT_TAKING_PART = gettext_noop("Your party cannot take this step in this procedure.")


def mechanism_of(charter: Charter, mechanism: str) -> dict[str, Any]:
    """The charter's definition of a mechanism (deadlines, quorum, decision rule)."""
    for m in charter.document.get("mechanisms", []):
        if m["id"] == mechanism:
            return dict(m)
    raise ServiceError(
        _("%(charter)s has no mechanism %(mechanism)s.")
        % {"charter": charter.code, "mechanism": mechanism},
        field="mechanism",
    )


def definition_of(procedure: Procedure) -> dict[str, Any]:
    return mechanism_of(procedure.charter_version.charter, procedure.mechanism)


def period_of(
    mechanism: dict[str, Any], name: str, at: datetime, *, key: str = "duration"
) -> datetime | None:
    """``at`` plus the mechanism's named deadline (``key``: its ``duration``, or its
    ``min`` for the earliest time); None when the charter sets none."""
    deadline = (mechanism.get("deadlines") or {}).get(name)
    if not deadline or not deadline.get(key):
        return None
    return at + duration(deadline[key], start=at)


def means_of(mechanism: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The means of settlement a dispute-settlement mechanism allows, each with its
    periods, from negotiation to arbitration (a stored charter keeps no key order);
    empty when the charter lists none."""
    listed = mechanism.get("means") or {}
    return {m.value: dict(listed[m.value] or {}) for m in Means if m.value in listed}


def means_period(mechanism: dict[str, Any], means: str, name: str, at: datetime) -> datetime | None:
    """``at`` plus the named period of one means of settlement (``appoint``,
    ``respond``, ``award``); None when the charter sets none."""
    return period_of(means_of(mechanism).get(means, {}), name, at)


def parties_of(charter: Charter) -> list[Party]:
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


def is_party(party: Party, charter: Charter) -> bool:
    p = Participation.objects.filter(party=party, charter=charter).first()
    return p is not None and p.effective_status() == Status.PARTY


def acting_party(agent: User, charter: Charter, act: str) -> Party:
    """The party the agent commits, if the charter lets the agent's role do ``act``."""
    if agent.party is None:
        raise NotPermitted(_("Only a party's delegation takes part in procedures."))
    if not agent.has_role(*charter_roles(charter, act, DEFAULT_ROLES)):
        raise NotPermitted(_("Your role does not allow this."))
    if not is_party(agent.party, charter):
        raise NotPermitted(_("Your party is not a party to this charter."))
    return agent.party


def text_clean(value: str, field: str = "text", *, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ServiceError(_("This field is required."), field=field)
    if len(value) > MAX_TEXT:
        raise ServiceError(_("The text is longer than 20,000 characters."), field=field)
    return value


def concerned_parties(procedure: Procedure) -> list[Party]:
    ids = set(procedure.participants.values_list("party_id", flat=True))
    return list(Party.objects.filter(pk__in=ids))


def procedure_act_append(
    procedure: Procedure,
    *,
    type: str,
    actor: Party | None,
    agent: User | None,
    content: dict[str, Any],
    refs: Iterable[int] = (),
) -> Act:
    """Procedures between some parties record their acts for those parties only."""
    recipients = None if procedure.open_to_all else concerned_parties(procedure)
    return act_append(
        type=type,
        actor=actor,
        agent=agent,
        content={"procedure": procedure.pk, **content},
        charter_version=procedure.charter_version,
        refs=[procedure.act_id, *refs],
        recipients=recipients,
    )


def step_append(
    procedure: Procedure,
    kind: str,
    *,
    party: Party | None,
    agent: User | None,
    text: str = "",
    proposal: Step | None = None,
    extra: dict[str, Any] | None = None,
    assignee: Party | None = None,
) -> Step:
    """A party's step: its act in the record and its row in the timeline (``assignee``:
    the party the step names, as a third party proposed for a dispute)."""
    act = procedure_act_append(
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
        assignee=assignee,
        at=act.time,
    )


def depositary_step_append(
    procedure: Procedure,
    kind: str,
    content: dict[str, Any],
    refs: Iterable[int] = (),
    *,
    agent: User | None = None,
    text: str = "",
    proposal: Step | None = None,
    assignee: Party | None = None,
) -> Step:
    """An act of the depositary in the procedure's timeline (convened, a deadline that
    passed, a draft not adopted, a chair assigned, a commission's report); ``agent`` is
    the member of the secretariat who did it, None for the worker."""
    act = procedure_act_append(
        procedure,
        type=ActType.PROCEDURE_DEADLINE if kind == "deadline" else ActType.PROCEDURE_STEP,
        actor=None,
        agent=agent,
        content={"kind": kind, **content},
        refs=refs,
    )
    return Step.objects.create(
        procedure=procedure,
        act=act,
        kind=kind,
        party=None,
        text=text,
        proposal=proposal,
        assignee=assignee,
        at=act.time,
    )


def deadline_set(
    procedure: Procedure,
    name: str,
    due: datetime | None,
    action: str,
    proposal: Step | None = None,
) -> None:
    """Set (or reset) the named deadline; nothing when the charter sets no period."""
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


def deadline_finish(procedure: Procedure, name: str) -> None:
    """The deadline is met (or no longer applies): the worker will not act on it."""
    Deadline.objects.filter(procedure=procedure, name=name, done_at__isnull=True).update(
        done_at=clock.now(), cancelled=True
    )


def participant_add(procedure: Procedure, party: Party, role: str) -> None:
    Participant.objects.get_or_create(
        procedure=procedure, party=party, role=role, defaults={"since": clock.now()}
    )


def roles_of(procedure: Procedure, party: Party) -> set[str]:
    return set(procedure.participants.filter(party=party).values_list("role", flat=True))


def roles_require(procedure: Procedure, party: Party, *roles: str) -> None:
    if not roles_of(procedure, party) & set(roles):
        raise NotPermitted(_(ERR_NOT_TAKING_PART))


def procedure_close(procedure: Procedure) -> None:
    procedure.state = State.CLOSED
    procedure.closed_at = clock.now()
    procedure.save(update_fields=["state", "closed_at"])
    Deadline.objects.filter(procedure=procedure, done_at__isnull=True).update(
        done_at=procedure.closed_at, cancelled=True
    )


def decision_adopt(procedure: Procedure, proposal: Step, rule: str) -> Decision:
    """Adopt a draft: the depositary's act, numbered next under the charter."""
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
