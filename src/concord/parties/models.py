"""Parties, their participation in charters, delegations (users), API tokens and keys."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PartyKind(models.TextChoices):
    STATE = "state", _("State")
    ORGANISATION = "organisation", _("International organisation")


class Party(models.Model):
    """A state (ISO 3166 code) or an international organisation. All parties are equal:
    nothing here gives one party a power another lacks."""

    code = models.SlugField(
        max_length=20,
        unique=True,
        help_text="Lower-case ISO 3166-1 alpha-2 code for a state; short id for an organisation.",
    )
    kind = models.CharField(max_length=20, choices=PartyKind.choices)
    # English name; other languages come from pycountry (states) or the charter (organisations).
    name = models.CharField(max_length=200)
    names: models.JSONField[Any, Any] = models.JSONField(default=dict, blank=True)
    abbreviation = models.CharField(max_length=20, blank=True)
    registered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "parties"

    def __str__(self) -> str:
        return self.name

    @property
    def is_state(self) -> bool:
        return self.kind == PartyKind.STATE

    def display_name(self, language: str | None = None) -> str:
        """The party's name in the given language (default: the active one)."""
        from django.utils.translation import get_language

        lang = (language or get_language() or "en").split("-")[0]
        if lang in self.names:
            return str(self.names[lang])
        return self.name


class Status(models.TextChoices):
    APPLICANT = "applicant", _("Applicant")
    SIGNATORY = "signatory", _("Signatory")
    PARTY = "party", _("Party")
    OBSERVER = "observer", _("Observer")
    SUSPENDED = "suspended", _("Suspended")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Participation(models.Model):
    """A party's status under one charter. Changed only through parties.services, each
    change an act; ``ParticipationChange`` keeps the history."""

    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="participations")
    charter = models.ForeignKey(
        "charters.Charter", on_delete=models.PROTECT, related_name="participations"
    )
    status = models.CharField(max_length=20, choices=Status.choices)
    since = models.DateTimeField()
    # Set when the party has given notice of withdrawal that takes effect later.
    withdrawal_effective_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["charter__code", "party__code"]
        constraints = [
            models.UniqueConstraint(fields=["party", "charter"], name="participation_unique")
        ]

    def __str__(self) -> str:
        return f"{self.party.code} in {self.charter.code}: {self.status}"

    def effective_status(self, at: Any = None) -> str:
        """The status now, counting a withdrawal whose notice period has run out even
        while the worker that records it has not yet run."""
        from concord import clock

        at = at or clock.now()
        if self.withdrawal_effective_at and at >= self.withdrawal_effective_at:
            return Status.WITHDRAWN
        return self.status


class ParticipationChange(models.Model):
    """One step in a party's history under a charter, tied to the act that made it."""

    participation = models.ForeignKey(
        Participation, on_delete=models.PROTECT, related_name="changes"
    )
    status = models.CharField(max_length=20, choices=Status.choices)
    at = models.DateTimeField()
    act = models.ForeignKey("record.Act", on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.participation} → {self.status} at {self.at:%Y-%m-%d}"


class AccessionConsent(models.Model):
    """A party's consent to another party's accession (charters whose rule is the
    consent of all parties)."""

    applicant = models.ForeignKey(Participation, on_delete=models.PROTECT, related_name="consents")
    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="+")
    act = models.ForeignKey("record.Act", on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["applicant", "party"], name="consent_once")]

    def __str__(self) -> str:
        return f"consent by party {self.party_id} to {self.applicant}"


class Role(models.TextChoices):
    HEAD = "head", _("Head of delegation")
    DELEGATE = "delegate", _("Delegate")
    CONTACT_POINT = "contact-point", _("Contact point")
    VERIFICATION_OFFICER = "verification-officer", _("Verification officer")
    OBSERVER = "observer", _("Observer")
    SECRETARIAT = "secretariat", _("Secretariat officer")


DELEGATION_ROLES = [r for r in Role if r != Role.SECRETARIAT]


class User(AbstractUser):
    """A person. Belongs to one party's delegation (``party`` set) or to the secretariat
    (``party`` empty, role ``secretariat``); acts for that party only."""

    party = models.ForeignKey(
        Party, on_delete=models.PROTECT, null=True, blank=True, related_name="members"
    )
    roles: models.JSONField[Any, Any] = models.JSONField(default=list, blank=True)
    language = models.CharField(max_length=8, default="en")
    time_zone = models.CharField(max_length=64, default="UTC")
    # TOTP shared secret, encrypted like signing keys; empty until enrolled.
    totp_secret_encrypted = models.BinaryField(null=True, blank=True, editable=False)
    totp_confirmed_at = models.DateTimeField(null=True, blank=True)
    totp_last_step = models.BigIntegerField(default=0)
    failed_logins = models.PositiveIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)
    must_change_password = models.BooleanField(default=False)

    class Meta:
        ordering = ["username"]

    @property
    def is_secretariat(self) -> bool:
        return self.party_id is None and Role.SECRETARIAT in self.roles

    def has_role(self, *roles: str) -> bool:
        return any(r in self.roles for r in roles)

    @property
    def needs_second_factor(self) -> bool:
        """Heads of delegation and secretariat officers sign in with a second factor."""
        return self.has_role(Role.HEAD, Role.SECRETARIAT)

    @property
    def has_totp(self) -> bool:
        return self.totp_confirmed_at is not None

    def role_labels(self) -> list[str]:
        return [str(Role(r).label) for r in self.roles if r in Role.values]


class ApiToken(models.Model):
    """A bearer token for the REST API. Only a SHA-256 digest is kept; the token is
    shown once, when created."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, unique=True)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix} ({self.name})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class SigningKey(models.Model):
    """An Ed25519 key that signs acts: a party's (``party`` set) or the depositary's.
    The private half is encrypted at rest; the public half is published with its
    validity period."""

    party = models.ForeignKey(
        Party, on_delete=models.PROTECT, null=True, blank=True, related_name="keys"
    )
    key_id = models.CharField(max_length=16, unique=True)
    public_key = models.BinaryField()
    private_key_encrypted = models.BinaryField(editable=False)
    valid_from = models.DateTimeField()
    valid_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["party__code", "valid_from"]

    def __str__(self) -> str:
        return self.key_id

    @property
    def public_key_b64(self) -> str:
        import base64

        return base64.b64encode(bytes(self.public_key)).decode()

    @property
    def owner_code(self) -> str:
        return self.party.code if self.party else "depositary"

    def is_valid_at(self, at: Any) -> bool:
        return self.valid_from <= at and (self.valid_until is None or at < self.valid_until)
