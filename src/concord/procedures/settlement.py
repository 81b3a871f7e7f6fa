"""Peaceful settlement of disputes: the means a dispute is in — negotiation, good
offices, mediation, conciliation, arbitration, as far as the charter's dispute-settlement
mechanism allows them (``means``, each with its periods) — and how it moves between them.

A party to the dispute proposes another means; the dispute moves when every other party
to it accepts (for arbitration, those acceptances and the proposal are their consent). In
good offices and mediation a party to the dispute proposes a third party — another party
to the charter, or the secretariat or a named person recorded as text — who acts once
every party to the dispute has accepted it: the third party (or the secretariat on its
behalf) records its contacts and, in mediation, proposals each party to the dispute
accepts or rejects (not binding: a rejection ends that proposal, not the dispute). In
arbitration the secretariat records the tribunal's award (``arbitration``).

Conciliation reports are in ``conciliation``. The periods (``appoint``, ``respond``,
``award``) are carried out by ``deadlines.due_apply`` and shown on read by
``selectors.settlement_of``."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from concord import clock
from concord.charters.models import Charter
from concord.parties.models import Party, User
from concord.parties.services import NotPermitted, ServiceError
from concord.procedures import selectors
from concord.procedures.acts import (
    acting_party,
    deadline_finish,
    deadline_set,
    definition_of,
    depositary_step_append,
    is_party,
    means_of,
    means_period,
    participant_add,
    roles_of,
    step_append,
    text_clean,
)
from concord.procedures.deadlines import at_minute, procedure_lock
from concord.procedures.models import (
    Means,
    OfferKind,
    OfferStatus,
    Procedure,
    SettlementOffer,
    State,
    Step,
)
from concord.procedures.models import Role as PRole

# The steps of settlement, each through its own service (the API and the pages route
# them here); answers to an offer are the ordinary ``accept`` and ``reject`` steps.
SETTLEMENT_STEPS = {
    "propose-means",
    "propose-third-party",
    "contact",
    "mediation-proposal",
    "award",
}
THIRD_PARTY_MEANS = {Means.GOOD_OFFICES, Means.MEDIATION}
# Means that run only with every disputing party's recorded consent.
CONSENT_MEANS = {Means.ARBITRATION}
MAX_NAME = 200

ERR_NOT_A_DISPUTE = gettext_noop("Means of settlement apply to a dispute.")
ERR_MEANS_NOT_DISPUTE = gettext_noop("Only a dispute is settled by a means of settlement.")
ERR_NO_MEANS = gettext_noop("%(charter)s lists no means of settlement for this mechanism.")
ERR_MEANS_REQUIRED = gettext_noop("Choose the means of settlement.")
ERR_MEANS_UNKNOWN = gettext_noop(
    "%(means)s is not a means of settlement: choose negotiation, good-offices, mediation,"
    " conciliation or arbitration."
)
ERR_MEANS_NOT_ALLOWED = gettext_noop(
    "The charter does not provide for this means of settlement in this mechanism:"
    " %(means)s. It allows: %(allowed)s."
)
ERR_MEANS_CURRENT = gettext_noop("The dispute is already in this means of settlement: %(means)s.")
ERR_OPEN_IN_ARBITRATION = gettext_noop(
    "Arbitration needs the consent of every party to the dispute: open the dispute in"
    " another means and propose arbitration; the others' acceptance is their consent."
)
ERR_NOT_DISPUTING = gettext_noop(
    "Only the parties to the dispute propose, accept or reject its means of settlement,"
    " its third party and the mediator's proposals."
)
ERR_REPORT_BEFORE = gettext_noop(
    "A conciliation report is before the parties; they answer it before anything else."
)
ERR_THIRD_PARTY_MEANS = gettext_noop(
    "A third party acts in good offices or mediation; the dispute's means of settlement"
    " is: %(means)s."
)
ERR_THIRD_PARTY_WHO = gettext_noop(
    "Name the third party: another party to the charter, or the secretariat or a person as text."
)
ERR_THIRD_PARTY_BOTH = gettext_noop("Name either a party or a person, not both.")
ERR_THIRD_PARTY_NOT_PARTY = gettext_noop("%(party)s is not a party to this charter.")
ERR_THIRD_PARTY_DISPUTING = gettext_noop("%(party)s is a party to the dispute, not a third party.")
ERR_THIRD_PARTY_NAME_LONG = gettext_noop("The name is longer than 200 characters.")
ERR_OFFER_CLOSED = gettext_noop("This proposal is no longer open: %(status)s.")
ERR_OFFER_PERIOD_OVER = gettext_noop("The period to answer this proposal ended on %(due)s UTC.")
ERR_OFFER_OWN = gettext_noop("Your party made this proposal; making it was its acceptance.")
ERR_OFFER_ANSWERED = gettext_noop("Your party has already answered this proposal.")
ERR_NO_THIRD_PARTY = gettext_noop(
    "No third party has yet been accepted by every party to the dispute."
)
ERR_NOT_THIRD_PARTY = gettext_noop(
    "Only the third party accepted by every party to the dispute, or the secretariat on"
    " its behalf, records this."
)
ERR_MEDIATION_ONLY = gettext_noop(
    "Proposals for settlement are made in mediation; in good offices the third party"
    " brings the parties together."
)
ERR_JOIN_ARBITRATION = gettext_noop(
    "No party joins a dispute before an arbitral tribunal: the award binds only the"
    " parties that consented to arbitration."
)
ERR_JOIN_THIRD_PARTY = gettext_noop("The third party does not join the dispute it helps settle.")
ERR_END_ARBITRATION = gettext_noop(
    "The dispute is before an arbitral tribunal: it ends with the award, or when the"
    " parties agree to another means."
)


def means_label(means: str) -> str:
    return str(Means(means).label) if means in Means.values else means


# --- checks ---------------------------------------------------------------------------


def dispute_require(procedure: Procedure) -> None:
    if procedure.kind != "dispute-settlement":
        raise ServiceError(_(ERR_NOT_A_DISPUTE), field="kind")


def _disputing_require(procedure: Procedure, party: Party) -> None:
    if not roles_of(procedure, party) & set(selectors.DISPUTING):
        raise NotPermitted(_(ERR_NOT_DISPUTING), field="kind")


def _means_check(charter: Charter, definition: dict[str, Any], means: str) -> str:
    """``means`` if the charter's mechanism allows it; a refusal naming the field."""
    allowed = means_of(definition)
    if not allowed:
        raise ServiceError(_(ERR_NO_MEANS) % {"charter": charter.code}, field="means")
    if not means:
        raise ServiceError(_(ERR_MEANS_REQUIRED), field="means")
    if means not in Means.values:
        raise ServiceError(_(ERR_MEANS_UNKNOWN) % {"means": means[:40]}, field="means")
    if means not in allowed:
        raise ServiceError(
            _(ERR_MEANS_NOT_ALLOWED)
            % {"means": means_label(means), "allowed": ", ".join(map(means_label, allowed))},
            field="means",
        )
    return means


def opening_means(charter: Charter, definition: dict[str, Any], requested: str) -> str:
    """The means a dispute opens in: the one its initiator names, else the mechanism's
    ``default_means`` (or the first it allows, from negotiation to conciliation); empty
    when the charter lists none.
    Arbitration is not opened by one party: it needs every disputing party's consent."""
    requested = (requested or "").strip()
    allowed = means_of(definition)
    if definition.get("kind") != "dispute-settlement":
        if requested:
            raise ServiceError(_(ERR_MEANS_NOT_DISPUTE), field="means")
        return ""
    if not allowed and not requested:
        return ""
    means = requested or str(definition.get("default_means") or next(iter(allowed)))
    _means_check(charter, definition, means)
    if means in CONSENT_MEANS:
        raise ServiceError(_(ERR_OPEN_IN_ARBITRATION), field="means")
    return means


def join_check(procedure: Procedure, party: Party) -> None:
    """A party joins a dispute (and becomes a party to it) except before an arbitral
    tribunal, which the joining party has not consented to, or as its third party."""
    if PRole.THIRD_PARTY in roles_of(procedure, party):
        raise ServiceError(_(ERR_JOIN_THIRD_PARTY), field="kind")
    if procedure.means in CONSENT_MEANS:
        raise ServiceError(_(ERR_JOIN_ARBITRATION), field="kind")


def unilateral_end_check(procedure: Procedure) -> None:
    """No one party ends a dispute its parties have agreed to put to arbitration."""
    if procedure.kind == "dispute-settlement" and procedure.means in CONSENT_MEANS:
        raise ServiceError(_(ERR_END_ARBITRATION), field="kind")


# --- offers ----------------------------------------------------------------------------


def _supersede(procedure: Procedure, *kinds: str) -> int | None:
    """End the pending offers of these kinds (a new one replaces them, or the dispute
    moved on); returns the step of the one replaced, if any."""
    replaced = None
    for offer in procedure.offers.filter(kind__in=kinds, status=OfferStatus.PENDING):
        offer.status = OfferStatus.SUPERSEDED
        offer.decided_at = clock.now()
        offer.save(update_fields=["status", "decided_at"])
        deadline_finish(procedure, f"offer-{offer.step_id}")
        replaced = offer.step_id
    return replaced


def _appointment_end(procedure: Procedure, keep: SettlementOffer | None = None) -> None:
    """The third party accepted earlier stops acting (all of them but ``keep``)."""
    ending = procedure.offers.filter(
        kind=OfferKind.THIRD_PARTY, status=OfferStatus.ACCEPTED, ended_at__isnull=True
    )
    if keep is not None:
        ending = ending.exclude(pk=keep.pk)
    ending.update(ended_at=clock.now())


def _offer_make(
    procedure: Procedure,
    step: Step,
    kind: str,
    means: str,
    *,
    period: str = "",
    third_party: Party | None = None,
    third_party_name: str = "",
) -> SettlementOffer:
    offer = SettlementOffer.objects.create(
        procedure=procedure,
        step=step,
        kind=kind,
        means=means,
        third_party=third_party,
        third_party_name=third_party_name,
    )
    if period:
        due = means_period(definition_of(procedure), means, period, step.at)
        deadline_set(procedure, f"offer-{step.pk}", due, "offer-lapse", step)
    return offer


OUTCOMES = {
    OfferKind.MEANS: ("means-agreed", "means-declined"),
    OfferKind.THIRD_PARTY: ("third-party-appointed", "third-party-declined"),
    OfferKind.MEDIATION: ("mediation-accepted", "mediation-rejected"),
}


def _offer_decide(procedure: Procedure, offer: SettlementOffer) -> None:
    """Carry an offer out once every party to the dispute has accepted it (its proposer
    by proposing), or end it at the first rejection; otherwise it stays pending."""
    parties = selectors.disputing_parties(procedure)
    answers = {s.party_id: s for s in offer.step.responses.filter(kind__in=("accept", "reject"))}
    accepted = [
        p for p in parties if p.pk == offer.step.party_id or _answered(answers, p, "accept")
    ]
    rejected = [p for p in parties if _answered(answers, p, "reject")]
    if not rejected and len(accepted) < len(parties):
        return
    agreed, refused = OUTCOMES[OfferKind(offer.kind)]
    offer.status = OfferStatus.REJECTED if rejected else OfferStatus.ACCEPTED
    offer.decided_at = clock.now()
    offer.save(update_fields=["status", "decided_at"])
    deadline_finish(procedure, f"offer-{offer.step_id}")
    content: dict[str, Any] = {
        "offer": offer.step_id,
        "means": offer.means,
        "accepted": sorted(p.code for p in accepted),
        "rejected": sorted(p.code for p in rejected),
    }
    refs = [offer.step.act_id, *(s.act_id for s in answers.values())]
    if rejected:
        depositary_step_append(procedure, refused, content, refs, proposal=offer.step)
        return
    if offer.kind == OfferKind.MEANS:
        _means_change(procedure, offer, content, refs)
    elif offer.kind == OfferKind.THIRD_PARTY:
        _appointment_end(procedure, keep=offer)
        if offer.third_party is not None:
            participant_add(procedure, offer.third_party, PRole.THIRD_PARTY)
        depositary_step_append(
            procedure,
            agreed,
            {**content, "third_party": _third_party_content(offer)},
            refs,
            proposal=offer.step,
            assignee=offer.third_party,
            text=offer.third_party_name,
        )
    else:
        depositary_step_append(procedure, agreed, content, refs, proposal=offer.step)


def _answered(answers: dict[int | None, Step], party: Party, kind: str) -> bool:
    found = answers.get(party.pk)
    return found is not None and found.kind == kind


def _third_party_content(offer: SettlementOffer) -> dict[str, str]:
    if offer.third_party is not None:
        return {"party": offer.third_party.code}
    return {"name": offer.third_party_name}


def _means_change(
    procedure: Procedure, offer: SettlementOffer, content: dict[str, Any], refs: list[int]
) -> None:
    """Every party to the dispute agreed: it moves to the offered means. A third party's
    part ends with the means it acted in; arbitration starts its period for the award."""
    previous = procedure.means
    procedure.means = offer.means
    procedure.save(update_fields=["means"])
    _appointment_end(procedure)
    _supersede(procedure, OfferKind.THIRD_PARTY, OfferKind.MEDIATION)
    if previous in CONSENT_MEANS:
        deadline_finish(procedure, "award")
    step = depositary_step_append(
        procedure,
        "means-agreed",
        {**content, "from": previous, "consent": offer.means in CONSENT_MEANS},
        refs,
        proposal=offer.step,
    )
    if offer.means in CONSENT_MEANS:
        due = means_period(definition_of(procedure), offer.means, "award", step.at)
        deadline_set(procedure, "award", due, "award-overdue")


def offer_answer(
    procedure: Procedure, party: Party, agent: User, kind: str, text: str, proposal: Step
) -> Step:
    """A party to the dispute accepts or rejects an offer (in ``procedure_step``'s
    transaction, the procedure locked and what fell due carried out)."""
    offer = SettlementOffer.objects.get(step=proposal)
    _disputing_require(procedure, party)
    if offer.status == OfferStatus.LAPSED:
        deadline = procedure.deadlines.filter(name=f"offer-{proposal.pk}").first()
        if deadline is not None:
            raise ServiceError(
                _(ERR_OFFER_PERIOD_OVER) % {"due": at_minute(deadline.due_at)}, field="proposal"
            )
    if offer.status != OfferStatus.PENDING:
        raise ServiceError(
            _(ERR_OFFER_CLOSED) % {"status": OfferStatus(offer.status).label}, field="proposal"
        )
    if offer.kind != OfferKind.MEDIATION and proposal.party_id == party.pk:
        raise ServiceError(_(ERR_OFFER_OWN), field="proposal")
    if proposal.responses.filter(kind__in=("accept", "reject"), party=party).exists():
        raise ServiceError(_(ERR_OFFER_ANSWERED), field="kind")
    step = step_append(procedure, kind, party=party, agent=agent, text=text, proposal=proposal)
    _offer_decide(procedure, offer)
    return step


# --- the parties' proposals ------------------------------------------------------------


def settlement_means_propose(
    *, agent: User, procedure: Procedure, means: str, text: str = ""
) -> Step:
    """A party to the dispute proposes to take it to another means the charter allows;
    it moves there when every other party to the dispute accepts (for arbitration, the
    proposal and the acceptances are their consent). A new proposal replaces one still
    pending."""
    charter = procedure.charter_version.charter
    party = acting_party(agent, charter, "sign")
    text = text_clean(text, required=False)
    with transaction.atomic():
        procedure = procedure_lock(procedure, kind="propose-means")
        dispute_require(procedure)
        _disputing_require(procedure, party)
        means = _means_check(charter, definition_of(procedure), (means or "").strip())
        if procedure.state == State.REPORT_SUBMITTED:
            raise ServiceError(_(ERR_REPORT_BEFORE), field="kind")
        if means == procedure.means:
            raise ServiceError(_(ERR_MEANS_CURRENT) % {"means": means_label(means)}, field="means")
        replaced = _supersede(procedure, OfferKind.MEANS)
        step = step_append(
            procedure,
            "propose-means",
            party=party,
            agent=agent,
            text=text,
            extra={
                "means": means,
                "from": procedure.means,
                "consent": means in CONSENT_MEANS,
                "supersedes": replaced,
            },
        )
        offer = _offer_make(procedure, step, OfferKind.MEANS, means)
        _offer_decide(procedure, offer)  # carried out at once if no other party is left
        return step


def settlement_third_party_propose(
    *,
    agent: User,
    procedure: Procedure,
    party: Party | None = None,
    name: str = "",
    text: str = "",
) -> Step:
    """A party to the dispute in good offices or mediation proposes a third party:
    another party to the charter, or the secretariat or a named person (``name``). It
    acts once every party to the dispute has accepted it, within the means' ``appoint``
    period where the charter sets one; it then replaces any earlier third party."""
    charter = procedure.charter_version.charter
    proposer = acting_party(agent, charter, "sign")
    name = (name or "").strip()
    text = text_clean(text, required=False)
    if party is None and not name:
        raise ServiceError(_(ERR_THIRD_PARTY_WHO), field="party")
    if party is not None and name:
        raise ServiceError(_(ERR_THIRD_PARTY_BOTH), field="name")
    if len(name) > MAX_NAME:
        raise ServiceError(_(ERR_THIRD_PARTY_NAME_LONG), field="name")
    if party is not None and not is_party(party, charter):
        raise ServiceError(_(ERR_THIRD_PARTY_NOT_PARTY) % {"party": party.code}, field="party")
    with transaction.atomic():
        procedure = procedure_lock(procedure, kind="propose-third-party")
        dispute_require(procedure)
        _disputing_require(procedure, proposer)
        if procedure.means not in THIRD_PARTY_MEANS:
            raise ServiceError(
                _(ERR_THIRD_PARTY_MEANS) % {"means": means_label(procedure.means) or "—"},
                field="kind",
            )
        if party is not None and roles_of(procedure, party) & set(selectors.DISPUTING):
            raise ServiceError(_(ERR_THIRD_PARTY_DISPUTING) % {"party": party.code}, field="party")
        replaced = _supersede(procedure, OfferKind.THIRD_PARTY)
        step = step_append(
            procedure,
            "propose-third-party",
            party=proposer,
            agent=agent,
            text=text,
            extra={
                "means": procedure.means,
                "third_party": {"party": party.code} if party else {"name": name},
                "supersedes": replaced,
            },
            assignee=party,
        )
        offer = _offer_make(
            procedure,
            step,
            OfferKind.THIRD_PARTY,
            procedure.means,
            period="appoint",
            third_party=party,
            third_party_name=name,
        )
        _offer_decide(procedure, offer)
        return step


# --- the third party -------------------------------------------------------------------


def _third_party_acting(
    agent: User, procedure: Procedure, role: str
) -> tuple[Party | None, SettlementOffer]:
    """Who records for the third party (its delegation, or the secretariat: None) and its
    appointment, checked under the procedure's lock."""
    dispute_require(procedure)
    if procedure.means not in THIRD_PARTY_MEANS:
        raise ServiceError(
            _(ERR_THIRD_PARTY_MEANS) % {"means": means_label(procedure.means) or "—"},
            field="kind",
        )
    appointment = selectors.third_party_of(procedure)
    if agent.is_secretariat:
        if appointment is None:
            raise ServiceError(_(ERR_NO_THIRD_PARTY), field="kind")
        return None, appointment
    party = acting_party(agent, procedure.charter_version.charter, role)
    if appointment is None or appointment.third_party_id != party.pk:
        raise NotPermitted(_(ERR_NOT_THIRD_PARTY), field="kind")
    return party, appointment


def _third_party_step(
    procedure: Procedure,
    kind: str,
    party: Party | None,
    agent: User,
    appointment: SettlementOffer,
    text: str,
) -> Step:
    third_party = {"offer": appointment.step_id, **_third_party_content(appointment)}
    if party is not None:
        return step_append(
            procedure, kind, party=party, agent=agent, text=text, extra={"third_party": third_party}
        )
    # The secretariat records for the third party: the depositary's act, naming whom.
    return depositary_step_append(
        procedure,
        kind,
        {"text": text, "on_behalf_of": third_party},
        [appointment.step.act_id],
        agent=agent,
        text=text,
        assignee=appointment.third_party,
    )


def settlement_contact_record(*, agent: User, procedure: Procedure, text: str) -> Step:
    """The third party in good offices or mediation records a contact with the parties
    (a meeting held, a message passed); the secretariat may record it on its behalf."""
    if not agent.is_secretariat:
        acting_party(agent, procedure.charter_version.charter, "consult")
    text = text_clean(text)
    with transaction.atomic():
        procedure = procedure_lock(procedure, kind="contact")
        party, appointment = _third_party_acting(agent, procedure, "consult")
        return _third_party_step(procedure, "contact", party, agent, appointment, text)


def mediation_proposal_submit(*, agent: User, procedure: Procedure, text: str) -> Step:
    """The mediator's proposal for settlement, recorded by the mediator (or the
    secretariat on its behalf); each party to the dispute accepts or rejects it, within
    the ``respond`` period of mediation where the charter sets one. It binds no one: a
    rejection ends the proposal, not the dispute."""
    if not agent.is_secretariat:
        acting_party(agent, procedure.charter_version.charter, "propose")
    text = text_clean(text)
    with transaction.atomic():
        procedure = procedure_lock(procedure, kind="mediation-proposal")
        party, appointment = _third_party_acting(agent, procedure, "propose")
        if procedure.means != Means.MEDIATION:
            raise ServiceError(_(ERR_MEDIATION_ONLY), field="kind")
        step = _third_party_step(procedure, "mediation-proposal", party, agent, appointment, text)
        _offer_make(procedure, step, OfferKind.MEDIATION, Means.MEDIATION, period="respond")
        return step


def offers_end(procedure: Procedure) -> None:
    """End the offers still pending: a conciliation report is before the parties, or
    the award has closed the dispute."""
    _supersede(procedure, OfferKind.MEANS, OfferKind.THIRD_PARTY, OfferKind.MEDIATION)
