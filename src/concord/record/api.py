"""API: the act log."""

import json
from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from concord.parties.api import viewer_of
from concord.parties.services import ServiceError
from concord.record import proofs, selectors
from concord.record.models import Act, ActType

router = Router(tags=["record"])


class ActOut(Schema):
    seq: int
    type: str
    charter: str | None
    actor: str
    agent: str
    time: datetime
    refs: list[int]
    restricted: bool
    digest: str
    key: str
    leaf_hash: str
    content: dict[str, Any] | None

    @staticmethod
    def resolve_charter(obj: Act) -> str | None:
        return obj.charter_version.label if obj.charter_version else None

    @staticmethod
    def resolve_actor(obj: Act) -> str:
        return obj.actor_code

    @staticmethod
    def resolve_agent(obj: Act) -> str:
        return obj.agent_name

    @staticmethod
    def resolve_key(obj: Act) -> str:
        return obj.key.key_id

    @staticmethod
    def resolve_leaf_hash(obj: Act) -> str:
        return bytes(obj.leaf_hash).hex()

    @staticmethod
    def resolve_content(obj: Act, context: dict[str, Any]) -> dict[str, Any] | None:
        return selectors.act_content_for(context["request"].user, obj)


class ActDetailOut(ActOut):
    entry: str

    @staticmethod
    def resolve_entry(obj: Act) -> str:
        return bytes(obj.entry).decode()


@router.get("/acts", response=list[ActOut], summary="Acts you may see, newest first")
@paginate(LimitOffsetPagination)
def act_list(
    request: HttpRequest, type: ActType | None = None, party: str = "", charter: str = ""
) -> object:
    return selectors.acts_visible_to(
        viewer_of(request), type=type or "", party=party, charter=charter
    )


@router.get("/acts/{seq}", response=ActDetailOut, summary="One act with its entry bytes")
def act_detail(request: HttpRequest, seq: int) -> Act:
    return selectors.act_get(viewer_of(request), seq)


class InclusionOut(Schema):
    index: int
    size: int
    leaf_hash: str
    hashes: list[str]


class ConsistencyOut(Schema):
    first: int
    second: int
    hashes: list[str]


def _proof(make: Any, *args: int) -> Any:
    try:
        return make(*args)
    except proofs.ProofUnavailable as exc:
        raise ServiceError(str(exc), field="size") from None


@router.get(
    "/record/proof/inclusion",
    response=InclusionOut,
    summary="RFC 9162 inclusion proof of entry `index` in the tree of `size` entries",
)
def proof_inclusion(request: HttpRequest, index: int, size: int) -> Any:
    viewer_of(request)
    return _proof(proofs.inclusion, index, size)


@router.get(
    "/record/proof/consistency",
    response=ConsistencyOut,
    summary="RFC 9162 consistency proof from tree size `first` to `second`",
)
def proof_consistency(request: HttpRequest, first: int, second: int) -> Any:
    viewer_of(request)
    return _proof(proofs.consistency, first, second)


class EntryOut(Schema):
    seq: int
    entry: dict[str, Any]
    content: dict[str, Any] | None

    @staticmethod
    def resolve_entry(obj: Act) -> dict[str, Any]:
        decoded: dict[str, Any] = json.loads(bytes(obj.entry))
        return decoded

    @staticmethod
    def resolve_content(obj: Act, context: dict[str, Any]) -> dict[str, Any] | None:
        return selectors.act_content_for(context["request"].user, obj)


@router.get(
    "/record/entries",
    response=list[EntryOut],
    summary="Decoded entries [start, end), oldest first; content where you may read it",
)
@paginate(LimitOffsetPagination)
def record_entries(request: HttpRequest, start: int = 0, end: int | None = None) -> Any:
    viewer_of(request)
    if start < 0 or (end is not None and end < start):
        raise ServiceError("start must be ≥ 0 and end ≥ start", field="start")
    acts = Act.objects.filter(seq__gte=start).order_by("seq")
    return acts.filter(seq__lt=end) if end is not None else acts
