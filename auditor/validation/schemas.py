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
def _schema_file(uri: str) -> dict:
    """The schema whose `$id` is `uri`: `schemas/<the rest of the URI>`. KeyError for any other URI."""
    name = uri.removeprefix(BASE_URI)
    if name == uri or not _SCHEMA_NAME.fullmatch(name):
        raise KeyError(uri)
    try:
        contents = json.loads((data_dir("schemas") / name).read_text())
    except FileNotFoundError:
        raise KeyError(uri) from None
    if contents.get("$id") != uri:
        raise ValueError(f"schemas/{name}: its $id is not {uri}")
    return contents


_SCHEMA_NAME = re.compile(r"(?:[a-z0-9-]+/)?[a-z0-9.-]+\.schema\.json")


def schema(name: str) -> dict:
    return _schema_file(BASE_URI + name)


def resource(uri: str, version: str | None) -> dict:
    """The schema at `uri`, `scope.schema.json` being the version's scope enum when a version is set."""
    if uri == SCOPE_URI and version is not None:
        return {**_schema_file(f"{BASE_URI}scopes/appwrite-{version}.schema.json"), "$id": SCOPE_URI}
    return _schema_file(uri)


def resources(version: str | None) -> Iterator[tuple[str, dict]]:
    """Every schema by its URI, as `resource` reads it."""
    folder = data_dir("schemas")
    for path in sorted(folder.rglob("*.schema.json")):
        uri = BASE_URI + path.relative_to(folder).as_posix()
        yield uri, resource(uri, version)


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
