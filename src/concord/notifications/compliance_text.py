"""Compliance findings in the reader's language.

``compliance`` is pure and gives each finding an English sentence and the parameters
it was made from; pages build the sentence again from those parameters, with the
charter's own titles and labels in the reader's language. The API keeps the English
sentence and the parameters, for machines."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from django.utils.formats import number_format
from django.utils.timesince import timesince
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from concord.charters.loader import text
from concord.notifications import schema_form

# The activity figures a sentence names (``facts.FIGURES``), in this order.
FIGURE_LABELS = {
    "troops": gettext_lazy("troops"),
    "battle_tanks": gettext_lazy("battle tanks"),
    "acv": gettext_lazy("armoured combat vehicles"),
    "artillery": gettext_lazy("artillery pieces"),
}


def finding_message(finding: Mapping[str, Any], document: Mapping[str, Any], language: str) -> str:
    """The finding's sentence in ``language`` (the active translation), or its English
    sentence for a kind this module does not know."""
    params = finding.get("params") or {}
    kind = finding.get("kind")
    forms = {f["id"]: f for f in document.get("forms", [])}

    def form_title(form_id: Any) -> str:
        return text(forms.get(str(form_id), {}).get("title"), language) or str(form_id)

    due = _when(finding.get("due") or params.get("due"))
    if kind == "late":
        late = timedelta(seconds=int(params.get("late_seconds") or 0))
        about = _activity(params, document, language) if params.get("kind") else ""
        values = {
            "form": form_title(params.get("form")),
            "number": params.get("number", ""),
            "late": _span(late),
            "due": due,
        }
        if about:
            return _("%(form)s %(number)s (%(activity)s) submitted %(late)s late; due %(due)s") % {
                **values,
                "activity": about,
            }
        return _("%(form)s %(number)s submitted %(late)s late; due %(due)s") % values
    if kind == "missing":
        accepted = list(params.get("accepted") or [params.get("form")])
        values = {"form": form_title(accepted[0]), "year": params.get("for_year", ""), "due": due}
        if len(accepted) > 1:
            alternatives = _(" or ").join(form_title(f) for f in accepted[1:])
            return _("%(form)s for %(year)s not submitted (nor %(alternatives)s); due %(due)s") % {
                **values,
                "alternatives": alternatives,
            }
        return _("%(form)s for %(year)s not submitted; due %(due)s") % values
    if kind == "not-notified":
        return _(
            "Activity %(activity)s is at or above the %(threshold)s but was not notified"
            " (due %(due)s); listed in %(sources)s"
        ) % {
            "activity": _activity(params, document, language),
            "threshold": _threshold(params, document, language),
            "due": due,
            "sources": ", ".join(params.get("sources") or []),
        }
    if kind == "observers-not-invited":
        return _(
            "Activity %(activity)s (%(number)s) is at or above the %(threshold)s but no"
            " %(form)s refers to it (due %(due)s)"
        ) % {
            "activity": _activity(params, document, language),
            "number": params.get("number", ""),
            "threshold": _threshold(params, document, language),
            "form": form_title(params.get("form")),
            "due": due,
        }
    if kind == "limit-exceeded":
        count = int(params.get("count") or 0)
        return ngettext(
            "%(count)s activity from %(from)s to %(to)s, at most %(max)s allowed (%(numbers)s)",
            "%(count)s activities from %(from)s to %(to)s, at most %(max)s allowed (%(numbers)s)",
            count,
        ) % {
            "count": count,
            "from": params.get("from", ""),
            "to": params.get("to", ""),
            "max": params.get("max", ""),
            "numbers": ", ".join(params.get("numbers") or []),
        }
    return str(finding.get("message", ""))


def _when(value: Any) -> str:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d %H:%M} UTC"
    return ""


def _span(delta: timedelta) -> str:
    """How late, in the largest unit that fits (``3 days``, ``5 hours``)."""
    start = datetime(2000, 1, 1, tzinfo=UTC)
    return timesince(start, start + max(delta, timedelta(minutes=1)), depth=1)


def _kind(kind: Any, document: Mapping[str, Any], language: str) -> str:
    """An activity's kind as the first form that lists it names it."""
    for form in document.get("forms", []):
        label = schema_form.field_choice_label(form.get("schema") or {}, "kind", kind, language)
        if label != str(kind):
            return label
    return str(kind)


def _activity(params: Mapping[str, Any], document: Mapping[str, Any], language: str) -> str:
    kind = params.get("kind")
    words = (
        _("%(kind)s starting %(start)s")
        % {"kind": _kind(kind, document, language), "start": params.get("start", "")}
        if kind
        else _("activity starting %(start)s") % {"start": params.get("start", "")}
    )
    area = params.get("area")
    if isinstance(area, Mapping):
        area = area.get("name")
    if area:
        words = _("%(activity)s in %(area)s") % {"activity": words, "area": area}
    figures = [
        f"{number_format(params[key], force_grouping=True)} {label}"
        for key, label in FIGURE_LABELS.items()
        if params.get(key)
    ]
    return ", ".join([words, *figures])


def _threshold(params: Mapping[str, Any], document: Mapping[str, Any], language: str) -> str:
    wanted = list(params.get("thresholds") or [])
    for threshold in document.get("thresholds", []):
        if wanted and threshold.get("id") == wanted[0]:
            return text(threshold.get("title"), language).lower() or str(wanted[0])
    return str(wanted[0]) if wanted else ""
