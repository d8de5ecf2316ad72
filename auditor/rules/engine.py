"""Evaluate the enabled rules over an audit context; the rules' text comes from the registry."""

from __future__ import annotations

import hashlib
import os

from auditor.checks import check_for
from auditor.checks.context import AuditContext
from auditor.model import Finding
from auditor.rules.registry import Rule, severity_rank
from auditor.secrets import redact


def relative(file: str | None) -> str:
    if not file or file == "<stdin>":
        return file or ""
    try:
        return os.path.relpath(file)
    except ValueError:  # another drive on Windows
        return file


def fingerprint(
    rule: str,
    project: str | None,
    key_id: str | None,
    scope: str | None,
    file: str | None,
    discriminator: str | None = None,
) -> str:
    """Stable across edits elsewhere: no line numbers, no version, no message text."""
    parts = [rule, project or "", key_id or "", scope or "", relative(file)]
    if discriminator:
        parts.append(discriminator)
    material = "\x1f".join(parts)
    return hashlib.sha256(material.encode()).hexdigest()


def skipped_rules(rules: dict[str, Rule], logs_given: bool) -> list[str]:
    return [rule.id for rule in rules.values() if rule.enabled and rule.requires_logs and not logs_given]


def evaluate(ctx: AuditContext, rules: dict[str, Rule]) -> list[Finding]:
    findings = []
    for rule_id, rule in rules.items():
        check = check_for(rule_id)
        if not rule.enabled or (rule.requires_logs and ctx.usage is None):
            continue
        ctx.rule = rule
        for problem in check(ctx):
            key_id = problem.key.id if problem.key else problem.key_id
            project = problem.key.project if problem.key else problem.project
            file = problem.location.file if problem.location else None
            findings.append(
                Finding(
                    rule=rule.id,
                    severity=problem.severity or rule.severity,
                    key=key_id,
                    project=project,
                    scope=problem.scope,
                    message=redact(rule.render(rule.message, problem.params)),
                    fix=redact(rule.render(rule.fix, problem.params)),
                    fingerprint=fingerprint(rule.id, project, key_id, problem.scope, file, problem.discriminator),
                    location=problem.location,
                    evidence=problem.evidence,
                )
            )
    return sorted(findings, key=_order)


def _order(finding: Finding):
    location = finding.location
    return (
        -severity_rank(finding.severity),
        finding.rule,
        finding.project or "",
        finding.key or "",
        finding.scope or "",
        location.file if location else "",
        (location.line or 0) if location else 0,
        finding.message,
    )
