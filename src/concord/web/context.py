"""Template context shared by every page."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

NAVIGATION = [
    ("web:dashboard", _("Dashboard")),
    ("parties:list", _("Parties")),
    ("charters:list", _("Charters")),
    ("notifications:inbox", _("Notifications")),
    ("notifications:compliance", _("Compliance")),
    ("procedures:list", _("Procedures")),
    ("exchange:inbox", _("Exchange")),
    ("record:overview", _("Record")),
]


def navigation(request: HttpRequest) -> dict[str, Any]:
    return {
        "navigation": NAVIGATION,
        "languages": settings.LANGUAGES,
        "demo": settings.CONCORD_DEMO,
    }


def language() -> str:
    """The active interface language, without a region (``ru``, not ``ru-ru``)."""
    return (get_language() or "en").split("-")[0]
