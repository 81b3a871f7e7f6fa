"""STIX 2.1 export and import of exchange messages, with TLP 2.0 markings.

Export. A message becomes a STIX ``report``: a report is intelligence published at a
moment by an author about the objects it references, which is what a message is (a
``note`` only annotates other objects, and a ``grouping`` is an unfinished collection
with a ``context``). The report's author (``created_by_ref``) is an ``identity`` for the
originating party; ``created``, ``modified`` and ``published`` are the time it was sent;
``name`` is the subject and ``description`` the text; ``report_types`` is
``threat-report`` and ``labels`` carries the channel. What STIX has no property for
(channel, kind, handling code, source reliability, information accuracy) travels in the
Concord extension (``CONCORD_EXTENSION``, a ``property-extension``).

Entities map to standard objects where one fits: a person to an ``identity`` of class
``individual``, an organisation to an ``identity`` of class ``organization`` (their other
fields in the Concord extension), a location with a country or coordinates to a
``location``, an e-mail address to ``email-addr``. The rest are observables that STIX
2.1 does not define, declared as new SCO types by the same extension definition:
``x-concord-phone-number``, ``x-concord-bank-account``, ``x-concord-crypto-address``,
``x-concord-vessel``, ``x-concord-vehicle``, ``x-concord-aircraft``,
``x-concord-document`` and ``x-concord-place`` (a location known only by its name, which
a STIX ``location`` cannot hold).

Markings. Every object is marked with one of the five TLP 2.0 marking definitions that
OASIS publishes for STIX 2.1 (fixed ids, carried by the TLP 2.0 extension definition);
the message's objects with the message's TLP, the parties' identities and the
extension's own objects with TLP:CLEAR. An observable that several messages of one
bundle share appears once, with the most restrictive of their levels.

Identifiers. Domain objects take UUIDs in the version-4 layout filled from a SHA-256 of
Concord's namespace, the record's origin and the message reference, so a message
exports identically every time; observables take the UUIDv5 that STIX 2.1 prescribes
(its SCO namespace over the canonical JSON of the id-contributing properties: ``value``
for ``email-addr``, every property for Concord's own types).

Import. A bundle is checked by the OASIS STIX 2.1 validator first (errors refuse it;
warnings are returned), then each report becomes a message through
``services.message_send``, all in one transaction: every check of a message applies and
every message is an act. The TLP is the most restrictive marking on the report and the
objects it takes in (TLP 1.0 markings are read as their TLP 2.0 counterparts, WHITE as
CLEAR); a marking that is not TLP refuses the bundle, since a restriction not understood
cannot be honoured.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from stix2validator import ValidationOptions, validate_instance
from stix2validator.errors import ValidationError as StixValidationError

from concord.charters.models import Charter
from concord.exchange import services
from concord.exchange.entities import EntityError, EntityKind, EntityProblem
from concord.exchange.models import Channel, Entity, Kind, Message, SharingGroup, Tlp
from concord.parties.models import Party, User
from concord.parties.services import ServiceError
from concord.record.checkpoints import origin
from concord.record.entry import canonical

SPEC_VERSION = "2.1"
MAX_BUNDLE_BYTES = 5 * 1024 * 1024
MAX_BUNDLE_OBJECTS = 1000

TLP2_EXTENSION = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
TLP2_CREATED = "2022-10-01T00:00:00.000Z"
TLP_MARKINGS: dict[str, str] = {
    Tlp.CLEAR: "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    Tlp.GREEN: "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    Tlp.AMBER: "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    Tlp.AMBER_STRICT: "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    Tlp.RED: "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}
"""The OASIS TLP 2.0 marking definitions for STIX 2.1, by TLP level."""

TLP1_MARKINGS: dict[str, str] = {
    "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9": Tlp.CLEAR,  # TLP:WHITE
    "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da": Tlp.GREEN,
    "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82": Tlp.AMBER,
    "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed": Tlp.RED,
}
"""STIX 2.1's predefined TLP 1.0 markings, read on import as the TLP 2.0 level FIRST
names as their successor."""

# Least to most restrictive.
TLP_ORDER: tuple[str, ...] = (Tlp.CLEAR, Tlp.GREEN, Tlp.AMBER, Tlp.AMBER_STRICT, Tlp.RED)

CONCORD_EXTENSION = "extension-definition--66feabd7-401d-4d30-aa97-93660b635894"
CONCORD_IDENTITY = "identity--129c27e5-8ede-450d-8b1a-cb1acd86e9d8"
# When version 1.0 of the Concord extension was defined.
CONCORD_DEFINED = "2025-01-01T00:00:00.000Z"
_ID_NAMESPACE = uuid.UUID("5f408c3d-fa75-44bc-8aa8-2c1f987bf19c")
# STIX 2.1 §2.9: the namespace of deterministic observable identifiers.
_SCO_NAMESPACE = uuid.UUID("00abedb4-aa42-466c-9c01-fed23315a9b7")

# Observables: entity kind → (STIX type, entity field → STIX property).
OBSERVABLES: dict[str, tuple[str, dict[str, str]]] = {
    EntityKind.EMAIL: ("email-addr", {"address": "value"}),
    EntityKind.PHONE: ("x-concord-phone-number", {"number": "value", "country": "country"}),
    EntityKind.BANK_ACCOUNT: ("x-concord-bank-account", {"iban": "iban", "bic": "bic"}),
    EntityKind.CRYPTO_ADDRESS: (
        "x-concord-crypto-address",
        {"currency": "currency", "address": "address"},
    ),
    EntityKind.VESSEL: (
        "x-concord-vessel",
        {"imo": "imo", "mmsi": "mmsi", "name": "name", "flag": "flag"},
    ),
    EntityKind.VEHICLE: (
        "x-concord-vehicle",
        {"plate": "plate", "country": "country", "vin": "vin"},
    ),
    EntityKind.AIRCRAFT: (
        "x-concord-aircraft",
        {"registration": "registration", "icao24": "icao24"},
    ),
    EntityKind.DOCUMENT: (
        "x-concord-document",
        {"type": "document_type", "number": "number", "country": "country", "expiry": "expiry"},
    ),
}
PLACE_TYPE = "x-concord-place"
_OBSERVABLE_KINDS = {stix_type: kind for kind, (stix_type, _fields) in OBSERVABLES.items()}
# Fields of a person or an organisation that an identity has no property for.
_PERSON_EXTRA = ("names", "birth_date", "nationality", "sex", "documents")
_ORGANISATION_EXTRA = ("country", "registration_number")
# What the Concord extension adds to a report.
_REPORT_EXTRA = ("channel", "kind", "handling", "handling_note", "reliability", "accuracy")
# Objects that describe the bundle itself rather than carry content.
_FRAMING_TYPES = frozenset(
    {"marking-definition", "extension-definition", "report", "language-content"}
)

ERR_NOT_JSON = gettext_noop("The bundle is not valid JSON.")
ERR_TOO_LARGE = gettext_noop("The bundle is larger than %(limit)d bytes.")
ERR_TOO_MANY = gettext_noop("The bundle holds more than %(limit)d objects.")
ERR_NOT_BUNDLE = gettext_noop(
    "Not a STIX bundle: expected an object of type “bundle” whose objects each have a "
    "type and an id."
)
ERR_INVALID = gettext_noop("Not valid STIX 2.1: %(errors)s")
ERR_UNKNOWN_MARKING = gettext_noop(
    "%(object)s is marked with %(marking)s, which is not a TLP marking: a restriction "
    "that is not understood cannot be honoured."
)
ERR_NO_REPORT = gettext_noop("The bundle holds no report, so no message to send.")
ERR_IN_REPORT = gettext_noop("%(report)s: %(message)s")


# --- export ----------------------------------------------------------------------------


def stix_timestamp(moment: datetime) -> str:
    """A STIX timestamp: UTC, to the millisecond."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _derived_id(stix_type: str, *parts: str) -> str:
    """An id for a domain object that is the same on every export: a SHA-256 of the parts
    under Concord's namespace, laid out as a UUIDv4 (what the validator expects of domain
    objects)."""
    seed = _ID_NAMESPACE.bytes + "\x1f".join(parts).encode()
    raw = bytearray(hashlib.sha256(seed).digest()[:16])
    raw[6] = (raw[6] & 0x0F) | 0x40
    raw[8] = (raw[8] & 0x3F) | 0x80
    return f"{stix_type}--{uuid.UUID(bytes=bytes(raw))}"


def observable_id(stix_type: str, contributing: Mapping[str, Any]) -> str:
    """The UUIDv5 id STIX 2.1 gives an observable with these id-contributing properties."""
    name = canonical(dict(contributing)).decode()
    return f"{stix_type}--{uuid.uuid5(_SCO_NAMESPACE, name)}"


def tlp_marking(tlp: str) -> dict[str, Any]:
    """The OASIS TLP 2.0 marking definition of a TLP level."""
    return {
        "type": "marking-definition",
        "spec_version": SPEC_VERSION,
        "id": TLP_MARKINGS[tlp],
        "created": TLP2_CREATED,
        "name": f"TLP:{tlp.upper()}",
        "extensions": {TLP2_EXTENSION: {"extension_type": "property-extension", "tlp_2_0": tlp}},
    }


def _concord_objects() -> list[dict[str, Any]]:
    """The extension definition that Concord's own properties and types rely on, and the
    identity that defines it."""
    clear = [TLP_MARKINGS[Tlp.CLEAR]]
    identity = {
        "type": "identity",
        "spec_version": SPEC_VERSION,
        "id": CONCORD_IDENTITY,
        "created": CONCORD_DEFINED,
        "modified": CONCORD_DEFINED,
        "name": "Concord",
        "description": "Software for running a collective security treaty.",
        "identity_class": "system",
        "object_marking_refs": clear,
    }
    extension = {
        "type": "extension-definition",
        "spec_version": SPEC_VERSION,
        "id": CONCORD_EXTENSION,
        "created_by_ref": CONCORD_IDENTITY,
        "created": CONCORD_DEFINED,
        "modified": CONCORD_DEFINED,
        "name": "Concord exchange",
        "description": (
            "Law-enforcement exchange messages: the channel, kind, handling code (H0-H3) "
            "and 4x4 evaluation of a report; the fields of persons and organisations that "
            "an identity has no property for; and observables for phone numbers, bank "
            "accounts, crypto addresses, vessels, vehicles, aircraft, identity documents "
            "and places known by name only."
        ),
        "schema": (
            "Property extension. On report: channel (drug-trafficking, organised-crime, "
            "terrorism, irregular-migration), kind (information, request, reply), handling "
            "(H0-H3), handling_note, reliability (A, B, C, X), accuracy (1-4). On identity "
            "of class individual: names (list), birth_date (YYYY-MM-DD), nationality "
            "(ISO 3166-1 alpha-2), sex (M, F, X), documents (list of {type, number, "
            "country, expiry}). On identity of class organization: country, "
            "registration_number. "
            "New SCO types, every property id-contributing: x-concord-phone-number "
            "{value (E.164), country}, x-concord-bank-account {iban, bic}, "
            "x-concord-crypto-address {currency, address}, x-concord-vessel {imo, mmsi, "
            "name, flag}, x-concord-vehicle {plate, country, vin}, x-concord-aircraft "
            "{registration, icao24}, x-concord-document {document_type, number, country, "
            "expiry}, x-concord-place {name}."
        ),
        "version": "1.0.0",
        "extension_types": ["property-extension", "new-sco"],
        "object_marking_refs": clear,
    }
    return [identity, extension]


def party_identity_id(party: Party) -> str:
    return _derived_id("identity", origin(), "party", party.code)


def _party_identity(party: Party) -> dict[str, Any]:
    """The identity of a party, the author of its messages' reports. A party's name is
    public: TLP:CLEAR."""
    at = stix_timestamp(party.registered_at)
    return {
        "type": "identity",
        "spec_version": SPEC_VERSION,
        "id": party_identity_id(party),
        "created": at,
        "modified": at,
        "name": party.name or party.code.upper(),
        "identity_class": "organization",
        "object_marking_refs": [TLP_MARKINGS[Tlp.CLEAR]],
        "extensions": {
            CONCORD_EXTENSION: {"extension_type": "property-extension", "party": party.code}
        },
    }


def _extension(data: Mapping[str, Any], fields: Iterable[str]) -> dict[str, Any]:
    """The Concord property extension holding ``fields`` of ``data`` that are set, or
    nothing when none is."""
    extra = {f: data[f] for f in fields if data.get(f) not in (None, "", [])}
    if not extra:
        return {}
    return {"extensions": {CONCORD_EXTENSION: {"extension_type": "property-extension", **extra}}}


def _entity_object(
    entity: Entity, report_id: str, index: int, common: Mapping[str, Any]
) -> dict[str, Any]:
    """The STIX object of one entity; ``common`` holds the domain objects' shared
    properties (author, times, marking)."""
    data = entity.data
    kind = entity.kind
    if kind in (EntityKind.PERSON, EntityKind.ORGANISATION):
        person = kind == EntityKind.PERSON
        return {
            "type": "identity",
            "spec_version": SPEC_VERSION,
            "id": _derived_id("identity", report_id, "entity", str(index)),
            **common,
            "name": data["names"][0] if person else data["name"],
            "identity_class": "individual" if person else "organization",
            **_extension(data, _PERSON_EXTRA if person else _ORGANISATION_EXTRA),
        }
    if kind == EntityKind.LOCATION and (data.get("country") or data.get("latitude") is not None):
        place = {f: data[f] for f in ("name", "country", "latitude", "longitude") if f in data}
        return {
            "type": "location",
            "spec_version": SPEC_VERSION,
            "id": _derived_id("location", report_id, "entity", str(index)),
            **common,
            **place,
        }
    if kind == EntityKind.LOCATION:
        stix_type, properties = PLACE_TYPE, {"name": data["name"]}
    else:
        stix_type, names = OBSERVABLES[kind]
        properties = {names[f]: data[f] for f in names if f in data}
    return {
        "type": stix_type,
        "spec_version": SPEC_VERSION,
        "id": observable_id(stix_type, properties),
        **properties,
        "object_marking_refs": common["object_marking_refs"],
        **(
            {}
            if stix_type == "email-addr"
            else {"extensions": {CONCORD_EXTENSION: {"extension_type": "new-sco"}}}
        ),
    }


def report_id(message: Message) -> str:
    """The id of a message's report: the same on every export from this hub."""
    return _derived_id("report", origin(), message.reference)


def _message_objects(message: Message) -> list[dict[str, Any]]:
    """A message's report followed by the objects of its entities, in their order."""
    rid = report_id(message)
    sent = stix_timestamp(message.sent_at)
    author = party_identity_id(message.originator)
    marking = [TLP_MARKINGS[message.tlp]]
    common = {
        "created_by_ref": author,
        "created": sent,
        "modified": sent,
        "object_marking_refs": marking,
    }
    entities = [
        _entity_object(entity, rid, i, common) for i, entity in enumerate(message.entities.all())
    ]
    codes = {
        "channel": message.channel,
        "kind": message.kind,
        "handling": message.handling,
        "handling_note": message.handling_note,
        "reliability": message.reliability,
        "accuracy": message.accuracy,
    }
    report: dict[str, Any] = {
        "type": "report",
        "spec_version": SPEC_VERSION,
        "id": rid,
        **common,
        "name": message.subject,
        **({"description": message.body} if message.body else {}),
        "published": sent,
        "report_types": ["threat-report"],
        "labels": [message.channel],
        # A report must reference something: without entities, its author.
        "object_refs": [e["id"] for e in entities] or [author],
        "external_references": [{"source_name": "concord", "external_id": message.reference}],
        **_extension(codes, _REPORT_EXTRA),
    }
    return [report, *entities]


def message_to_stix(message: Message) -> dict[str, Any]:
    """A message as a STIX 2.1 report (its entities' objects are in
    ``messages_to_bundle``)."""
    return _message_objects(message)[0]


def _stricter(a: str, b: str) -> str:
    return a if TLP_ORDER.index(a) >= TLP_ORDER.index(b) else b


def _tlp_of(obj: Mapping[str, Any]) -> str:
    return next(t for t, ref in TLP_MARKINGS.items() if ref == obj["object_marking_refs"][0])


def messages_to_bundle(messages: Iterable[Message]) -> dict[str, Any]:
    """A STIX 2.1 bundle of messages: the TLP marking definitions used, Concord's
    extension definition, the authoring parties' identities, then each report with its
    entities' objects. The same messages give the same bundle."""
    content: dict[str, dict[str, Any]] = {}
    parties: dict[str, dict[str, Any]] = {}
    reports: list[str] = []
    for message in messages:
        objects = _message_objects(message)
        reports.append(objects[0]["id"])
        author = _party_identity(message.originator)
        parties[author["id"]] = author
        for obj in objects:
            held = content.get(obj["id"])
            if held is None:
                content[obj["id"]] = obj
            else:
                # An observable in several messages: marked as the strictest of them asks.
                tlp = _stricter(_tlp_of(held), _tlp_of(obj))
                held["object_marking_refs"] = [TLP_MARKINGS[tlp]]
    bundle: dict[str, Any] = {
        "type": "bundle",
        "id": _derived_id("bundle", origin(), *sorted(reports)),
    }
    if not reports:
        return bundle
    used = {Tlp.CLEAR, *(_tlp_of(obj) for obj in content.values())}
    markings = [tlp_marking(t) for t in TLP_ORDER if t in used]
    authors = [parties[k] for k in sorted(parties)]
    bundle["objects"] = [*markings, *_concord_objects(), *authors, *content.values()]
    return bundle


# --- import ----------------------------------------------------------------------------


@dataclass(frozen=True)
class BundleImport:
    """What importing a bundle did: the messages sent (one per report, in the bundle's
    order), how many objects of each STIX type became neither a message nor an entity,
    and the validator's warnings (recommendations the bundle does not follow)."""

    messages: list[Message]
    skipped: dict[str, int]
    warnings: list[str]


@dataclass(frozen=True)
class _Report:
    """A report read from a bundle, ready to send: the message, and for each of its
    entities the id of the STIX object it came from."""

    id: str
    message: services.MessageInput
    sources: list[str]


def _refused(template: str, **params: object) -> ServiceError:
    return ServiceError(_(template) % params, field="bundle")


def _bundle_parse(bundle: Mapping[str, Any] | str) -> dict[str, Any]:
    """The bundle as a dict, within the size limits, shaped as a bundle."""
    if isinstance(bundle, str):
        size = len(bundle.encode("utf-8", "surrogatepass"))
        if size > MAX_BUNDLE_BYTES:
            raise _refused(ERR_TOO_LARGE, limit=MAX_BUNDLE_BYTES)
        try:
            parsed: Any = json.loads(bundle)
        except (ValueError, RecursionError):
            raise _refused(ERR_NOT_JSON) from None
    else:
        try:
            text = json.dumps(bundle, ensure_ascii=False, allow_nan=False)
        except (TypeError, ValueError, RecursionError):
            raise _refused(ERR_NOT_JSON) from None
        if len(text.encode("utf-8", "surrogatepass")) > MAX_BUNDLE_BYTES:
            raise _refused(ERR_TOO_LARGE, limit=MAX_BUNDLE_BYTES)
        parsed = dict(bundle)
    if not isinstance(parsed, dict) or parsed.get("type") != "bundle":
        raise _refused(ERR_NOT_BUNDLE)
    objects = parsed.get("objects", [])
    if not isinstance(objects, list) or not isinstance(parsed.get("id"), str):
        raise _refused(ERR_NOT_BUNDLE)
    if len(objects) > MAX_BUNDLE_OBJECTS:
        raise _refused(ERR_TOO_MANY, limit=MAX_BUNDLE_OBJECTS)
    for obj in objects:
        if not (
            isinstance(obj, dict)
            and isinstance(obj.get("type"), str)
            and isinstance(obj.get("id"), str)
        ):
            raise _refused(ERR_NOT_BUNDLE)
    return parsed


def _bundle_validate(bundle: dict[str, Any]) -> list[str]:
    """Run the OASIS STIX 2.1 validator with its default options: its errors refuse the
    bundle (the first three are named), its warnings are returned."""
    try:
        results = validate_instance(bundle, ValidationOptions(version=SPEC_VERSION))
    # The validator's checks assume well-formed objects and can fail on others.
    except (StixValidationError, KeyError, TypeError, AttributeError, ValueError) as exc:
        raise _refused(ERR_INVALID, errors=str(exc)) from exc
    if not results.is_valid:
        errors = "; ".join(str(e) for e in results.errors[:3])
        raise _refused(ERR_INVALID, errors=errors)
    return [str(w) for w in results.warnings or ()]


def _marking_refs(obj: Mapping[str, Any]) -> list[str]:
    """The markings an object uses, on the whole of it or on some of its properties."""
    refs = _list(obj.get("object_marking_refs"))
    refs += [_mapping(g).get("marking_ref") for g in _list(obj.get("granular_markings"))]
    return [r for r in refs if isinstance(r, str)]


def _markings_read(objects: Mapping[str, dict[str, Any]]) -> dict[str, str]:
    """The TLP level of every marking the bundle's objects use; any other marking
    refuses the bundle."""
    levels: dict[str, str] = {}
    for obj in objects.values():
        for ref in _marking_refs(obj):
            if ref in levels:
                continue
            level = TLP1_MARKINGS.get(ref) or next(
                (t for t, known in TLP_MARKINGS.items() if known == ref), None
            )
            definition = objects.get(ref)
            if level is None and definition is not None:
                # A producer's own marking definition that carries the TLP 2.0 extension.
                extension = _mapping(_mapping(definition.get("extensions")).get(TLP2_EXTENSION))
                tlp = extension.get("tlp_2_0")
                level = tlp if tlp in TLP_ORDER else None
            if level is None:
                raise _refused(ERR_UNKNOWN_MARKING, object=obj["id"], marking=ref)
            levels[ref] = level
    return levels


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _concord_extension(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    return _mapping(_mapping(obj.get("extensions")).get(CONCORD_EXTENSION))


def _present(**values: Any) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


def entity_from_stix(obj: Mapping[str, Any]) -> dict[str, Any] | None:
    """The raw entity (as ``entities_clean`` takes it) that a STIX object describes, or
    None for an object that is no entity of the exchange."""
    stix_type = obj["type"]
    extra = _concord_extension(obj)
    if stix_type == "identity" and obj.get("identity_class") == "individual":
        return _present(
            kind=EntityKind.PERSON.value,
            names=extra.get("names") or [obj.get("name")],
            **{f: extra.get(f) for f in _PERSON_EXTRA if f != "names"},
        )
    if stix_type == "identity" and obj.get("identity_class") == "organization":
        return _present(
            kind=EntityKind.ORGANISATION.value,
            name=obj.get("name"),
            **{f: extra.get(f) for f in _ORGANISATION_EXTRA},
        )
    if stix_type == "location":
        # A location named only by its address, city, region or country keeps that name.
        named = ("name", "street_address", "city", "administrative_area", "region", "country")
        name = next((obj[f] for f in named if obj.get(f)), None)
        return _present(
            kind=EntityKind.LOCATION.value,
            name=name,
            country=obj.get("country"),
            latitude=obj.get("latitude"),
            longitude=obj.get("longitude"),
        )
    if stix_type == PLACE_TYPE:
        return _present(kind=EntityKind.LOCATION.value, name=obj.get("name"))
    kind = _OBSERVABLE_KINDS.get(stix_type)
    if kind is None:
        return None
    names = OBSERVABLES[kind][1]
    return _present(kind=kind, **{f: obj.get(prop) for f, prop in names.items()})


def _text(value: Any, default: str) -> str:
    return value if isinstance(value, str) else default


def _report_read(
    report: Mapping[str, Any],
    objects: Mapping[str, dict[str, Any]],
    levels: Mapping[str, str],
    *,
    charter: Charter,
    recipients: tuple[str, ...],
    group: SharingGroup | None,
    channel: str | None,
) -> tuple[_Report, set[str], int]:
    """The message a report describes; the ids of the objects it took in; how many of its
    references name no object of the bundle."""
    taken: set[str] = set()
    raw: list[dict[str, Any]] = []
    sources: list[str] = []
    missing = 0
    for ref in _list(report.get("object_refs")):
        if not isinstance(ref, str) or ref == report.get("created_by_ref"):
            continue  # the author, referenced by a report that has nothing else
        obj = objects.get(ref)
        if obj is None:
            missing += 1
            continue
        entity = entity_from_stix(obj)
        if entity is not None:
            raw.append(entity)
            sources.append(ref)
            taken.add(ref)
    marked = [levels[r] for o in (report, *(objects[s] for s in sources)) for r in _marking_refs(o)]
    # Unmarked content is treated as the exchange treats a message by default.
    tlp = max(marked, key=TLP_ORDER.index) if marked else Tlp.AMBER.value
    extra = _concord_extension(report)
    labelled = next((lb for lb in _list(report.get("labels")) if lb in Channel.values), "")
    message = services.MessageInput(
        charter=charter,
        channel=channel or _text(extra.get("channel"), labelled),
        kind=Kind.INFORMATION,
        subject=_text(report.get("name"), ""),
        body=_text(report.get("description"), ""),
        tlp=tlp,
        handling=_text(extra.get("handling"), services.MessageInput.handling),
        handling_note=_text(extra.get("handling_note"), ""),
        reliability=_text(extra.get("reliability"), services.MessageInput.reliability),
        accuracy=_text(extra.get("accuracy"), services.MessageInput.accuracy),
        recipients=recipients,
        group=group,
        entities=raw,
    )
    return _Report(report["id"], message, sources), taken, missing


def _source_of(field: str, report: _Report) -> str:
    """The STIX object behind an entity's field (``entities.<i>.…``), else the report."""
    parts = field.split(".")
    if len(parts) > 1 and parts[1].isdigit() and int(parts[1]) < len(report.sources):
        return report.sources[int(parts[1])]
    return report.id


def _send(agent: User, report: _Report) -> Message:
    """Send one report's message; a refusal names the report (and, for an entity, the
    STIX object it came from)."""
    try:
        return services.message_send(agent=agent, message=report.message)
    except services.EntitiesInvalid as exc:
        problems = [
            EntityProblem(p.field, f"{_source_of(p.field, report)}: {p.message}")
            for p in exc.entity_problems
        ]
        raise services.EntitiesInvalid(EntityError(problems)) from exc
    except ServiceError as exc:
        message = _(ERR_IN_REPORT) % {"report": report.id, "message": exc.message}
        raise ServiceError(message, field=exc.field, code=exc.code) from exc


def bundle_import(
    *,
    agent: User,
    charter: Charter,
    bundle: Mapping[str, Any] | str,
    recipients: Iterable[str],
    group: SharingGroup | None = None,
    channel: str | None = None,
) -> BundleImport:
    """Send each report of a STIX 2.1 bundle as a message from the agent's party to
    ``recipients`` and/or ``group``, in the bundle's channel unless ``channel`` is given.
    The bundle is refused whole (field ``bundle``) when it is too large, not JSON, not a
    bundle, invalid under the STIX 2.1 validator, marked with anything but TLP, or holds
    no report; a message refused by ``message_send`` refuses it too. Nothing is stored
    unless every report is sent."""
    services.require_contact_point(agent, charter)
    parsed = _bundle_parse(bundle)
    warnings = _bundle_validate(parsed)
    objects: dict[str, dict[str, Any]] = {}
    for obj in parsed.get("objects", []):
        held = objects.get(obj["id"])
        # Several versions of one object: the latest counts.
        if held is None or str(obj.get("modified", "")) >= str(held.get("modified", "")):
            objects[obj["id"]] = obj
    levels = _markings_read(objects)
    reports: list[_Report] = []
    used = {
        o["created_by_ref"] for o in objects.values() if isinstance(o.get("created_by_ref"), str)
    }
    missing = 0
    to = tuple(recipients)
    for obj in objects.values():
        if obj["type"] != "report":
            continue
        read, taken, unresolved = _report_read(
            obj, objects, levels, charter=charter, recipients=to, group=group, channel=channel
        )
        reports.append(read)
        used |= taken
        missing += unresolved
    if not reports:
        raise _refused(ERR_NO_REPORT)
    skipped = Counter(
        o["type"] for k, o in objects.items() if k not in used and o["type"] not in _FRAMING_TYPES
    )
    if missing:
        skipped["unresolved-reference"] += missing
    with transaction.atomic():
        sent = [_send(agent, report) for report in reports]
    return BundleImport(sent, dict(sorted(skipped.items())), warnings)
