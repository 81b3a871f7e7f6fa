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

The schemes are implemented here, from the published tables, and nothing is imported
from ``concord.exchange.names``: measuring the matcher with its own transliteration
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
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

from rapidfuzz import fuzz

from concord.exchange import name_lists as lists

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


# ---------------------------------------------------------------- Cyrillic schemes

_CYR_VOWELS = frozenset("аеёиоуыэюяіїєәөұүы")
_SOFT_OR_HARD = frozenset("ьъ'’")

# ICAO Doc 9303 Part 3, section 6, Cyrillic table.
_ICAO = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюяґєіїў",
        "a b v g d e e zh z i i k l m n o p r s t u f kh ts ch sh shch ie y - e iu ia "
        "g ie i i u".split(),
        strict=True,
    )
)
# ISO 9:1995 (GOST 7.79-2000 system A), one Latin letter per Cyrillic letter.
_ISO9 = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюяґєіїўәғқңөұүһ",
        "a b v g d e ë ž z i j k l m n o p r s t u f h c č š ŝ ʺ y ʹ è û â g̀ ê ì ï ŭ "
        "a̋ ġ ķ ṇ ô ù u̇ ḥ".split(),
        strict=True,
    )
)
# BGN/PCGN Russian (1947): the base the English usage simplifies.
_BGN = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
        "a b v g d e ë zh z i y k l m n o p r s t u f kh ts ch sh shch ″ y ′ e yu ya".split(),
        strict=True,
    )
)
_FRENCH = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
        "a b v g d e io j z i ï k l m n o p r s t ou f kh ts tch ch chtch - y - e iou ia".split(),
        strict=True,
    )
)
_GERMAN = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
        "a b w g d e jo sch s i i k l m n o p r s t u f ch z tsch sch schtsch - y - e ju ja".split(),
        strict=True,
    )
)
# Ukraine, Cabinet of Ministers resolution 55 (2010); word-initial forms in _UA_INITIAL.
_UA2010 = dict(
    zip(
        "абвгґдеєжзиіїйклмнопрстуфхцчшщьюя",
        "a b v h g d e ie zh z y i i i k l m n o p r s t u f kh ts ch sh shch - iu ia".split(),
        strict=True,
    )
)
_UA_INITIAL = {"є": "ye", "ї": "yi", "й": "y", "ю": "yu", "я": "ya"}
_POLISH = dict(
    zip(
        "абвгґдеєжзиіїйклмнопрстуўфхцчшщьюяыэё",
        "a b w h g d e je ż z y i ji j k l m n o p r s t u u f ch c cz sz szcz - ju ja y e jo".split(),
        strict=True,
    )
)
# Kazakh Latin alphabet (2021).
_KAZAKH2021 = dict(
    zip(
        "аәбвгғдеёжзийкқлмнңоөпрстуұүфхһцчшщъыіьэюя",
        "a ä b v g ğ d e io j z i i k q l m n ñ o ö p r s t u ū ü f h h ts ch ş şş - y ı - e iu ia".split(),
        strict=True,
    )
)
# Kazakh letters as Kazakh passports print them beside the ICAO table.
_KAZAKH_PASSPORT = dict(zip("әғқңөұүһ", "a g k n o u u h".split(), strict=True))
_ENGLISH_KAZAKH = {"ә": "a", "ғ": "gh", "қ": "q", "ң": "ng", "ө": "o", "ұ": "u", "ү": "u", "һ": "h"}


def _letter(table: dict[str, str], ch: str) -> str:
    out = table.get(ch, ch)
    return "" if out == "-" else out


def _cyrillic_word(word: str, scheme: str, language: str, rng: random.Random) -> str:
    """One Cyrillic word in one scheme (lower case; the caller sets the case)."""
    w = word.lower().replace("’", "'")
    out: list[str] = []
    tail = ""
    if scheme in {"french", "german", "english"}:
        endings = {"ий": {"french": "i", "german": "i", "english": rng.choice(["y", "i", "iy"])}}
        endings["ый"] = {"french": "y", "german": "y", "english": "y"}
        for suffix, forms in endings.items():
            if w.endswith(suffix) and len(w) > 3 and language == "ru":
                w, tail = w[: -len(suffix)], forms[scheme]
    for i, ch in enumerate(w):
        # "#" stands for the word's edge, so that `in "..."` tests stay false there.
        prev = w[i - 1] if i else "#"
        nxt = w[i + 1] if i + 1 < len(w) else "#"
        start = i == 0
        iotated = start or prev in _CYR_VOWELS or prev in _SOFT_OR_HARD
        if ch == "'":
            continue
        if scheme == "icao":
            table = _ICAO
            if language == "uk" and ch == "и":
                out.append("y")
            elif language == "be" and ch == "г":
                out.append("h")
            elif language == "be" and ch == "ё":
                out.append("io")
            elif language == "kk" and ch in _KAZAKH_PASSPORT:
                out.append(_KAZAKH_PASSPORT[ch])
            else:
                out.append(_letter(table, ch))
        elif scheme == "iso9":
            out.append(_letter(_ISO9, ch))
        elif scheme in {"bgn", "english"}:
            plain = scheme == "english"
            if language in {"uk", "be"} and ch in "гиіїєґў":
                ukr = {"г": "h", "и": "y", "і": "i", "ї": "yi", "є": "ye", "ґ": "g", "ў": "w"}
                out.append("u" if plain and ch == "ў" and rng.random() < 0.5 else ukr[ch])
            elif language == "kk" and ch in _ENGLISH_KAZAKH:
                out.append(_ENGLISH_KAZAKH[ch])
            elif ch == "е" and iotated and not (plain and start and rng.random() < 0.5):
                out.append("ye")
            elif ch == "ё":
                if plain:
                    out.append(rng.choice(["yo", "e"]) if iotated or prev in "жчшщ" else "yo")
                else:
                    out.append("yë" if iotated else "ë")
            elif plain and ch in "ъь":
                continue
            elif plain and ch == "к" and nxt == "с" and rng.random() < 0.3:
                out.append("x")
            elif plain and ch == "с" and prev == "к" and out and out[-1] == "x":
                continue
            else:
                out.append(_letter(_BGN, ch))
        elif scheme == "french":
            if language in {"uk", "be"} and ch in "гиіїєґў":
                out.append({"г": "h", "и": "y", "і": "i", "ї": "ï", "є": "ie", "ґ": "g", "ў": "ou"}[ch])
            elif ch == "г" and nxt in "еиыэ":
                out.append("gu")
            elif ch == "е" and (prev in _CYR_VOWELS or prev in _SOFT_OR_HARD):
                out.append("ie")
            elif ch == "ё":
                out.append("e" if prev in "жчшщ" else "io")
            elif ch in "ий" and prev in _CYR_VOWELS:
                out.append("ï")
            elif ch == "с" and prev in _CYR_VOWELS and nxt in _CYR_VOWELS:
                out.append("ss")
            elif ch == "ь" and nxt in "еёиюя":
                out.append("")
            else:
                out.append(_letter(_FRENCH, ch))
        elif scheme == "german":
            if language in {"uk", "be"} and ch in "гиіїєґў":
                out.append({"г": "h", "и": "y", "і": "i", "ї": "ji", "є": "je", "ґ": "g", "ў": "w"}[ch])
            elif ch == "е" and iotated:
                out.append("je")
            elif ch == "ё":
                out.append("o" if prev in "жчшщ" else "jo")
            elif ch == "й" and nxt == "#" and prev in "еи":
                out.append("j")
            elif ch == "с" and prev in _CYR_VOWELS and nxt in _CYR_VOWELS:
                out.append("ss")
            elif ch == "к" and nxt == "с":
                out.append("x")
            elif ch == "с" and prev == "к":
                continue
            elif ch == "ь" and nxt in "ио":
                out.append("j")
            else:
                out.append(_letter(_GERMAN, ch))
        elif scheme == "national":
            if start and ch in _UA_INITIAL:
                out.append(_UA_INITIAL[ch])
            elif ch == "г" and prev == "з":
                out.append("gh")
            else:
                out.append(_letter(_UA2010, ch))
        elif scheme == "polish":
            if ch == "г" and language == "ru":
                out.append("g")
            elif ch == "л":
                out.append("l" if nxt in "еиіьяюєїё" else "ł")
            elif ch in "юяё" and prev != "#" and prev not in _CYR_VOWELS | _SOFT_OR_HARD:
                out.append({"ю": "iu", "я": "ia", "ё": "io"}[ch])
            elif ch == "е" and iotated and language in {"ru", "be"}:
                out.append("je")
            else:
                out.append(_letter(_POLISH, ch))
        elif scheme == "kazakh2021":
            out.append(_letter(_KAZAKH2021, ch))
        else:
            raise ValueError(scheme)
    return "".join(out) + tail


# ------------------------------------------------------------------ Arabic schemes

_AR_PHONEME = re.compile(r"aa|ii|uu|th|kh|dh|sh|gh|.")
_SUN = frozenset({"t", "th", "d", "dh", "r", "z", "s", "sh", "S", "D", "T", "Z", "l", "n"})
_AR_VOWELS = frozenset({"a", "i", "u", "aa", "ii", "uu"})
_AR_TABLES = {
    "bgn": {"H": "ḩ", "S": "ş", "D": "ḑ", "T": "ţ", "Z": "z̧", "c": "ʻ", "'": "ʼ", "aa": "ā",
            "ii": "ī", "uu": "ū", "@": "ah"},
    "french": {"j": "dj", "H": "h", "sh": "ch", "S": "s", "D": "d", "T": "t", "Z": "z",
               "c": "", "q": "k", "'": "", "aa": "a", "ii": "i", "uu": "ou", "u": "ou",
               "@": "a"},
    "german": {"j": "dsch", "H": "h", "kh": "ch", "sh": "sch", "S": "s", "D": "d", "T": "t",
               "Z": "z", "c": "", "q": "k", "y": "j", "'": "", "aa": "a", "ii": "i", "uu": "u",
               "@": "a"},
    "english": {"H": "h", "S": "s", "D": "d", "T": "t", "Z": "z", "c": "", "'": "",
                "aa": "a", "ii": "i", "uu": "u", "@": "a"},
}  # fmt: skip
# ICAO Doc 9303 Part 3, section 6, Arabic table (machine-readable zone code).
_ICAO_ARABIC = {
    "ء": "XE", "آ": "XAA", "أ": "XAE", "ؤ": "XW", "إ": "I", "ئ": "XI", "ا": "A", "ب": "B",
    "ت": "T", "ث": "XTH", "ج": "J", "ح": "XH", "خ": "XKH", "د": "D", "ذ": "XDH", "ر": "R",
    "ز": "Z", "س": "S", "ش": "XSH", "ص": "XSS", "ض": "XDZ", "ط": "XTT", "ظ": "XZZ",
    "ع": "E", "غ": "G", "ف": "F", "ق": "Q", "ك": "K", "ل": "L", "م": "M", "ن": "N", "ه": "H",
    "و": "W", "ى": "XAY", "ي": "Y",
}  # fmt: skip


def _icao_arabic(word: str) -> str:
    out = []
    for i, ch in enumerate(word):
        if ch == "ة":
            out.append("XAH" if i == len(word) - 1 else "XTA")
        else:
            out.append(_ICAO_ARABIC.get(ch, ""))
    return "".join(out)


def _arabic_word(notation: str, scheme: str, rng: random.Random, *, first: bool) -> str:
    """One Arabic word (no article) in one Latin scheme, with that scheme's variation."""
    table = _AR_TABLES["english" if scheme == "egyptian" else scheme]
    ph = _AR_PHONEME.findall(notation)
    out: list[str] = []
    # Records write the short a or i of a word's last, closed syllable as e (Ahmed,
    # Mohammed, Khaled); other short vowels keep their letter.
    vowels = [k for k, p in enumerate(ph) if p in _AR_VOWELS]
    last = vowels[-1] if len(vowels) > 1 else -1
    closed_vowels = (
        {last}
        if last >= 0 and ph[last] in {"a", "i"} and last + 1 < len(ph) and ph[last + 1] not in _AR_VOWELS
        else set()
    )
    drop_double = scheme in {"english", "egyptian", "german"} and rng.random() < 0.3
    for k, p in enumerate(ph):
        prev = ph[k - 1] if k else ""
        nxt = ph[k + 1] if k + 1 < len(ph) else ""
        if p == prev and p not in _AR_VOWELS and drop_double:
            continue
        if p in {"c", "'"} and k == 0:
            continue
        if scheme in {"english", "egyptian"}:
            if p == "j" and scheme == "egyptian":
                out.append("g")
            elif p == "u" and k <= 1 and rng.random() < 0.5:
                out.append("o")
            elif p == "a" and k in closed_vowels and rng.random() < 0.4:
                out.append("e")
            elif p == "i" and k in closed_vowels and rng.random() < 0.3:
                out.append("e")
            elif p == "ii" and rng.random() < 0.3:
                out.append("ee")
            elif p == "uu" and rng.random() < 0.35:
                out.append(rng.choice(["oo", "ou"]))
            elif p == "q" and rng.random() < 0.3:
                out.append("k")
            elif p == "y" and prev == "a" and nxt not in _AR_VOWELS and rng.random() < 0.5:
                out.append("i")
            elif p == "@" and rng.random() < 0.3:
                out.append("ah")
            else:
                out.append(table.get(p, p))
        elif scheme == "french":
            if p == "u" and rng.random() < 0.3:
                out.append("o")
            elif p == "a" and k in closed_vowels and rng.random() < 0.4:
                out.append("e")
            elif p == "w" and k == 0 and nxt in _AR_VOWELS:
                out.append("ou")
            elif p == "s" and prev in _AR_VOWELS and nxt in _AR_VOWELS:
                out.append("ss")
            elif p == "y" and prev == "a" and nxt not in _AR_VOWELS:
                out.append("ï" if rng.random() < 0.3 else "i")
            else:
                out.append(table.get(p, p))
        elif scheme == "german":
            if p == "u" and k <= 1 and rng.random() < 0.3:
                out.append("o")
            elif p == "y" and prev == "a" and nxt not in _AR_VOWELS:
                out.append("i")
            elif p == "w" and prev == "a" and nxt not in _AR_VOWELS:
                out.append("u")
            else:
                out.append(table.get(p, p))
        else:
            out.append(table.get(p, p))
    text = "".join(out)
    if scheme == "french" and text.endswith("an") and rng.random() < 0.4:
        text += "e"  # Slimane, Othmane, Abderrahmane
    if scheme == "bgn" and text.endswith("ā") and notation.endswith("aa") and first is False:
        text = text[:-1] + "á"  # final alif maqsura
    return text


def _arabic_article(scheme: str, sun: str, rng: random.Random) -> str:
    """The article before a word whose first sound is ``sun``, with its separator."""
    assimilate = sun in _SUN
    if scheme == "bgn":
        return f"a{_AR_TABLES['bgn'].get(sun, sun)}-" if assimilate else "al-"
    if scheme == "french":
        if assimilate and rng.random() < 0.35:
            sound = _AR_TABLES["french"].get(sun, sun)
            return rng.choice(["E", "e"]) + f"{sound}-"
        return rng.choice(["El-", "El ", "el-", "Al-"])
    if scheme == "german":
        return rng.choice(["al-", "Al-", "el-"])
    choice = rng.random()
    if assimilate and choice < 0.12:
        return f"A{_AR_TABLES['english'].get(sun, sun)}-"
    return rng.choice(["Al-", "Al-", "Al ", "Al", "El-", "al-", "El ", ""])


def _cap(text: str) -> str:
    for i, ch in enumerate(text):
        if ch.isalpha():
            return text[:i] + ch.upper() + text[i + 1 :]
    return text


def _arabic_name_part(notation: str, scheme: str, rng: random.Random) -> str:
    """A whole name part (may be a compound: cabd_al-X, X_al-diin) in one scheme."""
    words = notation.split("_")
    if len(words) == 2 and words[0] == "cabd":
        target = words[1].removeprefix("al-")
        if target == "laah":
            forms = {
                "bgn": ["ʻAbd Allāh", "ʻAbdallāh"],
                "french": ["Abdallah", "Abdellah", "Abdullah"],
                "german": ["Abdallah", "Abdullah"],
            }.get(scheme, ["Abdullah", "Abdallah", "Abd Allah", "Abdulla", "Abdullah"])
            return rng.choice(forms)
        rest = _arabic_word(target, scheme, rng, first=False)
        sun = _AR_PHONEME.findall(target)[0]
        if scheme == "bgn":
            return f"ʻAbd {_arabic_article('bgn', sun, rng)}{_cap(rest)}"
        if scheme == "french":
            if sun in _SUN and rng.random() < 0.5:
                return "Abd" + "e" + _AR_TABLES["french"].get(sun, sun) + rest
            return "Abdel" + rest
        connector = rng.choice(["Abdul ", "Abdul-", "Abdul", "Abd al-", "Abdel ", "Abd el-"])
        if scheme == "german":
            connector = rng.choice(["Abd al-", "Abdul ", "Abdel"])
        joined = not connector.endswith((" ", "-"))
        return connector + (rest if joined else _cap(rest))
    if len(words) == 2 and words[1] == "al-diin":
        head = _cap(_arabic_word(words[0], scheme, rng, first=True))
        if scheme == "bgn":
            return f"{head} ad-Dīn"
        if scheme == "french":
            return head + rng.choice(["eddine", " Eddine", " el-Dine", "-Eddine"])
        if scheme == "german":
            return head + rng.choice(["eddin", " ad-Din"])
        return head + rng.choice([" al-Din", " ad-Din", "uddin", "-ud-Din", " Eldin", "eddin"])
    word = words[0]
    if word.startswith("al-"):
        bare = word[3:]
        rest = _arabic_word(bare, scheme, rng, first=False)
        article = _arabic_article(scheme, _AR_PHONEME.findall(bare)[0], rng)
        joined = article and not article.endswith((" ", "-"))
        return _cap(article + (rest if joined else _cap(rest)))
    return _cap(_arabic_word(word, scheme, rng, first=True))


# ---------------------------------------------------------------- European names

# ICAO Doc 9303 Part 3, section 6, table of Latin-based characters (those not merely
# dropped to their base letter).
_ICAO_LATIN = {"ä": "ae", "ö": "oe", "ü": "ue", "å": "aa", "æ": "ae", "ø": "oe", "ß": "ss",
               "ł": "l", "đ": "d", "þ": "th", "œ": "oe", "ı": "i", "ĳ": "ij"}  # fmt: skip
_PLAIN_LATIN = {"ł": "l", "đ": "d", "ß": "ss", "æ": "ae", "ø": "o", "œ": "oe", "ı": "i"}


def _strip(text: str, table: dict[str, str]) -> str:
    out = []
    for ch in text:
        low = ch.lower()
        rep = table.get(low)
        if rep is not None:
            out.append(rep.upper() if ch.isupper() else rep)
        else:
            out.append(ch)
    decomposed = unicodedata.normalize("NFD", "".join(out))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


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
        return _strip(part.native, _PLAIN_LATIN).lower()
    return _cyrillic_word(part.native, "icao", origin, random.Random(0))


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
            return " ".join(_icao_arabic(w) for w in part.native.split())
        return _arabic_name_part(part.notation, scheme, rng)
    if origin == "eu":
        table = _ICAO_LATIN if scheme == "icao" else _PLAIN_LATIN
        return _strip(part.native, table)
    words = re.split(r"([-\s])", part.native)
    out = "".join(
        w if w in {"-", " "} else _cap(_cyrillic_word(w, scheme, person.language, rng))
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
