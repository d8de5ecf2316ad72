"""`keyaudit job report --format html`: one self-contained page (inline CSS and SVG, no script, no outside
resource) with two charts, findings per run by severity and calls per key per day, and the findings tables.

Renders the dict of auditor/state/report.py; every string from outside goes through `safe` and escape.html.
"""

from __future__ import annotations

from auditor.output.escape import html as e
from auditor.output.svg_chart import Series, stacked_bars
from auditor.reporters.common import SEVERITY_ORDER, safe
from auditor.reporters.html_report import CSP

SEVERITY_COLOURS = {"critical": "#8b1020", "high": "#c2410c", "medium": "#a16207", "low": "#1d4ed8", "info": "#57606a"}
KEY_COLOURS = ("#0f766e", "#7c3aed", "#b45309", "#2563eb", "#be185d", "#4d7c0f", "#0369a1", "#9f1239")
OTHER_COLOUR = "#9ca3af"
STYLE = """
body{font:14px/1.45 system-ui,sans-serif;color:#1f2328;margin:0 auto;max-width:1000px;padding:16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:24px 0 8px}
.meta{color:#57606a;margin:0}
figure{margin:8px 0;overflow-x:auto}figcaption{color:#57606a;font-size:12px}
table{border-collapse:collapse;width:100%;margin:4px 0 12px}
th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #d0d7de;vertical-align:top}
th{background:#f6f8fa}.id{color:#57606a;font-family:ui-monospace,monospace;font-size:12px}
.badge{color:#fff;border-radius:4px;padding:1px 6px;font-size:12px}
"""


def render(report: dict) -> str:
    report = safe(report)
    last, previous = report["lastRun"], report["previousRun"]
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        "<title>keyaudit job report</title>",
        f"<style>{STYLE}</style></head><body>",
        "<h1>keyaudit job report</h1>",
        f'<p class="meta">Run {last["id"]} at {e(last["at"])}: window of {last["windowDays"]} days from '
        f"{e(last['windowStart'][:10])}, {last['linesRead']} new lines read ({last['badLines']} bad); "
        + (f"compared with run {previous['id']} at {e(previous['at'])}." if previous else "no previous run.")
        + "</p>",
        "<h2>Findings per run</h2>",
        _figure(_findings_chart(report["findingsPerRun"]), "Open findings of each run whose findings are kept"),
        "<h2>Calls per key per day</h2>",
        _figure(_calls_chart(report["callsPerDay"]), "The busiest keys over the window; the rest as other"),
    ]
    for title, name in (("New since the previous run", "new"), ("Fixed since then", "fixed"), ("Open", "open")):
        out += _table(f"{title}: {len(report[name])}", report[name], with_age=name == "open")
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def _figure(svg: str, caption: str) -> str:
    return f"<figure>{svg}<figcaption>{e(caption)}</figcaption></figure>"


def _findings_chart(runs: list[dict]) -> str:
    labels = [f"#{r['run']} {r['at'][5:10]}" for r in runs]
    series = [
        Series(severity, [r["bySeverity"].get(severity, 0) for r in runs], SEVERITY_COLOURS[severity])
        for severity in SEVERITY_ORDER
        if any(r["bySeverity"].get(severity) for r in runs)
    ]
    return stacked_bars("Findings per run by severity", labels, series)


def _calls_chart(daily: dict) -> str:
    series = [Series(_key_label(k), k["calls"], KEY_COLOURS[n % len(KEY_COLOURS)]) for n, k in enumerate(daily["keys"])]
    if daily["other"]:
        series.append(Series("other", daily["other"], OTHER_COLOUR))
    return stacked_bars("Calls per key per day", [day[5:] for day in daily["days"]], series)


def _key_label(key: dict) -> str:
    return f"{key['keyName']} ({key['key']})" if key["keyName"] else key["key"]


def _table(title: str, found: list[dict], with_age: bool) -> list[str]:
    out = [f"<h2>{e(title)}</h2>"]
    if not found:
        return out
    headers = ["severity", "rule", "key", "scope", "message"] + (["open since", "days"] if with_age else [])
    out.append("<table><thead><tr>" + "".join(f"<th>{h}</th>" for h in headers) + "</tr></thead><tbody>")
    for f in found:
        key = f"{e(f['keyName'])} <span class=id>{e(f['key'])}</span>" if f["keyName"] else e(f["key"] or "")
        cells = [
            f'<span class="badge" style="background:{SEVERITY_COLOURS[f["severity"]]}">{e(f["severity"])}</span>',
            e(f["rule"]),
            key,
            e(f["scope"] or ""),
            e(f["message"]),
        ] + ([e(f["openSince"][:10]), str(f["openDays"])] if with_age else [])
        out.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    out.append("</tbody></table>")
    return out
