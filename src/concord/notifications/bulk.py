"""Bulk templates for forms with a list of rows (the annual exchange's units): a CSV
or XLSX file whose columns are the row fields, handed out by the platform and read
back into the form's flat field names."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.utils.translation import gettext as _

from concord.notifications.schema_form import label

MAX_UPLOAD_BYTES = 5 * 1024 * 1024


class BulkError(ValueError):
    """The uploaded file cannot be read; the message says why."""


def row_field(schema: dict[str, Any]) -> str | None:
    """The form's list of rows: its first array of objects."""
    for key, prop in schema.get("properties", {}).items():
        if prop.get("type") == "array" and prop.get("items", {}).get("type") == "object":
            return str(key)
    return None


def columns(item_schema: dict[str, Any], prefix: str = "") -> list[tuple[str, dict[str, Any]]]:
    """Dotted column names of a row, nested objects flattened (``location.lat``)."""
    out: list[tuple[str, dict[str, Any]]] = []
    for key, prop in item_schema.get("properties", {}).items():
        name = f"{prefix}{key}"
        if prop.get("type") == "object":
            out += columns(prop, f"{name}.")
        elif prop.get("type") != "array":
            out.append((name, prop))
    return out


def template_csv(schema: dict[str, Any], language: str) -> bytes:
    field = row_field(schema)
    if field is None:
        raise BulkError(_("This form has no list of rows to upload."))
    cols = columns(schema["properties"][field]["items"])
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([c for c, _p in cols])
    writer.writerow(["# " + label({"properties": {c: p}}, c, language) for c, p in cols])
    return buffer.getvalue().encode("utf-8-sig")


def template_xlsx(schema: dict[str, Any], language: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    field = row_field(schema)
    if field is None:
        raise BulkError(_("This form has no list of rows to upload."))
    cols = columns(schema["properties"][field]["items"])
    book = Workbook()
    sheet = book.active
    sheet.title = field
    sheet.append([c for c, _p in cols])
    sheet.append(["# " + label({"properties": {c: p}}, c, language) for c, p in cols])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _rows_csv(data: bytes) -> list[list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BulkError(_("The CSV file is not UTF-8 text.")) from None
    try:
        return [row for row in csv.reader(io.StringIO(text))]
    except csv.Error as exc:
        raise BulkError(_("The CSV file cannot be read: %(error)s") % {"error": exc}) from None


def _rows_xlsx(data: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a damaged file
        raise BulkError(_("The file is not a readable XLSX workbook.")) from None
    sheet = book.worksheets[0]
    rows = [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    book.close()
    return rows


def read_upload(name: str, data: bytes, schema: dict[str, Any]) -> dict[str, str]:
    """The rows of an uploaded CSV or XLSX as the form's flat field names
    (``units.0.location.lat`` → value), ready for the form parser."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise BulkError(_("The file is larger than 5 MB."))
    lower = name.lower()
    if lower.endswith(".csv"):
        rows = _rows_csv(data)
    elif lower.endswith(".xlsx"):
        if not data.startswith(b"PK"):
            raise BulkError(_("The file is not a readable XLSX workbook."))
        rows = _rows_xlsx(data)
    else:
        raise BulkError(_("Upload a .csv or .xlsx file made from the template."))
    field = row_field(schema)
    if field is None:
        raise BulkError(_("This form has no list of rows to upload."))
    item = schema["properties"][field]["items"]
    known = {c for c, _p in columns(item)}
    if not rows:
        raise BulkError(_("The file is empty."))
    header = [h.strip() for h in rows[0]]
    unknown = [h for h in header if h and h not in known]
    if unknown:
        raise BulkError(
            _("Unknown columns: %(columns)s. Use the template's header row.")
            % {"columns": ", ".join(unknown[:5])}
        )
    limit = schema["properties"][field].get("maxItems", 10000)
    body = [r for r in rows[1:] if any(c.strip() for c in r) and not r[0].startswith("#")]
    if len(body) > limit:
        raise BulkError(_("The file has more than %(n)s rows.") % {"n": limit})
    flat: dict[str, str] = {}
    for i, row in enumerate(body):
        for column, value in zip(header, row, strict=False):
            if column and value.strip():
                flat[f"{field}.{i}.{column}"] = value.strip()
    return flat
