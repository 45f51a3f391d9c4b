"""The OpenAPI document: valid, complete, and true of the running API for every role.

Schemathesis generates requests from the schema for every operation (valid and invalid data, random
path ids and filters) and sends them through the WSGI application with a real token of each role;
every response must be a non-5xx response the schema describes (status, content type, body).
"""

from __future__ import annotations

import json
import re

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.renderers import OpenApiJsonRenderer
from drf_spectacular.validation import validate_schema
from hypothesis import HealthCheck, Phase, given
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from hypothesis import settings as hypothesis_settings
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.checks import not_a_server_error

from cities.tokens import create_api_token
from tests.api.world import ROLES, build_world
from tests.matrix.rows import API_ROWS, fill
from tests.utils import external_references

# One role of each kind; their tokens are real (hashed in the database).
SCHEMATHESIS_ROLES = ["national", "audit", "liaoning", "fushun", "expert"]
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def test_the_schema_is_valid_openapi_3(api_schema):
    validate_schema(api_schema)
    assert api_schema["openapi"].startswith("3.")


def test_every_operation_documents_its_bodies(api_schema):
    """Each operation has a summary or description, a success response with a body (or 204 / a file),
    the error shape for its refusals, and a request body when it writes."""
    problems = []
    for path, operations in api_schema["paths"].items():
        for method, operation in operations.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            name = f"{method.upper()} {path}"
            responses = operation["responses"]
            success = [code for code in responses if code.startswith("2")]
            if not success:
                problems.append(f"{name}: no success response")
            for code in success:
                if code != "204" and "content" not in responses[code]:
                    problems.append(f"{name}: {code} has no body")
            for code in ("401", "404"):
                if "ErrorResponse" not in json.dumps(responses.get(code, {})) and \
                        "Error" not in json.dumps(responses.get(code, {})):
                    problems.append(f"{name}: {code} is not the error shape")
    assert not problems, "\n".join(problems)


def test_the_schema_is_served_to_signed_in_users_and_the_docs_pages_are_local(client, fushun_officer):
    assert client.get("/api/v1/schema/").status_code in (401, 403)
    client.force_login(fushun_officer)
    response = client.get("/api/v1/schema/", {"format": "json"})
    assert response.status_code == 200 and "/api/v1/cities/" in response.content.decode()
    for name in ("docs", "redoc"):
        html = client.get(f"/api/v1/{name}/").content.decode()
        assert not external_references(html), name
        assert "/static/drf_spectacular_sidecar/" in html or "/api/v1/redoc.js" in html
    bundle = client.get("/api/v1/redoc.js").content
    assert b"Redoc" in bundle and b"cdn.redoc.ly" not in bundle
    script = client.get("/api/v1/docs/", {"script": ""})
    assert script.status_code == 200 and script["Content-Type"].startswith("application/javascript")


def _load_schema():
    """The schema as served, loaded by Schemathesis with the WSGI application to call in-process."""
    from drf_spectacular.generators import SchemaGenerator

    document = json.loads(OpenApiJsonRenderer().render(SchemaGenerator().get_schema(request=None, public=True)))
    loaded = schemathesis.openapi.from_dict(document)
    loaded.app = get_wsgi_application()
    return loaded


schema = _load_schema()


# Per operation and role: valid data (the shapes the schema documents) and invalid data (wrong types,
# missing fields, out-of-range values).
EXAMPLES = {GenerationMode.POSITIVE: 4, GenerationMode.NEGATIVE: 2}


def _known_path_parameters(world: dict) -> dict[str, list[dict]]:
    """For each path template, the parameters of real objects of the world (from the permission matrix's
    rows), so that generated requests also reach existing objects, not only random ids."""
    known: dict[str, list[dict]] = {}
    patterns = {template: re.compile("^" + re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template)) + "$")
                for template in schema.raw_schema["paths"]}
    for path in sorted({fill(row["path"], world).split("?")[0] for row in API_ROWS}):
        matches = [(template.count("{"), template, match) for template, pattern in patterns.items()
                   if (match := pattern.match(path))]
        if matches:  # the most literal template: /lists/coverage/ is not /lists/{id}/ with id "coverage"
            _n, template, match = min(matches)
            if match.groupdict():
                known.setdefault(template, []).append(match.groupdict())
    return known


@pytest.fixture
def connection_kept_open():
    """The WSGI application ends each request by closing old database connections; in a test that would
    close the connection holding the test's transaction (PostgreSQL). Django's test client avoids it the
    same way."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.mark.parametrize("role", SCHEMATHESIS_ROLES)
def test_api_conforms_to_its_schema(role, db, settings, connection_kept_open):
    """One world per role, then every operation of the schema with generated requests in it (the world
    changes as the requests write: later operations meet what earlier ones made)."""
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "localhost"]  # Schemathesis's WSGI host
    world = build_world()
    known = _known_path_parameters(world)
    user = world[ROLES[role]]
    headers = {"Authorization": f"Token {create_api_token(user, name='schemathesis', by=user)[1]}"}
    failures, calls = [], 0
    for result in schema.get_all_operations():
        operation = result.ok()
        real = known.get(operation.path, [])
        for mode, examples in EXAMPLES.items():

            @given(case=operation.as_strategy(generation_mode=mode),
                   params=st.sampled_from([None, *real]) if real else st.none())
            @hypothesis_settings(max_examples=examples, deadline=None, database=None, derandomize=True,
                                 suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])
            def check(case, params):
                nonlocal calls
                if params is not None and mode == GenerationMode.POSITIVE:
                    case.path_parameters = dict(params)
                calls += 1
                case.call_and_validate(headers=headers, checks=CHECKS)

            try:
                check()
            except Unsatisfiable:
                assert mode == GenerationMode.NEGATIVE  # nothing to make invalid (no parameters, no body)
            except Exception as exc:  # noqa: BLE001 — every failing operation is reported at the end
                failures.append(f"{operation.method.upper()} {operation.path} ({mode.value}): {exc}")
    assert calls > 300, calls
    assert not failures, f"{len(failures)} operations fail for {role}:\n" + "\n\n".join(failures)
