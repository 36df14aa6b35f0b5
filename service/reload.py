"""Hot model swap: POST /admin/reload in one worker, and the last verified artifact a refused models/ falls back on."""
import hashlib
import json
import os
import tempfile
from pathlib import Path

from flask import current_app
from flask_smorest import Blueprint, abort

from .model import ModelUnavailable
from .observability import RELOADS, model_changed
from .schemas import ApiError, ReloadResult

MODEL_FILE, RECORD_FILE, CURRENT = "framing.joblib", "framing.json", "current"

blp = Blueprint("admin", __name__, description="Administration; needs an API key, and is off without one.")


def init_reload(app, api) -> None:
    """Register /admin/reload; if models/ was refused at start, serve the last verified copy instead."""
    api.register_blueprint(blp)
    slot, last_good = app.extensions["framing_model"], app.config["LAST_GOOD_DIR"]
    if not last_good:
        return
    if slot.model is not None:
        problem = remember(slot.model, app.config["MODEL_PATH"], last_good)
        if problem:
            app.logger.warning("no copy kept of the verified model: %s", problem)
        return
    refused = slot.error
    directory = _current(last_good)
    if directory is None:
        return
    try:
        slot.load(directory / MODEL_FILE, directory / RECORD_FILE)
    except ModelUnavailable as error:
        app.logger.error("the last verified copy is unusable too: %s", error)
        return
    slot.error = f"{refused}; serving the last verified model instead"
    model_changed(None, slot.model)
    app.logger.warning("model at %s refused (%s); serving the last verified model %s",
                       app.config["MODEL_PATH"], refused, slot.model.version)


def _current(last_good: str) -> Path | None:
    try:
        return Path(last_good) / (Path(last_good) / CURRENT).read_text().strip()
    except OSError:
        return None


def _replace(directory: Path, name: str, data: bytes) -> None:
    """Write a file whole or not at all: readers see the old file or the new one."""
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".{name}.")
    with os.fdopen(handle, "wb") as out:
        out.write(data)
    os.replace(temporary, directory / name)


def remember(model, model_path, last_good: str) -> str | None:
    """Keep a copy of the artifact `model` was loaded from, named by its sha256, as the last good one;
    return why not when it cannot.

    The bytes are hashed before they are kept, so only the verified artifact is kept even if models/ has
    changed since it was loaded; copies are named by content, so workers writing one at once write the same."""
    root = Path(last_good)
    directory = root / model.sha256
    try:
        if not (directory / RECORD_FILE).exists():
            artifact = Path(model_path).read_bytes()
            if hashlib.sha256(artifact).hexdigest() != model.sha256:
                return f"{model_path} changed after it was loaded"
            directory.mkdir(parents=True, exist_ok=True)
            _replace(directory, MODEL_FILE, artifact)
            _replace(directory, RECORD_FILE, json.dumps(model.record, ensure_ascii=False).encode())
        _replace(root, CURRENT, model.sha256.encode())
    except OSError as error:
        return str(error)
    return None


@blp.route("/admin/reload", endpoint="reload", methods=["POST"])
@blp.response(200, ReloadResult)
@blp.alt_response(401, schema=ApiError)
@blp.alt_response(403, schema=ApiError)
@blp.alt_response(409, schema=ApiError)
@blp.alt_response(503, schema=ApiError)
def reload_model():
    """Reload models/ in the worker that answers; a refused artifact leaves the loaded model serving (409)."""
    slot = current_app.extensions["framing_model"]
    previous = slot.model
    model_path, record_path = current_app.config["MODEL_PATH"], current_app.config["RECORD_PATH"]
    try:
        slot.load(model_path, record_path)
    except ModelUnavailable as error:
        RELOADS.labels("refused").inc()
        current_app.logger.error("reload refused: %s", error)
        if previous is None:
            abort(503, message=f"The model was refused and there is none to serve: {error}")
        abort(409, message=f"The model was refused; still serving {previous.version}: {error}")
    current = slot.model
    changed = previous is None or previous.sha256 != current.sha256
    RELOADS.labels("reloaded" if changed else "unchanged").inc()
    model_changed(previous, current)
    problem = current_app.config["LAST_GOOD_DIR"] and remember(current, model_path, current_app.config["LAST_GOOD_DIR"])
    if problem:
        current_app.logger.warning("no copy kept of the verified model: %s", problem)
    current_app.logger.info("model reloaded: %s -> %s", previous.version if previous else None, current.version)
    return {"status": "reloaded" if changed else "unchanged", "version": current.version,
            "sha256": current.sha256, "previous_version": previous.version if previous else None,
            "pid": os.getpid()}
