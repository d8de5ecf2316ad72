"""`--config FILE`: YAML or JSON, checked against schemas/config.schema.json."""

from __future__ import annotations

from auditor.loaders.document import load_document
from auditor.policy.load import check_with_policy


def load_config(path: str | None) -> dict:
    if path is None:
        return {}
    doc = load_document(path)
    check_with_policy(doc, "config.schema.json", "config")
    return doc.value
