"""The rule registry: `rules/*.yaml` (text, defaults) merged with a user's config."""

from __future__ import annotations

import string
from dataclasses import dataclass, field, replace
from functools import cache

from auditor.errors import InputError
from auditor.policy import rule_fields
from auditor.resources import data_dir, load_data_yaml

SEVERITIES = ("info", "low", "medium", "high", "critical")
_FIELDS = {"id", "severity", "requiresLogs", "title", "description", "rationale", "message", "fix", "docs", "options"}


@dataclass(frozen=True)
class Rule:
    id: str
    severity: str
    requires_logs: bool
    title: str
    description: str
    rationale: str
    message: str
    fix: str
    docs: str
    options: dict = field(default_factory=dict)
    enabled: bool = True

    def render(self, template: str, params: dict) -> str:
        return string.Formatter().vformat(template, (), params)


def severity_rank(severity: str) -> int:
    return SEVERITIES.index(severity)


def at_or_above(severity: str, threshold: str) -> bool:
    """Whether `severity` reaches `threshold` (--fail-on, a config's failOn); `none` is never reached."""
    return threshold != "none" and severity_rank(severity) >= severity_rank(threshold)


@cache
def builtin_rules() -> dict[str, Rule]:
    rules = {}
    for path in sorted(data_dir("rules").glob("*.yaml")):
        data = load_data_yaml(path)
        unknown = set(data) - _FIELDS
        if unknown or data["severity"] not in SEVERITIES or path.stem != data["id"]:
            raise ValueError(f"rules/{path.name} is malformed ({sorted(unknown)})")
        rules[data["id"]] = Rule(
            id=data["id"],
            severity=data["severity"],
            requires_logs=bool(data["requiresLogs"]),
            title=data["title"],
            description=" ".join(data["description"].split()),
            rationale=data["rationale"],
            message=data["message"],
            fix=data["fix"],
            docs=data["docs"],
            options=dict(data.get("options") or {}),
        )
    return rules


def configured_rules(config: dict | None) -> dict[str, Rule]:
    """Built-in rules and the config's policy rules, with the `rules:` section of the config applied."""
    rules = dict(builtin_rules())
    for policy_rule in ((config or {}).get("policy") or {}).get("rules") or []:
        rule = Rule(**rule_fields(policy_rule))
        rules[rule.id] = rule
    for rule_id, change in ((config or {}).get("rules") or {}).items():
        if rule_id not in rules:
            raise InputError(f"config: unknown rule {rule_id!r} (see `keyaudit rules`)")
        rule = rules[rule_id]
        options = dict(rule.options)
        for name, value in (change.get("options") or {}).items():
            if name not in options:
                raise InputError(f"config: rule {rule_id} has no option {name!r}")
            if type(value) is not type(options[name]):
                raise InputError(f"config: option {rule_id}.{name} must be a {type(options[name]).__name__}")
            options[name] = value
        rules[rule_id] = replace(
            rule,
            severity=change.get("severity", rule.severity),
            enabled=change.get("enabled", rule.enabled),
            options=options,
        )
    return rules
