"""Every write to the exchange: sharing groups, messages (with their entities and
attachments), and requests for access that the originator decides. Each is an act in
the record, restricted to the parties concerned, committing to its content."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from concord import clock
from concord.charters.loader import duration
from concord.charters.models import Charter
from concord.exchange import names
from concord.exchange.attachments import CleanAttachment
from concord.exchange.entities import CleanEntity, EntityError, entities_clean
from concord.exchange.models import (
    AccessKind,
    AccessRequest,
    AccessState,
    Accuracy,
    Attachment,
    Case,
    Channel,
    Distribution,
    Entity,
    EntityKey,
    Handling,
    Kind,
    Message,
    Reliability,
    SharingGroup,
    Tlp,
    Via,
)
from concord.parties.models import Participation, Party, Role, Status, User
from concord.parties.services import NotPermitted, ServiceError, charter_roles
from concord.record.models import Act, ActType
from concord.record.services import Draft, act_append, acts_append

MAX_SUBJECT = 200
MAX_BODY = 20_000
MAX_REASON = 2_000
MAX_RECIPIENTS = 100
MAX_GROUP_NAME = 120
# A request for assistance is answered within months, not years.
MAX_REQUEST_DAYS = 366

ERR_NOT_CONTACT_POINT = "Only a party's contact point takes part in the exchange."
ERR_NO_EXCHANGE = "%(charter)s has no exchange mechanism."


class EntitiesInvalid(ServiceError):
    """Entities at fault: ``problems`` lists every field (``entities.<i>.<field>``)."""

    def __init__(self, error: EntityError):
        self.entity_problems = error.problems
        first = error.problems[0]
        super().__init__(f"{first.field}: {first.message}", field=first.field)


# --- who may act ---------------------------------------------------------------------


def exchange_mechanism(charter: Charter) -> dict[str, Any]:
    """The charter's exchange mechanism; the exchange runs under a charter that has one."""
    for mechanism in charter.document.get("mechanisms", []):
        if mechanism.get("kind") == "exchange":
            return dict(mechanism)
    raise ServiceError(_(ERR_NO_EXCHANGE) % {"charter": charter.code}, field="charter")


def exchange_roles(charter: Charter) -> tuple[str, ...]:
    return charter_roles(charter, "exchange", (Role.CONTACT_POINT,))


def require_contact_point(agent: User, charter: Charter) -> Party:
    """The agent's party, if the agent is its contact point under the charter and the
    party takes part in it."""
    exchange_mechanism(charter)
    if agent.party is None or not agent.has_role(*exchange_roles(charter)):
        raise NotPermitted(_(ERR_NOT_CONTACT_POINT))
    if not _takes_part(agent.party, charter):
        raise NotPermitted(_("Your party does not take part in this charter."))
    return agent.party


def _takes_part(party: Party, charter: Charter) -> bool:
    participation = Participation.objects.filter(party=party, charter=charter).first()
    return participation is not None and participation.effective_status() == Status.PARTY


def _choice(value: str, choices: type[Any], field: str, label: str) -> str:
    if value not in choices.values:
        raise ServiceError(
            _("%(label)s must be one of: %(values)s.")
            % {"label": label, "values": ", ".join(choices.values)},
            field=field,
        )
    return value


def _text(value: str, *, field: str, label: str, limit: int, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ServiceError(_("%(label)s is required.") % {"label": label}, field=field)
    if len(value) > limit:
        raise ServiceError(
            _("%(label)s is longer than %(limit)d characters.") % {"label": label, "limit": limit},
            field=field,
        )
    return value


def _parties_of(charter: Charter, codes: Iterable[str], *, field: str) -> list[Party]:
    """Parties by code, each taking part in the charter; unknown codes are errors."""
    wanted = sorted({c.strip().lower() for c in codes if c and c.strip()})
    found = {p.code: p for p in Party.objects.filter(code__in=wanted)}
    for code in wanted:
        party = found.get(code)
        if party is None or not _takes_part(party, charter):
            raise ServiceError(
                _("%(code)s is not a party to %(charter)s.")
                % {"code": code, "charter": charter.code},
                field=field,
            )
    return [found[c] for c in wanted]


# --- sharing groups --------------------------------------------------------------------


def group_create(
    *,
    agent: User,
    charter: Charter,
    name: str,
    members: Iterable[str],
    hidden_membership: bool = False,
) -> SharingGroup:
    """A sharing group kept by the agent's party; the owner is always a member."""
    owner = require_contact_point(agent, charter)
    name = _text(name, field="name", label=_("Name"), limit=MAX_GROUP_NAME)
    parties = _parties_of(charter, members, field="members")
    if SharingGroup.objects.filter(owner=owner, name=name).exists():
        raise ServiceError(
            _("Your party already has a group named %(name)s.") % {"name": name}, field="name"
        )
    everyone = {p.pk: p for p in [owner, *parties]}
    if len(everyone) < 2:
        raise ServiceError(_("A group needs at least one other party."), field="members")
    with transaction.atomic():
        assert charter.current is not None
        act = act_append(
            type=ActType.EXCHANGE_GROUP_CREATED,
            actor=owner,
            agent=agent,
            content=_group_content(name, everyone.values(), hidden_membership),
            charter_version=charter.current,
            recipients=everyone.values(),
        )
        group = SharingGroup.objects.create(
            charter=charter,
            name=name,
            owner=owner,
            hidden_membership=hidden_membership,
            created_at=act.time,
            act=act,
        )
        group.members.set(everyone.values())
    return group


def _group_content(name: str, members: Iterable[Party], hidden: bool) -> dict[str, Any]:
    # With hidden membership the act's content (which every member may read) names no
    # member; the record's recipient list says who was told.
    return {
        "group": name,
        "hidden_membership": hidden,
        "members": None if hidden else sorted(p.code for p in members),
    }


def group_members_set(*, agent: User, group: SharingGroup, members: Iterable[str]) -> SharingGroup:
    """Replace a group's members (the owner stays one). Messages already sent keep the
    distribution they had."""
    owner = require_contact_point(agent, group.charter)
    if group.owner_id != owner.pk:
        raise NotPermitted(_("Only the party that keeps a group changes it."))
    parties = _parties_of(group.charter, members, field="members")
    everyone = {p.pk: p for p in [owner, *parties]}
    if len(everyone) < 2:
        raise ServiceError(_("A group needs at least one other party."), field="members")
    before = set(group.members.values_list("pk", flat=True))
    with transaction.atomic():
        assert group.charter.current is not None
        act_append(
            type=ActType.EXCHANGE_GROUP_CHANGED,
            actor=owner,
            agent=agent,
            content=_group_content(group.name, everyone.values(), group.hidden_membership),
            charter_version=group.charter.current,
            refs=[group.act_id],
            # Those removed learn they were removed; nobody learns more than the rule allows.
            recipients=[
                *everyone.values(),
                *Party.objects.filter(pk__in=before - set(everyone)),
            ],
        )
        group.members.set(everyone.values())
    return group


# --- messages --------------------------------------------------------------------------


@dataclass
class MessageInput:
    """What a contact point enters to send a message."""

    charter: Charter
    channel: str
    subject: str
    body: str = ""
    kind: str = Kind.INFORMATION
    tlp: str = Tlp.AMBER
    handling: str = Handling.H0
    handling_note: str = ""
    reliability: str = Reliability.X
    accuracy: str = Accuracy.FOUR
    recipients: tuple[str, ...] = ()
    group: SharingGroup | None = None
    in_reply_to: Message | None = None
    due_at: datetime | None = None
    findable: bool | None = None
    entities: Any = ()
    attachments: tuple[CleanAttachment, ...] = ()


def message_send(*, agent: User, message: MessageInput) -> Message:
    """Send a message: validate everything, then one act restricted to its distribution,
    with the message, its entities (and their lookup keys) and attachments stored in the
    same transaction."""
    m = message
    charter = m.charter
    sender = require_contact_point(agent, charter)
    kind = _choice(m.kind, Kind, "kind", _("Kind"))
    subject = _text(m.subject, field="subject", label=_("Subject"), limit=MAX_SUBJECT)
    body = _text(m.body, field="body", label=_("Text"), limit=MAX_BODY, required=False)
    tlp = _choice(m.tlp, Tlp, "tlp", "TLP")
    handling = _choice(m.handling, Handling, "handling", _("Handling code"))
    reliability = _choice(m.reliability, Reliability, "reliability", _("Source reliability"))
    accuracy = _choice(m.accuracy, Accuracy, "accuracy", _("Information accuracy"))
    note = _text(
        m.handling_note, field="handling_note", label=_("Handling note"), limit=300, required=False
    )
    if handling == Handling.H3 and not note:
        raise ServiceError(
            _("Handling code H3 needs the restrictions stated."), field="handling_note"
        )
    parent = m.in_reply_to
    if kind == Kind.REPLY:
        if parent is None:
            raise ServiceError(_("A reply answers a message."), field="in_reply_to")
        channel = parent.channel
    else:
        if parent is not None:
            raise ServiceError(_("Only a reply answers a message."), field="in_reply_to")
        channel = _choice(m.channel, Channel, "channel", _("Channel"))
    if parent is not None and not _party_sees(sender, parent):
        raise ServiceError(_("There is no such message."), field="in_reply_to")
    recipients = _distribution(sender, charter, m, tlp, parent)
    due_at = _due(charter, kind, m.due_at)
    try:
        clean_entities = entities_clean(list(m.entities or ()))
    except EntityError as exc:
        raise EntitiesInvalid(exc) from exc
    findable = (tlp != Tlp.RED) if m.findable is None else bool(m.findable)

    with transaction.atomic():
        now = clock.now()
        case = parent.case if parent is not None else None
        if case is None:
            case = Case.objects.create(
                charter=charter, channel=channel, opened_by=sender, opened_at=now
            )
        content = _message_content(
            case=case,
            channel=channel,
            kind=kind,
            subject=subject,
            body=body,
            codes=(tlp, handling, note, reliability, accuracy),
            distribution=(m.recipients, m.group),
            parent=parent,
            due_at=due_at,
            entities=clean_entities,
            attachments=m.attachments,
        )
        assert charter.current is not None
        act = act_append(
            type=ActType.EXCHANGE_MESSAGE_SENT,
            actor=sender,
            agent=agent,
            content=content,
            charter_version=charter.current,
            refs=[parent.act_id] if parent is not None else [],
            recipients=[p for p, _via in recipients],
        )
        sent = Message.objects.create(
            charter_version=charter.current,
            case=case,
            channel=channel,
            kind=kind,
            originator=sender,
            author=agent,
            in_reply_to=parent,
            subject=subject,
            body=body,
            tlp=tlp,
            handling=handling,
            handling_note=note,
            reliability=reliability,
            accuracy=accuracy,
            group=_group_of(sender, m.group, parent),
            findable=findable,
            due_at=due_at,
            sent_at=act.time,
            act=act,
        )
        Distribution.objects.bulk_create(
            Distribution(message=sent, party=party, via=via, act=act, at=act.time)
            for party, via in recipients
        )
        Attachment.objects.bulk_create(
            Attachment(
                message=sent,
                name=a.name,
                content_type=a.content_type,
                size=len(a.data),
                sha256=a.sha256,
                data=a.data,
            )
            for a in m.attachments
        )
        _entities_store(sent, sender, clean_entities, findable)
    return sent


def _group_of(
    sender: Party, group: SharingGroup | None, parent: Message | None
) -> SharingGroup | None:
    if parent is None:
        return group
    return parent.group if parent.originator_id == sender.pk else None


def _party_sees(party: Party, message: Message) -> bool:
    return (
        message.originator_id == party.pk
        or Distribution.objects.filter(message=message, party=party).exists()
    )


def _distribution(
    sender: Party,
    charter: Charter,
    m: MessageInput,
    tlp: str,
    parent: Message | None,
) -> list[tuple[Party, str]]:
    """The parties a message goes to, and how. A reply goes back to the party it
    answers; other messages to named parties and/or a sharing group."""
    if parent is not None:
        if parent.originator_id == sender.pk:
            # Following up one's own message: to those it was distributed to, each as
            # before (so a hidden group stays hidden in the follow-up).
            return [
                (d.party, d.via)
                for d in parent.distribution.select_related("party")
                if d.party_id != sender.pk
            ]
        return [(parent.originator, Via.THREAD)]
    named = _parties_of(charter, m.recipients, field="recipients")
    if len(named) > MAX_RECIPIENTS:
        raise ServiceError(
            _("At most %(n)d named recipients.") % {"n": MAX_RECIPIENTS}, field="recipients"
        )
    if any(p.pk == sender.pk for p in named):
        raise ServiceError(_("Your own party is not a recipient."), field="recipients")
    result: dict[int, tuple[Party, str]] = {p.pk: (p, Via.DIRECT) for p in named}
    group = m.group
    if group is not None:
        if tlp == Tlp.RED:
            raise ServiceError(
                _("TLP:RED goes to named recipients only, not to a sharing group."),
                field="group",
            )
        if group.charter_id != charter.pk or not group.members.filter(pk=sender.pk).exists():
            raise ServiceError(_("There is no such sharing group."), field="group")
        for party in group.members.all():
            if party.pk != sender.pk and _takes_part(party, charter):
                result.setdefault(party.pk, (party, Via.GROUP))
    if not result:
        raise ServiceError(_("Name at least one recipient or a sharing group."), field="recipients")
    return list(result.values())


def _due(charter: Charter, kind: str, due_at: datetime | None) -> datetime | None:
    if kind != Kind.REQUEST:
        if due_at is not None:
            raise ServiceError(_("Only a request for assistance has a deadline."), field="due_at")
        return None
    now = clock.now()
    if due_at is None:
        deadlines = exchange_mechanism(charter).get("deadlines", {})
        reply = deadlines.get("reply", {}).get("duration", "P7D")
        return now + duration(reply, start=now)
    if due_at.tzinfo is None:
        raise ServiceError(_("The deadline needs a time zone."), field="due_at")
    if due_at <= now:
        raise ServiceError(_("The deadline must be in the future."), field="due_at")
    if due_at > now + timedelta(days=MAX_REQUEST_DAYS):
        raise ServiceError(_("The deadline is more than a year away."), field="due_at")
    return due_at


def _message_content(
    *,
    case: Case,
    channel: str,
    kind: str,
    subject: str,
    body: str,
    codes: tuple[str, str, str, str, str],
    distribution: tuple[tuple[str, ...], SharingGroup | None],
    parent: Message | None,
    due_at: datetime | None,
    entities: list[CleanEntity],
    attachments: tuple[CleanAttachment, ...],
) -> dict[str, Any]:
    """The content the message's act commits to (and that recipients can check)."""
    tlp, handling, note, reliability, accuracy = codes
    named, group = distribution
    return {
        "case": case.reference,
        "channel": channel,
        "kind": kind,
        "subject": subject,
        "body": body,
        "tlp": tlp,
        "handling": handling,
        "handling_note": note,
        "evaluation": f"{reliability}{accuracy}",
        "in_reply_to": parent.reference if parent is not None else None,
        "due": due_at.isoformat().replace("+00:00", "Z") if due_at else None,
        "to": sorted({c.strip().lower() for c in named if c.strip()}),
        # A group is named, never its members: hidden membership stays hidden.
        "group": group.name if group is not None and parent is None else None,
        "entities": [{"kind": e.kind, **e.data} for e in entities],
        "attachments": [a.summary() for a in attachments],
    }


def key_hash(text: str) -> int:
    """A lookup key as a signed 64-bit integer (what ``EntityKey.key`` stores)."""
    digest = hashlib.blake2b(text.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def _name_key(entity: CleanEntity, key: int, birth: str | None = None) -> int:
    base = f"name:{entity.kind}:{key}"
    return key_hash(base if birth is None else f"{base}:{birth}")


def entity_lookup_keys(entity: CleanEntity) -> set[int]:
    """Every key under which a stored entity is found: its exact identifiers and the
    blocking keys of its names, kept apart per kind (a vessel's name never finds a
    person). A person's name keys come twice: alone, and with the date of birth (or
    "none"), so that a query with a date of birth reads only the candidates it could
    match — a different date of birth blocks a match anyway."""
    found = {key_hash(f"id:{k}") for k in entity.keys}
    for name in entity.names:
        for k in names.name_keys(name):
            found.add(_name_key(entity, k))
            if entity.kind == "person":
                found.add(_name_key(entity, k, _birth(entity)))
    return found


def entity_query_keys(entity: CleanEntity) -> tuple[set[int], set[int]]:
    """The keys a hit query for ``entity`` looks up: (exact identifiers, names)."""
    exact = {key_hash(f"id:{k}") for k in entity.keys}
    fuzzy: set[int] = set()
    for name in entity.names:
        for k in names.name_keys(name):
            if entity.kind == "person" and entity.birth_date is not None:
                fuzzy |= {_name_key(entity, k, _birth(entity)), _name_key(entity, k, "-")}
            else:
                fuzzy.add(_name_key(entity, k))
    return exact, fuzzy


def _birth(entity: CleanEntity) -> str:
    return entity.birth_date.isoformat() if entity.birth_date else "-"


def _entities_store(
    message: Message, holder: Party, entities: list[CleanEntity], findable: bool
) -> None:
    if not entities:
        return
    rows = Entity.objects.bulk_create(
        Entity(
            message=message,
            holder=holder,
            kind=e.kind,
            data=e.data,
            label=e.label[:300],
            birth_date=e.birth_date,
            reference="E-" + secrets.token_hex(8).upper(),
            findable=findable,
        )
        for e in entities
    )
    EntityKey.objects.bulk_create(
        EntityKey(entity=row, key=k)
        for row, e in zip(rows, entities, strict=True)
        for k in entity_lookup_keys(e)
    )


# --- access: passing on, and release after a hit -------------------------------------------


def access_request(
    *,
    agent: User,
    kind: str,
    reason: str,
    message: Message | None = None,
    beneficiary: str = "",
    entity_reference: str = "",
) -> AccessRequest:
    """Ask a message's originator to pass it on to another party (``pass-on``: the
    agent's party received it), or to release the information behind a hit (``hit``:
    the agent names the opaque reference the hit gave). The originator decides."""
    kind = _choice(kind, AccessKind, "kind", _("Kind"))
    reason = _text(reason, field="reason", label=_("Reason"), limit=MAX_REASON)
    entity: Entity | None = None
    if kind == AccessKind.HIT:
        entity = (
            Entity.objects.select_related("message__charter_version__charter", "holder")
            .filter(reference=(entity_reference or "").strip().upper())
            .first()
        )
        if entity is None:
            raise ServiceError(_("There is no such reference."), field="reference")
        message = entity.message
    if message is None:
        raise ServiceError(_("There is no such message."), field="message")
    charter = message.charter_version.charter
    requester = require_contact_point(agent, charter)
    if kind == AccessKind.HIT:
        if entity is None or (not entity.findable and not _party_sees(requester, message)):
            raise ServiceError(_("There is no such reference."), field="reference")
        if _party_sees(requester, message):
            raise ServiceError(_("Your party already holds this information."), field="reference")
        target = requester
    else:
        if not _party_sees(requester, message):
            raise ServiceError(_("There is no such message."), field="message")
        if message.originator_id == requester.pk:
            raise ServiceError(
                _("Your party sent this message: distribute it yourself."), field="message"
            )
        if not (beneficiary or "").strip():
            raise ServiceError(_("Name the party to pass the message on to."), field="beneficiary")
        target = _parties_of(charter, [beneficiary], field="beneficiary")[0]
        if _party_sees(target, message):
            raise ServiceError(
                _("%(code)s already has this message.") % {"code": target.code},
                field="beneficiary",
            )
    pending = AccessRequest.objects.filter(
        message=message, beneficiary=target, state=AccessState.PENDING
    )
    if pending.exists():
        raise ServiceError(_("A request for this is already awaiting a decision."), field="kind")
    holder = message.originator
    with transaction.atomic():
        assert charter.current is not None
        act = act_append(
            type=ActType.EXCHANGE_ACCESS_REQUESTED,
            actor=requester,
            agent=agent,
            content={
                "kind": kind,
                # After a hit the requester knows the opaque reference, not the message.
                "reference": entity.reference if entity else message.reference,
                "for": target.code,
                "reason": reason,
            },
            charter_version=charter.current,
            refs=[message.act_id] if kind == AccessKind.PASS_ON else [],
            recipients=[holder],
        )
        return AccessRequest.objects.create(
            kind=kind,
            message=message,
            entity=entity,
            requester=requester,
            beneficiary=target,
            holder=holder,
            reason=reason,
            requested_by=agent,
            requested_at=act.time,
            request_act=act,
        )


def access_decide(
    *, agent: User, request: AccessRequest, grant: bool, note: str = ""
) -> AccessRequest:
    """The originator grants or refuses. Granting releases the message to the party
    named in the request, as an act that commits to its content again."""
    charter = request.message.charter_version.charter
    holder = require_contact_point(agent, charter)
    if request.holder_id != holder.pk:
        raise ServiceError(_("There is no such request."), field="request")
    if request.state != AccessState.PENDING:
        raise ServiceError(_("This request has already been decided."), field="grant")
    note = _text(note, field="note", label=_("Note"), limit=MAX_REASON, required=False)
    message = request.message
    with transaction.atomic():
        locked = AccessRequest.objects.select_for_update().get(pk=request.pk)
        if locked.state != AccessState.PENDING:
            raise ServiceError(_("This request has already been decided."), field="grant")
        assert charter.current is not None
        drafts = [
            Draft(
                type=ActType.EXCHANGE_ACCESS_DECIDED,
                actor=holder,
                agent=agent,
                content={"request": request.request_act_id, "granted": grant, "note": note},
                charter_version=charter.current,
                refs=[request.request_act_id],
                recipients=[request.requester],
            )
        ]
        if grant:
            original: Act = message.act
            drafts.append(
                Draft(
                    type=ActType.EXCHANGE_MESSAGE_PASSED_ON,
                    actor=holder,
                    agent=agent,
                    content={
                        "message": original.content,
                        "original": message.reference,
                        "to": request.beneficiary.code,
                        "request": request.request_act_id,
                    },
                    charter_version=charter.current,
                    refs=[original.seq, request.request_act_id],
                    recipients=[request.beneficiary, request.requester],
                )
            )
        acts = acts_append(drafts)
        if grant:
            via = Via.REQUESTED if request.kind == AccessKind.HIT else Via.PASSED_ON
            Distribution.objects.create(
                message=message, party=request.beneficiary, via=via, act=acts[1], at=acts[1].time
            )
        locked.state = AccessState.GRANTED if grant else AccessState.REFUSED
        locked.decided_by = agent
        locked.decided_at = acts[0].time
        locked.decision_note = note
        locked.decision_act = acts[0]
        locked.save(
            update_fields=["state", "decided_by", "decided_at", "decision_note", "decision_act"]
        )
    return locked
