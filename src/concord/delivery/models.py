"""What the e-mail and webhook channels keep in the database: each member's mail choice
with the cursor of acts already mailed, each party's webhooks, and one row per act and
webhook that tracks its delivery. Nothing pending lives only in a worker's memory."""

from __future__ import annotations

import uuid
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class MailMode(models.TextChoices):
    """How often a member is mailed about the acts that concern their party."""

    NONE = "none", _("Never")
    IMMEDIATE = "immediate", _("Immediately, one mail per act")
    DAILY = "daily", _("Once a day, as a digest")


class MailPreference(models.Model):
    """A member's mail choice and the channel's progress for that member.

    ``last_seq`` is the cursor: every act up to it has been mailed (or passed over, for a
    member who wants no mail); the worker mails what lies after it, so a worker killed
    mid-way resumes where it stopped. ``claimed_until`` keeps two workers off the same
    member; a claim left by a killed worker simply runs out."""

    user = models.OneToOneField(
        "parties.User", on_delete=models.CASCADE, primary_key=True, related_name="mail_preference"
    )
    mode = models.CharField(max_length=12, choices=MailMode.choices)
    last_seq = models.BigIntegerField()
    digest_due_at = models.DateTimeField(null=True, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["mode", "last_seq"])]

    def __str__(self) -> str:
        return f"mail for user {self.user_id}: {self.mode} after #{self.last_seq}"


class Webhook(models.Model):
    """A URL to which a party's acts are posted, signed with the webhook's own secret.

    The secret is encrypted at rest like signing keys (the hub must compute HMACs with
    it) and shown once, at registration. ``enqueued_seq`` is the cursor of acts for
    which delivery rows exist. A webhook that has failed without a single success since
    ``failing_since`` for too long is disabled; deletion keeps the delivery log but
    erases the secret."""

    public_id = models.CharField(max_length=24, unique=True)
    party = models.ForeignKey("parties.Party", on_delete=models.PROTECT, related_name="webhooks")
    url = models.URLField(max_length=500)
    secret_encrypted = models.BinaryField(editable=False)
    # Act type prefixes to deliver ("notification.", "procedure.opened"); empty: all.
    type_prefixes: models.JSONField[Any, Any] = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        "parties.User", on_delete=models.PROTECT, related_name="+", null=True
    )
    enqueued_seq = models.BigIntegerField()
    failing_since = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.public_id} → {self.url}"

    @property
    def is_active(self) -> bool:
        return self.disabled_at is None and self.deleted_at is None


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("Pending")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")


class WebhookDelivery(models.Model):
    """One act (or a test event, ``act`` empty) to post to one webhook, with its
    attempts. ``event_id`` is sent as ``Concord-Webhook-Id`` and stays the same on every
    retry and replay, so a receiver that saw it already can ignore it.

    A worker claims a due row by moving ``next_attempt_at`` past the attempt's time
    limit: if the worker dies, the row falls due again by itself."""

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    act = models.ForeignKey(
        "record.Act", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    event_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    event_type = models.CharField(max_length=60)
    state = models.CharField(
        max_length=12, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField()
    next_attempt_at = models.DateTimeField()
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    # The first bytes of the receiver's answer, for the log; never the whole body.
    response_prefix = models.CharField(max_length=200, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["webhook", "act"],
                condition=models.Q(act__isnull=False),
                name="delivery_once_per_act",
            )
        ]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"]),
            models.Index(fields=["webhook", "state", "next_attempt_at"]),
            models.Index(fields=["webhook", "-created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} #{self.act_id} → {self.webhook_id}: {self.state}"

    @property
    def seq(self) -> int | None:
        return self.act_id
