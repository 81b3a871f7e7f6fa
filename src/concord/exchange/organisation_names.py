"""The core of an organisation's name, for the name matcher to compare.

``ООО «Ромашка»``, ``Romashka LLC`` and ``"ROMASHKA" Ltd.`` differ only in legal form,
quotes and punctuation; their cores are ``ромашка`` and ``romashka``, which a
transliterating matcher can then compare. The core is NFKC-normalised and casefolded,
dotted abbreviations are closed up (``S.A.`` → ``sa``), every run of characters that are
not letters, marks or digits (quotes of all kinds, punctuation, symbols) separates words,
and legal-form words are removed from the ends of the name.

Legal forms are only removed at the ends, since that is where they stand (``Acme Ltd``,
``ООО Ромашка``); a word in the middle is more likely part of the name. Forms that stand
before the name in their language (Russian ``ООО``, Arabic ``شركة``, Estonian ``AS``, …)
are removed from both ends, the others only from the end, so ``Co-operative Bank`` keeps
its ``co``. A name made only of legal-form words is kept whole.
"""

from __future__ import annotations

import re
import unicodedata

# fmt: off
# Spellings as they are written; they go through the same tokenising as names, so
# "Sp. z o.o." becomes the words ("sp", "z", "oo") and matches however it was punctuated.
_LEGAL_FORMS_AT_END = (
    # English-speaking and international
    "LLC", "L.L.C.", "Ltd", "Limited", "Inc", "Incorporated", "Corp", "Corporation",
    "Co", "Company", "PLC", "LLP", "LP", "PLLC", "Pty", "Pvt", "Pte", "Sdn", "Bhd",
    "FZE", "FZCO", "FZC", "FZ-LLC", "JSC", "OJSC", "CJSC", "PJSC", "KK",
    # German, Dutch, Nordic
    "GmbH", "mbH", "AG", "KG", "KGaA", "OHG", "GbR", "UG", "e.V.", "eG", "SE",
    "B.V.", "N.V.", "BVBA", "VOF", "AB", "AS", "A/S", "ASA", "ApS", "Oy", "Oyj",
    # Romance languages
    "SARL", "S.A.", "S. A.", "SAS", "SASU", "EURL", "SNC", "SCI", "S.L.", "SLU",
    "S.A. de C.V.", "S.A.B. de C.V.", "S.A.P.I. de C.V.", "S. de R.L.", "Ltda", "Cía", "Cia", "S.p.A.", "S.r.l.", "S.a.s.",
    # Central Europe, Türkiye, Israel
    "Sp. z o.o.", "Sp.k.", "s.r.o.", "spol. s r.o.", "a.s.", "d.o.o.", "Kft", "Zrt", "Nyrt",
    "A.Ş.", "Şti", "ŞTİ", 'בע"מ',
    # East Asia, written apart from the name
    "주식회사", "(주)",
)
_LEGAL_FORMS_AT_EITHER_END = (
    # Russian, Belarusian, Kazakh, Ukrainian, in Cyrillic and in transliteration
    "ООО", "OOO", "ЗАО", "ZAO", "ОАО", "OAO", "АО", "AO", "ПАО", "PAO", "НАО", "NAO",
    "ТОО", "TOO", "ИП", "IP", "ОДО", "ЧУП", "УП", "ЧП", "ТОВ", "TOV", "ПАТ", "ПрАТ", "ПП",
    # Arabic
    "شركة", "مؤسسة", "ذ.م.م", "ش.م.م", "ش.م.ع", "ش.ذ.م.م",
    # Baltic forms written before the name
    "SIA", "UAB", "AS", "OÜ",
    # Japanese and Korean
    "株式会社", "有限会社", "合同会社", "주식회사", "(주)",
)
# fmt: on
# Chinese and Japanese names run the form into the name without a space.
_CJK_SUFFIXES = ("股份有限公司", "有限责任公司", "有限公司", "株式会社", "有限会社", "合同会社")
_CJK_PREFIXES = ("株式会社", "有限会社", "合同会社")

# A run of single letters each followed by a dot: S.A., o.o., e.V., ذ.م.م
_ABBREVIATION_RE = re.compile(r"(?<!\w)[^\W\d_](?:\.[^\W\d_])+\.?(?!\w)")
# An apostrophe inside a word (O'Brien, McDonald’s) is part of the word, not a break.
_INNER_APOSTROPHE_RE = re.compile(r"(?<=[^\W\d_])['’ʼ](?=[^\W\d_])")


def _words(text: str) -> list[str]:
    text = unicodedata.normalize("NFKC", text)
    text = _ABBREVIATION_RE.sub(lambda match: match.group().replace(".", ""), text)
    text = _INNER_APOSTROPHE_RE.sub("", text).casefold()
    words: list[str] = []
    current: list[str] = []
    for char in text:
        if unicodedata.category(char)[0] in "LMN":
            current.append(char)
        elif current:
            words.append("".join(current))
            current = []
    if current:
        words.append("".join(current))
    return words


def _forms(spellings: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
    # Longest first, so "S.A. de C.V." goes before "S.A." would leave "de cv" behind.
    return tuple(sorted({tuple(_words(s)) for s in spellings}, key=len, reverse=True))


_FORMS_AT_END = _forms(_LEGAL_FORMS_AT_END + _LEGAL_FORMS_AT_EITHER_END)
_FORMS_AT_START = _forms(_LEGAL_FORMS_AT_EITHER_END)


def _trim(words: list[str]) -> list[str]:
    start, end = 0, len(words)
    trimmed = True
    while trimmed and start < end:
        trimmed = False
        for form in _FORMS_AT_END:
            if end - start >= len(form) and tuple(words[end - len(form) : end]) == form:
                end -= len(form)
                trimmed = True
                break
        for form in _FORMS_AT_START:
            if end - start >= len(form) and tuple(words[start : start + len(form)]) == form:
                start += len(form)
                trimmed = True
                break
    return words[start:end]


def _cjk_trim(words: list[str]) -> list[str]:
    words = list(words)
    for suffix in _CJK_SUFFIXES:
        if words and words[-1].endswith(suffix) and len(words[-1]) > len(suffix):
            words[-1] = words[-1][: -len(suffix)]
            break
    for prefix in _CJK_PREFIXES:
        if words and words[0].startswith(prefix) and len(words[0]) > len(prefix):
            words[0] = words[0][len(prefix) :]
            break
    return words


def organisation_name_core(name: str) -> str:
    """The name without legal forms, quotes and punctuation, casefolded, words joined by
    single spaces: ``ООО «Ромашка»`` → ``ромашка``, ``Acme Trading Co., Ltd.`` → ``acme
    trading``. Empty only when the name has no letters or digits at all."""
    words = _words(name)
    core = _cjk_trim(_trim(words))
    return " ".join(core or words)
