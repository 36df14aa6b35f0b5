"""Request ids, one JSON log line per request (never the article text) and Prometheus metrics at /metrics."""
import json
import logging
import os
import re
import sys
import time
import uuid
from collections import Counter as Tally
from datetime import UTC, datetime

from flask import Response, current_app, g, has_request_context, request
from flask.logging import default_handler
from flask_smorest import Blueprint
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
    multiprocess,
)

from .config import LABELS
from .schemas import ApiError

MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
disable_created_metrics()  # the *_created series only repeat the start time; multiprocess mode has none
SECONDS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)

REQUESTS = Counter("framing_http_requests", "HTTP requests answered, by route, method and status.",
                   ["route", "method", "status"])
LATENCY = Histogram("framing_http_request_duration_seconds", "Time from request to response, by route.",
                    ["route", "method"], buckets=SECONDS)
ARTICLES = Counter("framing_articles_classified", "Articles (and batch documents) classified.")
SENTENCES = Counter("framing_sentences_classified", "Sentences classified.")
PREDICTED = Counter("framing_predicted_labels", "Sentences by predicted (top) label.", ["label"])
ABSTENTIONS = Counter("framing_abstentions", "Sentences whose top score is below the abstain threshold, by label.",
                      ["label"])
MODEL = Gauge("framing_model_info", "Workers serving each model version (1 per live worker).",
              ["version", "sha256"], multiprocess_mode="livesum")
RELOADS = Counter("framing_model_reloads", "Model reloads asked of a worker, by outcome.", ["outcome"])

log = logging.getLogger("framing.requests")


class _StdoutHandler(logging.StreamHandler):
    """Writes to whatever sys.stdout is at the time (gunicorn's, or pytest's capture)."""

    @property
    def stream(self):
        return sys.stdout

    @stream.setter
    def stream(self, value):
        pass


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, message fields, and the request id inside a request."""

    def format(self, record):
        line = {"ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
                "level": record.levelname.lower(), "logger": record.name}
        line.update(getattr(record, "fields", None) or {"message": record.getMessage()})
        if has_request_context() and "request_id" in g:
            line.setdefault("request_id", g.request_id)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)  # ASCII escapes: a lone surrogate cannot break the log


def _json_handler() -> logging.Handler:
    handler = _StdoutHandler()
    handler.setFormatter(JsonFormatter())
    return handler


def init_observability(app, api) -> None:
    """Log every request as JSON, switch the app's own log to JSON, set the model gauge, serve /metrics."""
    if not any(isinstance(h, _StdoutHandler) for h in log.handlers):
        log.addHandler(_json_handler())
        log.setLevel(logging.INFO)
        log.propagate = False
    app.logger.removeHandler(default_handler)
    if app.logger.level == logging.NOTSET:
        app.logger.setLevel(logging.INFO)  # model reloads and fallbacks are worth a line
    if not any(isinstance(h, _StdoutHandler) for h in app.logger.handlers):
        app.logger.addHandler(_json_handler())
    slot = app.extensions["framing_model"]
    model_changed(None, slot.model)
    app.before_request(_start)
    app.after_request(_finish)
    api.register_blueprint(blp)


def model_changed(previous, current) -> None:
    """Move this worker's count in framing_model_info from the previous model to the current one."""
    if previous is not None and (current is None or previous.sha256 != current.sha256):
        MODEL.labels(previous.version, previous.sha256).set(0)
    if current is not None:
        MODEL.labels(current.version, current.sha256).set(1)


def _start():
    incoming = request.headers.get("X-Request-Id", "")
    g.request_id = incoming if _REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
    g.started = time.perf_counter()
    g.text_length = None
    g.sentences = None


def _route() -> str:
    # The rule, not the path: a path is whatever the client sent, and would make every 404 a new series.
    return request.url_rule.rule if request.url_rule is not None else "<unmatched>"


def _finish(response):
    if "started" not in g:  # a request that failed before the first before_request ran
        _start()
    seconds = time.perf_counter() - g.started
    route = _route()
    REQUESTS.labels(route, request.method, str(response.status_code)).inc()
    LATENCY.labels(route, request.method).observe(seconds)
    model = current_app.extensions["framing_model"].model
    response.headers["X-Request-Id"] = g.request_id
    log.info("request", extra={"fields": {
        "event": "request", "request_id": g.request_id, "method": request.method, "route": route,
        "status": response.status_code, "latency_ms": round(seconds * 1000, 2),
        "model_version": model.version if model else None, "text_length": g.text_length,
        "sentences": g.sentences, "bytes_in": request.content_length, "pid": os.getpid()}})
    return response


def record_text(text: str) -> None:
    """Count the text's length (never the text) for this request's log line."""
    g.text_length = (g.get("text_length") or 0) + len(text)


def record_result(result: dict) -> dict:
    """Count the classified sentences, their labels and abstentions; return the result unchanged."""
    sentences = result["sentences"]
    g.sentences = (g.get("sentences") or 0) + len(sentences)
    ARTICLES.inc()
    SENTENCES.inc(len(sentences))
    labels = Tally(sentence["label"] for sentence in sentences)
    abstained = Tally(sentence["label"] for sentence in sentences if sentence["abstain"])
    for label in LABELS:
        if labels[label]:
            PREDICTED.labels(label).inc(labels[label])
        if abstained[label]:
            ABSTENTIONS.labels(label).inc(abstained[label])
    return result


blp = Blueprint("metrics", __name__, description="Prometheus metrics.")


@blp.route("/metrics", endpoint="metrics", methods=["GET"])
@blp.response(200, content_type="text/plain", description="Metrics in the Prometheus text format.")
@blp.alt_response(401, schema=ApiError)
def metrics():
    """Request counts and latencies, classified sentences, labels, abstentions and the loaded model version."""
    if os.environ.get(MULTIPROCESS_ENV):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # adds up every gunicorn worker's files
    else:
        registry = REGISTRY
    return Response(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)


for _label in LABELS:  # every label appears from the start, at 0, so rates and ratios are defined
    PREDICTED.labels(_label)
    ABSTENTIONS.labels(_label)
