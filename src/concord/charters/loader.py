"""Reading and validating charter documents.

A charter is refused whole when anything in it is wrong; each problem names the file,
the path inside the document and what is wrong, so an author can fix them all at once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import isodate
import jsonschema
import pycountry
import yaml

SCHEMA_PATH = Path(__file__).parent / "schema" / "charter.schema.json"
BUILTIN_DIR = Path(__file__).parent / "builtin"
MAX_CHARTER_BYTES = 2 * 1024 * 1024


@dataclass(frozen=True)
class CharterProblem:
    file: str
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.path or '(top)'}: {self.message}"


class CharterInvalid(Exception):
    """The charter was refused; ``problems`` lists every reason."""

    def __init__(self, problems: list[CharterProblem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@lru_cache(maxsize=1)
def charter_schema() -> dict[str, Any]:
    with SCHEMA_PATH.open(encoding="utf-8") as f:
        schema: dict[str, Any] = json.load(f)
    return schema


def _path(parts: Any) -> str:
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out


def builtin_paths() -> list[Path]:
    return sorted(BUILTIN_DIR.glob("*.yaml"))


def parse(text: str | bytes, *, file: str) -> dict[str, Any]:
    """Parse and validate a charter document; raise CharterInvalid listing all problems."""
    if len(text) > MAX_CHARTER_BYTES:
        raise CharterInvalid(
            [CharterProblem(file, "", f"larger than {MAX_CHARTER_BYTES // 1024} KiB")]
        )
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise CharterInvalid(
            [CharterProblem(file, where, f"not valid YAML: {getattr(exc, 'problem', exc)}")]
        ) from None
    if not isinstance(doc, dict):
        raise CharterInvalid([CharterProblem(file, "", "a charter is a mapping of keys")])
    validator = jsonschema.Draft202012Validator(charter_schema())
    problems = [
        CharterProblem(file, _path(err.absolute_path), err.message)
        for err in sorted(validator.iter_errors(doc), key=lambda e: list(map(str, e.path)))
    ]
    if not problems:
        problems = semantic_problems(doc, file=file)
    if problems:
        raise CharterInvalid(problems)
    return doc


def load_file(path: str | Path) -> dict[str, Any]:
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise CharterInvalid([CharterProblem(str(p), "", f"cannot read: {exc.strerror}")]) from None
    return parse(data, file=str(p))


def _durations(doc: dict[str, Any]) -> list[tuple[str, str]]:
    """Every (path, ISO 8601 duration) in the document."""
    found: list[tuple[str, str]] = []

    def walk(node: Any, parts: list[Any]) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                if k == "schema":
                    continue
                if k in {"duration", "notice_period", "within", "period"} and isinstance(v, str):
                    found.append((_path([*parts, k]), v))
                else:
                    walk(v, [*parts, k])
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, [*parts, i])

    walk(doc, [])
    return found


def semantic_problems(doc: dict[str, Any], *, file: str) -> list[CharterProblem]:
    """Checks a JSON Schema cannot express: references, codes, durations, form schemas."""
    problems: list[CharterProblem] = []

    def add(path: str, message: str) -> None:
        problems.append(CharterProblem(file, path, message))

    articles = {a["id"] for a in doc.get("articles", [])}
    mechanisms = {m["id"] for m in doc.get("mechanisms", [])}
    forms = {f["id"] for f in doc.get("forms", [])}
    bodies = {b["id"] for b in doc.get("bodies", [])}

    for section in ("articles", "principles", "mechanisms", "forms", "bodies", "thresholds"):
        seen: set[str] = set()
        for i, item in enumerate(doc.get(section, [])):
            if item["id"] in seen:
                add(f"{section}[{i}].id", f"duplicate id {item['id']!r}")
            seen.add(item["id"])

    def check_ref(node: Any, parts: list[Any]) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                if k == "schema":
                    continue
                here = [*parts, k]
                if k == "article" and isinstance(v, str) and v not in articles:
                    add(_path(here), f"names article {v!r}, which the charter does not define")
                elif k == "body" and isinstance(v, str) and v not in bodies:
                    add(_path(here), f"names body {v!r}, which the charter does not define")
                elif k in {"form", "nil_return_for"} and isinstance(v, str) and v not in forms:
                    add(_path(here), f"names form {v!r}, which the charter does not define")
                elif k == "steps" and isinstance(v, list):
                    for j, step in enumerate(v):
                        if step not in mechanisms:
                            add(_path([*here, j]), f"names mechanism {step!r}, not defined")
                else:
                    check_ref(v, here)
        elif isinstance(node, list):
            for i, v in enumerate(node):
                check_ref(v, [*parts, i])

    check_ref(doc, [])

    for path, value in _durations(doc):
        try:
            isodate.parse_duration(value)
        except (isodate.ISO8601Error, ValueError):
            add(path, f"{value!r} is not an ISO 8601 duration (e.g. PT48H, P10D)")

    states = doc.get("eligibility", {}).get("states", [])
    if isinstance(states, list):
        for i, code in enumerate(states):
            if pycountry.countries.get(alpha_2=code) is None:
                add(f"eligibility.states[{i}]", f"{code!r} is not an ISO 3166-1 alpha-2 code")
            if states.index(code) != i:
                add(f"eligibility.states[{i}]", f"{code!r} is listed twice")

    for i, form in enumerate(doc.get("forms", [])):
        try:
            jsonschema.Draft202012Validator.check_schema(form["schema"])
        except jsonschema.SchemaError as exc:
            add(f"forms[{i}].schema.{_path(exc.path)}", f"not a valid JSON Schema: {exc.message}")
    return problems


def text(value: Any, language: str = "en") -> str:
    """A charter Text (a string, or a mapping of language to string) in ``language``."""
    if isinstance(value, dict):
        return str(value.get(language) or value.get("en") or next(iter(value.values()), ""))
    return "" if value is None else str(value)


def duration(value: str, *, start: datetime | None = None) -> timedelta:
    """An ISO 8601 duration as a timedelta; months and years are counted from ``start``."""
    parsed = isodate.parse_duration(value)
    if isinstance(parsed, isodate.Duration):
        return parsed.totimedelta(start=start or datetime(2000, 1, 1, tzinfo=UTC))
    return parsed
