"""Entities of the exchange: validation and identifier normalisation.

Raw entity input (JSON API, web forms, CSV and STIX import) becomes a ``CleanEntity``:
normalised data with only known fields, the exact-match keys that hit/no-hit queries
compare, and the names that the fuzzy name matcher compares. Malformed input raises
``EntityError`` listing every problem of the entity, each under its field's path
(``imo``, ``names.1``, ``documents.0.number``).

Key policy. Keys are ``<type>:<value>`` strings of normalised identifiers. A document
number or an organisation's registration number is only unique within its issuing
country, so its key is country-qualified (``doc:RU:751234567``) when the country is known,
and ``doc:*:751234567`` when it is not. The bare form is the weaker key: a matcher that
wants to widen a country-less query can compare the part after the second colon. Plates
follow the same rule (``plate:RU:A123BC77``, ``plate:*:…``). A token's crypto address is
keyed by its chain (a USDT-TRC20 address is ``crypto:TRX:…``), since the address belongs
to the chain whatever it holds.

General rules: strings are NFC-normalised, stripped, their inner whitespace collapsed, and
must fit a per-field length; control characters (other than tab and newlines, which count
as spaces), lone surrogates and bidirectional overrides are refused. Integers are accepted
where a string is expected (an IMO or a phone number sent as a JSON number). Empty strings
and ``null`` mean absent. The whole entity must serialise to at most ``ENTITY_MAX_BYTES``.

Checked by well-kept libraries: IMO numbers, IBANs and BICs (python-stdnum), phone
numbers (phonenumbers: possible, not necessarily allocated), e-mail syntax (Django's
validator), countries (pycountry). Not checked: plate layouts per country, the country
prefix of an aircraft registration or an MMSI, a Monero address's checksum, and whether
a document number fits its issuer's format.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop
from stdnum import bic as stdnum_bic
from stdnum import iban as stdnum_iban
from stdnum import imo as stdnum_imo
from stdnum import numdb
from stdnum.exceptions import InvalidChecksum, InvalidComponent
from stdnum.exceptions import ValidationError as NumberInvalid

from concord import clock
from concord.exchange.crypto_addresses import (
    CURRENCY_CHAINS,
    AddressError,
    crypto_address_normalise,
    currency_normalise,
)
from concord.exchange.entity_fields import (
    ERR_REQUIRED,
    EntityProblem,
    FieldReader,
    identifier_fold,
)
from concord.exchange.organisation_names import organisation_name_core

__all__ = [
    "ENTITY_FIELDS",
    "CleanEntity",
    "EntityError",
    "EntityKind",
    "EntityProblem",
    "entities_clean",
    "entity_clean",
    "organisation_name_core",
]

ENTITY_MAX_BYTES = 8192
NAMES_MAX = 5
DOCUMENTS_MAX = 10

ERR_NOT_JSON = gettext_noop("The entity is not plain JSON data.")
ERR_TOO_LARGE = gettext_noop("The entity is larger than {limit} bytes.")
ERR_ENTITY_NOT_OBJECT = gettext_noop("An entity must be an object with a “kind”.")
ERR_UNKNOWN_KIND = gettext_noop("Unknown kind of entity. Known kinds: {kinds}.")
ERR_SEX = gettext_noop("Must be M, F or X.")
ERR_IMO_FORMAT = gettext_noop("An IMO number has seven digits, like IMO 9074729.")
ERR_IMO_CHECKSUM = gettext_noop("The check digit of this IMO number is wrong.")
ERR_MMSI = gettext_noop("An MMSI has nine digits.")
ERR_VESSEL_NEEDS_IDENTITY = gettext_noop("Give an IMO number, an MMSI or a name.")
ERR_PLATE = gettext_noop("A plate has 1 to 15 letters and digits.")
ERR_VIN_FORMAT = gettext_noop("A VIN has 17 letters and digits, never I, O or Q.")
ERR_VIN_CHECKSUM = gettext_noop("The check digit (9th character) of this VIN is wrong.")
ERR_VEHICLE_NEEDS_IDENTITY = gettext_noop("Give a plate or a VIN.")
ERR_AIRCRAFT_REGISTRATION = gettext_noop(
    "A registration mark has 2 to 10 letters and digits, like RA-12345 or D-ABCD."
)
ERR_ICAO24 = gettext_noop("An ICAO 24-bit address has six hexadecimal digits.")
ERR_AIRCRAFT_NEEDS_IDENTITY = gettext_noop("Give a registration mark or an ICAO 24-bit address.")
ERR_PHONE_NEEDS_COUNTRY = gettext_noop(
    "Write the number with + and its country code, or give the country."
)
ERR_PHONE_INVALID = gettext_noop("Not a possible phone number.")
ERR_EMAIL = gettext_noop("Not a valid e-mail address.")
ERR_IBAN_FORMAT = gettext_noop("Not an IBAN of the length and layout its country uses.")
ERR_IBAN_CHECKSUM = gettext_noop("The check digits of this IBAN are wrong.")
ERR_IBAN_COUNTRY = gettext_noop("This country does not use IBANs.")
ERR_BIC = gettext_noop("Not a valid BIC (8 or 11 letters and digits).")
ERR_CURRENCY = gettext_noop("Unknown currency. Known currencies: {currencies}.")
ERR_CRYPTO_FORMAT = gettext_noop("Not a valid {currency} address.")
ERR_CRYPTO_CHECKSUM = gettext_noop("The checksum of this {currency} address is wrong.")
ERR_LATITUDE = gettext_noop("A latitude lies between -90 and 90.")
ERR_LONGITUDE = gettext_noop("A longitude lies between -180 and 180.")
ERR_COORDINATE_PAIR = gettext_noop("Give latitude and longitude together.")
ERR_LOCATION_NEEDS_PLACE = gettext_noop("Give a name or coordinates.")
ERR_DOCUMENT_TYPE = gettext_noop("Unknown document type. Known types: {types}.")
ERR_DOCUMENT_NUMBER = gettext_noop("A document number has only letters and digits.")
ERR_REGISTRATION_NUMBER = gettext_noop("A registration number has only letters and digits.")
ERR_ENTITIES_NOT_LIST = gettext_noop("Entities must be a list.")
ERR_ENTITIES_TOO_MANY = gettext_noop("At most {limit} entities.")


class EntityKind(models.TextChoices):
    """The kinds of entity that exchange messages carry and hit/no-hit queries ask about."""

    PERSON = "person", gettext_lazy("Person")
    ORGANISATION = "organisation", gettext_lazy("Organisation")
    VESSEL = "vessel", gettext_lazy("Vessel")
    VEHICLE = "vehicle", gettext_lazy("Vehicle")
    AIRCRAFT = "aircraft", gettext_lazy("Aircraft")
    PHONE = "phone", gettext_lazy("Phone")
    EMAIL = "email", gettext_lazy("E-mail")
    BANK_ACCOUNT = "bank-account", gettext_lazy("Bank account")
    CRYPTO_ADDRESS = "crypto-address", gettext_lazy("Crypto address")
    LOCATION = "location", gettext_lazy("Location")
    DOCUMENT = "document", gettext_lazy("Document")


DOCUMENT_FIELDS = ("type", "number", "country", "expiry")

ENTITY_FIELDS: dict[str, tuple[str, ...]] = {
    EntityKind.PERSON: ("names", "birth_date", "nationality", "sex", "documents"),
    EntityKind.ORGANISATION: ("name", "country", "registration_number"),
    EntityKind.VESSEL: ("imo", "name", "flag", "mmsi"),
    EntityKind.VEHICLE: ("plate", "country", "vin"),
    EntityKind.AIRCRAFT: ("registration", "icao24"),
    EntityKind.PHONE: ("number", "country"),
    EntityKind.EMAIL: ("address",),
    EntityKind.BANK_ACCOUNT: ("iban", "bic"),
    EntityKind.CRYPTO_ADDRESS: ("currency", "address"),
    EntityKind.LOCATION: ("name", "country", "latitude", "longitude"),
    EntityKind.DOCUMENT: DOCUMENT_FIELDS,
}
"""The fields each kind allows besides ``kind``, in the order forms and CSV headers use."""

DOCUMENT_TYPES = ("passport", "id-card", "visa", "residence-permit", "driving-licence", "other")
_DOCUMENT_TYPE_ALIASES = {
    "id": "id-card",
    "identity-card": "id-card",
    "national-id": "id-card",
    "national-id-card": "id-card",
    "driving-license": "driving-licence",
    "driver-license": "driving-licence",
    "drivers-license": "driving-licence",
    "driver's-license": "driving-licence",
    "residence-card": "residence-permit",
}
_KIND_ALIASES = {"organization": "organisation", "e-mail": "email"}
_SEX_VALUES = {"M": "M", "F": "F", "X": "X", "MALE": "M", "FEMALE": "F"}

_VIN_RE = re.compile(r"[A-HJ-NPR-Z0-9]{17}")
_AIRCRAFT_RE = re.compile(r"[A-Z0-9]{2,10}")
_ICAO24_RE = re.compile(r"[0-9A-F]{6}")
_MMSI_RE = re.compile(r"[0-9]{9}")
_IBAN_RE = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{1,30}")
# python-stdnum's registry of IBAN layouts; it knows which countries issue IBANs.
_IBAN_REGISTRY = numdb.get("iban")
# VIN check digit (49 CFR 565.15): letters transliterate to these values, positions weigh so.
_VIN_VALUES = {
    **{str(d): d for d in range(10)},
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)),
    "P": 7,
    "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}
_VIN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
# World manufacturer identifiers starting 1–5 are North America's (US, Canada, Mexico),
# where the check digit is mandatory; elsewhere the 9th character may be anything.
_VIN_CHECKED_REGIONS = frozenset("12345")


class EntityError(Exception):
    """An entity (or list of entities) that cannot be accepted; ``problems`` lists all."""

    def __init__(self, problems: list[EntityProblem]) -> None:
        super().__init__(
            "; ".join(f"{p.field}: {p.message}" if p.field else p.message for p in problems)
        )
        self.problems = problems


@dataclass(frozen=True)
class CleanEntity:
    """An entity after validation: normalised data, exact-match keys and names to match."""

    kind: str
    data: dict[str, Any]
    keys: tuple[str, ...]
    names: tuple[str, ...]
    birth_date: date | None
    label: str


def _kind_label(kind: str) -> str:
    return str(EntityKind(kind).label)


def _keys(*keys: str | None) -> tuple[str, ...]:
    return tuple(dict.fromkeys(key for key in keys if key))


def _present(**values: Any) -> dict[str, Any]:
    return {name: value for name, value in values.items() if value is not None}


def _document_read(fields: FieldReader) -> tuple[dict[str, Any], str] | None:
    """A document's data and key, from its own entity or from a person's ``documents``."""
    number = fields.text("number", 40, required=True)
    if number is not None:
        number = identifier_fold(number, " -./")
        if not number.isalnum():
            fields.problem("number", ERR_DOCUMENT_NUMBER)
    kind = fields.text("type", 40)
    if kind is not None:
        kind = re.sub(r"[\s_]+", "-", kind.casefold())
        kind = _DOCUMENT_TYPE_ALIASES.get(kind, kind)
        if kind not in DOCUMENT_TYPES:
            fields.problem("type", ERR_DOCUMENT_TYPE, types=", ".join(DOCUMENT_TYPES))
    country = fields.country("country")
    expiry = fields.day("expiry")
    if fields.failed or number is None:
        return None
    data = _present(type=kind, number=number, country=country, expiry=expiry and expiry.isoformat())
    return data, f"doc:{country or '*'}:{number}"


def _person_clean(fields: FieldReader) -> CleanEntity | None:
    names: dict[str, str] = {}
    problems_before = len(fields.problems)
    for i, value in enumerate(fields.items("names", NAMES_MAX) or ()):
        name = fields.text(f"names.{i}", 200, value=value)
        if name is not None:
            names.setdefault(name.casefold(), name)  # the same name twice is one name
    if not names and len(fields.problems) == problems_before:
        fields.problem("names", ERR_REQUIRED)
    birth_date = fields.day("birth_date", latest=clock.now().date())
    nationality = fields.country("nationality")
    sex = fields.text("sex", 10)
    if sex is not None:
        sex = _SEX_VALUES.get(sex.upper())
        if sex is None:
            fields.problem("sex", ERR_SEX)
    documents: list[dict[str, Any]] = []
    keys: list[str] = []
    for i, item in enumerate(fields.items("documents", DOCUMENTS_MAX) or ()):
        document_fields = fields.nested(f"documents.{i}", DOCUMENT_FIELDS, value=item)
        read = _document_read(document_fields) if document_fields else None
        if read is not None:
            documents.append(read[0])
            keys.append(read[1])
    if fields.failed:
        return None
    person_names = tuple(names.values())
    data = _present(
        names=list(person_names),
        birth_date=birth_date and birth_date.isoformat(),
        nationality=nationality,
        sex=sex,
        documents=documents or None,
    )
    label = f"{_kind_label(EntityKind.PERSON)} {person_names[0]}"
    if birth_date:
        label += f" ({birth_date.isoformat()})"
    return CleanEntity(EntityKind.PERSON, data, _keys(*keys), person_names, birth_date, label)


def _organisation_clean(fields: FieldReader) -> CleanEntity | None:
    name = fields.text("name", 300, required=True)
    country = fields.country("country")
    number = fields.text("registration_number", 64)
    if number is not None:
        number = identifier_fold(number, " -./")
        if not number.isalnum():
            fields.problem("registration_number", ERR_REGISTRATION_NUMBER)
    if fields.failed or name is None:
        return None
    core = organisation_name_core(name)
    data = _present(name=name, country=country, registration_number=number)
    keys = _keys(number and f"reg:{country or '*'}:{number}")
    label = f"{_kind_label(EntityKind.ORGANISATION)} {name}" + (f" ({country})" if country else "")
    return CleanEntity(EntityKind.ORGANISATION, data, keys, _keys(core), None, label)


def _vessel_clean(fields: FieldReader) -> CleanEntity | None:
    imo = fields.text("imo", 20)
    if imo is not None:
        try:
            imo = stdnum_imo.validate(identifier_fold(imo))
        except InvalidChecksum:
            fields.problem("imo", ERR_IMO_CHECKSUM)
        except NumberInvalid:
            fields.problem("imo", ERR_IMO_FORMAT)
    name = fields.text("name", 200)
    flag = fields.country("flag")
    mmsi = fields.text("mmsi", 20)
    if mmsi is not None:
        mmsi = identifier_fold(mmsi)
        if not _MMSI_RE.fullmatch(mmsi):
            fields.problem("mmsi", ERR_MMSI)
    if not any(fields.given(field) for field in ("imo", "mmsi", "name")):
        fields.problem("imo", ERR_VESSEL_NEEDS_IDENTITY)
    if fields.failed:
        return None
    data = _present(imo=imo, name=name, flag=flag, mmsi=mmsi)
    keys = _keys(imo and f"imo:{imo}", mmsi and f"mmsi:{mmsi}")
    number = f"IMO {imo}" if imo else f"MMSI {mmsi}" if mmsi else None
    shown = f"{number} ({name})" if number and name else number or name
    label = f"{_kind_label(EntityKind.VESSEL)} {shown}"
    return CleanEntity(EntityKind.VESSEL, data, keys, _keys(name), None, label)


def vin_check_digit(vin: str) -> str:
    """The check digit (position 9) that 49 CFR 565.15 computes for a 17-character VIN."""
    total = sum(_VIN_VALUES[char] * weight for char, weight in zip(vin, _VIN_WEIGHTS, strict=True))
    remainder = total % 11
    return "X" if remainder == 10 else str(remainder)


def _vehicle_clean(fields: FieldReader) -> CleanEntity | None:
    """A plate (with its country when known) and/or a VIN. A VIN's 9th character is a
    check digit only where the law requires one: North America (WMI starting 1–5). A
    European VIN may carry any character there, so elsewhere the digit is not checked."""
    plate = fields.text("plate", 20)
    if plate is not None:
        plate = identifier_fold(plate, " -.")
        if not plate.isalnum() or len(plate) > 15:
            fields.problem("plate", ERR_PLATE)
    country = fields.country("country")
    vin = fields.text("vin", 30)
    if vin is not None:
        vin = identifier_fold(vin)
        if not _VIN_RE.fullmatch(vin):
            fields.problem("vin", ERR_VIN_FORMAT)
        elif vin[0] in _VIN_CHECKED_REGIONS and vin[8] != vin_check_digit(vin):
            fields.problem("vin", ERR_VIN_CHECKSUM)
    if not fields.given("plate") and not fields.given("vin"):
        fields.problem("plate", ERR_VEHICLE_NEEDS_IDENTITY)
    if fields.failed:
        return None
    data = _present(plate=plate, country=country, vin=vin)
    keys = _keys(plate and f"plate:{country or '*'}:{plate}", vin and f"vin:{vin}")
    shown = f"{plate} ({country})" if plate and country else plate or f"VIN {vin}"
    return CleanEntity(
        EntityKind.VEHICLE, data, keys, (), None, f"{_kind_label(EntityKind.VEHICLE)} {shown}"
    )


def _aircraft_clean(fields: FieldReader) -> CleanEntity | None:
    registration = fields.text("registration", 20)
    if registration is not None:
        registration = identifier_fold(registration)
        if not _AIRCRAFT_RE.fullmatch(registration) or registration.isdigit():
            fields.problem("registration", ERR_AIRCRAFT_REGISTRATION)
    icao24 = fields.text("icao24", 10)
    if icao24 is not None:
        icao24 = icao24.upper().replace(" ", "")
        if not _ICAO24_RE.fullmatch(icao24):
            fields.problem("icao24", ERR_ICAO24)
    if not fields.given("registration") and not fields.given("icao24"):
        fields.problem("registration", ERR_AIRCRAFT_NEEDS_IDENTITY)
    if fields.failed:
        return None
    data = _present(registration=registration, icao24=icao24)
    keys = _keys(registration and f"aircraft:{registration}", icao24 and f"icao24:{icao24}")
    shown = f"{registration} (ICAO24 {icao24})" if registration and icao24 else None
    shown = shown or registration or f"ICAO24 {icao24}"
    return CleanEntity(
        EntityKind.AIRCRAFT, data, keys, (), None, f"{_kind_label(EntityKind.AIRCRAFT)} {shown}"
    )


def _phone_parse(number: str, country: str | None) -> phonenumbers.PhoneNumber | None:
    try:
        parsed = phonenumbers.parse(number, None if number.startswith("+") else country)
    except phonenumbers.NumberParseException:
        return None
    # Possible (right length for its country, and not only a local number without area
    # code), not "valid": numbering metadata lags new allocations, and refusing a real
    # number costs more than keeping an odd one.
    reason = phonenumbers.is_possible_number_with_reason(parsed)
    return parsed if reason == phonenumbers.ValidationResult.IS_POSSIBLE else None


def _phone_clean(fields: FieldReader) -> CleanEntity | None:
    number = fields.text("number", 50, required=True)
    country = fields.country("country")
    parsed: phonenumbers.PhoneNumber | None = None
    if number is not None:
        if not number.startswith("+") and not fields.given("country"):
            if number.startswith("00"):
                number = "+" + number[2:]  # 00 is the international prefix almost everywhere
            else:
                fields.problem("number", ERR_PHONE_NEEDS_COUNTRY)
        if number.startswith("+") or country is not None:
            parsed = _phone_parse(number, country)
            if parsed is None and number.startswith("00"):
                # The country's own international prefix may not be 00 (Russia dials 8~10).
                parsed = _phone_parse("+" + number[2:], None)
            if parsed is None:
                fields.problem("number", ERR_PHONE_INVALID)
    if fields.failed or parsed is None:
        return None
    e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    shown = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    return CleanEntity(
        EntityKind.PHONE,
        _present(number=e164, country=country),
        (f"phone:{e164}",),
        (),
        None,
        f"{_kind_label(EntityKind.PHONE)} {shown}",
    )


def _email_clean(fields: FieldReader) -> CleanEntity | None:
    address = fields.text("address", 254, required=True)
    if address is not None:
        try:
            validate_email(address)
        except ValidationError:
            fields.problem("address", ERR_EMAIL)
    if fields.failed or address is None:
        return None
    local, domain = address.rsplit("@", 1)
    domain = domain.lower()
    try:
        # One key for a domain whether written in Unicode or in its ASCII (punycode) form.
        key_domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        key_domain = domain
    address = f"{local}@{domain}"
    return CleanEntity(
        EntityKind.EMAIL,
        {"address": address},
        (f"email:{local.casefold()}@{key_domain}",),
        (),
        None,
        f"{_kind_label(EntityKind.EMAIL)} {address}",
    )


def _bank_account_clean(fields: FieldReader) -> CleanEntity | None:
    iban = fields.text("iban", 60, required=True)
    if iban is not None:
        iban = identifier_fold(iban, " -.")
        if not _IBAN_RE.fullmatch(iban):
            fields.problem("iban", ERR_IBAN_FORMAT)
        elif not _IBAN_REGISTRY.info(iban)[0][1]:
            fields.problem("iban", ERR_IBAN_COUNTRY)
        else:
            try:
                iban = stdnum_iban.validate(iban)
            except InvalidChecksum:
                fields.problem("iban", ERR_IBAN_CHECKSUM)
            except InvalidComponent:
                fields.problem("iban", ERR_IBAN_COUNTRY)
            except NumberInvalid:
                fields.problem("iban", ERR_IBAN_FORMAT)
    bic = fields.text("bic", 20)
    if bic is not None:
        try:
            bic = stdnum_bic.validate(identifier_fold(bic, " -."))
        except NumberInvalid:
            fields.problem("bic", ERR_BIC)
    if fields.failed or iban is None:
        return None
    return CleanEntity(
        EntityKind.BANK_ACCOUNT,
        _present(iban=iban, bic=bic),
        (f"iban:{iban}",),
        (),
        None,
        f"{_kind_label(EntityKind.BANK_ACCOUNT)} {stdnum_iban.format(iban)}",
    )


def _crypto_address_clean(fields: FieldReader) -> CleanEntity | None:
    currency_text = fields.text("currency", 20, required=True)
    currency = currency_normalise(currency_text) if currency_text else None
    if currency_text is not None and currency is None:
        fields.problem("currency", ERR_CURRENCY, currencies=", ".join(CURRENCY_CHAINS))
    address = fields.text("address", 120, required=True)
    key_form = None
    if address is not None and currency is not None:
        try:
            address, key_form = crypto_address_normalise(currency, address)
        except AddressError as error:
            message = ERR_CRYPTO_CHECKSUM if error.problem == "checksum" else ERR_CRYPTO_FORMAT
            fields.problem("address", message, currency=currency)
    if fields.failed or currency is None or key_form is None:
        return None
    return CleanEntity(
        EntityKind.CRYPTO_ADDRESS,
        {"currency": currency, "address": address},
        (f"crypto:{CURRENCY_CHAINS[currency]}:{key_form}",),
        (),
        None,
        f"{_kind_label(EntityKind.CRYPTO_ADDRESS)} {currency} {address}",
    )


def _location_clean(fields: FieldReader) -> CleanEntity | None:
    name = fields.text("name", 200)
    country = fields.country("country")
    latitude = fields.coordinate("latitude", 90, ERR_LATITUDE)
    longitude = fields.coordinate("longitude", 180, ERR_LONGITUDE)
    if fields.given("longitude") and not fields.given("latitude"):
        fields.problem("latitude", ERR_COORDINATE_PAIR)
    elif fields.given("latitude") and not fields.given("longitude"):
        fields.problem("longitude", ERR_COORDINATE_PAIR)
    elif not any(fields.given(field) for field in ("name", "latitude")):
        fields.problem("name", ERR_LOCATION_NEEDS_PLACE)
    if fields.failed:
        return None
    data = _present(name=name, country=country, latitude=latitude, longitude=longitude)
    shown = name or f"{latitude}, {longitude}"
    if country:
        shown += f" ({country})"
    return CleanEntity(
        EntityKind.LOCATION, data, (), (), None, f"{_kind_label(EntityKind.LOCATION)} {shown}"
    )


def _document_clean(fields: FieldReader) -> CleanEntity | None:
    read = _document_read(fields)
    if read is None:
        return None
    data, key = read
    shown = " ".join(data[f] for f in ("type", "country", "number") if f in data)
    return CleanEntity(
        EntityKind.DOCUMENT, data, (key,), (), None, f"{_kind_label(EntityKind.DOCUMENT)} {shown}"
    )


_CLEANERS: dict[str, Callable[[FieldReader], CleanEntity | None]] = {
    EntityKind.PERSON: _person_clean,
    EntityKind.ORGANISATION: _organisation_clean,
    EntityKind.VESSEL: _vessel_clean,
    EntityKind.VEHICLE: _vehicle_clean,
    EntityKind.AIRCRAFT: _aircraft_clean,
    EntityKind.PHONE: _phone_clean,
    EntityKind.EMAIL: _email_clean,
    EntityKind.BANK_ACCOUNT: _bank_account_clean,
    EntityKind.CRYPTO_ADDRESS: _crypto_address_clean,
    EntityKind.LOCATION: _location_clean,
    EntityKind.DOCUMENT: _document_clean,
}


def _kind_normalise(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    kind = re.sub(r"[\s_]+", "-", value.strip().casefold())
    kind = _KIND_ALIASES.get(kind, kind)
    return kind if kind in _CLEANERS else None


def _problem(field: str, template: str, **params: object) -> EntityError:
    return EntityError([EntityProblem(field, _(template).format(**params))])


def entity_clean(raw: Any) -> CleanEntity:
    """Validate and normalise one raw entity (a JSON object with a ``kind``).

    Raises EntityError listing every problem; field paths are relative to the entity.
    """
    try:
        size = len(
            json.dumps(raw, ensure_ascii=False, default=str).encode("utf-8", "surrogatepass")
        )
    except (TypeError, ValueError, RecursionError):
        raise _problem("", ERR_NOT_JSON) from None
    if size > ENTITY_MAX_BYTES:
        raise _problem("", ERR_TOO_LARGE, limit=ENTITY_MAX_BYTES)
    if not isinstance(raw, dict):
        raise _problem("", ERR_ENTITY_NOT_OBJECT)
    if raw.get("kind") in (None, ""):
        raise _problem("kind", ERR_REQUIRED)
    kind = _kind_normalise(raw["kind"])
    if kind is None:
        raise _problem("kind", ERR_UNKNOWN_KIND, kinds=", ".join(EntityKind.values))
    problems: list[EntityProblem] = []
    entity = _CLEANERS[kind](FieldReader(raw, ("kind", *ENTITY_FIELDS[kind]), problems))
    if problems or entity is None:
        raise EntityError(problems)
    return replace(entity, kind=kind)  # the plain string, not the enum member


def entities_clean(raw: Any, *, limit: int = 200) -> list[CleanEntity]:
    """Validate a list of raw entities; problems of all of them are raised together, their
    fields prefixed ``entities.<i>.``."""
    if not isinstance(raw, list):
        raise _problem("entities", ERR_ENTITIES_NOT_LIST)
    if len(raw) > limit:
        raise _problem("entities", ERR_ENTITIES_TOO_MANY, limit=limit)
    entities: list[CleanEntity] = []
    problems: list[EntityProblem] = []
    for i, item in enumerate(raw):
        try:
            entities.append(entity_clean(item))
        except EntityError as error:
            problems.extend(
                EntityProblem(f"entities.{i}.{p.field}" if p.field else f"entities.{i}", p.message)
                for p in error.problems
            )
    if problems:
        raise EntityError(problems)
    return entities
