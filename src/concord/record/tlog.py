"""The record's read API in C2SP tlog-tiles form, so that any client of that ecosystem
can fetch and check it:

    GET /record/checkpoint
    GET /record/tile/<L>/<N>[.p/<W>]
    GET /record/tile/entries/<N>[.p/<W>]

Readable by members (session or ``Authorization: Bearer``), or by anyone when a hosted
charter makes its record public. Tiles never change once served, so they are cached
for a year; the checkpoint is not cached. The checkpoint carries, after the
depositary's signature, the cosignatures of the parties' witnesses (record.witnesses).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from concord.charters.models import Charter
from concord.parties.services import token_authenticate
from concord.record import checkpoints, witnesses
from concord.record.models import TILE_WIDTH, Act, Tile
from concord.record.proofs import head_size
from concord.record.tiles import TileReader

IMMUTABLE = "max-age=31536000, immutable"


def record_is_public() -> bool:
    return any(
        (c.document.get("record") or {}).get("public")
        for c in Charter.objects.filter(current__isnull=False).select_related("current")
    )


def may_read(request: HttpRequest) -> bool:
    if request.user.is_authenticated:
        return True
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer ") and token_authenticate(header[7:].strip()) is not None:
        return True
    return record_is_public()


def _text(body: str | bytes, status: int = 200, *, cache: str = "no-store") -> HttpResponse:
    content_type = (
        "text/plain; charset=utf-8" if isinstance(body, str) else "application/octet-stream"
    )
    response = HttpResponse(body, status=status, content_type=content_type)
    response["Cache-Control"] = cache
    return response


def _unauthorized() -> HttpResponse:
    response = _text("authentication required: a session or an API token as a Bearer token\n", 401)
    response["WWW-Authenticate"] = "Bearer"
    return response


def parse_index(path: str) -> int | None:
    """A tile index as C2SP writes it: groups of three digits, all but the last
    prefixed with ``x`` (``x001/x234/067`` is 1234067)."""
    parts = path.split("/")
    if not parts or len(parts) > 7:
        return None
    digits = ""
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        group = part if last else part[1:]
        if (not last and not part.startswith("x")) or len(group) != 3 or not group.isdigit():
            return None
        digits += group
    return int(digits)


def _width(value: str | None) -> int | None:
    if value is None:
        return TILE_WIDTH
    if not value.isdigit() or not 1 <= int(value) < TILE_WIDTH or value != str(int(value)):
        return None
    return int(value)


@require_GET
def checkpoint(request: HttpRequest) -> HttpResponse:
    if not may_read(request):
        return _unauthorized()
    cp = checkpoints.checkpoint_publish()
    if cp is None:
        return _text("the record is empty\n", 404)
    # The depositary's signature, then the parties' witness cosignatures received so far.
    return _text(witnesses.note_witnessed(cp))


@require_GET
def tile(request: HttpRequest, level: str, index: str, width: str | None = None) -> HttpResponse:
    if not may_read(request):
        return _unauthorized()
    n, w = parse_index(index), _width(width)
    lvl = int(level)
    if n is None or w is None or lvl > 63:
        return _text("malformed tile path\n", 400)
    # The tile must lie within the committed tree.
    first_leaf = (n * TILE_WIDTH) << (8 * lvl)
    leaves_needed = first_leaf + (w << (8 * lvl))
    if leaves_needed > head_size():
        return _text("no such tile\n", 404)
    if w == TILE_WIDTH:
        stored = Tile.objects.filter(level=lvl, index=n).values_list("hashes", flat=True).first()
        if stored is None:
            return _text("no such tile\n", 404)
        return _text(bytes(stored), cache=IMMUTABLE)
    return _text(b"".join(TileReader().hashes(lvl, n, w)), cache=IMMUTABLE)


@require_GET
def entries(request: HttpRequest, index: str, width: str | None = None) -> HttpResponse:
    if not may_read(request):
        return _unauthorized()
    n, w = parse_index(index), _width(width)
    if n is None or w is None:
        return _text("malformed entry bundle path\n", 400)
    start = n * TILE_WIDTH
    if start + w > head_size():
        return _text("no such entry bundle\n", 404)
    rows = (
        Act.objects.filter(seq__gte=start, seq__lt=start + w)
        .order_by("seq")
        .values_list("entry", flat=True)
    )
    bundle = bytearray()
    for raw in rows:
        data = bytes(raw)
        bundle += len(data).to_bytes(2, "big") + data
    return _text(bytes(bundle), cache=IMMUTABLE)
