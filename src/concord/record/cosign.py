"""Witness cosignatures of checkpoints: C2SP tlog-cosignature, type ``cosignature/v1``.

A cosignature is one more signature line on a checkpoint's signed note, made by a
witness (here: a party's mirror) with its own Ed25519 key::

    — <witness name> base64(key ID ‖ timestamp ‖ signature)

- the key ID is the first four bytes of SHA-256(name ‖ 0x0A ‖ 0x04 ‖ public key);
- the timestamp is the time of signing in POSIX seconds, eight bytes big-endian;
- the signature is Ed25519 over ``cosignature/v1\\n`` ``time <timestamp>\\n`` and the
  checkpoint's whole note text (origin, size, root hash, with its final newline).

By the spec, a cosignature states that at that time the witness had seen no tree of
that log larger than this one, and that this one is consistent with all it had seen.
A Concord mirror states in addition that it holds every entry up to that size and has
checked each one.

A witness key is written as a note verifier key, ``<name>+<key ID in hex>+
base64(0x04 ‖ public key)``, and kept in a file as ``PRIVATE+KEY+<name>+<key ID in hex>+
base64(0x04 ‖ 32-byte seed)``. Notes are parsed with ``checkpoints.note_parse``.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from concord.record import checkpoints

COSIGNATURE_ALG = b"\x04"
HEADER = "cosignature/v1\n"
PRIVATE_PREFIX = "PRIVATE+KEY+"
TIMESTAMP_MAX = 2**63 - 1
KEY_ID_SIZE, TIMESTAMP_SIZE, SIGNATURE_SIZE = 4, 8, 64


class CosignatureError(ValueError):
    """A witness key, a cosignature or a key file is malformed, or a signature fails."""


def name_check(name: str) -> str:
    """Key names are non-empty and hold no space, no plus sign and no control character."""
    if not name or any(c.isspace() or c == "+" or ord(c) < 0x20 for c in name):
        raise CosignatureError("a witness name is not empty and has no spaces or '+'")
    return name


def key_id(name: str, public_key: bytes) -> bytes:
    """SHA-256(name ‖ 0x0A ‖ 0x04 ‖ public key)[:4]."""
    return hashlib.sha256(name.encode() + b"\n" + COSIGNATURE_ALG + public_key).digest()[:4]


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _key_text(text: str, prefix: str) -> tuple[str, bytes, bytes]:
    """Split ``<prefix><name>+<hex id>+<base64(0x04 ‖ key)>`` into (name, id, key)."""
    if not text.startswith(prefix):
        raise CosignatureError(f"expected {prefix or 'a verifier key'}<name>+<hex>+<base64>")
    try:
        name, id_hex, encoded = text[len(prefix) :].strip().split("+", 2)
        given_id = bytes.fromhex(id_hex)
        raw = base64.b64decode(encoded, validate=True)
    except ValueError:
        raise CosignatureError("a witness key reads <name>+<8 hex digits>+<base64 key>") from None
    if len(given_id) != KEY_ID_SIZE or raw[:1] != COSIGNATURE_ALG or len(raw) != 33:
        raise CosignatureError("a witness key is of type 0x04 (timestamped Ed25519 cosignature)")
    return name_check(name), given_id, raw[1:]


@dataclass(frozen=True)
class WitnessKey:
    """A witness's public key, as those who check its cosignatures configure it."""

    name: str
    key_id: bytes
    public_key: bytes

    @classmethod
    def parse(cls, text: str) -> WitnessKey:
        name, given_id, public = _key_text(text, "")
        if key_id(name, public) != given_id:
            raise CosignatureError("the witness key's ID does not match its name and key")
        try:
            Ed25519PublicKey.from_public_bytes(public)
        except ValueError:
            raise CosignatureError("not an Ed25519 public key") from None
        return cls(name=name, key_id=given_id, public_key=public)

    @property
    def vkey(self) -> str:
        return f"{self.name}+{self.key_id.hex()}+{_b64(COSIGNATURE_ALG + self.public_key)}"


@dataclass(frozen=True)
class WitnessSigner:
    """A witness's private key with its name (the party's side; never sent anywhere)."""

    name: str
    private_key: Ed25519PrivateKey

    @classmethod
    def generate(cls, name: str) -> WitnessSigner:
        return cls(name=name_check(name), private_key=Ed25519PrivateKey.generate())

    @classmethod
    def from_seed(cls, name: str, seed: bytes) -> WitnessSigner:
        return cls(name=name_check(name), private_key=Ed25519PrivateKey.from_private_bytes(seed))

    @classmethod
    def parse(cls, text: str) -> WitnessSigner:
        name, given_id, seed = _key_text(text.strip(), PRIVATE_PREFIX)
        signer = cls.from_seed(name, seed)
        if signer.key.key_id != given_id:
            raise CosignatureError("the key file's ID does not match its name and key")
        return signer

    @property
    def key(self) -> WitnessKey:
        public = self.private_key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        return WitnessKey(name=self.name, key_id=key_id(self.name, public), public_key=public)

    def text(self) -> str:
        """The key file's contents (one line)."""
        seed = self.private_key.private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        )
        return (
            f"{PRIVATE_PREFIX}{self.name}+{self.key.key_id.hex()}+{_b64(COSIGNATURE_ALG + seed)}\n"
        )


def signed_message(body: str, timestamp: int) -> bytes:
    """What a cosignature signs: the header line, the time line and the note text."""
    if not 0 <= timestamp <= TIMESTAMP_MAX:
        raise CosignatureError("a cosignature's time is 0 to 2^63 - 1 seconds")
    return f"{HEADER}time {timestamp}\n{body}".encode()


@dataclass(frozen=True)
class Cosignature:
    """One cosignature line, decoded."""

    name: str
    key_id: bytes
    timestamp: int
    signature: bytes

    @property
    def line(self) -> str:
        """The signature line, without its newline."""
        stamp = self.key_id + self.timestamp.to_bytes(TIMESTAMP_SIZE, "big") + self.signature
        return f"{checkpoints.SIGNATURE_PREFIX}{self.name} {_b64(stamp)}"


def cosign(body: str, signer: WitnessSigner, *, timestamp: int) -> Cosignature:
    """Cosign a checkpoint's note text (as ``SignedCheckpoint.body`` gives it)."""
    signature = signer.private_key.sign(signed_message(body, timestamp))
    return Cosignature(signer.name, signer.key.key_id, timestamp, signature)


def _note_cosignatures(note: str) -> tuple[str, list[Cosignature]]:
    try:
        parsed = checkpoints.note_parse(note)
    except checkpoints.NoteError as exc:
        raise CosignatureError(str(exc)) from None
    found = []
    for name, id_, rest in parsed.signatures:
        if len(rest) == TIMESTAMP_SIZE + SIGNATURE_SIZE:
            stamp = int.from_bytes(rest[:TIMESTAMP_SIZE], "big")
            found.append(Cosignature(name, id_, stamp, rest[TIMESTAMP_SIZE:]))
    return parsed.body, found


def cosignatures_of(note: str) -> list[Cosignature]:
    """Every signature line of ``note`` shaped as a cosignature (four bytes of key ID,
    eight of time, 64 of signature), whoever made it. Not verified."""
    return _note_cosignatures(note)[1]


def cosignature_verify(note: str, key: WitnessKey) -> Cosignature:
    """The cosignature of ``note`` by ``key``, checked; raises CosignatureError if the
    note carries none or if it does not verify. Lines by other keys are ignored, as
    signed-note requires."""
    body, found = _note_cosignatures(note)
    for cosignature in found:
        if cosignature.name != key.name or cosignature.key_id != key.key_id:
            continue
        if cosignature.timestamp > TIMESTAMP_MAX:
            raise CosignatureError("a cosignature's time is 0 to 2^63 - 1 seconds")
        try:
            Ed25519PublicKey.from_public_bytes(key.public_key).verify(
                cosignature.signature, signed_message(body, cosignature.timestamp)
            )
        except InvalidSignature:
            raise CosignatureError(f"the cosignature by {key.name} does not verify") from None
        return cosignature
    raise CosignatureError(f"the note carries no cosignature by {key.name}")
