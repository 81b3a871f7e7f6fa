"""Every write to notifications: drafts, submissions and corrections, delivery, and
receipts. Submissions, deliveries and acknowledgements are acts in the record."""

from __future__ import annotations

import json
from typing import Any

from django.db import connection, transaction
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from concord import clock
from concord.charters.models import Charter
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


def _require_notifier(agent: User, charter: Charter) -> Party:
    """The agent's party, if it is a party to the charter and the agent's role may
    notify for it under the charter."""
    if agent.party is None:
        raise NotPermitted(_("Only a party's delegation submits notifications."))
    roles = charter_roles(charter, "notify", (Role.HEAD, Role.DELEGATE))
    if not agent.has_role(*roles):
        raise NotPermitted(_("Your role does not allow submitting notifications."))
    participation = Participation.objects.filter(party=agent.party, charter=charter).first()
    if participation is None or participation.effective_status() != Status.PARTY:
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


def _recipients(charter: Charter, sender: Party, distribution: str) -> list[tuple[int, str]]:
    """The parties a notification is for, as (id, code): every other party taking part
    in the charter, or none but the depositary."""
    if distribution == "depositary":
        return []
    live = [Status.PARTY, Status.SIGNATORY, Status.OBSERVER, Status.APPLICANT]
    return list(
        Participation.objects.filter(charter=charter, status__in=live)
        .exclude(party_id=sender.pk)
        .order_by("party__code")
        .values_list("party_id", "party__code")
    )


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
    record marked as superseded."""
    party = _require_notifier(agent, charter)
    _check_size(data)
    definition = _validate(charter, form, data, language or get_language() or "en")
    facts = facts_module.facts_of(form, data)
    assert charter.current is not None
    distribution = definition.get("distribution", "all-parties")
    # Read before the transaction: it holds the record's lock, so it should be short.
    recipients = _recipients(charter, party, distribution)
    with transaction.atomic():
        first_submitted_at = None
        if supersedes is not None:
            supersedes = Notification.objects.select_for_update().get(pk=supersedes.pk)
            if supersedes.party_id != party.pk:
                raise NotPermitted(_("You correct your own party's notifications only."))
            if supersedes.state != State.SUBMITTED:
                raise ServiceError(
                    _("Only the current version of a notification can be corrected."),
                    field="supersedes",
                )
            if supersedes.form != form:
                raise ServiceError(_("A correction keeps the form it corrects."), field="form")
            first_submitted_at = supersedes.first_submitted_at or supersedes.submitted_at
        now = clock.now()
        content = {"charter": charter.code, "form": form, "data": data}
        if supersedes is not None and supersedes.act_id is not None:
            content["supersedes"] = supersedes.number
        code = charter.code.upper()
        drafts = [
            Draft(
                type=ActType.NOTIFICATION_SUBMITTED,
                actor=party,
                agent=agent,
                charter_version=charter.current,
                content=content,
                refs=[supersedes.act_id] if supersedes is not None and supersedes.act_id else [],
                # Notifications to the depositary alone stay out of other parties' sight.
                recipients=None if distribution != "depositary" else [],
            )
        ]
        if recipients:
            drafts.append(
                Draft(
                    type=ActType.NOTIFICATION_DELIVERED,
                    actor=None,
                    agent=None,
                    charter_version=charter.current,
                    content=lambda first: {
                        "notification": f"{code}-{first}",
                        "to": [c for _, c in recipients],
                    },
                    refs=lambda first: [first],
                )
            )
        # Submission and delivery under one acquisition of the record's lock.
        acts = acts_append(drafts)
        act = acts[0]
        start, end = (
            facts_module.parse_date(facts.get("start")),
            facts_module.parse_date(facts.get("end")),
        )
        fields = {
            "charter_version": charter.current,
            "form": form,
            "party": party,
            "state": State.SUBMITTED,
            "data": data,
            "facts": facts,
            "act": act,
            "supersedes": supersedes,
            "submitted_at": act.time,
            "first_submitted_at": first_submitted_at or act.time,
            "due_at": facts_module.due_at(definition, facts),
            "activity_start": start,
            "activity_end": end,
            "updated_at": now,
        }
        if draft is not None and draft.party_id == party.pk and draft.state == State.DRAFT:
            for key, value in fields.items():
                setattr(draft, key, value)
            draft.save()
            notification = draft
        else:
            notification = Notification.objects.create(created_by=agent, created_at=now, **fields)
        if supersedes is not None:
            supersedes.state = State.SUPERSEDED
            supersedes.save(update_fields=["state"])
        else:
            review_open_for(notification)
        if recipients:
            delivery = acts[1]
            # One statement for all receipts: a notification reaches dozens of parties,
            # and this runs while the record is locked.
            delivered = connection.ops.adapt_datetimefield_value(delivery.time)
            with connection.cursor() as cursor:
                cursor.executemany(
                    f"INSERT INTO {Receipt._meta.db_table}"  # noqa: S608
                    " (notification_id, party_id, delivered_at, delivery_act_id)"
                    " VALUES (%s, %s, %s, %s)",
                    [(notification.pk, pid, delivered, delivery.seq) for pid, _ in recipients],
                )
    return notification


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
