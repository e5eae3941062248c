"""nbgrader's own steps without their repeated set-up cost (same results, less CPU).

1. nbgrader's cell-metadata validator (``nbgrader.nbgraderformat.common``) calls
``jsonschema.validate(metadata, schema)`` for every nbgrader cell, in every pass. That call
checks the schema itself against the JSON Schema meta-schema and builds a new validator each
time: nine tenths of its cost, about 2 ms per cell. ``apply`` points nbgrader at a
``validate`` that does the same (meta-schema check, then ``best_match`` of the errors) once per
distinct schema and reuses the validator.

2. Every ``nbgrader.api.Gradebook(...)`` creates a new SQLAlchemy engine (and disposes of it on
close); recording one submission opens the gradebook about eight times, so every query is
compiled again each time (SQLAlchemy caches compiled SQL per engine). ``apply`` gives
nbgrader one engine per database URL (the last few URLs are kept). ``Gradebook.close`` still
disposes of it, which only closes its pooled connections; the next use opens a new one.

nbgrader internals patched (check them on an nbgrader upgrade): the ``jsonschema`` name in
``nbgrader.nbgraderformat.common`` and the ``create_engine`` name in ``nbgrader.api``.
"""

from __future__ import annotations

import json
import threading
import types
from collections import OrderedDict
from typing import Any

_applied = False
_validators: dict[str, Any] = {}
_engines: OrderedDict[tuple, Any] = OrderedDict()
_lock = threading.Lock()
ENGINES_KEPT = 8


def validate(instance: Any, schema: dict) -> None:
    """``jsonschema.validate(instance, schema)``, with the checked validator cached."""
    import jsonschema

    key = json.dumps(schema, sort_keys=True)
    validator = _validators.get(key)
    if validator is None:
        cls = jsonschema.validators.validator_for(schema)
        cls.check_schema(schema)
        validator = cls(schema)
        with _lock:
            _validators[key] = validator
    error = jsonschema.exceptions.best_match(validator.iter_errors(instance))
    if error is not None:
        raise error


def create_engine(url: Any, **kwargs: Any) -> Any:
    """``sqlalchemy.create_engine``, one engine per (url, options), the last few kept."""
    import sqlalchemy

    key = (str(url), tuple(sorted((k, repr(v)) for k, v in kwargs.items())))
    with _lock:
        engine = _engines.get(key)
        if engine is None:
            engine = _engines[key] = sqlalchemy.create_engine(url, **kwargs)
            while len(_engines) > ENGINES_KEPT:
                _engines.popitem(last=False)[1].dispose()
        _engines.move_to_end(key)
        return engine


def apply() -> None:
    """Patch nbgrader in this process (idempotent)."""
    global _applied
    if _applied:
        return
    from nbgrader import api
    from nbgrader.nbgraderformat import common

    common.jsonschema = types.SimpleNamespace(validate=validate)  # the one name it uses
    api.create_engine = create_engine
    _applied = True
