"""`--format markdown`: a review-ready report for a pull request or a ticket.

A summary table, then one section per key: its scopes granted → proposed as a
diff, its findings with their fix, and the commands and file edits that apply
the fix. Every fingerprint is listed at the end for baselines. Text from the
key files is escaped: it cannot open a link, a mention, a table cell or a block.
"""

from __future__ import annotations

import html
import re

from auditor.reporters.common import (CLI_TITLES, SEVERITY_ORDER, diff, findings_by_key, label, safe, sentence,
                                      unknown_keys_text, where, worst)

_ESCAPED = re.compile(r"([\\`*_\[\]|~#@])")


def text(value) -> str:
    """Inline text: Markdown punctuation escaped, HTML entities for < > &, one line."""
    one_line = " ".join(str(value).splitlines())
    return html.escape(_ESCAPED.sub(r"\\\1", one_line), quote=False)


def code(value, in_table: bool = False) -> str:
    """An inline code span that no backtick (or, in a table, pipe) in `value` can end."""
    one_line = " ".join(str(value).splitlines())
    if in_table:
        one_line = one_line.replace("|", "\\|")
    longest = max((len(run) for run in re.findall("`+", one_line)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if one_line.startswith("`") or one_line.endswith("`") or longest else ""
    return f"{fence}{pad}{one_line}{pad}{fence}"


def block(lines: list[str], language: str = "") -> list[str]:
    longest = max((len(run) for line in lines for run in re.findall("`+", line)), default=0)
    fence = "`" * max(3, longest + 1)
    return [fence + language, *lines, fence]


def summary(report: dict, per_key: dict[int, list[dict]]) -> list[str]:
    s = report["summary"]
    counts = s["findings"]
    out = ["## Summary", "",
           "| " + " | ".join(SEVERITY_ORDER) + " |", "|" + "---:|" * len(SEVERITY_ORDER),
           "| " + " | ".join(str(counts[level]) for level in SEVERITY_ORDER) + " |", ""]
    if s["logsGiven"]:
        window = s["logWindow"]
        span = f", {window['first']} to {window['last']}" if window["first"] else ""
        out.append(f"Logs: {s['linesRead']} lines read, {s['badLines']} not call records{span}.")
        out += [f"- {item['count']} requests tied to no key: {item['reason']}" for item in s.get("unattributed", [])]
        if unknown := unknown_keys_text(s):
            out.append(f"- {unknown}")
        out += [f"- Note: {note}" for note in s.get("notes", [])]
    else:
        out.append("No logs given: skipped " + ", ".join(code(r) for r in s["skippedRules"]) + ".")
    out += ["", "| key | project | worst finding | findings | granted | proposed |", "|---|---|---|---:|---:|---:|"]
    for number, key in enumerate(report["keys"]):
        findings = per_key[number]
        proposed = len(key["fixes"]["scopes"]) if "fixes" in key else "no change"
        out.append(f"| [{text(label(key))}](#key-{number + 1}) | {text(key['project'] or '')} | "
                   f"{worst(findings) or 'none'} | {len(findings)} | {len(key['granted'])} | {proposed} |")
    return out + [""]


def finding_line(finding: dict) -> str:
    place = where(finding["location"])
    logged = where(finding.get("evidence"))
    return (f"- **{finding['severity']}** {code(finding['rule'])}{' on ' + code(finding['scope']) if finding['scope'] else ''}: "
            f"{text(sentence(finding['message']))} *Fix:* {text(finding['fix'])}"
            + (f" ({code(place)})" if place else "") + (f" (logged at {code(logged)})" if logged else ""))


def fix_lines(fixes: dict) -> list[str]:
    out = []
    for command in fixes["commands"]:
        out += [f"{CLI_TITLES[command['cli']]}:", "", *block([command["command"]], "sh"), ""]
    for edit in fixes["edits"]:
        out += [f"In {code(edit['file'])}, lines {edit['startLine']}–{edit['endLine']}:", "",
                *block(diff(edit["before"], edit["after"]), "diff"), ""]
    out += [f"> {text(note)}" for note in fixes["notes"]]
    return out + ([""] if fixes["notes"] else [])


def key_section(number: int, key: dict, findings: list[dict], logs_given: bool) -> list[str]:
    out = [f'<a id="key-{number + 1}"></a>', "", f"### {text(label(key))}", ""]
    facts = [f"{key['kind']} key", f"defined at {code(where(key['source']))}"]
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
    out = [f"# keyaudit report: Appwrite {report['appwriteVersion']} (routes of {report['catalogRelease']})", "",
           f"Generated {report['generatedAt']} by keyaudit {report['version']}.", ""]
    out += summary(report, per_key)
    out += ["## Keys", ""]
    for number, key in enumerate(report["keys"]):
        out += key_section(number, key, per_key[number], logs_given)
    if others:
        out += ["## Findings of keys no definition names", ""]
        for key_id, findings in others:
            out += [f"### {text(key_id) if key_id else 'Tied to no key'}", "", *(finding_line(f) for f in findings), ""]
    out += ["## All findings", "", f"<details><summary>{len(report['findings'])} findings with their fingerprints"
            " (for baselines and exceptions)</summary>", "",
            "| severity | rule | key | scope | where | fingerprint |", "|---|---|---|---|---|---|"]
    for f in report["findings"]:
        out.append(f"| {f['severity']} | {code(f['rule'], True)} | {code(f['key'] or '-', True)} | "
                   f"{code(f['scope'] or '-', True)} | {code(where(f['location']) or '-', True)} | "
                   f"{code(f['fingerprint'], True)} |")
    out += ["", "</details>", ""]
    return "\n".join(out)
