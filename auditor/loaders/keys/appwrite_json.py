"""Function and site keys from Appwrite CLI project files (appwrite.json, appwrite.config.json).

Appwrite mints a short-lived key for every execution of a function (and every
server-side render of a site) holding the scopes listed here. keyaudit names it
`function:<$id>` / `site:<$id>`, as the call recorder does; such keys expire by
themselves, so expiry rules do not apply to them. A project whose `endpoint` is an
Appwrite Cloud host lives on Cloud: its keys declare the `cloud` catalog.

Shapes: the project file (`functions`, `sites`, and from CLI 20 `includes` naming
other files, read by appwrite_includes.py), a bare array of functions or sites (a
file `includes` names), and a single function or site object (the per-function
appwrite.json some projects keep next to each function's code).
"""

from __future__ import annotations

from auditor.catalog.versions import CLOUD, is_cloud_endpoint
from auditor.loaders.detect import resource_id, resource_kind
from auditor.loaders.document import Document
from auditor.loaders.keys.export import scope_locations
from auditor.model import KeyDefinition, Location

SECTIONS = (("functions", "function"), ("sites", "site"))
ARRAY_KINDS = {"functionArray": "function", "siteArray": "site"}


def keys_from_appwrite_json(
    doc: Document, shape: str | None = None, project: dict | None = None
) -> list[KeyDefinition]:
    """Keys of one file of shape `shape` (detect.py); `project` is the including project file's value, which names
    the project and endpoint of entries read through its `includes`."""
    if shape in ARRAY_KINDS:
        entries = [(f"/{index}", item) for index, item in enumerate(doc.value)]
        return resource_keys(doc, entries, ARRAY_KINDS[shape], project or {})
    if shape in ("function", "site"):
        return resource_keys(doc, [("", doc.value)], shape, project or {})
    keys = []
    for section, kind in SECTIONS:
        entries = [(f"/{section}/{index}", item) for index, item in enumerate(doc.value.get(section) or [])]
        keys.extend(resource_keys(doc, entries, kind, doc.value))
    return keys


def resource_keys(doc: Document, entries: list[tuple[str, dict]], kind: str, project: dict) -> list[KeyDefinition]:
    """One key per entry (pointer, value); an entry that says it is a site is one, whatever its section."""
    on_cloud = is_cloud_endpoint(project.get("endpoint"))
    keys = []
    for pointer, item in entries:
        entry_kind = resource_kind(item) or kind
        scopes = list(item.get("scopes") or [])
        keys.append(
            KeyDefinition(
                id=f"{entry_kind}:{resource_id(item)}",
                scopes=scopes,
                location=Location(doc.name, doc.line(pointer), pointer),
                name=item.get("name") or resource_id(item),
                project=project.get("projectId"),
                expires_by_itself=True,
                appwrite_version=CLOUD if on_cloud else None,
                kind=entry_kind,
                scope_locations=scope_locations(doc, f"{pointer}/scopes", scopes),
            )
        )
    return keys
