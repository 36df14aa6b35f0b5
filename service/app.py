"""The application factory: config defaults, then FRAMING_* environment variables, then the test dict."""
import os
import time
from dataclasses import dataclass

from flask import Flask

from . import feedback, language
from .api import blp
from .config import DEFAULTS
from .docs_assets import docs_assets
from .errors import JsonErrorApi
from .json_provider import OrjsonProvider
from .model import FramingModel, ModelUnavailable, load_model
from .observability import init_observability
from .page import page
from .reload import init_reload
from .security import init_security

ENV_PREFIX = "FRAMING_"


@dataclass
class ModelSlot:
    """The model a worker serves, or why it has none."""

    model: FramingModel | None = None
    error: str | None = None
    loaded_at: float | None = None

    def load(self, model_path, record_path) -> None:
        """Load and verify; on failure keep serving the previous model, if any."""
        try:
            self.model, self.error, self.loaded_at = load_model(model_path, record_path), None, time.time()
        except ModelUnavailable as error:
            self.error = str(error)
            raise


def _config_from_environment() -> dict:
    values = {}
    for name, default in DEFAULTS.items():
        raw = os.environ.get(ENV_PREFIX + name)
        if raw is not None:
            values[name] = type(default)(raw) if not isinstance(default, str) else raw
    return values


def create_app(config: dict | None = None, model: FramingModel | None = None) -> Flask:
    """Build the app around `model`, or load the one named by MODEL_PATH and RECORD_PATH."""
    app = Flask(__name__, static_folder=None)  # the page blueprint serves assets with its own headers
    app.json = OrjsonProvider(app)
    app.config.update(DEFAULTS)
    app.config.update(
        API_TITLE="Framing classifier",
        API_VERSION="1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="docs",
        OPENAPI_SWAGGER_UI_URL="/docs/assets/",
    )
    app.config.update(_config_from_environment())
    app.config.update(config or {})

    slot = ModelSlot(model=model, loaded_at=time.time() if model else None)
    if model is None:
        try:
            slot.load(app.config["MODEL_PATH"], app.config["RECORD_PATH"])
        except ModelUnavailable:
            app.logger.error("model not loaded: %s", slot.error)
    app.extensions["framing_model"] = slot
    language.warm_up()

    api = JsonErrorApi(app)
    api.register_blueprint(blp)
    feedback.init_app(app, api)
    app.register_blueprint(docs_assets)
    app.register_blueprint(page)
    init_observability(app, api)  # first, so that its request id and timer cover the security checks too
    init_security(app)
    init_reload(app, api)

    @app.after_request
    def model_version_header(response):
        current = app.extensions["framing_model"].model
        response.headers["X-Model-Version"] = current.version if current else "none"
        return response

    return app
