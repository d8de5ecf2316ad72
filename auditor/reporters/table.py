"""`--format table`: a summary per key, then findings by severity."""

from __future__ import annotations

import textwrap

from tabulate import tabulate

from auditor.output.escape import terminal
from auditor.reporters.common import named, safe, unknown_keys_text


def _wrap(text: str, width: int = 70) -> str:
    return "\n".join(textwrap.wrap(text, width)) or text


def _hidden(summary: dict) -> list[str]:
    """What exceptions and a baseline kept out of the findings, and baseline entries that no longer occur."""
    out = []
    silenced = summary["exceptions"]
    if silenced["entries"]:
        out.append(f"silenced by exceptions: {silenced['suppressed']}")
        for e in silenced["entries"]:
            location = e["location"]
            where = f"{location['file']}:{location['line']}" if location["line"] else location["file"]
            scope = f" {e['scope']}" if e["scope"] else ""
            out.append(
                f"  {e['suppressed']} by {where}: {e['rule']} {e['key']}{scope} "
                f"(owner {e['owner']}, until {e['expires']})"
            )
    baseline = summary["baseline"]
    if baseline:
        out.append(
            f"baseline {baseline['file']}: {baseline['suppressed']} known findings hidden, "
            f"{len(baseline['absent'])} entries no longer occur"
        )
        for entry in baseline["absent"]:
            out.append(f"  no longer occurs: {named(entry)}" + (f" {entry['file']}" if entry.get("file") else ""))
        for item in baseline["mismatched"]:
            out.append(f"  not honoured: entry {named(item['entry'])} has the fingerprint of {named(item['finding'])}")
    return out


def _risk(risk: dict) -> str:
    """The worst category, e.g. `critical (privilege-escalation)`."""
    if not risk["categories"]:
        return risk["level"]
    return f"{risk['level']} ({risk['categories'][0]['category']})"


def _proposed(key: dict) -> str:
    """The planner's proposal, as every other output gives it (auditor/fix/plan.py)."""
    if "fixes" not in key:
        return "no change"
    return ", ".join(key["fixes"]["scopes"]) or "none"


def render(report: dict) -> str:
    report = safe(report, terminal)  # every field one line: a name cannot forge a row
    summary = report["summary"]
    out = [
        f"keyaudit {report['version']} · Appwrite {report['appwriteVersion']} (routes of {report['catalogRelease']})"
    ]
    if summary["logsGiven"]:
        window = summary["logWindow"]
        out.append(
            f"logs: {summary['linesRead']} lines read, {summary['badLines']} bad"
            + (f", window {window['first']} to {window['last']}" if window["first"] else "")
        )
        for sample in summary["badLineSamples"]:
            out.append(f"  bad line {sample['file']}:{sample['line']}: {sample['reason']}")
        for item in summary.get("unattributed", []):
            out.append(f"  tied to no key: {item['count']} requests ({item['reason']})")
        if unknown := unknown_keys_text(summary):
            out.append(f"  unknown keys: {unknown}")
    else:
        out.append("no logs given: skipped " + ", ".join(summary["skippedRules"]))
    for note in summary.get("notes", []):
        out.append(f"note: {note}")
    rows = []
    for key in report["keys"]:
        rows.append(
            [
                key["name"] or "",
                key["id"],
                key["project"] or "",
                len(key["granted"]),
                key["calls"] if summary["logsGiven"] else "-",
                _proposed(key),
                _risk(key["risk"]),
            ]
        )
    out.append("")
    out.append(
        tabulate(
            rows, headers=["key", "id", "project", "scopes", "calls", "proposed scopes", "risk"], tablefmt="simple"
        )
    )
    for key in report["keys"]:
        for note in key["notes"]:
            if not note.startswith("no logs"):
                out.append(f"note: {key['name'] or key['id']}: {note}")
    counts = summary["findings"]
    out.append("")
    out.append(
        "findings: " + ", ".join(f"{n} {severity}" for severity, n in counts.items() if n)
        if any(counts.values())
        else "findings: none"
    )
    out.extend(_hidden(summary))
    if report["findings"]:
        findings = [
            [
                f["severity"],
                f["rule"],
                f["key"] or "",
                _wrap(f["message"]),
                f"{f['location']['file']}:{f['location']['line']}"
                if f["location"] and f["location"]["line"]
                else (f["location"]["file"] if f["location"] else ""),
            ]
            for f in report["findings"]
        ]
        out.append(tabulate(findings, headers=["severity", "rule", "key", "message", "where"], tablefmt="simple"))
    return "\n".join(out) + "\n"
