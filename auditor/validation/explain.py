"""What is wrong with a document that breaks one of keyaudit's schemas, in keyaudit's words, by python-jsonschema.

schemas.violations asks here for every document jsonschema-rs did not pass (quick.py): python-jsonschema
decides it, and each error it finds becomes one Violation that names the field and what it should be. Its
error tree (which anyOf branch got furthest, which keyword failed) is what these messages are made from.
"""

from __future__ import annotations

import json
from functools import cache
from urllib.parse import urljoin

from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource

from auditor.catalog.catalog import Catalog
from auditor.catalog.scopes import did_you_mean
from auditor.secrets import redact
from auditor.validation.schemas import BASE_URI, SCOPE_URI, Violation, is_real_date, resources


@cache
def _registry(version: str | None) -> Registry:
    return Registry().with_resources((uri, Resource.from_contents(contents)) for uri, contents in resources(version))


FORMATS = FormatChecker(formats=())
FORMATS.checks("date-time")(is_real_date)


@cache
def validator(ref: str, version: str | None) -> Draft202012Validator:
    """A validator for `ref` (e.g. `manifest.schema.json#/$defs/key`); scopes checked when version is set.

    Its schema has every `$ref` replaced by what it points to: the validator would otherwise look each one up
    for every item it checks, half the time of validating an export of 100 000 keys.
    """
    registry = _registry(version)
    try:
        root = _inline({"$ref": BASE_URI + ref}, BASE_URI, registry.resolver(), ())
    except _Recursive:  # a schema that refers to itself keeps its references
        root = {"$ref": BASE_URI + ref}
    return Draft202012Validator(root, registry=registry, format_checker=FORMATS)


class _Recursive(Exception):
    pass


_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")
_SCHEMA_MAPS = ("properties", "patternProperties", "dependentSchemas")
_SCHEMA_VALUES = (
    "items",
    "additionalProperties",
    "not",
    "if",
    "then",
    "else",
    "contains",
    "propertyNames",
    "unevaluatedProperties",
    "unevaluatedItems",
)


def _inline(node, base: str, resolver, followed: tuple[str, ...]):
    """`node` with each `$ref` replaced by its target (beside the node's other keywords, through allOf)."""
    if not isinstance(node, dict):
        return node
    base = urljoin(base, node.get("$id", ""))  # a nested $id is the base of the references below it
    result = {}
    for word, value in node.items():
        if word in ("$ref", "$schema", "$defs", "$comment"):  # $id stays: it tells the scope enum (_describe)
            continue
        if word in _SCHEMA_LISTS:
            value = [_inline(item, base, resolver, followed) for item in value]
        elif word in _SCHEMA_MAPS:
            value = {name: _inline(item, base, resolver, followed) for name, item in value.items()}
        elif word in _SCHEMA_VALUES:
            value = _inline(value, base, resolver, followed)
        result[word] = value
    if "$ref" not in node:
        return result
    uri = urljoin(base, node["$ref"])
    if uri in followed:
        raise _Recursive(uri)
    target = resolver.lookup(uri)
    inlined = _inline(target.contents, uri.split("#")[0], resolver, (*followed, uri))
    if not result:
        return inlined
    result["allOf"] = [*result.get("allOf", []), inlined]
    return result


def explained(value, ref: str, catalog: Catalog | None) -> list[Violation]:
    """Every problem python-jsonschema finds in `value` against `ref`, each once, in pointer order."""
    found = []
    check = validator(ref, catalog.version if catalog else None)
    for error in check.iter_errors(value):
        for leaf in _leaves(error):
            found.append(_describe(leaf, catalog))
    unique = {(v.pointer, v.message): v for v in found}
    return sorted(unique.values(), key=lambda v: v.pointer)


def _leaves(error):
    """The most specific errors: inside anyOf/oneOf, those of the branch that got furthest.

    When every branch fails at the same place (`expire` is neither a date-time,
    null nor ""), the branch that failed on content rather than on type says most.
    """
    if not error.context or (error.validator == "oneOf" and _alternative_fields(error.validator_value)):
        return [error]
    deepest = max(len(e.absolute_path) for e in error.context)
    if deepest <= len(error.absolute_path):
        telling = sorted(
            (e for e in error.context if e.validator not in ("type", "const", "enum")),
            key=lambda e: e.validator != "pattern",
        )
        return _leaves(telling[0]) if telling else [error]
    # Every error of the branch that got furthest: its maxItems on a list counts as much as an unknown item in it.
    branch = next(e.relative_schema_path[0] for e in error.context if len(e.absolute_path) == deepest)
    return [leaf for e in error.context if e.relative_schema_path[0] == branch for leaf in _leaves(e)]


def pointer_of(path) -> str:
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in path)


def _short(value) -> str:
    if isinstance(value, str):
        return repr(value) if len(value) <= 40 else f"a string of {len(value)} characters"
    if isinstance(value, (dict, list)):
        return "an object" if isinstance(value, dict) else "a list"
    return json.dumps(value)


def _describe(error, catalog: Catalog | None) -> Violation:
    pointer = pointer_of(error.absolute_path)
    validator_name, value = error.validator, error.instance
    if validator_name == "enum" and error.schema.get("$id") == SCOPE_URI and isinstance(value, str):
        if catalog and value in catalog.cloud_only:
            message = f"scope {value!r} exists only on Appwrite Cloud, not on self-hosted Appwrite {catalog.version}"
            return Violation(pointer, redact(message), unknown_scope=value)
        hint = did_you_mean(value, catalog) if catalog else ""
        message = f"unknown scope {value!r} for Appwrite {catalog.version}" + (f"; {hint}" if hint else "")
        return Violation(pointer, redact(message), unknown_scope=value)
    if validator_name == "required":
        missing = [name for name in error.validator_value if name not in value]
        message = "missing required field " + ", ".join(repr(m) for m in missing)
    elif validator_name == "additionalProperties":
        extra = sorted(set(value) - set(error.schema.get("properties", {})))
        message = "unexpected field " + ", ".join(repr(e) for e in extra)
    elif validator_name == "type":
        expected = error.validator_value
        message = _expected(expected if isinstance(expected, list) else [expected], value)
    elif validator_name == "pattern":
        message = f"{_short(value)} is not in the expected format"
        if "dateTime" in json.dumps(error.schema) or error.schema.get("pattern", "").startswith("^\\d{4}"):
            message = f"{_short(value)} is not an RFC 3339 date-time"
    elif validator_name == "format":
        message = f"{_short(value)} is not a valid {error.validator_value} (no such day or time)"
    elif validator_name in ("maxItems", "minItems", "maxLength", "minLength", "minimum", "maximum"):
        message = f"{_short(value)} violates {validator_name} {error.validator_value}"
    elif validator_name in ("enum", "const"):
        allowed = error.validator_value if validator_name == "enum" else [error.validator_value]
        message = f"{_short(value)} is not one of {', '.join(json.dumps(a) for a in allowed[:8])}"
    elif validator_name == "oneOf" and isinstance(value, dict) and _alternative_fields(error.validator_value):
        names = _alternative_fields(error.validator_value)
        given = [name for name in names if name in value]
        message = f"give exactly one of {', '.join(names)}" if not given else f"give only one of {', '.join(given)}"
    elif validator_name in ("anyOf", "oneOf") and _branch_kinds(error):
        message = _expected(_branch_kinds(error), value)
    else:
        message = f"{_short(value)} fails {validator_name}"
    return Violation(pointer, redact(message))


def _alternative_fields(branches) -> list[str]:
    """The field names of a `oneOf` whose branches each only require one field; else []."""
    names = []
    for branch in branches:
        if set(branch) != {"required"} or len(branch["required"]) != 1:
            return []
        names.append(branch["required"][0])
    return names


def _branch_kinds(error) -> list[str]:
    """What the branches of an anyOf/oneOf take (`string`, `null`, `""`) when each refused the value for its type
    or value alone (`expire: yes`, read from YAML as true); [] when a branch looked further."""
    kinds = []
    for branch in error.context:
        if branch.validator == "type":
            expected = branch.validator_value
            kinds += expected if isinstance(expected, list) else [expected]
        elif branch.validator in ("const", "enum"):
            allowed = branch.validator_value if branch.validator == "enum" else [branch.validator_value]
            kinds += [json.dumps(a) for a in allowed]
        else:
            return []
    return list(dict.fromkeys(kinds))


def _expected(kinds: list[str], value) -> str:
    """`expected string, got 1.9`, and where only a string will do and a number or boolean was found, to quote it:
    YAML reads `appwriteVersion: 1.9` as a number and `name: no` as false."""
    quote = kinds == ["string"] and isinstance(value, (bool, int, float))
    return f"expected {_either(kinds)}, got {_short(value)}" + ("; write it in quotes" if quote else "")


def _either(words: list[str]) -> str:
    """`a`, `a or b`, `a, b or c`."""
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} or {words[-1]}"
