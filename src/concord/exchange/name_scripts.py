"""Reading names written in Cyrillic or Arabic script, or in the Arabic MRZ code, as Latin.

The name matcher (``concord.exchange.names``) compares names in one Latin form; this
module is how a Cyrillic or Arabic name gets there.

Cyrillic follows ICAO Doc 9303 Part 3 (8th edition, 2021), section 6 "Transliterations
recommended for use by States", the table of Cyrillic characters, with its notes by
language: Ukrainian И is Y and Г is H, Belarusian Г is H and Ё is IO. Kazakh letters are
not in that table; they take the Latin letter Kazakh passports print for them.

Arabic script carries no short vowels, so a name written in it is read two ways: a
frequent name is looked up in a table of vocalised forms (محمد is "muhammad", not
"mhmd", which would also fit محمود "mahmud"); any other word is read letter by letter
with only its long vowels and flagged *vowelless*, to be compared by consonants. The
letters' sounds follow the Arabic table of the same ICAO section, read back from its
escape digraphs (XH is ح, an h; XKH is خ, a kh); the same table read the other way
turns a machine-readable-zone name ("MXHMD") back into Arabic script.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# ICAO Doc 9303 Part 3, section 6, Cyrillic table (Russian base row). ъ is IE there.
CYRILLIC_ICAO: dict[str, str] = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh",
    "з": "z", "и": "i", "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
    "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts",
    "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "ie", "ы": "y", "ь": "", "э": "e", "ю": "iu",
    "я": "ia",
    # The same table's letters of other languages.
    "ґ": "g", "є": "ie", "і": "i", "ї": "i", "ў": "u", "ђ": "d", "ѓ": "g", "ѕ": "dz",
    "ј": "j", "љ": "lj", "њ": "nj", "ћ": "c", "ќ": "k", "џ": "dz",
    # Kazakh letters, as Kazakh passports print them (not in the ICAO table).
    "ә": "a", "ғ": "g", "қ": "k", "ң": "n", "ө": "o", "ұ": "u", "ү": "u", "һ": "h",
}  # fmt: skip
UKRAINIAN_ONLY = frozenset("їєґ")
BELARUSIAN_ONLY = frozenset("ў")
KAZAKH_ONLY = frozenset("әғқңөұүһ")

# ICAO Doc 9303 Part 3, section 6, Arabic table, as sounds (its XH, XKH ... read back).
ARABIC_SOUNDS: dict[str, str] = {
    "ء": "", "آ": "a", "أ": "a", "إ": "i", "ؤ": "u", "ئ": "i", "ا": "a", "ب": "b",
    "ة": "a", "ت": "t", "ث": "th", "ج": "j", "ح": "h", "خ": "kh", "د": "d", "ذ": "dh",
    "ر": "r", "ز": "z", "س": "s", "ش": "sh", "ص": "s", "ض": "d", "ط": "t", "ظ": "z",
    "ع": "", "غ": "gh", "ف": "f", "ق": "q", "ك": "k", "ل": "l", "م": "m", "ن": "n",
    "ه": "h", "و": "w", "ى": "a", "ي": "y",
    # Letters of Persian and Urdu names written in Arabic script.
    "پ": "p", "چ": "ch", "ژ": "zh", "ڤ": "v", "گ": "g", "ک": "k", "ی": "y",
}  # fmt: skip

# The same table's machine-readable-zone code (A-Z only), longest codes first.
ICAO_ARABIC_MRZ: tuple[tuple[str, str], ...] = (
    ("xkh", "خ"), ("xth", "ث"), ("xdh", "ذ"), ("xsh", "ش"), ("xss", "ص"), ("xdz", "ض"),
    ("xtt", "ط"), ("xzz", "ظ"), ("xaa", "آ"), ("xae", "أ"), ("xay", "ى"), ("xta", "ة"),
    ("xah", "ة"), ("xh", "ح"), ("xe", "ء"), ("xi", "ئ"), ("xw", "ؤ"),
    ("a", "ا"), ("b", "ب"), ("t", "ت"), ("j", "ج"), ("d", "د"), ("r", "ر"), ("z", "ز"),
    ("s", "س"), ("e", "ع"), ("g", "غ"), ("f", "ف"), ("q", "ق"), ("k", "ك"), ("l", "ل"),
    ("m", "م"), ("n", "ن"), ("h", "ه"), ("w", "و"), ("y", "ي"), ("i", "إ"), ("u", "ؤ"),
    ("p", "پ"),
)  # fmt: skip
_MRZ_CODE = re.compile("|".join(code for code, _ in ICAO_ARABIC_MRZ))
# Escapes no Latin name has (Alexei has "xe" and Xi is a name: those do not count).
_MRZ_ESCAPE = re.compile(r"x(?:kh|th|dh|sh|ss|dz|tt|zz|aa|ae|ay|ta|ah|h|w)")

# Frequent Arabic given names and name parts with their vowels, so that names that share
# consonants (محمد muhammad / محمود mahmud, حسن hasan / حسين husain) stay apart.
_VOCALISED = """
محمد muhammad|أحمد ahmad|محمود mahmud|مصطفى mustafa|علي ali|حسن hasan|حسين husain
عمر umar|عمرو amr|عثمان uthman|خالد khalid|يوسف yusuf|إبراهيم ibrahim|إسماعيل ismail
إسحاق ishaq|يعقوب yaqub|موسى musa|عيسى isa|يونس yunus|يحيى yahya|زكريا zakariya
سليمان sulaiman|داود dawud|آدم adam|نوح nuh|سعيد said|سعد saad|سعود saud|طارق tariq
كريم karim|جمال jamal|كمال kamal|جلال jalal|سمير samir|ناصر nasir|نصر nasr|منصور mansur
فيصل faisal|حمزة hamza|بلال bilal|زياد ziyad|زيد zaid|رامي rami|وليد walid|ياسر yasir
عادل adil|صالح salih|نبيل nabil|هشام hisham|رشيد rashid|راشد rashid|مراد murad|سليم salim
أنور anwar|فؤاد fuad|أيمن ayman|أسامة usama|بشير bashir|جعفر jafar|قاسم qasim|مالك malik
حامد hamid|حمد hamad|حميد hamid|أمين amin|أمير amir|أنس anas|معاذ muadh|سلطان sultan
عدنان adnan|هاني hani|عصام isam|منير munir|توفيق tawfiq|مختار mukhtar|مهدي mahdi
نزار nizar|وائل wail|رضا rida|بكر bakr|أبو abu|عماد imad|رياض riyad|ماجد majid
فارس faris|غسان ghassan|باسم basim|حاتم hatim|طه taha|شريف sharif|جابر jabir|عباس abbas
حيدر haidar|زين zain|نور nur|الدين din|رحمن rahman|رحيم rahim|عزيز aziz|قادر qadir
لطيف latif|مجيد majid|حليم halim|سلام salam|جبار jabbar|غني ghani|وهاب wahhab
فتاح fattah|منعم munim|حكيم hakim|ستار sattar|غفور ghafur|جليل jalil|رزاق razzaq
الله allah|له lah|حق haqq|واحد wahid|هادي hadi|رؤوف rauf|باسط basit|كافي kafi
فاطمة fatima|عائشة aisha|مريم maryam|زينب zainab|خديجة khadija|ليلى laila|سارة sara
هدى huda|أمينة amina|ياسمين yasmin|رانيا rania|سلمى salma|نادية nadia|سميرة samira
مها maha|رنا rana|دينا dina|هند hind|أسماء asma|سعاد suad|نوال nawal|سناء sana
حنان hanan|إيمان iman|أمل amal|رقية ruqaya|صفية safiya|حليمة halima|جميلة jamila
"""


def _arabic_key(word: str) -> str:
    """The form dictionary keys take: no vowel marks, one alef, final ة as ه, ى as ي."""
    word = re.sub("[\u064b-\u065f\u0670\u0640]", "", word)
    word = re.sub("[أإآٱ]", "ا", word)
    return word.replace("ة", "ه").replace("ى", "ي")


VOCALISED: dict[str, str] = {
    _arabic_key(arabic): latin
    for line in _VOCALISED.split("\n")
    for entry in line.split("|")
    if entry.strip()
    for arabic, latin in [entry.split()]
}
ARABIC_PARTICLES = frozenset({"بن", "ابن", "بنت", "ال"})


@dataclass(frozen=True, slots=True)
class Piece:
    """One word of a name read into Latin letters.

    ``vowelless`` marks a word read letter by letter from Arabic script: its short
    vowels are unknown, so only its consonants may be compared. Such a word is written
    straight in the matcher's folded letters (``folded``), since spelling it in Latin
    first could make digraphs the Arabic does not have (ز + ه is not "zh").
    """

    text: str
    vowelless: bool = False
    alternatives: tuple[str, ...] = ()
    folded: bool = False  # text is already in the matcher's folded letters
    arabic: bool = False  # read from Arabic script (Latin particles do not apply)


def is_cyrillic(ch: str) -> bool:
    return "\u0400" <= ch <= "\u04ff" or "\u0500" <= ch <= "\u052f"


def is_arabic(ch: str) -> bool:
    return "\u0600" <= ch <= "\u06ff" or "\u0750" <= ch <= "\u077f"


def cyrillic_language(text: str) -> str:
    """'uk', 'be', 'kk' or 'ru': the language whose table notes apply to the name."""
    letters = set(text)
    if letters & KAZAKH_ONLY:
        return "kk"
    if letters & BELARUSIAN_ONLY:
        return "be"
    if letters & UKRAINIAN_ONLY:
        return "uk"
    return "ru"


def cyrillic_read(word: str, language: str) -> Piece:
    """A Cyrillic word in ICAO letters; Г may be H where the language is not known."""
    table = CYRILLIC_ICAO
    if language in {"uk", "be"}:
        table = {**table, "г": "h"}
    if language == "uk":
        table = {**table, "и": "y"}
    if language == "be":
        table = {**table, "ё": "io"}
    text = "".join(table.get(ch, ch) for ch in word)
    variants = []
    if "г" in word:
        # ICAO keeps G for Ukrainian Г; a Ukrainian name typed without its own letters
        # reads as Russian; so Г may be either.
        other = "h" if language == "ru" else "g"
        variants.append({**table, "г": other})
    if "ў" in word:
        variants.append({**table, "ў": "v"})  # Казлоў is also written Kazlov
    alternatives = tuple("".join(t.get(ch, ch) for ch in word) for t in variants)
    return Piece(text, alternatives=alternatives)


# The sounds of ARABIC_SOUNDS in the matcher's folded letters (S is sh; kh, h → h;
# th → t; dh → d; z → s; q → k). ج stays j, the one j of the folded letters: Latin
# j, dj, dsch fold to a glide, and to g in the reading for Egyptian spellings.
ARABIC_FOLDED: dict[str, str] = {
    "ء": "", "آ": "a", "أ": "a", "إ": "i", "ؤ": "u", "ئ": "i", "ا": "a", "ب": "b",
    "ة": "a", "ت": "t", "ث": "t", "ج": "j", "ح": "h", "خ": "h", "د": "d", "ذ": "d",
    "ر": "r", "ز": "s", "س": "s", "ش": "S", "ص": "s", "ض": "d", "ط": "t", "ظ": "s",
    "ع": "", "غ": "g", "ف": "f", "ق": "k", "ك": "k", "ل": "l", "م": "m", "ن": "n",
    "ه": "h", "ى": "a", "پ": "p", "چ": "S", "ژ": "S", "ڤ": "v", "گ": "g", "ک": "k",
}  # fmt: skip


def _arabic_letters(word: str) -> str:
    """Letter by letter, long vowels kept: و and ي are consonants only at the start."""
    out = []
    for i, ch in enumerate(word):
        if ch == "و":
            out.append("v" if i == 0 else "u")
        elif ch in "يی":
            out.append("y" if i == 0 else "i")
        elif ch in "ةه" and i == len(word) - 1 and i > 0:
            out.append("a")  # a final ه is nearly always the feminine ending
        else:
            out.append(ARABIC_FOLDED.get(ch, ""))
    return re.sub(r"(.)\1+", r"\1", "".join(out))


def arabic_read(word: str) -> list[Piece]:
    """An Arabic-script word as pieces: particles vanish, عبد splits off its name."""
    bare = re.sub("[\u064b-\u065f\u0670\u0640]", "", word)
    key = _arabic_key(bare)
    if not key or key in ARABIC_PARTICLES:
        return []
    if key == "عبد":
        return [Piece("abd", arabic=True)]
    if key.startswith("عبد") and len(key) > 3:
        return [Piece("abd", arabic=True), *arabic_read(bare[3:])]
    # The article is ال with a bare alef; إل (Ilyas) is not one.
    if bare.startswith("ال") and len(key) > 3 and key not in VOCALISED:
        key = key[2:]
    if key in VOCALISED:
        return [Piece(VOCALISED[key], arabic=True)]
    return [Piece(_arabic_letters(key), vowelless=True, folded=True, arabic=True)]


def mrz_arabic(words: list[str]) -> list[str] | None:
    """The Arabic script of a name written in the ICAO Arabic MRZ code, else None.

    A name counts as coded when every word parses in the code and either one of its
    consonant escapes (XH, XKH ...) appears or it has few vowels, as unvocalised Arabic.
    """
    if not words or any(not re.fullmatch(r"[a-z]+", w) for w in words):
        return None
    joined = "".join(words)
    if "o" in joined or "c" in joined or "v" in joined:
        return None
    # Unvocalised: A, I, U are long vowels only, E is the letter ع.
    vowels = sum(joined.count(v) for v in "aeiu")
    if not _MRZ_ESCAPE.search(joined) and vowels / len(joined) >= 0.35:
        return None
    table = dict(ICAO_ARABIC_MRZ)
    out = []
    for word in words:
        pos, letters = 0, []
        while pos < len(word):
            m = _MRZ_CODE.match(word, pos)
            if m is None:
                return None
            letters.append(table[m.group()])
            pos = m.end()
        out.append("".join(letters))
    return out


def strip_marks(text: str) -> str:
    """Latin letters without their diacritics (the combining marks of NFD)."""
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))
