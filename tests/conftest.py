"""Shared fixtures: the real trained model, the app around it and its test client."""
import pytest

from service.app import create_app
from service.config import MODEL_PATH, RECORD_PATH, SEEDS_DIR
from service.model import ModelUnavailable, load_model


@pytest.fixture(scope="session")
def model():
    try:
        return load_model(MODEL_PATH, RECORD_PATH)
    except ModelUnavailable as error:
        pytest.fail(f"{error} (make test trains it first)")


@pytest.fixture(scope="session")
def app(model):
    return create_app({"TESTING": True}, model=model)


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture(scope="session")
def seed_articles():
    return {path.name: path.read_text(encoding="utf-8") for path in sorted(SEEDS_DIR.glob("*.txt"))}
