"""The single write path into the record: every state change appends one act here, in
the same database transaction as the change itself."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import django.dispatch
from django.db import connection, transaction

from concord import clock
from concord.parties import keys
from concord.record import entry as entry_format
from concord.record.models import Act, ActType, RecordHead
from concord.record.tiles import tiles_on_append

HEAD_TABLE = RecordHead._meta.db_table

if TYPE_CHECKING:
    from concord.charters.models import CharterVersion
    from concord.parties.models import Party, SigningKey, User

# Sent once the transaction that appended the act has committed (delivery listens).
act_committed = django.dispatch.Signal()

ERR_NOT_IN_TRANSACTION = "acts are appended inside the transaction of the change they record"
ERR_ENTRY_TOO_LARGE = "the act refers to too much to fit one record entry"
# Entry bundles (C2SP tlog-tiles) prefix each entry with a 16-bit length.
MAX_ENTRY_BYTES = 65535
ERR_NO_KEY = "{owner} has no signing key valid at {time}"


class RecordError(Exception):
    """An act could not be appended."""


_KEY_SQL = (
    "SELECT id, key_id, party_id FROM {table} WHERE {owner} AND valid_from <= %s"
    " AND (valid_until IS NULL OR valid_until > %s) ORDER BY valid_from DESC LIMIT 1"
)
# Keys by key id (a hash of the public key, so never reused, even for a key whose
# creation was rolled back). A key row never changes but for ``valid_until``, which the
# query above reads fresh each time, so caching the rest is safe across processes.
_key_cache: dict[str, SigningKey] = {}


def signing_key_for(party: Party | None, *, at: Any) -> SigningKey:
    """The key that signs for ``party`` (None: the depositary) at the given time."""
    key = signing_keys_for([party], at=at).get(party.pk if party is not None else None)
    if key is None:
        owner_code = party.code if party else "depositary"
        raise RecordError(ERR_NO_KEY.format(owner=owner_code, time=at.isoformat()))
    return key


def signing_keys_for(parties: Iterable[Party | None], *, at: Any) -> dict[int | None, SigningKey]:
    """The keys valid at ``at`` of several signers (None: the depositary), read in one
    query, by party id (None for the depositary). A signer with no valid key is absent."""
    from concord.parties.models import SigningKey

    table = SigningKey._meta.db_table
    stamp = connection.ops.adapt_datetimefield_value(at)
    owners = list(dict.fromkeys(p.pk if p is not None else None for p in parties))
    parts: list[str] = []
    params: list[Any] = []
    for owner in owners:
        condition = "party_id IS NULL" if owner is None else "party_id = %s"
        # Each part is a subquery so that its ORDER BY and LIMIT apply to it alone.
        parts.append(
            f"SELECT * FROM ({_KEY_SQL.format(table=table, owner=condition)}) AS k{len(parts)}"  # noqa: S608
        )
        params.extend([*([] if owner is None else [owner]), stamp, stamp])
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        rows = cursor.fetchall()
    keys: dict[int | None, SigningKey] = {}
    for pk, key_id, owner in rows:
        key = _key_cache.get(key_id)
        if key is None:
            key = _key_cache[key_id] = SigningKey.objects.get(pk=pk)
        keys[owner] = key
    return keys


def _depositary_key_create(at: Any) -> SigningKey:
    """The depositary's first key, published as an act signed by itself. Runs inside
    the append that needed it, under the record's lock."""
    from concord.parties.models import SigningKey

    public, private = keys.generate_keypair()
    key = SigningKey.objects.create(
        party=None,
        key_id=keys.key_id_for(public),
        public_key=public,
        private_key_encrypted=keys.encrypt_secret(private),
        valid_from=at,
    )
    act_append(
        type=ActType.KEY_PUBLISHED, actor=None, agent=None, content=key_content(key), key=key
    )
    return key


def key_content(key: SigningKey) -> dict[str, Any]:
    import base64

    return {
        "owner": key.owner_code,
        "key": key.key_id,
        "ed25519": base64.b64encode(bytes(key.public_key)).decode(),
        "valid_from": entry_format.format_time(key.valid_from),
        "valid_until": entry_format.format_time(key.valid_until) if key.valid_until else None,
    }


def _next_seq(count: int = 1) -> int:
    """Take the next ``count`` sequence numbers; returns the first. The UPDATE locks the
    head row until the transaction ends, so appends are serialised and a rollback
    returns the numbers: the log never has gaps or duplicates."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {HEAD_TABLE} SET size = size + %s WHERE id = 1 RETURNING size",  # noqa: S608
            [count],
        )
        row = cursor.fetchone()
    if row is None:
        RecordHead.objects.create(id=1, size=0)
        return _next_seq(count)
    return int(row[0]) - count


def _depositary_has_keys() -> bool:
    from concord.parties.models import SigningKey

    return SigningKey.objects.filter(party=None).exists()


def _release_seq(seq: int, count: int = 1) -> None:
    """Give back the numbers just taken (still under the lock of this transaction)."""
    RecordHead.objects.filter(id=1, size=seq + count).update(size=seq)


@dataclass
class Draft:
    """One act to append with ``acts_append``. ``content`` and ``refs`` may be functions
    of the first sequence number of the batch, for acts that refer to an earlier act of
    the same batch."""

    type: str
    actor: Party | None
    agent: User | None
    content: dict[str, Any] | Callable[[int], dict[str, Any]]
    charter_version: CharterVersion | None = None
    refs: Iterable[int] | Callable[[int], Iterable[int]] = ()
    recipients: Iterable[Party] | None = None
    key: SigningKey | None = None


def act_append(
    *,
    type: str,
    actor: Party | None,
    agent: User | None,
    content: dict[str, Any],
    charter_version: CharterVersion | None = None,
    refs: Iterable[int] = (),
    recipients: Iterable[Party] | None = None,
    key: SigningKey | None = None,
) -> Act:
    """Append one act, signed by ``actor`` (None: the depositary).

    ``recipients`` None means the act is for every party and its content is public;
    otherwise only those parties (and the actor) may see its content, and the entry
    carries a salted commitment instead of a plain digest.
    """
    draft = Draft(type, actor, agent, content, charter_version, refs, recipients, key)
    return acts_append([draft])[0]


def acts_append(drafts: Sequence[Draft]) -> list[Act]:
    """Append several acts in order, taking the record's lock once and writing them in
    one statement: what a bulk change costs is then mostly signing."""
    if not connection.in_atomic_block:
        raise RecordError(ERR_NOT_IN_TRANSACTION)
    if not drafts:
        return []
    count = len(drafts)
    # What does not depend on the sequence number is done before taking the lock.
    prepared: list[tuple[bytes | None, str | None]] = []
    for d in drafts:
        salt = os.urandom(16) if d.recipients is not None else None
        digest = None
        if not callable(d.content):
            digest = (
                entry_format.content_commitment(d.content, salt)
                if salt is not None
                else entry_format.content_digest(d.content)
            )
        prepared.append((salt, digest))
    first = _next_seq(count)
    at = clock.now()
    signers = {
        d.actor.pk if d.actor is not None else None: d.actor for d in drafts if d.key is None
    }
    owners = signing_keys_for(signers.values(), at=at) if signers else {}
    bootstrap = False
    for owner, actor in signers.items():
        if owner in owners:
            continue
        if actor is not None or _depositary_has_keys():
            raise RecordError(
                ERR_NO_KEY.format(owner=actor.code if actor else "depositary", time=at.isoformat())
            )
        bootstrap = True
    if bootstrap:
        # A new record: the depositary's key comes first, as act 0.
        _release_seq(first, count)
        owners[None] = _depositary_key_create(at)
        first = _next_seq(count)
        at = clock.now()
    acts: list[Act] = []
    restricted_recipients: list[tuple[Act, set[Party]]] = []
    for i, d in enumerate(drafts):
        seq = first + i
        signing_key = d.key or owners[d.actor.pk if d.actor is not None else None]
        content = d.content(first) if callable(d.content) else d.content
        refs = d.refs(first) if callable(d.refs) else d.refs
        restricted = d.recipients is not None
        salt, digest = prepared[i]
        if digest is None:
            digest = (
                entry_format.content_commitment(content, salt)
                if salt is not None
                else entry_format.content_digest(content)
            )
        ref_list = sorted(set(refs))
        body = entry_format.signed_body(
            seq=seq,
            type=str(d.type),
            charter=d.charter_version.label if d.charter_version else None,
            actor=d.actor.code if d.actor else "depositary",
            agent=d.agent.username if d.agent else "",
            time=entry_format.format_time(at),
            refs=ref_list,
            digest=digest,
            restricted=restricted,
        )
        signature = keys.sign(signing_key.private_key_encrypted, entry_format.canonical(body))
        raw = entry_format.entry_bytes(body, signing_key.key_id, signature)
        if len(raw) > MAX_ENTRY_BYTES:
            raise RecordError(ERR_ENTRY_TOO_LARGE)
        act = Act(
            seq=seq,
            type=str(d.type),
            charter_version=d.charter_version,
            actor=d.actor,
            agent=d.agent,
            agent_name=d.agent.username if d.agent else "",
            time=at,
            refs=ref_list,
            content=content,
            digest=digest,
            salt=salt,
            restricted=restricted,
            key=signing_key,
            signature=signature,
            entry=raw,
            leaf_hash=entry_format.leaf_hash(raw),
        )
        acts.append(act)
        if d.recipients is not None:
            restricted_recipients.append((act, {*d.recipients, *([d.actor] if d.actor else [])}))
    Act.objects.bulk_create(acts)
    if restricted_recipients:
        through = Act.recipients.through
        through.objects.bulk_create(
            through(act_id=act.seq, party_id=party.pk)
            for act, parties in restricted_recipients
            for party in parties
        )
    for act in acts:
        tiles_on_append(act.seq)
    transaction.on_commit(lambda: [act_committed.send(sender=Act, act=a) for a in acts])
    return acts
