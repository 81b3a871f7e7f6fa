"""Reads of charters. Charters are public to every member of the hub."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from concord.charters.models import Charter, CharterVersion
from concord.parties.models import User


def charters_visible_to(viewer: User) -> QuerySet[Charter]:
    if not viewer.is_authenticated:
        return Charter.objects.none()
    return Charter.objects.filter(current__isnull=False).select_related("current")


def charter_get(viewer: User, code: str) -> Charter:
    charter = charters_visible_to(viewer).filter(code=code).first()
    if charter is None:
        raise Http404
    return charter


def versions_of(charter: Charter) -> QuerySet[CharterVersion]:
    return charter.versions.order_by("-loaded_at")
