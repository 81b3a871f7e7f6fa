"""Reads of webhooks and their deliveries, and of a member's mail choice.

A party's webhooks are its own business: only its members see them (the pages and the
API further require a head of delegation), and a webhook of another party, or one
deleted, answers "not found", so that its existence does not leak.
"""

from __future__ import annotations

from django.db.models import Count, QuerySet
from django.http import Http404

from concord.delivery.mail import mail_mode_default
from concord.delivery.models import DeliveryState, MailPreference, Webhook, WebhookDelivery
from concord.parties.models import User


def webhooks_visible_to(viewer: User) -> QuerySet[Webhook]:
    """The viewer's party's webhooks, oldest first; none for the secretariat."""
    if not viewer.is_authenticated or viewer.party_id is None:
        return Webhook.objects.none()
    return Webhook.objects.filter(party_id=viewer.party_id, deleted_at__isnull=True)


def webhook_get(viewer: User, public_id: str) -> Webhook:
    webhook = webhooks_visible_to(viewer).filter(public_id=public_id).select_related("party")
    found = webhook.first()
    if found is None:
        raise Http404
    return found


def deliveries_of(webhook: Webhook, *, state: str = "") -> QuerySet[WebhookDelivery]:
    """A webhook's delivery log, newest first, optionally in one state."""
    qs = WebhookDelivery.objects.filter(webhook=webhook).select_related("act")
    if state in DeliveryState.values:
        qs = qs.filter(state=state)
    return qs.order_by("-created_at", "-id")


def delivery_counts(webhook: Webhook) -> dict[str, int]:
    """How many of a webhook's deliveries are in each state."""
    counts = {s: 0 for s in DeliveryState.values}
    rows = WebhookDelivery.objects.filter(webhook=webhook).values("state").annotate(n=Count("id"))
    for row in rows:
        counts[row["state"]] = row["n"]
    return counts


def mail_preference_of(user: User) -> MailPreference:
    """The member's mail choice; an unsaved default when they have not chosen."""
    preference = MailPreference.objects.filter(user=user).first()
    if preference is None:
        preference = MailPreference(user=user, mode=mail_mode_default(user), last_seq=-1)
    return preference
