"""Reads of parties, delegations, keys and tokens, with visibility applied.

Parties, their status and their public keys are known to every member of the hub. A
delegation's full membership is known to its own party and the secretariat; other
parties see who heads it. Tokens are seen by their owner only.
"""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from concord.parties.models import (
    ApiToken,
    Participation,
    ParticipationChange,
    Party,
    Role,
    SigningKey,
    User,
)


def role_q(role: str) -> Q:
    """Members holding ``role``. SQLite has no JSON containment lookup, so match the
    quoted role name in the JSON text; role names never contain one another quoted."""
    return Q(roles__icontains=f'"{role}"')


def parties_visible_to(
    viewer: User,
    *,
    charter: str = "",
    kind: str = "",
    status: str = "",
    q: str = "",
) -> QuerySet[Party]:
    """Every party, filtered: the list of parties is common knowledge among members."""
    if not viewer.is_authenticated:
        return Party.objects.none()
    qs = Party.objects.all()
    if kind:
        qs = qs.filter(kind=kind)
    if charter:
        qs = qs.filter(participations__charter__code=charter)
        if status:
            qs = qs.filter(participations__status=status)
    elif status:
        qs = qs.filter(participations__status=status)
    if q:
        q = q.strip()[:100]
        qs = qs.filter(Q(code__iexact=q) | Q(name__icontains=q) | Q(abbreviation__iexact=q))
    return qs.distinct().prefetch_related(
        Prefetch("participations", queryset=Participation.objects.select_related("charter"))
    )


def party_get(viewer: User, code: str) -> Party:
    party = parties_visible_to(viewer).filter(code=code).first()
    if party is None:
        raise Http404
    return party


def members_visible_to(viewer: User, party: Party | None = None) -> QuerySet[User]:
    """Members of delegations (and the secretariat) that ``viewer`` may see."""
    if not viewer.is_authenticated:
        return User.objects.none()
    qs = User.objects.filter(is_active=True).select_related("party")
    if party is not None:
        qs = qs.filter(party=party)
    if viewer.is_secretariat:
        return qs
    own = Q(party_id=viewer.party_id)
    # Heads of delegation and the secretariat are the public faces of parties and hub.
    public = role_q(Role.HEAD) | (Q(party__isnull=True) & role_q(Role.SECRETARIAT))
    return qs.filter(own | public)


def history_of(party: Party) -> QuerySet[ParticipationChange]:
    return (
        ParticipationChange.objects.filter(participation__party=party)
        .select_related("participation__charter", "act")
        .order_by("-at", "-id")
    )


def keys_of(party: Party | None) -> QuerySet[SigningKey]:
    """Public keys with their validity: public to all members."""
    return SigningKey.objects.filter(party=party).order_by("-valid_from")


def tokens_of(viewer: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=viewer).order_by("-created_at")


def token_get(viewer: User, prefix: str) -> ApiToken:
    token = tokens_of(viewer).filter(prefix=prefix).first()
    if token is None:
        raise Http404
    return token


def member_get(viewer: User, username: str) -> User:
    user = members_visible_to(viewer).filter(username=username).first()
    if user is None:
        raise Http404
    return user


def applicants_for(viewer: User) -> QuerySet[Participation]:
    """Applications awaiting this viewer's party's consent."""
    if viewer.party_id is None:
        return Participation.objects.none()
    mine = Participation.objects.filter(party_id=viewer.party_id, status="party").values(
        "charter_id"
    )
    return (
        Participation.objects.filter(status="applicant", charter_id__in=mine)
        .exclude(consents__party_id=viewer.party_id)
        .select_related("party", "charter")
    )
