"""Every write to notifications: drafts, submissions and corrections, delivery, and
receipts. Submissions, deliveries and acknowledgements are acts in the record."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.db import connection, transaction
from django.utils import translation
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from concord import clock
from concord.charters.models import Charter
from concord.db.group_commit import GroupCommit
from concord.notifications import facts as facts_module
from concord.notifications import schema_form
from concord.notifications.models import Notification, Receipt, State
from concord.parties.models import Participation, Party, Role, Status, User
from concord.parties.services import NotPermitted, ServiceError, charter_roles
from concord.procedures.services import review_open_for
from concord.record.models import ActType
from concord.record.services import Draft, act_append, acts_append

MAX_DATA_BYTES = 1024 * 1024


class NotificationInvalid(ServiceError):
    """The data does not satisfy the form; ``problems`` lists every field at fault."""

    def __init__(self, problems: list[schema_form.Problem]):
        self.problems = problems
        first = problems[0]
        super().__init__(f"{first.label}: {first.message}", field=first.path)


def form_definition(charter: Charter, form: str) -> dict[str, Any]:
    for item in charter.document.get("forms", []):
        if item["id"] == form:
            return dict(item)
    raise ServiceError(
        _("%(charter)s has no form %(form)s.") % {"charter": charter.code, "form": form},
        field="form",
    )


# (party id, party code, status, withdrawal effective at) of every party to a charter.
Participant = tuple[int, str, str, Any]


def _participants(charter: Charter) -> list[Participant]:
    """Who takes part in the charter, read once for both the notifier's check and the
    recipients."""
    return list(
        Participation.objects.filter(charter=charter)
        .order_by("party__code")
        .values_list("party_id", "party__code", "status", "withdrawal_effective_at")
    )


def _status(participant: Participant, at: Any) -> str:
    """As ``Participation.effective_status``: a withdrawal counts from when it takes
    effect, even before the worker records it."""
    _, _, status, withdrawal = participant
    return Status.WITHDRAWN if withdrawal is not None and at >= withdrawal else status


def _require_notifier(
    agent: User, charter: Charter, participants: list[Participant] | None = None
) -> Party:
    """The agent's party, if it is a party to the charter and the agent's role may
    notify for it under the charter."""
    if agent.party is None:
        raise NotPermitted(_("Only a party's delegation submits notifications."))
    roles = charter_roles(charter, "notify", (Role.HEAD, Role.DELEGATE))
    if not agent.has_role(*roles):
        raise NotPermitted(_("Your role does not allow submitting notifications."))
    if participants is None:
        participants = _participants(charter)
    now = clock.now()
    mine = next((p for p in participants if p[0] == agent.party.pk), None)
    if mine is None or _status(mine, now) != Status.PARTY:
        raise NotPermitted(_("Your party is not a party to this charter."))
    return agent.party


def _check_size(data: Any) -> None:
    if not isinstance(data, dict):
        raise ServiceError(_("The data must be a JSON object."), field="data")
    if len(json.dumps(data)) > MAX_DATA_BYTES:
        raise ServiceError(_("The data is larger than 1 MB."), field="data")


def _validate(charter: Charter, form: str, data: dict[str, Any], language: str) -> dict[str, Any]:
    definition = form_definition(charter, form)
    problems = schema_form.validate(definition["schema"], data, language)
    if problems:
        raise NotificationInvalid(problems)
    return definition


LIVE = (Status.PARTY, Status.SIGNATORY, Status.OBSERVER, Status.APPLICANT)


def _recipients(
    participants: list[Participant], sender: Party, distribution: str
) -> list[tuple[int, str]]:
    """The parties a notification is for, as (id, code): every other party taking part
    in the charter, or none but the depositary."""
    if distribution == "depositary":
        return []
    now = clock.now()
    return [(p[0], p[1]) for p in participants if p[0] != sender.pk and _status(p, now) in LIVE]


def draft_save(
    *,
    agent: User,
    charter: Charter,
    form: str,
    data: dict[str, Any],
    draft: Notification | None = None,
) -> Notification:
    """Keep unfinished data for the agent's party. Drafts are not acts: they commit
    the party to nothing and are seen by its delegation only."""
    party = _require_notifier(agent, charter)
    form_definition(charter, form)
    _check_size(data)
    now = clock.now()
    if draft is not None:
        if draft.party_id != party.pk or draft.state != State.DRAFT:
            raise ServiceError(_("This is not a draft of your party."), field="draft")
        draft.data = data
        draft.updated_at = now
        draft.save(update_fields=["data", "updated_at"])
        return draft
    assert charter.current is not None
    return Notification.objects.create(
        charter_version=charter.current,
        form=form,
        party=party,
        state=State.DRAFT,
        data=data,
        created_by=agent,
        created_at=now,
        updated_at=now,
    )


@dataclass
class _Submission:
    """A submission checked and validated, ready to be written."""

    agent: User
    party: Party
    charter: Charter
    form: str
    data: dict[str, Any]
    definition: dict[str, Any]
    facts: dict[str, Any]
    recipients: list[tuple[int, str]]
    draft: Notification | None
    supersedes: Notification | None
    language: str


def notification_submit(
    *,
    agent: User,
    charter: Charter,
    form: str,
    data: dict[str, Any],
    draft: Notification | None = None,
    supersedes: Notification | None = None,
    language: str | None = None,
) -> Notification:
    """Submit a notification for the agent's party and deliver it to every party it
    is for, in one transaction: nothing is stored if anything is wrong. With
    ``supersedes``, the notification corrects an earlier one, which stays in the
    record marked as superseded.

    Submissions that arrive together from several threads are written together
    (``_group``): one transaction, one acquisition of the record's lock."""
    participants = _participants(charter)
    party = _require_notifier(agent, charter, participants)
    _check_size(data)
    language = language or get_language() or "en"
    definition = _validate(charter, form, data, language)
    assert charter.current is not None
    # Read before the transaction: it holds the record's lock, so it should be short.
    recipients = _recipients(participants, party, definition.get("distribution", "all-parties"))
    submission = _Submission(
        agent=agent,
        party=party,
        charter=charter,
        form=form,
        data=data,
        definition=definition,
        facts=facts_module.facts_of(form, data),
        recipients=recipients,
        draft=draft,
        supersedes=supersedes,
        language=language,
    )
    return _group.run(submission)


def _superseded(submission: _Submission) -> Notification | None:
    """The notification a correction supersedes, locked and checked."""
    if submission.supersedes is None:
        return None
    old = Notification.objects.select_for_update().get(pk=submission.supersedes.pk)
    if old.party_id != submission.party.pk:
        raise NotPermitted(_("You correct your own party's notifications only."))
    if old.state != State.SUBMITTED:
        raise ServiceError(
            _("Only the current version of a notification can be corrected."),
            field="supersedes",
        )
    if old.form != submission.form:
        raise ServiceError(_("A correction keeps the form it corrects."), field="form")
    return old


def _delivery_content(first: int, *, offset: int, code: str, to: list[str]) -> dict[str, Any]:
    return {"notification": f"{code}-{first + offset}", "to": to}


def _delivery_refs(first: int, *, offset: int) -> list[int]:
    return [first + offset]


def _submissions_write(submissions: Sequence[_Submission]) -> list[Notification]:
    """Write submissions with their deliveries and receipts, inside a transaction:
    their acts in one append, their notifications and receipts in a statement each."""
    superseded: list[Notification | None] = []
    drafts: list[Draft] = []
    offsets: list[int] = []
    for sub in submissions:
        with translation.override(sub.language):
            old = _superseded(sub)
        superseded.append(old)
        charter = sub.charter
        content: dict[str, Any] = {"charter": charter.code, "form": sub.form, "data": sub.data}
        if old is not None and old.act_id is not None:
            content["supersedes"] = old.number
        offset = len(drafts)
        offsets.append(offset)
        drafts.append(
            Draft(
                type=ActType.NOTIFICATION_SUBMITTED,
                actor=sub.party,
                agent=sub.agent,
                charter_version=charter.current,
                content=content,
                refs=[old.act_id] if old is not None and old.act_id else [],
                # Notifications to the depositary alone stay out of other parties' sight.
                recipients=None
                if sub.definition.get("distribution", "all-parties") != "depositary"
                else [],
            )
        )
        if sub.recipients:
            code = charter.code.upper()
            to = [c for _, c in sub.recipients]
            drafts.append(
                Draft(
                    type=ActType.NOTIFICATION_DELIVERED,
                    actor=None,
                    agent=None,
                    charter_version=charter.current,
                    content=partial(_delivery_content, offset=offset, code=code, to=to),
                    refs=partial(_delivery_refs, offset=offset),
                )
            )
    acts = acts_append(drafts)
    now = clock.now()
    notifications: list[Notification] = []
    created: list[Notification] = []
    for sub, old, offset in zip(submissions, superseded, offsets, strict=True):
        act = acts[offset]
        first_submitted_at = (old.first_submitted_at or old.submitted_at) if old else None
        fields = {
            "charter_version": sub.charter.current,
            "form": sub.form,
            "party": sub.party,
            "state": State.SUBMITTED,
            "data": sub.data,
            "facts": sub.facts,
            "act": act,
            "supersedes": old,
            "submitted_at": act.time,
            "first_submitted_at": first_submitted_at or act.time,
            "due_at": facts_module.due_at(sub.definition, sub.facts),
            "activity_start": facts_module.parse_date(sub.facts.get("start")),
            "activity_end": facts_module.parse_date(sub.facts.get("end")),
            "updated_at": now,
        }
        draft = sub.draft
        if draft is not None and draft.party_id == sub.party.pk and draft.state == State.DRAFT:
            for key, value in fields.items():
                setattr(draft, key, value)
            draft.save()
            notifications.append(draft)
        else:
            notification = Notification(created_by=sub.agent, created_at=now, **fields)
            notifications.append(notification)
            created.append(notification)
    Notification.objects.bulk_create(created)
    rows: list[tuple[int, int, Any, int]] = []
    for sub, old, offset, notification in zip(
        submissions, superseded, offsets, notifications, strict=True
    ):
        if old is not None:
            old.state = State.SUPERSEDED
            old.save(update_fields=["state"])
        else:
            review_open_for(notification)
        if sub.recipients:
            delivery = acts[offset + 1]
            delivered = connection.ops.adapt_datetimefield_value(delivery.time)
            rows.extend(
                (notification.pk, pid, delivered, delivery.seq) for pid, _ in sub.recipients
            )
    _receipts_insert(rows)
    return notifications


# Rows per statement: 4 parameters each, well inside SQLite's and PostgreSQL's limits.
RECEIPT_ROWS_PER_STATEMENT = 1000


def _receipts_insert(rows: list[tuple[int, int, Any, int]]) -> None:
    """Insert receipts in as few statements as possible: a notification reaches dozens
    of parties, and this runs while the record is locked."""
    if not rows:
        return
    table = Receipt._meta.db_table
    columns = "(notification_id, party_id, delivered_at, delivery_act_id)"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Four arrays: one statement of four parameters, whatever the number of rows.
            cursor.execute(
                f"INSERT INTO {table} {columns} SELECT * FROM unnest("  # noqa: S608
                "%s::bigint[], %s::bigint[], %s::timestamptz[], %s::bigint[])",
                [list(column) for column in zip(*rows, strict=True)],
            )
            return
        for start in range(0, len(rows), RECEIPT_ROWS_PER_STATEMENT):
            chunk = rows[start : start + RECEIPT_ROWS_PER_STATEMENT]
            cursor.execute(
                f"INSERT INTO {table} {columns} VALUES "  # noqa: S608
                + ", ".join(["(%s, %s, %s, %s)"] * len(chunk)),
                [value for row in chunk for value in row],
            )


_group: GroupCommit[_Submission, Notification] = GroupCommit(_submissions_write)


def receipt_acknowledge(*, agent: User, notification: Notification) -> Receipt:
    """A member of a receiving party acknowledges receipt on the party's behalf."""
    if agent.party is None:
        raise NotPermitted(_("Only a receiving party acknowledges receipt."))
    with transaction.atomic():
        receipt = (
            Receipt.objects.select_for_update()
            .filter(notification=notification, party=agent.party)
            .first()
        )
        if receipt is None:
            raise NotPermitted(_("This notification was not delivered to your party."))
        if receipt.acknowledged_at is not None:
            raise ServiceError(_("Your party has already acknowledged receipt."), field="receipt")
        act = act_append(
            type=ActType.NOTIFICATION_ACKNOWLEDGED,
            actor=agent.party,
            agent=agent,
            charter_version=notification.charter_version,
            content={"notification": notification.number},
            refs=[notification.act_id] if notification.act_id else [],
        )
        receipt.acknowledged_at = act.time
        receipt.acknowledged_by = agent
        receipt.acknowledgement_act = act
        receipt.save(update_fields=["acknowledged_at", "acknowledged_by", "acknowledgement_act"])
    return receipt


def draft_delete(*, agent: User, draft: Notification) -> None:
    if draft.party_id != agent.party_id or draft.state != State.DRAFT:
        raise NotPermitted(_("This is not a draft of your party."))
    draft.delete()
