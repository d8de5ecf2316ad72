"""`--format table`: a summary per key, then findings by severity."""

from __future__ import annotations

import textwrap

from tabulate import tabulate


def _wrap(text: str, width: int = 70) -> str:
    return "\n".join(textwrap.wrap(text, width)) or text


def render(report: dict) -> str:
    summary = report["summary"]
    out = [f"keyaudit {report['version']} · Appwrite {report['appwriteVersion']} (routes of {report['catalogRelease']})"]
    if summary["logsGiven"]:
        window = summary["logWindow"]
        out.append(
            f"logs: {summary['linesRead']} lines read, {summary['badLines']} bad"
            + (f", window {window['first']} to {window['last']}" if window["first"] else "")
        )
        for sample in summary["badLineSamples"]:
            out.append(f"  bad line {sample['file']}:{sample['line']}: {sample['reason']}")
    else:
        out.append("no logs given: skipped " + ", ".join(summary["skippedRules"]))
    rows = []
    for key in report["keys"]:
        rows.append([
            key["name"] or "", key["id"], key["project"] or "", len(key["granted"]),
            key["calls"] if summary["logsGiven"] else "-",
            ", ".join(key["minimal"]) if key["minimal"] is not None else "-",
        ])
    out.append("")
    out.append(tabulate(rows, headers=["key", "id", "project", "scopes", "calls", "minimal set"], tablefmt="simple"))
    for key in report["keys"]:
        for note in key["notes"]:
            if not note.startswith("no logs"):
                out.append(f"note: {key['name'] or key['id']}: {note}")
    counts = summary["findings"]
    out.append("")
    out.append("findings: " + ", ".join(f"{n} {severity}" for severity, n in counts.items() if n) if any(counts.values()) else "findings: none")
    if report["findings"]:
        findings = [
            [f["severity"], f["rule"], f["key"] or "", _wrap(f["message"]),
             f"{f['location']['file']}:{f['location']['line']}" if f["location"] and f["location"]["line"] else
             (f["location"]["file"] if f["location"] else "")]
            for f in report["findings"]
        ]
        out.append(tabulate(findings, headers=["severity", "rule", "key", "message", "where"], tablefmt="simple"))
    return "\n".join(out) + "\n"
