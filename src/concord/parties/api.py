"""API: the signed-in member, parties, delegations, tokens and the acts parties take.

No `from __future__ import annotations` here: django-ninja reads the annotations at
import time to build its schemas.
"""

import base64
from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate
from ninja.responses import Status as Created

from concord.charters.selectors import charter_get
from concord.parties import selectors
from concord.parties import services as svc
from concord.parties.models import Participation, Party, PartyKind, SigningKey, Status, User

router = Router(tags=["parties"])


def viewer_of(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User) or not user.is_authenticated:
        raise PermissionDenied
    return user


class ParticipationOut(Schema):
    charter: str
    status: str
    since: datetime
    withdrawal_effective_at: datetime | None

    @staticmethod
    def resolve_charter(obj: Participation) -> str:
        return obj.charter.code

    @staticmethod
    def resolve_status(obj: Participation) -> str:
        return obj.effective_status()


class PartyOut(Schema):
    code: str
    kind: str
    name: str
    abbreviation: str
    registered_at: datetime
    participations: list[ParticipationOut]

    @staticmethod
    def resolve_participations(obj: Party) -> list[Participation]:
        return list(obj.participations.all())


class KeyOut(Schema):
    key_id: str
    owner: str
    ed25519: str = Field(description="Raw public key, base64")
    valid_from: datetime
    valid_until: datetime | None

    @staticmethod
    def resolve_owner(obj: SigningKey) -> str:
        return obj.owner_code

    @staticmethod
    def resolve_ed25519(obj: SigningKey) -> str:
        return base64.b64encode(bytes(obj.public_key)).decode()


class PartyDetailOut(PartyOut):
    keys: list[KeyOut]

    @staticmethod
    def resolve_keys(obj: Party) -> list[SigningKey]:
        return list(selectors.keys_of(obj))


class MemberOut(Schema):
    username: str
    party: str | None
    roles: list[str]
    name: str

    @staticmethod
    def resolve_party(obj: User) -> str | None:
        return obj.party.code if obj.party else None

    @staticmethod
    def resolve_name(obj: User) -> str:
        return obj.get_full_name()


class MeOut(MemberOut):
    language: str
    second_factor: bool

    @staticmethod
    def resolve_second_factor(obj: User) -> bool:
        return obj.has_totp


@router.get("/me", response=MeOut, summary="The member the request is made as")
def me(request: HttpRequest) -> User:
    return viewer_of(request)


@router.get("/parties", response=list[PartyOut], summary="Parties, with status per charter")
@paginate(LimitOffsetPagination)
def party_list(
    request: HttpRequest,
    charter: str = "",
    kind: PartyKind | None = None,
    status: Status | None = None,
    q: str = "",
) -> object:
    return selectors.parties_visible_to(
        viewer_of(request), charter=charter, kind=kind or "", status=status or "", q=q
    )


@router.get("/parties/{code}", response=PartyDetailOut, summary="One party with its keys")
def party_detail(request: HttpRequest, code: str) -> Party:
    return selectors.party_get(viewer_of(request), code)


@router.get("/delegations", response=list[MemberOut], summary="Members of delegations")
@paginate(LimitOffsetPagination)
def delegation_list(request: HttpRequest, party: str = "") -> object:
    viewer = viewer_of(request)
    target = selectors.party_get(viewer, party) if party else None
    return selectors.members_visible_to(viewer, target).order_by("party__code", "username")


class PartyIn(Schema):
    kind: PartyKind
    code: str = Field(..., max_length=20)
    name: str = Field("", max_length=200)
    abbreviation: str = Field("", max_length=20)


@router.post("/parties", response={201: PartyOut}, summary="Register a party (secretariat)")
def party_register(request: HttpRequest, payload: PartyIn) -> Created[Party]:
    return Created(201, svc.party_register(agent=viewer_of(request), **payload.dict()))


class StatusIn(Schema):
    charter: str = Field(..., max_length=40)
    status: Status
    reason: str = Field("", max_length=1000)


@router.post(
    "/parties/{code}/status", response=PartyOut, summary="Record a status change (secretariat)"
)
def party_status(request: HttpRequest, code: str, payload: StatusIn) -> Party:
    viewer = viewer_of(request)
    party = selectors.party_get(viewer, code)
    charter = charter_get(viewer, payload.charter)
    svc.participation_set(
        agent=viewer, party=party, charter=charter, status=payload.status, reason=payload.reason
    )
    return party


class CharterIn(Schema):
    charter: str = Field(..., max_length=40)


@router.post("/parties/{code}/accession", response=PartyOut, summary="Request accession")
def accession(request: HttpRequest, code: str, payload: CharterIn) -> Party:
    viewer = viewer_of(request)
    party = selectors.party_get(viewer, code)
    svc.accession_request(agent=viewer, party=party, charter=charter_get(viewer, payload.charter))
    return party


@router.post(
    "/parties/{code}/consent", response=PartyOut, summary="Consent to this party's accession"
)
def consent(request: HttpRequest, code: str, payload: CharterIn) -> Party:
    viewer = viewer_of(request)
    party = selectors.party_get(viewer, code)
    charter = charter_get(viewer, payload.charter)
    applicant = Participation.objects.filter(party=party, charter=charter).first()
    if applicant is None or viewer.party is None:
        raise svc.ServiceError("This party is not an applicant.", field="charter")
    svc.accession_consent(agent=viewer, party=viewer.party, applicant=applicant)
    return party


@router.post("/parties/{code}/withdrawal", response=PartyOut, summary="Give notice of withdrawal")
def withdrawal(request: HttpRequest, code: str, payload: CharterIn) -> Party:
    viewer = viewer_of(request)
    party = selectors.party_get(viewer, code)
    svc.withdrawal_notify(agent=viewer, party=party, charter=charter_get(viewer, payload.charter))
    return party


@router.post("/parties/{code}/keys/rotate", response=KeyOut, summary="Rotate the signing key")
def key_rotate(request: HttpRequest, code: str) -> SigningKey:
    viewer = viewer_of(request)
    return svc.key_rotate(agent=viewer, party=selectors.party_get(viewer, code))


class MemberIn(Schema):
    username: str = Field(..., max_length=150)
    party: str | None = Field(None, max_length=20)
    roles: list[str] = Field(..., max_length=6)
    password: str = Field(..., max_length=200)
    email: str = Field("", max_length=254)
    full_name: str = Field("", max_length=300)
    language: str = Field("en", max_length=8)


@router.post("/delegations", response={201: MemberOut}, summary="Add a member (secretariat)")
def member_add(request: HttpRequest, payload: MemberIn) -> Created[User]:
    viewer = viewer_of(request)
    data = payload.dict()
    code = data.pop("party")
    party = selectors.party_get(viewer, code) if code else None
    return Created(201, svc.user_create(agent=viewer, party=party, **data))


class TokenIn(Schema):
    name: str = Field(..., max_length=100)


class TokenOut(Schema):
    prefix: str
    name: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class NewTokenOut(TokenOut):
    token: str = Field(description="Shown this once; only its digest is kept")


@router.get("/tokens", response=list[TokenOut], summary="Your API tokens")
@paginate(LimitOffsetPagination)
def token_list(request: HttpRequest) -> object:
    return selectors.tokens_of(viewer_of(request))


@router.post("/tokens", response={201: NewTokenOut}, summary="Create an API token for yourself")
def token_create(request: HttpRequest, payload: TokenIn) -> Created[dict[str, object]]:
    viewer = viewer_of(request)
    token, raw = svc.token_create(agent=viewer, user=viewer, name=payload.name)
    return Created(201, {**TokenOut.from_orm(token).dict(), "token": raw})


@router.delete("/tokens/{prefix}", response=TokenOut, summary="Revoke one of your API tokens")
def token_revoke(request: HttpRequest, prefix: str) -> object:
    viewer = viewer_of(request)
    return svc.token_revoke(agent=viewer, token=selectors.token_get(viewer, prefix))
