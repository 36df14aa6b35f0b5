"""Sentence splitting against the seed gold, and the shared normalisation."""
import json

import pytest

from service.config import SEED_GOLD_PATH
from service.text import attribution, normalise, split_sentences, transliterate


def _texts(text):
    return [text[span.start:span.end] for span in split_sentences(text)]


def test_splitter_reproduces_seed_gold_boundaries(seed_articles):
    gold = {}
    for line in SEED_GOLD_PATH.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        gold.setdefault(row["source"], []).append((row["start"], row["end"]))
    assert set(gold) == set(seed_articles)
    for name, article in seed_articles.items():
        assert [(s.start, s.end) for s in split_sentences(article)] == gold[name], name


@pytest.mark.parametrize("text, expected", [
    ("Тоқаев Пекинге барды т.б. елдерге де барды. Келесі сапар көктемде.",
     ["Тоқаев Пекинге барды т.б. елдерге де барды.", "Келесі сапар көктемде."]),
    ("Mr. Blinken met the U.S. envoy. He left.", ["Mr. Blinken met the U.S. envoy.", "He left."]),
    ("Ж. Бабалықов мәлімдеді. Сосын кетті.", ["Ж. Бабалықов мәлімдеді.", "Сосын кетті."]),
    ("Рост составил 3.5 процента 07.01.2022 года. Далее.", ["Рост составил 3.5 процента 07.01.2022 года.", "Далее."]),
    ("Headline without a stop\nBody one. Body two", ["Headline without a stop", "Body one.", "Body two"]),
    ("- Протести почалися 2 січня. 5 січня уряд пішов.\n- Друге.",
     ["- Протести почалися 2 січня.", "5 січня уряд пішов.", "- Друге."]),
    ("«Мы готовы помочь», — заявил он. «Граница открыта.» Далее текст.",
     ["«Мы готовы помочь», — заявил он.", "«Граница открыта.»", "Далее текст."]),
    ("То есть, т.е. так. Итог.", ["То есть, т.е. так.", "Итог."]),
])
def test_splitter_cases(text, expected):
    assert _texts(text) == expected


def test_spans_are_trimmed_ordered_and_cover_all_non_space_text():
    text = "  Первое.   Второе!\n\n\tТретье?  "
    spans = split_sentences(text)
    assert [text[s.start:s.end] for s in spans] == ["Первое.", "Второе!", "Третье?"]
    assert all(a.end <= b.start for a, b in zip(spans, spans[1:]))
    covered = "".join(text[s.start:s.end] for s in spans)
    assert covered.replace(" ", "") == "".join(text.split())


def test_normalise_folds_kazakh_and_ukrainian_letters_and_masks_digits_and_urls():
    assert normalise("Тоқаев") == normalise("Токаев") == "токаев"
    assert normalise("Токаєв") == "токаев"
    assert normalise("2019 жылы https://kursiv.kz/news") == "0000 жылы urlmask "
    assert normalise("Қытай ( іі , ді ) серіктес") == "кытай (ии, ди) сериктес"
    assert transliterate(normalise("Тоқаев")) == "tokaev"


@pytest.mark.parametrize("text, expected", [
    ("«Біз реформалар жолынан тайынбаймыз, бұл халықтың талабы», — деді Тоқаев.", ", — деді Тоқаев."),
    ('жұмыс орындары ашылады" деді министр', "деді министр"),  # closes a quotation opened lines before
    ("Ван И: «Китай готов к диалогу со всеми соседями", "Ван И:"),  # opens one that runs on
    ('"We stand with the families of those held in the camps in Xinjiang," the embassy said.',
     "the embassy said."),
    ("Влада почала «антитерористичну операцію» у кількох містах країни.", ""),  # quoted for distance
    ("Протести в Казахстані почалися 2 січня.", ""),  # nothing quoted
    ("«Жаңалықтар»", ""),  # nothing outside the quotation
])
def test_attribution_is_the_text_outside_a_quotation_that_dominates_the_sentence(text, expected):
    assert attribution(text) == expected
