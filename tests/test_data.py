"""The corpus passes the validator, and the validator catches each kind of bad row."""
import json

from training.validate import validate

GOOD = {"id": "t-1", "text": "Мемлекет басшысы Астанада Қытай Халық Республикасының елшісін қабылдады.",
        "language": "kk", "label": "neutral", "topic": "procedure", "group": "t-1"}


def test_whole_corpus_is_valid():
    problems, rows = validate()
    assert problems == []
    assert len(rows) > 0


def _problems(tmp_path, rows):
    path = tmp_path / "rows.jsonl"
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in rows) + "\n",
                    encoding="utf-8")
    return [p for p in validate([path])[0] if p.startswith(str(path))]


def test_validator_accepts_a_good_row(tmp_path):
    assert _problems(tmp_path, [GOOD]) == []


def test_validator_names_file_line_and_reason(tmp_path):
    other = {**GOOD, "id": "t-2", "group": "t-2", "text": "Тоқаев Бейжіңде Си Цзиньпинмен кездесіп, келіссөз жүргізді."}
    rows = [
        GOOD,
        "{not json",
        {**other, "label": "pro_china"},
        {**other, "id": "t-3", "language": "xx"},
        {**other, "id": "t-4", "topic": None},
        {**GOOD, "id": "t-5", "group": "t-5"},  # exact duplicate text
        {**GOOD, "id": "t-6", "group": "t-6", "text": GOOD["text"].replace("қабылдады", "қабылдады!")},  # near
        {**other, "id": "t-7", "language": "en", "group": "t-7",
         "text": "Бейжіңде өткен кездесуде екі елдің басшылары сауда мен көлік мәселелерін талқылады."},
        {**other, "id": "t-1", "text": "Бұл жолы мүлдем басқа сөйлем жазылды, бірақ идентификатор қайталанды."},
        {**other, "id": "t-8", "unexpected": 1, "text": "Мүлдем жаңа мәтін, ешқандай қосымша өрісі болмауы керек еді."},
    ]
    problems = _problems(tmp_path, rows)
    reasons = {int(p.split(":")[1]): p.split(": ", 1)[1] for p in problems}
    assert "invalid JSON" in reasons[2]
    assert "unknown label" in reasons[3]
    assert "unknown language" in reasons[4]
    assert "topic" in reasons[5]
    assert "near-duplicate" in reasons[6] and "near-duplicate" in reasons[7]
    assert "detector says 'kk'" in reasons[8]
    assert "duplicate id" in reasons[9]
    assert "unknown key" in reasons[10]


def test_translations_with_different_labels_are_rejected(tmp_path):
    kk = {**GOOD, "id": "g-kk", "group": "g-1", "label": "kazakh_government"}
    ru = {**GOOD, "id": "g-ru", "group": "g-1", "language": "ru", "label": "neutral",
          "text": "Глава государства принял в Астане посла Китайской Народной Республики."}
    problems = _problems(tmp_path, [kk, ru])
    assert any("translations in group 'g-1'" in p for p in problems)
