"""Witnesses on the hub: the keys parties register for their mirrors, and the
cosignatures (C2SP tlog-cosignature) those mirrors send back for checkpoints.

A witness key is registered by an act of the party (``witness.key_registered``), so the
record itself says which key speaks for which party; the latest registration under a
name is the key in force for that name. A cosignature is kept only if it verifies under
that key. Cosignatures are not acts: an act per cosignature would grow the record, call
for a new checkpoint and so for new cosignatures without end.

The checkpoint served at ``/record/checkpoint`` carries the cosignature lines received
for it (signed-note allows extra signature lines; clients ignore keys they do not
know), at most ``NOTE_COSIGNATURES_MAX`` of them, the earliest first.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from concord import clock
from concord.parties.models import Party, Role, User
from concord.parties.services import NotPermitted, ServiceError
from concord.record import checkpoints, cosign
from concord.record.models import Act, ActType, Checkpoint, Cosignature
from concord.record.services import act_append

# Signed-note verifiers must accept 16 signatures; the depositary's is one of them.
NOTE_COSIGNATURES_MAX = 15
# A witness's clock may run a little ahead of the hub's.
CLOCK_SKEW = timedelta(minutes=5)
LINE_MAX = 1000

ERR_NO_PARTY = gettext_noop("Only a member of a party's delegation acts for its witness.")
ERR_ROLE = gettext_noop(
    "Only the head of delegation or a verification officer registers the party's witness key."
)
ERR_VKEY = gettext_noop("The witness key is not valid: %(reason)s.")
ERR_NAME_TAKEN = gettext_noop(
    "Your party already has a different witness key named %(name)s; register the new one "
    "with replace to retire it."
)
ERR_MALFORMED = gettext_noop(
    "A cosignature is one signature line: — <witness name> <base64(key ID, time, signature)>."
)
ERR_NO_CHECKPOINT = gettext_noop("The hub signed no checkpoint of %(size)s entries.")
ERR_NOT_REGISTERED = gettext_noop(
    "Your party has registered no witness key named %(name)s: register it first."
)
ERR_WRONG_KEY = gettext_noop(
    "The cosignature is not by the witness key your party registered as %(name)s "
    "(key ID %(expected)s, not %(given)s)."
)
ERR_BAD_SIGNATURE = gettext_noop(
    "The cosignature does not verify for the checkpoint of %(size)s entries under your "
    "party's witness key %(name)s."
)
ERR_FUTURE = gettext_noop("The cosignature is dated in the future (%(time)s).")


@dataclass(frozen=True)
class Witness:
    """A witness key in force: the party, the key and the act that registered it."""

    party: Party
    key: cosign.WitnessKey
    act: Act


def _acting_party(agent: User) -> Party:
    if agent.party is None:
        raise NotPermitted(_(ERR_NO_PARTY))
    return agent.party


def witnesses_current(party: Party | None = None) -> list[Witness]:
    """Witness keys in force, by party code and name: the latest registration of each
    (party, name)."""
    acts = Act.objects.filter(type=ActType.WITNESS_KEY_REGISTERED).select_related("actor")
    if party is not None:
        acts = acts.filter(actor=party)
    latest: dict[tuple[int, str], Witness] = {}
    for act in acts.order_by("seq"):
        if act.actor is None:
            continue
        key = cosign.WitnessKey.parse(act.content["vkey"])
        latest[(act.actor.pk, key.name)] = Witness(act.actor, key, act)
    return sorted(latest.values(), key=lambda w: (w.party.code, w.key.name))


def witness_current(party: Party, name: str) -> Witness | None:
    """The key in force for ``party``'s witness called ``name``, if any."""
    act = (
        Act.objects.filter(type=ActType.WITNESS_KEY_REGISTERED, actor=party, content__name=name)
        .order_by("-seq")
        .first()
    )
    if act is None:
        return None
    return Witness(party, cosign.WitnessKey.parse(act.content["vkey"]), act)


def witness_key_register(*, agent: User, vkey: str, replace: bool = False) -> tuple[Witness, bool]:
    """Register the witness key of the agent's party (its head of delegation or a
    verification officer); returns the witness and whether a new act was appended.
    Registering the key already in force changes nothing, whoever asks; a different key
    under a name in use needs ``replace``."""
    party = _acting_party(agent)
    try:
        key = cosign.WitnessKey.parse(vkey)
    except cosign.CosignatureError as exc:
        raise ServiceError(_(ERR_VKEY) % {"reason": exc}, field="vkey") from None
    current = witness_current(party, key.name)
    # Any member may confirm the key in force (a mirror does on each start); it is public.
    if current is not None and current.key == key:
        return current, False
    if not agent.has_role(Role.HEAD, Role.VERIFICATION_OFFICER):
        raise NotPermitted(_(ERR_ROLE))
    with transaction.atomic():
        # Registrations of one party queue behind each other, so "in force" stays one key.
        Party.objects.select_for_update().filter(pk=party.pk).first()
        current = witness_current(party, key.name)
        if current is not None and current.key == key:
            return current, False
        if current is not None and not replace:
            raise ServiceError(_(ERR_NAME_TAKEN) % {"name": key.name}, field="vkey")
        act = act_append(
            type=ActType.WITNESS_KEY_REGISTERED,
            actor=party,
            agent=agent,
            content={
                "name": key.name,
                "vkey": key.vkey,
                "key_id": key.key_id.hex(),
                "ed25519": base64.b64encode(key.public_key).decode(),
                "replaces": current.key.vkey if current is not None else None,
            },
        )
    return Witness(party, key, act), True


def cosignature_submit(*, agent: User, size: int, line: str) -> tuple[Cosignature, bool]:
    """Keep the cosignature ``line`` of the checkpoint of ``size`` entries by a witness
    of the agent's party, once it verifies under the key in force for its name. Returns
    the row and whether it is new (a witness that sends again gets the first back)."""
    party = _acting_party(agent)
    line = line.strip()
    if "\n" in line or len(line) > LINE_MAX or not line.startswith(checkpoints.SIGNATURE_PREFIX):
        raise ServiceError(_(ERR_MALFORMED), field="cosignature")
    checkpoint = Checkpoint.objects.filter(size=size).first()
    if checkpoint is None:
        raise ServiceError(_(ERR_NO_CHECKPOINT) % {"size": size}, field="size")
    note = checkpoint.note + line + "\n"
    try:
        given = cosign.cosignatures_of(note)[-1:]
    except cosign.CosignatureError:
        given = []
    if not given or given[0].line != line:
        raise ServiceError(_(ERR_MALFORMED), field="cosignature")
    cosignature = given[0]
    witness = witness_current(party, cosignature.name)
    if witness is None:
        raise ServiceError(_(ERR_NOT_REGISTERED) % {"name": cosignature.name}, field="cosignature")
    if witness.key.key_id != cosignature.key_id:
        raise ServiceError(
            _(ERR_WRONG_KEY)
            % {
                "name": cosignature.name,
                "expected": witness.key.key_id.hex(),
                "given": cosignature.key_id.hex(),
            },
            field="cosignature",
        )
    try:
        cosign.cosignature_verify(checkpoint.note + line + "\n", witness.key)
    except cosign.CosignatureError:
        raise ServiceError(
            _(ERR_BAD_SIGNATURE) % {"size": size, "name": cosignature.name}, field="cosignature"
        ) from None
    signed_at = datetime.fromtimestamp(cosignature.timestamp, tz=UTC)
    now = clock.now()
    if signed_at > now + CLOCK_SKEW:
        raise ServiceError(_(ERR_FUTURE) % {"time": signed_at.isoformat()}, field="cosignature")
    existing = Cosignature.objects.filter(
        checkpoint=checkpoint, party=party, name=cosignature.name
    ).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            row = Cosignature.objects.create(
                checkpoint=checkpoint,
                party=party,
                key_act=witness.act,
                name=cosignature.name,
                signed_at=signed_at,
                line=line,
                received_at=now,
            )
    except IntegrityError:  # the same witness, sending twice at once
        return Cosignature.objects.get(
            checkpoint=checkpoint, party=party, name=cosignature.name
        ), False
    return row, True


def note_witnessed(checkpoint: Checkpoint) -> str:
    """The checkpoint's note with the cosignature lines received for it."""
    lines = Cosignature.objects.filter(checkpoint=checkpoint).values_list("line", flat=True)
    return checkpoint.note + "".join(f"{line}\n" for line in lines[:NOTE_COSIGNATURES_MAX])


@dataclass(frozen=True)
class CheckpointWitnessed:
    """A checkpoint and the cosignatures received for it, for the record page."""

    checkpoint: Checkpoint
    cosignatures: list[Cosignature]


def checkpoints_witnessed(limit: int = 5) -> list[CheckpointWitnessed]:
    """The latest checkpoints, newest first, each with who witnessed it."""
    latest = list(Checkpoint.objects.order_by("-size")[:limit])
    by_checkpoint: dict[int, list[Cosignature]] = {cp.pk: [] for cp in latest}
    for row in Cosignature.objects.filter(checkpoint__in=latest).select_related("party"):
        by_checkpoint[row.checkpoint_id].append(row)
    return [CheckpointWitnessed(cp, by_checkpoint[cp.pk]) for cp in latest]
