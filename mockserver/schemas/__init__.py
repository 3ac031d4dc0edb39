"""The JSON Schemas, one job per module.

- :mod:`~mockserver.schemas.registry`: :class:`~mockserver.schemas.registry.SchemaRegistry`,
  and the process-level cache of loaded directories (by file digests);
- :mod:`~mockserver.schemas.loading`: reading and checking the files (duplicate keys,
  ``$schema`` and ``$id``, the metaschema by digest, every ``$ref``);
- :mod:`~mockserver.schemas.formats`: what ``integer``, ``date-time`` and ``uri`` mean here;
- :mod:`~mockserver.schemas.fastpath`: the check compiled from a schema that answers "valid";
- :mod:`~mockserver.schemas.explain`: why a value breaks a schema, in words.
"""
