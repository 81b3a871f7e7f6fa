"""Conferences and meetings: convening within the charter's window, the quorum, the
decision rules, silence and how it is broken, and the chair and rapporteur the
secretariat assigns as convener. Where a meeting has a chair, only the chair (or the
secretariat) calls for a decision on a draft; without one, any party present may."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from concord import clock
from concord.parties.models import Party, User
from concord.parties.services import NotPermitted, ServiceError
from concord.procedures import selectors
from concord.procedures.acts import (
    MEETINGS,
    deadline_set,
    decision_adopt,
    definition_of,
    depositary_step_append,
    is_party,
    participant_add,
    parties_of,
    period_of,
    step_append,
    text_clean,
)
from concord.procedures.deadlines import at_minute, procedure_lock
from concord.procedures.models import Deadline, Decision, Participant, Procedure, Step
from concord.procedures.models import Role as PRole

ERR_QUORUM = gettext_noop(
    "Quorum not reached: %(present)s of %(of)s parties present, %(needed)s needed."
)
ERR_SILENCE_ENDED = gettext_noop("The silence period ended on %(due)s UTC.")
ERR_NOT_UNDER_SILENCE = gettext_noop(
    "This draft is not under a silence procedure, or its silence has ended."
)
ERR_ASSIGN_SECRETARIAT = gettext_noop(
    "Only the secretariat, as convener, assigns the chair and the rapporteur."
)
ERR_ASSIGN_MEETING = gettext_noop(
    "A chair and a rapporteur are assigned in a conference or meeting."
)
ERR_ASSIGN_ROLE = gettext_noop("Assign a chair or a rapporteur.")
ERR_ASSIGN_PARTY = gettext_noop("%(party)s is not a party to this charter.")
ERR_ASSIGN_AGAIN = gettext_noop("%(party)s already holds this role.")
ERR_SCHEDULE_SECRETARIAT = gettext_noop("Only the secretariat, as convener, sets the opening.")
ERR_SCHEDULE_NONE = gettext_noop("This meeting has no window to set its opening in.")
ERR_SCHEDULE_OPENED = gettext_noop("The meeting has opened; its opening is not moved now.")
ERR_SCHEDULE_OUTSIDE = gettext_noop(
    "The meeting opens between %(earliest)s and %(latest)s UTC, under the charter."
)
ERR_CHAIR_CALLS = gettext_noop(
    "This meeting has a chair (%(chair)s): only the chair or the secretariat calls for a decision."
)
ERR_CALL_SECRETARIAT = gettext_noop(
    "A party calls for a decision as a step of its delegation; this is the secretariat's call."
)
ERR_CALL_MEETING = gettext_noop("Decisions are called in a conference or meeting.")
ERR_CALL_FOREIGN = gettext_noop("That draft belongs to another procedure.")
ASSIGNABLE = (PRole.CHAIR, PRole.RAPPORTEUR)

# The quorum a decision needs when the charter sets none: consensus is the absence of
# objection from every party, so every party must have been there to object.
EVERY_PARTY = {"fraction": "1/1", "of": "all-parties"}


# --- quorum ----------------------------------------------------------------------------


def quorum_of(procedure: Procedure) -> tuple[int, int, int]:
    """(present, needed, of): the parties present, the quorum a decision needs, and the
    count the quorum is a share of. Only current parties count as present (a party
    whose withdrawal took effect no longer does). ``needed`` is 0 where no decision is
    called (no meeting, no decision rule, or the silence procedure)."""
    definition = definition_of(procedure)
    parties = {p.pk for p in parties_of(procedure.charter_version.charter)}
    present_ids = set(
        procedure.participants.filter(role=PRole.PRESENT).values_list("party_id", flat=True)
    )
    present = len(present_ids & parties)
    rule = definition.get("decision_rule", "consensus")
    if procedure.kind not in MEETINGS or rule in ("none", "silence"):
        return present, 0, len(parties)
    quorum = definition.get("quorum") or EVERY_PARTY
    if quorum["of"] == "participants":
        ids = set(procedure.participants.values_list("party_id", flat=True))
        base = len(ids & parties)
    elif quorum["of"] == "parties-present":
        base = present
    else:
        base = len(parties)
    num, den = (int(x) for x in str(quorum["fraction"]).split("/"))
    return present, max(1, math.ceil(base * num / den)), base


def quorum_require(procedure: Procedure) -> None:
    present, needed, of = quorum_of(procedure)
    if present < needed:
        raise ServiceError(
            _(ERR_QUORUM) % {"present": present, "of": of, "needed": needed}, field="quorum"
        )


# --- convening and the window ----------------------------------------------------------


def meeting_convene(
    procedure: Procedure, definition: dict[str, Any], at: datetime
) -> dict[str, Any]:
    """Set the meeting's window from the moment it is convened (``at``: the support that
    reached the charter's number, or the opening): it opens at the earliest time the
    charter allows (``deadlines.meeting.min``), no later than ``deadlines.meeting``, and
    lasts at most ``deadlines.length``. Returns the window for the convening act; empty
    when the charter sets none."""
    if not (definition.get("deadlines") or {}).get("meeting"):
        return {}
    opens = period_of(definition, "meeting", at, key="min") or at
    latest = period_of(definition, "meeting", at)
    closes = period_of(definition, "length", opens)
    if opens > at:
        deadline_set(procedure, "opens", opens, "open-session")
    deadline_set(procedure, "session", closes, "end-session")
    return {
        "from": at.isoformat(),
        "earliest": opens.isoformat(),
        "opens": opens.isoformat(),
        "latest": latest.isoformat() if latest else None,
        "closes": closes.isoformat() if closes else None,
    }


def procedure_meeting_schedule(*, agent: User, procedure: Procedure, opens_at: datetime) -> Step:
    """The secretariat, as convener, sets when the meeting opens, within the charter's
    window (no earlier than ``meeting.min`` and no later than ``meeting.duration`` after
    it was convened); it then lasts at most ``length``."""
    if not agent.is_secretariat:
        raise NotPermitted(_(ERR_SCHEDULE_SECRETARIAT))
    if opens_at.tzinfo is None:
        raise ServiceError(_("Give the time in UTC."), field="opens_at")
    with transaction.atomic():
        procedure = procedure_lock(procedure, before_opening=True)
        window = selectors.meeting_window(procedure)
        if window is None or "opens" not in {d.name for d in procedure.deadlines.all()}:
            raise ServiceError(_(ERR_SCHEDULE_NONE), field="kind")
        if window["status"] != "not-open":
            raise ServiceError(_(ERR_SCHEDULE_OPENED), field="kind")
        earliest, latest = window["earliest"], window["latest"] or window["earliest"]
        if not (max(earliest, clock.now()) <= opens_at <= latest):
            raise ServiceError(
                _(ERR_SCHEDULE_OUTSIDE)
                % {"earliest": at_minute(earliest), "latest": at_minute(latest)},
                field="opens_at",
            )
        definition = definition_of(procedure)
        closes = period_of(definition, "length", opens_at)
        deadline_set(procedure, "opens", opens_at, "open-session")
        deadline_set(procedure, "session", closes, "end-session")
        return depositary_step_append(
            procedure,
            "schedule",
            {"opens": opens_at.isoformat(), "closes": closes.isoformat() if closes else None},
            agent=agent,
            text=at_minute(opens_at),
        )


# --- chair and rapporteur ---------------------------------------------------------------


def procedure_role_assign(*, agent: User, procedure: Procedure, party: Party, role: str) -> Step:
    """The secretariat, as convener, assigns a party as the meeting's chair or
    rapporteur; a new assignment replaces the previous holder. The chair may close the
    meeting; the chair and the rapporteur may record its outcome."""
    if not agent.is_secretariat:
        raise NotPermitted(_(ERR_ASSIGN_SECRETARIAT))
    if procedure.kind not in MEETINGS:
        raise ServiceError(_(ERR_ASSIGN_MEETING), field="kind")
    if role not in ASSIGNABLE:
        raise ServiceError(_(ERR_ASSIGN_ROLE), field="role")
    if not is_party(party, procedure.charter_version.charter):
        raise ServiceError(_(ERR_ASSIGN_PARTY) % {"party": party.code}, field="party")
    with transaction.atomic():
        procedure = procedure_lock(procedure, before_opening=True)
        holders = Participant.objects.filter(procedure=procedure, role=role)
        previous = [h.party.code for h in holders.select_related("party")]
        if previous == [party.code]:
            raise ServiceError(_(ERR_ASSIGN_AGAIN) % {"party": party.code}, field="party")
        holders.delete()
        participant_add(procedure, party, role)
        return depositary_step_append(
            procedure,
            f"assign-{role}",
            {"role": role, "party": party.code, "replaces": previous[0] if previous else None},
            agent=agent,
            assignee=party,
        )


# --- decisions and silence --------------------------------------------------------------


def draft_require(proposal: Step | None, message: str) -> Step:
    if proposal is None or proposal.kind != "proposal":
        raise ServiceError(message, field="proposal")
    if Decision.objects.filter(proposal=proposal).exists():
        raise ServiceError(_("This draft has already been decided."), field="proposal")
    return proposal


def silence_break(proposal: Step, *, required: bool) -> Deadline | None:
    """The draft's running silence, which the caller's step (an objection or an explicit
    break of silence) ends; None if the draft is not under silence, or its silence was
    already broken (then an error when ``required``). Refused once the period has ended,
    even before the worker adopts the draft."""
    deadline = Deadline.objects.filter(proposal=proposal, action="adopt-if-silent").first()
    if deadline is None or deadline.cancelled:
        if required:
            raise ServiceError(_(ERR_NOT_UNDER_SILENCE), field="proposal")
        return None
    if deadline.done_at is not None or deadline.due_at <= clock.now():
        raise ServiceError(
            _(ERR_SILENCE_ENDED) % {"due": at_minute(deadline.due_at)}, field="proposal"
        )
    return deadline


def silence_end(deadline: Deadline | None, step: Step) -> None:
    if deadline is not None:
        deadline.done_at = step.at
        deadline.cancelled = True
        deadline.save(update_fields=["done_at", "cancelled"])


def break_silence(
    procedure: Procedure, party: Party, agent: User, text: str, proposal: Step | None, _i: bool
) -> Step:
    if proposal is None or proposal.kind != "proposal":
        raise ServiceError(_("Name the draft decision whose silence you break."), field="proposal")
    deadline = silence_break(proposal, required=True)
    participant_add(procedure, party, PRole.PRESENT)
    step = step_append(
        procedure, "break-silence", party=party, agent=agent, text=text, proposal=proposal
    )
    silence_end(deadline, step)
    return step


def chair_of(procedure: Procedure) -> Party | None:
    holder = procedure.participants.filter(role=PRole.CHAIR).select_related("party").first()
    return holder.party if holder is not None else None


def call_decision(
    procedure: Procedure, party: Party, agent: User, text: str, proposal: Step | None, _i: bool
) -> Step:
    """A party calls for a decision on a draft: the chair, where the meeting has one;
    otherwise any party (a ``procedure_step`` handler)."""
    chair = chair_of(procedure)
    if chair is not None and chair.pk != party.pk:
        raise NotPermitted(_(ERR_CHAIR_CALLS) % {"chair": chair.code}, field="kind")
    return _decision_call(procedure, party, agent, text, proposal)


def procedure_decision_call(
    *, agent: User, procedure: Procedure, proposal: Step | None, text: str = ""
) -> Step:
    """The secretariat, as convener, calls for a decision on a draft (with or without a
    chair); the step is the depositary's act. Parties call through ``procedure_step``."""
    if not agent.is_secretariat:
        raise NotPermitted(_(ERR_CALL_SECRETARIAT), field="kind")
    if procedure.kind not in MEETINGS:
        raise ServiceError(_(ERR_CALL_MEETING), field="kind")
    text = text_clean(text, required=False)
    with transaction.atomic():
        procedure = procedure_lock(procedure, kind="call-decision")
        if proposal is not None and proposal.procedure_id != procedure.pk:
            raise ServiceError(_(ERR_CALL_FOREIGN), field="proposal")
        return _decision_call(procedure, None, agent, text, proposal)


def _decision_call(
    procedure: Procedure, party: Party | None, agent: User, text: str, proposal: Step | None
) -> Step:
    """Apply the mechanism's decision rule to the draft, called by ``party`` (None: the
    secretariat): adopted and numbered, or recorded as not adopted."""
    proposal = draft_require(proposal, _("Name the draft decision to decide."))
    definition = definition_of(procedure)
    rule = definition.get("decision_rule", "consensus")
    if rule == "silence":
        raise ServiceError(
            _("Under a silence procedure the draft is adopted at the deadline."), field="kind"
        )
    quorum_require(procedure)
    if party is not None:
        step = step_append(
            procedure, "call-decision", party=party, agent=agent, text=text, proposal=proposal
        )
    else:
        step = depositary_step_append(
            procedure,
            "call-decision",
            {"proposal": proposal.pk, "text": text},
            [proposal.act_id],
            agent=agent,
            text=text,
            proposal=proposal,
        )
    parties = {p.pk for p in parties_of(procedure.charter_version.charter)}
    present_ids = (
        set(procedure.participants.filter(role=PRole.PRESENT).values_list("party_id", flat=True))
        & parties
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
        decision_adopt(procedure, proposal, rule)
    else:
        depositary_step_append(
            procedure,
            "not-adopted",
            {
                "proposal": proposal.pk,
                "objections": sorted(
                    Party.objects.filter(pk__in=objectors).values_list("code", flat=True)
                ),
            },
            refs=[proposal.act_id],
            proposal=proposal,
        )
    return step
