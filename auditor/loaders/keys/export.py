"""Keys from an Appwrite export: a keyList, a single key, or a plain list of keys."""

from __future__ import annotations

from auditor.loaders.document import Document, escape_pointer_token
from auditor.model import KeyDefinition, Location
from auditor.secrets import classify_secret


def keys_from_export(doc: Document, shape: str) -> list[KeyDefinition]:
    if shape == "keyList":
        items, base = doc.value["keys"], "/keys"
    elif shape == "keyArray":
        items, base = doc.value, ""
    else:
        items, base = [doc.value], None
    keys = []
    for index, item in enumerate(items):
        pointer = "" if base is None else f"{base}/{index}"
        state, digest = classify_secret(item.get("secret"))
        keys.append(
            KeyDefinition(
                id=item["$id"],
                scopes=list(item["scopes"]),
                location=Location(doc.name, doc.line(pointer), pointer),
                name=item.get("name"),
                project=item.get("projectId"),
                expire=item.get("expire") or None,
                created_at=item.get("$createdAt") or None,
                accessed_at=item.get("accessedAt") or None,
                tracks_access="accessedAt" in item,
                secret_state=state,
                # keyaudit fetch-keys writes the secret's sha256 (secretSha256) instead of the secret
                secret_sha256=digest or item.get("secretSha256"),
                scope_locations=scope_locations(doc, f"{pointer}/scopes", item["scopes"]),
            )
        )
    return keys


def scope_locations(doc: Document, pointer: str, scopes: list[str]) -> dict[str, Location]:
    locations = {}
    for index, scope in enumerate(scopes):
        child = f"{pointer}/{escape_pointer_token(index)}"
        locations.setdefault(scope, Location(doc.name, doc.line(child), child))
    return locations
