"""Hot model swap: POST /admin/reload, the last-good fallback, and SIGHUP to gunicorn under load."""
import json
import shutil
import signal
import threading

import pytest
import requests
from loopback import Gunicorn, write_artifact

from service.app import create_app
from service.config import MODEL_PATH, RECORD_PATH

KEY = {"X-API-Key": "admin-key-0123456789"}
TEXT = {"text": "Си Цзиньпин встретился с Токаевым в Астане. Стороны подписали соглашения."}


@pytest.fixture()
def models(tmp_path):
    """A copy of the trained pair to swap files in, so models/ itself is never touched."""
    directory = tmp_path / "models"
    directory.mkdir()
    shutil.copy(MODEL_PATH, directory / "framing.joblib")
    shutil.copy(RECORD_PATH, directory / "framing.json")
    return directory


def _app(models, **config):
    return create_app({"TESTING": True, "API_KEYS": KEY["X-API-Key"], "MODEL_PATH": str(models / "framing.joblib"),
                       "RECORD_PATH": str(models / "framing.json"), **config})


def _tamper(path):
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def test_reload_swaps_in_a_new_artifact_and_refuses_a_bad_one(models, model):
    client = _app(models).test_client()
    assert client.post("/admin/reload").status_code == 401
    same = client.post("/admin/reload", headers=KEY).get_json()
    assert same["status"] == "unchanged" and same["version"] == model.version
    write_artifact(model.pipeline, model.record, models, "test-new-1", compress=3)
    swapped = client.post("/admin/reload", headers=KEY)
    assert swapped.status_code == 200
    assert swapped.get_json()["status"] == "reloaded" and swapped.get_json()["previous_version"] == model.version
    assert client.get("/model", headers=KEY).get_json()["version"] == "test-new-1"
    assert client.post("/classify", json=TEXT, headers=KEY).headers["X-Model-Version"] == "test-new-1"

    _tamper(models / "framing.joblib")
    refused = client.post("/admin/reload", headers=KEY)
    assert refused.status_code == 409 and refused.get_json()["status"] == 409
    assert "test-new-1" in refused.get_json()["message"] and "sha256" in refused.get_json()["message"]
    assert client.post("/classify", json=TEXT, headers=KEY).headers["X-Model-Version"] == "test-new-1"
    assert client.get("/readyz").status_code == 200


def test_a_record_with_other_labels_is_refused(models, model):
    client = _app(models).test_client()
    record = json.loads((models / "framing.json").read_text())
    record["labels"] = list(reversed(record["labels"]))
    (models / "framing.json").write_text(json.dumps(record))
    response = client.post("/admin/reload", headers=KEY)
    assert response.status_code == 409 and "labels" in response.get_json()["message"]
    assert client.get("/model", headers=KEY).get_json()["version"] == model.version


def test_reload_without_any_model_is_503(models):
    (models / "framing.joblib").unlink()
    client = _app(models).test_client()
    response = client.post("/admin/reload", headers=KEY)
    assert response.status_code == 503 and response.get_json()["code"] == "service_unavailable"


def test_a_worker_started_on_a_refused_artifact_serves_the_last_good_copy(models, model, tmp_path):
    last_good = tmp_path / "last-good"
    first = _app(models, LAST_GOOD_DIR=str(last_good))
    assert first.extensions["framing_model"].model.version == model.version
    assert (last_good / model.sha256 / "framing.joblib").read_bytes() == MODEL_PATH.read_bytes()
    _tamper(models / "framing.joblib")
    restarted = _app(models, LAST_GOOD_DIR=str(last_good)).test_client()
    assert restarted.get("/readyz").status_code == 200
    assert restarted.post("/classify", json=TEXT, headers=KEY).headers["X-Model-Version"] == model.version
    assert _app(models).extensions["framing_model"].model is None  # without the copy there is nothing to serve


def test_sighup_under_load_serves_the_new_model_and_a_tampered_one_is_refused(models, model, tmp_path):
    server = Gunicorn(tmp_path, FRAMING_MODEL_PATH=str(models / "framing.joblib"),
                      FRAMING_RECORD_PATH=str(models / "framing.json"))
    failures, served, stop = [], set(), threading.Event()

    def load():
        with requests.Session() as session:
            while not stop.is_set():
                try:
                    response = session.post(f"{server.url}/classify", json=TEXT, timeout=30)
                    served.add(response.headers.get("X-Model-Version"))
                    if response.status_code != 200:
                        failures.append(response.status_code)
                except requests.RequestException as error:
                    failures.append(repr(error))

    def versions() -> set:
        return {requests.get(f"{server.url}/model", timeout=10).json()["version"] for _ in range(6)}

    threads = [threading.Thread(target=load) for _ in range(3)]
    try:
        for thread in threads:
            thread.start()
        old_workers = server.worker_pids()
        write_artifact(model.pipeline, model.record, models, "test-hup-1", compress=3)
        server.process.send_signal(signal.SIGHUP)
        server.wait_for(lambda: not server.worker_pids() & old_workers and versions() == {"test-hup-1"},
                        "the new model on every worker")

        _tamper(models / "framing.joblib")
        old_workers = server.worker_pids()
        server.process.send_signal(signal.SIGHUP)
        server.wait_for(lambda: not server.worker_pids() & old_workers and len(server.worker_pids()) == 2,
                        "the workers after the tampered swap")
        assert versions() == {"test-hup-1"}
        assert requests.get(f"{server.url}/readyz", timeout=10).status_code == 200
    finally:
        stop.set()
        for thread in threads:
            thread.join()
        server.stop()
    assert failures == []
    assert {model.version, "test-hup-1"} <= served
    assert "refused" in server.stdout.read_text()
