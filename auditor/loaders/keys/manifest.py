"""Keys from keyaudit's own manifest (YAML or JSON kept in git)."""

from __future__ import annotations

from auditor.loaders.document import Document
from auditor.loaders.keys.export import scope_locations
from auditor.model import KeyDefinition, Location


def keys_from_manifest(doc: Document) -> list[KeyDefinition]:
    default_project = doc.value.get("project")
    version = doc.value.get("appwriteVersion")
    keys = []
    for index, item in enumerate(doc.value["keys"]):
        pointer = f"/keys/{index}"
        keys.append(
            KeyDefinition(
                id=item["id"],
                scopes=list(item["scopes"]),
                location=Location(doc.name, doc.line(pointer), pointer),
                name=item.get("name"),
                project=item.get("project", default_project),
                expire=item.get("expire"),
                created_at=item.get("createdAt"),
                accessed_at=item.get("accessedAt"),
                owner=item.get("owner"),
                purpose=item.get("purpose"),
                scope_locations=scope_locations(doc, f"{pointer}/scopes", item["scopes"]),
                appwrite_version=version,
            )
        )
    return keys
