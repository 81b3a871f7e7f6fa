"""Notifications: charter-defined forms submitted by a party, their delivery to the
parties they are for, and each party's receipt."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class State(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    SUPERSEDED = "superseded", _("Superseded by a correction")


class Notification(models.Model):
    """One notification (or a draft of one). A submitted notification is fixed: a
    correction is a new notification that supersedes it, and both stay."""

    charter_version = models.ForeignKey(
        "charters.CharterVersion", on_delete=models.PROTECT, related_name="notifications"
    )
    form = models.CharField(max_length=60)
    party = models.ForeignKey(
        "parties.Party", on_delete=models.PROTECT, related_name="notifications_sent"
    )
    state = models.CharField(max_length=12, choices=State.choices, default=State.DRAFT)
    data: models.JSONField[Any, Any] = models.JSONField(default=dict)
    # The few facts compliance needs (dates, numbers), extracted at submission.
    facts: models.JSONField[Any, Any] = models.JSONField(default=dict)
    act = models.OneToOneField(
        "record.Act", on_delete=models.PROTECT, null=True, related_name="notification"
    )
    supersedes = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="superseded_by"
    )
    submitted_at = models.DateTimeField(null=True, db_index=True)
    # When the first version was submitted: lateness is judged on it.
    first_submitted_at = models.DateTimeField(null=True)
    due_at = models.DateTimeField(null=True)
    activity_start = models.DateField(null=True, db_index=True)
    activity_end = models.DateField(null=True)
    created_by = models.ForeignKey("parties.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-submitted_at", "-id"]
        indexes = [models.Index(fields=["charter_version", "form", "party"])]

    def __str__(self) -> str:
        return self.number or f"draft {self.pk}"

    @property
    def number(self) -> str:
        """The notification's reference: charter and record number, e.g. HELSINKI-4217."""
        if self.act_id is None:
            return ""
        return f"{self.charter_version.charter.code.upper()}-{self.act_id}"

    @property
    def late_by(self) -> Any:
        first = self.first_submitted_at or self.submitted_at
        if self.due_at and first and first > self.due_at:
            return first - self.due_at
        return None


class Receipt(models.Model):
    """A notification's arrival at one party: delivered by the hub, then acknowledged
    by a named member of that party. Both steps are acts."""

    # A notification writes dozens of receipts while the record is locked, so only the
    # indexes that queries use are kept: (notification, party) from the constraint below
    # and party. Acts and users are never deleted, so no index serves their foreign keys.
    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, related_name="receipts", db_index=False
    )
    party = models.ForeignKey("parties.Party", on_delete=models.PROTECT, related_name="receipts")
    delivered_at = models.DateTimeField()
    delivery_act = models.ForeignKey(
        "record.Act", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    acknowledged_at = models.DateTimeField(null=True)
    acknowledged_by = models.ForeignKey(
        "parties.User", on_delete=models.PROTECT, null=True, related_name="+", db_index=False
    )
    acknowledgement_act = models.ForeignKey(
        "record.Act", on_delete=models.PROTECT, null=True, related_name="+", db_index=False
    )

    class Meta:
        ordering = ["party__code"]
        constraints = [
            models.UniqueConstraint(fields=["notification", "party"], name="receipt_once")
        ]

    def __str__(self) -> str:
        return f"{self.notification} to {self.party_id}"


class Reminder(models.Model):
    """A reminder sent to a party before a deadline; kept so none is sent twice."""

    party = models.ForeignKey("parties.Party", on_delete=models.CASCADE, related_name="+")
    charter = models.ForeignKey("charters.Charter", on_delete=models.CASCADE, related_name="+")
    form = models.CharField(max_length=60)
    due_at = models.DateTimeField()
    sent_at = models.DateTimeField()
    recipients = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["party", "charter", "form", "due_at"], name="reminder_once"
            )
        ]

    def __str__(self) -> str:
        return f"reminder {self.form} for {self.party_id} due {self.due_at:%Y-%m-%d}"
