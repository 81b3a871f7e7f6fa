"""API: charters and their versions."""

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from concord.charters import selectors
from concord.charters.loader import text
from concord.charters.models import Charter, CharterVersion
from concord.parties.api import viewer_of

router = Router(tags=["charters"])


class VersionOut(Schema):
    version: str
    digest: str
    loaded_at: datetime


class CharterOut(Schema):
    code: str
    version: str
    title: str
    digest: str

    @staticmethod
    def resolve_version(obj: Charter) -> str:
        return obj.current.version if obj.current else ""

    @staticmethod
    def resolve_title(obj: Charter) -> str:
        return text(obj.document.get("title"))

    @staticmethod
    def resolve_digest(obj: Charter) -> str:
        return obj.current.digest if obj.current else ""


class CharterDetailOut(CharterOut):
    versions: list[VersionOut]
    document: dict[str, Any]

    @staticmethod
    def resolve_versions(obj: Charter) -> list[CharterVersion]:
        return list(selectors.versions_of(obj))

    @staticmethod
    def resolve_document(obj: Charter) -> dict[str, Any]:
        return obj.document


@router.get("/charters", response=list[CharterOut], summary="Charters hosted here")
@paginate(LimitOffsetPagination)
def charter_list(request: HttpRequest) -> object:
    return selectors.charters_visible_to(viewer_of(request))


@router.get("/charters/{code}", response=CharterDetailOut, summary="A charter's current document")
def charter_detail(request: HttpRequest, code: str) -> Charter:
    return selectors.charter_get(viewer_of(request), code)
