"""`--format html`: one self-contained page for a security reviewer.

Summary, a matrix of keys × scopes (granted and used, granted and unused,
missing), a card per key with its proposed scopes and how to apply them, and
every finding. The severity filter is pure CSS (checkboxes), so the page needs
no script; its Content-Security-Policy forbids scripts and every network load.
All text is HTML-escaped: key names and scopes come from untrusted files.
"""

from __future__ import annotations

from pathlib import Path

from auditor.output.escape import html as e
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

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"
CELLS = {  # state -> (symbol, words)
    "used": ("●", "granted and used"),
    "unused": ("○", "granted, no logged call needs it"),
    "missing": ("✕", "missing: logged calls failed without it"),
    "unknown": ("?", "granted; usage unknown (no logs, or GraphQL calls)"),
}

STYLE = (Path(__file__).with_name("html_report.css")).read_text(encoding="utf-8")


def badge(severity: str | None) -> str:
    return f'<span class="badge sev-{e(severity or "none")}">{e(severity or "clean")}</span>'


def cell_state(key: dict, scope: str, findings: list[dict]) -> str | None:
    if scope in key["granted"]:
        if key["needed"] is None:
            return "unknown"
        if any(scope in need for need in key["needed"]):
            return "used"
        return "unknown" if key["graphqlCalls"] else "unused"
    if any(f["rule"] == "missing-scope" and f["scope"] == scope for f in findings):
        return "missing"
    return None


def matrix(report: dict, per_key: dict[int, list[dict]]) -> list[str]:
    scopes = sorted(
        {s for key in report["keys"] for s in key["granted"]}
        | {f["scope"] for f in report["findings"] if f["rule"] == "missing-scope" and f["scope"]},
        key=lambda s: (s.split(".")[0], s),
    )
    out = [
        '<div class="legend">'
        + "".join(f"<span>{symbol} {e(words)}</span>" for symbol, words in CELLS.values())
        + "</div>",
        '<div class="matrix-wrap"><table class="matrix"><thead><tr><th>key</th>',
    ]
    out += [f'<th class="scope" title="{e(s)}">{e(s)}</th>' for s in scopes]
    out.append("</tr></thead><tbody>")
    for number, key in enumerate(report["keys"]):
        row = [f'<tr><td class="key"><a href="#key-{number + 1}">{e(label(key))}</a></td>']
        for scope in scopes:
            state = cell_state(key, scope, per_key[number])
            if state is None:
                row.append("<td></td>")
            else:
                symbol, words = CELLS[state]
                row.append(f'<td class="{state}" title="{e(scope)}: {e(words)}">{symbol}</td>')
        out.append("".join(row) + "</tr>")
    out.append("</tbody></table></div>")
    return out


def finding_item(finding: dict) -> str:
    place = where(finding["location"])
    logged = where(finding.get("evidence"))
    return (
        f'<li class="finding sev-{e(finding["severity"])}">{badge(finding["severity"])} <code>{e(finding["rule"])}</code>'
        + (f" on <code>{e(finding['scope'])}</code>" if finding["scope"] else "")
        + f": {e(sentence(finding['message']))} <b>Fix:</b> {e(finding['fix'])}"
        + (f" <code>{e(place)}</code>" if place else "")
        + (f" (logged at <code>{e(logged)}</code>)" if logged else "")
        + "</li>"
    )


def diff_block(lines: list[str]) -> str:
    rows = []
    for line in lines:
        kind = {"-": "del", "+": "add"}.get(line[:1], "")
        rows.append(f'<span class="{kind}">{e(line)}</span>' if kind else e(line))
    return '<pre class="diff">' + "\n".join(rows) + "</pre>"


def card(number: int, key: dict, findings: list[dict], logs_given: bool) -> list[str]:
    fixes = key.get("fixes")
    meta = [f"{e(key['kind'])} key", f"<code>{e(where(key['source']))}</code>"]
    if key["project"]:
        meta.append(f"project <code>{e(key['project'])}</code>")
    if logs_given:
        meta.append(f"{key['calls']} logged calls")
    out = [
        f'<article class="card" id="key-{number + 1}"><h3>{e(label(key))} {badge(worst(findings))}</h3>',
        f'<div class="meta">{" · ".join(meta)}</div>',
    ]
    if fixes:
        out += [
            f"<div>Scopes: {len(key['granted'])} granted → {len(fixes['scopes'])} proposed</div>",
            diff_block(diff(key["granted"], fixes["scopes"])),
        ]
    else:
        out.append(
            f"<div>Scopes: {', '.join(f'<code>{e(s)}</code>' for s in key['granted']) or 'none'}"
            " (no change proposed)</div>"
        )
    out += [f'<p class="note">{e(note)}</p>' for note in key["notes"] if not note.startswith("no logs")]
    if findings:
        out += ["<ul>", *(finding_item(f) for f in findings), "</ul>"]
    if fixes:
        for command in fixes["commands"]:
            out += [f"<div>{e(CLI_TITLES[command['cli']])}:</div>", f"<pre><code>{e(command['command'])}</code></pre>"]
        for edit in fixes["edits"]:
            out += [
                f"<div>In <code>{e(edit['file'])}</code>, lines {edit['startLine']}–{edit['endLine']}:</div>",
                diff_block(diff(edit["before"], edit["after"])),
            ]
        out += [f'<p class="note">{e(note)}</p>' for note in fixes["notes"]]
    return out + ["</article>"]


def findings_table(report: dict) -> list[str]:
    out = [
        "<table><thead><tr><th>severity</th><th>rule</th><th>key</th><th>scope</th><th>finding and fix</th>"
        "<th>where</th></tr></thead><tbody>"
    ]
    for f in report["findings"]:
        out.append(
            f'<tr class="finding sev-{e(f["severity"])}" data-severity="{e(f["severity"])}" data-rule="{e(f["rule"])}"'
            f' data-key="{e(f["key"] or "")}" data-scope="{e(f["scope"] or "")}" data-fingerprint="{e(f["fingerprint"])}">'
            f"<td>{badge(f['severity'])}</td><td><code>{e(f['rule'])}</code></td><td><code>{e(f['key'] or '')}</code></td>"
            f"<td><code>{e(f['scope'] or '')}</code></td><td>{e(f['message'])}<br><b>Fix:</b> {e(f['fix'])}</td>"
            f"<td><code>{e(where(f['location']))}</code></td></tr>"
        )
    return out + ["</tbody></table>"]


def summary(report: dict, per_key: dict[int, list[dict]]) -> list[str]:
    s = report["summary"]
    out = ['<div class="tiles">', f'<div class="tile"><b>{s["keys"]}</b>keys</div>']
    out += [f'<div class="tile sev-{level}"><b>{s["findings"][level]}</b>{level}</div>' for level in SEVERITY_ORDER]
    out.append("</div>")
    if s["logsGiven"]:
        window = s["logWindow"]
        span = f", {e(window['first'])} to {e(window['last'])}" if window["first"] else ""
        out.append(f"<p>Logs: {s['linesRead']} lines read, {s['badLines']} not call records{span}.</p>")
        out += [
            f"<p>{item['count']} requests tied to no key: {e(item['reason'])}</p>" for item in s.get("unattributed", [])
        ]
        if unknown := unknown_keys_text(s):
            out.append(f"<p>{e(sentence(unknown))}</p>")
        out += [f"<p>Note: {e(note)}</p>" for note in s.get("notes", [])]
    else:
        out.append(f"<p>No logs given: skipped {e(', '.join(s['skippedRules']))}.</p>")
    out.append(
        "<table><thead><tr><th>key</th><th>project</th><th>worst</th><th>findings</th><th>granted</th>"
        "<th>proposed</th></tr></thead><tbody>"
    )
    for number, key in enumerate(report["keys"]):
        proposed = len(key["fixes"]["scopes"]) if "fixes" in key else "no change"
        out.append(
            f'<tr><td><a href="#key-{number + 1}">{e(label(key))}</a></td><td>{e(key["project"] or "")}</td>'
            f"<td>{badge(worst(per_key[number]))}</td><td>{len(per_key[number])}</td>"
            f"<td>{len(key['granted'])}</td><td>{proposed}</td></tr>"
        )
    return out + ["</tbody></table>"]


def render(report: dict) -> str:
    report = safe(report)
    per_key, others = findings_by_key(report)
    counts = report["summary"]["findings"]
    logs_given = report["summary"]["logsGiven"]
    title = f"keyaudit report · Appwrite {report['appwriteVersion']}"
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{e(title)}</title><style>{STYLE}</style></head><body>",
        f"<header><h1>{e(title)}</h1><p>routes of {e(report['catalogRelease'])} · generated "
        f"{e(report['generatedAt'])} by keyaudit {e(report['version'])}</p></header><main>",
    ]
    out += [f'<input type="checkbox" class="filter" id="show-{s}" checked>' for s in SEVERITY_ORDER]
    out.append(
        '<nav class="filters">Show findings: '
        + "".join(f'<label for="show-{s}">{s} {counts[s]}</label>' for s in SEVERITY_ORDER)
        + "</nav>"
    )
    out += ['<section id="summary"><h2>Summary</h2>', *summary(report, per_key), "</section>"]
    out += ['<section id="matrix"><h2>Keys × scopes</h2>', *matrix(report, per_key), "</section>"]
    out += ['<section id="keys"><h2>Keys</h2><div class="cards">']
    for number, key in enumerate(report["keys"]):
        out += card(number, key, per_key[number], logs_given)
    out.append("</div></section>")
    if others:
        out.append('<section id="other"><h2>Findings of keys no definition names</h2>')
        for key_id, findings in others:
            out += [f"<h3>{e(key_id or 'tied to no key')}</h3><ul>", *(finding_item(f) for f in findings), "</ul>"]
        out.append("</section>")
    out += ['<section id="findings"><h2>All findings</h2>', *findings_table(report), "</section>"]
    out.append("</main></body></html>")
    return "\n".join(out) + "\n"
