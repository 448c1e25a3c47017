"""Fuzzing the patient API from its own OpenAPI schema (schemathesis).

Every operation in /openapi.json gets generated requests, valid and invalid; every
response must be a documented one matching its schema, and none may be a 5xx.
(schemathesis' pytest plugin does not run on this pytest yet, so the test drives each
operation's Hypothesis strategy itself.)
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from bot.settings import Settings
from bot.web.app import create_app

EXAMPLES = 40  # per operation and mode: bounded for CI


@pytest.fixture(scope="module")
def fuzzed_app(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    local = settings.model_copy(update={"data_dir": tmp_path_factory.mktemp("fuzz")})
    app = create_app(local)
    with TestClient(app):  # runs the lifespan: the index and the log are loaded
        yield app


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_api_conforms_to_its_schema_and_never_fails(
    fuzzed_app: FastAPI, mode: GenerationMode
) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", fuzzed_app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.path for op in operations} >= {"/api/chat", "/api/feedback", "/healthz"}
    for operation in operations:
        if mode == GenerationMode.NEGATIVE and operation.method.upper() != "POST":
            continue  # nothing to get wrong in a GET without parameters

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
        def check(case: schemathesis.Case) -> None:
            response = case.call()
            assert response.status_code < 500, (case.method, case.path, response.text)
            # Lenient is fine: a message is stripped of surrounding spaces before its length
            # is checked, and unknown fields are ignored; the schema cannot say either.
            excluded = [negative_data_rejection]
            if case.path == "/api/callback":
                # A phone number can be of the schema's form and still not exist, and a
                # request without consent is the patient's to fix: 422 with the reason.
                excluded.append(positive_data_acceptance)
            case.validate_response(response, excluded_checks=excluded)

        check()
