from tests.api.conftest import api_schema  # noqa: F401  (the OpenAPI document, for the operations' coverage)
