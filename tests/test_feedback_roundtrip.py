"""The correction loop end to end: POST /feedback -> review accept -> make train -> the record counts it."""
import json
import os
import subprocess
import sys
from pathlib import Path

from service.app import create_app
from service.config import MODEL_PATH, RECORD_PATH
from service.model import load_model
from training.feedback import check_model_record

ROOT = Path(__file__).resolve().parent.parent


def test_an_accepted_correction_reaches_the_next_model(tmp_path, model):
    database, output = tmp_path / "feedback.sqlite3", tmp_path / "models"
    client = create_app({"TESTING": True, "FEEDBACK_DB": str(database)}, model=model).test_client()
    posted = client.post("/feedback", json={
        "text": "Вашингтон Шыңжаңдағы лагерьлерге қатысты жаңа санкциялардың негізді екенін тағы да атап өтті.",
        "label": "us_favourable", "predicted": "neutral", "model_version": model.version, "language": "kk"})
    assert posted.status_code == 201
    correction = posted.get_json()["id"]

    env = {**os.environ, "FRAMING_FEEDBACK_DB": str(database)}
    review = subprocess.run([sys.executable, "-m", "training", "review", "accept", str(correction)],
                            cwd=ROOT, env=env, capture_output=True, text=True)
    assert review.returncode == 0, review.stderr
    trained = subprocess.run([sys.executable, "-m", "training", "train", "--no-search", "--output", str(output)],
                             cwd=ROOT, env=env, capture_output=True, text=True)
    assert trained.returncode == 0, trained.stdout[-2000:] + trained.stderr[-2000:]
    assert "+ 1 accepted correction(s)" in trained.stdout

    record = json.loads((output / RECORD_PATH.name).read_text(encoding="utf-8"))
    assert record["feedback"]["count"] == 1
    assert check_model_record(database, output / RECORD_PATH.name) == record["feedback"]
    assert record["version"].endswith(f"-fb{record['feedback']['sha256'][:6]}")
    retrained = load_model(output / MODEL_PATH.name, output / RECORD_PATH.name)
    assert retrained.sha256 == record["sha256"] != model.sha256
