"""Optional API keys, a CORS allow-list for newsroom front ends, and security headers on every response."""
import base64
import hashlib
import hmac
import re

from flask import current_app, jsonify, request
from flask_smorest import abort
from werkzeug.exceptions import ClientDisconnected

from .errors import error_body

# Paths anyone may fetch even when API keys are set: the page, its assets, the docs and the probes.
OPEN_PATHS = frozenset({"/", "/healthz", "/readyz", "/docs", "/openapi.json", "/favicon.ico"})
OPEN_PREFIXES = ("/docs/", "/assets/", "/static/")
ADMIN_PREFIX = "/admin/"
KEYS = "framing_api_keys"
ORIGINS = "framing_cors_origins"

CORS_METHODS = "GET, POST, OPTIONS"
CORS_HEADERS = "Content-Type, Authorization, X-API-Key, X-Request-Id"
CORS_EXPOSED = "X-Request-Id, X-Model-Version"
CORS_MAX_AGE = "600"

HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}
# HTML may load scripts, styles, images and data from this origin only; nothing may frame it.
HTML_POLICY = ("default-src 'none'; script-src 'self'{scripts}; style-src 'self'; img-src 'self' data:; "
               "font-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
# JSON, text and assets are never documents: nothing runs in them and nothing frames them.
OTHER_POLICY = "default-src 'none'; frame-ancestors 'none'"
# flask-smorest's Swagger UI page starts the UI with one inline script built from config only (no request
# data): it is allowed by its hash, so the policy needs no 'unsafe-inline'.
DOCS_ENDPOINT = "api-docs.openapi_swagger_ui"
_INLINE_SCRIPT = re.compile(rb"<script>(.*?)</script>", re.DOTALL)
_BEARER = re.compile(r"\s*bearer\s+(\S+)\s*$", re.IGNORECASE)


def _split(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


def init_security(app) -> None:
    """Read API_KEYS and CORS_ORIGINS from the config and install the checks and headers."""
    app.extensions[KEYS] = [key.encode() for key in _split(app.config["API_KEYS"])]
    app.extensions[ORIGINS] = {origin.rstrip("/").lower() for origin in _split(app.config["CORS_ORIGINS"])}
    app.before_request(_preflight_then_key)
    app.after_request(_headers)
    app.register_error_handler(ClientDisconnected, _body_too_slow)


def _body_too_slow(error):
    """The body stopped arriving (gunicorn's client_timeout ran out, or the client left): a 408, not a 400."""
    response = jsonify(error_body(408, "The request body did not arrive in time."))
    response.status_code = 408
    return response


def _presented_key() -> bytes | None:
    # WSGI hands header values over as latin-1, so encoding them so gets back the bytes the client sent.
    if "X-API-Key" in request.headers:
        return request.headers["X-API-Key"].strip().encode("latin-1", "replace")
    bearer = _BEARER.match(request.headers.get("Authorization", ""))
    return bearer.group(1).encode("latin-1", "replace") if bearer else None


def _key_is_valid(keys: list[bytes]) -> bool:
    presented = _presented_key()
    if presented is None:
        return False
    valid = False
    for key in keys:  # compare against every key, so the time taken does not say which one nearly matched
        valid |= hmac.compare_digest(presented, key)
    return valid


def require_api_key() -> None:
    """Abort with 401 unless API keys are off or the request carries one of them."""
    keys = current_app.extensions[KEYS]
    if keys and not _key_is_valid(keys):
        abort(401, message="A valid API key is required: send it as X-API-Key or as Authorization: Bearer <key>.",
              headers={"WWW-Authenticate": 'Bearer realm="framing-classifier"'})


def _is_open(path: str) -> bool:
    return path in OPEN_PATHS or path.startswith(OPEN_PREFIXES)


def _allowed_origin() -> str | None:
    origin = request.headers.get("Origin")
    allowed = current_app.extensions[ORIGINS]
    if not origin or not allowed:
        return None
    if "*" in allowed or origin.rstrip("/").lower() in allowed:
        return origin
    return None


def _preflight_then_key():
    """Answer an allowed CORS preflight; then gate admin paths and, with keys set, everything not open."""
    if request.method == "OPTIONS":
        if _allowed_origin() and "Access-Control-Request-Method" in request.headers:
            response = current_app.make_response(("", 204))
            response.headers["Access-Control-Allow-Methods"] = CORS_METHODS
            response.headers["Access-Control-Allow-Headers"] = CORS_HEADERS
            response.headers["Access-Control-Max-Age"] = CORS_MAX_AGE
            return response
        return None  # a preflight carries no key; Flask's own OPTIONS answer runs no view
    if request.path.startswith(ADMIN_PREFIX) and not current_app.extensions[KEYS]:
        abort(403, message="Admin endpoints are off: set FRAMING_API_KEYS to enable them.")
    if not _is_open(request.path):
        require_api_key()
    return None


def _script_hashes(response) -> str:
    """The CSP sources for the inline scripts of the Swagger UI page, which has no request data in it."""
    if request.endpoint != DOCS_ENDPOINT:
        return ""
    digests = (hashlib.sha256(script).digest() for script in _INLINE_SCRIPT.findall(response.get_data()))
    return "".join(f" 'sha256-{base64.b64encode(digest).decode()}'" for digest in digests)


def _headers(response):
    """Security headers on every response (a view's own choice stands), and CORS for allowed origins."""
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if response.mimetype == "text/html":
        policy = HTML_POLICY.format(scripts=_script_hashes(response))
    else:
        policy = OTHER_POLICY
    response.headers.setdefault("Content-Security-Policy", policy)
    origin = _allowed_origin()
    if origin:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Expose-Headers"] = CORS_EXPOSED
    if current_app.extensions[ORIGINS]:
        response.vary.add("Origin")  # the answer depends on Origin, so caches must key on it
    return response
