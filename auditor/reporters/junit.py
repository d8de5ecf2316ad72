"""`--format junit`: JUnit XML for CI test views, one test case per key.

A key's test case fails once for each of its findings at or above --fail-on
(summary.failOn, default high); its other findings are listed in the case's
system-out, so every finding is in the file. Keys that no definition names
(calls from unknown keys) and findings tied to no key get test cases of their own.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from auditor.output.escape import xml
from auditor.reporters.common import fail_on, findings_by_key, label, safe, unknown_keys_text, where
from auditor.rules.registry import at_or_above


def finding_text(finding: dict) -> str:
    """The finding as `field: value` lines, the same in a failure and in system-out."""
    return "\n".join(
        [
            finding["message"],
            f"severity: {finding['severity']}",
            f"rule: {finding['rule']}",
            f"key: {finding['key'] or '-'}",
            f"scope: {finding['scope'] or '-'}",
            f"where: {where(finding['location']) or '-'}",
            *([f"logged at: {where(finding['evidence'])}"] if finding.get("evidence") else []),
            f"fix: {finding['fix']}",
            f"fingerprint: {finding['fingerprint']}",
        ]
    )


def key_case(name: str, classname: str, file: str | None, findings: list[dict], threshold: str) -> ET.Element:
    case = ET.Element("testcase", {"name": name, "classname": classname, "time": "0"})
    if file:
        case.set("file", file)
    passing = []
    for finding in findings:
        if at_or_above(finding["severity"], threshold):
            failure = ET.SubElement(case, "failure", {"message": finding["message"], "type": finding["rule"]})
            failure.text = finding_text(finding)
        else:
            passing.append(finding_text(finding))
    if passing:
        ET.SubElement(case, "system-out").text = f"findings below --fail-on {threshold}:\n\n" + "\n\n".join(passing)
    return case


def render(report: dict) -> str:
    report = safe(report, xml)  # ElementTree escapes the markup
    threshold = fail_on(report)
    per_key, others = findings_by_key(report)
    cases = [
        key_case(
            label(key), f"keyaudit.{key['project'] or key['kind']}", key["source"]["file"], per_key[number], threshold
        )
        for number, key in enumerate(report["keys"])
    ]
    for key_id, findings in others:
        project = findings[0]["project"]
        name = f"{key_id} (no key definition)" if key_id else "findings tied to no key"
        cases.append(key_case(name, f"keyaudit.{project or 'other'}", None, findings, threshold))
    failures = sum(len(case.findall("failure")) for case in cases)
    totals = {"tests": str(len(cases)), "failures": str(failures), "errors": "0", "skipped": "0", "time": "0"}
    root = ET.Element("testsuites", {"name": "keyaudit", **totals})
    suite = ET.SubElement(
        root,
        "testsuite",
        {
            "name": f"keyaudit: API keys against Appwrite {report['appwriteVersion']}",
            **totals,
            "timestamp": report["generatedAt"][:19],
        },
    )
    properties = ET.SubElement(suite, "properties")
    for name, value in (
        ("appwriteVersion", report["appwriteVersion"]),
        ("catalogRelease", report["catalogRelease"]),
        ("failOn", threshold),
        ("logsGiven", str(report["summary"]["logsGiven"]).lower()),
    ):
        ET.SubElement(properties, "property", {"name": name, "value": value})
    if unknown := unknown_keys_text(report["summary"]):
        ET.SubElement(properties, "property", {"name": "unknownKeys", "value": unknown})
    suite.extend(cases)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
