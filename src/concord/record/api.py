"""API: the act log."""

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from concord.parties.api import viewer_of
from concord.record import selectors
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
