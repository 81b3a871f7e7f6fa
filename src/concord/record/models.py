"""The act log: every state change of the treaty as one signed, immutable entry."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class ActType(models.TextChoices):
    """Every kind of act. The acting party is the one whose key signs the entry
    (``depositary`` for the hub's own acts); the agent is the person who did it."""

    CHARTER_LOADED = "charter.loaded", _("Charter loaded")
    """Depositary: a charter version was loaded; content holds its digest."""
    PARTY_REGISTERED = "party.registered", _("Party registered")
    """Depositary: a state or organisation was entered on the hub."""
    PARTY_STATUS_CHANGED = "party.status_changed", _("Status changed")
    """Depositary: a party's status under a charter changed (admitted, suspended, ...)."""
    ACCESSION_REQUESTED = "party.accession_requested", _("Accession requested")
    """The applicant: asks to accede to a charter."""
    ACCESSION_CONSENTED = "party.accession_consented", _("Consent to accession")
    """A party: consents to an applicant's accession."""
    WITHDRAWAL_NOTIFIED = "party.withdrawal_notified", _("Notice of withdrawal")
    """A party: gives the depositary notice of withdrawal."""
    KEY_PUBLISHED = "key.published", _("Signing key published")
    """The key's owner (or depositary for its own): a new public key and its validity."""
    KEY_ROTATED = "key.rotated", _("Signing key rotated")
    """The key's owner: the old key retires; signed with the old key."""
    USER_ADDED = "user.added", _("Member added to delegation")
    """Depositary: a person joined a delegation or the secretariat, with roles."""
    USER_CHANGED = "user.changed", _("Member changed")
    """Depositary: roles changed, account deactivated or reactivated."""
    USER_PASSWORD_RESET = "user.password_reset", _("Password reset")
    """Depositary: the secretariat reset a member's password or second factor."""
    TOKEN_CREATED = "token.created", _("API token created")
    """The user's party: an API token was issued (restricted to that party)."""
    TOKEN_REVOKED = "token.revoked", _("API token revoked")
    """The user's party: an API token was revoked (restricted to that party)."""
    NOTIFICATION_SUBMITTED = "notification.submitted", _("Notification submitted")
    """The notifying party: a notification (or a correction superseding one)."""
    NOTIFICATION_DELIVERED = "notification.delivered", _("Notification delivered")
    """Depositary: the notification reached the inboxes of the parties it is for."""
    NOTIFICATION_ACKNOWLEDGED = "notification.acknowledged", _("Receipt acknowledged")
    """A receiving party: a named member acknowledged receipt."""
    PROCEDURE_OPENED = "procedure.opened", _("Procedure opened")
    """A party: opens a mechanism of the charter (request, consultations, conference)."""
    PROCEDURE_STEP = "procedure.step", _("Procedure step")
    """A party (or the depositary): a reply, statement, proposal, objection, support."""
    PROCEDURE_DEADLINE = "procedure.deadline", _("Deadline passed")
    """Depositary: a deadline of a procedure fell due and was acted on."""
    DECISION_ADOPTED = "decision.adopted", _("Decision adopted")
    """Depositary: a draft decision was adopted under the charter's decision rule."""
    WITNESS_KEY_REGISTERED = "witness.key_registered", _("Witness key registered")
    """A party: the public key its mirror cosigns checkpoints with (C2SP
    tlog-cosignature); the content holds the witness name and verifier key."""
    WEBHOOK_REGISTERED = "webhook.registered", _("Webhook registered")
    """The party: its head registered a webhook URL (restricted to the party; the content
    names the webhook, its URL and type filter, never its secret)."""
    WEBHOOK_DELETED = "webhook.deleted", _("Webhook deleted")
    """The party: its head deleted a webhook (restricted to the party)."""
    WEBHOOK_DISABLED = "webhook.disabled", _("Webhook disabled")
    """Depositary: the hub stopped posting to a webhook that kept failing (restricted to
    the party)."""
    WEBHOOK_ENABLED = "webhook.enabled", _("Webhook enabled again")
    """The party: its head turned a disabled webhook back on (restricted to the party)."""
    EXCHANGE_GROUP_CREATED = "exchange.group_created", _("Sharing group created")
    """The group's owner: a sharing group (restricted to its members)."""
    EXCHANGE_GROUP_CHANGED = "exchange.group_changed", _("Sharing group changed")
    """The group's owner: members added or removed (restricted to the members)."""
    EXCHANGE_MESSAGE_SENT = "exchange.message_sent", _("Exchange message sent")
    """The originating party: a message, restricted to its distribution."""
    EXCHANGE_ACCESS_REQUESTED = "exchange.access_requested", _("Access requested")
    """A party asks the originator to pass a message on, or to release it after a hit."""
    EXCHANGE_ACCESS_DECIDED = "exchange.access_decided", _("Access decided")
    """The originator grants or refuses a request for access."""
    EXCHANGE_MESSAGE_PASSED_ON = "exchange.message_passed_on", _("Exchange message passed on")
    """The originator: a message released to another party (its content again, under a
    new commitment)."""


class RecordHead(models.Model):
    """The single row that serialises appends: locking it hands out the next sequence
    number, so the log has no gaps and no two acts share a number."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    size = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"record of {self.size} acts"


class Act(models.Model):
    """One signed act. ``entry`` holds the exact bytes (canonical JSON, RFC 8785) whose
    leaf hash goes into the Merkle tree; the other columns are its decoded, indexed
    form. Content not for all parties stays out of the entry, which holds only a salted
    commitment to it."""

    seq = models.PositiveBigIntegerField(primary_key=True)
    # No `choices`: act types grow with the apps, and the label comes from ActType.
    type = models.CharField(max_length=60, db_index=True)
    charter_version = models.ForeignKey(
        "charters.CharterVersion", on_delete=models.PROTECT, null=True, related_name="acts"
    )
    actor = models.ForeignKey(
        "parties.Party", on_delete=models.PROTECT, null=True, related_name="acts"
    )
    agent = models.ForeignKey(
        "parties.User", on_delete=models.PROTECT, null=True, related_name="acts"
    )
    agent_name = models.CharField(max_length=150, blank=True)
    time = models.DateTimeField(db_index=True)
    refs: models.JSONField[Any, Any] = models.JSONField(default=list)
    content: models.JSONField[Any, Any] = models.JSONField(default=dict)
    # Public acts: SHA-256 of the canonical content. Restricted: SHA-256(salt ‖ content).
    digest = models.CharField(max_length=71)
    salt = models.BinaryField(null=True)
    restricted = models.BooleanField(default=False)
    recipients = models.ManyToManyField("parties.Party", related_name="+", blank=True)
    key = models.ForeignKey("parties.SigningKey", on_delete=models.PROTECT, related_name="+")
    signature = models.BinaryField()
    entry = models.BinaryField()
    leaf_hash = models.BinaryField()

    class Meta:
        ordering = ["seq"]
        indexes = [models.Index(fields=["actor", "seq"])]

    def __str__(self) -> str:
        return f"#{self.seq} {self.type}"

    @property
    def actor_code(self) -> str:
        return self.actor.code if self.actor_id and self.actor else "depositary"

    @property
    def type_label(self) -> str:
        try:
            return str(ActType(self.type).label)
        except ValueError:
            return self.type


TILE_WIDTH = 256
HASH_SIZE = 32


class Tile(models.Model):
    """A full C2SP tlog-tiles tile: the 256 hashes at tree height 8·level, indices
    [256·index, 256·index + 256), and their subtree root. Written once, when the
    append that completes it commits; partial tiles are derived on read. With these
    rows any proof reads at most one tile per level and never scans the log."""

    level = models.PositiveSmallIntegerField()
    index = models.PositiveBigIntegerField()
    hashes = models.BinaryField()
    root = models.BinaryField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["level", "index"], name="tile_unique")]

    def __str__(self) -> str:
        return f"tile {self.level}/{self.index}"


class Checkpoint(models.Model):
    """A signed tree head: a C2SP tlog-checkpoint body signed as a C2SP signed note
    with the depositary's key. ``note`` holds the exact text served."""

    size = models.PositiveBigIntegerField(unique=True)
    root = models.BinaryField()
    note = models.TextField()
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-size"]
        get_latest_by = "size"

    def __str__(self) -> str:
        return f"checkpoint of {self.size}"


class Cosignature(models.Model):
    """A party's witness cosignature of a checkpoint (C2SP tlog-cosignature/v1): the
    party's mirror found the checkpoint consistent with every one it had seen, and holds
    and has checked every entry it covers. ``line`` is the signature line as it is added
    to the checkpoint's note; ``key_act`` is the ``witness.key_registered`` act of the
    key it was checked against."""

    checkpoint = models.ForeignKey(
        Checkpoint, on_delete=models.PROTECT, related_name="cosignatures"
    )
    party = models.ForeignKey("parties.Party", on_delete=models.PROTECT, related_name="+")
    key_act = models.ForeignKey(Act, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=200)
    # The witness's own time of signing, from the cosignature.
    signed_at = models.DateTimeField()
    line = models.TextField()
    received_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["received_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["checkpoint", "party", "name"], name="cosignature_unique"
            )
        ]

    def __str__(self) -> str:
        return f"cosignature of {self.checkpoint_id} by {self.name}"
