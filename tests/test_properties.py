"""Property tests (hypothesis) on splitting, normalisation and classification: any Unicode, never an exception."""
import json
import math
import re

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from service.classify import classify_article
from service.config import LABELS, LANGUAGES, UNDETERMINED
from service.text import attribution, normalise, split_sentences

# Bounded and reproducible: the same cases on every run, a few seconds in all.
FAST = settings(max_examples=500, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(FAST, max_examples=150)

LINE_BREAKS = "\n\r\u2028\u2029\x85\x0b\x0c"
# Pieces that have broken text code before: emoji and their joiners, combining marks, right-to-left text and
# marks, NUL and control characters, every kind of line break, sentence punctuation, abbreviations, quotes.
PIECES = [
    "😀", "👩‍👩‍👧", "🇰🇿", "e\u0301", "\u0301", "\u0301\u0301\u0301", "\u200f", "\u200e", "\u202e", "\u2066",
    "שלום עולם.", "مرحبا بالعالم؟", "\x00", "\x01", "\x1c", "\x1f", "\x7f", "\ufeff", "\ufffd", "\U0010ffff",
    *LINE_BREAKS, "\r\n", "\t", " ", "  ", "\u00a0", "\u3000", ".", ". ", "! ", "? ", "…", "...", "?!",
    "«", "»", "“", "”", "„", '"', "'", "(", ")", "—", "– ", "- ", "т.б.", "т.е.", "Mr.", "U.S.", "Ж. ", "J. ",
    "Тоқаев", "Си Цзиньпин", "Blinken", "Қытай", "Україна", "İ", "ß", "ﬁ", "ǅ", "2022", "07.01.2022", "3.5",
    "https://kursiv.kz/news?a=1", "www.example.com", "can't", "А", "a",
]
ANY_CHARACTER = st.characters(codec=None, exclude_categories=())  # lone surrogates included
VALID_CHARACTER = st.characters(codec="utf-8")  # every code point that can be encoded: no lone surrogates


def texts(characters, max_pieces: int = 30):
    return st.lists(st.one_of(st.sampled_from(PIECES), st.text(characters, max_size=12)), max_size=max_pieces) \
        .map("".join)


LONG_MIXED = ("Тоқаев Пекинге барды т.б. «Си Цзиньпин қолдады.» 😀 e\u0301 שלום \u200f\x00 U.S. 2022 … "
              * 1500)[:100_000]
LONG_LATIN_WORD = "a" * 100_000
LONG_CYRILLIC_WORD = "ж" * 100_000


@FAST
@given(texts(ANY_CHARACTER))
@example(LONG_MIXED)
@example(LONG_LATIN_WORD)
@example(LONG_CYRILLIC_WORD)
@example("\ud800 Тоқаев.\udfff Си.")
def test_sentences_are_ordered_trimmed_within_lines_and_cover_every_non_space(text):
    spans = split_sentences(text)
    covered = [False] * len(text)
    previous_end = 0
    for span in spans:
        assert previous_end <= span.start < span.end <= len(text)
        assert not text[span.start].isspace() and not text[span.end - 1].isspace()
        assert not any(char in LINE_BREAKS for char in text[span.start:span.end])
        covered[span.start:span.end] = [True] * (span.end - span.start)
        previous_end = span.end
    assert all(covered[index] for index, char in enumerate(text) if not char.isspace())


@FAST
@given(texts(ANY_CHARACTER))
@example(LONG_MIXED)
@example(LONG_CYRILLIC_WORD)
def test_normalise_masks_every_digit_and_is_stable(text):
    normalised = normalise(text)
    assert isinstance(normalised, str)
    assert set(re.findall(r"\d", normalised)) <= {"0"}
    assert normalise(normalised) == normalised


@FAST
@given(texts(ANY_CHARACTER))
@example(LONG_MIXED)
@example("«" * 50_000 + "»" * 50_000)
def test_attribution_is_a_quote_free_piece_of_the_sentence_at_most_half_its_length(text):
    speaker = attribution(text)
    assert len(speaker) <= len(text) / 2 and speaker == speaker.strip()
    assert not set(speaker) & set('«»„“”"') and set(speaker) <= set(text) | {" "}


def _assert_classified(result: dict, text: str) -> None:
    sentences = result["sentences"]
    assert [(s["start"], s["end"]) for s in sentences] == [tuple(span) for span in split_sentences(text)]
    for index, sentence in enumerate(sentences):
        assert sentence["index"] == index and sentence["text"] == text[sentence["start"]:sentence["end"]]
        assert sentence["language"] in (*LANGUAGES, UNDETERMINED) and sentence["label"] in LABELS
        assert math.isclose(sum(sentence["scores"].values()), 1.0, abs_tol=1e-9)
        assert all(0.0 <= score <= 1.0 for score in sentence["scores"].values())
    assert sum(result["summary"]["counts"].values()) == len(sentences)
    assert result["summary"]["label"] in LABELS and result["language"] in (*LANGUAGES, UNDETERMINED)


@SLOW
@given(texts(VALID_CHARACTER))
@example(LONG_MIXED)
@example(LONG_LATIN_WORD)
@example(LONG_CYRILLIC_WORD)
def test_classify_any_valid_text_with_the_real_model(model, text):
    _assert_classified(classify_article(model, text, explain=True), text)


SURROGATE_ESCAPES = st.sampled_from(["\\ud800", "\\udfff", "\\ud83d", "\\ude00", "\\ud83d\\ude00", "\\udbff\\udfff",
                                     "\\u0000", "\\u202e", "\\n", "\\\\", "\\\""])


@st.composite
def json_bodies(draw) -> bytes:
    """A JSON object whose text mixes any valid characters with raw escapes, lone surrogates among them."""
    parts = draw(st.lists(st.one_of(texts(VALID_CHARACTER, 5).map(lambda t: json.dumps(t)[1:-1]), SURROGATE_ESCAPES),
                          max_size=12))
    extra = draw(st.sampled_from(["", ', "explain": true', ', "language": "kk"']))
    return ('{"text": "' + "".join(parts) + '"' + extra + "}").encode()


@pytest.fixture(scope="module")
def http(app):
    return app.test_client()


def _assert_answered(response) -> None:
    assert response.status_code == 200 or 400 <= response.status_code < 500, response.get_data()[:300]
    if response.status_code != 200:
        body = response.get_json()
        assert body["status"] == response.status_code and body["message"]


@SLOW
@given(json_bodies())
@example(b'{"text": "\\ud800"}')
@example(b'{"text": "\\u0416\\u0430\\u04a3\\u0430 \\u0436\\u044b\\u043b \\ud800"}')
def test_classify_over_http_answers_200_or_a_json_4xx_never_500(http, body):
    response = http.post("/classify", data=body, content_type="application/json")
    _assert_answered(response)
    if response.status_code == 200:
        _assert_classified(response.get_json(), json.loads(body)["text"])
    batch = b'{"documents": [{"id": "a", ' + body[1:] + b"]}"
    _assert_answered(http.post("/classify/batch", data=batch, content_type="application/json"))


@SLOW
@given(st.binary(max_size=200))
@example(b"\xed\xa0\x80")  # a surrogate encoded as UTF-8, which is not UTF-8
@example(b"\x00\xff\xfe")
def test_any_bytes_as_plain_text_or_json_never_500(http, raw):
    _assert_answered(http.post("/classify", data=raw, content_type="text/plain; charset=utf-8"))
    _assert_answered(http.post("/classify", data=raw, content_type="application/json"))
