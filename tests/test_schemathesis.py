"""schemathesis against the app's own /openapi.json: every operation, generated requests, no 500, answers conform."""
from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from service.app import create_app

# Bounded and reproducible: at most 50 valid and 50 invalid requests per operation, the same ones on every run.
BOUNDED = settings(max_examples=50, deadline=None, derandomize=True,
                   suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          response_headers_conformance]


@pytest.fixture(scope="module")
def api_schema(model, tmp_path_factory):
    """The real app and model; corrections go to a throwaway database, not var/."""
    database = tmp_path_factory.mktemp("schemathesis") / "feedback.sqlite3"
    app = create_app({"TESTING": True, "FEEDBACK_DB": str(database)}, model=model)
    return schemathesis.openapi.from_wsgi("/openapi.json", app)


def _run(operation, mode: GenerationMode, cases: Counter) -> None:
    """One bounded hypothesis run of generated requests for one operation."""
    @BOUNDED
    @given(case=operation.as_strategy(generation_mode=mode))
    def call_and_validate(case):
        cases[f"{operation.label} ({mode.value})"] += 1
        case.call_and_validate(checks=CHECKS)

    call_and_validate()


def test_every_operation_conforms_and_never_fails(api_schema, capsys):
    # schemathesis' own pytest plugin (schema.parametrize) does not run under pytest 9, so each operation's
    # strategies drive hypothesis here: valid requests, then invalid ones where there is a body or query.
    cases = Counter()
    for result in api_schema.get_all_operations():
        operation = result.ok()
        _run(operation, GenerationMode.POSITIVE, cases)
        if operation.body or operation.query:
            _run(operation, GenerationMode.NEGATIVE, cases)
    assert len(cases) >= 9 and all(cases.values())
    with capsys.disabled():
        print(f"\nschemathesis: {cases.total()} cases over {len(cases)} operation/mode pairs: "
              + ", ".join(f"{label} {count}" for label, count in cases.items()))
