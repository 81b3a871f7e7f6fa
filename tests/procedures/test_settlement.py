"""Peaceful settlement of disputes: the means a dispute is in (negotiation, good offices,
mediation, conciliation, arbitration, as the charter allows them), moving between them
by the agreement of every party to the dispute, a third party who acts only once all of
them have accepted it, the mediator's proposals each party accepts or rejects, and an
arbitral award recorded only with everyone's consent — final, binding, numbered. Every
step is an act; wrong actors and bad input are refused and store nothing; periods pass
with the clock, on read and by the worker."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.http import Http404

from concord import clock
from concord.charters.loader import duration
from concord.parties.models import Status
from concord.parties.services import NotPermitted, ServiceError, participation_set
from concord.procedures import selectors, services
from concord.procedures.arbitration import (
    ERR_AWARD_CONSENT,
    ERR_AWARD_SECRETARIAT,
    ERR_NO_ARBITRATION,
)
from concord.procedures.conciliation import ERR_REPORT_MEANS
from concord.procedures.deadlines import ERR_CLOSED
from concord.procedures.models import Award, OfferStatus, Role, SettlementOffer, State
from concord.procedures.reminders import procedure_reminders_due
from concord.procedures.settlement import (
    ERR_END_ARBITRATION,
    ERR_JOIN_ARBITRATION,
    ERR_MEANS_CURRENT,
    ERR_MEANS_NOT_ALLOWED,
    ERR_MEANS_NOT_DISPUTE,
    ERR_MEANS_REQUIRED,
    ERR_MEANS_UNKNOWN,
    ERR_MEDIATION_ONLY,
    ERR_NO_THIRD_PARTY,
    ERR_NOT_A_DISPUTE,
    ERR_NOT_DISPUTING,
    ERR_NOT_THIRD_PARTY,
    ERR_OFFER_ANSWERED,
    ERR_OFFER_CLOSED,
    ERR_OFFER_OWN,
    ERR_OFFER_PERIOD_OVER,
    ERR_OPEN_IN_ARBITRATION,
    ERR_REPORT_BEFORE,
    ERR_THIRD_PARTY_BOTH,
    ERR_THIRD_PARTY_DISPUTING,
    ERR_THIRD_PARTY_MEANS,
    ERR_THIRD_PARTY_NAME_LONG,
    ERR_THIRD_PARTY_NOT_PARTY,
    ERR_THIRD_PARTY_WHO,
)
from concord.record.models import Act
from concord.web.worker import worker_pass

pytestmark = pytest.mark.django_db


@pytest.fixture
def helsinki(charters, secretariat, fr, de, party_add):  # type: ignore[no-untyped-def]
    for party in (fr, de):
        participation_set(
            agent=secretariat, party=party, charter=charters["helsinki"], status=Status.PARTY
        )
    party_add("it", charters["helsinki"])
    party_add("at", charters["helsinki"])
    party_add("es", charters["est-2009"])  # not a participating State of helsinki
    return charters["helsinki"]


def dispute_open(user, charter, respondent, means="", invited=(), as_="fr-head"):  # type: ignore[no-untyped-def]
    return services.procedure_open(
        agent=user(as_),
        charter=charter,
        mechanism="dispute-settlement",
        subject="Interpretation of a commitment",
        respondent=respondent,
        invited=list(invited),
        means=means,
    )


@pytest.fixture
def negotiation(helsinki, de, user):  # type: ignore[no-untyped-def]
    return dispute_open(user, helsinki, de, "negotiation")


def propose(user, procedure, means, as_="fr-head", text=""):  # type: ignore[no-untyped-def]
    return services.settlement_means_propose(
        agent=user(as_), procedure=procedure, means=means, text=text
    )


def agree(user, act_as, procedure, means):  # type: ignore[no-untyped-def]
    """fr proposes the means, de accepts: the dispute moves there."""
    offer = propose(user, procedure, means)
    act_as("de-head", procedure, "accept", proposal=offer)
    procedure.refresh_from_db()
    assert procedure.means == means
    return offer


def third_party_propose(user, procedure, party=None, name="", as_="fr-head"):  # type: ignore[no-untyped-def]
    return services.settlement_third_party_propose(
        agent=user(as_), procedure=procedure, party=party, name=name
    )


def status_of(procedure, step):  # type: ignore[no-untyped-def]
    found = selectors.settlement_of(procedure)
    return next(o["status"] for o in found["offers"] if o["step"].pk == step.pk)


def refused(call, field, message, stored):  # type: ignore[no-untyped-def]
    """The call is refused with ``message`` naming ``field``, and stores nothing."""
    before = stored()
    with pytest.raises(ServiceError) as err:
        call()
    assert (err.value.field, err.value.message) == (field, message)
    assert stored() == before
    return err.value


# --- opening in a means ------------------------------------------------------------------


def test_a_dispute_opens_in_the_means_named_or_the_charters_default(  # type: ignore[no-untyped-def]
    helsinki, charters, de, user, party_add
):
    default = dispute_open(user, helsinki, de)
    assert default.means == "conciliation"  # helsinki: as its mechanism always has
    assert Act.objects.get(pk=default.act_id).content["means"] == "conciliation"
    assert not default.steps.exists()  # opening in a means is the opening act itself
    named = dispute_open(user, helsinki, de, "mediation")
    assert named.means == "mediation"
    assert Act.objects.get(pk=named.act_id).content["means"] == "mediation"
    est = dispute_open(user, charters["est-2009"], de)
    assert est.means == "negotiation"  # Art. 4: the parties' own tiers, no third party
    for code in ("ru", "cn"):
        party_add(code, charters["eurasia-2024"])
    eurasia = dispute_open(user, charters["eurasia-2024"], user("cn-head").party, as_="ru-head")
    assert eurasia.means == "negotiation"
    conference = services.procedure_open(
        agent=user("fr-head"), charter=helsinki, mechanism="conference", subject="Council"
    )
    assert conference.means == ""
    assert "means" not in Act.objects.get(pk=conference.act_id).content


def test_opening_in_a_means_the_charter_does_not_allow_is_refused(  # type: ignore[no-untyped-def]
    helsinki, charters, de, user, party_add, stored
):
    refused(
        lambda: dispute_open(user, helsinki, de, "arbitration"),
        "means",
        ERR_OPEN_IN_ARBITRATION,
        stored,
    )
    refused(
        lambda: dispute_open(user, helsinki, de, "litigation"),
        "means",
        ERR_MEANS_UNKNOWN % {"means": "litigation"},
        stored,
    )
    refused(
        lambda: dispute_open(user, charters["est-2009"], de, "mediation"),
        "means",
        ERR_MEANS_NOT_ALLOWED % {"means": "Mediation", "allowed": "Negotiation"},
        stored,
    )
    for code in ("ru", "cn"):
        party_add(code, charters["eurasia-2024"])
    refused(
        lambda: dispute_open(
            user, charters["eurasia-2024"], user("cn-head").party, "arbitration", as_="ru-head"
        ),
        "means",
        ERR_MEANS_NOT_ALLOWED
        % {"means": "Arbitration", "allowed": "Negotiation, Good offices, Mediation"},
        stored,
    )
    refused(
        lambda: services.procedure_open(
            agent=user("fr-head"),
            charter=helsinki,
            mechanism="conference",
            subject="Council",
            means="mediation",
        ),
        "means",
        ERR_MEANS_NOT_DISPUTE,
        stored,
    )


# --- moving between means -----------------------------------------------------------------


def test_negotiation_moves_to_good_offices_when_the_other_party_accepts(  # type: ignore[no-untyped-def]
    negotiation, user, act_as
):
    offer = propose(user, negotiation, "good-offices", text="Talks have stalled.")
    assert offer.kind == "propose-means"
    assert offer.party.code == "fr"
    content = Act.objects.get(pk=offer.act_id).content
    assert (content["means"], content["from"], content["consent"]) == (
        "good-offices",
        "negotiation",
        False,
    )
    negotiation.refresh_from_db()
    assert negotiation.means == "negotiation"  # not before the other party accepts
    assert status_of(negotiation, offer) == OfferStatus.PENDING

    answer = act_as("de-head", negotiation, "accept", "Agreed.", proposal=offer)
    assert answer.proposal == offer
    negotiation.refresh_from_db()
    assert negotiation.means == "good-offices"
    assert negotiation.state == State.OPEN
    agreed = negotiation.steps.get(kind="means-agreed")
    assert agreed.party is None  # the depositary's record of the agreement
    content = Act.objects.get(pk=agreed.act_id).content
    assert (content["means"], content["from"], content["accepted"]) == (
        "good-offices",
        "negotiation",
        ["de", "fr"],
    )
    assert set(Act.objects.get(pk=agreed.act_id).recipients.values_list("code", flat=True)) == {
        "fr",
        "de",
    }
    assert status_of(negotiation, offer) == OfferStatus.ACCEPTED
    assert selectors.settlement_of(negotiation)["means"] == "good-offices"


def test_a_rejection_keeps_the_means_and_a_new_proposal_replaces_a_pending_one(  # type: ignore[no-untyped-def]
    negotiation, user, act_as, stored
):
    first = propose(user, negotiation, "mediation")
    second = propose(user, negotiation, "conciliation", as_="de-head")  # a counter-proposal
    assert status_of(negotiation, first) == OfferStatus.SUPERSEDED
    assert Act.objects.get(pk=second.act_id).content["supersedes"] == first.pk
    refused(
        lambda: act_as("de-head", negotiation, "accept", proposal=first),
        "proposal",
        ERR_OFFER_CLOSED % {"status": "Superseded"},
        stored,
    )
    act_as("fr-head", negotiation, "reject", "We prefer mediation.", proposal=second)
    negotiation.refresh_from_db()
    assert negotiation.means == "negotiation"
    assert negotiation.state == State.OPEN  # a rejection ends the proposal, not the dispute
    assert status_of(negotiation, second) == OfferStatus.REJECTED
    declined = negotiation.steps.get(kind="means-declined")
    assert Act.objects.get(pk=declined.act_id).content["rejected"] == ["fr"]


def test_means_proposals_refused_from_wrong_actors_and_for_bad_input(  # type: ignore[no-untyped-def]
    helsinki, charters, de, user, act_as, stored
):
    it = user("it-head").party
    dispute = dispute_open(user, helsinki, de, "negotiation", invited=[it])
    before = stored()
    with pytest.raises(NotPermitted) as denied:
        propose(user, dispute, "mediation", as_="it-head")  # invited, not a party to it
    assert (denied.value.field, denied.value.message) == ("kind", ERR_NOT_DISPUTING)
    with pytest.raises(NotPermitted):
        propose(user, dispute, "mediation", as_="de-delegate")  # signing is the head's
    with pytest.raises(NotPermitted):
        propose(user, dispute, "mediation", as_="secretariat")
    assert stored() == before
    refused(
        lambda: propose(user, dispute, "negotiation"),
        "means",
        ERR_MEANS_CURRENT % {"means": "Negotiation"},
        stored,
    )
    refused(lambda: propose(user, dispute, ""), "means", ERR_MEANS_REQUIRED, stored)
    refused(
        lambda: propose(user, dispute, "war"), "means", ERR_MEANS_UNKNOWN % {"means": "war"}, stored
    )
    est = dispute_open(user, charters["est-2009"], de)
    refused(
        lambda: propose(user, est, "arbitration"),
        "means",
        ERR_MEANS_NOT_ALLOWED % {"means": "Arbitration", "allowed": "Negotiation"},
        stored,
    )
    conference = services.procedure_open(
        agent=user("fr-head"), charter=helsinki, mechanism="conference", subject="Council"
    )
    refused(lambda: propose(user, conference, "mediation"), "kind", ERR_NOT_A_DISPUTE, stored)

    offer = propose(user, dispute, "mediation")
    refused(
        lambda: act_as("fr-head", dispute, "accept", proposal=offer),
        "proposal",
        ERR_OFFER_OWN,
        stored,
    )
    before = stored()
    with pytest.raises(NotPermitted) as denied:
        act_as("it-head", dispute, "accept", proposal=offer)
    assert denied.value.message == ERR_NOT_DISPUTING
    assert stored() == before
    act_as("de-head", dispute, "accept", proposal=offer)
    refused(
        lambda: act_as("de-head", dispute, "reject", proposal=offer),
        "proposal",
        ERR_OFFER_CLOSED % {"status": "Accepted by every party to the dispute"},
        stored,
    )


def test_a_party_that_joined_the_dispute_must_accept_too(helsinki, de, user, act_as):  # type: ignore[no-untyped-def]
    it = user("it-head").party
    dispute = dispute_open(user, helsinki, de, "negotiation", invited=[it])
    act_as("it-head", dispute, "join", "We are a party to this dispute.")
    offer = propose(user, dispute, "mediation")
    act_as("de-head", dispute, "accept", proposal=offer)
    dispute.refresh_from_db()
    assert dispute.means == "negotiation"
    act_as("it-head", dispute, "accept", proposal=offer)
    dispute.refresh_from_db()
    assert dispute.means == "mediation"
    with pytest.raises(ServiceError) as err:
        act_as("it-head", dispute, "accept", proposal=offer)
    assert err.value.message == ERR_OFFER_CLOSED % {
        "status": "Accepted by every party to the dispute"
    }
    # Answering twice while the offer is still open is refused as such.
    second = propose(user, dispute, "conciliation")
    act_as("it-head", dispute, "accept", proposal=second)
    with pytest.raises(ServiceError) as err:
        act_as("it-head", dispute, "reject", proposal=second)
    assert (err.value.field, err.value.message) == ("kind", ERR_OFFER_ANSWERED)


# --- good offices -----------------------------------------------------------------------


def test_good_offices_act_only_once_every_party_has_accepted_the_third_party(  # type: ignore[no-untyped-def]
    helsinki, de, user, act_as, stored
):
    it = user("it-head").party
    dispute = dispute_open(user, helsinki, de, "good-offices")
    proposal = third_party_propose(user, dispute, party=it)
    assert proposal.kind == "propose-third-party"
    assert proposal.assignee == it
    assert Act.objects.get(pk=proposal.act_id).content["third_party"] == {"party": "it"}
    # Italy is not yet the third party: it does not see the dispute, nor act in it.
    with pytest.raises(Http404):
        selectors.procedure_get(user("it-head"), dispute.pk)
    before = stored()
    with pytest.raises(NotPermitted) as denied:
        services.settlement_contact_record(
            agent=user("it-head"), procedure=dispute, text="We met both delegations."
        )
    assert (denied.value.field, denied.value.message) == ("kind", ERR_NOT_THIRD_PARTY)
    assert stored() == before
    refused(
        lambda: services.settlement_contact_record(
            agent=user("secretariat"), procedure=dispute, text="A meeting."
        ),
        "kind",
        ERR_NO_THIRD_PARTY,
        stored,
    )

    act_as("de-head", dispute, "accept", proposal=proposal)
    appointed = dispute.steps.get(kind="third-party-appointed")
    assert appointed.assignee == it
    assert selectors.third_party_of(dispute).third_party == it
    assert Role.THIRD_PARTY in set(
        dispute.participants.filter(party=it).values_list("role", flat=True)
    )
    assert selectors.procedure_get(user("it-head"), dispute.pk) == dispute

    contact = services.settlement_contact_record(
        agent=user("it-delegate"), procedure=dispute, text="We hosted both delegations in Rome."
    )
    assert (contact.kind, contact.party) == ("contact", it)
    on_behalf = services.settlement_contact_record(
        agent=user("secretariat"), procedure=dispute, text="The secretariat passed a message."
    )
    assert on_behalf.party is None
    assert Act.objects.get(pk=on_behalf.act_id).content["on_behalf_of"]["party"] == "it"
    assert Act.objects.get(pk=on_behalf.act_id).agent == user("secretariat")
    assert [c.pk for c in selectors.settlement_of(dispute)["contacts"]] == [
        contact.pk,
        on_behalf.pk,
    ]
    # In good offices the third party brings the parties together: no proposals.
    refused(
        lambda: services.mediation_proposal_submit(
            agent=user("it-head"), procedure=dispute, text="Withdraw 30 km."
        ),
        "kind",
        ERR_MEDIATION_ONLY,
        stored,
    )
    before = stored()
    for username in ("at-head", "fr-head", "de-head"):  # neither third party nor secretariat
        with pytest.raises(NotPermitted):
            services.settlement_contact_record(
                agent=user(username), procedure=dispute, text="We met."
            )
    assert stored() == before
    # The third party helps settle the dispute; it does not join it.
    with pytest.raises(ServiceError):
        act_as("it-head", dispute, "join")
    assert stored() == before


def test_a_third_party_proposed_is_checked_and_stores_nothing_when_refused(  # type: ignore[no-untyped-def]
    helsinki, negotiation, de, user, act_as, stored
):
    it, es = user("it-head").party, user("es-head").party
    refused(
        lambda: third_party_propose(user, negotiation, party=it),
        "kind",
        ERR_THIRD_PARTY_MEANS % {"means": "Negotiation"},
        stored,
    )
    agree(user, act_as, negotiation, "mediation")
    refused(lambda: third_party_propose(user, negotiation), "party", ERR_THIRD_PARTY_WHO, stored)
    refused(
        lambda: third_party_propose(user, negotiation, party=it, name="Ms A. Mediator"),
        "name",
        ERR_THIRD_PARTY_BOTH,
        stored,
    )
    refused(
        lambda: third_party_propose(user, negotiation, party=de),
        "party",
        ERR_THIRD_PARTY_DISPUTING % {"party": "de"},
        stored,
    )
    refused(
        lambda: third_party_propose(user, negotiation, party=es),
        "party",
        ERR_THIRD_PARTY_NOT_PARTY % {"party": "es"},
        stored,
    )
    refused(
        lambda: third_party_propose(user, negotiation, name="x" * 201),
        "name",
        ERR_THIRD_PARTY_NAME_LONG,
        stored,
    )
    before = stored()
    with pytest.raises(NotPermitted):
        third_party_propose(user, negotiation, party=it, as_="at-head")
    assert stored() == before


# --- mediation --------------------------------------------------------------------------


def test_mediation_proposals_bind_no_one_and_a_rejection_ends_only_that_proposal(  # type: ignore[no-untyped-def]
    helsinki, negotiation, user, act_as, stored
):
    agree(user, act_as, negotiation, "mediation")
    mediator = third_party_propose(user, negotiation, name="Ms A. Mediator", as_="de-head")
    act_as("fr-head", negotiation, "accept", proposal=mediator)
    third = selectors.third_party_of(negotiation)
    assert (third.third_party, third.third_party_label) == (None, "Ms A. Mediator")
    appointed = negotiation.steps.get(kind="third-party-appointed")
    assert Act.objects.get(pk=appointed.act_id).content["third_party"] == {"name": "Ms A. Mediator"}
    # A named person acts through the secretariat; no party's delegation acts for her.
    before = stored()
    with pytest.raises(NotPermitted):
        services.mediation_proposal_submit(
            agent=user("it-head"), procedure=negotiation, text="Withdraw 30 km."
        )
    assert stored() == before

    first = services.mediation_proposal_submit(
        agent=user("secretariat"), procedure=negotiation, text="Both withdraw 30 km."
    )
    assert (first.kind, first.party) == ("mediation-proposal", None)
    assert Act.objects.get(pk=first.act_id).content["on_behalf_of"]["name"] == "Ms A. Mediator"
    deadline = negotiation.deadlines.get(name=f"offer-{first.pk}")
    assert deadline.due_at == first.at + timedelta(days=30)  # helsinki mediation respond P30D
    act_as("fr-head", negotiation, "accept", proposal=first)
    act_as("de-head", negotiation, "reject", "Not 30 km.", proposal=first)
    negotiation.refresh_from_db()
    assert negotiation.state == State.OPEN
    assert negotiation.means == "mediation"
    assert status_of(negotiation, first) == OfferStatus.REJECTED
    assert negotiation.steps.filter(kind="mediation-rejected").count() == 1
    assert negotiation.deadlines.get(name=f"offer-{first.pk}").cancelled

    second = services.mediation_proposal_submit(
        agent=user("secretariat"), procedure=negotiation, text="Both withdraw 15 km."
    )
    act_as("de-head", negotiation, "accept", proposal=second)
    act_as("fr-head", negotiation, "accept", proposal=second)
    assert status_of(negotiation, second) == OfferStatus.ACCEPTED
    accepted = negotiation.steps.get(kind="mediation-accepted")
    assert Act.objects.get(pk=accepted.act_id).content["accepted"] == ["de", "fr"]
    # Not binding and not closing: the parties record the outcome when settled.
    negotiation.refresh_from_db()
    assert negotiation.state == State.OPEN
    act_as("fr-head", negotiation, "outcome", "Settled on the mediator's second proposal.")
    negotiation.refresh_from_db()
    assert negotiation.state == State.CLOSED


def test_a_party_as_mediator_proposes_and_a_new_means_ends_its_part(  # type: ignore[no-untyped-def]
    helsinki, de, user, act_as, stored
):
    it = user("it-head").party
    dispute = dispute_open(user, helsinki, de, "mediation")
    act_as("de-head", dispute, "accept", proposal=third_party_propose(user, dispute, party=it))
    proposal = services.mediation_proposal_submit(
        agent=user("it-delegate"), procedure=dispute, text="A joint commission."
    )
    assert proposal.party == it
    agree(user, act_as, dispute, "conciliation")
    assert status_of(dispute, proposal) == OfferStatus.SUPERSEDED
    assert selectors.third_party_of(dispute) is None
    refused(
        lambda: services.settlement_contact_record(
            agent=user("it-head"), procedure=dispute, text="We met."
        ),
        "kind",
        ERR_THIRD_PARTY_MEANS % {"means": "Conciliation"},
        stored,
    )
    # Now in conciliation, the commission reports; no new means while it is before them.
    services.conciliation_report_submit(
        agent=user("secretariat"), procedure=dispute, text="The commission proposes ..."
    )
    refused(lambda: propose(user, dispute, "arbitration"), "kind", ERR_REPORT_BEFORE, stored)


def test_a_third_party_and_a_mediators_proposal_lapse_at_their_periods(  # type: ignore[no-untyped-def]
    helsinki, de, user, act_as, stored
):
    it = user("it-head").party
    dispute = dispute_open(user, helsinki, de, "mediation")
    proposal = third_party_propose(user, dispute, party=it)
    due = proposal.at + timedelta(days=30)  # helsinki mediation appoint P30D
    clock.advance(timedelta(days=29, hours=23))
    assert status_of(dispute, proposal) == OfferStatus.PENDING
    clock.advance(timedelta(hours=1, seconds=1))
    # Lapsed on read, though the worker is down; an answer now is refused.
    assert status_of(dispute, proposal) == OfferStatus.LAPSED
    refused(
        lambda: act_as("de-head", dispute, "accept", proposal=proposal),
        "proposal",
        ERR_OFFER_PERIOD_OVER % {"due": f"{due:%Y-%m-%d %H:%M}"},
        stored,
    )
    worker_pass()
    worker_pass()
    lapsed = dispute.steps.get(kind="offer-lapsed")
    content = Act.objects.get(pk=lapsed.act_id).content
    assert (content["kind"], content["unanswered"]) == ("third-party", ["de"])
    assert SettlementOffer.objects.get(step=proposal).status == OfferStatus.LAPSED
    dispute.refresh_from_db()
    assert dispute.state == State.OPEN  # the dispute goes on in mediation
    assert selectors.state_of(dispute) == State.OPEN

    again = third_party_propose(user, dispute, party=it, as_="de-head")
    act_as("fr-head", dispute, "accept", proposal=again)
    offer = services.mediation_proposal_submit(
        agent=user("it-head"), procedure=dispute, text="A hotline."
    )
    clock.advance(timedelta(days=30, seconds=1))
    assert status_of(dispute, offer) == OfferStatus.LAPSED
    worker_pass()
    assert dispute.steps.filter(kind="offer-lapsed").count() == 2


def test_the_parties_to_the_dispute_alone_are_reminded_of_an_offers_period(  # type: ignore[no-untyped-def]
    helsinki, de, user
):
    for name in ("fr-head", "de-head", "it-head", "at-head"):
        member = user(name)
        member.email = f"{name}@example.org"
        member.save()
    dispute = dispute_open(user, helsinki, de, "good-offices")
    third_party_propose(user, dispute, party=user("it-head").party)
    mail.outbox.clear()
    clock.advance(timedelta(days=23))  # 7 days left, under a quarter of 30
    assert procedure_reminders_due() == 1
    assert sorted(a for m in mail.outbox for a in m.to) == [
        "de-head@example.org",
        "fr-head@example.org",
    ]


# --- arbitration ------------------------------------------------------------------------


def test_arbitration_needs_the_charter_and_the_consent_of_every_party(  # type: ignore[no-untyped-def]
    helsinki, charters, negotiation, de, user, act_as, stored
):
    def award(as_="secretariat", procedure=negotiation, text="The tribunal awards ..."):  # type: ignore[no-untyped-def]
        return services.arbitration_award_record(agent=user(as_), procedure=procedure, text=text)

    est = dispute_open(user, charters["est-2009"], de)
    refused(lambda: award(procedure=est), "kind", ERR_NO_ARBITRATION, stored)
    refused(award, "kind", ERR_AWARD_CONSENT, stored)
    consent = propose(user, negotiation, "arbitration")
    assert Act.objects.get(pk=consent.act_id).content["consent"] is True
    refused(award, "kind", ERR_AWARD_CONSENT, stored)  # one consent is not every consent
    act_as("de-head", negotiation, "accept", "We consent to arbitration.", proposal=consent)
    negotiation.refresh_from_db()
    assert negotiation.means == "arbitration"
    agreed = negotiation.steps.get(kind="means-agreed")
    assert Act.objects.get(pk=agreed.act_id).content["consent"] is True

    before = stored()
    for username in ("fr-head", "de-head"):
        with pytest.raises(NotPermitted) as denied:
            award(as_=username)
        assert (denied.value.field, denied.value.message) == ("kind", ERR_AWARD_SECRETARIAT)
    assert stored() == before
    with pytest.raises(ServiceError) as err:
        award(text=" ")
    assert err.value.field == "text"

    step = award(text="The tribunal awards the disputed strip to neither party.")
    recorded = Award.objects.get(step=step)
    assert recorded.number == 1
    act = Act.objects.get(pk=step.act_id)
    assert act.actor is None  # the depositary records it for the tribunal
    assert act.agent == user("secretariat")
    assert (act.content["number"], act.content["binding"], act.content["parties"]) == (
        1,
        True,
        ["de", "fr"],
    )
    # Published to the parties to the dispute, as a conciliation report is.
    assert set(act.recipients.values_list("code", flat=True)) == {"fr", "de"}
    negotiation.refresh_from_db()
    assert negotiation.state == State.CLOSED
    assert selectors.settlement_of(negotiation)["award_status"] == "rendered"
    # Final and binding: nothing to accept or reject, nothing more to record.
    for kind in ("accept", "reject"):
        refused(lambda k=kind: act_as("de-head", negotiation, k), "kind", ERR_CLOSED, stored)
    refused(award, "kind", ERR_CLOSED, stored)

    second = dispute_open(user, helsinki, de, "negotiation")
    agree(user, act_as, second, "arbitration")
    assert Award.objects.get(step=award(procedure=second)).number == 2  # numbered per charter


def test_the_award_period_passes_on_read_and_by_the_worker(  # type: ignore[no-untyped-def]
    negotiation, user, act_as
):
    consent = agree(user, act_as, negotiation, "arbitration")
    agreed = negotiation.steps.get(kind="means-agreed")
    deadline = negotiation.deadlines.get(name="award")
    assert deadline.action == "award-overdue"
    assert deadline.due_at == agreed.at + duration("P6M", start=agreed.at)  # helsinki default
    assert consent.at <= agreed.at
    found = selectors.settlement_of(negotiation)
    assert (found["award_status"], found["award_due"]) == ("awaited", deadline.due_at)
    clock.travel(deadline.due_at + timedelta(seconds=1))
    # Overdue on read, though the worker is down; the dispute stays before the tribunal.
    assert selectors.settlement_of(negotiation)["award_status"] == "overdue"
    assert selectors.state_of(negotiation) == State.OPEN
    worker_pass()
    passed = negotiation.steps.get(kind="deadline")
    assert Act.objects.get(pk=passed.act_id).content["deadline"] == "award"
    assert selectors.settlement_of(negotiation)["award_status"] == "overdue"
    # A late award is still the award: recorded, and marked late.
    step = services.arbitration_award_record(
        agent=user("secretariat"), procedure=negotiation, text="The award, late."
    )
    assert Act.objects.get(pk=step.act_id).content["late"] is True
    assert selectors.settlement_of(negotiation)["award_status"] == "rendered"


def test_leaving_arbitration_by_agreement_ends_its_period(negotiation, user, act_as):  # type: ignore[no-untyped-def]
    agree(user, act_as, negotiation, "arbitration")
    offer = propose(user, negotiation, "negotiation", as_="de-head")
    act_as("fr-head", negotiation, "accept", proposal=offer)
    negotiation.refresh_from_db()
    assert negotiation.means == "negotiation"
    assert negotiation.deadlines.get(name="award").cancelled
    found = selectors.settlement_of(negotiation)
    assert (found["award_status"], found["award_due"]) == (None, None)


def test_before_an_arbitral_tribunal_no_party_joins_or_ends_the_dispute_alone(  # type: ignore[no-untyped-def]
    helsinki, de, user, act_as, stored
):
    it = user("it-head").party
    dispute = dispute_open(user, helsinki, de, "negotiation", invited=[it])
    agree(user, act_as, dispute, "arbitration")
    refused(lambda: act_as("it-head", dispute, "join"), "kind", ERR_JOIN_ARBITRATION, stored)
    refused(lambda: act_as("fr-head", dispute, "close"), "kind", ERR_END_ARBITRATION, stored)
    refused(
        lambda: act_as("de-head", dispute, "outcome", "We settled."),
        "kind",
        ERR_END_ARBITRATION,
        stored,
    )


# --- conciliation within the means ----------------------------------------------------------


def test_a_conciliation_report_waits_for_the_parties_to_agree_to_conciliation(  # type: ignore[no-untyped-def]
    negotiation, user, act_as, stored
):
    def report():  # type: ignore[no-untyped-def]
        return services.conciliation_report_submit(
            agent=user("secretariat"), procedure=negotiation, text="The commission proposes ..."
        )

    refused(report, "kind", ERR_REPORT_MEANS % {"means": "Negotiation"}, stored)
    pending = propose(user, negotiation, "conciliation")
    act_as("de-head", negotiation, "accept", proposal=pending)
    other = propose(user, negotiation, "mediation", as_="de-head")
    report()
    # The report before the parties ends an offer still pending.
    assert status_of(negotiation, other) == OfferStatus.SUPERSEDED
    act_as("fr-head", negotiation, "accept")
    act_as("de-head", negotiation, "accept")
    assert selectors.conciliation_of(negotiation)["outcome"] == "accepted"
