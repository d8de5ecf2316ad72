"""The one check of a key file's structure against its kind's schema, as every key loader refuses a bad file."""

from __future__ import annotations

from auditor.errors import InputError
from auditor.loaders.detect import SCHEMA_REFS
from auditor.loaders.document import Document
from auditor.validation.schemas import violations

CLI_HINT = (
    "keys have no scopes: `appwrite project list-keys --json` drops them; "
    "export with `appwrite project list-keys --raw` (CLI 18+; `appwrite projects list-keys --raw` before)"
)


def missing_scopes_hint(kind: str, problems) -> str | None:
    if kind == "key-export" and any("missing required field 'scopes'" in p.message for p in problems):
        return CLI_HINT
    return None


def check_structure(doc: Document, kind: str, shape: str | None) -> None:
    """Raise an InputError naming file, line and the first problem in the file when `doc` is not a valid `kind` of
    `shape`, and how many more there are."""
    problems = violations(doc.value, SCHEMA_REFS[(kind, shape)], None)
    if problems:
        first = min(problems, key=lambda problem: doc.line(problem.pointer) or 0)  # ties: in pointer order
        hint = missing_scopes_hint(kind, problems)
        line = doc.line(first.pointer)
        where = f"{doc.name}:{line}" if line else doc.name
        others = len(problems) - 1
        more = (
            f" (and {others} more problem{'s' if others > 1 else ''}: `keyaudit validate` lists them)" if others else ""
        )
        raise InputError(f"{where}: invalid {kind} at {first.pointer or '/'}: {hint or first.message}{more}")
