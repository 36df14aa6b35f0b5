"""Language detection among kk/ru/uk/en, with 'und' for anything else or too short."""
import json

import pytest

from service import language
from service.config import CORPUS_DIR
from service.language import detect, detect_many


@pytest.mark.parametrize("text, expected", [
    ("Мемлекет басшысы Қытай елшісімен кездесіп, екі ел арасындағы сауда туралы сөйлесті.", "kk"),
    ("Министр иностранных дел Китая провёл телефонный разговор с казахстанским коллегой.", "ru"),
    ("Протести в Казахстані почалися на початку січня, повідомляє видання.", "uk"),
    ("The State Department announced new visa restrictions on Chinese officials.", "en"),
    ("Der Außenminister hat heute in Berlin eine Erklärung abgegeben.", "und"),
    ("18:00", "und"),
    ("12+", "und"),
])
def test_detect(text, expected):
    assert detect(text) == expected


def test_detect_many_matches_detect_one_by_one():
    texts = ["Бұл туралы агенттік хабарлады", "17:00", "Влада міста почала операцію.", "Hello, this is English."]
    assert detect_many(texts) == [detect(text) for text in texts]


def test_alphabet_settles_most_cyrillic_sentences_without_lingua_and_agrees_with_it(monkeypatch):
    """detect_many skips lingua where a sentence's letters allow one language only (a serving speed-up);
    its answers must stay those of the full path, which always asks lingua."""
    texts = [json.loads(line)["text"] for path in sorted((CORPUS_DIR / "articles").glob("*.jsonl"))
             for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    full = [code for code, _ in language.detect_with_confidence(texts)]
    detector, asked = language._detector(), []

    class CountingDetector:
        def compute_language_confidence_values_in_parallel(self, batch):
            asked.extend(batch)
            return detector.compute_language_confidence_values_in_parallel(batch)

    monkeypatch.setattr(language, "_detector", CountingDetector)
    assert detect_many(texts) == full
    cyrillic = [text for text, code in zip(texts, full) if code in ("kk", "ru", "uk")]
    assert len(cyrillic) > 1000
    assert len(asked) < 0.2 * len(cyrillic)
