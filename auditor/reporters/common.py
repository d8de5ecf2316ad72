"""What the report formats share: a safe copy of the report, and its findings by key.

Key names, ids and scopes come from untrusted files: `safe` redacts any secret
in any string and passes it through its medium's function of auditor/output/escape.py
(by default `clean`: no control, bidi or other invisible character), before a
format escapes the text for itself; every format renders such a copy (JSON,
which escapes for itself and stays exact data, only redacts).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable

from auditor.output.escape import clean
from auditor.rules.registry import SEVERITIES, severity_rank
from auditor.secrets import redact

SEVERITY_ORDER = tuple(reversed(SEVERITIES))  # critical first
CLI_TITLES = {
    ">=18": "Appwrite CLI 18+",
    "<18": "Appwrite CLI before 18",
    "any": "Appwrite CLI",
}  # fixes.commands[].cli


def safe(value, medium: Callable[[str], str] = clean):
    """A deep copy of `value` whose strings hold no secret, each passed through `medium`."""
    if isinstance(value, str):
        return medium(redact(value))
    if isinstance(value, dict):
        return {safe(k, medium): safe(v, medium) for k, v in value.items()}
    if isinstance(value, list):
        return [safe(item, medium) for item in value]
    return value


def fail_on(report: dict) -> str:
    return report["summary"].get("failOn", "high")


def label(key: dict) -> str:
    return f"{key['name']} ({key['id']})" if key["name"] and key["name"] != key["id"] else key["id"]


def named(entry: dict) -> str:
    """A baseline entry or finding as `rule key scope`, the parts it has."""
    return " ".join(part for part in (entry["rule"], entry.get("key"), entry.get("scope")) if part)


def sentence(text: str) -> str:
    """`text` ending in a full stop, unless it already ends in punctuation."""
    return text if text.rstrip().endswith((".", "?", "!")) else text + "."


def unknown_keys_text(summary: dict) -> str | None:
    """summary.unknownKeys in words; None when the logs named no key that no definition names."""
    unknown = summary.get("unknownKeys")
    if not unknown or not unknown["keys"]:
        return None
    about = "about " if unknown["keysEstimated"] else ""
    text = f"{about}{plural(unknown['keys'], 'key id')} no definition names made {plural(unknown['calls'], 'call')}"
    if unknown["aggregatedKeys"] or unknown["aggregatedCalls"]:
        text += (
            f": {unknown['reported']} reported one by one, {about}{unknown['aggregatedKeys']} with "
            f"{plural(unknown['aggregatedCalls'], 'call')} counted together (unknown-key keeps {unknown['keep']})"
        )
    return text


def plural(count: int, word: str) -> str:
    """`1 call`, `2 calls`."""
    return f"{count} {word}{'' if count == 1 else 's'}"


def where(location: dict | None) -> str:
    if not location:
        return ""
    return f"{location['file']}:{location['line']}" if location["line"] else location["file"]


def findings_by_key(report: dict) -> tuple[dict[int, list[dict]], list[tuple[str | None, list[dict]]]]:
    """Findings per defined key (by index in report["keys"]), and those of keys no definition names.

    A finding belongs to the first defined key with its id and project; the
    rest are grouped by key id (None: findings tied to no key, such as a secret
    in a file that no key definition owns).
    """
    index = {}
    for number, key in enumerate(report["keys"]):
        index.setdefault((key["project"], key["id"]), number)
    defined: dict[int, list[dict]] = {number: [] for number in range(len(report["keys"]))}
    others: dict[str | None, list[dict]] = {}
    for finding in report["findings"]:
        number = index.get((finding["project"], finding["key"]))
        if number is None:
            others.setdefault(finding["key"], []).append(finding)
        else:
            defined[number].append(finding)
    return defined, sorted(others.items(), key=lambda item: (item[0] is None, item[0] or ""))


def worst(findings: list[dict]) -> str | None:
    return max((f["severity"] for f in findings), key=severity_rank, default=None)


def diff(old: list[str], new: list[str]) -> list[str]:
    """`  kept`, `- removed`, `+ added` lines; a value with line breaks stays on one line."""
    flat = [" ".join(s.splitlines()) for s in old], [" ".join(s.splitlines()) for s in new]
    out = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=flat[0], b=flat[1], autojunk=False).get_opcodes():
        if tag == "equal":
            out += ["  " + s for s in flat[0][i1:i2]]
        else:
            out += ["- " + s for s in flat[0][i1:i2]] + ["+ " + s for s in flat[1][j1:j2]]
    return out
