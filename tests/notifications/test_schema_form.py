"""Forms generated from the charters' JSON Schemas: the fields, reading a POST back, and the
problems people see, checked against the real Helsinki forms."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from django.template import Context, Engine
from django.utils.datastructures import MultiValueDict
from jsonschema import Draft202012Validator

from concord.charters.loader import BUILTIN_DIR, load_file
from concord.notifications import schema_form
from concord.notifications.schema_form import (
    MAX_DEPTH,
    MAX_DOCUMENT_BYTES,
    FieldNode,
    FormAction,
    Problem,
    fields_for,
    label,
    parse_post,
    validate,
)

TEMPLATES = Path(schema_form.__file__).parent / "templates"

PRIOR: dict[str, Any] = {
    "start": "2025-09-01",
    "end": "2025-09-10",
    "area": {"name": "Training area north of the river", "lat": 54.1, "lon": 23.5},
    "kind": "field-training",
    "purpose": "Brigade field training.\nSecond line.",
    "troops": 13500,
    "battle_tanks": 300,
    "acv": 500,
    "artillery": 250,
    "units": ["1st Armoured Brigade", "2 MRB"],
}

# Charters may also use $ref and oneOf; none of the built-in forms does at present, so this
# form has both: a point or a polygon, and units given by designation or in detail.
SITES: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["coordinates", "units"],
    "$defs": {
        "point": {
            "type": "object",
            "additionalProperties": False,
            "required": ["lat", "lon"],
            "properties": {
                "lat": {"type": "number", "minimum": -90, "maximum": 90, "title": "Latitude"},
                "lon": {"type": "number", "minimum": -180, "maximum": 180, "title": "Longitude"},
            },
        }
    },
    "properties": {
        "coordinates": {
            "title": "Point or polygon",
            "x-title": {"ru": "Точка или многоугольник"},
            "oneOf": [
                {"$ref": "#/$defs/point"},
                {"type": "array", "minItems": 3, "items": {"$ref": "#/$defs/point"}},
            ],
        },
        "units": {
            "type": "array",
            "minItems": 1,
            "title": "Units",
            "items": {
                "oneOf": [
                    {"type": "string", "minLength": 1, "maxLength": 100, "title": "Designation"},
                    {
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["designation"],
                        "properties": {
                            "designation": {"type": "string", "title": "Designation"},
                            "personnel": {"type": "integer", "minimum": 0, "title": "Personnel"},
                        },
                    },
                ]
            },
        },
    },
}

SITE: dict[str, Any] = {
    "coordinates": [
        {"lat": 54.1, "lon": 23.5},
        {"lat": 54.25, "lon": 23.75},
        {"lat": 54.0, "lon": 23.9},
    ],
    "units": ["1st Armoured Brigade", {"designation": "2 MRB", "personnel": 4200}],
}

ANNUAL: dict[str, Any] = {
    "year": 2026,
    "valid_as_of": "2026-01-01",
    "units": [
        {
            "name": "1st Armoured Brigade",
            "designation": "1 AB",
            "command": "Northern Command",
            "location": {"name": "Northtown", "lat": 54.5, "lon": 23.25},
            "personnel": 4500,
            "equipment": {
                "battle_tanks": 90,
                "acv": 120,
                "artillery": 36,
                "combat_aircraft": 0,
                "helicopters": 12,
            },
        },
        {
            "name": "2nd Artillery Regiment",
            "designation": "2 AR",
            "command": "Northern Command",
            "location": {"name": "Southville", "lat": -1.5, "lon": 100},
            "personnel": 1200,
            "equipment": {
                "battle_tanks": 0,
                "acv": 10,
                "artillery": 72,
                "combat_aircraft": 0,
                "helicopters": 0,
            },
        },
    ],
}


@pytest.fixture(scope="module")
def forms() -> dict[str, dict[str, Any]]:
    charter = load_file(BUILTIN_DIR / "helsinki.yaml")
    return {f["id"]: f["schema"] for f in charter["forms"]}


@pytest.fixture
def prior(forms: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return forms["prior-notification"]


@pytest.fixture
def annual(forms: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return forms["annual-exchange"]


def posted(nodes: list[FieldNode]) -> dict[str, list[str]]:
    """What a browser sends for the form as rendered (nothing edited)."""
    out: dict[str, list[str]] = {}

    def walk(node: FieldNode) -> None:
        if node.input_type == "choice":
            out[node.variant_name] = [o.value for o in node.options if o.selected]
        elif node.input_type == "checkboxes":
            out[node.name] = [o.value for o in node.options if o.selected]
        elif node.input_type == "checkbox":
            if node.value:
                out[node.name] = ["true"]
        elif node.input_type not in {"fieldset", "array"}:
            out[node.name] = [node.value]
        for child in node.children:
            walk(child)

    for node in nodes:
        walk(node)
    return out


def find(nodes: list[FieldNode], path: str, input_type: str | None = None) -> FieldNode:
    for node in nodes:
        if node.path == path and input_type in {None, node.input_type}:
            return node
        try:
            return find(node.children, path, input_type)
        except LookupError:
            continue
    raise LookupError(path)


def paths(problems: list[Problem]) -> list[str]:
    return [p.path for p in problems]


# --- Labels ------------------------------------------------------------------------------


def test_label_prefers_the_translation_then_the_title_then_the_key(prior: dict[str, Any]) -> None:
    assert label(prior, "troops", "ru") == "Численность войск"
    assert label(prior, "troops", "en") == "Troops"
    assert label(prior, "troops", "ar") == "Troops"  # no Arabic title: the English one
    assert label({"properties": {"battle_tanks": {}}}, "battle_tanks", "fr") == "Battle tanks"
    assert label({}, "valid_as_of", "en") == "Valid as of"


# --- Fields ------------------------------------------------------------------------------


def test_fields_follow_the_schema(annual: dict[str, Any]) -> None:
    nodes = fields_for(annual)
    year = find(nodes, "year")
    assert (year.input_type, year.attrs) == ("number", {"min": "2011", "max": "2200", "step": "1"})
    assert year.required
    assert year.browser_required
    assert find(nodes, "valid_as_of").input_type == "date"
    units = find(nodes, "units")
    assert units.input_type == "array"
    assert units.addable
    # An empty array still shows one empty row, which can be removed.
    assert [row.path for row in units.children] == ["units.0"]
    row = units.children[0]
    assert row.input_type == "fieldset"
    assert row.removable
    assert row.row_number == 1
    lat = find(nodes, "units.0.location.lat")
    assert (lat.name, lat.label, lat.input_type) == ("units.0.location.lat", "Latitude", "number")
    assert lat.attrs == {"min": "-90", "max": "90", "step": "any"}
    # units has minItems 1: the first row's required fields are required in the browser.
    assert lat.browser_required
    assert find(nodes, "units.0.name").attrs == {"maxlength": "200"}


def test_fields_show_the_data_and_problems(annual: dict[str, Any]) -> None:
    problems = [Problem("units.1.personnel", "Combat units › 2 › Personnel strength", "Too many.")]
    nodes = fields_for(annual, ANNUAL, problems, language="fr")
    assert len(find(nodes, "units").children) == 2
    personnel = find(nodes, "units.1.personnel")
    assert personnel.value == "1200"
    assert personnel.errors == ["Too many."]
    assert personnel.label == "Effectifs"
    assert 'aria-invalid="true"' in personnel.attributes
    assert find(nodes, "units.0.personnel").errors == []


def test_other_widgets(forms: dict[str, dict[str, Any]], prior: dict[str, Any]) -> None:
    kind = find(fields_for(prior, {"kind": "transfer"}), "kind")
    assert kind.input_type == "select"
    assert [o.value for o in kind.options if o.selected] == ["transfer"]
    assert kind.options[0].label == "Field training exercise"  # the charter's x-enum-titles
    invitation = fields_for(
        forms["observation-invitation"], {"programme_start": "2025-05-01T08:00:00Z"}
    )
    start = find(invitation, "programme_start")
    assert (start.input_type, start.value) == ("datetime-local", "2025-05-01T08:00")
    assert find(invitation, "programme").input_type == "textarea"
    languages = find(invitation, "languages")
    assert languages.input_type == "array"
    assert find(invitation, "languages.0").attrs == {"pattern": "^[a-z]{2}$"}
    # A schema with a boolean and an array of enum values (not in the charters).
    schema = {
        "type": "object",
        "properties": {
            "done": {"type": "boolean", "title": "Done"},
            "tags": {"type": "array", "items": {"enum": ["a", "b"]}},
        },
    }
    nodes = fields_for(schema, {"done": True, "tags": ["b"]})
    assert find(nodes, "done").input_type == "checkbox"
    assert find(nodes, "done").value == "true"
    tags = find(nodes, "tags")
    assert tags.input_type == "checkboxes"
    assert [(o.value, o.selected) for o in tags.options] == [("a", False), ("b", True)]
    assert parse_post(schema, {"tags": ["a", "b"]}).data == {"done": False, "tags": ["a", "b"]}


# --- Round trips ---------------------------------------------------------------------------


def test_round_trip_prior_notification(prior: dict[str, Any]) -> None:
    post = posted(fields_for(prior, PRIOR))
    parsed = parse_post(prior, post)
    assert parsed.problems == []
    assert parsed.action is None
    assert parsed.data == PRIOR
    assert validate(prior, parsed.data) == []


def test_round_trip_annual_exchange_through_a_query_dict(annual: dict[str, Any]) -> None:
    post = MultiValueDict(posted(fields_for(annual, ANNUAL)))
    data, problems, action = parse_post(annual, post)
    assert (data, problems, action) == (ANNUAL, [], None)
    assert validate(annual, data) == []


def test_round_trip_with_alternatives() -> None:
    Draft202012Validator.check_schema(SITES)
    nodes = fields_for(SITES, SITE)
    coordinates = find(nodes, "coordinates", "choice")
    assert [(o.label, o.selected) for o in coordinates.options] == [
        ("Point", False),
        ("List of: Point", True),
    ]
    units = find(nodes, "units.1", "choice")
    assert [o.label for o in units.options] == ["Designation", "Designation, Personnel"]
    parsed = parse_post(SITES, posted(nodes))
    assert parsed == (SITE, [], None)
    assert validate(SITES, parsed.data) == []
    # Without the choice sent (a client that does not know it), the filled-in one is taken.
    bare = {k: v for k, v in posted(nodes).items() if not k.startswith("_")}
    assert parse_post(SITES, bare).data == SITE


def test_a_point_instead_of_a_polygon() -> None:
    doc = {**SITE, "coordinates": {"lat": 54.1, "lon": 23.5}}
    nodes = fields_for(SITES, doc)
    assert [o.selected for o in find(nodes, "coordinates", "choice").options] == [True, False]
    assert parse_post(SITES, posted(nodes)).data == doc


def test_problems_inside_alternatives_are_those_of_the_intended_one() -> None:
    doc = {
        "coordinates": [{"lat": 54.1, "lon": 23.5}, {"lat": 95}],
        "units": ["", {"personnel": 5}, 5],
    }
    assert [(p.path, p.label, p.message) for p in validate(SITES, doc)] == [
        ("coordinates", "Point or polygon", "Point or polygon needs at least 3 entries."),
        ("coordinates.1.lat", "Point or polygon › 2 › Latitude", "Latitude must be at most 90."),
        ("coordinates.1.lon", "Point or polygon › 2 › Longitude", "Longitude is required."),
        ("units.0", "Units › 1", "Units › 1 must not be empty."),
        ("units.1.designation", "Units › 2 › Designation", "Designation is required."),
        ("units.2", "Units › 3", "Units › 3 does not match any of the accepted forms."),
    ]
    assert validate(SITES, doc, language="ru")[0].label == "Точка или многоугольник"


# --- Problems --------------------------------------------------------------------------------


def test_a_missing_required_field_is_named(prior: dict[str, Any]) -> None:
    post = posted(fields_for(prior, PRIOR))
    post["troops"] = [""]
    parsed = parse_post(prior, post)
    assert "troops" not in parsed.data
    assert parsed.problems == []
    problems = validate(prior, parsed.data)
    assert problems == [Problem("troops", "Troops", "Troops is required.")]
    # The form shows it under the field.
    assert find(fields_for(prior, parsed.data, problems), "troops").errors == [
        "Troops is required."
    ]


def test_text_in_a_whole_number_field(annual: dict[str, Any]) -> None:
    post = posted(fields_for(annual, ANNUAL))
    post["units.1.personnel"] = ["abc"]
    parsed = parse_post(annual, post)
    expected = Problem(
        "units.1.personnel",
        "Combat units › 2 › Personnel strength",
        "Personnel strength must be a whole number.",
    )
    assert parsed.problems == [expected]
    # The text stays, so the form shows it again; validation reports it the same way.
    assert parsed.data["units"][1]["personnel"] == "abc"
    assert validate(annual, parsed.data) == [expected]
    field = find(fields_for(annual, parsed.data, parsed.problems), "units.1.personnel")
    assert (field.input_type, field.value, field.errors) == ("text", "abc", [expected.message])


def test_numbers_are_read_as_numbers(annual: dict[str, Any]) -> None:
    post = posted(fields_for(annual, ANNUAL))
    post["units.0.location.lat"] = ["48,85"]
    post["units.0.location.lon"] = ["1e999"]
    post["units.0.personnel"] = ["4500.0"]
    parsed = parse_post(annual, post)
    assert parsed.data["units"][0]["location"]["lat"] == 48.85
    assert parsed.data["units"][0]["personnel"] == 4500
    assert parsed.problems == [
        Problem(
            "units.0.location.lon",
            "Combat units › 1 › Peacetime location › Longitude",
            "Longitude must be a number.",
        )
    ]


def test_negative_troops_fail_the_minimum(prior: dict[str, Any]) -> None:
    problems = validate(prior, {**PRIOR, "troops": -5})
    assert problems == [Problem("troops", "Troops", "Troops must be at least 0.")]


def test_problems_come_in_document_order_with_row_numbers(prior: dict[str, Any]) -> None:
    doc = copy.deepcopy(PRIOR)
    doc["units"] = ["", "x" * 101]
    doc["area"] = {"name": "Range", "lat": 95}
    doc["start"] = "2025-02-30"
    doc["extra"] = True
    del doc["kind"]
    problems = validate(prior, doc)
    assert [(p.label, p.message) for p in problems] == [
        ("Start", "Start must be a date (YYYY-MM-DD)."),
        ("Area › Latitude of the centre", "Latitude of the centre must be at most 90."),
        ("Area › Longitude of the centre", "Longitude of the centre is required."),
        ("Kind of activity", "Kind of activity is required."),
        ("Units taking part › 1", "Units taking part › 1 must not be empty."),
        ("Units taking part › 2", "Units taking part › 2 must be at most 100 characters long."),
        ("Extra", "Extra is not a field of this form."),
    ]
    assert paths(problems)[:3] == ["start", "area.lat", "area.lon"]


def test_other_keywords_have_their_own_words(forms: dict[str, dict[str, Any]]) -> None:
    invitation = forms["observation-invitation"]
    doc = {
        "activity": "x" * 101,
        "programme_start": "2025-05-01T08:00",  # no seconds, no zone: not RFC 3339
        "programme_end": "2025-05-02T08:00:00Z",
        "arrival_point": "Airport",
        "observers_per_state": 2,
        "programme": "Visit.",
        "languages": ["en", "en", "English"],
    }
    assert [p.message for p in validate(invitation, doc)] == [
        "Prior notification reference must be at most 100 characters long.",
        "Programme starts (UTC) must be a date and time (YYYY-MM-DDThh:mm:ssZ).",
        "Working languages lists the same entry more than once.",
        "Working languages › 3 is not in the expected format.",
    ]
    assert [p.message for p in validate(forms["prior-notification"], {**PRIOR, "kind": "x"})] == [
        "Kind of activity must be one of: Field training exercise, Amphibious landing, "
        "Parachute assault, Airborne landing, Transfer of forces, Concentration of forces, Other."
    ]


def test_a_browser_date_and_time_becomes_rfc_3339(forms: dict[str, dict[str, Any]]) -> None:
    invitation = forms["observation-invitation"]
    parsed = parse_post(invitation, {"programme_start": "2025-05-01T08:00", "programme_end": "x"})
    assert parsed.data["programme_start"] == "2025-05-01T08:00:00Z"
    assert parsed.data["programme_end"] == "x"
    assert "programme_end" in paths(validate(invitation, parsed.data))


def test_russian_labels(prior: dict[str, Any]) -> None:
    problems = validate(prior, {**PRIOR, "troops": -5, "units": []}, language="ru")
    assert [p.label for p in problems] == ["Численность войск", "Участвующие части"]
    # The messages name the field in Russian (their sentences are translated in the catalogue).
    assert problems[0].message.startswith("Численность войск")
    parsed = parse_post(prior, {**posted(fields_for(prior, PRIOR)), "acv": "много"}, language="ru")
    assert [p.label for p in parsed.problems] == ["Боевые бронированные машины"]
    assert find(fields_for(prior, language="ru"), "area.name").label == "Название"


# --- Rows ----------------------------------------------------------------------------------


def test_add_a_row(annual: dict[str, Any]) -> None:
    post = posted(fields_for(annual, ANNUAL))
    post["_add"] = ["units"]
    parsed = parse_post(annual, post)
    assert parsed.action == FormAction("add", "units")
    assert len(parsed.data["units"]) == 3
    assert parsed.data["units"][:2] == ANNUAL["units"]
    nodes = fields_for(annual, parsed.data)
    assert [row.path for row in find(nodes, "units").children] == ["units.0", "units.1", "units.2"]
    assert find(nodes, "units.2.name").value == ""
    # Adding again keeps the empty row added before.
    again = parse_post(annual, {**posted(nodes), "_add": "units"})
    assert len(again.data["units"]) == 4


def test_add_a_point_to_the_polygon() -> None:
    doc = {**SITE, "coordinates": {"lat": 54.1, "lon": 23.5}}
    post = {**posted(fields_for(SITES, doc)), "_add": "coordinates"}
    parsed = parse_post(SITES, post)
    # The polygon was not chosen: asking for a row in it chooses it. It was shown with its
    # minItems (3) empty rows; they are kept while the form is being edited, plus the new one.
    assert parsed.data["coordinates"] == [{}, {}, {}, {}]
    choice = find(fields_for(SITES, parsed.data), "coordinates", "choice")
    assert [o.selected for o in choice.options] == [False, True]


def test_add_and_remove_rows_of_strings(prior: dict[str, Any]) -> None:
    nodes = fields_for(prior, PRIOR)
    assert [row.path for row in find(nodes, "units").children] == ["units.0", "units.1"]
    added = parse_post(prior, {**posted(nodes), "_add": "units"})
    assert added.data["units"] == [*PRIOR["units"], ""]
    removed = parse_post(prior, {**posted(nodes), "_remove": "units.0"})
    assert removed.data["units"] == PRIOR["units"][1:]


def test_remove_a_row(annual: dict[str, Any]) -> None:
    post = {**posted(fields_for(annual, ANNUAL)), "_remove": "units.0"}
    parsed = parse_post(annual, post)
    assert parsed.action == FormAction("remove", "units.0")
    assert parsed.data["units"] == ANNUAL["units"][1:]


def test_empty_rows_are_dropped_and_gaps_closed(annual: dict[str, Any]) -> None:
    post = posted(fields_for(annual, ANNUAL))
    renumbered = {k.replace("units.1.", "units.7."): v for k, v in post.items()}
    renumbered.update({"units.3.name": [" "], "units.3.location.lat": [""]})
    parsed = parse_post(annual, renumbered)
    assert parsed.action is None
    assert parsed.data == ANNUAL


def test_an_empty_form(annual: dict[str, Any]) -> None:
    parsed = parse_post(annual, posted(fields_for(annual)))
    assert parsed.data == {"units": []}
    assert validate(annual, parsed.data) == [
        Problem(
            "year",
            "Year the information is valid for",
            "Year the information is valid for is required.",
        ),
        Problem("valid_as_of", "Valid as of", "Valid as of is required."),
        Problem("units", "Combat units", "Combat units needs at least 1 entry."),
    ]


# --- Limits --------------------------------------------------------------------------------


def test_a_too_deep_document_is_refused(annual: dict[str, Any]) -> None:
    deep: dict[str, Any] = {}
    node = deep
    for _ in range(MAX_DEPTH + 5):
        node["x"] = {}
        node = node["x"]
    problems = validate(annual, {**ANNUAL, "deep": deep})
    assert problems == [Problem("", "The form", "The form is nested more than 10 levels deep.")]


def test_a_too_large_document_is_refused(annual: dict[str, Any]) -> None:
    problems = validate(annual, {**ANNUAL, "padding": "x" * MAX_DOCUMENT_BYTES})
    assert len(problems) == 1
    assert problems[0].path == ""
    assert problems[0].message.startswith("The form is larger than")


def test_too_many_rows_fail_max_items(forms: dict[str, dict[str, Any]]) -> None:
    invitation = forms["observation-invitation"]
    doc = {"languages": [f"l{i}" for i in range(7)]}
    assert "Working languages allows at most 6 entries." in [
        p.message for p in validate(invitation, doc)
    ]


# --- The template --------------------------------------------------------------------------


def render(nodes: list[FieldNode]) -> str:
    engine = Engine(dirs=[str(TEMPLATES)], libraries={"i18n": "django.templatetags.i18n"})
    template = engine.get_template("notifications/schema_form.html")
    return template.render(Context({"nodes": nodes}))


def test_the_template_renders_the_annual_exchange(annual: dict[str, Any]) -> None:
    problems = validate(annual, {**ANNUAL, "year": 1990})
    html = render(fields_for(annual, ANNUAL, problems))
    assert '<input type="number" id="field-year" name="year" min="2011" max="2200" step="1"' in html
    assert 'required="required" aria-invalid="true"' in html
    assert "Year the information is valid for must be at least 2011." in html
    assert '<input type="date" id="field-valid_as_of" name="valid_as_of"' in html
    assert 'name="units.1.location.lat"' in html
    assert 'value="-1.5"' in html
    assert 'name="units.0.equipment.helicopters"' in html
    assert "<legend>Peacetime location" in html
    assert '<button type="submit" name="_add" value="units"' in html
    assert '<button type="submit" name="_remove" value="units.1"' in html
    assert html.count("<fieldset") == html.count("</fieldset>")


def test_the_template_renders_choices_and_selects(prior: dict[str, Any]) -> None:
    html = render(fields_for(prior, PRIOR, language="ru"))
    assert '<option value="field-training" selected>' in html
    assert "<legend>Район" in html
    assert "&lt;" not in html  # nothing double-escaped
    assert "Brigade field training.\nSecond line.</textarea>" in html
    html = render(fields_for(SITES, SITE))
    assert '<input type="radio" name="_variant.units.0" value="0" checked>' in html
    assert '<input type="radio" name="_variant.coordinates" value="1" checked>' in html
    assert html.count("<fieldset") == html.count("</fieldset>")
