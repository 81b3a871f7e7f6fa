"""Checkpoints: C2SP tlog-checkpoint bodies signed as C2SP signed notes.

    <origin>\\n<tree size>\\n<base64 root hash>\\n
    \\n
    — <key name> <base64(4-byte key hash ‖ Ed25519 signature)>\\n

The key name is the record's origin; the key hash is the first four bytes of
SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key), and the verifier key is written
``<name>+<hex key hash>+<base64(0x01 ‖ public key)>``.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction

from concord import clock
from concord.parties import keys
from concord.record.models import Checkpoint
from concord.record.proofs import head_size
from concord.record.tiles import root_at

ED25519_ALG = b"\x01"
SIGNATURE_PREFIX = "\u2014 "  # an em dash and a space begin each signature line


class NoteError(ValueError):
    """A note or checkpoint is malformed or its signature does not verify."""


def origin() -> str:
    return str(settings.CONCORD_RECORD_ORIGIN)


def key_hash(name: str, public_key: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + ED25519_ALG + public_key).digest()[:4]


def vkey(name: str, public_key: bytes) -> str:
    """The verifier key in note format."""
    encoded = base64.b64encode(ED25519_ALG + public_key).decode()
    return f"{name}+{key_hash(name, public_key).hex()}+{encoded}"


@dataclass(frozen=True)
class VerifierKey:
    name: str
    hash: bytes
    public_key: bytes

    @classmethod
    def parse(cls, text: str) -> VerifierKey:
        try:
            name, hash_hex, encoded = text.strip().split("+", 2)
            raw = base64.b64decode(encoded, validate=True)
            key_id = bytes.fromhex(hash_hex)
        except ValueError:
            raise NoteError("a verifier key reads <name>+<8 hex digits>+<base64 key>") from None
        if len(key_id) != 4 or raw[:1] != ED25519_ALG or len(raw) != 33:
            raise NoteError("only Ed25519 verifier keys (type 0x01) are supported")
        if key_hash(name, raw[1:]) != key_id:
            raise NoteError("the verifier key's hash does not match its name and key")
        return cls(name=name, hash=key_id, public_key=raw[1:])


def checkpoint_body(name: str, size: int, root: bytes) -> str:
    return f"{name}\n{size}\n{base64.b64encode(root).decode()}\n"


def note_sign(body: str, name: str, encrypted_private_key: bytes, public_key: bytes) -> str:
    signature = keys.sign(encrypted_private_key, body.encode())
    stamp = base64.b64encode(key_hash(name, public_key) + signature).decode()
    return f"{body}\n{SIGNATURE_PREFIX}{name} {stamp}\n"


@dataclass(frozen=True)
class SignedCheckpoint:
    origin: str
    size: int
    root: bytes
    body: str
    signatures: list[tuple[str, bytes, bytes]]  # (name, key hash, signature)


def note_parse(note: str) -> SignedCheckpoint:
    if len(note) > 64 * 1024:
        raise NoteError("note is too long")
    body, sep, sigs = note.partition("\n\n")
    if not sep or not body:
        raise NoteError("a note has a body, a blank line and signature lines")
    body += "\n"
    lines = body.split("\n")
    if len(lines) < 4:
        raise NoteError("a checkpoint has an origin, a size and a root hash")
    try:
        size = int(lines[1])
        root = base64.b64decode(lines[2], validate=True)
    except ValueError:
        raise NoteError("checkpoint size or root hash is malformed") from None
    if size < 0 or len(root) != 32 or lines[1] != str(size):
        raise NoteError("checkpoint size or root hash is malformed")
    signatures = []
    for line in sigs.split("\n"):
        if not line:
            continue
        if not line.startswith(SIGNATURE_PREFIX):
            raise NoteError("a signature line begins with an em dash")
        name, _, stamp = line[len(SIGNATURE_PREFIX) :].rpartition(" ")
        try:
            raw = base64.b64decode(stamp, validate=True)
        except ValueError:
            raise NoteError("signature is not base64") from None
        if len(raw) < 5:
            raise NoteError("signature is too short")
        signatures.append((name, raw[:4], raw[4:]))
    return SignedCheckpoint(lines[0], size, root, body, signatures)


def checkpoint_verify(note: str, verifier: VerifierKey) -> SignedCheckpoint:
    """Parse a checkpoint and check the signature by ``verifier``; raises NoteError."""
    cp = note_parse(note)
    if cp.origin != verifier.name:
        raise NoteError(f"checkpoint origin {cp.origin!r} is not {verifier.name!r}")
    for name, hash_, signature in cp.signatures:
        if name == verifier.name and hash_ == verifier.hash:
            if keys.verify(verifier.public_key, signature, cp.body.encode()):
                return cp
            raise NoteError("the checkpoint signature does not verify")
    raise NoteError(f"the checkpoint carries no signature by {verifier.name}")


def depositary_vkey() -> str:
    from concord.record.services import signing_key_for

    key = signing_key_for(None, at=clock.now())
    return vkey(origin(), bytes(key.public_key))


def checkpoint_publish(*, force: bool = False) -> Checkpoint | None:
    """Sign a checkpoint of the committed record, unless one of that size exists or,
    without ``force``, one was published less than CONCORD_CHECKPOINT_INTERVAL ago."""
    from concord.record.services import signing_key_for

    latest = Checkpoint.objects.order_by("-size").first()
    size = head_size()
    if size == 0:
        return latest
    if latest is not None:
        fresh = clock.now() - latest.created_at < timedelta(
            seconds=settings.CONCORD_CHECKPOINT_INTERVAL
        )
        if latest.size >= size or (fresh and not force):
            return latest
    root = root_at(size)
    key = signing_key_for(None, at=clock.now())
    name = origin()
    note = note_sign(
        checkpoint_body(name, size, root),
        name,
        bytes(key.private_key_encrypted),
        bytes(key.public_key),
    )
    try:
        with transaction.atomic():
            return Checkpoint.objects.create(
                size=size, root=root, note=note, created_at=clock.now()
            )
    except IntegrityError:  # another process signed the same size first
        return Checkpoint.objects.get(size=size)
