"""The JSON Schemas: the registry, loading, and the compiled fast path."""
