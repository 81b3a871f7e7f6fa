"""Person-name matching for hit/no-hit: the same person across scripts and spellings.

A contact point asks whether another party holds a person; the names on both sides may
be written in Cyrillic, Arabic or Latin script, transliterated by different schemes
(ICAO Doc 9303, BGN/PCGN, ISO 9, French, German, English usage), in another order,
without a patronymic or middle name, and with typing errors. This module decides
whether two such names (and dates of birth, where known) are the same person.

How a name is read
    ``name_normalise`` folds each word to one Latin form: NFKC and case folding, Cyrillic
    and Arabic read through ``name_scripts`` (ICAO tables), diacritics mapped, then a
    handful of rewrite rules that send the spellings of the common schemes to the same
    letters (sh/ch/sch/tch/š/sz → one hushing sound, kh/ch → h, ts/tz/z → s, w → v,
    y/j → i, ou → u, the i-glides of я/ю/ья dropped, doubled letters single). Particles
    go (al-, el-, ash-, bin, ibn, van, de ...); abd al-/abdul/abdel + name become one
    word, as do the parts of ...ad-din names. Words that a scheme can spell two ways
    (German ch, French j, Egyptian g for ج, umlauts, ISO 9 letters, Ukrainian Г as G
    or H) keep alternative readings, each costing a fifth of an edit when used.

How two names are compared
    Each word of the shorter name is paired with a different word of the longer one, in
    any order (the pairing with the best total). A pair's score falls with its edit
    distance d (optimal string alignment, so a swap of two letters is one edit):
    ``1 - 0.3 * d**1.5 / sqrt(length)``. One typing error in a word of three letters or
    more still scores above the threshold; a second edit weighs more, so different
    given names such as Aleksandr/Aleksei or surnames such as Petrov/Petrenko or
    Shevchenko/Savchenko fall below the "possible" band. Near neighbours one letter
    apart (Levchenko/Shevchenko, Said/Saad) cannot be told from a typing error by the
    names alone; there the dates of birth decide. Vowels a/e/i and o/u, which Arabic
    names swap freely between spellings (Mohammed/Muhammad, Khaled/Khalid), cost a
    fraction of an edit when the consonants agree; words read from unvocalised Arabic
    compare by consonants only, measured against their consonants. The name's score is
    its weakest pair's score; words left over in the longer name (a patronymic, a
    middle name) lower it a little. A one-word name can at best be "possible".

Dates of birth
    Equal dates add a little confidence; different dates block the match ("no match")
    however alike the names are. A date that differs only by a day/month swap or in one
    digit is treated as a probable clerical error: the pair is at best "possible", so
    a person reviews it rather than the hit being answered automatically.

Verdicts
    ``score >= threshold`` (default ``MATCH_THRESHOLD``) is "match"; the band
    ``[threshold - POSSIBLE_BAND, threshold)`` (0.72 to 0.80 by default) is "possible",
    worth a human look; below it "no match". ``bench/names.py --threshold-sweep`` shows
    precision and recall of other thresholds on the labelled set.

Blocking
    ``name_keys`` gives a few 64-bit keys per name for an index: one per ordered pair of
    words, made of one word's consonant code and the first (or last) two consonants of
    the other, so that a typing error in one word still leaves a shared key, while a
    frequent single name (Mohammed, Ivan) never makes a key on its own.
"""

from __future__ import annotations

import hashlib
import itertools
import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from rapidfuzz.distance import OSA

from concord.exchange import name_scripts as scripts

MATCH_THRESHOLD: float = 0.80
POSSIBLE_BAND: float = 0.08
# How steeply a pair's score falls per edit, relative to sqrt(length).
EDIT_WEIGHT = 0.3
# Edits beyond the first weigh more: one is a typing error, two are another name.
EDIT_POWER = 1.5
# The cost of a vowel-class change (e/a, e/i, o/u) in place of a full edit.
VOWEL_SWAP_COST = 0.3
# Extra uncertainty of comparing by consonants only (unvocalised Arabic).
VOWELLESS_COST = 0.15
# Consonants carry the word: a vowelless word is measured by its consonants plus this.
VOWELLESS_SLACK = 1
# The cost of reading a word by one scheme's convention rather than the common one.
ALTERNATIVE_COST = 0.2
EXTRA_WORD_PENALTY = 0.03
PATRONYMIC_PENALTY = 0.01
BIRTH_AGREES_BONUS = 0.04
MAX_WORDS = 6

REASON_BIRTH_DIFFERS = "dates of birth differ"
REASON_BIRTH_NEAR = "dates of birth nearly agree (day/month swapped or one digit apart)"
REASON_BIRTH_AGREES = "dates of birth agree"
REASON_NO_BIRTH = "no date of birth on both sides"
REASON_EMPTY = "a name is empty"
REASON_ONE_WORD = "only one name part to compare"

_APOSTROPHES = re.compile("['’ʼʹʺ″′`´ʻʿʾ‘\u02bc\u02bb]")
_SEPARATORS = re.compile(r"[\s\-‐‑–—_,;.:/()\[\]<>\"«»]+")

# Diacritics read for their sound (ISO 9, Slavic, Turkish, German ICAO) ...
_SOUNDED = {
    "š": "sh", "č": "ch", "ž": "zh", "ŝ": "shch", "ć": "ch", "ś": "sh", "ź": "zh",
    "ż": "zh", "ř": "r", "ş": "sh", "ç": "ch", "ğ": "", "ı": "i", "ä": "ae", "ö": "oe",
    "ü": "ue", "å": "aa", "æ": "ae", "ø": "oe", "œ": "oe", "ł": "l", "đ": "dj", "ð": "d",
    "þ": "th", "â": "ia", "û": "iu", "ê": "ie", "ë": "io", "ǎ": "e", "ŭ": "w",
}  # fmt: skip
# ... or just dropped, as most people type them without.
_PLAIN = {"ł": "l", "đ": "d", "ð": "d", "þ": "th", "æ": "ae", "œ": "oe", "ø": "o", "ı": "i"}

_ARTICLES = frozenset({"al", "el", "ul", "il", "ol"})
_SUN_ARTICLE = re.compile(r"^[aeu](t|th|d|dh|r|z|s|sh|ch|n)$")  # ash-, ad-, ar-, ech- ...
_PARTICLES = frozenset(
    {
        "bin", "ibn", "bn", "bint", "binti", "ould", "van", "von", "der", "den", "de", "da",
        "di", "du", "del", "della", "dos", "das", "la", "le", "ter", "ten", "zu", "y",
        "oglu", "ogli", "ogly", "kyzy", "kizi", "gizi", "uly", "uli",
    }
)  # fmt: skip
_ABD_FORMS = frozenset(
    {"abd", "abdul", "abdel", "abdal", "abdil", "abdol", "abdoul", "abdur", "abdus"}
)
_DIN_FORMS = frozenset(
    {"din", "dine", "deen", "eddine", "eddin", "uddin", "uddine", "addin", "addine", "eldin",
     "eldine", "aldin", "aldine", "uldin", "uldeen"}
)  # fmt: skip
_DIN_SUFFIX = re.compile(r"(?:eddine?|uddine?|addine?|aldine?|eldine?|uldeen|uddeen)$")
_PATRONYMIC = re.compile(r"(?:[oea]viS|[oeia]vna|iSna|auna|uli|kisi|gisi|ogli|oglu)$")

# Fold rules: the spellings of the common schemes sent to one form. "S" is the hushing
# sounds (ш щ ч ж), "J" the j of дж/ج until it joins the glides.
_CLUSTERS = [
    (re.compile(r"schtsch|shtsch|chtch|szcz|shch|shtch|sjtsj"), "S"),
    (re.compile(r"dzh|dsch|dj"), "J"),
    (re.compile(r"tsch|tsh|tch"), "S"),
    (re.compile(r"sch"), "S"),
]
_CH = re.compile(r"ch")
_LATER = [
    (re.compile(r"cz|sz|sh|zh"), "S"),
    (re.compile(r"kh"), "h"),
    (re.compile(r"gh"), "g"),
    (re.compile(r"ph"), "f"),
    (re.compile(r"th"), "t"),
    (re.compile(r"dh"), "d"),
    (re.compile(r"x"), "ks"),
    (re.compile(r"ck"), "k"),
    (re.compile(r"q[u](?=[aeio])|q"), "k"),
    (re.compile(r"c(?=[eiy])"), "s"),
    (re.compile(r"^c(?=[bdfgmnpstvwz])"), "s"),
    (re.compile(r"c"), "k"),
    (re.compile(r"ts|tz|z"), "s"),
    (re.compile(r"w"), "v"),
    (re.compile(r"gu(?=[eiy])"), "g"),
    (re.compile(r"[yjJ]"), "i"),
]
_GLIDES = [
    (re.compile(r"(?<=[oe])ff$"), "v"),
    (re.compile(r"ou|oo"), "u"),
    (re.compile(r"(.)\1+"), r"\1"),
    (re.compile(r"^ie"), "e"),
    (re.compile(r"^i(?=[aou])"), "y"),
    (re.compile(r"(?<=[aeiou])i(?=[aeou])"), ""),
    (re.compile(r"(?<=[^aeiouy])i(?=[aeou])"), ""),
    (re.compile(r"ei"), "ai"),
    (re.compile(r"(.)\1+"), r"\1"),
    (re.compile(r"(?<=[aeiou])h$"), ""),
]
_VOWELS = re.compile(r"[aeiouy]")
_CODE_CLASSES = str.maketrans("pghdvS", "bkktfs")


@dataclass(frozen=True)
class NameMatch:
    """The outcome of comparing two names: a score in [0, 1], a verdict ("match",
    "possible" or "no match") and a short English reason."""

    score: float
    verdict: str
    reason: str


@dataclass(frozen=True, slots=True)
class _Word:
    text: str  # the primary fold, as name_normalise shows it
    readings: tuple[tuple[str, float], ...]  # every fold, with the cost of reading it so
    vowel_forms: tuple[tuple[str, float], ...]
    skeleton: str
    skeletons: tuple[tuple[str, float], ...]  # of every reading
    skeleton_set: frozenset[str]
    vowelless: bool
    patronymic: bool


def exact_match(a: str, b: str) -> bool:
    """The reference: equal after NFKC, case folding and collapsing whitespace only."""

    def plain(text: str) -> str:
        return " ".join(unicodedata.normalize("NFKC", text).casefold().split())

    return plain(a) == plain(b)


def _fold(
    text: str, *, german_ch: bool = False, french_j: bool = False, arabic_j: bool = False
) -> str:
    """One Latin spelling (ASCII, lower case) sent to the common form.

    ``german_ch`` reads ch as h (German, Polish, Czech), ``french_j`` reads j as zh
    (French, Kazakh), ``arabic_j`` reads j, dj, dsch as g (ج, written g in Egypt).
    """
    s = re.sub(r"[^a-z]", "", text)
    if french_j:
        s = s.replace("j", "zh")
    for pattern, repl in _CLUSTERS:
        s = pattern.sub(repl, s)
    if arabic_j:
        s = s.replace("J", "g").replace("j", "g")
    s = _CH.sub("h" if german_ch else "S", s)
    for pattern, repl in _LATER:
        s = pattern.sub(repl, s)
    for pattern, repl in _GLIDES:
        s = pattern.sub(repl, s)
    return s


def _vowel_forms(folded: str) -> tuple[str, ...]:
    """The fold with e read as a, then as i, and o as u (Arabic short vowels)."""
    base = folded.replace("o", "u")
    return tuple(dict.fromkeys(base.replace("e", v) for v in "ai"))


def _skeleton(folded: str) -> str:
    return re.sub(r"(.)\1+", r"\1", _VOWELS.sub("", folded))


def _spellings(word: str) -> list[str]:
    """The ASCII spellings a word with diacritics may stand for: sounded and plain."""
    if word.isascii():
        return [word]
    sounded = "".join(_SOUNDED.get(ch, ch) for ch in word)
    plain = "".join(_PLAIN.get(ch, ch) for ch in word)
    return list(dict.fromkeys(scripts.strip_marks(s) for s in (sounded, plain)))


def _readings(piece: scripts.Piece) -> dict[str, float]:
    """Every fold of a piece worth comparing, with what reading it that way costs.

    The primary fold (first) and the plain/sounded readings of diacritics cost
    nothing; a reading that assumes one scheme's convention (German ch, French j,
    Egyptian g, ISO 9 c, Belarusian ў ...) costs a fifth of an edit, so that it helps
    the names it fits without making unrelated names look alike. At most eight.
    """
    if piece.folded:
        return {piece.text: 0.0}
    out: dict[str, float] = {}

    def add(text: str, cost: float) -> None:
        if text and (text not in out or out[text] > cost):
            out[text] = cost

    for number, spelling in enumerate((piece.text, *piece.alternatives)):
        base = 0.0 if number == 0 else ALTERNATIVE_COST
        for ascii_form in _spellings(spelling):
            primary = _fold(ascii_form)
            add(primary, base)
            cost = base + ALTERNATIVE_COST
            add(_fold(ascii_form, german_ch=True), cost)
            add(_fold(ascii_form, french_j=True), cost)
            add(_fold(ascii_form, arabic_j=True), cost)
            if re.search(r"[^aeiou](ae|oe|ue)[^aeiou]", ascii_form):
                add(_fold(re.sub(r"(?<=[aou])e", "", ascii_form)), base)
            if len(ascii_form) >= 6 and ascii_form[:2] in {"al", "el"}:
                add(_fold(ascii_form[2:]), base)
            if re.search(r"c(?![hkz])", ascii_form):
                # ISO 9 and Polish c is ц (Kuznecov, Cvetkov).
                add(_fold(re.sub(r"c(?![hkz])", "ts", ascii_form)), cost)
            if re.search(r"[aeo]u(?![aeiou])", ascii_form):
                # Belarusian ў written u (ICAO): Kazlou, Paulauna.
                add(_fold(re.sub(r"(?<=[aeo])u(?![aeiou])", "v", ascii_form)), cost)
            if re.match(r"ou[aei]", ascii_form):
                add(_fold("w" + ascii_form[2:]), cost)  # French ou for w: Oualid
            if "h" in primary:
                add(primary.replace("h", "g"), cost)  # Ukrainian Г: Hryhorii, Grigorii
    return dict(list(out.items())[:8])


def _word(piece: scripts.Piece) -> _Word | None:
    readings = _readings(piece)
    if not readings:
        return None
    text = next(iter(readings))
    vowelless = piece.vowelless or not re.search(r"[aeiou]", text)
    forms: dict[str, float] = {}
    skeletons: dict[str, float] = {}
    for reading, cost in readings.items():
        for form in _vowel_forms(reading):
            forms[form] = min(cost, forms.get(form, cost))
        skeleton = _skeleton(reading)
        skeletons[skeleton] = min(cost, skeletons.get(skeleton, cost))
    patronymic = len(text) >= 6 and bool(_PATRONYMIC.search(text))
    return _Word(
        text,
        tuple(readings.items()),
        tuple(forms.items()),
        _skeleton(text),
        tuple(skeletons.items()),
        frozenset(skeletons),
        vowelless,
        patronymic,
    )


def _plain(piece: scripts.Piece) -> str:
    return re.sub(r"[^a-z]", "", scripts.strip_marks(piece.text))


def _strip_article(word: str) -> str:
    """A word without a fused Arabic article: allah → lah, errahmane → rahmane."""
    if len(word) > 4 and word[:2] in _ARTICLES:
        return word[2:]
    m = re.match(r"^[aeu]([bcdfghjklmnpqrstvwxz])\1", word)
    if m and len(word) > 4:
        return word[2:]
    return word


def _is_article(plain: str, following: str) -> bool:
    """al-, el- before any word; ash-, ad-, ar-, ech- ... before a word they assimilate to."""
    if not following:
        return False
    return plain in _ARTICLES or bool(_SUN_ARTICLE.match(plain) and following.startswith(plain[1:]))


def _combine(pieces: list[scripts.Piece]) -> list[scripts.Piece]:
    """Drop particles and join compounds (abd al-X, X ad-din) into single pieces."""
    plains = [_plain(p) for p in pieces]
    out: list[scripts.Piece] = []
    i = 0
    while i < len(pieces):
        piece, plain = pieces[i], plains[i]
        following = plains[i + 1] if i + 1 < len(pieces) else ""
        particle = plain in _PARTICLES or (plain == "ben" and i > 0)
        if not piece.arabic and (_is_article(plain, following) or (len(pieces) > 1 and particle)):
            i += 1
        elif plain in _ABD_FORMS and following:
            j = i + 1
            while j < len(pieces) - 1 and _is_article(plains[j], plains[j + 1]):
                j += 1
            rest = pieces[j]
            text = "abd" + (rest.text if rest.folded else _strip_article(plains[j]))
            out.append(scripts.Piece(text, rest.vowelless, folded=rest.folded, arabic=rest.arabic))
            i = j + 1
        elif plain.startswith("abd") and len(plain) > 5:
            out.append(scripts.Piece("abd" + _strip_article(plain[3:])))
            i += 1
        elif plain in _DIN_FORMS and out:
            last = out.pop()
            head = last.text if last.folded else _plain(last)
            out.append(scripts.Piece(head + "din", last.vowelless, folded=last.folded))
            i += 1
        elif len(plain) > 7 and _DIN_SUFFIX.search(plain):
            out.append(scripts.Piece(_DIN_SUFFIX.sub("din", plain)))
            i += 1
        else:
            out.append(piece)
            i += 1
    return out


@lru_cache(maxsize=65536)
def _words(text: str) -> tuple[_Word, ...]:
    """A name as its folded words (particles dropped, compounds joined)."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = _APOSTROPHES.sub("", text)
    raw = [w for w in _SEPARATORS.split(text) if w]
    language = scripts.cyrillic_language(text)
    pieces: list[scripts.Piece] = []
    latin = [w for w in raw if not any(scripts.is_arabic(c) or scripts.is_cyrillic(c) for c in w)]
    coded = scripts.mrz_arabic(raw) if len(latin) == len(raw) else None
    for word in coded if coded is not None else raw:
        if any(scripts.is_arabic(c) for c in word):
            pieces.extend(scripts.arabic_read(word))
        elif any(scripts.is_cyrillic(c) for c in word):
            pieces.append(scripts.cyrillic_read(word, language))
        else:
            pieces.append(scripts.Piece(word))
    words = (_word(p) for p in _combine(pieces))
    return tuple(w for w in words if w is not None)[:MAX_WORDS]


def name_normalise(text: str) -> tuple[str, ...]:
    """The words of a name folded to the common Latin form used for comparison.

    ``name_normalise("Юрий Шевченко") == name_normalise("Iouri Chevtchenko")``; words
    read from unvocalised Arabic keep only the letters written (long vowels).
    """
    # "S" is the matcher's one letter for the hushing sounds; people read it as sh.
    return tuple(w.text.replace("S", "sh") for w in _words(text))


def _word_distance(a: _Word, b: _Word) -> tuple[float, int]:
    """Effective edits between two words and the length they are measured against."""
    if a.vowelless or b.vowelless:
        # و is a consonant or a long vowel, so v is left out on both sides; ج (j) is
        # compared as g, the reading Latin j/dj/dsch/g have in common.
        d = min(
            OSA.distance(r.replace("v", "").replace("j", "g"), q.replace("v", "").replace("j", "g"))
            + cr
            + cq
            for r, cr in a.skeletons
            for q, cq in b.skeletons
        )
        return d + VOWELLESS_COST, max(len(a.skeleton), len(b.skeleton)) + VOWELLESS_SLACK
    d = min(OSA.distance(r, q) + cr + cq for r, cr in a.readings for q, cq in b.readings)
    if d >= 1 and a.skeleton_set & b.skeleton_set:
        # The same consonants: vowel-class changes (e/a, e/i, o/u) cost a fraction.
        dv = min(OSA.distance(r, q) + cr + cq for r, cr in a.vowel_forms for q, cq in b.vowel_forms)
        d = min(d, dv + VOWEL_SWAP_COST * max(0.0, d - dv))
    return d, max(len(a.text), len(b.text))


def _word_score(a: _Word, b: _Word) -> float:
    d, length = _word_distance(a, b)
    return max(0.0, 1.0 - EDIT_WEIGHT * d**EDIT_POWER / math.sqrt(length))


def _best_pairing(short: tuple[_Word, ...], long: tuple[_Word, ...]) -> list[tuple[int, int]]:
    """The pairing of every short word with a distinct long word of greatest total."""
    scores = [[_word_score(s, t) for t in long] for s in short]
    best: tuple[float, tuple[int, ...]] = (-1.0, ())
    for perm in itertools.permutations(range(len(long)), len(short)):
        total = sum(scores[i][j] for i, j in enumerate(perm))
        if total > best[0]:
            best = (total, perm)
    return list(enumerate(best[1]))


def _birth_relation(a: date | None, b: date | None) -> str:
    """'missing', 'equal', 'near' (day/month swapped or one digit apart) or 'differ'."""
    if a is None or b is None:
        return "missing"
    if a == b:
        return "equal"
    if a.year == b.year and a.day == b.month and a.month == b.day:
        return "near"
    da, db = a.strftime("%Y%m%d"), b.strftime("%Y%m%d")
    if sum(x != y for x, y in zip(da, db, strict=True)) == 1:
        return "near"
    return "differ"


def _verdict(score: float, threshold: float) -> str:
    if score >= threshold:
        return "match"
    if score >= threshold - POSSIBLE_BAND:
        return "possible"
    return "no match"


def name_compare(
    a: str,
    b: str,
    *,
    birth_a: date | None = None,
    birth_b: date | None = None,
    threshold: float | None = None,
) -> NameMatch:
    """Whether two names (and dates of birth) designate the same person.

    Word order, a missing patronymic or middle name, one typing error per word and the
    differences between transliteration schemes and scripts are tolerated; a different
    given name or surname is not, and different dates of birth block the match.
    """
    limit = MATCH_THRESHOLD if threshold is None else threshold
    wa, wb = _words(a), _words(b)
    if not wa or not wb:
        return NameMatch(0.0, "no match", REASON_EMPTY)
    short, long = (wa, wb) if len(wa) <= len(wb) else (wb, wa)
    pairs = _best_pairing(short, long)
    scored = sorted((_word_score(short[i], long[j]), i, j) for i, j in pairs)
    weakest, wi, wj = scored[0]
    paired = {j for _, j in pairs}
    left = [w for j, w in enumerate(long) if j not in paired]
    penalty = sum(PATRONYMIC_PENALTY if w.patronymic else EXTRA_WORD_PENALTY for w in left)
    score = max(0.0, weakest - penalty)
    if score >= limit - POSSIBLE_BAND:
        names = "names agree" + (" apart from a missing middle name" if left else "")
    else:
        names = f"names differ ({short[wi].text} / {long[wj].text})"
    birth = _birth_relation(birth_a, birth_b)
    if birth == "differ":
        return NameMatch(round(score * 0.5, 4), "no match", REASON_BIRTH_DIFFERS)
    if birth == "equal":
        score = min(1.0, score + BIRTH_AGREES_BONUS)
    one_word = len(short) == 1 and not (len(long) == 1 and birth == "equal")
    if one_word or birth == "near":
        score = min(score, limit - 0.01)
    if birth == "near":
        reason = f"{names}; {REASON_BIRTH_NEAR}"
    elif one_word:
        reason = f"{names}; {REASON_ONE_WORD}"
    elif birth == "equal":
        reason = f"{names}; {REASON_BIRTH_AGREES}"
    else:
        reason = f"{names}; {REASON_NO_BIRTH}"
    score = round(score, 4)
    return NameMatch(score, _verdict(score, limit), reason)


def _code(word: _Word) -> str:
    """The word's consonants in coarse sound classes (b/p, f/v, k/g/h, t/d, s/sh ...).

    A leading al/el before a consonant is left out, as a fused Arabic article
    (Alkhatib) may be written apart elsewhere (al-Khatib).
    """
    text = word.text
    if len(text) >= 7 and re.match(r"[ae]l[^aeiouy]", text):
        text = text[2:]
    # ج (j) is left out, as the glide that Latin j, dj and y become.
    return re.sub(r"(.)\1+", r"\1", _skeleton(text).replace("j", "").translate(_CODE_CLASSES))


def _key(*parts: str) -> int:
    digest = hashlib.blake2b("\x1f".join(parts).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def name_keys(text: str) -> frozenset[int]:
    """Blocking keys: names that ``name_compare`` matches share one with high probability.

    One key per ordered pair of words (x, y): x's full consonant code with the first two
    consonants of y, and (for names of up to three words) again with y's last two, so a
    typing error in either word leaves a key intact; a two-word name adds one key of
    both words' first two consonants. A one-word name gets one key of its own, which
    other one-word names share. At most twelve keys per name (four words and more use
    their first four).
    """
    codes = [c for c in (_code(w) for w in _words(text)) if c]
    if not codes:
        return frozenset()
    if len(codes) == 1:
        return frozenset({_key("1", codes[0])})
    keys: set[int] = set()
    use = codes[:4]
    for x, y in itertools.permutations(range(len(use)), 2):
        keys.add(_key("h", use[x], use[y][:2]))
        if len(use) <= 3:
            keys.add(_key("t", use[x], use[y][-2:]))
    if len(use) == 2:
        # Two-word names have room for one more: both words' first two consonants.
        keys.add(_key("b", *sorted(code[:2] for code in use)))
    return frozenset(keys)
