"""One project's functions and sites defined in more than one file: a warning, not an error.

A repository can hold both an old `appwrite.json` and the `appwrite.config.json` the CLI writes from version 20
(or a per-function appwrite.json beside the project file). Appwrite deploys one definition; keyaudit audits
both and says so, so a reader does not count one function's findings twice without knowing why.
"""

from __future__ import annotations

from auditor.model import KeyDefinition

MAX_WARNING_LINES = 5  # on stderr; the report's notes hold every one


def shown_warnings(warnings: list[str]) -> list[str]:
    """The warning lines for the terminal: the first MAX_WARNING_LINES, then one line for the rest (a generated
    project can repeat thousands of functions)."""
    if len(warnings) <= MAX_WARNING_LINES:
        return warnings
    rest = len(warnings) - MAX_WARNING_LINES
    return [*warnings[:MAX_WARNING_LINES], f"and {rest} more like these (--format json lists each in summary.notes)"]


def repeated_resources(keys: list[KeyDefinition]) -> list[str]:
    """One line per function or site (by project and id) that more than one file defines."""
    places: dict[tuple[str | None, str], list[KeyDefinition]] = {}
    for key in keys:
        if key.kind in ("function", "site"):
            places.setdefault((key.project, key.id), []).append(key)
    warnings = []
    for (project, key_id), defined in places.items():
        files = list(dict.fromkeys(key.location.file for key in defined))
        if len(files) > 1:
            of = f" of project {project}" if project else ""
            where = ", ".join(str(key.location) for key in defined)
            warnings.append(f"{key_id}{of} is defined in {len(files)} files ({where}); each definition is audited")
    return warnings
