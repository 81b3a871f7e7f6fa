"""The single write path into the record: every state change appends one act here, in
the same database transaction as the change itself."""

from __future__ import annotations

import os
from collections.abc import Iterable
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
    "SELECT id, key_id FROM {table} WHERE {owner} AND valid_from <= %s"
    " AND (valid_until IS NULL OR valid_until > %s) ORDER BY valid_from DESC LIMIT 1"
)
# Keys by key id (a hash of the public key, so never reused, even for a key whose
# creation was rolled back). A key row never changes but for ``valid_until``, which the
# query above reads fresh each time, so caching the rest is safe across processes.
_key_cache: dict[str, SigningKey] = {}


def signing_key_for(party: Party | None, *, at: Any) -> SigningKey:
    """The key that signs for ``party`` (None: the depositary) at the given time."""
    from concord.parties.models import SigningKey

    table = SigningKey._meta.db_table
    owner = "party_id IS NULL" if party is None else "party_id = %s"
    params: list[Any] = [] if party is None else [party.pk]
    stamp = connection.ops.adapt_datetimefield_value(at)
    with connection.cursor() as cursor:
        cursor.execute(_KEY_SQL.format(table=table, owner=owner), [*params, stamp, stamp])
        row = cursor.fetchone()
    if row is None:
        owner_code = party.code if party else "depositary"
        raise RecordError(ERR_NO_KEY.format(owner=owner_code, time=at.isoformat()))
    key = _key_cache.get(row[1])
    if key is None:
        key = _key_cache[row[1]] = SigningKey.objects.get(pk=row[0])
    return key


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


def _next_seq() -> int:
    """Take the next sequence number. The UPDATE locks the head row until the
    transaction ends, so appends are serialised and a rollback returns the number:
    the log never has gaps or duplicates."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {HEAD_TABLE} SET size = size + 1 WHERE id = 1 RETURNING size"  # noqa: S608
        )
        row = cursor.fetchone()
    if row is None:
        RecordHead.objects.create(id=1, size=0)
        return _next_seq()
    return int(row[0]) - 1


def _depositary_has_keys() -> bool:
    from concord.parties.models import SigningKey

    return SigningKey.objects.filter(party=None).exists()


def _release_seq(seq: int) -> None:
    """Give back the number just taken (still under the lock of this transaction)."""
    RecordHead.objects.filter(id=1, size=seq + 1).update(size=seq)


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
    if not connection.in_atomic_block:
        raise RecordError(ERR_NOT_IN_TRANSACTION)
    seq = _next_seq()
    at = clock.now()
    if key is not None:
        signing_key = key
    else:
        try:
            signing_key = signing_key_for(actor, at=at)
        except RecordError:
            if actor is not None or _depositary_has_keys():
                raise
            # A new record: the depositary's key comes first, as act 0.
            _release_seq(seq)
            signing_key = _depositary_key_create(at)
            seq = _next_seq()
            at = clock.now()
    restricted = recipients is not None
    salt = os.urandom(16) if restricted else None
    digest = (
        entry_format.content_commitment(content, salt)
        if salt is not None
        else entry_format.content_digest(content)
    )
    ref_list = sorted(set(refs))
    body = entry_format.signed_body(
        seq=seq,
        type=str(type),
        charter=charter_version.label if charter_version else None,
        actor=actor.code if actor else "depositary",
        agent=agent.username if agent else "",
        time=entry_format.format_time(at),
        refs=ref_list,
        digest=digest,
        restricted=restricted,
    )
    signature = keys.sign(signing_key.private_key_encrypted, entry_format.canonical(body))
    raw = entry_format.entry_bytes(body, signing_key.key_id, signature)
    if len(raw) > MAX_ENTRY_BYTES:
        raise RecordError(ERR_ENTRY_TOO_LARGE)
    act = Act.objects.create(
        seq=seq,
        type=str(type),
        charter_version=charter_version,
        actor=actor,
        agent=agent,
        agent_name=agent.username if agent else "",
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
    if recipients is not None:
        act.recipients.set({*recipients, *([actor] if actor else [])})
    tiles_on_append(seq)
    transaction.on_commit(lambda: act_committed.send(sender=Act, act=act))
    return act
