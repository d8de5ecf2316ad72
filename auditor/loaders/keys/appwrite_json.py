"""Function and site keys from an Appwrite CLI project file (appwrite.json).

Appwrite mints a short-lived key for every execution of a function (and every
server-side render of a site) holding the scopes listed here. keyaudit names it
`function:<$id>` / `site:<$id>`, as the call recorder does; such keys expire by
themselves, so expiry rules do not apply to them. A project whose `endpoint` is an
Appwrite Cloud host lives on Cloud: its keys declare the `cloud` catalog.
"""

from __future__ import annotations

from auditor.catalog.versions import CLOUD, is_cloud_endpoint
from auditor.loaders.document import Document
from auditor.loaders.keys.export import scope_locations
from auditor.model import KeyDefinition, Location


def keys_from_appwrite_json(doc: Document) -> list[KeyDefinition]:
    project = doc.value.get("projectId")
    on_cloud = is_cloud_endpoint(doc.value.get("endpoint"))
    keys = []
    for section, kind in (("functions", "function"), ("sites", "site")):
        for index, item in enumerate(doc.value.get(section) or []):
            pointer = f"/{section}/{index}"
            scopes = list(item.get("scopes") or [])
            keys.append(
                KeyDefinition(
                    id=f"{kind}:{item['$id']}",
                    scopes=scopes,
                    location=Location(doc.name, doc.line(pointer), pointer),
                    name=item.get("name") or item["$id"],
                    project=project,
                    expires_by_itself=True,
                    appwrite_version=CLOUD if on_cloud else None,
                    kind=kind,
                    scope_locations=scope_locations(doc, f"{pointer}/scopes", scopes),
                )
            )
    return keys
