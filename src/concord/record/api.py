"""API: the act log."""

import json
from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate
from ninja.responses import Status

from concord.parties.api import viewer_of
from concord.parties.services import ServiceError
from concord.record import checkpoints, proofs, selectors, witnesses
from concord.record.models import Act, ActType, Checkpoint, Cosignature

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


# --- witnesses: the parties' mirrors cosign checkpoints (C2SP tlog-cosignature) ----------


class VerifierKeyOut(Schema):
    origin: str
    vkey: str


@router.get(
    "/record/vkey",
    response=VerifierKeyOut,
    summary="The verifier key of the record's checkpoints (signed-note format)",
)
def record_vkey(request: HttpRequest) -> dict[str, str]:
    viewer_of(request)
    return {"origin": checkpoints.origin(), "vkey": checkpoints.depositary_vkey()}


class WitnessOut(Schema):
    party: str
    name: str
    vkey: str
    act: int
    registered_at: datetime


def _witness_out(witness: witnesses.Witness) -> dict[str, Any]:
    return {
        "party": witness.party.code,
        "name": witness.key.name,
        "vkey": witness.key.vkey,
        "act": witness.act.seq,
        "registered_at": witness.act.time,
    }


@router.get(
    "/record/witnesses", response=list[WitnessOut], summary="Witness keys in force, by party"
)
def witness_list(request: HttpRequest) -> list[dict[str, Any]]:
    viewer_of(request)
    return [_witness_out(w) for w in witnesses.witnesses_current()]


class WitnessIn(Schema):
    vkey: str = Field(..., max_length=500)
    replace: bool = False


@router.post(
    "/record/witnesses",
    response={200: WitnessOut, 201: WitnessOut},
    summary="Register your party's witness key (head of delegation or verification officer)",
)
def witness_register(request: HttpRequest, payload: WitnessIn) -> Status[dict[str, Any]]:
    witness, created = witnesses.witness_key_register(
        agent=viewer_of(request), vkey=payload.vkey, replace=payload.replace
    )
    return Status(201 if created else 200, _witness_out(witness))


class CosignatureOut(Schema):
    size: int
    party: str
    name: str
    signed_at: datetime
    received_at: datetime
    cosignature: str

    @staticmethod
    def resolve_size(obj: Cosignature) -> int:
        return obj.checkpoint.size

    @staticmethod
    def resolve_party(obj: Cosignature) -> str:
        return obj.party.code

    @staticmethod
    def resolve_cosignature(obj: Cosignature) -> str:
        return obj.line


@router.get(
    "/record/cosignatures",
    response=list[CosignatureOut],
    summary="Cosignatures of the checkpoint of `size` entries (default: the latest)",
)
def cosignature_list(request: HttpRequest, size: int | None = None) -> Any:
    viewer_of(request)
    rows = Cosignature.objects.select_related("checkpoint", "party")
    if size is None:
        checkpoint = Checkpoint.objects.order_by("-size").first()
        return rows.filter(checkpoint=checkpoint) if checkpoint else rows.none()
    return rows.filter(checkpoint__size=size)


class CosignatureIn(Schema):
    size: int
    cosignature: str = Field(..., max_length=witnesses.LINE_MAX)


@router.post(
    "/record/cosignatures",
    response={200: CosignatureOut, 201: CosignatureOut},
    summary="Send your party's witness cosignature of a checkpoint (C2SP tlog-cosignature)",
)
def cosignature_submit(request: HttpRequest, payload: CosignatureIn) -> Status[Cosignature]:
    row, created = witnesses.cosignature_submit(
        agent=viewer_of(request), size=payload.size, line=payload.cosignature
    )
    return Status(201 if created else 200, row)
