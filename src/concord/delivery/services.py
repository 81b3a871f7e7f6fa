"""Every write of the e-mail and webhook channels: a member's mail choice; a party's
webhooks (registering, deleting, enabling and disabling them are acts, restricted to
the party, never naming the secret); replays and test events; and the worker's webhook
pass."""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from concord import clock
from concord.delivery import receivers, webhooks
from concord.delivery.audience import acts_for_party
from concord.delivery.mail import digest_due_after
from concord.delivery.models import (
    DeliveryState,
    MailMode,
    MailPreference,
    Webhook,
    WebhookDelivery,
)
from concord.parties import keys
from concord.parties.models import Role, User
from concord.parties.services import NotPermitted, ServiceError
from concord.record.models import Act, ActType
from concord.record.services import act_append

MAX_WEBHOOKS = 10
MAX_PREFIXES = 20
REPLAY_MAX = 10_000
# One worker pass stops claiming new batches after this many seconds.
PASS_BUDGET_SECONDS = 30.0

ERR_NOT_HEAD = gettext_noop("Only a head of delegation manages the party's webhooks.")
ERR_TOO_MANY = gettext_noop("A party has at most %(max)d webhooks.")
ERR_PREFIX = gettext_noop(
    "Each type filter is an act type or its beginning, such as notification. or "
    "procedure.opened; %(prefix)s matches none."
)
ERR_TOO_MANY_PREFIXES = gettext_noop("At most %(max)d type filters.")
ERR_REPLAY_RANGE = gettext_noop(
    "Give the first act number to replay (and optionally the last), or a time to replay since."
)
ERR_REPLAY_ORDER = gettext_noop("The last act number is before the first.")
ERR_REPLAY_TOO_LARGE = gettext_noop("At most %(max)d acts are replayed at once; narrow the range.")
ERR_NOT_DISABLED = gettext_noop("This webhook is not disabled.")
ERR_MAIL_MODE = gettext_noop("Choose never, immediately or daily.")
ERR_TIME_ZONE = gettext_noop("Unknown time zone; use a name such as Europe/Paris.")

_PREFIX_FORM = re.compile(r"^[a-z_]+(\.[a-z_]*)?$")


# --- e-mail ------------------------------------------------------------------------


def mail_preference_set(*, user: User, mode: str, time_zone: str | None = None) -> MailPreference:
    """A member chooses how often to be mailed (and, for digests, in which time zone
    the day runs). A personal setting, not an act of the treaty: no record entry."""
    if mode not in MailMode.values:
        raise ServiceError(_(ERR_MAIL_MODE), field="mode")
    zone = (time_zone or user.time_zone or "UTC").strip()
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ServiceError(_(ERR_TIME_ZONE), field="time_zone") from None
    now = clock.now()
    with transaction.atomic():
        if zone != user.time_zone:
            user.time_zone = zone
            user.save(update_fields=["time_zone"])
        preference = MailPreference.objects.select_for_update().filter(user=user).first()
        if preference is None:
            last = Act.objects.order_by("-seq").values_list("seq", flat=True).first()
            preference = MailPreference(user=user, last_seq=-1 if last is None else last)
        preference.mode = mode
        preference.digest_due_at = digest_due_after(zone, now) if mode == MailMode.DAILY else None
        preference.updated_at = now
        preference.save()
    return preference


# --- webhooks ----------------------------------------------------------------------


def webhook_manager_check(agent: User) -> None:
    """Only a head of delegation manages its party's webhooks."""
    if agent.party_id is None or not agent.has_role(Role.HEAD):
        raise NotPermitted(_(ERR_NOT_HEAD), field="party")


def _prefixes_clean(types: Sequence[str]) -> list[str]:
    prefixes = sorted({t.strip() for t in types if t and t.strip()})
    if len(prefixes) > MAX_PREFIXES:
        raise ServiceError(_(ERR_TOO_MANY_PREFIXES) % {"max": MAX_PREFIXES}, field="types")
    for p in prefixes:
        if (
            len(p) > 60
            or not _PREFIX_FORM.match(p)
            or not any(t.startswith(p) for t in ActType.values)
        ):
            raise ServiceError(_(ERR_PREFIX) % {"prefix": p[:60]}, field="types")
    return prefixes


def webhook_register(*, agent: User, url: str, types: Sequence[str] = ()) -> tuple[Webhook, str]:
    """A head of delegation registers a receiver for the party's acts. Returns the
    webhook and its secret, which is shown this once and kept only encrypted."""
    webhook_manager_check(agent)
    url = (url or "").strip()
    problem = receivers.url_problem(url)
    if problem:
        raise ServiceError(_(problem), field="url")
    prefixes = _prefixes_clean(types)
    party = agent.party
    assert party is not None
    secret = webhooks.secret_new()
    with transaction.atomic():
        if Webhook.objects.filter(party=party, deleted_at__isnull=True).count() >= MAX_WEBHOOKS:
            raise ServiceError(_(ERR_TOO_MANY) % {"max": MAX_WEBHOOKS}, field="url")
        now = clock.now()
        webhook = Webhook.objects.create(
            public_id="wh_" + secrets.token_hex(8),
            party=party,
            url=url,
            secret_encrypted=keys.encrypt_secret(secret.encode()),
            type_prefixes=prefixes,
            created_at=now,
            created_by=agent,
            enqueued_seq=0,
        )
        act = act_append(
            type=ActType.WEBHOOK_REGISTERED,
            actor=party,
            agent=agent,
            content={"webhook": webhook.public_id, "url": url, "types": prefixes},
            recipients=[party],
        )
        # The receiver is told of what follows its registration.
        webhook.enqueued_seq = act.seq
        webhook.save(update_fields=["enqueued_seq"])
    return webhook, secret


def _webhook_locked(webhook: Webhook) -> Webhook:
    return Webhook.objects.select_for_update().select_related("party").get(pk=webhook.pk)


def webhook_delete(*, agent: User, webhook: Webhook) -> Webhook:
    """Stop posting to a receiver. The delivery log stays; the secret is erased and
    deliveries still waiting are marked failed."""
    webhook_manager_check(agent)
    with transaction.atomic():
        webhook = _webhook_locked(webhook)
        if webhook.deleted_at is not None or webhook.party_id != agent.party_id:
            raise Http404
        now = clock.now()
        webhook.deleted_at = now
        webhook.secret_encrypted = b""
        webhook.save(update_fields=["deleted_at", "secret_encrypted"])
        webhook.deliveries.filter(state=DeliveryState.PENDING).update(
            state=DeliveryState.FAILED, last_error="webhook deleted"
        )
        act_append(
            type=ActType.WEBHOOK_DELETED,
            actor=webhook.party,
            agent=agent,
            content={"webhook": webhook.public_id, "url": webhook.url},
            recipients=[webhook.party],
        )
    return webhook


def webhook_enable(*, agent: User, webhook: Webhook) -> Webhook:
    """Turn a disabled webhook back on: deliveries waiting for it go out again."""
    webhook_manager_check(agent)
    with transaction.atomic():
        webhook = _webhook_locked(webhook)
        if webhook.disabled_at is None:
            raise ServiceError(_(ERR_NOT_DISABLED), field="webhook")
        webhook.disabled_at = None
        webhook.failing_since = None
        webhook.save(update_fields=["disabled_at", "failing_since"])
        act_append(
            type=ActType.WEBHOOK_ENABLED,
            actor=webhook.party,
            agent=agent,
            content={"webhook": webhook.public_id, "url": webhook.url},
            recipients=[webhook.party],
        )
    return webhook


def webhook_disable(*, webhook: Webhook, reason: str) -> Webhook:
    """The hub stops posting to a webhook (the depositary's act, for the party)."""
    with transaction.atomic():
        webhook = _webhook_locked(webhook)
        if webhook.disabled_at is not None or webhook.deleted_at is not None:
            return webhook
        webhook.disabled_at = clock.now()
        webhook.save(update_fields=["disabled_at"])
        act_append(
            type=ActType.WEBHOOK_DISABLED,
            actor=None,
            agent=None,
            content={"webhook": webhook.public_id, "url": webhook.url, "reason": reason},
            recipients=[webhook.party],
        )
    return webhook


def webhook_replay(
    *,
    agent: User,
    webhook: Webhook,
    first_seq: int | None = None,
    last_seq: int | None = None,
    since: datetime | None = None,
) -> int:
    """Deliver again the acts of a range of numbers (or since a time) that concern the
    party and pass the webhook's filter, whether or not they arrived before; acts
    never delivered to it (from before its registration) are added. Each keeps its
    event id. Returns how many deliveries were scheduled."""
    webhook_manager_check(agent)
    if first_seq is None and since is None:
        raise ServiceError(_(ERR_REPLAY_RANGE), field="from_seq")
    if first_seq is not None and last_seq is not None and last_seq < first_seq:
        raise ServiceError(_(ERR_REPLAY_ORDER), field="to_seq")
    acts = acts_for_party(webhook.party_id, after=(first_seq or 0) - 1)
    if last_seq is not None:
        acts = acts.filter(seq__lte=last_seq)
    if since is not None:
        acts = acts.filter(time__gte=since)
    found = list(acts.values_list("seq", "type")[: REPLAY_MAX + 1])
    if len(found) > REPLAY_MAX:
        raise ServiceError(_(ERR_REPLAY_TOO_LARGE) % {"max": REPLAY_MAX}, field="from_seq")
    wanted = {
        seq: type_ for seq, type_ in found if webhooks.type_matches(type_, webhook.type_prefixes)
    }
    if not wanted:
        return 0
    now = clock.now()
    with transaction.atomic():
        existing = WebhookDelivery.objects.filter(webhook=webhook, act_id__in=list(wanted))
        have = set(existing.values_list("act_id", flat=True))
        webhooks.deliveries_reset(existing)
        WebhookDelivery.objects.bulk_create(
            [
                WebhookDelivery(
                    webhook=webhook,
                    act_id=seq,
                    event_type=type_,
                    created_at=now,
                    next_attempt_at=now,
                )
                for seq, type_ in wanted.items()
                if seq not in have
            ],
            ignore_conflicts=True,
        )
    return len(wanted)


def webhook_test(*, agent: User, webhook: Webhook) -> WebhookDelivery:
    """Post a test event now, once, and return the delivery with the receiver's answer."""
    webhook_manager_check(agent)
    now = clock.now()
    delivery = WebhookDelivery.objects.create(
        webhook=webhook,
        act=None,
        event_type=webhooks.TEST_EVENT,
        created_at=now,
        # Out of the worker's reach: this request posts it.
        next_attempt_at=now + timedelta(hours=1),
    )
    delivery = WebhookDelivery.objects.select_related("webhook__party").get(pk=delivery.pk)
    webhooks.deliveries_send([delivery])
    delivery.refresh_from_db()
    return delivery


def webhooks_due() -> int:
    """The worker's webhook pass: create deliveries for new acts, post those due (a
    batch at a time, for a bounded time), and disable webhooks failing too long.
    Returns the number of deliveries that arrived."""
    started = time.monotonic()
    delivered = 0
    while True:
        webhooks.deliveries_enqueue()
        claimed = webhooks.deliveries_claim()
        if not claimed:
            break
        delivered += webhooks.deliveries_send(claimed)
        if time.monotonic() - started > PASS_BUDGET_SECONDS:
            break
    cutoff = clock.now() - timedelta(days=settings.CONCORD_WEBHOOK_DISABLE_AFTER_DAYS)
    for webhook in webhooks.webhooks_failing_since(cutoff):
        days = settings.CONCORD_WEBHOOK_DISABLE_AFTER_DAYS
        webhook_disable(webhook=webhook, reason=f"no successful delivery for {days:g} days")
    return delivered
