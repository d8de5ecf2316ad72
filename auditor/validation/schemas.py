"""keyaudit's JSON Schemas, and `violations`: the one place that says whether a document follows one of them.

Structural schemas refer to `scope.schema.json` for every scope name. When a version is chosen, that
reference resolves to the version's generated enum (`scopes/appwrite-<version>.schema.json`), so one set
of schemas knows the real scopes of every version.

Two validators read the same schemas. jsonschema-rs (quick.py, where it is installed) passes a valid
document; python-jsonschema (explain.py) decides every other one and says what is wrong. Only a pass is
taken from jsonschema-rs, so the verdicts are python-jsonschema's, and its error tree makes the messages.
What this buys: an audit of valid files never imports python-jsonschema, about 50 ms of every run.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

from auditor.catalog.catalog import Catalog
from auditor.resources import data_dir
from auditor.times import deadline

BASE_URI = "https://keyaudit.dev/schemas/"
SCOPE_URI = BASE_URI + "scope.schema.json"


@dataclass(frozen=True)
class Violation:
    pointer: str
    message: str
    unknown_scope: str | None = None  # set when the violation is an unknown scope name


@cache
def _schema_files() -> dict[str, dict]:
    schemas = {}
    for path in sorted(data_dir("schemas").rglob("*.schema.json")):
        schema = json.loads(path.read_text())
        schemas[schema["$id"]] = schema
    return schemas


def schema(name: str) -> dict:
    return _schema_files()[BASE_URI + name]


def resources(version: str | None) -> Iterator[tuple[str, dict]]:
    """Every schema by its URI, `scope.schema.json` being the version's scope enum when a version is set."""
    files = _schema_files()
    for uri, contents in files.items():
        if uri == SCOPE_URI and version is not None:
            contents = {**files[f"{BASE_URI}scopes/appwrite-{version}.schema.json"], "$id": SCOPE_URI}
        yield uri, contents


_DATE_TIME_SHAPE = re.compile(r"\d{4}-\d{2}-\d{2}([Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:?\d{2})?)?")


def is_real_date(value) -> bool:
    """The `date-time` format of both validators: a calendar-valid date-time (the schema's pattern already
    fixed its shape) in the years keyaudit reads, or later (an expiry of 9999-12-31 is "never")."""
    if not isinstance(value, str) or not _DATE_TIME_SHAPE.fullmatch(value):
        return True  # the pattern reports a wrong shape
    try:
        deadline(value)
    except ValueError:
        return False
    return True


def violations(value, ref: str, catalog: Catalog | None) -> list[Violation]:
    """What is wrong with `value` against the schema `ref` (`manifest.schema.json#/$defs/key`), scope names
    checked against the catalog's version when one is given; [] when nothing is."""
    from auditor.validation.quick import passes  # imports jsonschema-rs: only where something is validated

    if passes(value, ref, catalog.version if catalog else None):
        return []
    from auditor.validation.explain import explained  # python-jsonschema: only for a document not passed

    return explained(value, ref, catalog)
