"""keyaudit's JSON Schemas, tested raw and through auditor.validation.schemas.violations.

Raw: jsonschema's Draft202012Validator with a referencing Registry of every file
in schemas/ (read from the repository, not through keyaudit). For scope names
under a version, the raw registry maps scope.schema.json to the version's
generated enum, as the schemas' documentation says keyaudit does.

Every failing document holds exactly one kind of violation, so both the raw
error (keyword + JSON pointer) and keyaudit's message can be checked precisely.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys

import pytest
from helpers.paths import ROOT, SAMPLE_KEYS, SAMPLE_LOGS, SAMPLE_NOW
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from auditor.catalog.catalog import load as load_catalog
from auditor.resources import data_dir
from auditor.validation import explain
from auditor.validation import schemas as wrapper
from auditor.validation.schemas import violations

SCHEMA_DIR = ROOT / "schemas"
BASE = "https://keyaudit.dev/schemas/"
SCOPE_URI = BASE + "scope.schema.json"
META = "https://json-schema.org/draft/2020-12/schema"
VERSIONS = ("1.6", "1.7", "1.8", "1.9")
DROP = object()  # a field to remove from a document

SCHEMA_FILES = sorted(SCHEMA_DIR.rglob("*.schema.json"))
SCHEMAS = {
    path.relative_to(SCHEMA_DIR).as_posix(): json.loads(path.read_text(encoding="utf-8")) for path in SCHEMA_FILES
}


# ---------------------------------------------------------------- helpers


def raw_registry(version: str | None = None) -> Registry:
    resources = {schema["$id"]: schema for schema in SCHEMAS.values()}
    if version is not None:
        resources[SCOPE_URI] = {**SCHEMAS[f"scopes/appwrite-{version}.schema.json"], "$id": SCOPE_URI}
    return Registry().with_resources((uri, Resource.from_contents(s)) for uri, s in resources.items())


_REGISTRIES = {v: raw_registry(v) for v in (None, *VERSIONS)}


def raw_errors(document, ref: str, version: str | None = None):
    validator = Draft202012Validator({"$ref": BASE + ref}, registry=_REGISTRIES[version])
    return list(validator.iter_errors(document))


def flat(errors):
    """(keyword, pointer) of every error, anyOf/oneOf branches included."""
    found = set()
    for error in errors:
        found.add((error.validator, explain.pointer_of(error.absolute_path)))
        found |= flat(error.context or [])
    return found


def catalog(version: str | None):
    return load_catalog(version) if version else None


def edit(document, **changes):
    """A deep copy of `document` with fields replaced (DROP removes one); `S_id` stands for `$id`."""
    result = copy.deepcopy(document)
    for name, value in changes.items():
        name = name.replace("S_", "$")
        if value is DROP:
            result.pop(name)
        else:
            result[name] = value
    return result


# ---------------------------------------------------------------- documents

EXPORT_KEY = {
    "$id": "6909b57103ab195278da",
    "$createdAt": "2025-11-04T08:12:33.015+00:00",
    "$updatedAt": "2026-11-23T10:59:29.750+00:00",
    "name": "ops-admin",
    "expire": None,
    "scopes": ["rows.read", "users.read"],
    "secret": "standard_[hidden]",
    "accessedAt": "2026-11-23T10:59:29.750+00:00",
    "sdks": ["appwrite-cli/18.0.0"],
}
KEY_LIST = {"total": 1, "keys": [EXPORT_KEY]}

MANIFEST_KEY = {
    "id": "6a1ff008311c0a68e688",
    "name": "staging-deployer",
    "scopes": ["functions.read", "executions.read"],
    "expire": "2027-06-30T00:00:00.000+00:00",
    "createdAt": "2026-06-03T09:12:40.201+00:00",
    "accessedAt": "2026-06-04",
    "owner": "devops@shop.example",
    "purpose": "CI deploys",
    "project": "shop-staging",
}
MANIFEST = {"$schema": "x", "appwriteVersion": "1.9", "project": "shop-prod", "keys": [MANIFEST_KEY]}

CALL = {
    "time": "2026-11-20T10:00:00.123Z",
    "project": "shop-prod",
    "key": "function:order-webhook",
    "method": "GET",
    "path": "https://cloud.appwrite.io/v1/users?queries[]=x",
    "status": 401,
    "error": "general_unauthorized_scope",
    "extra": {"ignored": True},
}

APPWRITE_JSON = {
    "projectId": "shop-prod",
    "projectName": "ignored",
    "functions": [{"$id": "order-webhook", "name": "order-webhook", "scopes": ["rows.read"], "runtime": "node-22"}],
    "sites": [{"$id": "storefront", "scopes": []}],
}

CONFIG = {
    "$schema": "x",
    "appwriteVersion": "v1.8.1",
    "failOn": "high",
    "rules": {
        "no-expiry": {"enabled": False},
        "stale-key": {"severity": "low", "options": {"days": 90}},
        "unused-scope:users.read": {"enabled": True},
    },
}


def manifest_with_key(**changes):
    return edit(MANIFEST, keys=[edit(MANIFEST_KEY, **changes)])


def key_list_with_key(**changes):
    return edit(KEY_LIST, keys=[edit(EXPORT_KEY, **changes)])


# ---------------------------------------------------------------- the schema files themselves


TESTED_HERE = {
    "common.schema.json",
    "scope.schema.json",
    "key-export.schema.json",
    "manifest.schema.json",
    "call-log-record.schema.json",
    "appwrite-json.schema.json",
    "config.schema.json",
    "report.schema.json",
} | {f"scopes/appwrite-{v}.schema.json" for v in VERSIONS}


def test_schema_directory_holds_every_expected_schema():
    # The generic checks below (draft 2020-12, $id, $refs) run on every file; the
    # documents of this module cover TESTED_HERE.
    assert TESTED_HERE <= set(SCHEMAS)


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_schema_is_valid_draft_2020_12(name):
    schema = SCHEMAS[name]
    assert schema["$schema"] == META
    Draft202012Validator.check_schema(schema)


def test_check_schema_catches_a_broken_schema():
    with pytest.raises(SchemaError):
        Draft202012Validator.check_schema({**SCHEMAS["scope.schema.json"], "minLength": -1})


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_schema_id_matches_file_name(name):
    assert SCHEMAS[name]["$id"] == BASE + name


def test_schema_ids_are_unique():
    ids = [schema["$id"] for schema in SCHEMAS.values()]
    assert len(ids) == len(set(ids)) == len(SCHEMA_FILES)


def _refs(node):
    if isinstance(node, dict):
        for name, child in node.items():
            if name == "$ref" and isinstance(child, str):
                yield child
            else:
                yield from _refs(child)
    elif isinstance(node, list):
        for child in node:
            yield from _refs(child)


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_every_ref_resolves(name):
    resolver = _REGISTRIES[None].resolver(base_uri=SCHEMAS[name]["$id"])
    for ref in _refs(SCHEMAS[name]):
        assert resolver.lookup(ref).contents is not None, ref


def test_keyaudit_loads_the_same_schema_files():
    assert data_dir("schemas").resolve() == SCHEMA_DIR.resolve()
    for name, contents in SCHEMAS.items():
        assert wrapper.schema(name) == contents


# ---------------------------------------------------------------- generated scope schemas


@pytest.mark.parametrize("version", VERSIONS)
def test_scope_schema_matches_its_catalog(version):
    schema = SCHEMAS[f"scopes/appwrite-{version}.schema.json"]
    cat = load_catalog(version)
    assert schema["type"] == "string"
    assert schema["enum"] == sorted(schema["enum"]) and len(schema["enum"]) == len(set(schema["enum"]))
    assert set(schema["enum"]) == set(cat.key_scopes)
    assert schema["x-keyaudit"]["deprecated"] == cat.renamed
    assert f"({cat.release})" in schema["title"]


@pytest.mark.parametrize("version", VERSIONS)
def test_every_scope_of_a_version_is_valid_raw_and_through_keyaudit(version):
    names = SCHEMAS[f"scopes/appwrite-{version}.schema.json"]["enum"]
    key = edit(EXPORT_KEY, scopes=names)
    assert len(names) <= 100
    assert raw_errors(key, "key-export.schema.json#/$defs/key", version) == []
    assert violations(key, "key-export.schema.json#/$defs/key", load_catalog(version)) == []


@pytest.mark.parametrize("version", VERSIONS)
def test_deprecated_scope_names_are_valid(version):
    schema = SCHEMAS[f"scopes/appwrite-{version}.schema.json"]
    deprecated = schema["x-keyaudit"]["deprecated"]
    for old, new in deprecated.items():
        assert old in schema["enum"] and new in schema["enum"]
        key = edit(EXPORT_KEY, scopes=[old])
        assert raw_errors(key, "key-export.schema.json#/$defs/key", version) == [], old
        assert violations(key, "key-export.schema.json#/$defs/key", load_catalog(version)) == [], old


def test_1_9_still_accepts_the_renamed_scopes():
    deprecated = SCHEMAS["scopes/appwrite-1.9.schema.json"]["x-keyaudit"]["deprecated"]
    old_names = [
        "documents.read",
        "documents.write",
        "collections.read",
        "collections.write",
        "attributes.read",
        "execution.read",
        "execution.write",
        "policies.read",
        "policies.write",
    ]
    assert set(old_names) <= set(deprecated)
    doc = manifest_with_key(scopes=old_names)
    assert raw_errors(doc, "manifest.schema.json", "1.9") == []
    assert violations(doc, "manifest.schema.json", load_catalog("1.9")) == []


@pytest.mark.parametrize(
    "scope,valid_on",
    [
        ("documents.read", {"1.6", "1.7", "1.8", "1.9"}),
        ("rows.read", {"1.8", "1.9"}),
        ("tables.write", {"1.8", "1.9"}),
        ("sites.read", {"1.7", "1.8", "1.9"}),
        ("executions.read", {"1.9"}),
        ("project.policies.read", {"1.9"}),
        ("row.read", set()),
        ("ROWS.READ", set()),
        ("rows.read ", set()),
    ],
)
def test_scope_names_per_version(scope, valid_on):
    for version in VERSIONS:
        doc = manifest_with_key(scopes=["users.read", scope])
        errors = raw_errors(doc, "manifest.schema.json", version)
        found = violations(doc, "manifest.schema.json", load_catalog(version))
        if version in valid_on:
            assert errors == [] and found == [], (scope, version)
        else:
            assert flat(errors) == {("enum", "/keys/0/scopes/1")}, (scope, version)
            (v,) = found
            assert v.pointer == "/keys/0/scopes/1" and v.unknown_scope == scope
            assert v.message.startswith(f"unknown scope {scope!r} for Appwrite {version}")


def test_without_a_version_scope_names_are_only_checked_for_shape():
    doc = key_list_with_key(scopes=["row.read", "no-such.scope"])
    assert raw_errors(doc, "key-export.schema.json") == []
    assert violations(doc, "key-export.schema.json#/$defs/keyList", None) == []


@pytest.mark.parametrize(
    "name,hint",
    [
        ("row.read", "did you mean rows.read?"),
        ("collection.read", "did you mean tables.read (or the old collections.read)?"),
    ],
)
def test_unknown_scope_gets_did_you_mean(name, hint):
    doc = key_list_with_key(scopes=[name])
    (v,) = violations(doc, "key-export.schema.json#/$defs/keyList", load_catalog("1.9"))
    assert v.message == f"unknown scope {name!r} for Appwrite 1.9; {hint}"


def test_unknown_scope_message_never_shows_a_secret():
    secret = "standard_" + "ab12" * 64
    doc = key_list_with_key(scopes=[secret])
    (v,) = violations(doc, "key-export.schema.json#/$defs/keyList", load_catalog("1.9"))
    assert secret not in v.message and "<secret sha256:" in v.message


# ---------------------------------------------------------------- valid documents

# (ref, document, a version whose scope names it must also pass, or None for structure only)

VALID = [
    pytest.param("common.schema.json#/$defs/dateTime", "2026-03-02T10:15:00.000+00:00", "1.9", id="dateTime-appwrite"),
    pytest.param("common.schema.json#/$defs/dateTime", "2026-03-02T10:15:00Z", "1.9", id="dateTime-Z"),
    pytest.param("common.schema.json#/$defs/dateTime", "2026-03-02", "1.9", id="dateTime-bare-date"),
    pytest.param("common.schema.json#/$defs/dateTime", "2026-03-02 10:15", "1.9", id="dateTime-space-no-seconds"),
    pytest.param("common.schema.json#/$defs/dateTime", "2026-03-02t10:15:00-0530", "1.9", id="dateTime-lower-t-offset"),
    pytest.param("common.schema.json#/$defs/optionalDateTime", None, "1.9", id="optionalDateTime-null"),
    pytest.param("common.schema.json#/$defs/optionalDateTime", "", "1.9", id="optionalDateTime-empty"),
    pytest.param("common.schema.json#/$defs/scopeList", [], "1.9", id="scopeList-empty"),
    pytest.param("common.schema.json#/$defs/scopeList", ["users.read"] * 100, "1.9", id="scopeList-100"),
    pytest.param("common.schema.json#/$defs/appwriteId", "a" * 36, "1.9", id="appwriteId-36"),
    pytest.param("common.schema.json#/$defs/appwriteId", "9a.b-c_d", "1.9", id="appwriteId-specials"),
    pytest.param("scope.schema.json", "x" * 128, None, id="scope-128"),
    pytest.param("key-export.schema.json", KEY_LIST, "1.9", id="export-root-keyList"),
    pytest.param("key-export.schema.json", EXPORT_KEY, "1.9", id="export-root-key"),
    pytest.param("key-export.schema.json", [EXPORT_KEY, EXPORT_KEY], "1.9", id="export-root-keyArray"),
    pytest.param("key-export.schema.json", [], "1.9", id="export-root-empty-array"),
    pytest.param("key-export.schema.json#/$defs/keyList", {"keys": []}, "1.9", id="keyList-no-total"),
    pytest.param("key-export.schema.json#/$defs/key", {"$id": "k", "scopes": []}, "1.9", id="key-minimal"),
    pytest.param(
        "key-export.schema.json#/$defs/key",
        edit(EXPORT_KEY, secret=None, expire="", accessedAt=None),
        "1.9",
        id="key-null-secret-empty-expire",
    ),
    pytest.param(
        "key-export.schema.json#/$defs/key",
        edit(EXPORT_KEY, secret=DROP, projectId="p", newField=[1]),
        "1.9",
        id="key-no-secret-extra-fields",
    ),
    pytest.param(
        "key-export.schema.json#/$defs/key",
        edit(EXPORT_KEY, secret="standard_" + "ab12" * 64),
        "1.9",
        id="key-real-secret",
    ),
    pytest.param("key-export.schema.json#/$defs/keyArray", [EXPORT_KEY], "1.9", id="keyArray"),
    pytest.param("manifest.schema.json", MANIFEST, "1.9", id="manifest-full"),
    pytest.param("manifest.schema.json", {"keys": []}, "1.9", id="manifest-minimal"),
    pytest.param(
        "manifest.schema.json",
        manifest_with_key(expire=None, createdAt=DROP, accessedAt=DROP, owner=DROP, purpose=DROP, project=DROP),
        "1.9",
        id="manifest-key-minimal",
    ),
    pytest.param("manifest.schema.json", edit(MANIFEST, appwriteVersion="v1.9.6"), "1.9", id="manifest-full-version"),
    pytest.param("call-log-record.schema.json", CALL, "1.9", id="call-full"),
    pytest.param(
        "call-log-record.schema.json", {"key": "k", "method": "get", "path": "/v1/health"}, "1.9", id="call-minimal"
    ),
    pytest.param("call-log-record.schema.json", edit(CALL, status=100), "1.9", id="call-status-100"),
    pytest.param("call-log-record.schema.json", edit(CALL, status=599), "1.9", id="call-status-599"),
    pytest.param("appwrite-json.schema.json", APPWRITE_JSON, "1.9", id="appwrite-json"),
    pytest.param("appwrite-json.schema.json", {}, "1.9", id="appwrite-json-empty"),
    pytest.param(
        "appwrite-json.schema.json",
        json.loads((ROOT / "samples/appwrite.json").read_text()),
        "1.9",
        id="appwrite-json-sample",
    ),
    pytest.param("config.schema.json", CONFIG, "1.9", id="config-full"),
    pytest.param("config.schema.json", {}, "1.9", id="config-empty"),
    pytest.param("config.schema.json", edit(CONFIG, failOn="none"), "1.9", id="config-fail-on-none"),
]


@pytest.mark.parametrize("ref,document,version", VALID)
def test_valid_document(ref, document, version):
    """Valid without a version (structure only) and, when it holds real scope names, on `version` too."""
    assert raw_errors(document, ref) == []
    assert violations(document, ref, None) == []
    if version:
        assert raw_errors(document, ref, version) == []
        assert violations(document, ref, catalog(version)) == []


# ---------------------------------------------------------------- one failing document per kind of violation

# (ref, document, version for scope names, raw keyword, JSON pointer, fragment of keyaudit's message)
INVALID = [
    # common.schema.json
    pytest.param(
        "common.schema.json#/$defs/dateTime",
        "tomorrow",
        None,
        "pattern",
        "",
        "'tomorrow' is not an RFC 3339 date-time",
        id="dateTime-word",
    ),
    pytest.param(
        "common.schema.json#/$defs/dateTime",
        "2026/03/02",
        None,
        "pattern",
        "",
        "is not an RFC 3339 date-time",
        id="dateTime-slashes",
    ),
    pytest.param(
        "common.schema.json#/$defs/dateTime",
        "2026-03-02T10:15:00 UTC",
        None,
        "pattern",
        "",
        "is not an RFC 3339 date-time",
        id="dateTime-zone-name",
    ),
    pytest.param(
        "common.schema.json#/$defs/dateTime",
        20260302,
        None,
        "type",
        "",
        "expected string, got 20260302",
        id="dateTime-number",
    ),
    pytest.param(
        "common.schema.json#/$defs/optionalDateTime",
        0,
        None,
        "type",
        "",
        'expected string, null or "", got 0',
        id="optionalDateTime-zero",
    ),
    pytest.param(
        "manifest.schema.json",
        edit(MANIFEST, keys=[edit(MANIFEST_KEY, expire=True)]),  # `expire: yes` in YAML
        "1.9",
        "anyOf",
        "/keys/0/expire",
        "expected string or null, got true",
        id="manifest-expire-yes",
    ),
    pytest.param(
        "common.schema.json#/$defs/scopeList",
        ["users.read"] * 101,
        None,
        "maxItems",
        "",
        "a list violates maxItems 100",
        id="scopeList-101",
    ),
    pytest.param(
        "common.schema.json#/$defs/scopeList",
        "users.read",
        None,
        "type",
        "",
        "expected array, got 'users.read'",
        id="scopeList-string",
    ),
    pytest.param(
        "common.schema.json#/$defs/appwriteId",
        "a" * 37,
        None,
        "pattern",
        "",
        "is not in the expected format",
        id="appwriteId-37",
    ),
    pytest.param(
        "common.schema.json#/$defs/appwriteId",
        "_key",
        None,
        "pattern",
        "",
        "'_key' is not in the expected format",
        id="appwriteId-leading-special",
    ),
    pytest.param(
        "common.schema.json#/$defs/appwriteId",
        "a b",
        None,
        "pattern",
        "",
        "'a b' is not in the expected format",
        id="appwriteId-space",
    ),
    # scope.schema.json
    pytest.param("scope.schema.json", "", None, "minLength", "", "'' violates minLength 1", id="scope-empty"),
    pytest.param(
        "scope.schema.json",
        "x" * 129,
        None,
        "maxLength",
        "",
        "a string of 129 characters violates maxLength 128",
        id="scope-129",
    ),
    pytest.param("scope.schema.json", 5, None, "type", "", "expected string, got 5", id="scope-number"),
    # key-export.schema.json
    pytest.param(
        "key-export.schema.json#/$defs/keyList",
        {"total": 0},
        None,
        "required",
        "",
        "missing required field 'keys'",
        id="keyList-missing-keys",
    ),
    pytest.param(
        "key-export.schema.json#/$defs/keyList",
        {"total": -1, "keys": []},
        None,
        "minimum",
        "/total",
        "-1 violates minimum 0",
        id="keyList-negative-total",
    ),
    pytest.param(
        "key-export.schema.json#/$defs/keyList",
        {"total": "7", "keys": []},
        None,
        "type",
        "/total",
        "expected integer, got '7'",
        id="keyList-total-string",
    ),
    pytest.param(
        "key-export.schema.json#/$defs/keyList",
        {"keys": {"a": EXPORT_KEY}},
        None,
        "type",
        "/keys",
        "expected array, got an object",
        id="keyList-keys-object",
    ),
    pytest.param(
        "key-export.schema.json#/$defs/keyList",
        key_list_with_key(S_id=DROP),
        None,
        "required",
        "/keys/0",
        "missing required field '$id'",
        id="key-missing-id",
    ),
    pytest.param(
        "key-export.schema.json#/$defs/keyList",
        key_list_with_key(scopes=DROP),
        None,
        "required",
        "/keys/0",
        "missing required field 'scopes'",
        id="key-missing-scopes",
    ),
    pytest.param(
        "key-export.schema.json#/$defs/keyList",
        key_list_with_key(S_id=""),
        None,
        "minLength",
        "/keys/0/$id",
        "'' violates minLength 1",
        id="key-empty-id",
    ),
    pytest.param(
        "key-export.schema.json#/$defs/keyList",
        key_list_with_key(scopes="rows.read"),
        None,
        "type",
        "/keys/0/scopes",
        "expected array, got 'rows.read'",
        id="key-scopes-string",
    ),
    pytest.param(
        "key-export.schema.json#/$defs/keyList",
        key_list_with_key(scopes=["rows.read", 7]),
        None,
        "type",
        "/keys/0/scopes/1",
        "expected string, got 7",
        id="key-scope-number",
    ),
    pytest.param(
        "key-export.schema.json#/$defs/keyList",
        key_list_with_key(scopes=["users.read"] * 101),
        "1.9",
        "maxItems",
        "/keys/0/scopes",
        "a list violates maxItems 100",
        id="key-101-scopes",
    ),
    pytest.param(
        "key-export.schema.json#/$defs/keyList",
        key_list_with_key(scopes=["rows.read", "row.read"]),
        "1.9",
        "enum",
        "/keys/0/scopes/1",
        "unknown scope 'row.read' for Appwrite 1.9",
        id="key-unknown-scope-1.9",
    ),
    pytest.param(
        "key-export.schema.json#/$defs/keyList",
        key_list_with_key(scopes=["rows.read"]),
        "1.7",
        "enum",
        "/keys/0/scopes/0",
        "unknown scope 'rows.read' for Appwrite 1.7",
        id="key-rows-on-1.7",
    ),
    pytest.param(
        "key-export.schema.json#/$defs/keyList",
        key_list_with_key(expire="tomorrow"),
        None,
        "pattern",
        "/keys/0/expire",
        "'tomorrow'",
        id="key-bad-expire",
    ),
    pytest.param(
        "key-export.schema.json#/$defs/keyList",
        key_list_with_key(S_createdAt=1700000000),
        None,
        "type",
        "/keys/0/$createdAt",
        "1700000000",
        id="key-createdAt-epoch",
    ),
    pytest.param(
        "key-export.schema.json#/$defs/keyList",
        key_list_with_key(name="n" * 129),
        None,
        "maxLength",
        "/keys/0/name",
        "violates maxLength 128",
        id="key-long-name",
    ),
    pytest.param(
        "key-export.schema.json#/$defs/keyList",
        key_list_with_key(secret=123),
        None,
        "type",
        "/keys/0/secret",
        "expected string or null, got 123",
        id="key-secret-number",
    ),
    pytest.param(
        "key-export.schema.json#/$defs/keyList",
        key_list_with_key(sdks=["a", None]),
        None,
        "type",
        "/keys/0/sdks/1",
        "expected string, got null",
        id="key-sdk-null",
    ),
    pytest.param(
        "key-export.schema.json#/$defs/keyArray",
        [EXPORT_KEY, "k2"],
        None,
        "type",
        "/1",
        "expected object, got 'k2'",
        id="keyArray-string-item",
    ),
    pytest.param(
        "key-export.schema.json#/$defs/key",
        edit(EXPORT_KEY, scopes=None),
        None,
        "type",
        "/scopes",
        "expected array, got null",
        id="key-scopes-null",
    ),
    pytest.param(
        "key-export.schema.json",
        "keys",
        None,
        "oneOf",
        "",
        "expected object or array, got 'keys'",
        id="export-root-string",
    ),
    pytest.param(
        "key-export.schema.json",
        {"$id": "k", "scopes": [], "keys": []},
        None,
        "oneOf",
        "",
        "an object fails oneOf",
        id="export-root-ambiguous",
    ),
    pytest.param(
        "key-export.schema.json",
        key_list_with_key(scopes=["row.read"]),
        "1.9",
        "enum",
        "/keys/0/scopes/0",
        "unknown scope 'row.read' for Appwrite 1.9; did you mean rows.read?",
        id="export-root-unknown-scope",
    ),
    # manifest.schema.json
    pytest.param(
        "manifest.schema.json",
        edit(MANIFEST, keys=DROP),
        None,
        "required",
        "",
        "missing required field 'keys'",
        id="manifest-missing-keys",
    ),
    pytest.param(
        "manifest.schema.json", [MANIFEST_KEY], None, "type", "", "expected object, got a list", id="manifest-list"
    ),
    pytest.param(
        "manifest.schema.json",
        edit(MANIFEST, owner="x"),
        None,
        "additionalProperties",
        "",
        "unexpected field 'owner'",
        id="manifest-unknown-root-field",
    ),
    pytest.param(
        "manifest.schema.json",
        edit(MANIFEST, appwriteVersion="latest"),
        None,
        "pattern",
        "/appwriteVersion",
        "'latest' is not in the expected format",
        id="manifest-version-word",
    ),
    pytest.param(
        "manifest.schema.json",
        edit(MANIFEST, appwriteVersion=1.9),
        None,
        "type",
        "/appwriteVersion",
        "expected string, got 1.9",
        id="manifest-version-number",
    ),
    pytest.param(
        "manifest.schema.json",
        edit(MANIFEST, project=""),
        None,
        "minLength",
        "/project",
        "'' violates minLength 1",
        id="manifest-empty-project",
    ),
    pytest.param(
        "manifest.schema.json",
        edit(MANIFEST, keys={"k": MANIFEST_KEY}),
        None,
        "type",
        "/keys",
        "expected array, got an object",
        id="manifest-keys-object",
    ),
    pytest.param(
        "manifest.schema.json",
        manifest_with_key(id=DROP),
        None,
        "required",
        "/keys/0",
        "missing required field 'id'",
        id="manifest-key-missing-id",
    ),
    pytest.param(
        "manifest.schema.json",
        manifest_with_key(name=DROP),
        None,
        "required",
        "/keys/0",
        "missing required field 'name'",
        id="manifest-key-missing-name",
    ),
    pytest.param(
        "manifest.schema.json",
        manifest_with_key(scopes=DROP),
        None,
        "required",
        "/keys/0",
        "missing required field 'scopes'",
        id="manifest-key-missing-scopes",
    ),
    pytest.param(
        "manifest.schema.json",
        manifest_with_key(expire=DROP),
        None,
        "required",
        "/keys/0",
        "missing required field 'expire'",
        id="manifest-key-missing-expire",
    ),
    pytest.param(
        "manifest.schema.json",
        manifest_with_key(secret="standard_x"),
        None,
        "additionalProperties",
        "/keys/0",
        "unexpected field 'secret'",
        id="manifest-key-secret-field",
    ),
    pytest.param(
        "manifest.schema.json",
        manifest_with_key(id="-abc"),
        None,
        "pattern",
        "/keys/0/id",
        "'-abc' is not in the expected format",
        id="manifest-key-bad-id",
    ),
    pytest.param(
        "manifest.schema.json",
        manifest_with_key(id=12345),
        None,
        "type",
        "/keys/0/id",
        "expected string, got 12345",
        id="manifest-key-numeric-id",
    ),
    pytest.param(
        "manifest.schema.json",
        manifest_with_key(name=""),
        None,
        "minLength",
        "/keys/0/name",
        "'' violates minLength 1",
        id="manifest-key-empty-name",
    ),
    pytest.param(
        "manifest.schema.json",
        manifest_with_key(expire=""),
        None,
        "pattern",
        "/keys/0/expire",
        "''",
        id="manifest-key-empty-expire",
    ),
    pytest.param(
        "manifest.schema.json",
        manifest_with_key(expire="30 June 2027"),
        None,
        "pattern",
        "/keys/0/expire",
        "'30 June 2027'",
        id="manifest-key-bad-expire",
    ),
    pytest.param(
        "manifest.schema.json",
        manifest_with_key(createdAt="2026-6-3"),
        None,
        "pattern",
        "/keys/0/createdAt",
        "'2026-6-3' is not an RFC 3339 date-time",
        id="manifest-key-bad-createdAt",
    ),
    pytest.param(
        "manifest.schema.json",
        manifest_with_key(owner=None),
        None,
        "type",
        "/keys/0/owner",
        "expected string, got null",
        id="manifest-key-owner-null",
    ),
    pytest.param(
        "manifest.schema.json",
        manifest_with_key(scopes=["users.read"] * 101),
        "1.9",
        "maxItems",
        "/keys/0/scopes",
        "a list violates maxItems 100",
        id="manifest-key-101-scopes",
    ),
    pytest.param(
        "manifest.schema.json",
        manifest_with_key(scopes=["executions.read"]),
        "1.8",
        "enum",
        "/keys/0/scopes/0",
        "unknown scope 'executions.read' for Appwrite 1.8; executions.read is a key "
        "scope from Appwrite 1.9 on; Appwrite 1.8 names it execution.read",
        id="manifest-executions-on-1.8",
    ),
    pytest.param(
        "manifest.schema.json",
        manifest_with_key(scopes=["collection.read"]),
        "1.9",
        "enum",
        "/keys/0/scopes/0",
        "did you mean tables.read (or the old collections.read)?",
        id="manifest-collection-read",
    ),
    # call-log-record.schema.json
    pytest.param(
        "call-log-record.schema.json",
        edit(CALL, key=DROP),
        None,
        "required",
        "",
        "missing required field 'key'",
        id="call-missing-key",
    ),
    pytest.param(
        "call-log-record.schema.json",
        edit(CALL, method=DROP),
        None,
        "required",
        "",
        "missing required field 'method'",
        id="call-missing-method",
    ),
    pytest.param(
        "call-log-record.schema.json",
        edit(CALL, path=DROP),
        None,
        "required",
        "",
        "missing required field 'path'",
        id="call-missing-path",
    ),
    pytest.param(
        "call-log-record.schema.json",
        ["GET", "/v1/users"],
        None,
        "type",
        "",
        "expected object, got a list",
        id="call-list",
    ),
    pytest.param(
        "call-log-record.schema.json",
        edit(CALL, key=""),
        None,
        "minLength",
        "/key",
        "'' violates minLength 1",
        id="call-empty-key",
    ),
    pytest.param(
        "call-log-record.schema.json",
        edit(CALL, path=""),
        None,
        "minLength",
        "/path",
        "'' violates minLength 1",
        id="call-empty-path",
    ),
    pytest.param(
        "call-log-record.schema.json",
        edit(CALL, method="G ET"),
        None,
        "pattern",
        "/method",
        "'G ET' is not in the expected format",
        id="call-method-space",
    ),
    pytest.param(
        "call-log-record.schema.json",
        edit(CALL, method=""),
        None,
        "pattern",
        "/method",
        "'' is not in the expected format",
        id="call-method-empty",
    ),
    pytest.param(
        "call-log-record.schema.json",
        edit(CALL, method="GET1"),
        None,
        "pattern",
        "/method",
        "'GET1' is not in the expected format",
        id="call-method-digit",
    ),
    pytest.param(
        "call-log-record.schema.json",
        edit(CALL, method=1),
        None,
        "type",
        "/method",
        "expected string, got 1",
        id="call-method-number",
    ),
    pytest.param(
        "call-log-record.schema.json",
        edit(CALL, status=99),
        None,
        "minimum",
        "/status",
        "99 violates minimum 100",
        id="call-status-99",
    ),
    pytest.param(
        "call-log-record.schema.json",
        edit(CALL, status=600),
        None,
        "maximum",
        "/status",
        "600 violates maximum 599",
        id="call-status-600",
    ),
    pytest.param(
        "call-log-record.schema.json",
        edit(CALL, status="200"),
        None,
        "type",
        "/status",
        "expected integer, got '200'",
        id="call-status-string",
    ),
    pytest.param(
        "call-log-record.schema.json",
        edit(CALL, status=200.5),
        None,
        "type",
        "/status",
        "expected integer, got 200.5",
        id="call-status-fraction",
    ),
    pytest.param(
        "call-log-record.schema.json",
        edit(CALL, time="yesterday"),
        None,
        "pattern",
        "/time",
        "'yesterday' is not an RFC 3339 date-time",
        id="call-bad-time",
    ),
    pytest.param(
        "call-log-record.schema.json",
        edit(CALL, time=1763632800),
        None,
        "type",
        "/time",
        "expected string, got 1763632800",
        id="call-epoch-time",
    ),
    pytest.param(
        "call-log-record.schema.json",
        edit(CALL, error=None),
        None,
        "type",
        "/error",
        "expected string, got null",
        id="call-error-null",
    ),
    # appwrite-json.schema.json
    pytest.param(
        "appwrite-json.schema.json", [], None, "type", "", "expected object, got a list", id="appwrite-json-list"
    ),
    pytest.param(
        "appwrite-json.schema.json",
        edit(APPWRITE_JSON, projectId=5),
        None,
        "type",
        "/projectId",
        "expected string, got 5",
        id="appwrite-json-projectId-number",
    ),
    pytest.param(
        "appwrite-json.schema.json",
        edit(APPWRITE_JSON, functions={}),
        None,
        "type",
        "/functions",
        "expected array, got an object",
        id="appwrite-json-functions-object",
    ),
    pytest.param(
        "appwrite-json.schema.json",
        edit(APPWRITE_JSON, functions=[{"name": "f"}]),
        None,
        "required",
        "/functions/0",
        "missing required field '$id'",
        id="appwrite-json-function-missing-id",
    ),
    pytest.param(
        "appwrite-json.schema.json",
        edit(APPWRITE_JSON, sites=[{"$id": ""}]),
        None,
        "minLength",
        "/sites/0/$id",
        "'' violates minLength 1",
        id="appwrite-json-site-empty-id",
    ),
    pytest.param(
        "appwrite-json.schema.json",
        edit(APPWRITE_JSON, functions=[{"$id": "f", "scopes": "rows.read"}]),
        None,
        "type",
        "/functions/0/scopes",
        "expected array, got 'rows.read'",
        id="appwrite-json-scopes-string",
    ),
    pytest.param(
        "appwrite-json.schema.json",
        edit(APPWRITE_JSON, sites=[{"$id": "s", "scopes": ["row.read"]}]),
        "1.9",
        "enum",
        "/sites/0/scopes/0",
        "unknown scope 'row.read' for Appwrite 1.9; did you mean rows.read?",
        id="appwrite-json-unknown-scope",
    ),
    pytest.param(
        "appwrite-json.schema.json",
        edit(APPWRITE_JSON, functions=[{"$id": "f", "scopes": ["users.read"] * 101}]),
        "1.9",
        "maxItems",
        "/functions/0/scopes",
        "a list violates maxItems 100",
        id="appwrite-json-101-scopes",
    ),
    # config.schema.json
    pytest.param("config.schema.json", [], None, "type", "", "expected object, got a list", id="config-list"),
    pytest.param(
        "config.schema.json",
        edit(CONFIG, logs=["a.jsonl"]),
        None,
        "additionalProperties",
        "",
        "unexpected field 'logs'",
        id="config-unknown-field",
    ),
    pytest.param(
        "config.schema.json",
        edit(CONFIG, failOn="severe"),
        None,
        "enum",
        "/failOn",
        '\'severe\' is not one of "info", "low", "medium", "high", "critical"',
        id="config-bad-failOn",
    ),
    pytest.param(
        "config.schema.json",
        edit(CONFIG, appwriteVersion="1.9.x"),
        None,
        "pattern",
        "/appwriteVersion",
        "'1.9.x' is not in the expected format",
        id="config-bad-version",
    ),
    pytest.param(
        "config.schema.json",
        edit(CONFIG, rules=[]),
        None,
        "type",
        "/rules",
        "expected object, got a list",
        id="config-rules-list",
    ),
    pytest.param(
        "config.schema.json",
        edit(CONFIG, rules={"Stale_Key": {}}),
        None,
        "pattern",
        "/rules",
        "'Stale_Key' is not in the expected format",
        id="config-bad-rule-name",
    ),
    pytest.param(
        "config.schema.json",
        edit(CONFIG, rules={"stale-key": {"enable": False}}),
        None,
        "additionalProperties",
        "/rules/stale-key",
        "unexpected field 'enable'",
        id="config-rule-unknown-field",
    ),
    pytest.param(
        "config.schema.json",
        edit(CONFIG, rules={"stale-key": {"enabled": "no"}}),
        None,
        "type",
        "/rules/stale-key/enabled",
        "expected boolean, got 'no'",
        id="config-enabled-string",
    ),
    pytest.param(
        "config.schema.json",
        edit(CONFIG, rules={"stale-key": {"severity": "urgent"}}),
        None,
        "enum",
        "/rules/stale-key/severity",
        "'urgent' is not one of",
        id="config-bad-severity",
    ),
    pytest.param(
        "config.schema.json",
        edit(CONFIG, rules={"stale-key": {"options": [90]}}),
        None,
        "type",
        "/rules/stale-key/options",
        "expected object, got a list",
        id="config-options-list",
    ),
    pytest.param(
        "config.schema.json",
        edit(CONFIG, rules={"stale-key": True}),
        None,
        "type",
        "/rules/stale-key",
        "expected object, got true",
        id="config-rule-bool",
    ),
]


@pytest.mark.parametrize("ref,document,version,keyword,pointer,message", INVALID)
def test_invalid_document(ref, document, version, keyword, pointer, message):
    errors = raw_errors(document, ref, version)
    assert errors, "the raw schema accepted it"
    assert (keyword, pointer) in flat(errors)
    found = violations(document, ref, catalog(version))
    assert [v.pointer for v in found] == [pointer]
    assert message in found[0].message
    is_scope_name = keyword == "enum" and version is not None
    assert found[0].unknown_scope == (document_at(document, pointer) if is_scope_name else None)


def _first_three(case):
    return pytest.param(*case.values[:3], id=case.id) if hasattr(case, "values") else case[:3]


@pytest.mark.parametrize("ref,document,version", [_first_three(case) for case in INVALID + VALID])
def test_the_inlined_schema_finds_what_the_referring_one_finds(ref, document, version):
    """keyaudit validates against schemas with every $ref replaced by its target (explain.validator); the
    errors, branches included, are those of the schema files as they are."""
    inlined = explain.validator(ref, version).iter_errors(document)
    assert flat(inlined) == flat(raw_errors(document, ref, version))


def test_a_schema_that_refers_to_itself_keeps_its_references():
    recursive = {"$id": "https://example.com/tree.json", "type": "object", "properties": {"child": {"$ref": "#"}}}
    registry = Registry().with_resources(
        [(recursive["$id"], Resource.from_contents(recursive, default_specification=DRAFT202012))]
    )
    with pytest.raises(explain._Recursive):
        explain._inline({"$ref": recursive["$id"]}, "https://example.com/", registry.resolver(), ())


def document_at(document, pointer):
    for part in pointer.split("/")[1:]:
        document = document[int(part) if isinstance(document, list) else part]
    return document


def test_wrapper_sorts_and_deduplicates():
    doc = edit(MANIFEST, keys=[edit(MANIFEST_KEY, id=DROP), edit(MANIFEST_KEY, name="")], extra=1)
    found = violations(doc, "manifest.schema.json", None)
    assert [(v.pointer, v.message) for v in found] == [
        ("", "unexpected field 'extra'"),
        ("/keys/0", "missing required field 'id'"),
        ("/keys/1/name", "'' violates minLength 1"),
    ]


def test_wrapper_escapes_pointer_tokens():
    doc = edit(CONFIG, rules={"a/b~c": {}})
    assert raw_errors(doc, "config.schema.json")
    (v,) = violations(edit(CONFIG, rules={"stale-key": {"x/y": 1}}), "config.schema.json", None)
    assert v.pointer == "/rules/stale-key" and v.message == "unexpected field 'x/y'"
    assert explain.pointer_of(["keys", "a/b~c", 0]) == "/keys/a~1b~0c/0"


@pytest.mark.parametrize(
    "ref,document,pointer",
    [
        ("key-export.schema.json#/$defs/key", edit(EXPORT_KEY, expire="tomorrow"), "/expire"),
        ("manifest.schema.json", manifest_with_key(expire="tomorrow"), "/keys/0/expire"),
    ],
)
def test_bad_date_in_an_optional_date_says_rfc_3339(ref, document, pointer):
    (v,) = violations(document, ref, None)
    assert v.pointer == pointer and v.message == "'tomorrow' is not an RFC 3339 date-time"


def test_root_key_export_reports_too_many_scopes_and_unknown_scope():
    doc = edit(EXPORT_KEY, scopes=["users.read"] * 100 + ["row.read"])
    assert {("maxItems", "/scopes"), ("enum", "/scopes/100")} <= flat(raw_errors(doc, "key-export.schema.json", "1.9"))
    pointers = [v.pointer for v in violations(doc, "key-export.schema.json", load_catalog("1.9"))]
    assert pointers == ["/scopes", "/scopes/100"]


@pytest.mark.parametrize("value", ["2026-13-01T00:00:00Z", "2026-02-30", "2026-01-01T25:61:00Z"])
def test_impossible_dates_are_rejected(value):
    # the pattern fixes the shape; keyaudit's date-time format check (the schema's "format") rejects the calendar
    (v,) = violations(value, "common.schema.json#/$defs/dateTime", None)
    assert v.message == f"{value!r} is not a valid date-time (no such day or time)"


# ---------------------------------------------------------------- report.schema.json against a real report

AUDIT_ARGS = ["audit", *SAMPLE_KEYS, *SAMPLE_LOGS, "--format", "json", *SAMPLE_NOW]


@pytest.fixture(scope="module")
def sample_report():
    proc = subprocess.run(
        [sys.executable, "-m", "auditor", *AUDIT_ARGS], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 1, proc.stderr  # findings
    assert proc.stderr == ""
    return json.loads(proc.stdout)


def test_sample_report_matches_report_schema(sample_report):
    assert raw_errors(sample_report, "report.schema.json") == []
    assert violations(sample_report, "report.schema.json", None) == []
    # the schema was really exercised: keys, findings, routes, locations, bad lines
    assert sample_report["findings"] and sample_report["keys"]
    assert any(k["routes"] for k in sample_report["keys"])
    assert any(f["location"] for f in sample_report["findings"])
    assert sample_report["summary"]["badLineSamples"]
    assert sample_report["generatedAt"] == "2026-11-25T00:00:00.000Z"


def _set(document, path, value):
    doc = copy.deepcopy(document)
    target = doc
    for part in path[:-1]:
        target = target[part]
    if value is DROP:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return doc


def _first_finding_with_location(report):
    return next(i for i, f in enumerate(report["findings"]) if f["location"])


def _first_key_with_routes(report):
    return next(i for i, k in enumerate(report["keys"]) if k["routes"])


@pytest.mark.parametrize(
    "path,value,keyword",
    [
        (["findings"], DROP, "required"),
        (["schemaVersion"], 2, "const"),
        (["tool"], "other", "const"),
        (["appwriteVersion"], "2.6", "enum"),
        (["generatedAt"], "now", "pattern"),
        (["extra"], 1, "additionalProperties"),
        (["summary", "findings", "critical"], -1, "minimum"),
        (["summary", "logsGiven"], "yes", "type"),
        (["summary", "logWindow", "first"], "soon", "pattern"),
        (["summary", "badLineSamples", 0, "line"], 0, "minimum"),
        (["summary", "badLineSamples", 0, "content"], "x", "additionalProperties"),
        (["keys", 0, "kind"], "user", "enum"),
        (["keys", 0, "calls"], 1.5, "type"),
        (["keys", 0, "notes"], DROP, "required"),
        (["keys", "ROUTES", "route"], "/v2/users", "pattern"),
        (["keys", "ROUTES", "count"], 0, "minimum"),
        (["findings", 0, "severity"], "severe", "enum"),
        (["findings", 0, "fingerprint"], "ABC", "pattern"),
        (["findings", 0, "secret"], "x", "additionalProperties"),
        (["findings", "LOC", "line"], 0, "minimum"),
    ],
)
def test_report_schema_rejects(sample_report, path, value, keyword):
    if path[1:2] == ["ROUTES"]:
        path = ["keys", _first_key_with_routes(sample_report), "routes", 0, *path[2:]]
    if path[1:2] == ["LOC"]:
        path = ["findings", _first_finding_with_location(sample_report), "location", *path[2:]]
    doc = _set(sample_report, path, value)
    errors = raw_errors(doc, "report.schema.json")
    assert keyword in {k for k, _ in flat(errors)}
    assert violations(doc, "report.schema.json", None)


def test_every_schema_tested_here_has_passing_and_failing_documents():
    def schemas_of(params):
        return {p.values[0].split("#")[0] for p in params}

    structural = TESTED_HERE - {f"scopes/appwrite-{v}.schema.json" for v in VERSIONS} - {"report.schema.json"}
    assert structural <= schemas_of(VALID) and structural <= schemas_of(INVALID)
