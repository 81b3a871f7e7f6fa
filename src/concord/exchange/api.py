"""API: the exchange between contact points — hit/no-hit, messages, access requests,
sharing groups and STIX 2.1.

No `from __future__ import annotations` here: django-ninja reads the annotations at
import time to build its schemas.
"""

import base64
import binascii
from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate
from ninja.responses import Status as Created

from concord.charters.selectors import charter_get
from concord.exchange import selectors, services
from concord.exchange.attachments import (
    CleanAttachment,
    attachment_response,
    attachments_clean,
)
from concord.exchange.hits import hits_find
from concord.exchange.models import AccessRequest, Message, SharingGroup
from concord.parties.api import viewer_of
from concord.parties.services import ServiceError

router = Router(tags=["exchange"])


class HitsIn(Schema):
    entities: list[dict[str, Any]] = Field(..., max_length=200)


class HitOut(Schema):
    party: str
    reference: str = Field(..., description="opaque: quote it to request the information")
    match: Literal["identifier", "name"]
    score: float
    verdict: Literal["match", "possible"]
    message_id: int | None = Field(None, description="set only if you already hold it")


class HitResultOut(Schema):
    index: int
    label: str
    hit: bool
    hits: list[HitOut]

    @staticmethod
    def resolve_hit(obj: Any) -> bool:
        return bool(obj.hits)


class HitsOut(Schema):
    results: list[HitResultOut]


@router.post(
    "/exchange/hits",
    response=HitsOut,
    summary="Hit/no-hit: which other parties hold matching entities (never their content)",
)
def hits(request: HttpRequest, payload: HitsIn) -> Any:
    return {"results": hits_find(viewer_of(request), payload.entities)}


class AttachmentIn(Schema):
    name: str = Field(..., max_length=200)
    data: str = Field(..., description="the file, base64")


class MessageIn(Schema):
    charter: str = Field(..., max_length=40)
    channel: str = Field("", max_length=30)
    kind: Literal["information", "request", "reply"] = "information"
    subject: str = Field(..., max_length=200)
    body: str = Field("", max_length=20000)
    tlp: str = Field("amber", max_length=20)
    handling: str = Field("H0", max_length=2)
    handling_note: str = Field("", max_length=300)
    reliability: str = Field("X", max_length=1)
    accuracy: str = Field("4", max_length=1)
    recipients: list[str] = Field([], max_length=100)
    group: int | None = None
    in_reply_to: int | None = None
    due_at: datetime | None = None
    findable: bool | None = Field(None, description="default: yes, except for TLP:RED")
    entities: list[dict[str, Any]] = Field([], max_length=200)
    attachments: list[AttachmentIn] = Field([], max_length=10)


class AttachmentOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    sha256: str


class EntityOut(Schema):
    kind: str
    label: str
    reference: str
    data: dict[str, Any]


class MessageFields(Schema):
    """What anyone who may know of a message sees (the secretariat sees only this)."""

    id: int
    reference: str
    channel: str
    kind: str
    originator: str
    sent_at: datetime
    tlp: str
    handling: str
    recipients: int
    act: int


class MessageMetaOut(MessageFields):
    @staticmethod
    def resolve_originator(obj: Message) -> str:
        return obj.originator.code

    @staticmethod
    def resolve_recipients(obj: Message) -> int:
        return int(getattr(obj, "recipient_count", 0) or obj.distribution.count())

    @staticmethod
    def resolve_act(obj: Message) -> int:
        return obj.act_id


class MessageOut(MessageFields):
    subject: str | None
    body: str | None
    handling_note: str | None
    evaluation: str | None
    case: str | None
    in_reply_to: int | None
    due_at: datetime | None
    request_state: str | None
    to: list[str] | None
    group: str | None
    entities: list[EntityOut] | None
    attachments: list[AttachmentOut] | None


def _message_out(request: HttpRequest, message: Message) -> dict[str, Any]:
    viewer = viewer_of(request)
    out: dict[str, Any] = {
        "id": message.pk,
        "reference": message.reference,
        "channel": message.channel,
        "kind": message.kind,
        "originator": message.originator.code,
        "sent_at": message.sent_at,
        "tlp": message.tlp,
        "handling": message.handling,
        "recipients": message.distribution.count(),
        "act": message.act_id,
    }
    if not selectors.content_visible(viewer, message):
        return out | dict.fromkeys(MessageOut.model_fields.keys() - out.keys())
    shown = selectors.distribution_for(viewer, message)
    return out | {
        "subject": message.subject,
        "body": message.body,
        "handling_note": message.handling_note,
        "evaluation": f"{message.reliability}{message.accuracy}",
        "case": message.case.reference if message.case else None,
        "in_reply_to": message.in_reply_to_id,
        "due_at": message.due_at,
        "request_state": selectors.request_state(message) or None,
        "to": [p.code for p, _via in shown.parties],
        "group": message.group.name if message.group else None,
        "entities": list(message.entities.all()),
        "attachments": list(message.attachments.all()),
    }


def _attachments(items: list[AttachmentIn]) -> tuple[CleanAttachment, ...]:
    files: list[tuple[str, bytes]] = []
    for i, item in enumerate(items):
        try:
            files.append((item.name, base64.b64decode(item.data, validate=True)))
        except (binascii.Error, ValueError) as exc:
            raise ServiceError("not valid base64", field=f"attachments.{i}.data") from exc
    return tuple(attachments_clean(files))


@router.post(
    "/exchange/messages",
    response={201: MessageOut},
    summary="Send a message (information, request for assistance or reply)",
)
def message_send(request: HttpRequest, payload: MessageIn) -> Any:
    viewer = viewer_of(request)
    charter = charter_get(viewer, payload.charter)
    group = selectors.group_get(viewer, payload.group) if payload.group else None
    parent = (
        selectors.message_content_get(viewer, payload.in_reply_to) if payload.in_reply_to else None
    )
    sent = services.message_send(
        agent=viewer,
        message=services.MessageInput(
            charter=charter,
            channel=payload.channel,
            kind=payload.kind,
            subject=payload.subject,
            body=payload.body,
            tlp=payload.tlp,
            handling=payload.handling,
            handling_note=payload.handling_note,
            reliability=payload.reliability,
            accuracy=payload.accuracy,
            recipients=tuple(payload.recipients),
            group=group,
            in_reply_to=parent,
            due_at=payload.due_at,
            findable=payload.findable,
            entities=payload.entities,
            attachments=_attachments(payload.attachments),
        ),
    )
    return Created(201, _message_out(request, sent))


@router.get(
    "/exchange/messages",
    response=list[MessageMetaOut],
    summary="Messages you may know of (content through /exchange/messages/{id})",
)
@paginate(LimitOffsetPagination)
def message_list(request: HttpRequest, channel: str = "", box: str = "all", kind: str = "") -> Any:
    if box not in ("all", "received", "sent"):
        raise ServiceError("box is one of all, received, sent", field="box")
    return selectors.messages_visible_to(viewer_of(request), channel=channel, box=box, kind=kind)


@router.get("/exchange/messages/{pk}", response=MessageOut, summary="One message")
def message_detail(request: HttpRequest, pk: int) -> Any:
    return _message_out(request, selectors.message_get(viewer_of(request), pk))


class OpeningOut(Schema):
    seq: int
    type: str
    digest: str = Field(..., description='"sha256:" + hex SHA-256(salt ‖ canonical JSON)')
    salt: str = Field(..., description="base64")
    content: dict[str, Any]


@router.get(
    "/exchange/messages/{pk}/opening",
    response=OpeningOut,
    summary="The content and salt behind the record's commitment, for a recipient to check",
)
def message_opening(request: HttpRequest, pk: int) -> Any:
    viewer = viewer_of(request)
    return selectors.opening_for(viewer, selectors.message_content_get(viewer, pk))


@router.get(
    "/exchange/messages/{pk}/attachments/{attachment_id}",
    summary="An attachment's bytes",
    response={200: None},
)
def attachment_download(request: HttpRequest, pk: int, attachment_id: int) -> HttpResponse:
    return attachment_response(selectors.attachment_get(viewer_of(request), pk, attachment_id))


class PassOnIn(Schema):
    beneficiary: str = Field(..., max_length=20)
    reason: str = Field(..., max_length=2000)


class HitRequestIn(Schema):
    reference: str = Field(..., max_length=24)
    reason: str = Field(..., max_length=2000)


class AccessRequestOut(Schema):
    id: int
    kind: str
    state: str
    requester: str
    beneficiary: str
    holder: str
    reference: str
    reason: str
    requested_at: datetime
    decided_at: datetime | None
    decision_note: str

    @staticmethod
    def resolve_requester(obj: AccessRequest) -> str:
        return obj.requester.code

    @staticmethod
    def resolve_beneficiary(obj: AccessRequest) -> str:
        return obj.beneficiary.code

    @staticmethod
    def resolve_holder(obj: AccessRequest) -> str:
        return obj.holder.code

    @staticmethod
    def resolve_reference(obj: AccessRequest) -> str:
        return obj.entity.reference if obj.entity else obj.message.reference


@router.post(
    "/exchange/messages/{pk}/pass-on",
    response={201: AccessRequestOut},
    summary="Ask the originator's consent to pass a message on to another party",
)
def pass_on_request(request: HttpRequest, pk: int, payload: PassOnIn) -> Any:
    viewer = viewer_of(request)
    message = selectors.message_content_get(viewer, pk)
    return Created(
        201,
        services.access_request(
            agent=viewer,
            kind="pass-on",
            message=message,
            beneficiary=payload.beneficiary,
            reason=payload.reason,
        ),
    )


@router.post(
    "/exchange/access-requests",
    response={201: AccessRequestOut},
    summary="Ask the holder behind a hit to release the information",
)
def hit_request(request: HttpRequest, payload: HitRequestIn) -> Any:
    return Created(
        201,
        services.access_request(
            agent=viewer_of(request),
            kind="hit",
            entity_reference=payload.reference,
            reason=payload.reason,
        ),
    )


@router.get(
    "/exchange/access-requests",
    response=list[AccessRequestOut],
    summary="Requests to your party (incoming) or from it (outgoing)",
)
@paginate(LimitOffsetPagination)
def access_request_list(request: HttpRequest, box: str = "incoming") -> Any:
    if box not in ("incoming", "outgoing"):
        raise ServiceError("box is one of incoming, outgoing", field="box")
    return selectors.access_requests_for(viewer_of(request), box=box)


class DecisionIn(Schema):
    grant: bool
    note: str = Field("", max_length=2000)


@router.post(
    "/exchange/access-requests/{pk}/decision",
    response=AccessRequestOut,
    summary="Grant or refuse a request (the originator only)",
)
def access_decide(request: HttpRequest, pk: int, payload: DecisionIn) -> Any:
    viewer = viewer_of(request)
    found = selectors.access_request_get(viewer, pk)
    return services.access_decide(
        agent=viewer, request=found, grant=payload.grant, note=payload.note
    )


class GroupIn(Schema):
    charter: str = Field(..., max_length=40)
    name: str = Field(..., max_length=120)
    members: list[str] = Field(..., max_length=200)
    hidden_membership: bool = False


class GroupOut(Schema):
    id: int
    name: str
    charter: str
    owner: str
    hidden_membership: bool
    members: list[str] | None = Field(None, description="absent when membership is hidden")


def _group_out(request: HttpRequest, group: SharingGroup) -> dict[str, Any]:
    members = selectors.group_members_for(viewer_of(request), group)
    return {
        "id": group.pk,
        "name": group.name,
        "charter": group.charter.code,
        "owner": group.owner.code,
        "hidden_membership": group.hidden_membership,
        "members": [p.code for p in members] if members is not None else None,
    }


@router.get("/exchange/groups", response=list[GroupOut], summary="Sharing groups you belong to")
def group_list(request: HttpRequest) -> Any:
    return [_group_out(request, g) for g in selectors.groups_visible_to(viewer_of(request))]


@router.post("/exchange/groups", response={201: GroupOut}, summary="Create a sharing group")
def group_create(request: HttpRequest, payload: GroupIn) -> Any:
    viewer = viewer_of(request)
    group = services.group_create(
        agent=viewer,
        charter=charter_get(viewer, payload.charter),
        name=payload.name,
        members=payload.members,
        hidden_membership=payload.hidden_membership,
    )
    return Created(201, _group_out(request, group))
