"""Baselines: accept the findings of today, report only new ones from now on.

`keyaudit baseline create` writes one entry per finding (schemas/baseline.schema.json):
its fingerprint plus rule, key, scope and file for the reader. Never a message,
a line number or a secret: a fingerprint hashes rule, project, key, scope and
file path only (auditor.rules.engine.fingerprint), so entries survive line moves and
edits elsewhere in a file. `--baseline FILE` hides a finding only when an entry
has its fingerprint AND names its rule, key and scope; an entry whose
fingerprint matches a finding that it misnames (edited by hand, or copied from
another finding) is reported as mismatched and hides nothing. It also lists its
entries that no longer occur (fixed, renamed or moved).
An entry is judged only when this run could have found it again: its rule ran
and its file was read. So a pre-commit run on the changed files alone, or a
lint without logs, does not call the rest of the baseline gone.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

from auditor import TOOL_NAME
from auditor.errors import InputError
from auditor.loaders.document import load_document
from auditor.model import Finding
from auditor.rules.engine import relative
from auditor.secrets import redact
from auditor.times import iso
from auditor.validation.schemas import violations

SCHEMA = "baseline.schema.json"
BASELINE_VERSION = 1
_NAMED = ("rule", "key", "scope")  # what an entry must name, beside the fingerprint, to hide a finding


@dataclass
class Baseline:
    file: str
    entries: dict[str, dict]  # fingerprint -> entry


@dataclass
class BaselineOutcome:
    """What a baseline did in one run."""

    file: str
    suppressed: int = 0
    absent: list[dict] = field(default_factory=list)  # entries no finding matched
    mismatched: list[dict] = field(default_factory=list)  # {"entry", "finding"}: fingerprint alike, the rest not

    def as_dict(self) -> dict:
        return {"file": self.file, "suppressed": self.suppressed, "absent": self.absent, "mismatched": self.mismatched}


def entry(finding: Finding) -> dict:
    return {
        "fingerprint": finding.fingerprint,
        "rule": finding.rule,
        "severity": finding.severity,
        "key": finding.key,
        "project": finding.project,
        "scope": finding.scope,
        "file": redact(relative(finding.location.file)) if finding.location else None,
    }


def render(findings: list[Finding], now: datetime) -> str:
    entries = {f.fingerprint: entry(f) for f in findings}
    document = {
        "baselineVersion": BASELINE_VERSION,
        "tool": TOOL_NAME,
        "createdAt": iso(now.timestamp()),
        "findings": sorted(
            entries.values(),
            key=lambda e: (e["file"] or "", e["rule"], e["key"] or "", e["scope"] or "", e["fingerprint"]),
        ),
    }
    return json.dumps(document, indent=2) + "\n"


def load_baseline(path: str) -> Baseline:
    doc = load_document(path)
    problems = violations(doc.value, SCHEMA, None)
    if problems:
        first = problems[0]
        line = doc.line(first.pointer)
        where = f"{doc.name}:{line}" if line else doc.name
        raise InputError(
            f"{where}: not a keyaudit baseline ({first.pointer or '/'}: {first.message}); "
            "create one with `keyaudit baseline create`"
        )
    return Baseline(doc.name, {item["fingerprint"]: item for item in doc.value["findings"]})


def _named(finding: Finding) -> dict:
    return {name: getattr(finding, name) for name in _NAMED}


def apply_baseline(
    findings: list[Finding], baseline: Baseline | None, files_read: set[str], rules_run: set[str]
) -> tuple[list[Finding], BaselineOutcome | None]:
    """The findings the baseline does not hold, and what it hid and what it holds in vain.

    `files_read` are paths as auditor.rules.engine.relative gives them, redacted as `entry` writes them.
    """
    if baseline is None:
        return findings, None
    outcome = BaselineOutcome(baseline.file)
    kept, seen = [], set()
    for finding in findings:
        item, named = baseline.entries.get(finding.fingerprint), _named(finding)
        if item is not None and all(item.get(name) == value for name, value in named.items()):
            outcome.suppressed += 1
            seen.add(finding.fingerprint)
            continue
        if item is not None and finding.fingerprint not in seen:
            outcome.mismatched.append({"entry": item, "finding": named})
            seen.add(finding.fingerprint)
        kept.append(finding)
    outcome.absent = [
        item
        for fingerprint, item in baseline.entries.items()
        if fingerprint not in seen
        and item["rule"] in rules_run
        and (item.get("file") is None or item["file"] in files_read)
    ]
    return kept, outcome
