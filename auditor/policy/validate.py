"""What the schema cannot say about a policy: placeholders that exist, scope names that exist, unique ids.

A misspelt scope in `forbiddenScopes` would silently never match, so every
name must be a key scope of some supported Appwrite version, and every glob
must match one.
"""

from __future__ import annotations

import difflib
import string
from fnmatch import fnmatchcase

from auditor.catalog.risk import taxonomy
from auditor.policy import COMMON_FIELDS, CONDITIONS, TEXT_FIELDS, condition_of

GLOB_CHARS = set("*?[")


def policy_problems(section: dict | None, base: str) -> list[tuple[str, str]]:
    """(JSON pointer, message) for each problem of a schema-valid `policy:` section at `base`."""
    found = []
    seen = set()
    for index, rule in enumerate((section or {}).get("rules") or []):
        pointer = f"{base}/rules/{index}"
        if rule["id"] in seen:
            found.append((f"{pointer}/id", f"policy rule id {rule['id']!r} is used twice"))
        seen.add(rule["id"])
        condition = condition_of(rule)
        allowed = COMMON_FIELDS + CONDITIONS[condition]
        for field in TEXT_FIELDS:
            for name, formatted in _placeholders(rule[field]):
                if formatted:  # `{key:>999999999}` would render a gigabyte per finding
                    found.append(
                        (f"{pointer}/{field}", f"{{{name}}} takes no format spec or conversion: write {{{name}}} alone")
                    )
                elif name not in allowed:
                    found.append(
                        (
                            f"{pointer}/{field}",
                            f"{{{name}}} is not a placeholder of {condition} rules "
                            f"(use {', '.join('{' + a + '}' for a in allowed)})",
                        )
                    )
        if condition in ("allowedScopes", "forbiddenScopes"):
            for position, pattern in enumerate(rule[condition]):
                problem = _scope_pattern_problem(pattern)
                if problem:
                    found.append((f"{pointer}/{condition}/{position}", problem))
    return found


def _placeholders(template: str) -> list[tuple[str, bool]]:
    """(field name, whether a format spec or conversion follows it) of each placeholder."""
    try:
        return [
            (field, bool(spec or conversion))
            for _, field, spec, conversion in string.Formatter().parse(template)
            if field is not None
        ]
    except ValueError:
        return [("<unbalanced braces>", False)]


def _scope_pattern_problem(pattern: str) -> str | None:
    known = taxonomy()
    if GLOB_CHARS & set(pattern):
        if not any(fnmatchcase(scope, pattern) for scope in known):
            return f"{pattern!r} matches no key scope of any supported Appwrite version"
        return None
    if pattern in known:
        return None
    close = difflib.get_close_matches(pattern, sorted(known), n=1, cutoff=0.75)
    hint = f"; did you mean {close[0]}?" if close else ""
    return f"{pattern!r} is not a key scope of any supported Appwrite version{hint}"
