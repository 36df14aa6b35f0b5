"""Language detection among kk/ru/uk/en, with 'und' for anything else or too short."""
import pytest

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
