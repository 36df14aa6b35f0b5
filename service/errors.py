"""One JSON error shape for every failure, and the request parser that enforces content types."""
import re

from flask import jsonify
from flask_smorest import Api, abort
from webargs import core
from webargs.flaskparser import FlaskParser, is_json_request
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.http import HTTP_STATUS_CODES

from .schemas import ApiError


def error_body(status: int, message: str, code: str | None = None, errors=None) -> dict:
    """The error shape: {code, status, message, errors?}."""
    body = {"code": code or _code_for(status), "status": status, "message": message}
    if errors:
        body["errors"] = errors
    return body


def _code_for(status: int) -> str:
    """werkzeug's status name as a code: 422 -> 'unprocessable_entity'."""
    return re.sub(r"[^a-z]+", "_", HTTP_STATUS_CODES.get(status, "error").lower()).strip("_")


class ArticleParser(FlaskParser):
    """JSON bodies as usual; a text/plain body becomes {"text": body}; anything else is a 415."""

    def load_json(self, req, schema):
        if req.mimetype == "text/plain" and "text" in schema.fields:
            try:
                return {"text": req.get_data(cache=True).decode(req.mimetype_params.get("charset", "utf-8"))}
            except (UnicodeDecodeError, LookupError):
                abort(400, message="The text/plain body is not valid UTF-8.")
        return super().load_json(req, schema)

    def _raw_load_json(self, req):
        if not is_json_request(req):
            accepted = "application/json or text/plain" if req.endpoint == "api.classify" else "application/json"
            abort(415, message=f"Unsupported Content-Type {req.mimetype or '(none)'!r}; send {accepted}.")
        return core.parse_json(req.get_data(cache=True))

    def _handle_invalid_json_error(self, error, req, *args, **kwargs):
        abort(400, message=f"The body is not valid JSON: {error}.")


class JsonErrorApi(Api):
    """flask-smorest's Api with every HTTP error, and any uncaught exception, in the one JSON shape."""

    # Document the errors flask-smorest adds by itself (422 of @arguments, the default) in the shape they have.
    ERROR_SCHEMA = ApiError

    def handle_http_exception(self, error):
        data = getattr(error, "data", {}) or {}
        message = data.get("message") or error.description or error.name
        errors = data.get("messages") or data.get("errors")
        if isinstance(errors, dict) and set(errors) == {"json"}:
            errors = errors["json"]  # webargs nests body errors under the location
        if error.code == 422 and not data.get("message"):
            message = "The request does not match the schema; see errors."
        response = jsonify(error_body(error.code, message, errors=errors))
        response.status_code = error.code
        for name, value in (data.get("headers") or {}).items():
            response.headers[name] = value
        if error.code == 405 and hasattr(error, "valid_methods") and error.valid_methods:
            response.headers["Allow"] = ", ".join(error.valid_methods)
        return response

    def _register_error_handlers(self):
        super()._register_error_handlers()
        self._app.register_error_handler(Exception, self._unexpected)

    def _unexpected(self, error):
        if isinstance(error, HTTPException):
            return self.handle_http_exception(error)
        self._app.logger.exception("unhandled error")
        return self.handle_http_exception(InternalServerError())
