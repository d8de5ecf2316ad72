"""`--config FILE`: YAML or JSON, checked against schemas/config.schema.json."""

from __future__ import annotations

from auditor.errors import InputError
from auditor.loaders.document import load_document
from auditor.validation.schemas import violations


def load_config(path: str | None) -> dict:
    if path is None:
        return {}
    doc = load_document(path)
    problems = violations(doc.value, "config.schema.json", None)
    if problems:
        first = problems[0]
        line = doc.line(first.pointer)
        raise InputError(f"{doc.name}{f':{line}' if line else ''}: invalid config at {first.pointer or '/'}: {first.message}")
    return doc.value
