"""Forms of the exchange pages. Entities are entered as numbered groups of inputs
(``e-<n>-<field>``), one group per entity, their fields following the entity's kind."""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from concord.exchange.entities import ENTITY_FIELDS
from concord.exchange.models import Accuracy, Channel, Handling, Kind, Reliability, Tlp

MAX_ENTITY_ROWS = 200
# How each entity field is labelled on a page.
FIELD_LABELS = {
    "names": _("Names"),
    "birth_date": _("Date of birth"),
    "nationality": _("Nationality"),
    "sex": _("Sex (M/F/X)"),
    "documents": _("Documents"),
    "name": _("Name"),
    "country": _("Country"),
    "registration_number": _("Registration number"),
    "imo": _("IMO number"),
    "flag": _("Flag"),
    "mmsi": _("MMSI"),
    "plate": _("Plate"),
    "vin": _("VIN"),
    "registration": _("Registration mark"),
    "icao24": _("ICAO 24-bit address"),
    "number": _("Number"),
    "address": _("Address"),
    "iban": _("IBAN"),
    "bic": _("BIC"),
    "currency": _("Currency"),
    "latitude": _("Latitude"),
    "longitude": _("Longitude"),
    "type": _("Type"),
    "expiry": _("Expiry date"),
}
# Fields entered one value per line.
LIST_FIELDS = {"names"}
# Person documents: one per line, "type number country".
DOCUMENT_FIELDS = {"documents"}


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


class MessageForm(forms.Form):
    """What a contact point enters; the service checks it all again."""

    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[c for c in Kind.choices if c[0] != Kind.REPLY]
    )
    subject = forms.CharField(label=_("Subject"), max_length=200)
    body = forms.CharField(label=_("Text"), widget=forms.Textarea, max_length=20000, required=False)
    tlp = forms.ChoiceField(label=_("TLP"), choices=Tlp.choices, initial=Tlp.AMBER)
    handling = forms.ChoiceField(label=_("Handling code"), choices=Handling.choices)
    handling_note = forms.CharField(
        label=_("Restrictions (for H3)"), max_length=300, required=False
    )
    reliability = forms.ChoiceField(
        label=_("Source reliability"), choices=Reliability.choices, initial=Reliability.B
    )
    accuracy = forms.ChoiceField(
        label=_("Information accuracy"), choices=Accuracy.choices, initial=Accuracy.TWO
    )
    recipients = forms.MultipleChoiceField(label=_("Named recipients"), required=False)
    group = forms.TypedChoiceField(
        label=_("Sharing group"), required=False, coerce=int, empty_value=None
    )
    due_date = forms.DateField(
        label=_("Reply due (requests; empty: the charter's default)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    findable = forms.BooleanField(
        label=_("Let other parties' hit/no-hit queries find these entities"),
        required=False,
        initial=True,
    )
    attachments = MultipleFileField(label=_("Attachments"), required=False)

    def __init__(
        self,
        *args: Any,
        parties: list[tuple[str, str]],
        groups: list[tuple[int, str]],
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        recipients = self.fields["recipients"]
        group = self.fields["group"]
        assert isinstance(recipients, forms.MultipleChoiceField)
        assert isinstance(group, forms.TypedChoiceField)
        recipients.choices = parties
        group.choices = [("", "—"), *groups]

    def due_at(self) -> datetime | None:
        day = self.cleaned_data.get("due_date")
        return datetime.combine(day, time(23, 59), tzinfo=UTC) if day else None


class ReplyForm(forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=200)
    body = forms.CharField(label=_("Text"), widget=forms.Textarea, max_length=20000)
    attachments = MultipleFileField(label=_("Attachments"), required=False)


class AccessForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea, max_length=2000)
    beneficiary = forms.CharField(label=_("Party"), max_length=20, required=False)
    reference = forms.CharField(max_length=24, required=False, widget=forms.HiddenInput)


class DecisionForm(forms.Form):
    note = forms.CharField(label=_("Note"), widget=forms.Textarea, max_length=2000, required=False)


class GroupForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    members = forms.MultipleChoiceField(label=_("Members"))
    hidden_membership = forms.BooleanField(
        label=_("Hide the membership from the members"), required=False
    )

    def __init__(self, *args: Any, parties: list[tuple[str, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        members = self.fields["members"]
        assert isinstance(members, forms.MultipleChoiceField)
        members.choices = parties


def entity_rows(data: QueryDict) -> list[dict[str, Any]]:
    """The entities entered on a page, as raw dicts for the entity checks. Numbers may
    have gaps (rows removed in the browser); empty rows are skipped."""
    numbers = sorted(
        {
            int(key.split("-")[1])
            for key in data
            if key.startswith("e-") and key.endswith("-kind") and key.split("-")[1].isdigit()
        }
    )[:MAX_ENTITY_ROWS]
    rows: list[dict[str, Any]] = []
    for n in numbers:
        kind = data.get(f"e-{n}-kind", "")
        raw: dict[str, Any] = {"kind": kind}
        for field in ENTITY_FIELDS.get(kind, ()):
            value = data.get(f"e-{n}-{field}", "").strip()
            if not value:
                continue
            if field in LIST_FIELDS:
                raw[field] = [line.strip() for line in value.splitlines() if line.strip()]
            elif field in DOCUMENT_FIELDS:
                raw[field] = [_document(line) for line in value.splitlines() if line.strip()]
            else:
                raw[field] = value
        if len(raw) > 1 or kind not in ENTITY_FIELDS:
            rows.append(raw)
    return rows


def _document(line: str) -> dict[str, str]:
    parts = line.split()
    doc: dict[str, str] = {"type": parts[0] if parts else ""}
    if len(parts) > 1:
        doc["number"] = parts[1]
    if len(parts) > 2:
        doc["country"] = parts[2]
    return doc
