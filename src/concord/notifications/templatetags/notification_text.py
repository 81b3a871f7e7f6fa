"""Notifications as people read them: a form's title instead of its id, a value of a
form's field by its label (``x-enum-titles``), and a compliance finding's kind in words.
Each reads the charter version the notification was made under, in the active language,
and falls back to the code itself when the charter gives no label."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from concord.charters.loader import text
from concord.notifications.schema_form import field_choice_label

register = template.Library()

FINDING_KINDS = {
    "late": _("Submitted late"),
    "missing": _("Not submitted"),
    "not-notified": _("Not notified"),
    "observers-not-invited": _("Observers not invited"),
    "limit-exceeded": _("Limit exceeded"),
}


def _language() -> str:
    return (get_language() or "en").split("-")[0]


def _form(notification: Any) -> dict[str, Any]:
    version = getattr(notification, "charter_version", None)
    forms = version.document.get("forms", []) if version is not None else []
    return next((f for f in forms if f.get("id") == notification.form), {})


@register.filter
def form_title(notification: Any) -> str:
    """The title of the notification's form, e.g. "Prior notification of a military
    activity" for ``prior-notification``."""
    return text(_form(notification).get("title"), _language()) or str(notification.form)


@register.simple_tag
def choice_label(notification: Any, key: str, value: Any) -> str:
    """``value`` of the field ``key`` of the notification's form, by its label:
    ``{% choice_label a.source "kind" a.kind %}``."""
    if value in (None, ""):
        return ""
    schema = _form(notification).get("schema")
    if not isinstance(schema, dict):
        return str(value)
    return field_choice_label(schema, key, value, _language())


@register.filter
def finding_kind(kind: str) -> str:
    """A compliance finding's kind (``late``, ``missing``…) in words."""
    found = FINDING_KINDS.get(kind)
    return str(found) if found is not None else kind
