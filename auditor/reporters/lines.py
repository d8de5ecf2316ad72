"""`--format lines`: `file:line: severity rule: message (fix: …)`, one line per finding, as
pre-commit hooks and compilers print (editors and CI annotators jump to them).

Nothing is printed for a clean run; what exceptions and a baseline hid is said
in lines that start with `keyaudit:`.
"""

from __future__ import annotations

from auditor.output.escape import terminal
from auditor.reporters.common import named, plural, safe, unknown_keys_text


def _where(location: dict | None) -> str:
    """`file:line`; a file named `::command::…` is written `./::command::…`, so that a line never starts
    with `::` (GitHub Actions takes such a line from a log as a workflow command)."""
    if not location:
        return ""
    file = f"./{location['file']}" if location["file"].startswith(":") else location["file"]
    return f"{file}:{location['line']}" if location["line"] else file


def render(report: dict) -> str:
    report = safe(report, terminal)  # every field one line: a name cannot forge a finding line
    out = []
    for finding in report["findings"]:
        where = _where(finding["location"])
        fix = f" (fix: {finding['fix']})" if finding.get("fix") else ""
        step = f" (next: {finding['next']})" if finding.get("next") else ""
        out.append(
            f"{where + ': ' if where else ''}{finding['severity']} {finding['rule']}: {finding['message']}{fix}{step}"
        )
    exceptions = report["summary"]["exceptions"]
    if exceptions["suppressed"]:
        used = [
            f"{_where(e['location'])} ({e['rule']} {e['key']}{' ' + e['scope'] if e['scope'] else ''}): "
            f"{e['suppressed']}"
            for e in exceptions["entries"]
            if e["suppressed"]
        ]
        out.append(
            f"keyaudit: {plural(exceptions['suppressed'], 'finding')} silenced by exceptions: " + "; ".join(used)
        )
    if unknown := unknown_keys_text(report["summary"]):
        out.append(f"keyaudit: {unknown}")
    baseline = report["summary"]["baseline"]
    if baseline:
        if baseline["suppressed"]:
            out.append(
                f"keyaudit: {plural(baseline['suppressed'], 'known finding')} hidden by baseline {baseline['file']}"
            )
        for entry in baseline["absent"]:
            out.append(
                f"keyaudit: baseline {baseline['file']} holds a finding that no longer occurs: {named(entry)}"
                + (f" in {entry['file']}" if entry.get("file") else "")
            )
        for item in baseline["mismatched"]:
            out.append(
                f"keyaudit: baseline {baseline['file']} entry {named(item['entry'])} has the fingerprint of "
                f"{named(item['finding'])}: not honoured, the finding is reported"
            )
    return "".join(line + "\n" for line in out)
