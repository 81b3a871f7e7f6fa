"""Procedures: the charter's mechanisms for raising and settling concerns — requests
for explanation, consultations, conferences and meetings, reviews, disputes — each a
timeline of acts on the charter's clock."""

from __future__ import annotations

import re

from django.db import models
from django.utils import timezone
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from concord.charters.labels import decision_rule_label
from concord.charters.loader import text


class State(models.TextChoices):
    AWAITING_REPLY = "awaiting-reply", _("Awaiting reply")
    OVERDUE = "overdue", _("Overdue")
    REPLIED = "replied", _("Replied")
    MEETING_REQUESTED = "meeting-requested", _("Meeting requested")
    OPEN = "open", _("Open")
    GATHERING_SUPPORT = "gathering-support", _("Gathering support")
    CONVENED = "convened", _("Convened")
    IN_SESSION = "in-session", _("In session")
    REPORT_SUBMITTED = "report-submitted", _("Report before the parties")
    CLOSED = "closed", _("Closed")


def state_label(state: str) -> str:
    """A procedure's state as people read it (the code itself for one not known here)."""
    return str(State(state).label) if state in State.values else state


class Means(models.TextChoices):
    """The means of peaceful settlement a dispute may be in, as far as its charter's
    dispute-settlement mechanism allows them (``means``)."""

    NEGOTIATION = "negotiation", _("Negotiation")
    GOOD_OFFICES = "good-offices", _("Good offices")
    MEDIATION = "mediation", _("Mediation")
    CONCILIATION = "conciliation", _("Conciliation")
    ARBITRATION = "arbitration", _("Arbitration")


def state_after(state: str, action: str) -> str:
    """What a deadline's ``action`` makes of a procedure in ``state`` when it falls due.
    The worker applies it; pages apply the same rule on read, so both agree."""
    if action == "overdue":
        return State.OVERDUE if state == State.AWAITING_REPLY else state
    if action in ("close", "close-unsupported"):
        # A request that gathered its support in time stays convened.
        return state if state == State.CONVENED else State.CLOSED
    if action == "open-session":
        return State.IN_SESSION if state == State.CONVENED else state
    if action == "end-session":
        return State.CLOSED
    if action == "report-lapse":
        return State.CLOSED if state == State.REPORT_SUBMITTED else state
    # A dispute's offer that lapses ("offer-lapse") or an award's period that passes
    # ("award-overdue") leaves the dispute as it was.
    return state


class Procedure(models.Model):
    """One use of a charter mechanism. ``state`` is what the acts have made it; the
    state shown also counts deadlines that have passed (``selectors.state_of``)."""

    charter_version = models.ForeignKey(
        "charters.CharterVersion", on_delete=models.PROTECT, related_name="procedures"
    )
    mechanism = models.CharField(max_length=60)
    kind = models.CharField(max_length=40)
    initiator = models.ForeignKey("parties.Party", on_delete=models.PROTECT, related_name="+")
    respondent = models.ForeignKey(
        "parties.Party", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    subject = models.CharField(max_length=300)
    state = models.CharField(max_length=30, choices=State.choices)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    act = models.OneToOneField("record.Act", on_delete=models.PROTECT, related_name="procedure")
    opened_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    # Meetings open to every party (conferences, emergency meetings) are seen by all.
    open_to_all = models.BooleanField(default=False)
    # The means of settlement a dispute is in now; empty for other procedures and for
    # disputes under a charter that lists no means.
    means = models.CharField(max_length=20, choices=Means.choices, blank=True, default="")

    class Meta:
        ordering = ["-opened_at"]

    def __str__(self) -> str:
        return f"{self.mechanism} #{self.pk}"

    @property
    def mechanism_title(self) -> str:
        """The mechanism's title in the active language, as the charter version the
        procedure was opened under gives it; its id if that version has no such title."""
        language = (get_language() or "en").split("-")[0]
        for mechanism in self.charter_version.document.get("mechanisms", []):
            if mechanism.get("id") == self.mechanism:
                return text(mechanism.get("title"), language) or self.mechanism
        return self.mechanism


class Role(models.TextChoices):
    INITIATOR = "initiator", _("Initiator")
    RESPONDENT = "respondent", _("Respondent")
    INVITED = "invited", _("Invited")
    JOINED = "joined", _("Joined")
    PRESENT = "present", _("Present")
    SUPPORTER = "supporter", _("Supporter")
    CHAIR = "chair", _("Chair")
    RAPPORTEUR = "rapporteur", _("Rapporteur")
    THIRD_PARTY = "third-party", _("Third party")


class Participant(models.Model):
    """A party's part in a procedure; one party may hold several roles (initiator and
    present, say). A meeting has at most one chair and one rapporteur at a time; a
    dispute's third party (good offices, mediation) takes part once every party to the
    dispute has accepted it."""

    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="participants")
    party = models.ForeignKey("parties.Party", on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=20, choices=Role.choices)
    since = models.DateTimeField()

    class Meta:
        ordering = ["since", "id"]
        constraints = [
            models.UniqueConstraint(fields=["procedure", "party", "role"], name="participant_once")
        ]

    def __str__(self) -> str:
        return f"{self.party_id} as {self.role} in {self.procedure_id}"


class Step(models.Model):
    """One act in a procedure's timeline: a reply, a statement, a proposal, an
    objection, a decision, a deadline that passed, a chair assigned, a conciliation
    report and each disputing party's acceptance or rejection of it."""

    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="steps")
    act = models.OneToOneField("record.Act", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=30)
    party = models.ForeignKey(
        "parties.Party", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    text = models.TextField(blank=True)
    # The proposal an amendment, objection or interpretative statement is about (or the
    # conciliation report an acceptance or rejection answers).
    proposal = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="responses"
    )
    # The party a depositary's step assigns as chair or rapporteur.
    assignee = models.ForeignKey(
        "parties.Party", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} in {self.procedure_id}"


#: What each of a procedure's named deadlines is for, as people read it.
DEADLINE_LABELS = {
    "reply": _("Reply"),
    "meeting": _("Meeting"),
    "object": _("Objections"),
    "support": _("Support for the request"),
    "convene": _("Convening"),
    "opens": _("Opening of the meeting"),
    "session": _("End of the session"),
    "respond": _("Responses"),
    "award": _("Arbitral award"),
}
# Deadlines named after the step they run for: a draft decision under the silence
# procedure, a proposal before the parties to a dispute.
_STEP_DEADLINE = re.compile(r"(silence|offer)-([0-9]+)")


class Deadline(models.Model):
    """A due time from the charter. The worker carries out ``action`` once when it
    falls due (rows locked, ``done_at`` set in the same transaction); pages compute the
    same state on read, so nothing is wrong while the worker is down."""

    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="deadlines")
    name = models.CharField(max_length=40)
    due_at = models.DateTimeField(db_index=True)
    action = models.CharField(max_length=30)
    proposal = models.ForeignKey(
        Step, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    done_at = models.DateTimeField(null=True, blank=True)
    cancelled = models.BooleanField(default=False)
    # When the deadline was set (its period runs from here) and when it was reminded.
    created_at = models.DateTimeField(default=timezone.now)
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_at"]
        constraints = [models.UniqueConstraint(fields=["procedure", "name"], name="deadline_once")]

    def __str__(self) -> str:
        return f"{self.name} of {self.procedure_id} due {self.due_at:%Y-%m-%d %H:%M}"

    @property
    def label(self) -> str:
        """The deadline's name as people read it, in the active language."""
        found = DEADLINE_LABELS.get(self.name)
        if found is not None:
            return str(found)
        step = _STEP_DEADLINE.fullmatch(self.name)
        if step is None:
            return self.name
        if step.group(1) == "silence":
            return gettext("Silence procedure on draft #%(number)s") % {"number": step.group(2)}
        return gettext("Answers to proposal #%(number)s") % {"number": step.group(2)}


class Decision(models.Model):
    """An adopted decision: numbered per charter, its text published to all parties."""

    procedure = models.ForeignKey(Procedure, on_delete=models.PROTECT, related_name="decisions")
    charter = models.ForeignKey("charters.Charter", on_delete=models.PROTECT, related_name="+")
    number = models.PositiveIntegerField()
    text = models.TextField()
    rule = models.CharField(max_length=40)
    proposal = models.OneToOneField(Step, on_delete=models.PROTECT, related_name="decision")
    act = models.OneToOneField("record.Act", on_delete=models.PROTECT, related_name="+")
    adopted_at = models.DateTimeField()

    class Meta:
        ordering = ["-adopted_at"]
        constraints = [
            models.UniqueConstraint(fields=["charter", "number"], name="decision_number_once")
        ]

    def __str__(self) -> str:
        return f"Decision {self.number}"

    @property
    def rule_label(self) -> str:
        """The decision rule it was adopted by, as people read it."""
        return decision_rule_label(self.rule)


class OfferKind(models.TextChoices):
    MEANS = "means", _("Another means of settlement")
    THIRD_PARTY = "third-party", _("A third party")
    MEDIATION = "mediation-proposal", _("A mediator's proposal")


class OfferStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting the parties' answers")
    ACCEPTED = "accepted", _("Accepted by every party to the dispute")
    REJECTED = "rejected", _("Rejected")
    LAPSED = "lapsed", _("Not accepted within the period")
    SUPERSEDED = "superseded", _("Superseded")


class SettlementOffer(models.Model):
    """What every party to a dispute must accept before it takes effect: taking the
    dispute to another means of settlement (for arbitration, their consent), a third
    party for good offices or mediation, or a mediator's proposal. ``step`` is the act
    that made it; each party's accept or reject answers that step. A party's own
    proposal of a means or a third party counts as its acceptance."""

    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="offers")
    step = models.OneToOneField(Step, on_delete=models.PROTECT, related_name="offer")
    kind = models.CharField(max_length=20, choices=OfferKind.choices)
    # The means proposed (kind means), or the means the offer is made in.
    means = models.CharField(max_length=20, choices=Means.choices)
    # The third party proposed: another party to the charter, or the secretariat or a
    # named person, recorded as text.
    third_party = models.ForeignKey(
        "parties.Party", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    third_party_name = models.CharField(max_length=200, blank=True)
    status = models.CharField(
        max_length=20, choices=OfferStatus.choices, default=OfferStatus.PENDING
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    # A third party's appointment ends when the dispute moves to another means or
    # another third party is accepted in its place.
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["step__at", "step_id"]

    def __str__(self) -> str:
        return f"{self.kind} offer in {self.procedure_id}"

    @property
    def third_party_label(self) -> str:
        """Who the third party is, as the pages and the API show it."""
        return self.third_party.display_name() if self.third_party else self.third_party_name


class Award(models.Model):
    """An arbitral tribunal's award in a dispute, recorded by the secretariat: numbered
    per charter, final and binding on the parties to the dispute, published to them
    like a conciliation report."""

    procedure = models.OneToOneField(Procedure, on_delete=models.PROTECT, related_name="award")
    charter = models.ForeignKey("charters.Charter", on_delete=models.PROTECT, related_name="+")
    number = models.PositiveIntegerField()
    text = models.TextField()
    step = models.OneToOneField(Step, on_delete=models.PROTECT, related_name="award")
    rendered_at = models.DateTimeField()

    class Meta:
        ordering = ["-rendered_at"]
        constraints = [
            models.UniqueConstraint(fields=["charter", "number"], name="award_number_once")
        ]

    def __str__(self) -> str:
        return f"Award {self.number}"
