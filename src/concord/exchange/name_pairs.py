"""Labelled pairs of person names: the measure of the name matcher.

``labelled_pairs(seed, size)`` builds persons from real-world names in their native
script (``name_lists``: Russian, Ukrainian, Belarusian and Kazakh names in Cyrillic,
Arabic names in Arabic script, European names with their diacritics) and writes each
name the way records carry it:

* Cyrillic: ICAO Doc 9303 Part 3 (the table of section 6 with its language notes),
  BGN/PCGN (Russian 1947, Belarusian 1979), ISO 9:1995 (= GOST 7.79-2000 system A),
  French usage, German usage (Duden), English popular usage (BGN without its marks),
  Ukraine's national system (Cabinet resolution 55 of 2010), Polish usage, Kazakh Latin
  alphabet (2021).
* Arabic: Arabic script, the ICAO Doc 9303 MRZ code (section 6, Arabic table), BGN/PCGN
  1956 (with its marks), French (Maghreb) usage, German usage, English popular usage
  and its Egyptian variant (g for ج), the popular ones with the free variation of real
  records (Mohammed/Muhammad, Ahmed/Ahmad, Al-/El-/al, Abdul/Abdel/Abd al-).
* European names: as written, the ICAO Doc 9303 Latin table (Ä → AE, Ø → OE ...), and
  plain ASCII.

The schemes are implemented in ``name_schemes``, from the published tables, and
nothing is imported from ``concord.exchange.names`` or its tables (``name_scripts``): measuring the matcher with its own transliteration
would be circular and would hide every disagreement between the two.

Positives (same person) are the name in two scripts or schemes, optionally with one
typing error (substitution, insertion, deletion or transposition of adjacent letters),
the words in another order, or the patronymic / middle name left out. Negatives are
near neighbours in the same variety of scripts and schemes: same surname with another
given name (siblings: same patronymic too; half the time the most similar given name),
same given name with another surname or a similar one (the most similar surnames of
the list, e.g. Petrov/Petrovsky, Kowalski/Kowalewski), the same name with a different
date of birth, and random pairs. Dates of birth are on both sides, one side or none.

``category`` is ``"<kind>/<origin>"``: kinds script, scheme, typo, order, dropped,
diacritics (positives) and neg-given, neg-surname, neg-similar, neg-birth, neg-random;
origins ru, uk, be, kk, ar, eu. The same seed always gives the same pairs.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

from rapidfuzz import fuzz

from concord.exchange import name_lists as lists
from concord.exchange import name_schemes as schemes

DEFAULT_SIZE = 4000


@dataclass(frozen=True)
class LabelledPair:
    """Two names (with dates of birth, or None) and whether they are the same person."""

    a: str
    b: str
    same: bool
    category: str
    birth_a: date | None
    birth_b: date | None


@dataclass(frozen=True)
class _Part:
    native: str  # as written in the person's own script
    notation: str = ""  # Arabic names: the vocalised notation of name_lists


@dataclass(frozen=True)
class _Person:
    origin: str  # ru uk be kk ar eu
    language: str  # eu: pl cs tr de fr sh; else as origin
    gender: str  # m f
    given: _Part
    middle: _Part | None  # patronymic, father's name, second given name
    surname: _Part


# ------------------------------------------------------------------ the persons

SCHEMES = {
    "ru": ("icao", "bgn", "iso9", "french", "german", "english"),
    "uk": ("icao", "national", "iso9", "french", "german", "english", "polish"),
    "be": ("icao", "bgn", "iso9", "german", "english", "polish"),
    "kk": ("icao", "kazakh2021", "iso9", "english", "german"),
    "ar": ("mrz", "bgn", "french", "german", "english", "egyptian"),
    "eu": ("icao", "ascii"),
}
ORIGIN_WEIGHTS = {"ru": 0.24, "uk": 0.15, "be": 0.08, "kk": 0.08, "ar": 0.30, "eu": 0.15}


def _words(text: str) -> list[str]:
    return text.split()


@cache
def _male(origin: str) -> tuple[tuple[str, str, str], ...]:
    source = {"ru": lists.RU_MALE, "uk": lists.UK_MALE, "be": lists.BE_MALE}.get(origin)
    if source is not None:
        return tuple(tuple(w.split(":")) for w in _words(source))  # type: ignore[misc]
    names = _words(lists.KK_MALE)
    return tuple((n, n + "ұлы", n + "қызы") for n in names)


@cache
def _female(origin: str) -> tuple[str, ...]:
    return tuple(_words({"ru": lists.RU_FEMALE, "uk": lists.UK_FEMALE, "be": lists.BE_FEMALE,
                         "kk": lists.KK_FEMALE}[origin]))  # fmt: skip


@cache
def _surnames(origin: str) -> tuple[str, ...]:
    return tuple(_words({"ru": lists.RU_SURNAMES, "uk": lists.UK_SURNAMES,
                         "be": lists.BE_SURNAMES, "kk": lists.KK_SURNAMES}[origin]))  # fmt: skip


@cache
def _arabic(kind: str) -> tuple[_Part, ...]:
    source = {"m": lists.AR_MALE, "f": lists.AR_FEMALE, "s": lists.AR_SURNAMES}[kind]
    parts = []
    for entry in _words(source):
        script, notation = entry.split("=")
        parts.append(_Part(script.replace("_", " "), notation))
    return tuple(parts)


def _feminine(surname: str, origin: str) -> str:
    """The female form of a Slavic or Kazakh surname."""
    rules = [("ский", "ская"), ("цкий", "цкая"), ("ой", "ая"), ("ський", "ська"),
             ("цький", "цька"), ("скі", "ская"), ("цкі", "цкая"), ("оў", "ова"),
             ("аў", "ава"), ("ёў", "ёва"), ("еў", "ева")]  # fmt: skip
    for male, female in rules:
        if surname.endswith(male):
            return surname[: -len(male)] + female
    if re.search("(ов|ев|ёв|ин|ын|ін)$", surname):
        return surname + "а"
    return surname


def _key(part: _Part, origin: str) -> str:
    """A Latin form of a name to find similar names by (the generator's own ICAO)."""
    if origin == "ar":
        return re.sub(r"[^a-z]", "", part.notation.lower())
    if origin == "eu":
        return schemes.latin_strip(part.native, schemes.PLAIN_LATIN).lower()
    return schemes.cyrillic_word(part.native, "icao", origin, random.Random(0))


def _similar(options: list[_Part], part: _Part, origin: str, rng: random.Random) -> _Part:
    """One of the three names of ``options`` most like ``part`` (never ``part``)."""
    key = _key(part, origin)
    ranked = sorted(
        (o for o in options if o.native != part.native),
        key=lambda o: (-fuzz.ratio(key, _key(o, origin)), o.native),
    )
    return rng.choice(ranked[:3])


def _given_options(origin: str, language: str, gender: str) -> list[_Part]:
    if origin == "ar":
        return list(_arabic(gender))
    if origin == "eu":
        return [_Part(n) for n in lists.EU_NAMES[language][0 if gender == "m" else 1].split()]
    if gender == "m":
        return [_Part(n) for n, _, _ in _male(origin)]
    return [_Part(n) for n in _female(origin)]


def _surname_options(origin: str, language: str, gender: str) -> list[_Part]:
    if origin == "ar":
        return list(_arabic("s"))
    if origin == "eu":
        return [_Part(n.replace("_", " ")) for n in lists.EU_NAMES[language][2].split()]
    forms = _surnames(origin)
    return [_Part(_feminine(s, origin) if gender == "f" else s) for s in forms]


def _middle(origin: str, language: str, gender: str, rng: random.Random) -> _Part | None:
    """A patronymic (Slavic, Kazakh), father's name (Arabic) or second given name."""
    if origin in {"ru", "uk", "be"}:
        if rng.random() < 0.15:
            return None
        _, male, female = rng.choice(_male(origin))
        return _Part(male if gender == "m" else female)
    if origin == "kk":
        if rng.random() < 0.4:
            return None
        father = rng.choice(_male("kk"))[0]
        return _Part(father + ("ұлы" if gender == "m" else "қызы"))
    if origin == "ar":
        return rng.choice(_arabic("m")) if rng.random() < 0.6 else None
    if rng.random() < 0.25:
        return rng.choice(_given_options(origin, language, gender))
    return None


def _person(rng: random.Random, origin: str) -> _Person:
    language = rng.choice(sorted(lists.EU_NAMES)) if origin == "eu" else origin
    gender = "m" if rng.random() < 0.6 else "f"
    given = rng.choice(_given_options(origin, language, gender))
    surname = rng.choice(_surname_options(origin, language, gender))
    middle = _middle(origin, language, gender, rng)
    if middle is not None and middle.native == given.native:
        middle = None
    return _Person(origin, language, gender, given, middle, surname)


# ---------------------------------------------------------------- writing a name


def _render_part(part: _Part, person: _Person, scheme: str, rng: random.Random, upper: bool) -> str:
    origin = person.origin
    if scheme == "native":
        return part.native
    if origin == "ar":
        if scheme == "mrz":
            return " ".join(schemes.icao_arabic(w) for w in part.native.split())
        return schemes.arabic_name_part(part.notation, scheme, rng)
    if origin == "eu":
        table = schemes.ICAO_LATIN if scheme == "icao" else schemes.PLAIN_LATIN
        return schemes.latin_strip(part.native, table)
    words = re.split(r"([-\s])", part.native)
    out = "".join(
        w
        if w in {"-", " "}
        else schemes.cap(schemes.cyrillic_word(w, scheme, person.language, rng))
        for w in words
    )
    return out.upper() if upper else out


def _render(
    person: _Person,
    scheme: str,
    rng: random.Random,
    *,
    order: str = "given-first",
    drop_middle: bool = False,
) -> str:
    """The person's name written in ``scheme`` ("native" is the person's own script)."""
    upper = scheme in {"icao", "mrz"} and rng.random() < 0.6
    given = _render_part(person.given, person, scheme, rng, upper)
    surname = _render_part(person.surname, person, scheme, rng, upper)
    parts = [given]
    if person.middle is not None and not drop_middle:
        middle = _render_part(person.middle, person, scheme, rng, upper)
        if person.origin == "ar" and rng.random() < 0.15:
            connector = {"native": "بن", "mrz": "BN", "french": "ben"}.get(scheme, "bin")
            middle = f"{connector} {middle}"
        parts.append(middle)
    if order == "surname-first":
        parts = [surname, *parts]
    elif order == "surname-comma":
        parts = [surname + ",", *parts]
    elif order == "shuffled":
        parts = [*parts, surname]
        rng.shuffle(parts)
    else:
        parts.append(surname)
    text = " ".join(parts)
    if upper or scheme == "mrz":
        text = text.upper()
    return text


_ALPHABETS = {
    "cyrillic": "абвгдеёжзийклмнопрстуфхцчшщыьэюя",
    "arabic": "ابتثجحخدذرزسشصضطظعغفقكلمنهوي",
    "latin": "abcdefghijklmnopqrstuvwxyz",
}


def _alphabet(ch: str) -> str:
    if "\u0400" <= ch <= "\u04ff":
        return _ALPHABETS["cyrillic"]
    if "\u0600" <= ch <= "\u06ff":
        return _ALPHABETS["arabic"]
    return _ALPHABETS["latin"]


def _typo(text: str, rng: random.Random) -> str:
    """One typing error: substitution, insertion, deletion or transposition."""
    positions = [i for i, ch in enumerate(text) if ch.isalpha()]
    for _ in range(20):
        i = rng.choice(positions)
        op = rng.choice(["sub", "ins", "del", "swap"])
        letters = _alphabet(text[i])
        new = rng.choice(letters)
        if text[i].isupper():
            new = new.upper()
        if op == "sub":
            out = text[:i] + new + text[i + 1 :]
        elif op == "ins":
            out = text[:i] + new + text[i:]
        elif op == "del":
            out = text[:i] + text[i + 1 :]
        else:
            if i + 1 >= len(text) or not text[i + 1].isalpha():
                continue
            out = text[:i] + text[i + 1] + text[i] + text[i + 2 :]
        if out != text and out.split() and len(out.split()) == len(text.split()):
            return out
    return text


# ---------------------------------------------------------------- building pairs

_POSITIVE_KINDS = {
    "ru": ("script", "scheme", "typo", "order", "dropped"),
    "uk": ("script", "scheme", "typo", "order", "dropped"),
    "be": ("script", "scheme", "typo", "order", "dropped"),
    "kk": ("script", "scheme", "typo", "order", "dropped"),
    "ar": ("script", "scheme", "typo", "order", "dropped"),
    "eu": ("diacritics", "typo", "order", "dropped"),
}
_NEGATIVE_KINDS = ("neg-given", "neg-surname", "neg-similar", "neg-birth", "neg-random")
_NEGATIVE_WEIGHTS = (0.25, 0.2, 0.25, 0.15, 0.15)


def _birth(rng: random.Random) -> date:
    return date(1950, 1, 1) + timedelta(days=rng.randrange(365 * 56))


def _two_writings(person: _Person, rng: random.Random) -> tuple[str, str]:
    """The scheme pair for a positive: native script and a scheme, or two schemes."""
    schemes = SCHEMES[person.origin]
    if person.origin == "eu":
        first, second = rng.sample(("native", *schemes), 2)
        return first, second
    if rng.random() < 0.5:
        return "native", rng.choice(schemes)
    first, second = rng.sample(schemes, 2)
    return first, second


def _positive(rng: random.Random, origin: str) -> LabelledPair:
    kind = rng.choice(_POSITIVE_KINDS[origin])
    person = _person(rng, origin)
    while kind == "dropped" and person.middle is None:
        person = _person(rng, origin)
    if kind == "script":
        first, second = "native", rng.choice(SCHEMES[origin])
    elif kind == "scheme":
        first, second = rng.sample(SCHEMES[origin], 2)
    else:
        first, second = _two_writings(person, rng)
    a = _render(person, first, rng)
    order = "given-first"
    if kind == "order":
        order = rng.choice(["surname-first", "surname-comma", "shuffled"])
    b = _render(person, second, rng, order=order, drop_middle=kind == "dropped")
    if kind == "typo":
        if rng.random() < 0.5:
            a = _typo(a, rng)
        else:
            b = _typo(b, rng)
    if rng.random() < 0.5:
        a, b = b, a
    roll = rng.random()
    born = _birth(rng)
    births: tuple[date | None, date | None]
    if roll < 0.4:
        births = (born, born)
    elif roll < 0.7:
        births = (born, None) if rng.random() < 0.5 else (None, born)
    else:
        births = (None, None)
    return LabelledPair(a, b, True, f"{kind}/{origin}", *births)


def _negative(rng: random.Random, origin: str) -> LabelledPair:
    kind = rng.choices(_NEGATIVE_KINDS, _NEGATIVE_WEIGHTS)[0]
    person = _person(rng, origin)
    other = person
    if kind == "neg-given":
        options = _given_options(origin, person.language, person.gender)
        if rng.random() < 0.5:
            given = _similar(options, person.given, origin, rng)
        else:
            given = rng.choice([o for o in options if o.native != person.given.native])
        other = _Person(origin, person.language, person.gender, given, person.middle,
                        person.surname)  # fmt: skip
    elif kind in {"neg-surname", "neg-similar"}:
        options = _surname_options(origin, person.language, person.gender)
        if kind == "neg-similar":
            surname = _similar(options, person.surname, origin, rng)
        else:
            surname = rng.choice([o for o in options if o.native != person.surname.native])
        other = _Person(origin, person.language, person.gender, person.given, person.middle,
                        surname)  # fmt: skip
    elif kind == "neg-random":
        other = _person(rng, rng.choices(list(ORIGIN_WEIGHTS), list(ORIGIN_WEIGHTS.values()))[0])
        while other.given.native == person.given.native:
            other = _person(rng, other.origin)
    first, second = _two_writings(person, rng)
    if kind == "neg-random" and other.origin != person.origin:
        second = rng.choice(("native", *SCHEMES[other.origin]))
    a = _render(person, first, rng)
    b = _render(other, second, rng, drop_middle=rng.random() < 0.2)
    born = _birth(rng)
    births: tuple[date | None, date | None]
    if kind == "neg-birth":
        other_born = _birth(rng)
        while other_born == born:
            other_born = _birth(rng)
        births = (born, other_born)
    else:
        roll = rng.random()
        if roll < 0.1:
            births = (born, born)  # twins, or the same date by chance
        elif roll < 0.25:
            births = (born, _birth(rng))
        elif roll < 0.6:
            births = (born, None) if rng.random() < 0.5 else (None, born)
        else:
            births = (None, None)
    if rng.random() < 0.5:
        a, b = b, a
        births = (births[1], births[0])
    return LabelledPair(a, b, False, f"{kind}/{origin}", *births)


def labelled_pairs(seed: int = 2026, size: int = DEFAULT_SIZE) -> list[LabelledPair]:
    """``size`` labelled name pairs, half positives, half negatives, the same for a seed."""
    rng = random.Random(seed)
    origins = list(ORIGIN_WEIGHTS)
    weights = list(ORIGIN_WEIGHTS.values())
    pairs = []
    for i in range(size):
        origin = rng.choices(origins, weights)[0]
        pairs.append(_positive(rng, origin) if i % 2 == 0 else _negative(rng, origin))
    return pairs
