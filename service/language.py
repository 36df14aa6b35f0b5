"""Language detection among kk/ru/uk/en: script first, then lingua and each alphabet's own letters."""
import re
from functools import lru_cache

from lingua import Language, LanguageDetectorBuilder

from .config import UNDETERMINED

CYRILLIC = {Language.KAZAKH: "kk", Language.RUSSIAN: "ru", Language.UKRAINIAN: "uk"}
MIN_LETTERS = 8
# A sentence's first characters tell its language; a 100,000-character "word" would take lingua seconds.
DETECTION_CHARS = 1000
# Letters that only one of the three Cyrillic alphabets has, or that one of them lacks.
KAZAKH_ONLY = frozenset("әғқңөұүһ")
UKRAINIAN_ONLY = frozenset("їєґ")
NOT_UKRAINIAN = frozenset("ыэёъ")
NOT_RUSSIAN = frozenset("іїєґәғқңөұүһ")
# Latin text with more than this share of letters English does not use (ä, ß, é, ğ, ł...) is another language.
FOREIGN_LATIN_SHARE = 0.02
# Every letter the alphabet rules look for: a sentence's set of these is cheaper to build than of all its letters.
_DISTINCTIVE = re.compile(f"[{''.join(sorted(KAZAKH_ONLY | UKRAINIAN_ONLY | NOT_UKRAINIAN | NOT_RUSSIAN))}]")


@lru_cache(maxsize=1)
def _detector():
    # Low-accuracy mode keeps the detector near 20 MB per worker instead of about 200 MB; the alphabet
    # rules below repair what it gets wrong between the three Cyrillic languages.
    return LanguageDetectorBuilder.from_languages(*CYRILLIC).with_low_accuracy_mode() \
        .with_preloaded_language_models().build()


def warm_up() -> None:
    """Build the detector now rather than on the first request."""
    _detector()


def _script(text: str) -> tuple[str, float]:
    """The dominant script ('cyrillic', 'latin', 'other' or 'short') and, for Latin, the share of
    letters that English does not use."""
    cyrillic = latin = other = 0
    foreign_latin = 0
    for char in text:
        if not char.isalpha():
            continue
        if "\u0400" <= char <= "\u04ff":
            cyrillic += 1
        elif char.isascii():
            latin += 1
        elif "\u00c0" <= char <= "\u024f":
            latin += 1
            foreign_latin += 1
        else:
            other += 1
    if cyrillic + latin + other < MIN_LETTERS:
        return "short", 0
    if cyrillic >= latin and cyrillic >= other:
        return "cyrillic", 0
    if latin >= other:
        return "latin", foreign_latin / latin
    return "other", 0


def _allowed(letters: set) -> tuple[str, ...]:
    """The Cyrillic languages whose alphabets allow these letters."""
    return tuple(code for code, allowed in (("kk", bool(letters & KAZAKH_ONLY)), ("ru", not letters & NOT_RUSSIAN),
                                            ("uk", not letters & NOT_UKRAINIAN)) if allowed)


def _cyrillic_language(text: str, confidences) -> tuple[str, float]:
    """lingua's best guess that the text's own alphabet allows, with lingua's confidence in it."""
    letters = set(_DISTINCTIVE.findall(text.casefold()))
    if letters & UKRAINIAN_ONLY and not letters & KAZAKH_ONLY:
        return "uk", 1.0
    ranked = [(CYRILLIC[value.language], value.value) for value in confidences]
    allowed = _allowed(letters)
    for code, confidence in ranked:
        if code in allowed:
            return code, confidence
    return ranked[0]


def _alphabet_language(text: str) -> str | None:
    """The language when the alphabet alone settles it: the one _cyrillic_language would pick whatever
    lingua's ranking (lingua ranks all three languages), so lingua need not run."""
    letters = set(_DISTINCTIVE.findall(text.casefold()))
    if letters & UKRAINIAN_ONLY and not letters & KAZAKH_ONLY:
        return "uk"
    allowed = _allowed(letters)
    return allowed[0] if len(allowed) == 1 else None


def detect_with_confidence(texts: list[str], confidence: bool = True) -> list[tuple[str, float]]:
    """(language or 'und', confidence) for each text; without `confidence`, a text whose alphabet settles
    its language skips lingua (most Cyrillic sentences: lingua is most of the cost) and gets 1.0."""
    results = [(UNDETERMINED, 0.0)] * len(texts)
    texts = [text[:DETECTION_CHARS] for text in texts]
    cyrillic = []
    for index, text in enumerate(texts):
        script, foreign_share = _script(text)
        settled = None if confidence or script != "cyrillic" else _alphabet_language(text)
        if settled:
            results[index] = (settled, 1.0)
        elif script == "cyrillic":
            cyrillic.append(index)
        elif script == "latin" and foreign_share <= FOREIGN_LATIN_SHARE:
            results[index] = ("en", 1.0 - foreign_share)
    if cyrillic:
        values = _detector().compute_language_confidence_values_in_parallel([texts[i] for i in cyrillic])
        for index, confidences in zip(cyrillic, values):
            results[index] = _cyrillic_language(texts[index], confidences)
    return results


def detect_many(texts: list[str]) -> list[str]:
    """The language of each text, 'und' when it is another language or too short to tell."""
    return [code for code, _ in detect_with_confidence(texts, confidence=False)]


def detect(text: str) -> str:
    """The language code of one text, or 'und'."""
    return detect_many([text])[0]
