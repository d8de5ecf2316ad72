"""`--policy FILE`, and a config's `policy:` section merged with it."""

from __future__ import annotations

from auditor.errors import InputError
from auditor.loaders.document import Document, load_document
from auditor.policy.validate import policy_problems
from auditor.validation.schemas import violations


def check_with_policy(doc: Document, schema: str, what: str) -> None:
    """Schema, then the semantic checks of its `policy:` section; the first problem is a one-line InputError."""
    problems = [(v.pointer, v.message) for v in violations(doc.value, schema, None)]
    if not problems:
        problems = policy_problems(doc.value.get("policy"), "/policy")
    if problems:
        pointer, message = problems[0]
        line = doc.line(pointer)
        raise InputError(f"{doc.name}{f':{line}' if line else ''}: invalid {what} at {pointer or '/'}: {message}")


def load_policy(path: str) -> dict:
    """The `policy:` section of a policy file (schemas/policy.schema.json)."""
    doc = load_document(path)
    check_with_policy(doc, "policy.schema.json", "policy")
    return doc.value["policy"]


def with_policy(config: dict, policy: dict | None) -> dict:
    """The config with `policy`'s rules added to its own; a rule id defined twice is an error."""
    if not policy:
        return config
    own = (config.get("policy") or {}).get("rules") or []
    defined = {rule["id"] for rule in own}
    for rule in policy["rules"]:
        if rule["id"] in defined:
            raise InputError(f"policy rule {rule['id']!r} is defined both in --config and in --policy")
    merged = {**(config.get("policy") or {}), "rules": own + policy["rules"]}
    return {**config, "policy": merged}
