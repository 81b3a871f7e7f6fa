"""API: a party's webhooks (heads of delegation), their delivery log, replays and test
events; and one's own mail choice.

No `from __future__ import annotations` here: django-ninja reads the annotations at
import time to build its schemas.
"""

from datetime import datetime
from uuid import UUID

from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate
from ninja.responses import Status as Created

from concord.delivery import selectors, services
from concord.delivery.models import DeliveryState, MailMode, MailPreference, Webhook
from concord.delivery.models import WebhookDelivery as Delivery
from concord.parties.api import viewer_of
from concord.parties.models import User

router = Router(tags=["delivery"])


class WebhookOut(Schema):
    id: str = Field(description="The webhook's identifier, as in its page and acts")
    url: str
    types: list[str] = Field(description="Act type prefixes delivered; empty: every type")
    created_at: datetime
    last_success_at: datetime | None
    failing_since: datetime | None
    disabled_at: datetime | None
    deleted_at: datetime | None

    @staticmethod
    def resolve_id(obj: Webhook) -> str:
        return obj.public_id

    @staticmethod
    def resolve_types(obj: Webhook) -> list[str]:
        return list(obj.type_prefixes)


class NewWebhookOut(Schema):
    webhook: WebhookOut
    secret: str = Field(description="Shown this once: the key of the HMAC-SHA256 signatures")


class WebhookIn(Schema):
    url: str = Field(..., max_length=500)
    types: list[str] = Field(default_factory=list, max_length=20)


class DeliveryOut(Schema):
    id: UUID = Field(description="Sent as Concord-Webhook-Id; the same on every retry")
    seq: int | None = Field(description="The act delivered; empty for a test event")
    type: str
    state: DeliveryState
    attempts: int
    created_at: datetime
    next_attempt_at: datetime | None
    last_attempt_at: datetime | None
    last_status: int | None
    last_error: str
    response_prefix: str = Field(description="The first characters of the receiver's answer")
    duration_ms: int | None
    delivered_at: datetime | None

    @staticmethod
    def resolve_id(obj: Delivery) -> UUID:
        return obj.event_id

    @staticmethod
    def resolve_seq(obj: Delivery) -> int | None:
        return obj.act_id

    @staticmethod
    def resolve_type(obj: Delivery) -> str:
        return obj.event_type

    @staticmethod
    def resolve_next_attempt_at(obj: Delivery) -> datetime | None:
        return obj.next_attempt_at if obj.state == DeliveryState.PENDING else None


class ReplayIn(Schema):
    from_seq: int | None = Field(None, ge=0, description="First act number to deliver again")
    to_seq: int | None = Field(None, ge=0, description="Last act number (default: the latest)")
    since: datetime | None = Field(None, description="Or: every act since this time")


class ReplayOut(Schema):
    scheduled: int = Field(description="Deliveries due again now")


class MailPreferenceOut(Schema):
    mode: MailMode
    time_zone: str = Field(description="Digests go out at the set hour of this zone")

    @staticmethod
    def resolve_time_zone(obj: MailPreference) -> str:
        return obj.user.time_zone


class MailPreferenceIn(Schema):
    mode: MailMode
    time_zone: str | None = Field(None, max_length=64)


def _manager(request: HttpRequest) -> User:
    """The member making the request, who must be a head of delegation."""
    viewer = viewer_of(request)
    services.webhook_manager_check(viewer)
    return viewer


@router.get("/webhooks", response=list[WebhookOut], summary="Your party's webhooks (heads)")
@paginate(LimitOffsetPagination)
def webhook_list(request: HttpRequest) -> object:
    return selectors.webhooks_visible_to(_manager(request))


@router.post("/webhooks", response={201: NewWebhookOut}, summary="Register a webhook (heads)")
def webhook_register(request: HttpRequest, payload: WebhookIn) -> Created[dict[str, object]]:
    webhook, secret = services.webhook_register(
        agent=viewer_of(request), url=payload.url, types=payload.types
    )
    return Created(201, {"webhook": webhook, "secret": secret})


@router.get("/webhooks/{webhook_id}", response=WebhookOut, summary="One of your webhooks")
def webhook_detail(request: HttpRequest, webhook_id: str) -> Webhook:
    return selectors.webhook_get(_manager(request), webhook_id)


@router.delete("/webhooks/{webhook_id}", response=WebhookOut, summary="Delete a webhook")
def webhook_delete(request: HttpRequest, webhook_id: str) -> Webhook:
    viewer = _manager(request)
    return services.webhook_delete(agent=viewer, webhook=selectors.webhook_get(viewer, webhook_id))


@router.post(
    "/webhooks/{webhook_id}/enable", response=WebhookOut, summary="Turn a disabled webhook on"
)
def webhook_enable(request: HttpRequest, webhook_id: str) -> Webhook:
    viewer = _manager(request)
    return services.webhook_enable(agent=viewer, webhook=selectors.webhook_get(viewer, webhook_id))


@router.get(
    "/webhooks/{webhook_id}/deliveries",
    response=list[DeliveryOut],
    summary="A webhook's delivery log, newest first",
)
@paginate(LimitOffsetPagination)
def delivery_list(
    request: HttpRequest, webhook_id: str, state: DeliveryState | None = None
) -> object:
    webhook = selectors.webhook_get(_manager(request), webhook_id)
    return selectors.deliveries_of(webhook, state=state or "")


@router.post(
    "/webhooks/{webhook_id}/replay",
    response=ReplayOut,
    summary="Deliver again a range of acts, or every act since a time",
)
def webhook_replay(request: HttpRequest, webhook_id: str, payload: ReplayIn) -> dict[str, int]:
    viewer = _manager(request)
    scheduled = services.webhook_replay(
        agent=viewer,
        webhook=selectors.webhook_get(viewer, webhook_id),
        first_seq=payload.from_seq,
        last_seq=payload.to_seq,
        since=payload.since,
    )
    return {"scheduled": scheduled}


@router.post(
    "/webhooks/{webhook_id}/test",
    response=DeliveryOut,
    summary="Post a test event now and return the receiver's answer",
)
def webhook_test(request: HttpRequest, webhook_id: str) -> Delivery:
    viewer = _manager(request)
    return services.webhook_test(agent=viewer, webhook=selectors.webhook_get(viewer, webhook_id))


@router.get("/me/mail", response=MailPreferenceOut, summary="How often you are mailed")
def mail_preference(request: HttpRequest) -> MailPreference:
    return selectors.mail_preference_of(viewer_of(request))


@router.put("/me/mail", response=MailPreferenceOut, summary="Choose how often you are mailed")
def mail_preference_set(request: HttpRequest, payload: MailPreferenceIn) -> MailPreference:
    return services.mail_preference_set(
        user=viewer_of(request), mode=payload.mode, time_zone=payload.time_zone
    )
