"""Entity validation and identifier normalisation: every kind's good and bad input, the
field paths of problems, equivalent spellings giving one key, and the address checks."""

from __future__ import annotations

import hashlib
import json
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from concord import clock
from concord.exchange import entities as ent
from concord.exchange import entity_fields as fld
from concord.exchange.crypto_addresses import (
    AddressError,
    crypto_address_normalise,
    eip55_checksummed,
    keccak256,
    keccak_sponge_256,
    segwit_decode,
)
from concord.exchange.entities import (
    ENTITY_FIELDS,
    CleanEntity,
    EntityError,
    EntityKind,
    entities_clean,
    entity_clean,
    organisation_name_core,
    vin_check_digit,
)


def problems_of(raw: Any) -> list[tuple[str, str]]:
    with pytest.raises(EntityError) as caught:
        entity_clean(raw)
    return [(p.field, p.message) for p in caught.value.problems]


def keys_of(raw: dict[str, Any]) -> tuple[str, ...]:
    return entity_clean(raw).keys


# --- kinds, fields, general rules ---------------------------------------------------------


def test_every_kind_has_its_fields_listed_and_a_translatable_label() -> None:
    assert set(ENTITY_FIELDS) == set(EntityKind.values)
    assert EntityKind.EMAIL.label == "E-mail"
    assert EntityKind.BANK_ACCOUNT.label == "Bank account"
    assert EntityKind("crypto-address").label == "Crypto address"


def test_an_unknown_kind_is_refused_with_the_known_kinds_named() -> None:
    [(field, message)] = problems_of({"kind": "spaceship", "name": "Enterprise"})
    assert field == "kind"
    assert message == ent.ERR_UNKNOWN_KIND.format(kinds=", ".join(EntityKind.values))


def test_a_missing_kind_and_a_non_object_are_refused() -> None:
    assert problems_of({"name": "x"}) == [("kind", fld.ERR_REQUIRED)]
    assert problems_of(["person"]) == [("", ent.ERR_ENTITY_NOT_OBJECT)]
    assert problems_of("person") == [("", ent.ERR_ENTITY_NOT_OBJECT)]


def test_kind_is_read_leniently_and_given_back_as_the_plain_value() -> None:
    entity = entity_clean({"kind": " Bank_Account ", "iban": "DE89370400440532013000"})
    assert entity.kind == "bank-account"
    assert type(entity.kind) is str
    assert entity_clean({"kind": "organization", "name": "Acme"}).kind == "organisation"


def test_unknown_fields_are_reported_each_by_name_together_with_other_problems() -> None:
    problems = problems_of({"kind": "vessel", "imo": "9074728", "colour": "red", "crew": 12})
    assert problems == [
        ("colour", fld.ERR_UNKNOWN_FIELD),
        ("crew", fld.ERR_UNKNOWN_FIELD),
        ("imo", ent.ERR_IMO_CHECKSUM),
    ]


def test_an_entity_larger_than_the_limit_is_refused_whole() -> None:
    raw = {"kind": "location", "name": "x" * 100, "padding": "y" * ent.ENTITY_MAX_BYTES}
    assert problems_of(raw) == [("", ent.ERR_TOO_LARGE.format(limit=ent.ENTITY_MAX_BYTES))]


def test_an_entity_that_is_not_json_data_is_refused() -> None:
    raw: dict[str, Any] = {"kind": "location", "name": "Loop"}
    raw["self"] = raw
    assert problems_of(raw) == [("", ent.ERR_NOT_JSON)]


def test_strings_are_stripped_and_whitespace_collapsed_and_blank_optionals_are_absent() -> None:
    entity = entity_clean(
        {"kind": "vessel", "imo": " 9074729 ", "name": " NORDIC\n  STAR ", "flag": "", "mmsi": " "}
    )
    assert entity.data == {"imo": "9074729", "name": "NORDIC STAR"}


def test_control_characters_and_bidirectional_overrides_are_refused() -> None:
    problems = problems_of({"kind": "person", "names": ["Ivan\x00Petrov", "Ivan \u202evorteP"]})
    assert problems == [
        ("names.0", fld.ERR_CONTROL_CHARACTERS),
        ("names.1", fld.ERR_CONTROL_CHARACTERS),
    ]


def test_a_value_of_the_wrong_type_is_named() -> None:
    problems = problems_of({"kind": "vessel", "imo": True, "name": ["NORDIC STAR"]})
    assert problems == [("imo", fld.ERR_NOT_TEXT), ("name", fld.ERR_NOT_TEXT)]


def test_an_integer_is_read_as_the_string_of_its_digits() -> None:
    assert entity_clean({"kind": "vessel", "imo": 9074729}).data == {"imo": "9074729"}


@pytest.mark.parametrize(
    ("raw", "field", "limit"),
    [
        ({"kind": "person", "names": ["И" * 201]}, "names.0", 200),
        ({"kind": "organisation", "name": "x" * 301}, "name", 300),
        ({"kind": "vessel", "name": "x" * 201}, "name", 200),
        ({"kind": "email", "address": "a" * 250 + "@example.org"}, "address", 254),
        ({"kind": "crypto-address", "currency": "BTC", "address": "1" * 121}, "address", 120),
        ({"kind": "document", "number": "1" * 41}, "number", 40),
    ],
)
def test_overlong_strings_are_refused_naming_the_limit(
    raw: dict[str, Any], field: str, limit: int
) -> None:
    assert (field, fld.ERR_TOO_LONG.format(limit=limit)) in problems_of(raw)


# --- person --------------------------------------------------------------------------------


def test_a_person_is_normalised_with_names_birth_date_and_document_keys() -> None:
    entity = entity_clean(
        {
            "kind": "person",
            "names": ["Ivan Petrov", "Иван Петров", "", "IVAN PETROV"],
            "birth_date": "1980-01-02",
            "nationality": "RUS",
            "sex": "m",
            "documents": [
                {"type": "Passport", "number": "75 123-4567", "country": "RU"},
                {"type": "driving_license", "number": "99 ав 123456"},
            ],
        }
    )
    assert entity.kind == "person"
    assert entity.names == ("Ivan Petrov", "Иван Петров")
    assert entity.birth_date == date(1980, 1, 2)
    assert entity.data == {
        "names": ["Ivan Petrov", "Иван Петров"],
        "birth_date": "1980-01-02",
        "nationality": "RU",
        "sex": "M",
        "documents": [
            {"type": "passport", "number": "751234567", "country": "RU"},
            {"type": "driving-licence", "number": "99AB123456"},
        ],
    }
    assert entity.keys == ("doc:RU:751234567", "doc:*:99AB123456")
    assert entity.label == "Person Ivan Petrov (1980-01-02)"


def test_a_person_reports_every_problem_under_its_path() -> None:
    tomorrow = (clock.now().date() + timedelta(days=1)).isoformat()
    problems = problems_of(
        {
            "kind": "person",
            "names": ["Ivan Petrov", 42.5, "x" * 201],
            "birth_date": tomorrow,
            "nationality": "Russia",
            "sex": "unknown",
            "documents": [
                {"type": "passport", "number": "75#12", "country": "XX"},
                "751234567",
                {"number": "751234567", "issued": "2001-01-01"},
            ],
        }
    )
    assert problems == [
        ("names.1", fld.ERR_NOT_TEXT),
        ("names.2", fld.ERR_TOO_LONG.format(limit=200)),
        ("birth_date", fld.ERR_DATE_FUTURE),
        ("nationality", fld.ERR_COUNTRY),
        ("sex", ent.ERR_SEX),
        ("documents.0.number", ent.ERR_DOCUMENT_NUMBER),
        ("documents.0.country", fld.ERR_COUNTRY),
        ("documents.1", fld.ERR_NOT_OBJECT),
        ("documents.2.issued", fld.ERR_UNKNOWN_FIELD),
    ]


def test_a_person_needs_a_name_and_at_most_five() -> None:
    assert problems_of({"kind": "person", "birth_date": "1980-01-02"}) == [
        ("names", fld.ERR_REQUIRED)
    ]
    assert problems_of({"kind": "person", "names": ["", "  "]}) == [("names", fld.ERR_REQUIRED)]
    assert problems_of({"kind": "person", "names": "Ivan Petrov"}) == [("names", fld.ERR_NOT_LIST)]
    assert problems_of({"kind": "person", "names": [f"N{i}" for i in range(6)]}) == [
        ("names", fld.ERR_LIST_TOO_LONG.format(limit=5))
    ]


@pytest.mark.parametrize(
    ("birth_date", "message"),
    [
        ("1899-12-31", fld.ERR_DATE_TOO_EARLY.format(earliest="1900-01-01")),
        ("1980-02-30", fld.ERR_DATE),
        ("02.01.1980", fld.ERR_DATE),
        ("19800102", fld.ERR_DATE),
        ("1980-W01-1", fld.ERR_DATE),
        (19800102, fld.ERR_DATE),
    ],
)
def test_birth_dates_must_be_real_calendar_dates_from_1900(birth_date: Any, message: str) -> None:
    raw = {"kind": "person", "names": ["Ivan Petrov"], "birth_date": birth_date}
    assert problems_of(raw) == [("birth_date", message)]


def test_a_birth_date_of_today_and_a_date_object_are_accepted() -> None:
    today = clock.now().date()
    raw = {"kind": "person", "names": ["Newborn"], "birth_date": today.isoformat()}
    assert entity_clean(raw).birth_date == today
    raw = {"kind": "person", "names": ["Newborn"], "birth_date": today}
    assert entity_clean(raw).data["birth_date"] == today.isoformat()


# --- organisation --------------------------------------------------------------------------


def test_an_organisation_gives_its_name_core_to_the_matcher_and_a_registration_key() -> None:
    entity = entity_clean(
        {
            "kind": "organisation",
            "name": "ООО «Ромашка»",
            "country": "rus",
            "registration_number": "1027700132195",
        }
    )
    assert entity.data == {
        "name": "ООО «Ромашка»",
        "country": "RU",
        "registration_number": "1027700132195",
    }
    assert entity.names == ("ромашка",)
    assert entity.keys == ("reg:RU:1027700132195",)
    assert entity.label == "Organisation ООО «Ромашка» (RU)"


def test_an_organisation_needs_a_name_and_a_clean_registration_number() -> None:
    assert problems_of({"kind": "organisation", "registration_number": "HRB 12345 #"}) == [
        ("name", fld.ERR_REQUIRED),
        ("registration_number", ent.ERR_REGISTRATION_NUMBER),
    ]


@pytest.mark.parametrize(
    ("name", "core"),
    [
        ("ООО «Ромашка»", "ромашка"),
        ("Romashka LLC", "romashka"),
        ('"ROMASHKA" Ltd.', "romashka"),
        ("Ромашка, ООО", "ромашка"),
        ("ТОО „Альфа“", "альфа"),
        ("ИП Иванов", "иванов"),
        ("IP Ivanov", "ivanov"),
        ("ПАО «Газпром»", "газпром"),
        ("Acme Trading Co., Ltd.", "acme trading"),
        ("Müller GmbH & Co. KG", "müller"),
        ("Société Générale S.A.", "société générale"),
        ("Société Générale S. A.", "société générale"),
        ("Cemex, S.A.B. de C.V.", "cemex"),
        ("Firma Handlowa Sp. z o.o.", "firma handlowa"),
        ("Koç Holding A.Ş.", "koç holding"),
        ("شركة النور ذ.م.م", "النور"),
        ("华为技术有限公司", "华为技术"),
        ("株式会社トヨタ", "トヨタ"),
        ("McDonald’s Corporation", "mcdonalds"),
        ("Co-operative Bank", "co operative bank"),
        ("GmbH & Co. KG", "gmbh co kg"),
        ("Ltd", "ltd"),
        ("Acme Ltd. (Cyprus)", "acme ltd cyprus"),
    ],
)
def test_organisation_name_core_drops_legal_forms_quotes_and_punctuation(
    name: str, core: str
) -> None:
    assert organisation_name_core(name) == core


def test_organisation_name_core_is_the_same_for_spellings_of_one_company() -> None:
    spellings = ["Romashka LLC", "«ROMASHKA» llc", "Romashka, L.L.C.", "OOO Romashka", "Romashka"]
    assert {organisation_name_core(s) for s in spellings} == {"romashka"}


@given(st.text(max_size=60))
def test_organisation_name_core_is_idempotent(name: str) -> None:
    core = organisation_name_core(name)
    assert organisation_name_core(core) == core


# --- vessel --------------------------------------------------------------------------------


def test_a_vessel_is_keyed_by_imo_and_mmsi_and_labelled() -> None:
    entity = entity_clean(
        {
            "kind": "vessel",
            "imo": "IMO 9074729",
            "name": "NORDIC STAR",
            "flag": "NOR",
            "mmsi": "257 123 456",
        }
    )
    assert entity.data == {
        "imo": "9074729",
        "name": "NORDIC STAR",
        "flag": "NO",
        "mmsi": "257123456",
    }
    assert entity.keys == ("imo:9074729", "mmsi:257123456")
    assert entity.names == ("NORDIC STAR",)
    assert entity.label == "Vessel IMO 9074729 (NORDIC STAR)"


@pytest.mark.parametrize("imo", ["IMO 9074729", "9074729", "imo9074729", 9074729, "IMO-9074729"])
def test_spellings_of_an_imo_number_give_one_key(imo: Any) -> None:
    assert keys_of({"kind": "vessel", "imo": imo}) == ("imo:9074729",)


def test_a_vessel_with_bad_imo_check_digit_or_format_or_mmsi_is_refused() -> None:
    assert problems_of({"kind": "vessel", "imo": "IMO 9074728", "mmsi": "25712345"}) == [
        ("imo", ent.ERR_IMO_CHECKSUM),
        ("mmsi", ent.ERR_MMSI),
    ]
    assert problems_of({"kind": "vessel", "imo": "907472"}) == [("imo", ent.ERR_IMO_FORMAT)]
    assert problems_of({"kind": "vessel", "flag": "NO"}) == [("imo", ent.ERR_VESSEL_NEEDS_IDENTITY)]


def test_a_vessel_known_only_by_name_is_matched_by_name() -> None:
    entity = entity_clean({"kind": "vessel", "name": "Go Fast 3"})
    assert (entity.keys, entity.names, entity.label) == ((), ("Go Fast 3",), "Vessel Go Fast 3")


# --- vehicle -------------------------------------------------------------------------------


def test_cyrillic_plate_letters_fold_into_latin_ones() -> None:
    cyrillic = keys_of({"kind": "vehicle", "plate": "а123вс 77", "country": "RU"})
    latin = keys_of({"kind": "vehicle", "plate": "A123BC-77", "country": "RUS"})
    assert cyrillic == latin == ("plate:RU:A123BC77",)
    ukrainian = keys_of({"kind": "vehicle", "plate": "АІ 1234 ВХ", "country": "UA"})
    assert ukrainian == ("plate:UA:AI1234BX",)


def test_a_plate_without_country_gives_the_weaker_bare_key() -> None:
    entity = entity_clean({"kind": "vehicle", "plate": "B MW 1234"})
    assert entity.keys == ("plate:*:BMW1234",)
    assert entity.label == "Vehicle BMW1234"


def test_a_north_american_vin_needs_its_check_digit() -> None:
    entity = entity_clean({"kind": "vehicle", "vin": "1m8gdm9axkp042788"})
    assert entity.keys == ("vin:1M8GDM9AXKP042788",)
    assert entity.label == "Vehicle VIN 1M8GDM9AXKP042788"
    assert problems_of({"kind": "vehicle", "vin": "1M8GDM9A1KP042788"}) == [
        ("vin", ent.ERR_VIN_CHECKSUM)
    ]


def test_a_european_vin_without_check_digit_is_accepted() -> None:
    # European makers need not fill position 9 with a check digit (here it is "Z").
    assert keys_of({"kind": "vehicle", "vin": "WVWZZZ1JZXW000001"}) == ("vin:WVWZZZ1JZXW000001",)


@pytest.mark.parametrize("vin", ["1M8GDM9AXKP04278O", "1M8GDM9AXKP0427", "1M8GDM9AXKP042788Q"])
def test_a_vin_of_wrong_length_or_with_i_o_q_is_refused(vin: str) -> None:
    assert problems_of({"kind": "vehicle", "vin": vin}) == [("vin", ent.ERR_VIN_FORMAT)]


def test_vin_check_digit_follows_the_transliteration_and_weights() -> None:
    assert vin_check_digit("11111111111111111") == "1"
    assert vin_check_digit("1M8GDM9AXKP042788") == "X"


def test_a_vehicle_needs_a_plate_or_a_vin_and_clean_plates() -> None:
    assert problems_of({"kind": "vehicle", "country": "RU"}) == [
        ("plate", ent.ERR_VEHICLE_NEEDS_IDENTITY)
    ]
    assert problems_of({"kind": "vehicle", "plate": "A123*BC"}) == [("plate", ent.ERR_PLATE)]


# --- aircraft ------------------------------------------------------------------------------


def test_aircraft_registration_and_icao24_are_normalised() -> None:
    entity = entity_clean({"kind": "aircraft", "registration": "ra-12345", "icao24": "4b1812"})
    assert entity.data == {"registration": "RA12345", "icao24": "4B1812"}
    assert entity.keys == ("aircraft:RA12345", "icao24:4B1812")
    assert entity.label == "Aircraft RA12345 (ICAO24 4B1812)"
    assert keys_of({"kind": "aircraft", "registration": "D-ABCD"}) == ("aircraft:DABCD",)


def test_aircraft_problems_are_named() -> None:
    assert problems_of({"kind": "aircraft", "registration": "RA-12345/X", "icao24": "4B181Z"}) == [
        ("registration", ent.ERR_AIRCRAFT_REGISTRATION),
        ("icao24", ent.ERR_ICAO24),
    ]
    assert problems_of({"kind": "aircraft"}) == [("registration", ent.ERR_AIRCRAFT_NEEDS_IDENTITY)]


# --- phone ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        {"number": "+7 (916) 123-45-67"},
        {"number": "+79161234567"},
        {"number": "0079161234567"},
        {"number": "8 916 123-45-67", "country": "RU"},
        {"number": "00 7 916 123 45 67", "country": "RU"},
        {"number": 79161234567, "country": "RU"},
    ],
)
def test_spellings_of_a_phone_number_give_one_e164_key(raw: dict[str, Any]) -> None:
    entity = entity_clean({"kind": "phone", **raw})
    assert entity.keys == ("phone:+79161234567",)
    assert entity.data["number"] == "+79161234567"
    assert entity.label == "Phone +7 916 123-45-67"


def test_a_phone_number_without_plus_needs_a_country() -> None:
    assert problems_of({"kind": "phone", "number": "916 123 45 67"}) == [
        ("number", ent.ERR_PHONE_NEEDS_COUNTRY)
    ]


def test_impossible_phone_numbers_are_refused() -> None:
    assert problems_of({"kind": "phone", "number": "+7 916"}) == [("number", ent.ERR_PHONE_INVALID)]
    assert problems_of({"kind": "phone", "number": "call me"}) == [
        ("number", ent.ERR_PHONE_NEEDS_COUNTRY)
    ]
    assert problems_of({"kind": "phone", "number": "12", "country": "DE"}) == [
        ("number", ent.ERR_PHONE_INVALID)
    ]


# --- e-mail --------------------------------------------------------------------------------


def test_an_email_keeps_the_local_part_case_and_keys_on_its_casefold() -> None:
    entity = entity_clean({"kind": "email", "address": " Ivan.Petrov@Example.ORG "})
    assert entity.data == {"address": "Ivan.Petrov@example.org"}
    assert entity.keys == ("email:ivan.petrov@example.org",)
    assert keys_of({"kind": "email", "address": "ivan.petrov@example.org"}) == entity.keys


def test_an_internationalised_domain_gives_one_key_in_either_form() -> None:
    unicode_form = keys_of({"kind": "email", "address": "ivan@Пример.рф"})
    ascii_form = keys_of({"kind": "email", "address": "ivan@xn--e1afmkfd.xn--p1ai"})
    assert unicode_form == ascii_form == ("email:ivan@xn--e1afmkfd.xn--p1ai",)


@pytest.mark.parametrize(
    "address", ["ivan.petrov@", "ivan.petrov", "ivan petrov@example.org", "a@b", "@example.org"]
)
def test_an_invalid_email_address_is_refused(address: str) -> None:
    assert problems_of({"kind": "email", "address": address}) == [("address", ent.ERR_EMAIL)]


# --- bank account --------------------------------------------------------------------------


def test_spellings_of_an_iban_give_one_key() -> None:
    spaced = entity_clean(
        {"kind": "bank-account", "iban": "de89 3704 0044 0532 0130 00", "bic": "deut de ff"}
    )
    assert spaced.keys == keys_of({"kind": "bank-account", "iban": "DE89370400440532013000"})
    assert spaced.keys == ("iban:DE89370400440532013000",)
    assert spaced.data == {"iban": "DE89370400440532013000", "bic": "DEUTDEFF"}
    assert spaced.label == "Bank account DE89 3704 0044 0532 0130 00"


@pytest.mark.parametrize(
    ("iban", "message"),
    [
        ("DE88370400440532013000", ent.ERR_IBAN_CHECKSUM),
        ("GB82WEST12345698765433", ent.ERR_IBAN_CHECKSUM),
        ("US64SVBKUS6S3300958879", ent.ERR_IBAN_COUNTRY),
        ("not an iban", ent.ERR_IBAN_FORMAT),
    ],
)
def test_a_bad_iban_is_refused(iban: str, message: str) -> None:
    assert problems_of({"kind": "bank-account", "iban": iban}) == [("iban", message)]


def test_a_bad_bic_is_refused_beside_a_good_iban() -> None:
    raw = {"kind": "bank-account", "iban": "GB82WEST12345698765432", "bic": "WEST1BXX"}
    assert problems_of(raw) == [("bic", ent.ERR_BIC)]


# --- crypto address ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("currency", "address", "key"),
    [
        (
            "BTC",
            "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa",
            "crypto:BTC:1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa",
        ),
        (
            "bitcoin",
            "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy",
            "crypto:BTC:3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy",
        ),
        (
            "BTC",
            "BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4",
            "crypto:BTC:bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4",
        ),
        (
            "usdt_trc20",
            "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t",
            "crypto:TRX:TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t",
        ),
        (
            "LTC",
            "LRNYxwQsHpm2A1VhawrJQti3nUkPN7vtq3",
            "crypto:LTC:LRNYxwQsHpm2A1VhawrJQti3nUkPN7vtq3",
        ),
        (
            "USDT-ERC20",
            "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed",
            "crypto:ETH:0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed",
        ),
    ],
)
def test_crypto_addresses_are_keyed_by_their_chain(currency: str, address: str, key: str) -> None:
    assert keys_of({"kind": "crypto-address", "currency": currency, "address": address}) == (key,)


def test_an_ethereum_address_is_stored_in_its_eip55_form() -> None:
    entity = entity_clean(
        {
            "kind": "crypto-address",
            "currency": "eth",
            "address": "0XFB6916095CA1DF60BB79CE92CE3EA74C37C5D359",
        }
    )
    assert entity.data == {
        "currency": "ETH",
        "address": "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
    }
    assert entity.label == "Crypto address ETH 0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359"


@pytest.mark.parametrize(
    ("currency", "address", "message"),
    [
        ("BTC", "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb", ent.ERR_CRYPTO_CHECKSUM),
        ("BTC", "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5", ent.ERR_CRYPTO_CHECKSUM),
        ("BTC", "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfN0", ent.ERR_CRYPTO_FORMAT),
        ("LTC", "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", ent.ERR_CRYPTO_FORMAT),
        ("ETH", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD", ent.ERR_CRYPTO_CHECKSUM),
        ("ETH", "0x5aaeb6053f3e94c9b9a09f33669435e7ef1bea", ent.ERR_CRYPTO_FORMAT),
        ("TRX", "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6u", ent.ERR_CRYPTO_CHECKSUM),
        ("XMR", "4" + "A" * 90, ent.ERR_CRYPTO_FORMAT),
    ],
)
def test_bad_crypto_addresses_are_refused_saying_format_or_checksum(
    currency: str, address: str, message: str
) -> None:
    raw = {"kind": "crypto-address", "currency": currency, "address": address}
    code = ent.currency_normalise(currency)
    assert problems_of(raw) == [("address", message.format(currency=code))]


def test_an_unknown_currency_is_refused_with_the_known_ones_named() -> None:
    raw = {
        "kind": "crypto-address",
        "currency": "DOGE",
        "address": "DH5yaieqoZN36fDVciNyRueRGvGLR3mr7L",
    }
    [(field, message)] = problems_of(raw)
    assert field == "currency"
    assert message == ent.ERR_CURRENCY.format(currencies=", ".join(ent.CURRENCY_CHAINS))


def test_a_monero_address_is_checked_by_pattern_only() -> None:
    address = "44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A"
    raw = {"kind": "crypto-address", "currency": "monero", "address": address}
    assert keys_of(raw) == (f"crypto:XMR:{address}",)


# BIP-173 and BIP-350 published test vectors (mainnet addresses).
BECH32_VALID = [
    ("BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4", 0, "751e76e8199196d454941c45d1b3a323f1433bd6"),
    (
        "bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kt5nd6y",
        1,
        "751e76e8199196d454941c45d1b3a323f1433bd6751e76e8199196d454941c45d1b3a323f1433bd6",
    ),
    ("BC1SW50QGDZ25J", 16, "751e"),
    ("bc1zw508d6qejxtdg4y5r3zarvaryvaxxpcs", 2, "751e76e8199196d454941c45d1b3a323"),
    (
        "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0",
        1,
        "79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798",
    ),
]
BECH32_INVALID = [
    # Bech32 checksum where witness version 1 needs Bech32m, and the reverse.
    ("bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqh2y7hd", "checksum"),
    ("BC1S0XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ54WELL", "checksum"),
    ("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kemeawh", "checksum"),
    ("bc1p38j9r5y49hruaue7wxjce0updqjuyyx0kh56v8s25huc6995vvpql3jow4", "format"),
    ("BC130XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ7ZWS8R", "format"),
    ("bc1pw5dgrnzv", "format"),
    (
        "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v8n0nx0muaewav253zgeav",
        "format",
    ),
    ("BC1QR508D6QEJXTDG4Y5R3ZARVARYV98GJ9P", "format"),
    ("bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v07qwwzcrf", "format"),
    ("bc1gmk9yu", "format"),
    ("bc1qW508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", "format"),
    ("tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx", "format"),
]


@pytest.mark.parametrize(("address", "version", "program"), BECH32_VALID)
def test_bech32_and_bech32m_addresses_of_the_bips_decode(
    address: str, version: int, program: str
) -> None:
    assert segwit_decode("bc", address) == (version, bytes.fromhex(program))
    assert crypto_address_normalise("BTC", address) == (address.lower(), address.lower())


@pytest.mark.parametrize(("address", "problem"), BECH32_INVALID)
def test_invalid_segwit_addresses_of_the_bips_are_refused(address: str, problem: str) -> None:
    with pytest.raises(AddressError) as caught:
        crypto_address_normalise("BTC", address)
    assert caught.value.problem == problem


@pytest.mark.parametrize(
    "address",
    [
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
        "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
        "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
        "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
    ],
)
def test_eip55_checksums_of_the_eip_examples_are_reproduced(address: str) -> None:
    assert eip55_checksummed(address[2:].lower()) == address
    assert crypto_address_normalise("ETH", address) == (address, address.lower())


def test_keccak256_of_nothing_is_the_known_digest() -> None:
    expected = "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"
    assert keccak256(b"").hex() == expected


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=420))
def test_the_keccak_sponge_with_sha3_padding_is_sha3_256(data: bytes) -> None:
    assert keccak_sponge_256(data, domain_padding=0x06) == hashlib.sha3_256(data).digest()


# --- location and document -----------------------------------------------------------------


def test_a_location_takes_numbers_or_decimal_strings_for_coordinates() -> None:
    entity = entity_clean(
        {
            "kind": "location",
            "name": "Port of Ust-Luga",
            "country": "RU",
            "latitude": "59,68",
            "longitude": 28.4,
        }
    )
    assert entity.data == {
        "name": "Port of Ust-Luga",
        "country": "RU",
        "latitude": 59.68,
        "longitude": 28.4,
    }
    assert (entity.keys, entity.names) == ((), ())
    assert entity.label == "Location Port of Ust-Luga (RU)"
    assert entity_clean({"kind": "location", "latitude": -90, "longitude": 180}).label == (
        "Location -90.0, 180.0"
    )


@pytest.mark.parametrize(
    ("coordinates", "problems"),
    [
        ({"latitude": 91, "longitude": 0}, [("latitude", ent.ERR_LATITUDE)]),
        ({"latitude": 0, "longitude": "-180.5"}, [("longitude", ent.ERR_LONGITUDE)]),
        ({"latitude": float("nan"), "longitude": 0}, [("latitude", ent.ERR_LATITUDE)]),
        ({"latitude": 10**400, "longitude": 0}, [("latitude", ent.ERR_LATITUDE)]),
        (
            {"latitude": "north", "longitude": True},
            [
                ("latitude", fld.ERR_NOT_NUMBER),
                ("longitude", fld.ERR_NOT_NUMBER),
            ],
        ),
        ({"latitude": 59.68}, [("longitude", ent.ERR_COORDINATE_PAIR)]),
        ({}, [("name", ent.ERR_LOCATION_NEEDS_PLACE)]),
    ],
)
def test_bad_coordinates_are_refused(
    coordinates: dict[str, Any], problems: list[tuple[str, str]]
) -> None:
    assert problems_of({"kind": "location", **coordinates}) == problems


def test_a_document_is_keyed_by_issuing_country_and_number() -> None:
    entity = entity_clean(
        {
            "kind": "document",
            "type": "ID card",
            "number": "ab-12 34.56",
            "country": "DEU",
            "expiry": "2031-05-31",
        }
    )
    assert entity.data == {
        "type": "id-card",
        "number": "AB123456",
        "country": "DE",
        "expiry": "2031-05-31",
    }
    assert entity.keys == ("doc:DE:AB123456",)
    assert entity.label == "Document id-card DE AB123456"


def test_a_document_reports_type_number_and_expiry_problems() -> None:
    assert problems_of({"kind": "document", "type": "library card", "expiry": "2031-02-30"}) == [
        ("number", fld.ERR_REQUIRED),
        ("type", ent.ERR_DOCUMENT_TYPE.format(types=", ".join(ent.DOCUMENT_TYPES))),
        ("expiry", fld.ERR_DATE),
    ]


# --- lists of entities ---------------------------------------------------------------------


def test_entities_clean_prefixes_each_entitys_problems_and_collects_them_all() -> None:
    with pytest.raises(EntityError) as caught:
        entities_clean(
            [
                {"kind": "phone", "number": "+79161234567"},
                {"kind": "vessel", "imo": "9074728"},
                "not an entity",
                {"kind": "person", "names": ["A"], "documents": [{"number": "#"}]},
            ]
        )
    assert [(p.field, p.message) for p in caught.value.problems] == [
        ("entities.1.imo", ent.ERR_IMO_CHECKSUM),
        ("entities.2", ent.ERR_ENTITY_NOT_OBJECT),
        ("entities.3.documents.0.number", ent.ERR_DOCUMENT_NUMBER),
    ]
    assert "entities.1.imo: " in str(caught.value)


def test_entities_clean_returns_clean_entities_in_order() -> None:
    cleaned = entities_clean(
        [{"kind": "phone", "number": "+79161234567"}, {"kind": "vessel", "imo": "9074729"}]
    )
    assert [e.keys for e in cleaned] == [("phone:+79161234567",), ("imo:9074729",)]
    assert entities_clean([]) == []


def test_entities_clean_refuses_a_non_list_and_too_many() -> None:
    with pytest.raises(EntityError) as caught:
        entities_clean({"kind": "phone"})
    assert [(p.field, p.message) for p in caught.value.problems] == [
        ("entities", ent.ERR_ENTITIES_NOT_LIST)
    ]
    with pytest.raises(EntityError) as caught:
        entities_clean([{"kind": "phone", "number": "+79161234567"}] * 3, limit=2)
    assert [(p.field, p.message) for p in caught.value.problems] == [
        ("entities", ent.ERR_ENTITIES_TOO_MANY.format(limit=2))
    ]


# --- properties ----------------------------------------------------------------------------

VALID_EXAMPLES: list[dict[str, Any]] = [
    {
        "kind": "person",
        "names": ["Ivan Petrov"],
        "birth_date": "1980-01-02",
        "documents": [{"type": "passport", "number": "751234567", "country": "RU"}],
    },
    {
        "kind": "organisation",
        "name": "Romashka LLC",
        "country": "RU",
        "registration_number": "77-01",
    },
    {"kind": "vessel", "imo": "IMO 9074729", "name": "NORDIC STAR", "flag": "NOR"},
    {"kind": "vehicle", "plate": "а123вс77", "country": "RU", "vin": "1M8GDM9AXKP042788"},
    {"kind": "aircraft", "registration": "RA-12345", "icao24": "4b1812"},
    {"kind": "phone", "number": "8 916 123 45 67", "country": "RU"},
    {"kind": "email", "address": "Ivan.Petrov@Example.ORG"},
    {"kind": "bank-account", "iban": "de89 3704 0044 0532 0130 00", "bic": "DEUTDEFF"},
    {
        "kind": "crypto-address",
        "currency": "eth",
        "address": "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed",
    },
    {"kind": "location", "name": "Narva", "latitude": "59.37", "longitude": "28.19"},
    {"kind": "document", "type": "visa", "number": "x 123", "expiry": "2030-01-01"},
]


@pytest.mark.parametrize("raw", VALID_EXAMPLES, ids=lambda raw: raw["kind"])
def test_cleaning_clean_data_again_changes_nothing(raw: dict[str, Any]) -> None:
    entity = entity_clean(raw)
    assert entity_clean({"kind": entity.kind, **entity.data}) == entity
    assert json.loads(json.dumps(entity.data, allow_nan=False)) == entity.data


_json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(st.characters(exclude_categories=()), max_size=30)  # lone surrogates too
    | st.sampled_from(
        [
            "9074729",
            "RU",
            "RUS",
            "+79161234567",
            "2000-01-01",
            "DE89370400440532013000",
            "BTC",
            "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa",
            "passport",
            "а123вс77",
            "55.7",
            "M",
            " ",
        ]
    ),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)


def _entity_strategy(kind: str) -> st.SearchStrategy[dict[str, Any]]:
    fields = ENTITY_FIELDS.get(kind, ("name", "number"))
    optional: dict[str, st.SearchStrategy[Any]] = {field: _json_values for field in fields}
    if kind == "person":
        document = st.fixed_dictionaries(
            {}, optional={f: _json_values for f in ent.DOCUMENT_FIELDS}
        )
        optional["names"] = st.lists(_json_values, max_size=6)
        optional["documents"] = st.lists(document | _json_values, max_size=3)
    return st.fixed_dictionaries({"kind": st.just(kind)}, optional=optional)


_entities = st.sampled_from([*EntityKind.values, "Person", "spaceship"]).flatmap(_entity_strategy)


@settings(max_examples=400, deadline=None)
@given(st.one_of(_entities, _json_values))
def test_entity_clean_raises_nothing_but_entity_error(raw: Any) -> None:
    try:
        entity = entity_clean(raw)
    except EntityError as error:
        problems = error.problems
        assert problems
        assert all(isinstance(p.field, str) and p.message for p in problems)
        return
    assert isinstance(entity, CleanEntity)
    assert entity.kind in EntityKind.values
    assert json.loads(json.dumps(entity.data, allow_nan=False)) == entity.data
    assert set(entity.data) <= set(ENTITY_FIELDS[entity.kind])
    assert all(":" in key for key in entity.keys)
