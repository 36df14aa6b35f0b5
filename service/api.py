"""The API views: classify, batch, health, readiness and the model record."""
from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint, abort

from .classify import ArticleTooLong, classify_article
from .config import LABELS
from .errors import ArticleParser, error_body
from .observability import record_result, record_text
from .schemas import (
    ApiError,
    BatchRequest,
    BatchResponse,
    ClassifyRequest,
    ClassifyResponse,
    Health,
    InvalidDocument,
    ModelRecord,
)


class ArticleBlueprint(Blueprint):
    ARGUMENTS_PARSER = ArticleParser()


blp = ArticleBlueprint("api", __name__, description="Per-sentence framing scores for news articles.")


def _model():
    """The loaded model, or a 503 saying why there is none."""
    slot = current_app.extensions["framing_model"]
    if slot.model is None:
        abort(503, message=f"The model is not loaded: {slot.error}")
    return slot.model


def _classify(model, document: dict) -> dict:
    record_text(document["text"])
    return record_result(classify_article(
        model, document["text"], document.get("language"), document.get("explain", False),
        max_sentences=current_app.config["MAX_SENTENCES"], max_terms=current_app.config["MAX_EVIDENCE_TERMS"],
        max_chars=current_app.config["MAX_TEXT_CHARS"]))


def _too_long(error: ArticleTooLong) -> dict:
    """The batch form of the error that /classify raises for an over-long article."""
    return error_body(422, str(error), errors={"text": [str(error)]})


def _header(model) -> dict:
    return {"model": {"version": model.version, "sha256": model.sha256}, "labels": list(LABELS)}


@blp.route("/classify", endpoint="classify", methods=["POST"])
@blp.arguments(ClassifyRequest(), content_type="application/json")
@blp.response(200, ClassifyResponse)
@blp.alt_response(400, schema=ApiError)
@blp.alt_response(413, schema=ApiError)
@blp.alt_response(415, schema=ApiError)
@blp.alt_response(503, schema=ApiError)
def classify(document):
    """Classify every sentence of one article."""
    model = _model()
    try:
        return {**_header(model), **_classify(model, document)}
    except ArticleTooLong as error:
        abort(422, message=str(error), errors={"text": [str(error)]})


@blp.route("/classify/batch", endpoint="classify_batch", methods=["POST"])
@blp.arguments(BatchRequest())
@blp.response(200, BatchResponse)
@blp.alt_response(400, schema=ApiError)
@blp.alt_response(413, schema=ApiError)
@blp.alt_response(415, schema=ApiError)
@blp.alt_response(503, schema=ApiError)
def classify_batch(batch):
    """Classify up to 100 documents; an invalid one gets an error while the others are classified."""
    model = _model()
    results = []
    for document in batch["documents"]:
        if isinstance(document, InvalidDocument):
            results.append({"id": document.id, "error": error_body(
                422, "The document does not match the schema; see errors.", errors=document.errors)})
            continue
        try:
            results.append({"id": document["id"], **_classify(model, document)})
        except ArticleTooLong as error:
            results.append({"id": document["id"], "error": _too_long(error)})
    return {**_header(model), "results": results}


@blp.route("/healthz", endpoint="healthz")
class Healthz(MethodView):
    @blp.response(200, Health)
    def get(self):
        """The process is up."""
        slot = current_app.extensions["framing_model"]
        return {"status": "ok", "model_loaded": slot.model is not None}


@blp.route("/readyz", endpoint="readyz")
class Readyz(MethodView):
    @blp.response(200, Health)
    @blp.alt_response(503, schema=ApiError)
    def get(self):
        """Ready only when a verified model is loaded."""
        model = _model()
        return {"status": "ready", "model_loaded": True, "message": f"model {model.version}"}


@blp.route("/model", endpoint="model")
class ModelView(MethodView):
    @blp.response(200, ModelRecord)
    @blp.alt_response(503, schema=ApiError)
    def get(self):
        """The loaded model's record: version, labels, metrics, data hash, abstain threshold."""
        return _model().record
