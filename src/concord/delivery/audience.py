"""Which parties an act concerns: the one rule every delivery channel (live updates,
e-mail, webhooks) follows, so that no channel tells a party of an act it may not see.

An act for all parties concerns every party; a restricted act concerns its recipients
(the actor is always one). The secretariat is told that an act exists, never more than
the record shows it.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from concord.record.models import Act


def act_audience(act: Act) -> frozenset[int] | None:
    """Party ids a restricted act is for; None when the act is for every party."""
    if not act.restricted:
        return None
    return frozenset(act.recipients.values_list("pk", flat=True))


def act_concerns(act: Act, party_id: int | None) -> bool:
    """Whether ``party_id`` (None: the secretariat) is to be told of ``act``."""
    if party_id is None or not act.restricted:
        return True
    return act.recipients.filter(pk=party_id).exists()


def acts_for_party(party_id: int | None, *, after: int = -1) -> QuerySet[Act]:
    """Acts after sequence number ``after`` that concern a party (None: the
    secretariat), oldest first: what a delivery channel still owes it."""
    qs = Act.objects.filter(seq__gt=after)
    if party_id is not None:
        qs = qs.filter(Q(restricted=False) | Q(recipients=party_id)).distinct()
    return qs.order_by("seq")
