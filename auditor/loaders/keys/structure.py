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
    """Raise an InputError naming file, line and the first problem when `doc` is not a valid `kind` of `shape`."""
    problems = violations(doc.value, SCHEMA_REFS[(kind, shape)], None)
    if problems:
        first = problems[0]
        hint = missing_scopes_hint(kind, problems)
        line = doc.line(first.pointer)
        where = f"{doc.name}:{line}" if line else doc.name
        more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
        raise InputError(f"{where}: invalid {kind} at {first.pointer or '/'}: {hint or first.message}{more}")
