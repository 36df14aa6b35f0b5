"""Every endpoint and every error, through the Flask test client and the real model."""
import math

import pytest

from service.app import create_app
from service.config import LABELS

ERROR_KEYS = {"code", "status", "message"}


def _assert_error(response, status):
    assert response.status_code == status
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert ERROR_KEYS <= set(body) and body["status"] == status and body["message"]
    assert "X-Model-Version" in response.headers
    return body


def _assert_classified(body, article):
    assert body["labels"] == list(LABELS)
    previous_end = 0
    for index, sentence in enumerate(body["sentences"]):
        assert sentence["index"] == index
        assert sentence["text"] == article[sentence["start"]:sentence["end"]]
        assert sentence["start"] >= previous_end
        previous_end = sentence["end"]
        assert list(sentence["scores"]) == list(LABELS)
        assert math.isclose(sum(sentence["scores"].values()), 1.0, abs_tol=1e-9)
        assert sentence["label"] == max(sentence["scores"], key=sentence["scores"].get)
        assert sentence["confidence"] == sentence["scores"][sentence["label"]]
    counts = body["summary"]["counts"]
    assert sum(counts.values()) == len(body["sentences"])
    for label in LABELS:
        assert counts[label] == sum(s["label"] == label for s in body["sentences"])
    lengths = [s["end"] - s["start"] for s in body["sentences"]]
    for label in LABELS:
        weighted = sum(s["scores"][label] * n for s, n in zip(body["sentences"], lengths)) / sum(lengths)
        assert math.isclose(body["summary"]["scores"][label], weighted, rel_tol=1e-9)
    assert body["summary"]["label"] == max(body["summary"]["scores"], key=body["summary"]["scores"].get)


def test_classify_seed_article(client, seed_articles, model):
    article = seed_articles["003_41fb8f027a77d834.txt"]
    response = client.post("/classify", json={"text": article})
    assert response.status_code == 200
    assert response.headers["X-Model-Version"] == model.version
    body = response.get_json()
    _assert_classified(body, article)
    assert body["model"] == {"version": model.version, "sha256": model.sha256}
    assert body["language"] == "ru"
    assert len(body["sentences"]) == 27
    assert all("evidence" not in s for s in body["sentences"])
    assert body["sentences"][17]["label"] == "neutral"  # "16:55 История дракона 12+"


def test_a_sentence_too_short_to_tell_is_und(client):
    body = client.post("/classify", json={"text": "Президент выступил с обращением к народу.\n18:00"}).get_json()
    assert [s["language"] for s in body["sentences"]] == ["ru", "und"] and body["language"] == "ru"


def test_every_seed_article_keeps_offsets(client, seed_articles):
    for article in seed_articles.values():
        response = client.post("/classify", json={"text": article})
        assert response.status_code == 200
        _assert_classified(response.get_json(), article)


def test_explain_returns_evidence_terms_strongest_first(client):
    text = "Қытай СІМ ресми өкілі АҚШ-ты Қытайдың ішкі ісіне араласуды тоқтатуға шақырды."
    body = client.post("/classify", json={"text": text, "explain": True}).get_json()
    evidence = body["sentences"][0]["evidence"]
    assert evidence, "evidence must name at least one term"
    weights = [term["weight"] for term in evidence]
    assert weights == sorted(weights, reverse=True) and all(w > 0 for w in weights)


def test_text_plain_body_is_the_text(client):
    text = "Токаев провёл встречу с послом Китая. Стороны обсудили торговлю."
    response = client.post("/classify", data=text.encode(), content_type="text/plain; charset=utf-8")
    assert response.status_code == 200
    body = response.get_json()
    _assert_classified(body, text)
    assert len(body["sentences"]) == 2


def test_language_given_is_used_for_every_sentence(client):
    body = client.post("/classify", json={"text": "18:00 Жаңалықтар. Тоқаев сөз сөйледі.", "language": "kk"}).get_json()
    assert {s["language"] for s in body["sentences"]} == {"kk"} and body["language"] == "kk"


def test_abstain_follows_the_recorded_threshold(client, model):
    body = client.post("/classify", json={"text": "Мұнда. Бар. Ok. Да."}).get_json()
    for sentence in body["sentences"]:
        assert sentence["abstain"] == (sentence["confidence"] < model.abstain_threshold)


@pytest.mark.parametrize("payload, field", [
    ({"text": "   \n "}, "text"),
    ({"text": 42}, "text"),
    ({}, "text"),
    ({"text": "ok", "language": "de"}, "language"),
    ({"text": "ok", "explain": "yes"}, "explain"),
    ({"text": "ok", "extra": 1}, "extra"),
    ({"text": "x" * 100_001}, "text"),
])
def test_schema_violations_are_422_with_field_errors(client, payload, field):
    body = _assert_error(client.post("/classify", json=payload), 422)
    assert field in body["errors"]


def test_malformed_json_is_400(client):
    _assert_error(client.post("/classify", data=b'{"text": ', content_type="application/json"), 400)


def test_a_field_name_json_cannot_encode_is_escaped_in_the_error(client):
    # orjson refuses a lone surrogate; the provider falls back to escaped ASCII instead of failing with a 500
    response = client.post("/classify", data=b'{"text": "Hello there.", "\\ud800x": 1}',
                           content_type="application/json")
    body = _assert_error(response, 422)
    assert body["errors"] == {"\ud800x": ["Unknown field."]}
    assert b"\\ud800x" in response.data and response.data.endswith(b"}\n")


def test_json_that_is_not_an_object_is_422(client):
    _assert_error(client.post("/classify", json=["text"]), 422)


def test_invalid_utf8_plain_text_is_400(client):
    _assert_error(client.post("/classify", data=b"\xff\xfe\xfa", content_type="text/plain"), 400)


def test_unsupported_content_type_is_415(client):
    _assert_error(client.post("/classify", data=b"<text/>", content_type="application/xml"), 415)
    _assert_error(client.post("/classify/batch", data=b"x", content_type="text/plain"), 415)


def test_body_over_the_limit_is_413(model):
    small = create_app({"TESTING": True, "MAX_CONTENT_LENGTH": 1000}, model=model).test_client()
    _assert_error(small.post("/classify", json={"text": "a" * 2000}), 413)


def test_too_many_sentences_is_422(model):
    strict = create_app({"TESTING": True, "MAX_SENTENCES": 3}, model=model).test_client()
    body = _assert_error(strict.post("/classify", json={"text": "Бір.\nЕкі.\nҮш.\nТөрт."}), 422)
    assert "text" in body["errors"]


def test_unknown_route_and_wrong_method(client):
    _assert_error(client.get("/nowhere"), 404)
    _assert_error(client.get("/classify"), 405)


def test_batch_classifies_valid_documents_and_reports_invalid_ones(client):
    documents = [
        {"id": "a", "text": "Си Цзиньпин поддержал действия казахстанского правительства."},
        {"id": "b", "text": "  "},
        {"id": "c", "text": "Blinken met Tokayev in Astana.", "explain": True},
        {"text": "no id"},
    ]
    response = client.post("/classify/batch", json={"documents": documents})
    assert response.status_code == 200
    results = response.get_json()["results"]
    assert [r["id"] for r in results] == ["a", "b", "c", None]
    _assert_classified({"labels": list(LABELS), **results[0]}, documents[0]["text"])
    assert results[1]["error"]["status"] == 422 and "text" in results[1]["error"]["errors"]
    assert results[2]["sentences"][0]["evidence"] is not None
    assert "id" in results[3]["error"]["errors"]


@pytest.mark.parametrize("payload", [
    {"documents": []},
    {"documents": [{"id": str(i), "text": "x"} for i in range(101)]},
    {"documents": [{"id": "same", "text": "x"}, {"id": "same", "text": "y"}]},
    {"documents": "nope"},
    {},
])
def test_batch_shape_violations_are_422(client, payload):
    _assert_error(client.post("/classify/batch", json=payload), 422)


def test_health_ready_and_model(client, model):
    assert client.get("/healthz").get_json() == {"status": "ok", "model_loaded": True}
    assert client.get("/readyz").status_code == 200
    record = client.get("/model").get_json()
    assert record["version"] == model.version and record["labels"] == list(LABELS)
    assert 0 < record["abstain_threshold"] < 1 and "data_hash" in record and "cv" in record["metrics"]
    # The record names the feature settings the shipped pipeline was fitted with, not only the searched ones.
    assert record["hyper_parameters"]["features"] == {
        name: list(value) if isinstance(value, tuple) else value
        for name, value in model.pipeline.named_steps["features"].get_params().items()}


def test_without_a_model_the_service_runs_but_is_not_ready(tmp_path):
    app = create_app({"TESTING": True, "MODEL_PATH": str(tmp_path / "none.joblib"),
                      "RECORD_PATH": str(tmp_path / "none.json")})
    client = app.test_client()
    assert client.get("/healthz").get_json() == {"status": "ok", "model_loaded": False}
    assert "make train" in _assert_error(client.get("/readyz"), 503)["message"]
    _assert_error(client.post("/classify", json={"text": "Сәлем әлем."}), 503)


def test_openapi_document_and_offline_docs_page(client):
    spec = client.get("/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    assert {"/classify", "/classify/batch", "/healthz", "/readyz", "/model"} <= set(spec["paths"])
    assert "ClassifyRequest" in spec["components"]["schemas"]
    page = client.get("/docs").get_data(as_text=True)
    assert "/docs/assets/swagger-ui-bundle.js" in page and "http" not in page.split("<body>")[1].split("url:")[0]
    assert client.get("/docs/assets/swagger-ui-bundle.js").status_code == 200


@pytest.mark.parametrize("explain", [False, True])
def test_sentences_passed_through_are_what_the_schema_would_dump(client, model, seed_articles, explain):
    from service.classify import classify_article
    from service.schemas import Sentence

    text = seed_articles["003_41fb8f027a77d834.txt"]
    sentences = classify_article(model, text, explain=explain)["sentences"]
    assert sentences and Sentence(many=True).validate(sentences) == {}
    assert Sentence(many=True).dump(sentences) == sentences
    assert {type(value) for sentence in sentences for value in sentence["scores"].values()} == {float}
    assert client.post("/classify", json={"text": text, "explain": explain}).get_json()["sentences"] == sentences
    spec = client.get("/openapi.json").get_json()["components"]["schemas"]
    assert spec["ClassifyResponse"]["properties"]["sentences"]["items"] == {"$ref": "#/components/schemas/Sentence"}
