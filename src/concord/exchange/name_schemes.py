"""Transliteration schemes of the labelled name pairs (``name_pairs``), from the
published tables: ICAO Doc 9303 Part 3 section 6 (Cyrillic, Arabic MRZ code, Latin),
BGN/PCGN, ISO 9:1995, Ukraine's 2010 system, the Kazakh Latin alphabet of 2021, and
French, German, Polish and English usage, the popular ones with the free variation of
real records. Independent of the matcher's own tables (``name_scripts``), which it must
not use: the pairs measure the matcher.
"""

from __future__ import annotations

import random
import re
import unicodedata

# ---------------------------------------------------------------- Cyrillic schemes


def _table(letters: str, latin: str) -> dict[str, str]:
    """A transliteration table from its letters and their Latin forms ("-": none)."""
    return dict(zip(letters, latin.split(), strict=True))


_CYR_VOWELS = frozenset("аеёиоуыэюяіїєәөұүы")
_SOFT_OR_HARD = frozenset("ьъ'’")

# ICAO Doc 9303 Part 3, section 6, Cyrillic table.
_ICAO = _table(
    "абвгдеёжзийклмнопрстуфхцчшщъыьэюяґєіїў",
    "a b v g d e e zh z i i k l m n o p r s t u f kh ts ch sh shch ie y - e iu ia g ie i i u",
)
# ISO 9:1995 (GOST 7.79-2000 system A), one Latin letter per Cyrillic letter.
_ISO9 = _table(
    "абвгдеёжзийклмнопрстуфхцчшщъыьэюяґєіїўәғқңөұүһ",
    "a b v g d e ë ž z i j k l m n o p r s t u f h c č š ŝ ʺ y ʹ è û â g̀ ê ì ï ŭ a̋ ġ ķ ṇ ô ù u̇ ḥ",
)
# BGN/PCGN Russian (1947): the base the English usage simplifies.
_BGN = _table(
    "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
    "a b v g d e ë zh z i y k l m n o p r s t u f kh ts ch sh shch ″ y ′ e yu ya",
)
_FRENCH = _table(
    "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
    "a b v g d e io j z i ï k l m n o p r s t ou f kh ts tch ch chtch - y - e iou ia",
)
_GERMAN = _table(
    "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
    "a b w g d e jo sch s i i k l m n o p r s t u f ch z tsch sch schtsch - y - e ju ja",
)
# Ukraine, Cabinet of Ministers resolution 55 (2010); word-initial forms in _UA_INITIAL.
_UA2010 = _table(
    "абвгґдеєжзиіїйклмнопрстуфхцчшщьюя",
    "a b v h g d e ie zh z y i i i k l m n o p r s t u f kh ts ch sh shch - iu ia",
)
_UA_INITIAL = {"є": "ye", "ї": "yi", "й": "y", "ю": "yu", "я": "ya"}
_POLISH = _table(
    "абвгґдеєжзиіїйклмнопрстуўфхцчшщьюяыэё",
    "a b w h g d e je ż z y i ji j k l m n o p r s t u u f ch c cz sz szcz - ju ja y e jo",
)
# Kazakh Latin alphabet (2021).
_KAZAKH2021 = _table(
    "аәбвгғдеёжзийкқлмнңоөпрстуұүфхһцчшщъыіьэюя",
    "a ä b v g ğ d e io j z i i k q l m n ñ o ö p r s t u ū ü f h h ts ch ş şş - y ı - e iu ia",
)
# Kazakh letters as Kazakh passports print them beside the ICAO table.
_KAZAKH_PASSPORT = _table("әғқңөұүһ", "a g k n o u u h")
_ENGLISH_KAZAKH = {"ә": "a", "ғ": "gh", "қ": "q", "ң": "ng", "ө": "o", "ұ": "u", "ү": "u", "һ": "h"}


def _letter(table: dict[str, str], ch: str) -> str:
    out = table.get(ch, ch)
    return "" if out == "-" else out


def cyrillic_word(word: str, scheme: str, language: str, rng: random.Random) -> str:
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
                out.append(
                    {"г": "h", "и": "y", "і": "i", "ї": "ï", "є": "ie", "ґ": "g", "ў": "ou"}[ch]
                )
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
                out.append(
                    {"г": "h", "и": "y", "і": "i", "ї": "ji", "є": "je", "ґ": "g", "ў": "w"}[ch]
                )
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


def icao_arabic(word: str) -> str:
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
        if last >= 0
        and ph[last] in {"a", "i"}
        and last + 1 < len(ph)
        and ph[last + 1] not in _AR_VOWELS
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
            elif k in closed_vowels and rng.random() < (0.4 if p == "a" else 0.3):
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


def cap(text: str) -> str:
    for i, ch in enumerate(text):
        if ch.isalpha():
            return text[:i] + ch.upper() + text[i + 1 :]
    return text


def arabic_name_part(notation: str, scheme: str, rng: random.Random) -> str:
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
            return f"ʻAbd {_arabic_article('bgn', sun, rng)}{cap(rest)}"
        if scheme == "french":
            if sun in _SUN and rng.random() < 0.5:
                return "Abd" + "e" + _AR_TABLES["french"].get(sun, sun) + rest
            return "Abdel" + rest
        connector = rng.choice(["Abdul ", "Abdul-", "Abdul", "Abd al-", "Abdel ", "Abd el-"])
        if scheme == "german":
            connector = rng.choice(["Abd al-", "Abdul ", "Abdel"])
        joined = not connector.endswith((" ", "-"))
        return connector + (rest if joined else cap(rest))
    if len(words) == 2 and words[1] == "al-diin":
        head = cap(_arabic_word(words[0], scheme, rng, first=True))
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
        joined = bool(article) and not article.endswith((" ", "-"))
        return cap(article + (rest if joined else cap(rest)))
    return cap(_arabic_word(word, scheme, rng, first=True))


# ---------------------------------------------------------------- European names

# ICAO Doc 9303 Part 3, section 6, table of Latin-based characters (those not merely
# dropped to their base letter).
ICAO_LATIN = {"ä": "ae", "ö": "oe", "ü": "ue", "å": "aa", "æ": "ae", "ø": "oe", "ß": "ss",
               "ł": "l", "đ": "d", "þ": "th", "œ": "oe", "ı": "i", "ĳ": "ij"}  # fmt: skip
PLAIN_LATIN = {"ł": "l", "đ": "d", "ß": "ss", "æ": "ae", "ø": "o", "œ": "oe", "ı": "i"}


def latin_strip(text: str, table: dict[str, str]) -> str:
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
