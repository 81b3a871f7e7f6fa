"""Signed webhooks: the payload of an act and its signature, and the delivery rows the
worker creates, claims, posts (through ``receivers``) and settles.

Every delivery is a ``WebhookDelivery`` row. The worker creates rows for new acts from
each webhook's cursor, claims the due ones by pushing their next attempt past the time
an attempt may take, posts them outside any transaction, and records each outcome. A
worker killed at any point leaves rows that fall due again: delivery is at least once,
and a repeat carries the same ``Concord-Webhook-Id``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import secrets
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cryptography.fernet import InvalidToken
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max, Min
from django.urls import reverse

from concord import clock
from concord.delivery.audience import acts_for_party
from concord.delivery.models import DeliveryState, Webhook, WebhookDelivery
from concord.delivery.receivers import Outcome, Poster
from concord.parties import keys
from concord.record import entry as entry_format
from concord.record.models import Act

HEADER_ID = "Concord-Webhook-Id"
HEADER_TIMESTAMP = "Concord-Timestamp"
HEADER_SIGNATURE = "Concord-Signature"
SIGNATURE_SCHEME = "v1"
TEST_EVENT = "webhook.test"
SECRET_PREFIX = "whsec_"  # noqa: S105 (a marker, not a secret)
USER_AGENT = "Concord-Webhooks/1"

JITTER = 0.2
ENQUEUE_BATCH = 1000
CLAIM_PER_WEBHOOK = 50
CLAIM_WEBHOOKS_PER_RECEIVER = 4

ERR_SECRET = "the webhook's secret cannot be decrypted; register the webhook again"  # noqa: S105


# --- signing and payloads ----------------------------------------------------------


def secret_new() -> str:
    """A new webhook secret: shown once to the party, kept encrypted by the hub."""
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def signature_for(secret: str, timestamp: int, body: bytes) -> str:
    """``v1=`` and the hex HMAC-SHA256, keyed with the secret's UTF-8 bytes, of the
    timestamp (decimal unix seconds), a full stop and the exact body bytes."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"{SIGNATURE_SCHEME}={mac.hexdigest()}"


def signed_headers(secret: str, event_id: str, body: bytes, at: datetime) -> dict[str, str]:
    timestamp = int(at.timestamp())
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        HEADER_ID: event_id,
        HEADER_TIMESTAMP: str(timestamp),
        HEADER_SIGNATURE: signature_for(secret, timestamp, body),
    }


def act_url(seq: int) -> str:
    """The absolute address of an act's page on this hub."""
    return settings.CONCORD_BASE_URL + reverse("record:act", args=[seq])


def act_payload(act: Act, event_id: str) -> dict[str, Any]:
    """What a party's receiver is told of ``act``. Only acts that concern the party
    reach a webhook (audience.acts_for_party), and a party told of an act may read all
    of it, so the content goes along."""
    return {
        "id": event_id,
        "seq": act.seq,
        "type": act.type,
        "actor": act.actor_code,
        "time": entry_format.format_time(act.time),
        "charter": act.charter_version.label if act.charter_version else None,
        "refs": list(act.refs),
        "restricted": act.restricted,
        "url": act_url(act.seq),
        "content": act.content,
    }


def test_payload(webhook: Webhook, event_id: str, at: datetime) -> dict[str, Any]:
    """A test event: the shape of an act, without a sequence number or content."""
    return {
        "id": event_id,
        "seq": None,
        "type": TEST_EVENT,
        "actor": webhook.party.code,
        "time": entry_format.format_time(at),
        "charter": None,
        "refs": [],
        "restricted": True,
        "url": settings.CONCORD_BASE_URL + reverse("webhooks:detail", args=[webhook.public_id]),
    }


def body_bytes(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def retry_delay(attempts: int, *, rng: random.Random | None = None) -> timedelta:
    """How long to wait after the ``attempts``-th failed attempt: exponential from the
    base, capped, with ±20 % jitter so that receivers coming back are not stampeded."""
    base = float(settings.CONCORD_WEBHOOK_RETRY_BASE)
    delay = min(base * 2 ** max(attempts - 1, 0), float(settings.CONCORD_WEBHOOK_RETRY_MAX))
    spread = (rng or random).uniform(-JITTER, JITTER)
    return timedelta(seconds=delay * (1 + spread))


# --- delivery rows -----------------------------------------------------------------


def type_matches(type_: str, prefixes: Sequence[str]) -> bool:
    """Whether an act type passes a webhook's filter (no prefixes: every type)."""
    return not prefixes or any(type_.startswith(p) for p in prefixes)


def deliveries_enqueue() -> int:
    """Create delivery rows for the acts each active webhook has not yet been given,
    from its cursor: acts that concern its party (audience.acts_for_party) and match
    its type filter. Returns the number of rows created."""
    last = Act.objects.aggregate(last=Max("seq"))["last"]
    if last is None:
        return 0
    created = 0
    pending = Webhook.objects.filter(
        disabled_at__isnull=True, deleted_at__isnull=True, enqueued_seq__lt=last
    ).values_list("pk", flat=True)
    for pk in pending:
        with transaction.atomic():
            # Another worker enqueueing for this webhook holds it: leave it to that one.
            webhook = (
                Webhook.objects.select_for_update(skip_locked=True)
                .filter(pk=pk, disabled_at__isnull=True, deleted_at__isnull=True)
                .first()
            )
            if webhook is None:
                continue
            acts = list(
                acts_for_party(webhook.party_id, after=webhook.enqueued_seq).values_list(
                    "seq", "type"
                )[:ENQUEUE_BATCH]
            )
            if not acts:
                continue
            now = clock.now()
            rows = [
                WebhookDelivery(
                    webhook=webhook,
                    act_id=seq,
                    event_type=type_,
                    created_at=now,
                    next_attempt_at=now,
                )
                for seq, type_ in acts
                if type_matches(type_, webhook.type_prefixes)
            ]
            WebhookDelivery.objects.bulk_create(rows, ignore_conflicts=True)
            Webhook.objects.filter(pk=webhook.pk).update(enqueued_seq=acts[-1][0])
            created += len(rows)
    return created


def _lease() -> timedelta:
    """How long a claim holds: long enough for a webhook's share of a batch, each
    attempt connecting and waiting for its answer."""
    return timedelta(seconds=CLAIM_PER_WEBHOOK * 2 * settings.CONCORD_WEBHOOK_TIMEOUT + 60)


def deliveries_claim() -> list[WebhookDelivery]:
    """Take due deliveries for this worker: for the webhooks waiting longest (a few per
    receiver this worker can post to at once), up to CLAIM_PER_WEBHOOK each.

    On PostgreSQL, rows another worker is claiming are skipped (FOR UPDATE SKIP
    LOCKED); SQLite has one writer at a time. A claimed row's next attempt moves past
    the lease, so no other worker takes it meanwhile, and a dead worker's rows come
    back by themselves."""
    now = clock.now()
    due = WebhookDelivery.objects.filter(
        state=DeliveryState.PENDING,
        next_attempt_at__lte=now,
        webhook__disabled_at__isnull=True,
        webhook__deleted_at__isnull=True,
    )
    webhook_count = CLAIM_WEBHOOKS_PER_RECEIVER * settings.CONCORD_WEBHOOK_CONCURRENCY
    with transaction.atomic():
        waiting = (
            due.values("webhook_id")
            .annotate(oldest=Min("next_attempt_at"))
            .order_by("oldest")
            .values_list("webhook_id", flat=True)[:webhook_count]
        )
        ids: list[int] = []
        for webhook_id in list(waiting):
            ids += (
                # Lock the delivery rows only, not the webhooks they join.
                due.filter(webhook_id=webhook_id)
                .select_for_update(skip_locked=True, of=("self",))
                .order_by("next_attempt_at", "id")
                .values_list("pk", flat=True)[:CLAIM_PER_WEBHOOK]
            )
        if not ids:
            return []
        WebhookDelivery.objects.filter(pk__in=ids).update(next_attempt_at=now + _lease())
    return list(
        WebhookDelivery.objects.filter(pk__in=ids).select_related(
            "webhook__party", "act__actor", "act__charter_version__charter"
        )
    )


@dataclass
class _Prepared:
    delivery: WebhookDelivery
    url: str
    body: bytes
    secret: str | None  # None: it cannot be decrypted
    event_id: str


def _secret_of(webhook: Webhook) -> str | None:
    try:
        return keys.decrypt_secret(webhook.secret_encrypted).decode()
    except InvalidToken:
        # The key-encryption key changed: this webhook cannot sign until registered again.
        return None


def _prepare(deliveries: Iterable[WebhookDelivery]) -> dict[int, list[_Prepared]]:
    """Payloads by webhook, in the order of the record."""
    secrets_by_webhook: dict[int, str | None] = {}
    groups: dict[int, list[_Prepared]] = {}
    for d in sorted(deliveries, key=lambda d: (d.webhook_id, d.act_id or -1, d.pk)):
        webhook = d.webhook
        if webhook.pk not in secrets_by_webhook:
            secrets_by_webhook[webhook.pk] = _secret_of(webhook)
        secret = secrets_by_webhook[webhook.pk]
        event_id = str(d.event_id)
        if d.act is not None:
            payload = act_payload(d.act, event_id)
        else:
            payload = test_payload(webhook, event_id, d.created_at)
        prepared = _Prepared(d, webhook.url, body_bytes(payload), secret, event_id)
        groups.setdefault(webhook.pk, []).append(prepared)
    return groups


def _post_in_order(group: list[_Prepared], timeout: float) -> list[Outcome | None]:
    """Post one webhook's deliveries in order over one connection, stopping at the
    first failure (the rest wait with it rather than each timing out in turn)."""
    poster = Poster(timeout=timeout)
    outcomes: list[Outcome | None] = []
    try:
        for item in group:
            if outcomes and not (outcomes[-1] and outcomes[-1].ok):
                outcomes.append(None)
                continue
            if item.secret is None:
                outcomes.append(Outcome(status=None, error=ERR_SECRET))
                continue
            # Signed as it leaves, so the timestamp is fresh however long the queue.
            headers = signed_headers(item.secret, item.event_id, item.body, clock.now())
            outcomes.append(poster.post(item.url, item.body, headers))
    finally:
        poster.close()
    return outcomes


_OUTCOME_FIELDS = (
    "attempts",
    "last_attempt_at",
    "last_status",
    "last_error",
    "response_prefix",
    "duration_ms",
    "state",
    "delivered_at",
    "next_attempt_at",
)


def _outcomes_store(deliveries: Sequence[WebhookDelivery]) -> None:
    """Write the attempt columns of many deliveries with one prepared UPDATE run for
    each row (Django's bulk_update builds a CASE per column, far slower here)."""
    if not deliveries:
        return
    table = connection.ops.quote_name(WebhookDelivery._meta.db_table)
    columns = ", ".join(f"{connection.ops.quote_name(f)} = %s" for f in _OUTCOME_FIELDS)
    stamp = connection.ops.adapt_datetimefield_value
    rows = [
        (
            d.attempts,
            stamp(d.last_attempt_at),
            d.last_status,
            d.last_error,
            d.response_prefix,
            d.duration_ms,
            d.state,
            stamp(d.delivered_at),
            stamp(d.next_attempt_at),
            d.pk,
        )
        for d in deliveries
    ]
    with connection.cursor() as cursor:
        cursor.executemany(f"UPDATE {table} SET {columns} WHERE id = %s", rows)  # noqa: S608


def _settle(webhook_id: int, group: list[_Prepared], outcomes: list[Outcome | None]) -> int:
    """Record what happened to one webhook's deliveries; returns how many arrived."""
    now = clock.now()
    max_attempts = settings.CONCORD_WEBHOOK_MAX_ATTEMPTS
    changed: list[WebhookDelivery] = []
    held: list[int] = []
    retry_at: datetime | None = None
    delivered = succeeded = failed = 0
    for item, outcome in zip(group, outcomes, strict=True):
        d = item.delivery
        if outcome is None:
            held.append(d.pk)  # not tried, behind a failure
            continue
        d.attempts += 1
        d.last_attempt_at = now
        d.last_status = outcome.status
        d.last_error = outcome.error
        d.response_prefix = outcome.response_prefix
        d.duration_ms = outcome.duration_ms
        if outcome.ok:
            d.state = DeliveryState.DELIVERED
            d.delivered_at = now
            delivered += 1
            # A test event says nothing of whether acts get through: only acts count.
            succeeded += d.act_id is not None
        else:
            failed += d.act_id is not None
            # A test event is tried once: it is there to show what the receiver answers.
            if d.act_id is None or d.attempts >= max_attempts:
                d.state = DeliveryState.FAILED
            else:
                d.next_attempt_at = retry_at = now + retry_delay(d.attempts)
        changed.append(d)
    with transaction.atomic():
        _outcomes_store(changed)
        if held:
            WebhookDelivery.objects.filter(pk__in=held, state=DeliveryState.PENDING).update(
                next_attempt_at=retry_at or now
            )
        if retry_at is not None:
            # The rest of this webhook's queue waits with the delivery that failed, so a
            # receiver that is down gets one request per retry, not one per batch.
            WebhookDelivery.objects.filter(
                webhook_id=webhook_id, state=DeliveryState.PENDING, next_attempt_at__lt=retry_at
            ).exclude(pk__in=[d.pk for d in changed]).update(next_attempt_at=retry_at)
        if succeeded:
            Webhook.objects.filter(pk=webhook_id).update(failing_since=None, last_success_at=now)
        elif failed:
            Webhook.objects.filter(pk=webhook_id, failing_since__isnull=True).update(
                failing_since=now
            )
    return delivered


def deliveries_send(deliveries: Sequence[WebhookDelivery]) -> int:
    """Post claimed deliveries, receivers side by side (each in its own thread, the
    database touched only from this one), and record each outcome as its receiver
    finishes. Returns how many arrived."""
    if not deliveries:
        return 0
    groups = _prepare(deliveries)
    timeout = float(settings.CONCORD_WEBHOOK_TIMEOUT)
    workers = max(1, min(len(groups), settings.CONCORD_WEBHOOK_CONCURRENCY))
    delivered = 0
    if workers == 1:
        for webhook_id, group in groups.items():
            delivered += _settle(webhook_id, group, _post_in_order(group, timeout))
        return delivered
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="webhook") as pool:
        futures = {
            pool.submit(_post_in_order, group, timeout): webhook_id
            for webhook_id, group in groups.items()
        }
        for future in as_completed(futures):
            webhook_id = futures[future]
            delivered += _settle(webhook_id, groups[webhook_id], future.result())
    return delivered


def deliveries_reset(queryset: Any) -> int:
    """Make deliveries due again now, as new (replay); their event ids stay."""
    return int(
        queryset.update(
            state=DeliveryState.PENDING,
            attempts=0,
            next_attempt_at=clock.now(),
            delivered_at=None,
        )
    )


def webhooks_failing_since(cutoff: datetime) -> list[Webhook]:
    """Active webhooks that have not had one success since before ``cutoff``."""
    return list(
        Webhook.objects.filter(
            disabled_at__isnull=True, deleted_at__isnull=True, failing_since__lt=cutoff
        ).select_related("party")
    )
