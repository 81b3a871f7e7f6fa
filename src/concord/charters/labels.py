"""How a charter's own codes read for people: decision rules, what a quorum counts, the
rules of a form's deadline, and ISO 8601 durations in words.

The codes stay what the charter, the record and the API say; pages and mail show these
labels, in the active language, and fall back to the code for one this module does not
know (a newer charter schema), so nothing is ever hidden.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

DECISION_RULES: dict[str, Promise] = {
    "consensus": _("Consensus"),
    "unanimity": _("Unanimity"),
    "consensus-minus-one": _("Consensus minus one"),
    "silence": _("Silence procedure"),
    "unanimity-minus-party-concerned": _("Unanimity, the party concerned not counted"),
    "none": _("No decisions taken"),
}

FORM_DEADLINE_RULES: dict[str, Promise] = {
    "before-start": _("Before the activity starts"),
    "annual": _("Every year"),
    "after-event": _("After the event"),
    "within-after-budget": _("After the budget is approved"),
    "none": _("No deadline"),
}

# ISO 8601 durations as charters write them (the charter schema's Duration).
_DURATION = re.compile(
    r"P(?:(?P<years>\d+)Y)?(?:(?P<months>\d+)M)?(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+)S)?)?"
)


def decision_rule_label(rule: str) -> str:
    """A mechanism's ``decision_rule`` (or a decision's ``rule``) in words."""
    found = DECISION_RULES.get(rule)
    return str(found) if found is not None else rule


def quorum_label(quorum: Mapping[str, Any]) -> str:
    """A mechanism's ``quorum`` in words: its fraction and what it is a fraction of."""
    fraction, of = str(quorum.get("fraction", "")), quorum.get("of")
    if of == "all-parties":
        return gettext("%(fraction)s of all parties") % {"fraction": fraction}
    if of == "parties-present":
        return gettext("%(fraction)s of the parties present") % {"fraction": fraction}
    if of == "participants":
        return gettext("%(fraction)s of the participants") % {"fraction": fraction}
    return fraction


def duration_words(value: str) -> str:
    """An ISO 8601 duration in words (``P10D`` → "10 days", ``PT48H`` → "48 hours");
    anything that is not one is returned as it came."""
    found = _DURATION.fullmatch(value or "")
    if found is None:
        return value
    n = {k: int(v) for k, v in found.groupdict().items() if v}
    words = {
        "years": lambda c: ngettext("%(count)s year", "%(count)s years", c),
        "months": lambda c: ngettext("%(count)s month", "%(count)s months", c),
        "weeks": lambda c: ngettext("%(count)s week", "%(count)s weeks", c),
        "days": lambda c: ngettext("%(count)s day", "%(count)s days", c),
        "hours": lambda c: ngettext("%(count)s hour", "%(count)s hours", c),
        "minutes": lambda c: ngettext("%(count)s minute", "%(count)s minutes", c),
        "seconds": lambda c: ngettext("%(count)s second", "%(count)s seconds", c),
    }
    parts = [words[unit](count) % {"count": count} for unit, count in n.items()]
    return " ".join(parts) if parts else value


def form_deadline_label(deadline: Mapping[str, Any]) -> str:
    """When a form is due, in words, for a form whose deadline has no ``summary``: its
    rule, with the period or the day of the year it names."""
    rule = str(deadline.get("rule", ""))
    found = FORM_DEADLINE_RULES.get(rule)
    label = str(found) if found is not None else rule
    if deadline.get("period"):
        return f"{label}: {duration_words(str(deadline['period']))}"
    if deadline.get("month") and deadline.get("day"):
        return f"{label}: {int(deadline['day']):02d}.{int(deadline['month']):02d}"
    return label
