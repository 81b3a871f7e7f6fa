"""Reading the fields of a raw entity: types, lengths, characters, countries, dates.

A ``FieldReader`` reads one JSON object (an entity, or a document inside a person) and
records an ``EntityProblem`` for each field at fault, under the field's path, so that an
entity reports all its problems at once.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import pycountry
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

EARLIEST_DATE = date(1900, 1, 1)

ERR_NOT_OBJECT = gettext_noop("Must be an object.")
ERR_UNKNOWN_FIELD = gettext_noop("Unknown field.")
ERR_REQUIRED = gettext_noop("This field is required.")
ERR_NOT_TEXT = gettext_noop("Must be a string.")
ERR_TOO_LONG = gettext_noop("At most {limit} characters.")
ERR_CONTROL_CHARACTERS = gettext_noop("Contains control characters.")
ERR_NOT_LIST = gettext_noop("Must be a list.")
ERR_LIST_TOO_LONG = gettext_noop("At most {limit} items.")
ERR_DATE = gettext_noop("Must be a date written YYYY-MM-DD.")
ERR_DATE_TOO_EARLY = gettext_noop("Must not be before {earliest}.")
ERR_DATE_FUTURE = gettext_noop("Must not be in the future.")
ERR_COUNTRY = gettext_noop("Not an ISO 3166-1 country code (two or three letters).")
ERR_NOT_NUMBER = gettext_noop("Must be a number.")

# Cyrillic capitals that Russian and Ukrainian plates share with Latin ones (GOST R 50577
# uses exactly these twelve; Ukrainian plates add І). Typed either way, they are one mark.
_CYRILLIC_TO_LATIN = str.maketrans("АВЕКМНОРСТУХІ", "ABEKMHOPCTYXI")

COUNTRY_CODES: dict[str, str] = {}
for _country in pycountry.countries:
    COUNTRY_CODES[_country.alpha_2] = _country.alpha_2
    COUNTRY_CODES[_country.alpha_3] = _country.alpha_2

_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_COORDINATE_RE = re.compile(r"[+-]?[0-9]{1,3}(?:\.[0-9]{1,15})?")
# Bidirectional embeddings, overrides and isolates can make a label read as something else.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")

_MISSING: Any = object()


@dataclass(frozen=True)
class EntityProblem:
    """One thing wrong with an entity: the path of the field and what is wrong with it."""

    field: str
    message: str


class FieldReader:
    """Reads the fields of one JSON object, recording problems under a path prefix."""

    def __init__(
        self,
        raw: dict[Any, Any],
        allowed: tuple[str, ...],
        problems: list[EntityProblem],
        prefix: str = "",
    ) -> None:
        self.raw = raw
        self.prefix = prefix
        self.problems = problems
        for key in raw:
            if key not in allowed:
                self.problem(str(key), ERR_UNKNOWN_FIELD)

    @property
    def failed(self) -> bool:
        """Whether any problem is recorded (of the whole entity, not only this object)."""
        return bool(self.problems)

    def given(self, field: str) -> bool:
        """Whether ``field`` holds anything at all (absent, null and blank text do not)."""
        value = self.raw.get(field)
        return value is not None and not (isinstance(value, str) and not value.strip())

    def problem(self, field: str, template: str, **params: object) -> None:
        """Record a problem of ``field`` (a path below this object)."""
        self.problems.append(EntityProblem(self.prefix + field, _(template).format(**params)))

    def text(
        self, field: str, limit: int, *, required: bool = False, value: Any = _MISSING
    ) -> str | None:
        """A cleaned string, or None when absent or wrong (the problem is recorded)."""
        if value is _MISSING:
            value = self.raw.get(field)
        if isinstance(value, int) and not isinstance(value, bool):
            # Bounded before str(): Python refuses to print integers of thousands of digits.
            if value.bit_length() > 4 * limit:
                self.problem(field, ERR_TOO_LONG, limit=limit)
                return None
            value = str(value)
        if value is not None and not isinstance(value, str):
            self.problem(field, ERR_NOT_TEXT)
            return None
        text = unicodedata.normalize("NFC", value) if value else ""
        if any(_is_forbidden_character(char) for char in text):
            self.problem(field, ERR_CONTROL_CHARACTERS)
            return None
        text = " ".join(text.split())
        if not text:
            if required:
                self.problem(field, ERR_REQUIRED)
            return None
        if len(text) > limit:
            self.problem(field, ERR_TOO_LONG, limit=limit)
            return None
        return text

    def country(self, field: str) -> str | None:
        """An ISO 3166-1 alpha-2 or alpha-3 code, as alpha-2."""
        text = self.text(field, 10)
        if text is None:
            return None
        code = COUNTRY_CODES.get(text.upper())
        if code is None:
            self.problem(field, ERR_COUNTRY)
        return code

    def day(self, field: str, *, latest: date | None = None) -> date | None:
        """A date written YYYY-MM-DD (or a ``date`` from a form), from 1900 to ``latest``."""
        value = self.raw.get(field)
        if isinstance(value, date) and not isinstance(value, datetime):
            found: date = value
        else:
            text = self.text(field, 40)
            if text is None:
                return None
            parsed = _date_parse(text)
            if parsed is None:
                self.problem(field, ERR_DATE)
                return None
            found = parsed
        if found < EARLIEST_DATE:
            self.problem(field, ERR_DATE_TOO_EARLY, earliest=EARLIEST_DATE.isoformat())
            return None
        if latest is not None and found > latest:
            self.problem(field, ERR_DATE_FUTURE)
            return None
        return found

    def coordinate(self, field: str, bound: int, message: str) -> float | None:
        """A finite number within ±``bound``; a string such as "55.75" or "55,75" counts."""
        value = self.raw.get(field)
        if value is None or value == "":
            return None
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            self.problem(field, ERR_NOT_NUMBER)
            return None
        if isinstance(value, str):
            text = value.strip().replace(",", ".")
            if not text:
                return None
            if not _COORDINATE_RE.fullmatch(text):
                self.problem(field, ERR_NOT_NUMBER)
                return None
            value = float(text)
        if isinstance(value, int) and abs(value) > bound:
            self.problem(field, message)  # checked before float(): a huge int overflows it
            return None
        number = float(value)
        if not math.isfinite(number) or abs(number) > bound:
            self.problem(field, message)
            return None
        return number

    def nested(
        self, field: str, allowed: tuple[str, ...], *, value: Any = _MISSING
    ) -> FieldReader | None:
        """A reader for the object at ``field``, its problems under ``field.``."""
        if value is _MISSING:
            value = self.raw.get(field)
        if not isinstance(value, dict):
            self.problem(field, ERR_NOT_OBJECT)
            return None
        return FieldReader(value, allowed, self.problems, prefix=f"{self.prefix}{field}.")

    def items(self, field: str, limit: int) -> list[Any] | None:
        """The list at ``field`` if it has at most ``limit`` items."""
        value = self.raw.get(field)
        if value is None:
            return None
        if not isinstance(value, list | tuple):
            self.problem(field, ERR_NOT_LIST)
            return None
        if len(value) > limit:
            self.problem(field, ERR_LIST_TOO_LONG, limit=limit)
            return None
        return list(value)


def _date_parse(text: str) -> date | None:
    # date.fromisoformat alone would also take week dates and compact forms.
    if not _DATE_RE.fullmatch(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _is_forbidden_character(char: str) -> bool:
    category = unicodedata.category(char)
    if category == "Cc":
        return char not in "\t\n\r"  # pasted line breaks count as spaces
    return category == "Cs" or char in _BIDI_CONTROLS


def identifier_fold(text: str, separators: str = " -") -> str:
    """Uppercase, Cyrillic look-alikes as Latin, any script's digits as ASCII, no separators."""
    folded = text.upper().translate(_CYRILLIC_TO_LATIN)
    return "".join(
        str(unicodedata.decimal(char)) if char.isdecimal() else char
        for char in folded
        if char not in separators
    )
