"""The exchange between law-enforcement contact points: messages (information, requests
for assistance and replies) in four channels, their distribution, attachments and
structured entities, sharing groups, and requests for access that the originator of the
information decides.

Content is for the parties a message is distributed to. The record holds each message
as an act with a salted commitment to its content; the secretariat sees that a message
exists, who sent it and when, never what it says.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    DRUG_TRAFFICKING = "drug-trafficking", _("Drug trafficking")
    ORGANISED_CRIME = "organised-crime", _("Organised crime")
    TERRORISM = "terrorism", _("Terrorism")
    IRREGULAR_MIGRATION = "irregular-migration", _("Irregular migration")


class Tlp(models.TextChoices):
    """Traffic Light Protocol 2.0 (FIRST)."""

    RED = "red", _("TLP:RED — named recipients only")
    AMBER_STRICT = "amber+strict", _("TLP:AMBER+STRICT — recipient organisation only")
    AMBER = "amber", _("TLP:AMBER — organisation and its clients, need to know")
    GREEN = "green", _("TLP:GREEN — the community")
    CLEAR = "clear", _("TLP:CLEAR — no restriction")


class Handling(models.TextChoices):
    """Handling codes as in Europol's SIENA."""

    H0 = "H0", _("H0 — use only to prevent and combat crime")
    H1 = "H1", _("H1 — not for use in court without the provider's permission")
    H2 = "H2", _("H2 — not to be passed on without the provider's permission")
    H3 = "H3", _("H3 — other restrictions (stated)")


class Reliability(models.TextChoices):
    """Source reliability (4×4 evaluation)."""

    A = "A", _("A — no doubt about the source")
    B = "B", _("B — source mostly reliable")
    C = "C", _("C — source mostly not reliable")
    X = "X", _("X — reliability cannot be assessed")


class Accuracy(models.TextChoices):
    """Information accuracy (4×4 evaluation)."""

    ONE = "1", _("1 — known to be true without reservation")
    TWO = "2", _("2 — known personally to the source")
    THREE = "3", _("3 — not known personally to the source, corroborated")
    FOUR = "4", _("4 — cannot be judged")


class Kind(models.TextChoices):
    INFORMATION = "information", _("Information")
    REQUEST = "request", _("Request for assistance")
    REPLY = "reply", _("Reply")


class SharingGroup(models.Model):
    """A standing distribution list kept by one party. With ``hidden_membership`` its
    members see that they belong to it, never who else does."""

    charter = models.ForeignKey("charters.Charter", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=120)
    owner = models.ForeignKey("parties.Party", on_delete=models.PROTECT, related_name="+")
    hidden_membership = models.BooleanField(default=False)
    members = models.ManyToManyField("parties.Party", related_name="sharing_groups")
    created_at = models.DateTimeField()
    act = models.ForeignKey("record.Act", on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], name="sharing_group_name_once")
        ]

    def __str__(self) -> str:
        return self.name


class Case(models.Model):
    """A thread of messages on one matter: opened by its first message, joined by
    replies and follow-ups. Seen by whoever may see one of its messages."""

    charter = models.ForeignKey("charters.Charter", on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(max_length=30, choices=Channel.choices)
    opened_by = models.ForeignKey("parties.Party", on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField()

    class Meta:
        ordering = ["-opened_at"]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        return f"CASE-{self.pk}"


class Message(models.Model):
    """One message from a party's contact point: information, a request for assistance
    (with a deadline) or a reply. A message is stored when it is sent and never changes;
    the act that sent it commits to its content."""

    charter_version = models.ForeignKey(
        "charters.CharterVersion", on_delete=models.PROTECT, related_name="+"
    )
    case = models.ForeignKey(Case, on_delete=models.PROTECT, null=True, related_name="messages")
    channel = models.CharField(max_length=30, choices=Channel.choices)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.INFORMATION)
    originator = models.ForeignKey(
        "parties.Party", on_delete=models.PROTECT, related_name="exchange_messages"
    )
    author = models.ForeignKey("parties.User", on_delete=models.PROTECT, related_name="+")
    in_reply_to = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="replies"
    )
    subject = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    tlp = models.CharField(max_length=20, choices=Tlp.choices)
    handling = models.CharField(max_length=2, choices=Handling.choices)
    handling_note = models.CharField(max_length=300, blank=True)
    reliability = models.CharField(max_length=1, choices=Reliability.choices)
    accuracy = models.CharField(max_length=1, choices=Accuracy.choices)
    group = models.ForeignKey(
        SharingGroup, on_delete=models.PROTECT, null=True, blank=True, related_name="messages"
    )
    # Whether other parties' hit/no-hit queries may find this message's entities.
    findable = models.BooleanField(default=True)
    due_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(db_index=True)
    act = models.OneToOneField(
        "record.Act", on_delete=models.PROTECT, related_name="exchange_message"
    )

    class Meta:
        ordering = ["-sent_at", "-id"]
        indexes = [models.Index(fields=["originator", "channel", "sent_at"])]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        """The message's reference: its record number, e.g. MSG-5120."""
        return f"MSG-{self.act_id}"


class Via(models.TextChoices):
    DIRECT = "direct", _("Named recipient")
    GROUP = "group", _("Sharing group")
    PASSED_ON = "passed-on", _("Passed on with the originator's consent")
    REQUESTED = "requested", _("Released on request after a hit")
    THREAD = "thread", _("Party to the thread")


class Distribution(models.Model):
    """A party a message was distributed to, how, and by which act."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="distribution")
    party = models.ForeignKey("parties.Party", on_delete=models.PROTECT, related_name="+")
    via = models.CharField(max_length=20, choices=Via.choices)
    act = models.ForeignKey("record.Act", on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ["party__code"]
        constraints = [
            models.UniqueConstraint(fields=["message", "party"], name="distribution_once")
        ]

    def __str__(self) -> str:
        return f"{self.message} → {self.party_id} ({self.via})"


class Attachment(models.Model):
    """A file sent with a message; its SHA-256 is part of the committed content."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    data = models.BinaryField()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class Entity(models.Model):
    """A structured entity in a message (person, vessel, phone, …), normalised. Held by
    the message's originator, who decides whether to release it after a hit."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="entities")
    holder = models.ForeignKey("parties.Party", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20)
    data: models.JSONField[Any, Any] = models.JSONField(default=dict)
    label = models.CharField(max_length=300)
    birth_date = models.DateField(null=True, blank=True)
    # The opaque reference a hit names: says nothing of the entity or its message.
    reference = models.CharField(max_length=24, unique=True)
    # Copied from the message when it is sent, so hit queries read one table.
    findable = models.BooleanField(default=False)

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "entities"

    def __str__(self) -> str:
        return self.label


class EntityKey(models.Model):
    """One lookup key of an entity, as a 64-bit hash: an exact identifier (IMO number,
    IBAN, E.164 phone, document number, …) or a blocking key of a name. A hit query
    looks its own keys up here and scores only the candidates it finds."""

    entity = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="keys")
    key = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["key"])]
        constraints = [models.UniqueConstraint(fields=["entity", "key"], name="entity_key_once")]

    def __str__(self) -> str:
        return f"{self.entity_id}: {self.key}"


class AccessKind(models.TextChoices):
    PASS_ON = "pass-on", _("Pass on to another party")
    HIT = "hit", _("Information after a hit")


class AccessState(models.TextChoices):
    PENDING = "pending", _("Awaiting the originator's decision")
    GRANTED = "granted", _("Granted")
    REFUSED = "refused", _("Refused")


class AccessRequest(models.Model):
    """A request to the originator of a message: to pass it on to another party, or to
    release the information behind a hit. The originator decides; both are acts."""

    kind = models.CharField(max_length=10, choices=AccessKind.choices)
    message = models.ForeignKey(Message, on_delete=models.PROTECT, related_name="access_requests")
    entity = models.ForeignKey(Entity, on_delete=models.PROTECT, null=True, related_name="+")
    requester = models.ForeignKey("parties.Party", on_delete=models.PROTECT, related_name="+")
    # The party that would receive the message: the requester itself after a hit, a third
    # party for passing on.
    beneficiary = models.ForeignKey("parties.Party", on_delete=models.PROTECT, related_name="+")
    holder = models.ForeignKey("parties.Party", on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()
    state = models.CharField(
        max_length=10, choices=AccessState.choices, default=AccessState.PENDING
    )
    requested_by = models.ForeignKey("parties.User", on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField()
    request_act = models.ForeignKey("record.Act", on_delete=models.PROTECT, related_name="+")
    decided_by = models.ForeignKey(
        "parties.User", on_delete=models.PROTECT, null=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True)
    decision_note = models.TextField(blank=True)
    decision_act = models.ForeignKey(
        "record.Act", on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"{self.kind} request {self.pk} ({self.state})"
