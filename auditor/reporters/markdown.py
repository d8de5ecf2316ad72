"""`--format markdown`: a review-ready report for a pull request or a ticket.

A summary, the keys that need action first, then one `<details>` block per key
(worst findings first): its scopes granted → proposed as a diff, its findings
with their fix, and the commands and file edits that apply the fix. Every
fingerprint is listed at the end for baselines. The whole stays under a cap
(`--max-chars`, by default 60,000 characters: GitHub refuses a comment over
65,536): the least severe details go first, and a line says how many went and
how to get the full report. Every value is
written through auditor/output/escape.py's Markdown functions: text from the key files
and logs cannot open a link, an image, HTML, a mention, an autolink, a table
cell or a block.
"""

from __future__ import annotations

from auditor.errors import InputError
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
from auditor.rules.registry import severity_rank

DEFAULT_MAX_CHARS = 60_000
OMISSION_ROOM = 600  # the line saying what was left out


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
    return out + [""]


KEY_TABLE_HEAD = ["| key | project | worst finding | findings | granted | proposed |", "|---|---|---|---:|---:|---:|"]


def key_row(number: int, key: dict, findings: list[dict]) -> str:
    proposed = len(key["fixes"]["scopes"]) if "fixes" in key else "no change"
    return (
        f"| [{text(label(key))}](#key-{number + 1}) | {text(key['project'] or '')} | "
        f"{text(worst(findings) or 'none')} | {len(findings)} | {len(key['granted'])} | {text(proposed)} |"
    )


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
    counted = f"{worst(findings)}, {len(findings)} findings" if findings else "no findings"
    out = [
        f'<a id="key-{number + 1}"></a>',
        "",
        f"<details><summary><b>{text(label(key))}</b>: {counted}</summary>",
        "",
    ]
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
    return out + ["</details>", ""]


def _rank(findings: list[dict]) -> int:
    return severity_rank(worst(findings)) if findings else -1


def fingerprint_table(report: dict) -> list[str]:
    out = [
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
    return out + ["", "</details>", ""]


def _kept(parts: list[tuple[tuple, str]], budget: int) -> set[int]:
    """Which parts fit in `budget` characters, taken in priority order (most severe first) until one does not."""
    kept, used = set(), 0
    for number, (_, part) in sorted(enumerate(parts), key=lambda item: item[1][0]):
        if used + len(part) + 1 > budget:
            break
        kept.add(number)
        used += len(part) + 1
    return kept


def render(report: dict, max_chars: int | None = DEFAULT_MAX_CHARS) -> str:
    """The report in Markdown, at most `max_chars` characters (None or 0: no limit)."""
    report = safe(report)
    per_key, others = findings_by_key(report)
    logs_given = report["summary"]["logsGiven"]
    head = [
        f"# keyaudit report: Appwrite {text(report['appwriteVersion'])} (routes of {text(report['catalogRelease'])})",
        "",
        f"Generated {text(report['generatedAt'])} by keyaudit {text(report['version'])}.",
        "",
        *summary(report, per_key),
    ]
    order = sorted(range(len(report["keys"])), key=lambda n: -_rank(per_key[n]))  # keys that need action first
    # (priority, text): priority sorts most severe first; a key's table row before its details
    rows = [((-_rank(per_key[n]), 0, i), key_row(n, report["keys"][n], per_key[n])) for i, n in enumerate(order)]
    sections = [
        ((-_rank(per_key[n]), 1, i), "\n".join(key_section(n, report["keys"][n], per_key[n], logs_given)))
        for i, n in enumerate(order)
    ]
    unnamed = [
        (
            (-_rank(findings), 1, len(order) + i),
            "\n".join([f"### {text(key_id) if key_id else 'Tied to no key'}", "", *map(finding_line, findings), ""]),
        )
        for i, (key_id, findings) in enumerate(others)
    ]
    fingerprints = [((2, 2, 0), "\n".join(fingerprint_table(report)))]  # after everything else
    parts = rows + sections + unnamed + fingerprints
    fixed = "\n".join(head + KEY_TABLE_HEAD + ["", "## Keys", "", "## Findings of keys no definition names", ""])
    if max_chars:
        kept = _kept(parts, max_chars - len(fixed) - OMISSION_ROOM)
    else:
        kept = set(range(len(parts)))
    shown = lambda first, items: [p for n, (_, p) in enumerate(items, first) if n in kept]  # noqa: E731
    out = head + KEY_TABLE_HEAD + shown(0, rows) + ["", "## Keys", ""] + shown(len(rows), sections)
    shown_unnamed = shown(len(rows) + len(sections), unnamed)
    if shown_unnamed:
        out += ["## Findings of keys no definition names", "", *shown_unnamed]
    out += shown(len(parts) - 1, fingerprints)
    if len(kept) < len(parts):
        out += ["", omission(parts, kept, rows, sections, unnamed, max_chars)]
    rendered = "\n".join(out) + "\n"
    if max_chars and len(rendered) > max_chars:  # the summary and the note alone are longer than the cap
        raise InputError(
            f"--max-chars {max_chars:,}: this report's summary and the note on what was left out take "
            f"{len(rendered):,} characters; give at least that, or 0 for no limit"
        )
    return rendered


def omission(parts, kept, rows, sections, unnamed, max_chars: int) -> str:
    """The line that says what the cap left out and where the whole report is."""
    first_section, first_unnamed = len(rows), len(rows) + len(sections)
    left = [
        (sum(n not in kept for n in range(len(rows))), "key table rows"),
        (sum(n not in kept for n in range(first_section, first_unnamed)), "key details"),
        (sum(n not in kept for n in range(first_unnamed, first_unnamed + len(unnamed))), "unnamed-key sections"),
        (int(len(parts) - 1 not in kept), "fingerprint table"),
    ]
    said = ", ".join(
        f"{count} {what}" if what != "fingerprint table" else "the fingerprint table" for count, what in left if count
    )
    return (
        f"> **Left out to stay under {max_chars:,} characters** (GitHub takes at most 65,536 in a comment), "
        f"least severe first: {said}. The full report: the same `keyaudit audit` with `--format html` "
        "(or `--format markdown --max-chars 0` for no limit)."
    )
