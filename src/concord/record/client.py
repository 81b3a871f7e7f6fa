"""A client of a hub's record through its read API only (tlog-tiles and JSON proofs).

It remembers the last checkpoint it accepted (in a small state file), and accepts a
new one only with a consistency proof from the old: a hub that rolls back or shows a
different history of the same size is caught. Used by ``concord record verify --url``
and by party mirrors.
"""

from __future__ import annotations

import base64
import gzip
import http.client
import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from concord.record import checkpoints, tree
from concord.record.verify import Item, VerificationFailed

TILE_WIDTH = 256
KEY_ACTS = ("key.published", "key.rotated")


def tile_path(index: int) -> str:
    """C2SP tile index encoding: 1234067 → x001/x234/067."""
    digits = str(index)
    digits = "0" * (-len(digits) % 3) + digits
    groups = [digits[i : i + 3] for i in range(0, len(digits), 3)]
    return "/".join([*("x" + g for g in groups[:-1]), groups[-1]])


def split_bundle(data: bytes) -> list[bytes]:
    out, i = [], 0
    while i < len(data):
        if i + 2 > len(data):
            raise VerificationFailed("entry bundle is truncated")
        n = int.from_bytes(data[i : i + 2], "big")
        out.append(data[i + 2 : i + 2 + n])
        if len(out[-1]) != n:
            raise VerificationFailed("entry bundle is truncated")
        i += 2 + n
    return out


class HubUnreachable(VerificationFailed):
    """The hub did not answer, or answered with a server error: worth trying again."""


class HubRefused(VerificationFailed):
    """The hub answered a request with a client error (``status``: 401, 404, ...)."""

    def __init__(self, message: str, status: int):
        self.status = status
        super().__init__(message)


@dataclass
class Trusted:
    size: int
    root: bytes
    note: str


class RecordClient:
    def __init__(self, url: str, token: str = "", *, vkey: str, state: Path | None = None):
        self.url = url.rstrip("/")
        self.token = token
        self.verifier = checkpoints.VerifierKey.parse(vkey)
        self.vkey = vkey
        self.state = state

    # --- HTTP -------------------------------------------------------------------

    def get(self, path: str) -> bytes:
        request = urllib.request.Request(self.url + path)  # noqa: S310 (the operator's URL)
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                return bytes(response.read())
        except urllib.error.HTTPError as exc:
            message = f"{path}: the hub answered {exc.code}"
            if exc.code >= 500:
                raise HubUnreachable(message) from None
            raise HubRefused(message, exc.code) from None
        except urllib.error.URLError as exc:
            raise HubUnreachable(f"{path}: cannot reach the hub ({exc.reason})") from None
        except (OSError, http.client.HTTPException) as exc:
            # A connection dropped mid-answer, or a timeout.
            raise HubUnreachable(f"{path}: cannot reach the hub ({exc!r})") from None

    def json(self, path: str) -> Any:
        return json.loads(self.get(path))

    # --- checkpoints --------------------------------------------------------------

    def trusted(self) -> Trusted | None:
        if self.state is None or not self.state.exists():
            return None
        data = json.loads(self.state.read_text())
        return Trusted(data["size"], base64.b64decode(data["root"]), data["note"])

    def checkpoint(self) -> tuple[checkpoints.SignedCheckpoint, str]:
        """Fetch the hub's checkpoint, check its signature and that it extends the one
        accepted before; then remember it."""
        note = self.get("/record/checkpoint").decode()
        try:
            cp = checkpoints.checkpoint_verify(note, self.verifier)
        except checkpoints.NoteError as exc:
            raise VerificationFailed(f"checkpoint: {exc}") from None
        old = self.trusted()
        if old is not None:
            self.check_extends(old, cp)
        if self.state is not None:
            self.state.write_text(
                json.dumps(
                    {"size": cp.size, "root": base64.b64encode(cp.root).decode(), "note": note}
                )
            )
        return cp, note

    def check_extends(self, old: Trusted, new: checkpoints.SignedCheckpoint) -> None:
        if new.size < old.size:
            raise VerificationFailed(
                f"ROLLBACK: the hub now shows {new.size} entries after showing {old.size}"
            )
        hashes: list[bytes] = []
        if old.size and new.size > old.size:
            proof = self.json(
                f"/api/v1/record/proof/consistency?first={old.size}&second={new.size}"
            )
            hashes = [base64.b64decode(h) for h in proof["hashes"]]
        if old.size:
            try:
                tree.verify_consistency(old.size, new.size, old.root, new.root, hashes)
            except tree.ProofError as exc:
                raise VerificationFailed(f"SPLIT VIEW or rewritten history: {exc}") from None

    # --- entries ------------------------------------------------------------------

    def entries(self, size: int, start: int = 0) -> Iterator[Item]:
        """Entries ``start`` to ``size`` - 1 from the entry bundles, with the content of
        key acts (what signature checks need)."""
        for n in range(start // TILE_WIDTH, (size + TILE_WIDTH - 1) // TILE_WIDTH):
            width = min(TILE_WIDTH, size - n * TILE_WIDTH)
            suffix = "" if width == TILE_WIDTH else f".p/{width}"
            bundle = split_bundle(self.get(f"/record/tile/entries/{tile_path(n)}{suffix}"))
            if len(bundle) != width:
                raise VerificationFailed(f"entry bundle {n} has {len(bundle)} of {width} entries")
            for i, raw in enumerate(bundle):
                seq = n * TILE_WIDTH + i
                if seq < start:
                    continue
                content = None
                if _entry_type(raw) in KEY_ACTS:
                    content = self.json(f"/api/v1/acts/{seq}")["content"]
                yield Item(seq=seq, raw=raw, content=content)


def _entry_type(raw: bytes) -> Any:
    """The type an entry names; None when it is not JSON (the verifier says why)."""
    try:
        doc = json.loads(raw)
    except ValueError:
        return None
    return doc.get("type") if isinstance(doc, dict) else None


def export_write(path: Path, items: Iterator[Item], *, note: str, vkey: str) -> int:
    """A self-contained export: the checkpoint, the verifier key, every entry and the
    public content of every act (gzip, one JSON document per line)."""
    count = 0
    with gzip.open(path, "wt", encoding="utf-8") as f:
        f.write(json.dumps({"format": "concord-record-export/1", "checkpoint": note, "vkey": vkey}))
        f.write("\n")
        for item in items:
            public = b'"digest"' in item.raw  # restricted content never leaves the hub
            f.write(
                json.dumps(
                    {
                        "seq": item.seq,
                        "entry": base64.b64encode(item.raw).decode(),
                        "content": item.content if public else None,
                    },
                    ensure_ascii=False,
                )
            )
            f.write("\n")
            count += 1
    return count


def export_read(path: Path) -> tuple[dict[str, Any], Iterator[Item]]:
    f = gzip.open(path, "rt", encoding="utf-8")  # noqa: SIM115 (closed by the generator)
    try:
        header = json.loads(f.readline())
    except (OSError, ValueError):
        f.close()
        raise VerificationFailed(f"{path} is not a Concord record export") from None
    if header.get("format") != "concord-record-export/1":
        f.close()
        raise VerificationFailed(f"{path} is not a Concord record export")

    def items() -> Iterator[Item]:
        with f:
            for line in f:
                doc = json.loads(line)
                yield Item(
                    seq=doc["seq"], raw=base64.b64decode(doc["entry"]), content=doc["content"]
                )

    return header, items()
