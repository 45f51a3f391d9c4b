"""The OpenAPI document: valid, complete, and true of the running API for every role.

Schemathesis generates requests from the schema for every operation (valid and invalid data, random
path ids and filters) and sends them through the WSGI application with a real token of each role;
every response must be a non-5xx response the schema describes (status, content type, body).
"""

from __future__ import annotations

import json

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from drf_spectacular.renderers import OpenApiJsonRenderer
from drf_spectacular.validation import validate_schema
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.checks import not_a_server_error

from cities.tokens import create_api_token
from tests.api.world import ROLES, build_world
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
        assert "/static/drf_spectacular_sidecar/" in html
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


@pytest.fixture
def role_keys(db, settings) -> dict[str, str]:
    """The world of the permission matrix, built once per operation, and a token of each role."""
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "localhost"]  # Schemathesis's WSGI host
    world = build_world()
    keys = {}
    for role in SCHEMATHESIS_ROLES:
        user = world[ROLES[role]]
        keys[role] = create_api_token(user, name="schemathesis", by=user)[1]
    return keys


def _conformance_test(role: str):
    @schema.parametrize()
    @settings(max_examples=3, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    def test(case, role_keys):
        case.call_and_validate(headers={"Authorization": f"Token {role_keys[role]}"}, checks=CHECKS)

    test.__name__ = f"test_api_conforms_to_its_schema_as_{role}"
    return test


for _role in SCHEMATHESIS_ROLES:
    globals()[f"test_api_conforms_to_its_schema_as_{_role}"] = _conformance_test(_role)
