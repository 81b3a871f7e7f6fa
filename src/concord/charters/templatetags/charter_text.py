"""``|text``: a charter Text (string or per-language mapping) in the active language."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import get_language

from concord.charters.loader import text as charter_text

register = template.Library()


@register.filter
def text(value: Any) -> str:
    return charter_text(value, (get_language() or "en").split("-")[0])
