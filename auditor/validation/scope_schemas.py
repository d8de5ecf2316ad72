"""Build `schemas/scopes/appwrite-<version>.schema.json` from the catalog."""

from __future__ import annotations

import json

from auditor.catalog.catalog import Catalog

BASE_URI = "https://keyaudit.dev/schemas/"


def scope_schema(catalog: Catalog) -> dict:
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"{BASE_URI}scopes/appwrite-{catalog.version}.schema.json",
        "title": f"API key scopes of Appwrite {catalog.version} ({catalog.release})",
        "description": "Generated from the keyaudit catalog; deprecated names stay valid (Appwrite still accepts them).",
        "type": "string",
        "enum": sorted(catalog.key_scopes),
        "x-keyaudit": {
            "deprecated": catalog.renamed,
            "implicit": list(catalog.implicit),
            "gatesNoRoute": sorted(catalog.key_scopes - catalog.gating_scopes),
            **({"cloudOnly": sorted(catalog.cloud_only)} if catalog.cloud_only else {}),
        },
    }


def render(schema: dict) -> str:
    return json.dumps(schema, indent=2) + "\n"
