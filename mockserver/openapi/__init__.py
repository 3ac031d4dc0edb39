"""The OpenAPI document the mock serves at ``/openapi.json``."""
