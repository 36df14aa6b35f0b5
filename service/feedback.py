"""The feedback views: newsrooms post corrected labels, reviewers page through them."""
import functools

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint, abort
from marshmallow import RAISE

from .errors import ArticleParser
from .schemas import ApiError, FeedbackPage, FeedbackQuery, FeedbackRecord, FeedbackRequest
from .security import require_api_key
from .storage import StorageUnavailable, open_store

STORE = "feedback_store"


class JsonParser(ArticleParser):
    """ArticleParser without its text/plain shortcut: a correction is JSON, anything else is a 415."""

    def load_json(self, req, schema):
        return super(ArticleParser, self).load_json(req, schema)


class FeedbackBlueprint(Blueprint):
    ARGUMENTS_PARSER = JsonParser()


blp = FeedbackBlueprint("feedback", __name__, description="Label corrections from newsrooms, for review and training.")


def init_app(app, api) -> None:
    """Attach the store (it opens its file on first use) and register the views."""
    app.extensions[STORE] = open_store(app.config)
    api.register_blueprint(blp)


def api_key_required(view):
    """service.security's API key check on this view itself, so that opening POST /feedback to the page
    (security.OPEN_PATHS) can never open the listing of what newsrooms sent."""
    @functools.wraps(view)
    def checked(*args, **kwargs):
        require_api_key()
        return view(*args, **kwargs)
    return checked


def _store_call(method, *args, **kwargs):
    """Call the store; a store that cannot answer is a 503, never a lost or half-written record."""
    try:
        return method(*args, **kwargs)
    except StorageUnavailable as error:
        current_app.logger.error("feedback store unavailable: %s", error)
        abort(503, message="The feedback store is unavailable; try again.")


@blp.route("/feedback", endpoint="feedback")
class Feedback(MethodView):
    @blp.arguments(FeedbackRequest(), content_type="application/json")
    @blp.response(201, FeedbackRecord)
    @blp.alt_response(400, schema=ApiError)
    @blp.alt_response(413, schema=ApiError)
    @blp.alt_response(415, schema=ApiError)
    @blp.alt_response(503, schema=ApiError)
    def post(self, correction):
        """Store a corrected label for one sentence; it waits as pending until a reviewer accepts it."""
        return _store_call(current_app.extensions[STORE].add, correction)

    @api_key_required
    @blp.arguments(FeedbackQuery(), location="query", unknown=RAISE)
    @blp.response(200, FeedbackPage)
    @blp.alt_response(401, schema=ApiError)
    @blp.alt_response(503, schema=ApiError)
    def get(self, query):
        """List corrections oldest first, a page at a time, optionally only one status."""
        items, next_after, total = _store_call(current_app.extensions[STORE].page, query.get("status"),
                                               query["after"], query["limit"])
        return {"items": items, "total": total, "next_after": next_after}
