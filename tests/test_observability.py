"""Request ids, the JSON request log (never the text) and /metrics, in-process and across gunicorn workers."""
import json
import os
import signal
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from loopback import Gunicorn
from prometheus_client.parser import text_string_to_metric_families

from service.app import create_app
from service.config import LABELS

ARTICLE = ("Си Цзиньпин встретился с Токаевым в Астане. Стороны подписали соглашения о торговле.\n"
           "Blinken said Washington supports Kazakhstan's sovereignty. Секретный-маркер-текста-7319.")
SECRET = "Секретный-маркер-текста-7319"


def _samples(text: str) -> dict:
    """{(sample name, sorted labels): value} from a Prometheus text page."""
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(text) for sample in family.samples}


def _value(samples: dict, name: str, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def _log_lines(captured: str) -> list[dict]:
    return [json.loads(line) for line in captured.splitlines() if line.startswith("{")]


def test_request_id_is_echoed_when_sane_and_made_otherwise(client):
    assert client.get("/healthz", headers={"X-Request-Id": "abc-123.x:y_z"}).headers["X-Request-Id"] == "abc-123.x:y_z"
    for bad in ("has space", "x" * 129, "new\u2028line", ""):
        made = client.get("/healthz", headers={"X-Request-Id": bad}).headers["X-Request-Id"]
        assert made != bad and len(made) == 32 and int(made, 16) >= 0
    first, second = (client.get("/healthz").headers["X-Request-Id"] for _ in range(2))
    assert first != second


def test_one_json_line_per_request_with_the_length_but_never_the_text(client, model, capsys):
    capsys.readouterr()
    response = client.post("/classify", json={"text": ARTICLE}, headers={"X-Request-Id": "req-42"})
    rejected = client.post("/classify", json={"text": ARTICLE, "language": "de"})
    client.get("/nowhere")
    captured = capsys.readouterr()
    assert SECRET not in captured.out + captured.err
    for sentence in response.get_json()["sentences"]:
        assert sentence["text"] not in captured.out
    lines = _log_lines(captured.out)
    assert len(lines) == 3
    ok, bad, unknown = lines
    assert ok["request_id"] == "req-42" == response.headers["X-Request-Id"]
    assert (ok["method"], ok["route"], ok["status"]) == ("POST", "/classify", 200)
    assert ok["model_version"] == model.version and ok["text_length"] == len(ARTICLE)
    assert ok["sentences"] == len(response.get_json()["sentences"]) and ok["latency_ms"] > 0
    assert (bad["status"], bad["text_length"], bad["request_id"]) == (422, None, rejected.headers["X-Request-Id"])
    assert (unknown["route"], unknown["status"]) == ("<unmatched>", 404)


def test_an_unhandled_error_is_logged_as_json_with_its_request_id(model, capsys):
    app = create_app({"TESTING": False}, model=model)

    def fail():
        raise RuntimeError("boom")

    app.add_url_rule("/fail", view_func=fail)
    capsys.readouterr()
    response = app.test_client().get("/fail", headers={"X-Request-Id": "req-fail"})
    assert response.status_code == 500 and response.get_json()["status"] == 500
    lines = _log_lines(capsys.readouterr().out)
    error = next(line for line in lines if line["level"] == "error")
    assert error["request_id"] == "req-fail" and "RuntimeError: boom" in error["exception"]
    assert lines[-1]["status"] == 500 and lines[-1]["route"] == "/fail"


def test_metrics_count_requests_sentences_labels_and_abstentions(client, model):
    before = _samples(client.get("/metrics").get_data(as_text=True))
    body = client.post("/classify", json={"text": ARTICLE}).get_json()
    client.post("/classify/batch", json={"documents": [{"id": "a", "text": ARTICLE}, {"id": "b", "text": " "}]})
    page = client.get("/metrics")
    assert page.status_code == 200 and page.mimetype == "text/plain"
    after = _samples(page.get_data(as_text=True))

    def grew(name, **labels):
        return _value(after, name, **labels) - _value(before, name, **labels)

    sentences = body["sentences"]
    assert grew("framing_http_requests_total", route="/classify", method="POST", status="200") == 1
    assert grew("framing_http_requests_total", route="/classify/batch", method="POST", status="200") == 1
    assert grew("framing_http_request_duration_seconds_count", route="/classify", method="POST") == 1
    assert grew("framing_articles_classified_total") == 2
    assert grew("framing_sentences_classified_total") == 2 * len(sentences)
    for label in LABELS:
        assert grew("framing_predicted_labels_total", label=label) == 2 * sum(s["label"] == label for s in sentences)
        assert grew("framing_abstentions_total", label=label) == 2 * sum(
            s["label"] == label and s["abstain"] for s in sentences)
    assert _value(after, "framing_model_info", version=model.version, sha256=model.sha256) == 1


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """Two workers sharing a metrics directory that an earlier run left a large count in."""
    directory = tmp_path_factory.mktemp("gunicorn-metrics")
    metrics = directory / "metrics"
    metrics.mkdir()
    stale = "from service.observability import REQUESTS; REQUESTS.labels('/classify', 'POST', '200').inc(1000)"
    subprocess.run([sys.executable, "-c", stale], check=True,
                   env={**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(metrics)})
    assert list(metrics.glob("counter_*.db"))
    server = Gunicorn(directory, PROMETHEUS_MULTIPROC_DIR=str(metrics))
    yield server
    server.stop()


def _scrape(server) -> dict:
    return _samples(requests.get(f"{server.url}/metrics", timeout=10).text)


def test_metrics_add_up_across_gunicorn_workers(server, model):
    before = _scrape(server)
    assert _value(before, "framing_http_requests_total", route="/classify", method="POST", status="200") < 1000
    sent = 0
    for _ in range(10):  # a worker still loading its model takes no requests: send until both have answered
        with ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(lambda _: requests.post(f"{server.url}/classify", json={"text": ARTICLE},
                                                             timeout=30).status_code, range(40)))
        assert statuses == [200] * 40
        sent += 40
        lines = [line for line in server.json_lines() if line.get("route") == "/classify"]
        if len({line["pid"] for line in lines}) == 2:
            break
    assert len({line["pid"] for line in lines}) == 2, "the load should reach both workers"
    for _ in range(4):  # whichever worker answers the scrape, the totals are the same
        after = _scrape(server)
        grown = (_value(after, "framing_http_requests_total", route="/classify", method="POST", status="200")
                 - _value(before, "framing_http_requests_total", route="/classify", method="POST", status="200"))
        assert grown == sent
        assert _value(after, "framing_model_info", version=model.version, sha256=model.sha256) == 2
    assert SECRET not in server.stdout.read_text() + server.stderr.read_text()


def test_a_dead_workers_counts_stay_and_its_model_gauge_goes(server, model):
    before = _scrape(server)
    victim = min(server.worker_pids())
    os.kill(victim, signal.SIGKILL)
    server.wait_for(lambda: victim not in server.worker_pids() and len(server.worker_pids()) == 2, "a new worker")
    server.wait_for(lambda: _value(_scrape(server), "framing_model_info", version=model.version,
                                   sha256=model.sha256) == 2, "the new worker's model gauge", seconds=30)
    after = _scrape(server)
    for key, value in before.items():
        if key[0] == "framing_sentences_classified_total":
            assert after[key] >= value
