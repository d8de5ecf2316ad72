"""`--format sarif`: SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.

One reporting descriptor per rule, its help from rules/<id>.yaml; each result
carries keyaudit's fingerprint as a partial fingerprint (stable across line
moves), `security-severity` so GitHub ranks it, and a physical location when
the finding comes from a file. Message texts are escaped for SARIF (a bracket
of a key name would start an embedded link). A missing-scope result points at the log line of
the first denied call and relates it to the key's definition. A result whose
finding a key's ready fix answers carries that fix as SARIF `fixes`: the scope
list's lines replaced (report `fixes.edits`), which SARIF viewers can apply.
"""

from __future__ import annotations

import json
from pathlib import PurePosixPath, PureWindowsPath
from urllib.parse import quote

from auditor.output.escape import sarif_text
from auditor.reporters.common import safe, sentence, unknown_keys_text
from auditor.rules.registry import builtin_rules
from auditor.secrets import REDACTED_PREFIX

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
FINGERPRINT_NAME = "keyaudit/v1"
LEVELS = {"critical": "error", "high": "error", "medium": "warning", "low": "note", "info": "note"}
# GitHub: over 9.0 is critical, 7.0-8.9 high, 4.0-6.9 medium, 0.1-3.9 low; info stays a plain note.
SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0"}


def artifact_uri(path: str) -> str:
    """A relative path stays relative (code scanning resolves it from the repository root); others become file URIs."""
    windows = PureWindowsPath(path)
    if windows.drive:
        return "file:///" + quote(windows.as_posix())
    posix = PurePosixPath(path.replace("\\", "/"))
    text = quote(posix.as_posix())
    return "file://" + text if posix.is_absolute() else text


def physical(location: dict | None, message: str | None = None) -> dict | None:
    if not location or location["file"] == "<stdin>":
        return None
    physical_location = {"artifactLocation": {"uri": artifact_uri(location["file"])}}
    if location["line"]:
        physical_location["region"] = {"startLine": location["line"]}
    result = {"physicalLocation": physical_location}
    if message:
        result["message"] = {"text": message}
    return result


def descriptor(rule_id: str, severity: str) -> dict:
    rule = builtin_rules().get(rule_id)
    properties = {"tags": ["security", "appwrite", "least-privilege"], "severity": severity}
    if severity in SECURITY_SEVERITY:
        properties["security-severity"] = SECURITY_SEVERITY[severity]
    if rule is None:  # a rule of a newer or extended registry: its id is all the report says
        return {"id": rule_id, "defaultConfiguration": {"level": LEVELS[severity]}, "properties": properties}
    help_text = f"{rule.description}\n\nWhy: {' '.join(rule.rationale.split())}\n\nDocs: {rule.docs}"
    return {
        "id": rule.id,
        "name": "".join(part.capitalize() for part in rule.id.split("-")),
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": rule.description},
        "help": {
            "text": help_text,
            "markdown": f"{rule.description}\n\n**Why:** {' '.join(rule.rationale.split())}"
            f"\n\n[Appwrite documentation]({rule.docs})",
        },
        "helpUri": rule.docs,
        "defaultConfiguration": {"level": LEVELS[severity]},
        "properties": properties,
    }


def fixes_by_finding(keys: list[dict]) -> dict[str, dict]:
    """Finding fingerprint -> the SARIF fix of the key's definition that answers it (keys with line edits only).

    An edit whose lines had a secret redacted is left out: applied, it would write the fingerprint into the file.
    """
    found = {}
    for key in keys:
        edits = (key.get("fixes") or {}).get("edits")
        if not edits or any(REDACTED_PREFIX in line for edit in edits for line in edit["before"] + edit["after"]):
            continue
        fix = {
            "description": {
                "text": sarif_text(
                    f"Set the scopes of {key['name'] or key['id']} to {', '.join(key['fixes']['scopes']) or 'none'}"
                )
            },
            "artifactChanges": [
                {
                    "artifactLocation": {"uri": artifact_uri(edit["file"])},
                    "replacements": [
                        {
                            "deletedRegion": {"startLine": edit["startLine"], "endLine": edit["endLine"]},
                            "insertedContent": {"text": "\n".join(edit["after"])},
                        }
                    ],
                }
                for edit in edits
            ],
        }
        for change in key["fixes"]["changes"]:
            if change["fingerprint"]:
                found.setdefault(change["fingerprint"], fix)
    return found


def result(finding: dict, rule_index: int) -> dict:
    text = sentence(finding["message"]) + (f" Fix: {finding['fix']}" if finding["fix"] else "")
    entry = {
        "ruleId": finding["rule"],
        "ruleIndex": rule_index,
        "level": LEVELS[finding["severity"]],
        "message": {"text": sarif_text(text)},
        "partialFingerprints": {FINGERPRINT_NAME: finding["fingerprint"]},
        "properties": {key: finding[key] for key in ("severity", "key", "project", "scope", "fix")},
    }
    evidence = physical(finding.get("evidence"))
    definition = physical(finding["location"], "the key's definition")
    primary = evidence or physical(finding["location"])
    if primary:
        entry["locations"] = [primary]
    elif finding["key"]:
        entry["locations"] = [{"logicalLocations": [{"name": finding["key"], "kind": "resource"}]}]
    if evidence and definition:
        definition["id"] = 1
        entry["relatedLocations"] = [definition]
    return entry


def _with_fix(entry: dict, fix: dict | None) -> dict:
    if fix is not None:
        entry["fixes"] = [fix]
    return entry


def render(report: dict) -> str:
    report = safe(report)
    findings = report["findings"]
    observed = {f["rule"]: f["severity"] for f in reversed(findings)}
    rule_ids = list(dict.fromkeys([*builtin_rules(), *observed]))
    rules = [descriptor(rule_id, observed.get(rule_id) or builtin_rules()[rule_id].severity) for rule_id in rule_ids]
    index = {rule_id: number for number, rule_id in enumerate(rule_ids)}
    fixes = fixes_by_finding(report["keys"])
    notifications = [
        {
            "level": "note",
            "message": {"text": f"{rule_id} skipped: it needs call logs and none were given"},
            "associatedRule": {"id": rule_id, "index": index[rule_id]},
        }
        for rule_id in report["summary"]["skippedRules"]
        if rule_id in index
    ]
    if report["summary"]["badLines"]:
        notifications.append(
            {
                "level": "warning",
                "message": {
                    "text": f"{report['summary']['badLines']} log lines were not call records and were not counted"
                },
            }
        )
    if unknown := unknown_keys_text(report["summary"]):
        notifications.append({"level": "note", "message": {"text": sentence(unknown)}})
    run = {
        "tool": {
            "driver": {
                "name": report["tool"],
                "version": report["version"],
                "semanticVersion": report["version"],
                "rules": rules,
            }
        },
        "invocations": [{"executionSuccessful": True, "toolExecutionNotifications": notifications}],
        "results": [
            _with_fix(result(finding, index[finding["rule"]]), fixes.get(finding["fingerprint"]))
            for finding in findings
        ],
        "columnKind": "unicodeCodePoints",
        "properties": {
            "appwriteVersion": report["appwriteVersion"],
            "catalogRelease": report["catalogRelease"],
            "generatedAt": report["generatedAt"],
        },
    }
    return json.dumps({"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}, indent=2) + "\n"
