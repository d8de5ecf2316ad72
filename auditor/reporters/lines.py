"""`--format lines`: `file:line: severity rule: message`, one line per finding, as
pre-commit hooks and compilers print (editors and CI annotators jump to them).

Nothing is printed for a clean run; what exceptions and a baseline hid is said
in lines that start with `keyaudit:`.
"""

from __future__ import annotations

from auditor.reporters.common import named, safe


def _where(location: dict | None) -> str:
    if not location:
        return ""
    return f"{location['file']}:{location['line']}" if location["line"] else location["file"]


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def render(report: dict) -> str:
    report = safe(report)
    out = []
    for finding in report["findings"]:
        where = _where(finding["location"])
        message = " ".join(finding["message"].splitlines())  # a name with a line break cannot forge a finding line
        out.append(f"{where + ': ' if where else ''}{finding['severity']} {finding['rule']}: {message}")
    exceptions = report["summary"]["exceptions"]
    if exceptions["suppressed"]:
        used = [f"{_where(e['location'])} ({e['rule']} {e['key']}{' ' + e['scope'] if e['scope'] else ''}): "
                f"{e['suppressed']}" for e in exceptions["entries"] if e["suppressed"]]
        out.append(f"keyaudit: {_plural(exceptions['suppressed'], 'finding')} silenced by exceptions: "
                   + "; ".join(used))
    baseline = report["summary"]["baseline"]
    if baseline:
        if baseline["suppressed"]:
            out.append(f"keyaudit: {_plural(baseline['suppressed'], 'known finding')} hidden by baseline "
                       f"{baseline['file']}")
        for entry in baseline["absent"]:
            out.append(f"keyaudit: baseline {baseline['file']} holds a finding that no longer occurs: {named(entry)}"
                       + (f" in {entry['file']}" if entry.get("file") else ""))
        for item in baseline["mismatched"]:
            out.append(f"keyaudit: baseline {baseline['file']} entry {named(item['entry'])} has the fingerprint of "
                       f"{named(item['finding'])}: not honoured, the finding is reported")
    return "".join(line + "\n" for line in out)
