"""API: STIX 2.1 export and import of exchange messages.

Export gives what the viewer may read, as a STIX 2.1 bundle; import sends each report of
a bundle as a message from the viewer's party (see ``concord.exchange.stix``).

No `from __future__ import annotations` here: django-ninja reads the annotations at
import time to build its schemas.
"""

from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.responses import Status as Created

from concord.charters.selectors import charter_get
from concord.exchange import selectors, stix
from concord.exchange.api import MessageMetaOut
from concord.parties.api import viewer_of
from concord.parties.services import ServiceError

router = Router(tags=["exchange"])

MAX_EXPORT = 500


@router.get(
    "/exchange/messages/{pk}/stix",
    response=dict[str, Any],
    summary="One message as a STIX 2.1 bundle (its report, entities and TLP marking)",
)
def message_stix(request: HttpRequest, pk: int) -> Any:
    message = selectors.message_content_get(viewer_of(request), pk)
    return stix.messages_to_bundle([message])


@router.get(
    "/exchange/stix",
    response=dict[str, Any],
    summary="The messages you may read, newest first, as one STIX 2.1 bundle",
)
def messages_stix(
    request: HttpRequest, channel: str = "", box: str = "all", limit: int = 100
) -> Any:
    if box not in ("all", "received", "sent"):
        raise ServiceError("box is one of all, received, sent", field="box")
    if not 1 <= limit <= MAX_EXPORT:
        raise ServiceError(f"limit is between 1 and {MAX_EXPORT}", field="limit")
    viewer = viewer_of(request)
    known = selectors.messages_visible_to(viewer, channel=channel, box=box)
    # Knowing that a message exists (the secretariat does) is not reading it.
    readable = (
        m
        for m in known.prefetch_related("entities")[:limit]
        if selectors.content_visible(viewer, m)
    )
    return stix.messages_to_bundle(readable)


class StixImportIn(Schema):
    charter: str = Field(..., max_length=40)
    recipients: list[str] = Field([], max_length=100)
    group: int | None = None
    channel: str = Field("", max_length=30, description="default: each report's own")
    bundle: dict[str, Any] | str = Field(..., description="a STIX 2.1 bundle, or its JSON text")


class StixImportOut(Schema):
    messages: list[MessageMetaOut]
    skipped: dict[str, int] = Field(
        ..., description="objects that became neither a message nor an entity, by STIX type"
    )
    warnings: list[str] = Field(..., description="what the STIX validator recommends")


@router.post(
    "/exchange/stix",
    response={201: StixImportOut},
    summary="Import a STIX 2.1 bundle: each report is sent as a message",
)
def stix_import(request: HttpRequest, payload: StixImportIn) -> Any:
    viewer = viewer_of(request)
    charter = charter_get(viewer, payload.charter)
    group = selectors.group_get(viewer, payload.group) if payload.group else None
    imported = stix.bundle_import(
        agent=viewer,
        charter=charter,
        bundle=payload.bundle,
        recipients=payload.recipients,
        group=group,
        channel=payload.channel or None,
    )
    return Created(201, imported)
