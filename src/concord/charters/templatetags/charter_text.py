"""A charter's texts and codes in the active language.

``|text``: a charter Text (string or per-language mapping). The other filters and tags
show a charter's codes (decision rules, quorums, durations, form deadlines, and articles,
mechanisms and form fields named by id) as people read them; pages keep the code itself
in ``data-*`` attributes only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import template
from django.utils.translation import get_language

from concord.charters import labels
from concord.charters.loader import text as charter_text

register = template.Library()


def _language() -> str:
    return (get_language() or "en").split("-")[0]


def _by_id(doc: Mapping[str, Any], section: str, id_: str) -> Mapping[str, Any]:
    return next((item for item in doc.get(section, []) if item.get("id") == id_), {})


@register.filter
def text(value: Any) -> str:
    return charter_text(value, _language())


@register.filter
def decision_rule(rule: str) -> str:
    """``consensus-minus-one`` → "Consensus minus one"."""
    return labels.decision_rule_label(rule)


@register.filter
def quorum(value: Mapping[str, Any]) -> str:
    """``{fraction: 2/3, of: all-parties}`` → "2/3 of all parties"."""
    return labels.quorum_label(value)


@register.filter
def duration(value: str) -> str:
    """``P10D`` → "10 days"."""
    return labels.duration_words(str(value))


@register.filter
def form_deadline(deadline: Mapping[str, Any]) -> str:
    """When a form is due: the deadline's own summary, else its rule in words."""
    return charter_text(deadline.get("summary"), _language()) or labels.form_deadline_label(
        deadline
    )


@register.simple_tag
def article_number(doc: Mapping[str, Any], article: str) -> str:
    """The number an article is printed with (``vd-v`` → "V"); the id if there is none."""
    return str(_by_id(doc, "articles", article).get("number") or article)


@register.simple_tag
def mechanism_title(doc: Mapping[str, Any], mechanism: str) -> str:
    """A mechanism's title, by its id."""
    return charter_text(_by_id(doc, "mechanisms", mechanism).get("title"), _language()) or (
        mechanism
    )


@register.simple_tag
def field_label(doc: Mapping[str, Any], form: str, key: str) -> str:
    """The label of a top-level field of a charter form (``battle_tanks`` → "Battle
    tanks"), as the form itself shows it."""
    properties = (_by_id(doc, "forms", form).get("schema") or {}).get("properties") or {}
    field = properties.get(key) or {}
    found = charter_text(field.get("x-title"), _language()) or field.get("title")
    return str(found) if found else key.replace("_", " ").capitalize()


@register.simple_tag
def form_choice(doc: Mapping[str, Any], form: str, key: str, value: str) -> str:
    """A value of a top-level field of a charter form by its label in ``x-enum-titles``
    (``amphibious-landing`` → "Amphibious landing"); the value if it has none."""
    properties = (_by_id(doc, "forms", form).get("schema") or {}).get("properties") or {}
    titles = (properties.get(key) or {}).get("x-enum-titles") or {}
    return charter_text(titles.get(value), _language()) or value
