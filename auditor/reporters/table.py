"""`--format table`, the terminal view: sized to the terminal (auditor/output/terminal_view.py).

By default one block per key, keys with the worst findings first: what the key is, its findings with the
same rule on several scopes folded into one line ("unused-scope on 16 scopes: a, b, …"), and the planner's
proposal as the report carries it (`- old` / `+ new` scope lines and the ready commands; never worked out
again here). `--verbose`: the key summary and one row per finding, as tables that fit the width.
"""

from __future__ import annotations

import textwrap

from tabulate import tabulate

from auditor.output.escape import terminal
from auditor.output.terminal_view import TerminalView
from auditor.reporters.common import CLI_TITLES, diff, findings_by_key, named, safe, unknown_keys_text, where, worst
from auditor.rules.registry import severity_rank

LABEL_WIDTH = 10  # "  critical " and "  proposal " line up


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


def _header(report: dict) -> list[str]:
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
    out += [f"note: {note}" for note in summary.get("notes", [])]
    return out


def _totals(report: dict) -> list[str]:
    counts = report["summary"]["findings"]
    line = (
        "findings: " + ", ".join(f"{n} {severity}" for severity, n in counts.items() if n)
        if any(counts.values())
        else "findings: none"
    )
    return [line, *_hidden(report["summary"])]


def _wrapped(view: TerminalView, label: str, text: str, severity: str | None = None) -> list[str]:
    """`text` wrapped to the view's width after a label column; the label in its severity's colour."""
    indent = " " * (2 + LABEL_WIDTH)
    lines = textwrap.wrap(text, max(view.width - len(indent), 20), break_on_hyphens=False) or [""]
    shown = view.severity(label.ljust(LABEL_WIDTH), severity) if severity else label.ljust(LABEL_WIDTH)
    return ["  " + shown + lines[0], *(indent + line for line in lines[1:])]


def _folded(findings: list[dict]) -> list[tuple[str, str]]:
    """(severity, text) per line: one rule on several scopes of a key at one severity becomes one line."""
    groups: dict[tuple, list[dict]] = {}
    for number, finding in enumerate(findings):  # a finding without a scope is a line of its own
        group = (finding["severity"], finding["rule"]) if finding["scope"] else (number,)
        groups.setdefault(group, []).append(finding)
    lines = []
    for group in sorted(groups.values(), key=lambda g: -severity_rank(g[0]["severity"])):
        first = group[0]
        if len(group) == 1:
            lines.append((first["severity"], f"{first['rule']}: {first['message']}"))
        else:  # one scope may have several findings (missing-scope: one per route): each scope is named once
            scopes = list(dict.fromkeys(f["scope"] for f in group))
            many = "" if len(scopes) == len(group) else f" ({len(group)} findings)"
            lines.append(
                (first["severity"], f"{first['rule']} on {_count(len(scopes), 'scope')}{many}: {', '.join(scopes)}")
            )
    return lines


def _count(number: int, word: str) -> str:
    return f"{number} {word}{'' if number == 1 else 's'}"


def _proposal(key: dict, view: TerminalView) -> list[str]:
    """The planner's change as `- removed` / `+ added` lines (wrapped lists), the newest CLI's ready command
    unwrapped (to copy into a shell), and what the other outputs add."""
    fixes = key.get("fixes")
    if not fixes:
        return []
    lines = diff(key["granted"], fixes["scopes"])
    removed = [line[2:] for line in lines if line.startswith("- ")]
    added = [line[2:] for line in lines if line.startswith("+ ")]
    kept = [line[2:] for line in lines if line.startswith("  ")]
    out = []
    for sign, scopes in (("-", removed), ("+", added)):
        if scopes:
            out += _wrapped(view, "proposal" if not out else "", f"{sign} " + ", ".join(scopes))
    if kept:
        out += _wrapped(view, "", f"  kept: {', '.join(kept)}")
    if fixes["commands"]:
        command = fixes["commands"][0]
        out += _wrapped(view, "apply", CLI_TITLES[command["cli"]] + ":")
        out.append(" " * (4 + LABEL_WIDTH) + command["command"])
    more = [_count(len(fixes["commands"]) - 1, "more command")] if len(fixes["commands"]) > 1 else []
    more += [_count(len(fixes["edits"]), "file edit") + " (keyaudit fix)"] if fixes["edits"] else []
    more += [_count(len(fixes["notes"]), "note")] if fixes["notes"] else []
    if more:
        out += _wrapped(view, "", f"({', '.join(more)}: --format markdown or html)")
    return out


def _key_block(key: dict, findings: list[dict], report: dict, view: TerminalView) -> list[str]:
    facts = [where(key["source"]), f"{len(key['granted'])} scopes"]
    if key["project"]:
        facts.insert(0, f"project {key['project']}")
    if report["summary"]["logsGiven"]:
        facts.append(f"{key['calls']} calls")
    facts.append(f"risk {_risk(key['risk'])}")
    title = f"{key['name']} ({key['id']})" if key["name"] and key["name"] != key["id"] else key["id"]
    heading = textwrap.wrap(f"== {title} · " + " · ".join(facts), view.width, subsequent_indent="   ")
    out = [""] + [view.bold(line) for line in heading]
    for severity, text in _folded(findings):
        out += _wrapped(view, severity, text, severity)
    out += _proposal(key, view)
    for note in key["notes"]:
        if not note.startswith("no logs"):
            out += _wrapped(view, "note", note)
    if not findings and "fixes" not in key:
        out.append("  no findings, no change")
    return out


def _grouped(report: dict, view: TerminalView) -> list[str]:
    per_key, others = findings_by_key(report)
    order = sorted(
        range(len(report["keys"])),
        key=lambda n: -(severity_rank(worst(per_key[n])) if per_key[n] else -1),
    )
    out = []
    for number in order:
        out += _key_block(report["keys"][number], per_key[number], report, view)
    for key_id, findings in others:
        heading = f"== {key_id} (no definition names this key)" if key_id else "== tied to no key"
        out += ["", *(view.bold(line) for line in textwrap.wrap(heading, view.width, subsequent_indent="   "))]
        for severity, text in _folded(findings):
            out += _wrapped(
                view,
                severity,
                text
                + (f" ({where(findings[0]['location'])})" if len(findings) == 1 and findings[0]["location"] else ""),
                severity,
            )
    return out


def _fitted(rows: list[list], headers: list[str], width: int, wrap: tuple[str, ...]) -> str:
    """A table no wider than `width` (indented by two spaces) where it can be: the `wrap` columns share what the
    others leave, the one with most room to give shrinking first, none below 10 characters or its header."""
    # tabulate pads a header by two spaces at least
    floors = [len(header) + 2 for header in headers]
    widths = [max(floors[i], *(len(str(row[i])) for row in rows)) for i in range(len(headers))]
    wrapped = [headers.index(name) for name in wrap]
    while sum(widths) + 2 * len(widths) > width:  # two spaces between columns and before the first
        widest = max(wrapped, key=lambda i: widths[i] - max(floors[i], 10))
        if widths[widest] <= max(floors[widest], 10):
            break
        widths[widest] -= 1
    limits = [widths[i] if i in wrapped else None for i in range(len(headers))]
    table = tabulate(rows, headers=headers, tablefmt="simple", maxcolwidths=limits, disable_numparse=True)
    return "\n".join("  " + line for line in table.splitlines())  # a wrapped cell starts no line


def _verbose(report: dict, view: TerminalView) -> list[str]:
    logs_given = report["summary"]["logsGiven"]
    rows = [
        [
            key["name"] or "",
            key["id"],
            key["project"] or "",
            len(key["granted"]),
            key["calls"] if logs_given else "-",
            _proposed(key),
            _risk(key["risk"]),
        ]
        for key in report["keys"]
    ]
    out = [
        "",
        _fitted(
            rows,
            ["key", "id", "project", "scopes", "calls", "proposed", "risk"],
            view.width,
            wrap=("proposed", "risk", "project", "key", "id"),
        ),
    ]
    for key in report["keys"]:
        for note in key["notes"]:
            if not note.startswith("no logs"):
                out += _flowed([f"note: {key['name'] or key['id']}: {note}"], view.width)
    if report["findings"]:
        findings = [
            [f["severity"], f["rule"], f["key"] or "", f["message"], where(f["location"])] for f in report["findings"]
        ]
        out += [
            "",
            _fitted(findings, ["severity", "rule", "key", "message", "where"], view.width, wrap=("message", "where")),
        ]
    return out


def _flowed(lines: list[str], width: int) -> list[str]:
    """Each line wrapped to `width`, its continuation indented four more spaces (so none starts a line)."""
    out = []
    for line in lines:
        indent = " " * (len(line) - len(line.lstrip()) + 4)
        out += textwrap.wrap(line, width, subsequent_indent=indent, break_on_hyphens=False) or [line]
    return out


def render(report: dict, view: TerminalView | None = None) -> str:
    view = view or TerminalView()
    report = safe(report, terminal)  # every field one line: a name cannot forge a row
    out = _flowed([*_header(report), "", *_totals(report)], view.width)
    out += _verbose(report, view) if view.verbose else _grouped(report, view)
    return "\n".join(out) + "\n"
