"""The bytes of a record entry: canonical JSON (RFC 8785) and RFC 9162 hashing."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime
from typing import Any

import rfc8785

from concord.record.tree import leaf_hash, node_hash

__all__ = ["canonical", "content_commitment", "content_digest", "leaf_hash", "node_hash"]

ENTRY_VERSION = 1


def canonical(value: Any) -> bytes:
    """RFC 8785 canonical JSON, UTF-8."""
    return rfc8785.dumps(value)


def content_digest(content: Any) -> str:
    return "sha256:" + hashlib.sha256(canonical(content)).hexdigest()


def content_commitment(content: Any, salt: bytes) -> str:
    """A salted commitment: recipients who hold the content and salt can check it, while
    nobody else can guess low-entropy content from the digest."""
    return "sha256:" + hashlib.sha256(salt + canonical(content)).hexdigest()


def format_time(at: datetime) -> str:
    """UTC with microseconds and a Z suffix: one spelling per instant."""
    if at.tzinfo is None:
        raise ValueError("act times must be timezone-aware")
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def signed_body(
    *,
    seq: int,
    type: str,
    charter: str | None,
    actor: str,
    agent: str,
    time: str,
    refs: list[Any],
    digest: str,
    restricted: bool,
) -> dict[str, Any]:
    """The part of an entry that the acting party signs."""
    return {
        "v": ENTRY_VERSION,
        "seq": seq,
        "type": type,
        "charter": charter,
        "actor": actor,
        "agent": agent,
        "time": time,
        "refs": refs,
        "content": {"commitment" if restricted else "digest": digest},
    }


def entry_bytes(body: dict[str, Any], key_id: str, signature: bytes) -> bytes:
    """The full entry: the signed body plus the signature, canonical JSON."""
    return canonical(
        {**body, "sig": {"key": key_id, "ed25519": base64.b64encode(signature).decode()}}
    )


def split_entry(entry: bytes) -> tuple[dict[str, Any], str, bytes]:
    """Parse an entry back into (signed body, key id, signature)."""
    import json

    doc = json.loads(entry)
    sig = doc.pop("sig")
    return doc, sig["key"], base64.b64decode(sig["ed25519"])


def signed_message(entry: bytes) -> bytes:
    """The bytes the signature covers: the entry without its ``sig`` member. In
    canonical JSON that member sits between ``seq`` and ``time``, so cutting it out
    gives exactly the canonical signed body, without re-serialising."""
    start = entry.find(b',"sig":{')
    end = entry.find(b"}", start + 8)
    if start < 0 or end < 0:
        raise ValueError("entry has no signature")
    return entry[:start] + entry[end + 1 :]
