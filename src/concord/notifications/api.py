"""API: forms, notifications, receipts and compliance.

No `from __future__ import annotations` here: django-ninja reads the annotations at
import time to build its schemas.
"""

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from django.utils.translation import get_language
from ninja import Field, Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate
from ninja.responses import Status as Created

from concord import clock
from concord.charters.selectors import charter_get
from concord.notifications import compliance_queries, selectors, services
from concord.notifications.models import Notification, Receipt
from concord.parties.api import viewer_of
from concord.parties.services import ServiceError

router = Router(tags=["notifications"])


class FormOut(Schema):
    id: str
    title: str
    summary: str
    article: str | None
    deadline: dict[str, Any]
    distribution: str
    schema_: dict[str, Any] = Field(alias="schema")


@router.get("/forms", response=list[FormOut], summary="The notification forms of a charter")
def form_list(request: HttpRequest, charter: str) -> Any:
    c = charter_get(viewer_of(request), charter)
    return selectors.forms_of(c, (get_language() or "en")[:2])


class ReceiptOut(Schema):
    party: str
    delivered_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str | None

    @staticmethod
    def resolve_party(obj: Receipt) -> str:
        return obj.party.code

    @staticmethod
    def resolve_acknowledged_by(obj: Receipt) -> str | None:
        return obj.acknowledged_by.username if obj.acknowledged_by else None


class NotificationOut(Schema):
    id: int
    number: str
    charter: str
    form: str
    party: str
    state: str
    submitted_at: datetime | None
    due_at: datetime | None
    late: bool
    supersedes: str | None
    act: int | None

    @staticmethod
    def resolve_charter(obj: Notification) -> str:
        return obj.charter_version.label

    @staticmethod
    def resolve_party(obj: Notification) -> str:
        return obj.party.code

    @staticmethod
    def resolve_late(obj: Notification) -> bool:
        return obj.late_by is not None

    @staticmethod
    def resolve_supersedes(obj: Notification) -> str | None:
        return obj.supersedes.number if obj.supersedes_id and obj.supersedes else None

    @staticmethod
    def resolve_act(obj: Notification) -> int | None:
        return obj.act_id


class NotificationDetailOut(NotificationOut):
    data: dict[str, Any]
    receipts: list[ReceiptOut]

    @staticmethod
    def resolve_receipts(obj: Notification, context: dict[str, Any]) -> list[Receipt]:
        return selectors.receipts_for(context["request"].user, obj)


class NotificationIn(Schema):
    charter: str = Field(..., max_length=40)
    form: str = Field(..., max_length=60)
    data: dict[str, Any]
    supersedes: int | None = Field(None, description="id of the notification this corrects")
    draft: bool = Field(False, description="save as a draft instead of submitting")


@router.post(
    "/notifications",
    response={201: NotificationDetailOut},
    summary="Submit a notification (or save a draft); it is delivered at once",
)
def notification_create(request: HttpRequest, payload: NotificationIn) -> Any:
    viewer = viewer_of(request)
    charter = charter_get(viewer, payload.charter)
    if payload.draft:
        return Created(
            201,
            services.draft_save(
                agent=viewer, charter=charter, form=payload.form, data=payload.data
            ),
        )
    supersedes = (
        selectors.notification_get(viewer, payload.supersedes) if payload.supersedes else None
    )
    notification = services.notification_submit(
        agent=viewer,
        charter=charter,
        form=payload.form,
        data=payload.data,
        supersedes=supersedes,
        language=viewer.language,
    )
    return Created(201, notification)


@router.get("/notifications", response=list[NotificationOut], summary="Notifications you may see")
@paginate(LimitOffsetPagination)
def notification_list(
    request: HttpRequest,
    charter: str = "",
    form: str = "",
    party: str = "",
    box: str = "all",
    since: date | None = None,
    until: date | None = None,
) -> Any:
    if box not in ("all", "received", "sent"):
        raise ServiceError("box is one of all, received, sent", field="box")
    return selectors.notifications_visible_to(
        viewer_of(request),
        charter=charter,
        form=form,
        party=party,
        since=since,
        until=until,
        box=box,
    )


@router.get("/notifications/{pk}", response=NotificationDetailOut, summary="One notification")
def notification_detail(request: HttpRequest, pk: int) -> Any:
    return selectors.notification_get(viewer_of(request), pk)


@router.post(
    "/notifications/{pk}/acknowledge",
    response=ReceiptOut,
    summary="Acknowledge receipt for your party",
)
def notification_acknowledge(request: HttpRequest, pk: int) -> Any:
    viewer = viewer_of(request)
    return services.receipt_acknowledge(
        agent=viewer, notification=selectors.notification_get(viewer, pk)
    )


class FindingOut(Schema):
    party: str
    year: int
    kind: str
    clause: dict[str, Any]
    acts: list[int]
    message: str
    due: datetime | None
    form: str | None


@router.get(
    "/compliance",
    response=list[FindingOut],
    summary="Compliance findings of a charter for a year, optionally for one party",
)
def compliance(request: HttpRequest, charter: str, year: int, party: str = "") -> Any:
    viewer = viewer_of(request)
    if not 1900 <= year <= clock.now().year + 10:
        raise ServiceError("year is out of range", field="year")
    return compliance_queries.findings(charter_get(viewer, charter), year, party=party or None)
