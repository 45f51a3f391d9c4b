from __future__ import annotations

import pytest
from drf_spectacular.generators import SchemaGenerator


@pytest.fixture(scope="session")
def api_schema() -> dict:
    """The OpenAPI document of /api/v1/, as served (generated in-process)."""
    return SchemaGenerator().get_schema(request=None, public=True)
