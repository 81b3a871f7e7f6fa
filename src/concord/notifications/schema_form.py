"""HTML forms generated from a charter form's JSON Schema, and the way back.

A notification's form is defined only by its JSON Schema (``forms[].schema`` in a charter),
so nothing here knows any particular form. Three steps, each usable alone:

* :func:`fields_for` turns the schema, the current document and its problems into a tree of
  :class:`FieldNode` that ``notifications/schema_form.html`` renders;
* :func:`parse_post` reads the flat names of a submitted form (``units.0.location.lat``) back
  into a JSON document, with types coerced by the schema, and notices the "add a row" and
  "remove" buttons, which ask for the form again instead of submitting it;
* :func:`validate` checks a document against the schema and words every problem for a person,
  in their language, naming the field by its labels (``Units › 3 › Location › Latitude``).

Names: a field's HTML name is its path in the document: keys and 0-based row indexes joined by
dots. Names that start with ``_`` are the form's own controls: ``_add`` (its value: the path of
an array), ``_remove`` (its value: the path of a row) and ``_variant.<path>`` (which alternative
of a ``oneOf``/``anyOf`` the person chose). Property names must therefore not contain dots.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Literal, NamedTuple

from django.template.defaultfilters import filesizeformat
from django.utils.html import format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext, ngettext, override
from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError

Schema = dict[str, Any]

#: A document whose JSON is larger than this is refused before it is validated.
MAX_DOCUMENT_BYTES = 1024 * 1024
#: A document nested deeper than this (objects and arrays) is refused; the schema is not
#: followed deeper either, so a recursive ``$ref`` cannot make the form endless.
MAX_DEPTH = 10
#: Strings allowed to be longer than this are edited in a textarea.
TEXTAREA_OVER = 200
#: An empty array is shown with ``minItems`` empty rows, but never more than this many.
MAX_EMPTY_ROWS = 10
#: Joins the labels of a path into one, as in "Units › 3 › Latitude".
SEPARATOR = " › "

# Kinds of schema, as the form sees them.
_SCALAR_KINDS = frozenset({"string", "integer", "number", "boolean", "enum", "json"})
_FALSE_WORDS = frozenset({"", "false", "0", "off", "no"})
# A row index as the form writes it; anything else (``01``, ``-1``, ``1e3``) is not a row.
_INDEX = re.compile(r"0|[1-9][0-9]{0,8}")
# Whole numbers may be written "12" or "12.0" (as Django's IntegerField accepts).
_INTEGER = re.compile(r"[+-]?([0-9]{1,300})(?:\.0*)?")
# Numbers may use a decimal comma: browsers send a dot, but people paste "48,85".
_NUMBER = re.compile(
    r"[+-]?(?:[0-9]{1,300}(?:[.,][0-9]{0,300})?|[.,][0-9]{1,300})(?:[eE][+-]?[0-9]{1,4})?"
)
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DATE_TIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?(?:[Zz]|[+-][0-9]{2}:[0-9]{2})"
)


class _Empty:
    """Nothing was entered: distinct from every JSON value, ``None`` included."""

    def __repr__(self) -> str:
        return "<empty>"


_EMPTY = _Empty()


# --- Results ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a document, worded for the person filling in the form.

    ``path`` is the dotted path of the field (``units.2.location.lat``; ``""`` for the whole
    document), ``label`` the same path in words and 1-based rows (``Units › 3 › Location ›
    Latitude``), ``message`` a sentence naming the field (``Latitude must be at most 90.``).
    """

    path: str
    label: str
    message: str

    def __str__(self) -> str:
        return f"{self.label}: {self.message}"


@dataclass
class Option:
    """One choice of a select, of a group of checkboxes or of a ``oneOf``'s radio buttons."""

    value: str
    label: str
    selected: bool = False


@dataclass
class FieldNode:
    """One field (or group of fields) of a generated form.

    ``input_type`` says how to render it: ``text``, ``textarea``, ``json`` (a textarea holding
    JSON, for schemas the form cannot break down), ``date``, ``datetime-local``, ``number``,
    ``checkbox``, ``select``, ``checkboxes`` (an array of enum values), ``fieldset`` (an
    object), ``array`` (rows, each a child with ``removable``) or ``choice`` (a ``oneOf``:
    radio buttons named ``variant_name`` plus one child per alternative, all at this path).

    ``required`` is what the schema says of the field in its parent; ``browser_required``
    whether the browser may insist on it, which is only so when every enclosing object and
    row is itself required (an optional group left empty must not block the form).
    """

    path: str
    name: str
    label: str
    input_type: str
    help: str = ""
    required: bool = False
    browser_required: bool = False
    attrs: dict[str, str] = field(default_factory=dict)
    value: str = ""
    errors: list[str] = field(default_factory=list)
    children: list[FieldNode] = field(default_factory=list)
    options: list[Option] = field(default_factory=list)
    #: A row of an array: render a button named ``_remove`` whose value is ``path``.
    removable: bool = False
    #: An array that may grow: render a button named ``_add`` whose value is ``path``.
    addable: bool = False
    #: 1-based position of a row in its array, else None.
    row_number: int | None = None
    #: For a ``choice``: the name of its radio buttons.
    variant_name: str = ""

    @property
    def html_id(self) -> str:
        """The id of the field's input (paths are unique within a form)."""
        return f"field-{self.path}" if self.path else "field"

    @property
    def help_id(self) -> str:
        """The id of the ``<small>`` holding the help text (for ``aria-describedby``)."""
        return f"{self.html_id}-help"

    @property
    def error_id(self) -> str:
        """The id of the ``<small>`` holding the error messages."""
        return f"{self.html_id}-error"

    @property
    def attributes(self) -> SafeString:
        """The input's attributes (id, name, constraints, ARIA), escaped, each with a
        leading space, so that the template writes ``<input type=..{{ node.attributes }}>``."""
        pairs: list[tuple[str, str]] = [("id", self.html_id), ("name", self.name)]
        pairs.extend(self.attrs.items())
        if self.browser_required:
            pairs.append(("required", "required"))
        if self.errors:
            pairs.append(("aria-invalid", "true"))
        described = [i for i, ok in ((self.help_id, self.help), (self.error_id, self.errors)) if ok]
        if described:
            pairs.append(("aria-describedby", " ".join(described)))
        return format_html_join("", ' {}="{}"', pairs)


@dataclass(frozen=True)
class FormAction:
    """A button that asks for the form again instead of submitting it: ``add`` a row to the
    array at ``path``, or ``remove`` the row at ``path``."""

    kind: Literal["add", "remove"]
    path: str


class ParsedPost(NamedTuple):
    """What :func:`parse_post` read.

    ``data``: the document. ``problems``: values that could not be read as their type (they
    stay in ``data`` as the text typed, so that the form shows them again and :func:`validate`
    reports them too, with the same wording). ``action``: when not None, the person pressed
    "add a row" or "remove": ``data`` is then a draft that keeps empty rows, to render the form
    again with :func:`fields_for`; it is not to be validated or submitted.
    """

    data: dict[str, Any]
    problems: list[Problem]
    action: FormAction | None


# --- Labels and schema helpers -----------------------------------------------------------


def _text_in(value: Any, language: str) -> str | None:
    """The text of a ``{language: text}`` mapping in ``language`` (or its base language)."""
    if isinstance(value, Mapping):
        for code in (language, language.split("-")[0]):
            text = value.get(code)
            if isinstance(text, str) and text.strip():
                return text
    return None


def humanise(key: str) -> str:
    """A property name as words: ``battle_tanks`` → "Battle tanks", ``validAsOf`` →
    "Valid as of" (upper-case runs such as "UN" are kept)."""
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z][a-z])", " ", key)
    words = re.sub(r"[_\-\s]+", " ", words).strip()
    words = re.sub(r"\b([A-Z])(?=[a-z])", lambda m: m.group(1).lower(), words)
    return words[:1].upper() + words[1:]


def _own_label(schema: Mapping[str, Any], language: str) -> str | None:
    """The schema's own title in ``language`` (``x-title``), else its ``title``, if any."""
    translated = _text_in(schema.get("x-title"), language)
    if translated:
        return translated
    title = schema.get("title")
    return title if isinstance(title, str) and title.strip() else None


def _help(schema: Mapping[str, Any], language: str) -> str:
    described = _text_in(schema.get("x-description"), language) or schema.get("description")
    return described if isinstance(described, str) else ""


def label(schema: Mapping[str, Any], key: str, language: str, *, root: Schema | None = None) -> str:
    """The label of property ``key`` of the object ``schema`` in ``language``.

    The property's ``x-title[language]``, else its ``title``, else ``key`` humanised. When the
    property is a ``$ref`` without a title of its own and ``root`` (the whole schema) is given,
    the referenced schema's title is used.
    """
    properties = schema.get("properties")
    prop = properties.get(key) if isinstance(properties, Mapping) else None
    if isinstance(prop, Mapping):
        found = _own_label(prop, language)
        if found is None and "$ref" in prop and root is not None:
            found = _own_label(_resolve(prop, root), language)
        if found:
            return found
    return humanise(key)


def _pointer(root: Schema, ref: str) -> Any:
    """The part of ``root`` a local ``$ref`` (``#/$defs/point``) points to, or None; other
    references cannot be followed without fetching, which a form never does."""
    if not ref.startswith("#"):
        return None
    node: Any = root
    for raw in ref[1:].split("/")[1:] if ref != "#" else []:
        part = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, Mapping) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return None
    return node


def _resolve(schema: Any, root: Schema, depth: int = 0) -> Schema:
    """``schema`` with local ``$ref`` followed and ``allOf`` merged, so that the rest of the
    module sees plain ``type``/``properties``/``items``. Keywords next to a ``$ref`` (a title,
    say) win over the referenced schema's."""
    if not isinstance(schema, Mapping):
        return {}  # `true` (anything goes) and odd values: nothing to build a form from
    resolved: Schema = dict(schema)
    for _ in range(MAX_DEPTH):
        ref = resolved.get("$ref")
        target = _pointer(root, ref) if isinstance(ref, str) else None
        if not isinstance(target, Mapping):
            break
        resolved = {**target, **{k: v for k, v in resolved.items() if k != "$ref"}}
    parts = resolved.get("allOf")
    if isinstance(parts, list) and depth < MAX_DEPTH:
        merged: Schema = {k: v for k, v in resolved.items() if k != "allOf"}
        for part in parts:
            sub = _resolve(part, root, depth + 1)
            merged["properties"] = {**sub.get("properties", {}), **merged.get("properties", {})}
            required = [*merged.get("required", []), *sub.get("required", [])]
            merged["required"] = list(dict.fromkeys(required))
            for key, value in sub.items():
                merged.setdefault(key, value)
        resolved = merged
    return resolved


def _declared_type(schema: Mapping[str, Any]) -> str | None:
    kind = schema.get("type")
    if isinstance(kind, list):  # ["string", "null"]: the form edits the non-null type
        kind = next((k for k in kind if k != "null"), None)
    return kind if isinstance(kind, str) else None


def _raw_alternatives(schema: Mapping[str, Any]) -> list[Any]:
    alternatives = schema.get("oneOf") or schema.get("anyOf")
    return alternatives if isinstance(alternatives, list) else []


def _enum_choices(schema: Mapping[str, Any]) -> list[tuple[Any, Mapping[str, Any] | None]] | None:
    """(value, titled schema) of each allowed value: an ``enum``, or a ``oneOf`` of ``const``
    (the JSON Schema way of giving each value a title), else None."""
    enum = schema.get("enum")
    if isinstance(enum, list):
        return [(value, None) for value in enum]
    alternatives = _raw_alternatives(schema)
    if alternatives and all(isinstance(a, Mapping) and "const" in a for a in alternatives):
        return [(a["const"], a) for a in alternatives]
    return None


def choice_label(schema: Mapping[str, Any], value: Any, language: str) -> str:
    """How one allowed value of ``schema`` reads in ``language``: the title of its ``const``
    alternative, else its entry in the schema's ``x-enum-titles`` (``{value: {en, ru, fr,
    ar}}`` or a plain string), else the value humanised (``field-training`` → "Field
    training"). Values are compared as the form writes them (``_to_text``)."""
    wanted = _to_text(value)
    for allowed, titled in _enum_choices(schema) or []:
        if titled is not None and _to_text(allowed) == wanted:
            found = _own_label(titled, language)
            if found:
                return found
    titles = schema.get("x-enum-titles")
    given = titles.get(wanted) if isinstance(titles, Mapping) else None
    found = _text_in(given, language) or (given if isinstance(given, str) else None)
    if found is None and isinstance(given, Mapping):
        found = _text_in(given, "en")
    if found:
        return found
    return humanise(wanted) if isinstance(value, str) else wanted


def field_choice_label(root: Schema, key: str, value: Any, language: str) -> str:
    """The label of ``value`` in the first property named ``key`` (at any depth of the form
    ``root``, rows and alternatives included) that allows it; the value as given when no
    such property does. For pages that show one field of a notification outside its form
    (the calendar's kind of activity)."""
    wanted = _to_text(value)
    pending: list[tuple[Any, int]] = [(root, 0)]
    while pending:
        node, depth = pending.pop(0)
        schema = _resolve(node, root)
        if not schema or depth > MAX_DEPTH:
            continue
        properties = schema.get("properties")
        for name, prop in properties.items() if isinstance(properties, Mapping) else []:
            resolved = _resolve(prop, root)
            allowed = _enum_choices(resolved) or []
            if name == key and any(_to_text(v) == wanted for v, _titled in allowed):
                return choice_label(resolved, value, language)
            pending.append((prop, depth + 1))
        prefix = schema.get("prefixItems")
        for child in [schema.get("items"), *(prefix if isinstance(prefix, list) else [])]:
            if child is not None:
                pending.append((child, depth + 1))
        pending.extend((a, depth + 1) for a in _raw_alternatives(schema))
    return wanted


def _kind(schema: Mapping[str, Any]) -> str:
    """How the form edits a (resolved) schema: object, array, choice, or a scalar kind."""
    if _enum_choices(schema) is not None:
        return "enum"
    declared = _declared_type(schema)
    if declared in {"object", "array", "string", "integer", "number", "boolean"}:
        return declared
    if declared is None:
        if _raw_alternatives(schema):
            return "choice"
        if "properties" in schema:
            return "object"
        if "items" in schema:
            return "array"
    return "json"


def _alternatives(schema: Mapping[str, Any], root: Schema) -> list[Schema]:
    return [_resolve(a, root) for a in _raw_alternatives(schema)]


def _to_text(value: Any) -> str:
    """A JSON value as the text of an input."""
    if value is None or isinstance(value, _Empty):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, int | str):
        return str(value)
    return json.dumps(value, ensure_ascii=False)


def _shape_fits(schema: Mapping[str, Any], value: Any) -> bool:
    """Whether ``value`` is of the JSON type ``schema`` asks for (not whether it is valid)."""
    kind = _kind(schema)
    if kind == "enum":
        choices = _enum_choices(schema) or []
        return any(type(v) is type(value) or _to_text(v) == _to_text(value) for v, _ in choices)
    expected: dict[str, tuple[type, ...]] = {
        "object": (dict,),
        "array": (list,),
        "string": (str,),
        "integer": (int,),
        "number": (int, float),
        "boolean": (bool,),
    }
    if kind not in expected:
        return True
    if isinstance(value, bool) and kind != "boolean":
        return False
    return isinstance(value, expected[kind])


def _with_definitions(schema: Mapping[str, Any], root: Schema) -> Schema:
    """``schema`` carrying the root's definitions, so that its local refs resolve alone."""
    extra = {k: root[k] for k in ("$defs", "definitions") if k in root and k not in schema}
    return {**schema, **extra}


def _pick(alternatives: Sequence[Schema], value: Any, root: Schema) -> int:
    """Which alternative of a ``oneOf`` ``value`` is: the only one of its type, else the
    first one it is valid against, else the first of its type, else the first."""
    if value is None or isinstance(value, _Empty) or not alternatives:
        return 0
    fitting = [i for i, a in enumerate(alternatives) if _shape_fits(a, value)]
    if len(fitting) > 1:
        for i in fitting:
            checker = Draft202012Validator(_with_definitions(alternatives[i], root))
            if checker.is_valid(value):
                return i
    return fitting[0] if fitting else 0


def _join(path: str, key: str | int) -> str:
    return f"{path}.{key}" if path else str(key)


def _name(labels: Sequence[str]) -> str:
    """The short name of a field in a message: its own label, or for a row "Units › 3"."""
    if not labels:
        return gettext("The form")
    if labels[-1].isdigit() and len(labels) > 1:
        return SEPARATOR.join(labels[-2:])
    return labels[-1]


def _full_label(labels: Sequence[str]) -> str:
    return SEPARATOR.join(labels) if labels else gettext("The form")


def _limit(value: Any) -> str:
    return _to_text(value) if isinstance(value, int | float) else str(value)


def _type_message(kind: str, name: str) -> str:
    """Says that the field ``name`` must be of JSON type ``kind`` (one msgid per type, so
    that translators see whole sentences)."""
    params = {"name": name}
    if kind == "integer":
        return gettext("%(name)s must be a whole number.") % params
    if kind == "number":
        return gettext("%(name)s must be a number.") % params
    if kind == "string":
        return gettext("%(name)s must be text.") % params
    if kind == "boolean":
        return gettext("%(name)s must be yes or no.") % params
    if kind == "array":
        return gettext("%(name)s must be a list.") % params
    if kind == "object":
        return gettext("%(name)s must be a group of fields.") % params
    if kind == "null":
        return gettext("%(name)s must be empty.") % params
    return gettext("%(name)s is not valid.") % params


# --- Building the form -------------------------------------------------------------------


def _errors_by_path(
    errors: Iterable[Problem] | Mapping[str, Sequence[str]] | None,
) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    if errors is None:
        return found
    if isinstance(errors, Mapping):
        for path, messages in errors.items():
            found.setdefault(str(path), []).extend(str(m) for m in messages)
        return found
    for problem in errors:
        found.setdefault(problem.path, []).append(problem.message)
    return found


class _Builder:
    """Walks the schema and the document together, producing :class:`FieldNode`."""

    def __init__(self, root: Schema, errors: dict[str, list[str]], language: str) -> None:
        self.root = root
        self.errors = errors
        self.language = language

    def properties(
        self, schema: Schema, path: str, value: Any, browser_required: bool, depth: int
    ) -> list[FieldNode]:
        properties = schema.get("properties")
        if not isinstance(properties, Mapping):
            return []
        required = set(schema.get("required") or [])
        current = value if isinstance(value, Mapping) else {}
        nodes = []
        for key, sub in properties.items():
            node = self.node(
                _resolve(sub, self.root),
                path=_join(path, key),
                label=label(schema, key, self.language, root=self.root),
                value=current.get(key),
                required=key in required,
                browser_required=browser_required and key in required,
                depth=depth + 1,
            )
            if node is not None:
                nodes.append(node)
        return nodes

    def node(
        self,
        schema: Schema,
        *,
        path: str,
        label: str,
        value: Any,
        required: bool,
        browser_required: bool,
        depth: int,
        with_errors: bool = True,
    ) -> FieldNode | None:
        if depth > MAX_DEPTH:
            return None
        kind = _kind(schema)
        if kind == "choice" and all(
            _kind(a) in _SCALAR_KINDS for a in _alternatives(schema, self.root)
        ):
            kind = "string"  # one text box; parse_post tries each alternative's type in turn
        node = FieldNode(
            path=path,
            name=path,
            label=label,
            input_type="fieldset",
            help=_help(schema, self.language),
            required=required,
            browser_required=browser_required,
            errors=list(self.errors.get(path, [])) if with_errors else [],
        )
        if kind == "object":
            node.children = self.properties(schema, path, value, browser_required, depth)
        elif kind == "array":
            self.array(node, schema, value, depth)
        elif kind == "choice":
            self.choice(node, schema, value, depth)
        else:
            self.scalar(node, schema, kind, value)
        return node

    def array(self, node: FieldNode, schema: Schema, value: Any, depth: int) -> None:
        items = _resolve(schema.get("items"), self.root)
        rows = list(value) if isinstance(value, list) else []
        if _kind(items) == "enum":
            # A set of choices: one checkbox per allowed value, all with the array's name.
            node.input_type = "checkboxes"
            node.browser_required = False  # a browser cannot require "at least one box"
            chosen = {_to_text(v) for v in rows}
            node.options = self.enum_options(items, chosen)
            known = {o.value for o in node.options}
            # Values the schema does not allow stay visible (and checked) until removed.
            node.options += [Option(t, t, True) for t in sorted(chosen - known)]
            return
        node.input_type = "array"
        min_items = schema.get("minItems")
        min_items = min_items if isinstance(min_items, int) else 0
        max_items = schema.get("maxItems")
        count = max(len(rows), min(min_items, MAX_EMPTY_ROWS), 1)
        own = _own_label(items, self.language)
        for i in range(count):
            row_required = i < min_items
            row_label = f"{own} {i + 1}" if own else gettext("Row %(number)s") % {"number": i + 1}
            row = self.node(
                items,
                path=_join(node.path, i),
                label=row_label,
                value=rows[i] if i < len(rows) else None,
                required=row_required,
                browser_required=node.browser_required and row_required,
                depth=depth + 1,
            )
            if row is None:
                break
            row.removable = True
            row.row_number = i + 1
            node.children.append(row)
        node.addable = not (isinstance(max_items, int) and count >= max_items)

    def choice(self, node: FieldNode, schema: Schema, value: Any, depth: int) -> None:
        node.input_type = "choice"
        node.variant_name = f"_variant.{node.path}"
        raw = _raw_alternatives(schema)
        alternatives = [_resolve(a, self.root) for a in raw]
        selected = _pick(alternatives, value, self.root)
        for i, (original, alternative) in enumerate(zip(raw, alternatives, strict=True)):
            option = Option(str(i), self.alternative_label(original, alternative, i), i == selected)
            node.options.append(option)
            child = self.node(
                alternative,
                path=node.path,
                label=option.label,
                value=value if i == selected else None,
                # The person may pick another alternative: the browser may not insist on any.
                required=False,
                browser_required=False,
                depth=depth + 1,
                with_errors=False,  # shown once, on the choice itself
            )
            if child is not None:
                node.children.append(child)

    def alternative_label(self, original: Any, alternative: Schema, index: int) -> str:
        own = _own_label(alternative, self.language)
        if own:
            return own
        ref = original.get("$ref") if isinstance(original, Mapping) else None
        if isinstance(ref, str) and ref.startswith("#/"):
            return humanise(ref.rsplit("/", 1)[-1])
        kind = _kind(alternative)
        if kind == "array":
            items = alternative.get("items")
            item = self.alternative_label(items, _resolve(items, self.root), index)
            return gettext("List of: %(item)s") % {"item": item}
        if kind == "object" and isinstance(alternative.get("properties"), Mapping):
            keys = list(alternative["properties"])
            return ", ".join(label(alternative, k, self.language, root=self.root) for k in keys[:4])
        return gettext("Option %(number)s") % {"number": index + 1}

    def enum_options(self, schema: Schema, chosen: set[str]) -> list[Option]:
        return [
            Option(
                _to_text(value),
                choice_label(schema, value, self.language),
                _to_text(value) in chosen,
            )
            for value, _titled in _enum_choices(schema) or []
        ]

    def scalar(self, node: FieldNode, schema: Schema, kind: str, value: Any) -> None:
        text = _to_text(value)
        node.value = text
        attrs = node.attrs
        if kind == "enum":
            node.input_type = "select"
            node.options = self.enum_options(schema, {text} if text else set())
            if text and not any(o.selected for o in node.options):
                node.options.append(Option(text, text, True))  # keep a disallowed value visible
        elif kind == "boolean":
            node.input_type = "checkbox"
            node.value = "true" if value is True else ""
            node.browser_required = False  # required means "answered"; unticked is an answer
        elif kind in {"integer", "number"}:
            self.number(node, schema, kind, value)
        elif kind == "string":
            form = schema.get("format")
            if form == "date":
                node.input_type = "date" if not text or _is_date(text) else "text"
            elif form == "date-time":
                local = _local_date_time(text) if text else ""
                if local is None:
                    node.input_type = "text"  # not a date and time: show it as typed
                else:
                    node.input_type = "datetime-local"
                    node.value = local
                    if len(local) > len("2000-01-01T00:00"):
                        attrs["step"] = "any"  # seconds given: let the browser keep them
            else:
                max_length = schema.get("maxLength")
                long = isinstance(max_length, int) and max_length > TEXTAREA_OVER
                node.input_type = "textarea" if long else "text"
                if isinstance(max_length, int):
                    attrs["maxlength"] = str(max_length)
                min_length = schema.get("minLength")
                if isinstance(min_length, int) and min_length > 1:
                    attrs["minlength"] = str(min_length)
                pattern = schema.get("pattern")
                # HTML anchors a pattern at both ends, JSON Schema does not: only a pattern
                # anchored by its author means the same to the browser.
                if (
                    isinstance(pattern, str)
                    and pattern.startswith("^")
                    and pattern.endswith("$")
                    and not long
                ):
                    attrs["pattern"] = pattern
        else:
            node.input_type = "json"
            if not isinstance(value, _Empty) and value is not None:
                node.value = json.dumps(value, ensure_ascii=False, indent=2)
            attrs["spellcheck"] = "false"

    def number(self, node: FieldNode, schema: Schema, kind: str, value: Any) -> None:
        attrs = node.attrs
        entered_number = isinstance(value, int | float) and not isinstance(value, bool)
        if not entered_number and node.value:
            # Text that is not a number (kept from a failed submission): a number input would
            # blank it, so show it as text to be corrected.
            node.input_type = "text"
            attrs["inputmode"] = "numeric" if kind == "integer" else "decimal"
            return
        node.input_type = "number"
        low, high = schema.get("minimum"), schema.get("maximum")
        if kind == "integer":
            # An exclusive bound on whole numbers is the next whole number in.
            above, below = schema.get("exclusiveMinimum"), schema.get("exclusiveMaximum")
            if isinstance(above, int | float) and not isinstance(above, bool):
                low = (
                    max(low, math.floor(above) + 1)
                    if isinstance(low, int | float)
                    else math.floor(above) + 1
                )
            if isinstance(below, int | float) and not isinstance(below, bool):
                high = (
                    min(high, math.ceil(below) - 1)
                    if isinstance(high, int | float)
                    else math.ceil(below) - 1
                )
        for attr, bound in (("min", low), ("max", high)):
            if isinstance(bound, int | float) and not isinstance(bound, bool):
                attrs[attr] = _to_text(bound)
        multiple = schema.get("multipleOf")
        if isinstance(multiple, int | float) and not isinstance(multiple, bool):
            attrs["step"] = _to_text(multiple)
        else:
            attrs["step"] = "1" if kind == "integer" else "any"


def fields_for(
    schema: Schema,
    data: Mapping[str, Any] | None = None,
    errors: Iterable[Problem] | Mapping[str, Sequence[str]] | None = None,
    language: str = "en",
) -> list[FieldNode]:
    """The fields of a form for the object ``schema``, filled in from ``data``.

    ``errors`` are problems (from :func:`parse_post` or :func:`validate`), or a mapping of
    path to messages; each field shows those of its own path. Arrays show a row per item (at
    least one, empty); labels, row names and option texts are in ``language``. Render the
    result with ``{% include "notifications/schema_form.html" with nodes=nodes %}``.
    """
    root = schema
    with override(language):
        builder = _Builder(root, _errors_by_path(errors), language)
        return builder.properties(_resolve(root, root), "", data or {}, True, 0)


# --- Reading a submitted form ------------------------------------------------------------


class _Posted:
    """The submitted names as a tree of path segments, so that each level of the document is
    read from its own branch rather than by scanning every name again."""

    __slots__ = ("children", "values", "variant")

    def __init__(self) -> None:
        self.children: dict[str, _Posted] = {}
        self.values: list[str] = []
        self.variant: str | None = None

    def ensure(self, path: str) -> _Posted | None:
        parts = path.split(".")
        if len(parts) > 3 * MAX_DEPTH:
            return None  # deeper than any form: not one of ours
        node = self
        for part in parts:
            node = node.children.setdefault(part, _Posted())
        return node

    def find(self, path: str) -> _Posted | None:
        node: _Posted | None = self
        for part in path.split(".") if path else []:
            node = node.children.get(part) if node else None
        return node

    def rows(self) -> list[tuple[int, _Posted]]:
        """The rows below this node, in index order (gaps are simply skipped)."""
        return sorted((int(k), v) for k, v in self.children.items() if _INDEX.fullmatch(k))


def _values(post: Mapping[str, str | list[str]], name: str) -> list[str]:
    """Every value submitted under ``name``: a QueryDict keeps several (checkboxes)."""
    getlist = getattr(post, "getlist", None)
    raw: Any = getlist(name) if callable(getlist) else post.get(name)
    if raw is None:
        return []
    if isinstance(raw, str):
        return [raw]
    return [v for v in raw if isinstance(v, str)]


def _is_date(text: str) -> bool:
    if not _DATE.fullmatch(text):
        return False
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _is_date_time(text: str) -> bool:
    """RFC 3339 ``date-time``: seconds and an offset are required, unlike ISO 8601."""
    if not _DATE_TIME.fullmatch(text):
        return False
    try:
        datetime.fromisoformat(text.upper())
    except ValueError:
        return False
    return True


def _rfc3339(text: str) -> str | None:
    """An ISO date and time (a browser's ``2025-05-01T10:00``, no zone: taken as UTC, as the
    forms ask) as RFC 3339 in UTC (``2025-05-01T10:00:00Z``); None if it is not one."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    fraction = f".{moment.microsecond:06d}".rstrip("0") if moment.microsecond else ""
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + fraction + "Z"


def _local_date_time(text: str) -> str | None:
    """An RFC 3339 date and time as a ``datetime-local`` value in UTC; None if not one."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    if moment.second or moment.microsecond:
        return moment.isoformat()
    return moment.isoformat(timespec="minutes")


def _coerce(schema: Schema, kind: str, text: str) -> tuple[Any, bool]:
    """The value ``text`` stands for under ``schema``, and whether it could be read so.
    Text that cannot is returned as it is, for the form to show again."""
    if kind == "integer":
        match = _INTEGER.fullmatch(text)
        if not match:
            return text, False
        number = int(match.group(1))
        return (-number if text.startswith("-") else number), True
    if kind == "number":
        if not _NUMBER.fullmatch(text):
            return text, False
        plain = text.replace(",", ".")
        if not any(c in plain for c in ".eE"):
            return int(plain), True
        value = float(plain)
        return (value, True) if math.isfinite(value) else (text, False)
    if kind == "enum":
        for value, _titled in _enum_choices(schema) or []:
            if _to_text(value) == text:
                return value, True
        return text, True  # validation says which values are allowed
    if kind == "string":
        if schema.get("format") == "date-time":
            return _rfc3339(text) or text, True  # validation words a bad one
        return text, True
    if kind == "boolean":
        return text.lower() not in _FALSE_WORDS, True
    # Anything the form cannot break down was edited as JSON text.
    if len(text.encode()) > MAX_DOCUMENT_BYTES:
        return text, False
    try:
        return json.loads(text), True
    except (ValueError, RecursionError):
        return text, False


class _Reader:
    """Walks the schema and the tree of posted names together, building the document."""

    def __init__(self, root: Schema, language: str, keep_empty: bool) -> None:
        self.root = root
        self.language = language
        self.keep_empty = keep_empty
        self.problems: list[Problem] = []

    def fail(self, kind: str, path: str, labels: tuple[str, ...]) -> None:
        if kind == "json":
            message = gettext("%(name)s must be valid JSON.") % {"name": _name(labels)}
        else:
            message = _type_message(kind, _name(labels))
        self.problems.append(Problem(path, _full_label(labels), message))

    def read(
        self, schema: Schema, node: _Posted | None, path: str, labels: tuple[str, ...], depth: int
    ) -> tuple[Any, bool]:
        """(value, whether anything was entered); the value is ``_EMPTY`` for nothing."""
        if depth > MAX_DEPTH:
            return _EMPTY, False
        kind = _kind(schema)
        if kind == "object":
            return self.read_object(schema, node, path, labels, depth)
        if kind == "array":
            return self.read_array(schema, node, path, labels, depth)
        if kind == "choice":
            return self.read_choice(schema, node, path, labels, depth)
        return self.read_scalar(schema, kind, node, path, labels)

    def read_object(
        self, schema: Schema, node: _Posted | None, path: str, labels: tuple[str, ...], depth: int
    ) -> tuple[Any, bool]:
        properties = schema.get("properties")
        if not isinstance(properties, Mapping):
            return {}, False
        required = set(schema.get("required") or [])
        result: dict[str, Any] = {}
        entered = False
        for key, sub in properties.items():
            value, content = self.read(
                _resolve(sub, self.root),
                node.children.get(key) if node else None,
                _join(path, key),
                (*labels, label(schema, key, self.language, root=self.root)),
                depth + 1,
            )
            if isinstance(value, _Empty):
                continue
            # An empty group is kept when required, so that validation names the fields
            # missing inside it rather than just the group; an unticked box is an answer.
            container = isinstance(value, dict | list)
            if (
                content
                or isinstance(value, bool)
                or (container and (key in required or self.keep_empty))
            ):
                result[key] = value
            entered = entered or content
        return result, entered

    def read_array(
        self, schema: Schema, node: _Posted | None, path: str, labels: tuple[str, ...], depth: int
    ) -> tuple[Any, bool]:
        items = _resolve(schema.get("items"), self.root)
        if _kind(items) == "enum":
            texts = list(node.values) if node else []
            for _i, row in node.rows() if node else []:
                texts.extend(row.values)
            chosen = [_coerce(items, "enum", t.strip())[0] for t in texts if t.strip()]
            return chosen, bool(chosen)
        result: list[Any] = []
        entered = False
        for _i, row in node.rows() if node else []:
            # Paths are those of the document (gaps closed, empty rows dropped), which is
            # what the re-rendered form and validate() use.
            index = len(result)
            value, content = self.read(
                items, row, _join(path, index), (*labels, str(index + 1)), depth + 1
            )
            if content:
                result.append(value)
                entered = True
            elif self.keep_empty:
                result.append("" if isinstance(value, _Empty) else value)
        return result, entered

    def read_choice(
        self, schema: Schema, node: _Posted | None, path: str, labels: tuple[str, ...], depth: int
    ) -> tuple[Any, bool]:
        alternatives = _alternatives(schema, self.root)
        if all(_kind(a) in _SCALAR_KINDS for a in alternatives):
            return self.read_scalars(alternatives, node, path, labels)
        chosen = node.variant if node else None
        if chosen is not None and chosen.isdigit() and int(chosen) < len(alternatives):
            return self.read(alternatives[int(chosen)], node, path, labels, depth + 1)
        # No choice posted (a client that does not send it): the first alternative filled in.
        for alternative in alternatives:
            value, content = self.read(alternative, node, path, labels, depth + 1)
            if content:
                return value, content
        return _EMPTY, False

    def read_scalars(
        self, alternatives: list[Schema], node: _Posted | None, path: str, labels: tuple[str, ...]
    ) -> tuple[Any, bool]:
        """A ``oneOf`` of scalars, edited in one text box: the first type the text reads as."""
        text = self.text(node)
        if not text:
            return _EMPTY, False
        for alternative in alternatives:
            value, ok = _coerce(alternative, _kind(alternative), text)
            if ok:
                return value, True
        self.fail(_kind(alternatives[0]), path, labels)
        return text, True

    @staticmethod
    def text(node: _Posted | None) -> str:
        raw = node.values[-1] if node and node.values else ""
        # Browsers send textarea line breaks as CRLF; the document keeps plain newlines.
        return raw.replace("\r\n", "\n").replace("\r", "\n").strip()

    def read_scalar(
        self, schema: Schema, kind: str, node: _Posted | None, path: str, labels: tuple[str, ...]
    ) -> tuple[Any, bool]:
        if kind == "boolean":
            # A checkbox is sent only when ticked: absent means false.
            ticked = bool(
                node and node.values and node.values[-1].strip().lower() not in _FALSE_WORDS
            )
            return ticked, ticked
        text = self.text(node)
        if not text:
            return _EMPTY, False
        value, ok = _coerce(schema, kind, text)
        if not ok:
            self.fail(kind, path, labels)
        return value, True

    def schema_at(self, path: str, tree: _Posted, want_array: bool) -> Schema | None:
        """The schema of the document at ``path``; on the way, each ``oneOf`` is switched to
        the alternative the path goes into (the row asked for lies in it)."""
        schema = _resolve(self.root, self.root)
        parts = path.split(".") if path else []
        for depth in range(len(parts) + 1):
            last = depth == len(parts)
            for _ in range(MAX_DEPTH):
                if _kind(schema) != "choice":
                    break
                alternatives = _alternatives(schema, self.root)
                wanted = (
                    "array"
                    if (last and want_array) or (not last and _INDEX.fullmatch(parts[depth]))
                    else "object"
                )
                index = next((i for i, a in enumerate(alternatives) if _kind(a) == wanted), None)
                if index is None:
                    return None
                posted = tree.ensure(".".join(parts[:depth])) if depth else None
                if posted is not None:
                    posted.variant = str(index)
                schema = alternatives[index]
            if last:
                return schema
            part = parts[depth]
            kind = _kind(schema)
            if kind == "array" and _INDEX.fullmatch(part):
                schema = _resolve(schema.get("items"), self.root)
            elif kind == "object" and part in (schema.get("properties") or {}):
                schema = _resolve(schema["properties"][part], self.root)
            else:
                return None
        return None

    def apply(self, action: FormAction, tree: _Posted) -> None:
        """Add an empty row to, or remove a row from, the posted names (a bad path: nothing)."""
        if action.kind == "remove":
            parent_path, _, index = action.path.rpartition(".")
            parent = tree.find(parent_path) if parent_path else None
            if parent is not None and _INDEX.fullmatch(index):
                parent.children.pop(index, None)
            return
        schema = self.schema_at(action.path, tree, want_array=True)
        if schema is None or _kind(schema) != "array":
            return
        if _kind(_resolve(schema.get("items"), self.root)) == "enum":
            return  # checkboxes: no rows to add
        node = tree.ensure(action.path)
        if node is None:
            return
        rows = node.rows()
        max_items = schema.get("maxItems")
        if isinstance(max_items, int) and len(rows) >= max_items:
            return
        node.children[str(rows[-1][0] + 1 if rows else 0)] = _Posted()


def parse_post(
    schema: Schema, post: Mapping[str, str | list[str]], language: str = "en"
) -> ParsedPost:
    """The document a submitted form stands for, built by ``schema`` from its flat names.

    ``post`` is ``request.POST`` (or any mapping of name to a value or a list of values).
    Numbers are read as numbers (a decimal comma is accepted), booleans from whether their
    checkbox was sent, dates stay ISO strings (date and time as RFC 3339 in UTC), rows come in
    index order with gaps closed; empty optional values and empty rows are left out (empty
    required groups are kept as ``{}``/``[]``, so that validation names what is missing in
    them). Text that is not of its field's type becomes a :class:`Problem` (labels and
    messages in ``language``) and stays in the document as typed. A ``_add`` or ``_remove``
    button makes ``action`` not None: see :class:`ParsedPost`.
    """
    tree = _Posted()
    for name in post:
        if name.startswith("_variant."):
            node = tree.ensure(name.removeprefix("_variant."))
            chosen = _values(post, name)
            if node is not None and chosen:
                node.variant = chosen[-1]
        elif not name.startswith("_"):
            node = tree.ensure(name)
            if node is not None:
                node.values = _values(post, name)
    action = None
    for kind in ("remove", "add"):
        targets = _values(post, f"_{kind}")
        if targets:
            action = FormAction("remove" if kind == "remove" else "add", targets[-1].strip())
            break
    root = schema
    with override(language):
        reader = _Reader(root, language, keep_empty=action is not None)
        if action is not None:
            reader.apply(action, tree)
        value, _entered = reader.read(_resolve(root, root), tree, "", (), 0)
    return ParsedPost(value if isinstance(value, dict) else {}, reader.problems, action)


# --- Validation ----------------------------------------------------------------------------


def _format_checker() -> FormatChecker:
    """Checks ``date`` and ``date-time`` itself: jsonschema checks ``date-time`` only with an
    optional package, and its ``date`` accepts what ``date.fromisoformat`` does (20250101)."""
    checker = FormatChecker(formats=())
    checker.checks("date")(lambda value: not isinstance(value, str) or _is_date(value))
    checker.checks("date-time")(lambda value: not isinstance(value, str) or _is_date_time(value))
    return checker


_FORMATS = _format_checker()


def _refusal(data: Any) -> str | None:
    """Why ``data`` is refused without validation (too deep, too large, not JSON), or None."""
    stack: list[tuple[Any, int]] = [(data, 1)] if isinstance(data, dict | list) else []
    while stack:  # iteratively: a deep document must not exhaust Python's stack
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            return gettext("The form is nested more than %(limit)s levels deep.") % {
                "limit": MAX_DEPTH
            }
        children = node.values() if isinstance(node, dict) else node
        stack.extend((c, depth + 1) for c in children if isinstance(c, dict | list))
    size = 0
    encoder = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    too_large = gettext("The form is larger than %(limit)s.") % {
        "limit": filesizeformat(MAX_DOCUMENT_BYTES)
    }
    try:
        for chunk in encoder.iterencode(data):  # stops as soon as the limit is passed
            size += len(chunk.encode())
            if size > MAX_DOCUMENT_BYTES:
                return too_large
    except (TypeError, ValueError):
        return gettext("The form holds a value that is not valid JSON.")
    return None


class _Explainer:
    """Turns jsonschema's errors into :class:`Problem` worded for people."""

    def __init__(self, root: Schema, data: Any, language: str) -> None:
        self.root = root
        self.data = data
        self.language = language

    def locate(self, parts: Sequence[str | int]) -> tuple[list[str], list[int]]:
        """The labels of a path, and its position in document order (for sorting)."""
        labels: list[str] = []
        order: list[int] = []
        schema = _resolve(self.root, self.root)
        here: Any = self.data
        for part in parts:
            for _ in range(MAX_DEPTH):  # settle each oneOf on the alternative the data is
                if _kind(schema) != "choice":
                    break
                alternatives = _alternatives(schema, self.root)
                schema = alternatives[_pick(alternatives, here, self.root)]
            if isinstance(part, int):
                labels.append(str(part + 1))
                order.append(part)
                prefix = schema.get("prefixItems")
                items = (
                    prefix[part]
                    if isinstance(prefix, list) and part < len(prefix)
                    else schema.get("items")
                )
                schema = _resolve(items, self.root)
                here = here[part] if isinstance(here, list) and part < len(here) else None
            else:
                properties = schema.get("properties")
                properties = properties if isinstance(properties, Mapping) else {}
                keys = list(properties)
                labels.append(label(schema, part, self.language, root=self.root))
                order.append(keys.index(part) if part in properties else len(keys))
                if part in properties:
                    schema = _resolve(properties[part], self.root)
                else:
                    schema = _resolve(schema.get("additionalProperties"), self.root)
                here = here.get(part) if isinstance(here, Mapping) else None
        return labels, order

    def problem(
        self, parts: Sequence[str | int], wording: Callable[[str], str]
    ) -> tuple[list[int], Problem]:
        """The problem at ``parts``; ``wording`` makes its message from the field's name."""
        labels, order = self.locate(parts)
        path = ".".join(str(p) for p in parts)
        return order, Problem(path, _full_label(labels), wording(_name(labels)))

    def explain(self, error: ValidationError) -> Iterator[tuple[list[int], Problem]]:
        parts = list(error.absolute_path)
        keyword = str(error.validator)
        expected = error.validator_value
        instance = error.instance

        if keyword in {"oneOf", "anyOf"}:
            chosen = self.closest_alternative(error) if error.context else None
            if chosen is not None:
                for sub in chosen:
                    yield from self.explain(sub)
            elif error.context:
                yield self.problem(
                    parts,
                    lambda name: (
                        gettext("%(name)s does not match any of the accepted forms.")
                        % {"name": name}
                    ),
                )
            else:
                yield self.problem(
                    parts,
                    lambda name: (
                        gettext("%(name)s matches more than one of the accepted forms.")
                        % {"name": name}
                    ),
                )
        elif keyword == "required" and isinstance(instance, Mapping):
            for key in expected if isinstance(expected, list) else []:
                if key not in instance:
                    yield self.problem(
                        [*parts, key],
                        lambda name: gettext("%(name)s is required.") % {"name": name},
                    )
        elif keyword == "additionalProperties" and isinstance(instance, Mapping):
            schema = error.schema if isinstance(error.schema, Mapping) else {}
            known = schema.get("properties") or {}
            patterns = list(schema.get("patternProperties") or {})
            for key in instance:
                if key not in known and not any(re.search(p, key) for p in patterns):
                    yield self.problem(
                        [*parts, key],
                        lambda name: (
                            gettext("%(name)s is not a field of this form.") % {"name": name}
                        ),
                    )
        elif keyword == "enum" and isinstance(expected, list):
            # The allowed values as the form's select shows them, not as they are stored.
            schema = error.schema if isinstance(error.schema, Mapping) else {}
            shown = [choice_label(schema, v, self.language) for v in expected]
            yield self.problem(parts, lambda name: self.message(keyword, shown, name))
        else:
            yield self.problem(parts, lambda name: self.message(keyword, expected, name))

    @staticmethod
    def message(keyword: str, expected: Any, name: str) -> str:
        """The message for one failed keyword (``expected`` is the keyword's value)."""
        params = {"name": name, "limit": _limit(expected)}
        if keyword == "type":
            kinds = expected if isinstance(expected, list) else [expected]
            return _type_message(next((k for k in kinds if k != "null"), "null"), name)
        if keyword == "minimum":
            return gettext("%(name)s must be at least %(limit)s.") % params
        if keyword == "maximum":
            return gettext("%(name)s must be at most %(limit)s.") % params
        if keyword == "exclusiveMinimum":
            return gettext("%(name)s must be more than %(limit)s.") % params
        if keyword == "exclusiveMaximum":
            return gettext("%(name)s must be less than %(limit)s.") % params
        if keyword == "multipleOf":
            return gettext("%(name)s must be a multiple of %(limit)s.") % params
        count = expected if isinstance(expected, int) else 0
        if keyword == "minLength":
            if count == 1:
                return gettext("%(name)s must not be empty.") % params
            return (
                ngettext(
                    "%(name)s must be at least %(limit)s character long.",
                    "%(name)s must be at least %(limit)s characters long.",
                    count,
                )
                % params
            )
        if keyword == "maxLength":
            return (
                ngettext(
                    "%(name)s must be at most %(limit)s character long.",
                    "%(name)s must be at most %(limit)s characters long.",
                    count,
                )
                % params
            )
        if keyword == "pattern":
            return gettext("%(name)s is not in the expected format.") % params
        if keyword == "enum" and isinstance(expected, list):
            shown = [_to_text(v) for v in expected[:12]] + (["…"] if len(expected) > 12 else [])
            return gettext("%(name)s must be one of: %(choices)s.") % {
                **params,
                "choices": ", ".join(shown),
            }
        if keyword == "const":
            return gettext("%(name)s must be %(value)s.") % {**params, "value": _to_text(expected)}
        if keyword == "format":
            if expected == "date":
                return gettext("%(name)s must be a date (YYYY-MM-DD).") % params
            if expected == "date-time":
                return gettext("%(name)s must be a date and time (YYYY-MM-DDThh:mm:ssZ).") % params
            return gettext("%(name)s is not a valid %(format)s.") % {**params, "format": expected}
        if keyword == "minItems":
            return (
                ngettext(
                    "%(name)s needs at least %(limit)s entry.",
                    "%(name)s needs at least %(limit)s entries.",
                    count,
                )
                % params
            )
        if keyword == "maxItems":
            return (
                ngettext(
                    "%(name)s allows at most %(limit)s entry.",
                    "%(name)s allows at most %(limit)s entries.",
                    count,
                )
                % params
            )
        if keyword == "uniqueItems":
            return gettext("%(name)s lists the same entry more than once.") % params
        return gettext("%(name)s is not valid.") % params

    @staticmethod
    def closest_alternative(error: ValidationError) -> list[ValidationError] | None:
        """The errors of the alternative of a failed ``oneOf`` the value was meant to be: of
        those of the right type, the one with the fewest errors; None if none is."""
        by_alternative: dict[int, list[ValidationError]] = {}
        for sub in error.context or []:
            index = sub.relative_schema_path[0] if sub.relative_schema_path else None
            if isinstance(index, int):
                by_alternative.setdefault(index, []).append(sub)
        here = list(error.absolute_path)
        candidates = {
            index: errors
            for index, errors in by_alternative.items()
            if not any(
                e.validator in {"type", "const", "enum"} and list(e.absolute_path) == here
                for e in errors
            )
        }
        if not candidates:
            return None
        return min(candidates.items(), key=lambda item: (len(item[1]), item[0]))[1]


def validate(schema: Schema, data: Any, language: str = "en") -> list[Problem]:
    """Every problem of ``data`` under ``schema`` (JSON Schema 2020-12, with the ``date`` and
    ``date-time`` formats checked), worded in ``language`` and in document order.

    A document nested more than :data:`MAX_DEPTH` levels deep, larger than
    :data:`MAX_DOCUMENT_BYTES` as JSON, or not JSON at all is refused with a single problem
    (path ``""``) before validation. An empty list means the document is valid.
    """
    with override(language):
        refused = _refusal(data)
        if refused is not None:
            return [Problem("", gettext("The form"), refused)]
        explainer = _Explainer(schema, data, language)
        validator = Draft202012Validator(schema, format_checker=_FORMATS)
        found: list[tuple[list[int], Problem]] = []
        for error in validator.iter_errors(data):
            found.extend(explainer.explain(error))
    seen: set[tuple[str, str]] = set()
    problems: list[Problem] = []
    for _order, problem in sorted(found, key=lambda item: item[0]):  # sorted() is stable
        if (problem.path, problem.message) not in seen:
            seen.add((problem.path, problem.message))
            problems.append(problem)
    return problems
