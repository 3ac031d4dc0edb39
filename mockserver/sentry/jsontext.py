"""Compact JSON as Sentry's API writes it: DRF's ``JSONRenderer`` (``COMPACT_JSON``,
``UNICODE_JSON``, no ``NaN``), from one encoder made once.

``json.JSONEncoder.encode`` makes a new C encoder (and a dict to detect cycles) on every call;
the mock encodes what it made itself, which holds no cycle, so one C encoder made here, without
that dict, serves every call: a third less per answer a write makes.
"""

from __future__ import annotations

import json
from json import encoder as _json_encoder
from typing import Any

_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, allow_nan=False)

# json's own arguments for these options (json.encoder.JSONEncoder.iterencode): no cycle
# markers, the default that raises TypeError, non-ASCII kept, no indent, compact separators,
# keys in order, no key skipped, NaN refused.
_make: Any = getattr(_json_encoder, "c_make_encoder", None)
_C_ENCODER: Any = (
    None
    if _make is None
    else _make(
        None, _ENCODER.default, _json_encoder.encode_basestring, None, ":", ",", False, False, False
    )
)


def dumps(value: Any) -> str:
    """``value`` as compact JSON text, non-ASCII kept (``json.dumps`` with DRF's options).

    :raises TypeError: for a value JSON cannot hold.
    :raises ValueError: for ``NaN`` or an infinity.
    """
    if _C_ENCODER is None:  # a Python without json's C accelerator
        return _ENCODER.encode(value)
    return "".join(_C_ENCODER(value, 0))
