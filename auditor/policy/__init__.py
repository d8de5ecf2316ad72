"""Organisation policy as data: rules a team writes in YAML, no code.

A policy (`policy:` in `--config`, or `--policy FILE`; schemas/policy.schema.json)
is a list of rules. Each picks keys (`match:`, minus `unless:`) and states
exactly one condition from CONDITIONS; every violation is a finding
`policy:<id>` carrying the rule's own severity, message and fix. They join the built-in rules in the registry, so
a config's `rules:` section can turn them off or change their severity like any
other, and auditor/checks/policy_rule.py evaluates them all.

Imported by rules/registry.py, checks/policy_rule.py, audit/request.py and validation.
"""

from __future__ import annotations

PREFIX = "policy:"

# condition -> the placeholders its message and fix may use, besides COMMON_FIELDS
CONDITIONS = {
    "allowedScopes": ("scope", "allowed"),
    "forbiddenScopes": ("scope",),
    "maxScopes": ("count", "max"),
    "maxLifetimeDays": ("expire", "lifetime", "max"),
    "requiredFields": ("field",),
}
COMMON_FIELDS = ("key", "id", "name", "project", "rule")
TEXT_FIELDS = ("message", "fix")


def condition_of(rule: dict) -> str:
    """The one condition a (schema-valid) policy rule states."""
    return next(name for name in CONDITIONS if name in rule)


def rule_fields(rule: dict) -> dict:
    """Keyword arguments of registry.Rule for one schema-valid policy rule.

    The options are what the check evaluates: the condition and the key selectors.
    """
    options = {
        condition_of(rule): rule[condition_of(rule)],
        "match": dict(rule.get("match") or {}),
        "unless": dict(rule.get("unless") or {}),
    }
    return {
        "id": PREFIX + rule["id"],
        "severity": rule["severity"],
        "requires_logs": False,
        "title": rule.get("title", rule["id"]),
        "description": " ".join(rule.get("description", "").split()),
        "rationale": "",
        "message": rule["message"],
        "fix": rule["fix"],
        "docs": rule.get("docs", ""),
        "options": options,
    }
