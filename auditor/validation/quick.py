"""jsonschema-rs's pass of a document: one less import on the audit path of valid files.

jsonschema-rs (Rust, a dependency where it ships wheels: pyproject.toml's marker) imports in about 16 ms
and checks a key file in microseconds; python-jsonschema takes about 50 ms to import. Only a pass is
taken from it. A fail, or a value it cannot take (a lone surrogate, a YAML key that is no string), goes to
python-jsonschema (explain.py), which decides and explains. Where its reading is stricter (its regexes:
`$` before a final newline, `\\d` on other scripts' digits), it fails what python-jsonschema then passes;
tests/test_quick_schemas.py checks that it never passes what python-jsonschema fails.
"""

from __future__ import annotations

from functools import cache

from auditor.validation.schemas import BASE_URI, is_real_date, resource

try:
    import jsonschema_rs
except ImportError:  # none installed: python-jsonschema decides every document
    jsonschema_rs = None


def checker_name() -> str:
    """What `keyaudit --version` says of the schema check."""
    return "jsonschema-rs, python-jsonschema where it fails" if jsonschema_rs is not None else "python-jsonschema"


def passes(value, ref: str, version: str | None) -> bool:
    """Whether jsonschema-rs finds `value` valid against `ref`; False where it is not installed."""
    if jsonschema_rs is None:
        return False
    try:
        return _validator(ref, version).is_valid(value)
    except (ValueError, TypeError, OverflowError):  # a value it cannot convert to JSON: python-jsonschema decides
        return False


@cache
def _validator(ref: str, version: str | None):
    """jsonschema-rs asks `resource` for each schema `ref` leads to, and only those (of 26 files, 3 for a key
    export): keyaudit's own files, never anything from the network."""
    return jsonschema_rs.Draft202012Validator(
        {"$ref": BASE_URI + ref},
        retriever=lambda uri: resource(uri, version),
        validate_formats=True,
        formats={"date-time": is_real_date},
    )
