"""`--format markdown`: a review-ready report for a pull request or a ticket.

A summary table, then one section per key: its scopes granted → proposed as a
diff, its findings with their fix, and the commands and file edits that apply
the fix. Every fingerprint is listed at the end for baselines. Every value is
written through auditor/output/escape.py's Markdown functions: text from the key files
and logs cannot open a link, an image, HTML, a mention, an autolink, a table
cell or a block.
"""

from __future__ import annotations

from auditor.output.escape import markdown as text
from auditor.output.escape import markdown_block as block
from auditor.output.escape import markdown_code as code
from auditor.reporters.common import (
    CLI_TITLES,
    SEVERITY_ORDER,
    diff,
    findings_by_key,
    label,
    safe,
    sentence,
    unknown_keys_text,
    where,
    worst,
)


def summary(report: dict, per_key: dict[int, list[dict]]) -> list[str]:
    s = report["summary"]
    counts = s["findings"]
    out = [
        "## Summary",
        "",
        "| " + " | ".join(SEVERITY_ORDER) + " |",
        "|" + "---:|" * len(SEVERITY_ORDER),
        "| " + " | ".join(text(counts[level]) for level in SEVERITY_ORDER) + " |",
        "",
    ]
    if s["logsGiven"]:
        window = s["logWindow"]
        span = f", {text(window['first'])} to {text(window['last'])}" if window["first"] else ""
        out.append(f"Logs: {s['linesRead']} lines read, {s['badLines']} not call records{span}.")
        out += [
            f"- {item['count']} requests tied to no key: {text(item['reason'])}" for item in s.get("unattributed", [])
        ]
        if unknown := unknown_keys_text(s):
            out.append(f"- {text(unknown)}")
        out += [f"- Note: {text(note)}" for note in s.get("notes", [])]
    else:
        out.append("No logs given: skipped " + ", ".join(code(r) for r in s["skippedRules"]) + ".")
    out += ["", "| key | project | worst finding | findings | granted | proposed |", "|---|---|---|---:|---:|---:|"]
    for number, key in enumerate(report["keys"]):
        findings = per_key[number]
        proposed = len(key["fixes"]["scopes"]) if "fixes" in key else "no change"
        out.append(
            f"| [{text(label(key))}](#key-{number + 1}) | {text(key['project'] or '')} | "
            f"{text(worst(findings) or 'none')} | {len(findings)} | {len(key['granted'])} | {text(proposed)} |"
        )
    return out + [""]


def finding_line(finding: dict) -> str:
    place = where(finding["location"])
    logged = where(finding.get("evidence"))
    return (
        f"- **{text(finding['severity'])}** {code(finding['rule'])}{' on ' + code(finding['scope']) if finding['scope'] else ''}: "
        f"{text(sentence(finding['message']))} *Fix:* {text(finding['fix'])}"
        + (f" ({code(place)})" if place else "")
        + (f" (logged at {code(logged)})" if logged else "")
    )


def fix_lines(fixes: dict) -> list[str]:
    out = []
    for command in fixes["commands"]:
        out += [f"{CLI_TITLES[command['cli']]}:", "", *block([command["command"]], "sh"), ""]
    for edit in fixes["edits"]:
        out += [
            f"In {code(edit['file'])}, lines {edit['startLine']}–{edit['endLine']}:",
            "",
            *block(diff(edit["before"], edit["after"]), "diff"),
            "",
        ]
    out += [f"> {text(note)}" for note in fixes["notes"]]
    return out + ([""] if fixes["notes"] else [])


def key_section(number: int, key: dict, findings: list[dict], logs_given: bool) -> list[str]:
    out = [f'<a id="key-{number + 1}"></a>', "", f"### {text(label(key))}", ""]
    facts = [f"{text(key['kind'])} key", f"defined at {code(where(key['source']))}"]
    if key["project"]:
        facts.append(f"project {code(key['project'])}")
    if logs_given:
        facts.append(f"{key['calls']} logged calls")
    out += [" · ".join(facts) + ".", ""]
    fixes = key.get("fixes")
    if fixes:
        out += ["Scopes, granted → proposed:", "", *block(diff(key["granted"], fixes["scopes"]), "diff"), ""]
    else:
        out += [f"Scopes: {', '.join(code(s) for s in key['granted']) or 'none'} (no change proposed).", ""]
    out += [f"> {text(note)}" for note in key["notes"] if not note.startswith("no logs")]
    out += ["", "Findings:", ""] if findings else ["", "No findings.", ""]
    out += [finding_line(f) for f in findings] + [""]
    if fixes:
        out += ["To apply:", "", *fix_lines(fixes)]
    return out


def render(report: dict) -> str:
    report = safe(report)
    per_key, others = findings_by_key(report)
    logs_given = report["summary"]["logsGiven"]
    out = [
        f"# keyaudit report: Appwrite {text(report['appwriteVersion'])} (routes of {text(report['catalogRelease'])})",
        "",
        f"Generated {text(report['generatedAt'])} by keyaudit {text(report['version'])}.",
        "",
    ]
    out += summary(report, per_key)
    out += ["## Keys", ""]
    for number, key in enumerate(report["keys"]):
        out += key_section(number, key, per_key[number], logs_given)
    if others:
        out += ["## Findings of keys no definition names", ""]
        for key_id, findings in others:
            out += [f"### {text(key_id) if key_id else 'Tied to no key'}", "", *(finding_line(f) for f in findings), ""]
    out += [
        "## All findings",
        "",
        f"<details><summary>{len(report['findings'])} findings with their fingerprints"
        " (for baselines and exceptions)</summary>",
        "",
        "| severity | rule | key | scope | where | fingerprint |",
        "|---|---|---|---|---|---|",
    ]
    for f in report["findings"]:
        out.append(
            f"| {text(f['severity'])} | {code(f['rule'], True)} | {code(f['key'] or '-', True)} | "
            f"{code(f['scope'] or '-', True)} | {code(where(f['location']) or '-', True)} | "
            f"{code(f['fingerprint'], True)} |"
        )
    out += ["", "</details>", ""]
    return "\n".join(out)
