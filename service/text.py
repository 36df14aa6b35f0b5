"""Sentence splitting, normalisation and transliteration shared by training and serving."""
import re
from typing import NamedTuple


class Span(NamedTuple):
    """A sentence as a half-open range of code points into the article."""

    start: int
    end: int


# Tokens that end with a full stop without ending a sentence (compared case-folded, final stop removed).
ABBREVIATIONS = frozenset(
    """
    т.б т.с.с т.с б.з.д ж жж ғ ғғ млн млрд мың бет ст проф акад
    т.е т.д т.п т.к г гг им ул пр просп стр руб долл тыс см н.э др ср напр рис
    р рр ім вул грн тис див ін с пл
    mr mrs ms dr prof st no nos vs etc e.g i.e inc ltd co corp gen sen rep gov jr sr mt ft
    jan feb mar apr jun jul aug sep sept oct nov dec u.s u.k u.n e.u a.m p.m approx est
    """.split()
)
# A sentence ends at . ! ? or … (possibly repeated), followed by closing quotes or brackets, then space.
_END = re.compile(r"[.!?…]+[\"'»”’)\]]*(?=\s)")
_OPENERS = "\"'«“„([—–-"


def _line_spans(text: str):
    """Yield (start, end) of every non-blank line, trimmed of surrounding whitespace."""
    for match in re.finditer(r"[^\n\r\u2028\u2029\x85\x0b\x0c]+", text):
        start, end = match.span()
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if start < end:
            yield start, end


def _is_abbreviation(line: str, dot: int) -> bool:
    """True when the full stop at `dot` closes an abbreviation or an initial, not a sentence."""
    word_start = dot
    while word_start > 0 and not line[word_start - 1].isspace():
        word_start -= 1
    word = line[word_start:dot].lstrip(_OPENERS).casefold()
    if not word:
        return False
    if len(word) == 1 and word.isalpha():
        return True  # an initial: "Ж. Бабалықов", "J. Smith"
    return word in ABBREVIATIONS


def _starts_sentence(char: str) -> bool:
    return char.isupper() or char.isdigit() or char in _OPENERS or not char.isalpha()


def split_sentences(text: str) -> list[Span]:
    """Split an article into sentence spans: every line break ends a sentence, and so does
    terminal punctuation followed by whitespace and a capital, digit or opening quote,
    unless it closes an abbreviation or an initial."""
    spans = []
    for line_start, line_end in _line_spans(text):
        line = text[line_start:line_end]
        start = 0
        for match in _END.finditer(line):
            end = match.end()
            following = line[end:].lstrip()
            if not following or not _starts_sentence(following[0]):
                continue
            if line[match.start()] == "." and match.end() - match.start() == 1:
                if _is_abbreviation(line, match.start()):
                    continue
            spans.append(Span(line_start + start, line_start + end))
            start = end + (len(line[end:]) - len(following))
        spans.append(Span(line_start + start, line_end))
    return spans


# Kazakh and Ukrainian letters folded onto the shared Cyrillic forms, so that kk/uk/ru share n-grams.
_FOLD = str.maketrans(
    {
        "ә": "а", "ғ": "г", "қ": "к", "ң": "н", "ө": "о", "ұ": "у", "ү": "у", "һ": "х",
        "і": "и", "ї": "и", "є": "е", "ґ": "г", "ё": "е", "ў": "у",
        "«": '"', "»": '"', "“": '"', "”": '"', "„": '"', "‘": "'", "’": "'", "ʼ": "'", "`": "'",
        "–": "-", "—": "-", "\u00a0": " ",
    }
)
# str.translate looks every character up in _FOLD; substituting only the few that fold is several times faster.
_FOLD_BY_CHAR = {chr(code): folded for code, folded in _FOLD.items()}
_FOLDING = re.compile("[" + re.escape("".join(_FOLD_BY_CHAR)) + "]")
_URL = re.compile(r"(?:https?://|www\.)\S+|\b[\w.-]+\.(?:kz|ru|ua|com|org|net|cn)\b(?:/\S*)?")
# What every _URL match contains; searching for it is linear, while _URL backtracks through each word.
_URL_MARK = re.compile(r"https?://|www\.|\.(?:kz|ru|ua|com|org|net|cn)\b")
_DIGITS = re.compile(r"\d")
_APOSTROPHE_IN_WORD = re.compile(r"(?<=\w)'(?=\w)")
# Tokenised sources put spaces around punctuation ("Қытай ( іі , ді )"); close them up.
_SPACE_BEFORE_PUNCTUATION = re.compile(r"\s+(?=[,.;:!?)\]])")
_SPACE_AFTER_OPENER = re.compile(r"(?<=[(\[])\s+")
_SPACES = re.compile(r"\s+")
# Text that _SPACES would change: a run of whitespace, or whitespace other than a plain space.
_UNTIDY_SPACE = re.compile(r"\s\s|[^\S ]")


def normalise(text: str) -> str:
    """Case-fold, fold kk/uk letters onto shared Cyrillic, mask URLs and digits, tidy spacing."""
    # The searches and `in` tests skip substitutions that would change nothing (most sentences need
    # few of them); normalise runs twice on every sentence the service classifies.
    text = text.casefold()
    if _URL_MARK.search(text):
        text = _URL.sub(" urlmask ", text)
    text = _FOLDING.sub(lambda match: _FOLD_BY_CHAR[match.group()], text)
    if "'" in text:
        text = _APOSTROPHE_IN_WORD.sub("", text)
    text = _SPACE_AFTER_OPENER.sub("", _SPACE_BEFORE_PUNCTUATION.sub("", text))
    if _UNTIDY_SPACE.search(text):
        text = _SPACES.sub(" ", text)
    return _DIGITS.sub("0", text)


# A quotation opened and closed inside the sentence; straight quotes pair up in order.
_QUOTED = re.compile(r'«[^«»]*»|„[^„“”]*[“”]|“[^“”]*”|"[^"]*"')
_QUOTE_MARK = re.compile('["«„“»”]')
_CLOSING = re.compile(r'[»”]|(?<=\S)"(?=[\s,.;:!?)—–-]|$)')
_LETTER = re.compile(r"[^\W\d_]")


def attribution(text: str) -> str:
    """The words of a sentence that quotes someone, outside the quotation: usually the speaker and the verb
    of saying ("», — деді Тоқаев."); '' when the sentence quotes nothing, or when the quotation is not most
    of it."""
    if not _QUOTE_MARK.search(text):
        return ""
    outside = _QUOTED.sub(" ", text)
    # What is left of a quotation opened on an earlier line ends at its closing mark; one that opens here
    # runs past the end of the sentence.
    closings = list(_CLOSING.finditer(outside))
    if closings:
        outside = outside[closings[-1].end():]
    opening = _QUOTE_MARK.search(outside)
    if opening is not None:
        outside = outside[:opening.start()]
    outside = outside.strip()
    # Only where the quotation is most of the sentence: a few words quoted for distance ("the so-called
    # «training centres»") leave the sentence's own framing in charge.
    return outside if _LETTER.search(outside) and len(outside) <= len(text) / 2 else ""


_TRANSLIT = str.maketrans(
    {
        "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ж": "zh", "з": "z", "и": "i",
        "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s",
        "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch",
        "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya",
    }
)


def transliterate(normalised: str) -> str:
    """Romanise normalised Cyrillic so Токаев, Тоқаев and Tokayev share character n-grams."""
    return normalised.translate(_TRANSLIT)
