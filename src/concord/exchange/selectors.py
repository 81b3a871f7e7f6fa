"""Reads of the exchange with visibility applied — the one place that decides who sees
what.

- A party's contact points see the messages their party sent and those distributed to
  it (directly, through a group, passed on or released after a hit), with content.
- Other members of a delegation see nothing of the exchange: it is need-to-know.
- The secretariat sees that a message exists (reference, channel, kind, originator,
  time, codes, how many parties it went to), never its content, entities or files.
- A sharing group with hidden membership shows its members only to the party that
  keeps it.
Anything a viewer may not see answers "not found".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from concord import clock
from concord.exchange.models import (
    AccessRequest,
    AccessState,
    Attachment,
    Distribution,
    Kind,
    Message,
    SharingGroup,
    Via,
)
from concord.parties.models import Party, Role, User


def exchange_party(viewer: User) -> Party | None:
    """The party a viewer reads the exchange for: set for a contact point, else None."""
    if not viewer.is_authenticated or viewer.party is None:
        return None
    # The usual case needs no charter read: the contact point role.
    if viewer.has_role(Role.CONTACT_POINT) or viewer.has_role(*_charter_exchange_roles()):
        return viewer.party
    return None


def _charter_exchange_roles() -> tuple[str, ...]:
    from concord.charters.models import Charter

    roles: set[str] = set()
    for charter in Charter.objects.all():
        roles.update(charter.document.get("roles", {}).get("exchange", []) or [])
    return tuple(roles)


def can_read_exchange(viewer: User) -> bool:
    return exchange_party(viewer) is not None or viewer.is_secretariat


def messages_visible_to(
    viewer: User, *, channel: str = "", box: str = "all", kind: str = ""
) -> QuerySet[Message]:
    """Messages the viewer may know of. ``box``: ``received``, ``sent`` or ``all``."""
    qs = Message.objects.select_related("originator", "act", "case", "group").annotate(
        recipient_count=Count("distribution", distinct=True)
    )
    party = exchange_party(viewer)
    if party is not None:
        own = Q(originator=party)
        received = Q(pk__in=Distribution.objects.filter(party=party).values("message_id"))
        qs = qs.filter({"received": received, "sent": own}.get(box, own | received))
    elif viewer.is_authenticated and viewer.is_secretariat:
        if box == "sent":
            return Message.objects.none()
    else:
        return Message.objects.none()
    if channel:
        qs = qs.filter(channel=channel)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("-sent_at", "-id")


def message_get(viewer: User, pk: int) -> Message:
    found = messages_visible_to(viewer).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def content_visible(viewer: User, message: Message) -> bool:
    """Whether the viewer may read the message itself, not only that it exists."""
    party = exchange_party(viewer)
    if party is None:
        return False
    return message.originator_id == party.pk or message.distribution.filter(party=party).exists()


def message_content_get(viewer: User, pk: int) -> Message:
    """A message whose content the viewer may read; otherwise "not found"."""
    message = message_get(viewer, pk)
    if not content_visible(viewer, message):
        raise Http404
    return message


def attachment_get(viewer: User, message_pk: int, pk: int) -> Attachment:
    message = message_content_get(viewer, message_pk)
    found = message.attachments.filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


@dataclass(frozen=True)
class DistributionView:
    """Who a message went to, as far as the viewer may know."""

    parties: list[tuple[Party, str]]  # (party, how) for parties the viewer may see
    group: SharingGroup | None
    group_hidden: bool
    count: int


def distribution_for(viewer: User, message: Message) -> DistributionView:
    rows = list(message.distribution.select_related("party").order_by("party__code"))
    party = exchange_party(viewer)
    group = message.group
    hidden = bool(group and group.hidden_membership and group.owner_id != (party and party.pk))
    if party is None:  # the secretariat: how many, not who
        return DistributionView([], group, True, len(rows))
    if message.originator_id == party.pk:
        visible = [(d.party, d.via) for d in rows]
    else:
        # A recipient sees the named recipients (a reply's only recipient is the party
        # it answers), group members only when the group's membership is open, and never
        # who received the message later, passed on or on request.
        visible = [
            (d.party, d.via)
            for d in rows
            if d.via in (Via.DIRECT, Via.THREAD)
            or d.party_id == party.pk
            or (d.via == Via.GROUP and not hidden)
        ]
    return DistributionView(visible, group, hidden, len(rows))


def thread_of(viewer: User, message: Message) -> list[Message]:
    """The messages of the same case the viewer may read, oldest first."""
    if message.case_id is None:
        return [message]
    visible = messages_visible_to(viewer).filter(case_id=message.case_id)
    return [m for m in visible.order_by("sent_at", "id") if content_visible(viewer, m)]


def request_state(message: Message) -> str:
    """For a request for assistance: ``answered``, ``overdue`` or ``open``."""
    if message.kind != Kind.REQUEST:
        return ""
    if message.replies.exclude(originator_id=message.originator_id).exists():
        return "answered"
    if message.due_at and clock.now() > message.due_at:
        return "overdue"
    return "open"


def groups_visible_to(viewer: User) -> QuerySet[SharingGroup]:
    party = exchange_party(viewer)
    if party is None:
        return SharingGroup.objects.none()
    return (
        SharingGroup.objects.filter(members=party)
        .select_related("owner", "charter")
        .order_by("name")
    )


def group_get(viewer: User, pk: int) -> SharingGroup:
    found = groups_visible_to(viewer).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def group_members_for(viewer: User, group: SharingGroup) -> list[Party] | None:
    """The members the viewer may see; None when membership is hidden from it."""
    party = exchange_party(viewer)
    if party is None:
        return None
    if group.hidden_membership and group.owner_id != party.pk:
        return None
    return list(group.members.order_by("code"))


def access_requests_for(viewer: User, *, box: str = "incoming") -> QuerySet[AccessRequest]:
    """Requests to the viewer's party (``incoming``: it decides) or from it."""
    party = exchange_party(viewer)
    if party is None:
        return AccessRequest.objects.none()
    qs = AccessRequest.objects.select_related(
        "message", "entity", "requester", "beneficiary", "holder"
    )
    qs = qs.filter(holder=party) if box == "incoming" else qs.filter(requester=party)
    return qs.order_by("-requested_at")


def access_request_get(viewer: User, pk: int) -> AccessRequest:
    party = exchange_party(viewer)
    found = (
        AccessRequest.objects.filter(pk=pk)
        .filter(Q(holder=party) | Q(requester=party))
        .select_related("message__charter_version__charter", "requester", "beneficiary", "holder")
        .first()
        if party is not None
        else None
    )
    if found is None:
        raise Http404
    return found


def pending_decisions(viewer: User) -> int:
    return access_requests_for(viewer).filter(state=AccessState.PENDING).count()


def opening_for(viewer: User, message: Message) -> dict[str, Any]:
    """What a recipient needs to check the message against the record: the act that
    gave it the message, that act's content and salt, and the committed digest."""
    import base64

    party = exchange_party(viewer)
    if party is None or not content_visible(viewer, message):
        raise Http404
    if message.originator_id == party.pk:
        act = message.act
    else:
        row = message.distribution.select_related("act").get(party=party)
        act = row.act
    return {
        "seq": act.seq,
        "type": act.type,
        "digest": act.digest,
        "salt": base64.b64encode(bytes(act.salt or b"")).decode(),
        "content": act.content,
    }
