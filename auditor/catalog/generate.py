"""Generate the route→scope catalog, one compact JSON file per Appwrite version.

Also writes `schemas/scopes/appwrite-<version>.schema.json` from each catalog.

Sources (read, never copied): `../shared/appwrite/specs/*.json` (OpenAPI 3 with
`x-appwrite.scope`), `routes-1.9.6-from-source.json` and `scopes.json`; for 2.x and
Cloud, the route table of an appwrite/specs server spec and
`key-scopes-by-api-version.json` (see generate_v2.py).

    python -m auditor.catalog.generate [--shared ../shared/appwrite] [--check]

`--check` writes nothing and exits 1 when the committed files differ.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

from auditor.catalog.catalog import Catalog
from auditor.catalog.generate_v2 import build_v2
from auditor.catalog.versions import SUPPORTED
from auditor.generated import write_or_check
from auditor.resources import data_dir
from auditor.validation import scope_schemas

REGENERATE = "python -m auditor.catalog.generate --shared ../shared/appwrite"
DATA_DIR = Path(__file__).resolve().parent / "data"
SCHEMA_DIR = data_dir("schemas") / "scopes"
DEFAULT_SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "appwrite"
HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")

# 2.x: the one 2.x spec with route data in ../shared is 2.4.0 (appwrite/specs, Cloud's). Versions without
# route data of their own use it, and their catalog's note says so; key scopes follow each API version.
V2_TABLE = "routes-2.4.0-from-cloud-spec.json"
_NO_OWN_SPEC = (
    "keyaudit has no route data of Appwrite {v}: its routes are those of the 2.4.0 spec, the nearest with "
    "route data (2.0 introduced its DocumentsDB, VectorsDB and project OAuth2 scopes); routes added after "
    "{v} are listed too"
)
V2_SELF_HOSTED = (
    *((v, "sdk_py_24.0.0_api2.0.0", _NO_OWN_SPEC.format(v=v)) for v in ("2.0", "2.1", "2.2", "2.3")),
    ("2.4", "sdk_py_25-27_api2.5.0", "routes of the 2.4.0 spec without Cloud-only services"),
    (
        "2.5",
        "sdk_py_25-27_api2.5.0",
        "keyaudit has no route data of Appwrite 2.5: its routes are those of the 2.4.0 "
        "spec, the nearest older one, without Cloud-only services",
    ),
)

# Where each catalog comes from: the spec files (server first, then console) or
# the 1.9.6 source table, and the scopes.json entry that lists its key scopes.
# 1.8 takes its routes from the 1.8.x branch head (newest 1.8 SDKs call routes the
# tag lacks) but its key scopes from the 1.8.1 release: the branch-only scopes
# project.*, schedules.*, webhooks.* gate no 1.8 route and no 1.8 release accepts them.
SOURCES = {
    "1.6": {
        "release": "1.6.2",
        "specs": ["open-api3-1.6.2-server.json", "open-api3-1.6.2-console.json"],
        "scopes": "1.6.2",
    },
    "1.7": {
        "release": "1.7.4",
        "specs": ["open-api3-1.7.4-server.json", "open-api3-1.7.4-console.json"],
        "scopes": "1.7.5",
    },
    "1.8": {
        "release": "1.8.1",
        "specs": ["open-api3-1.8.1-server.json", "open-api3-1.8.1-console.json"],
        "scopes": "1.8.1",
    },
    "1.9": {"release": "1.9.6", "routes": "routes-1.9.6-from-source.json", "scopes": "1.9.6"},
    **{
        version: {"release": "2.4.0", "routes": V2_TABLE, "keyScopes": scopes, "edition": "self-hosted", "note": note}
        for version, scopes, note in V2_SELF_HOSTED
    },
    "cloud": {
        "release": "2.4.0",
        "routes": V2_TABLE,
        "keyScopes": "sdk_py_25-27_api2.5.0",
        "edition": "cloud",
        "note": "Appwrite Cloud serves 2.5.x; routes are those of the 2.4.0 Cloud spec, the newest with route data",
    },
}

# Utopia's router tries parameter positions in the order routes first registered
# them (Router::$params). The specs are sorted, so that order is not in the data;
# Appwrite registers account.php first, whose first parametrised route is
# /v1/account/sessions/:sessionId (position 3), then its OAuth2 routes (4, 5, 6),
# then services with ids right after the service name (2). Deeper positions follow.
PARAM_ORDER_HEAD = [3, 4, 5, 6, 2]


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _release_tuple(release: str) -> tuple[int, ...]:
    return tuple(int(part) for part in release.split(".")[:3])


def _as_list(scope) -> list[str]:
    if scope is None:
        return []
    return list(scope) if isinstance(scope, list) else [scope]


def routes_from_specs(shared: Path, files: list[str]) -> dict[tuple[str, str], dict]:
    routes: dict[tuple[str, str], dict] = {}
    for name in files:
        spec = json.loads((shared / "specs" / name).read_text())
        for path, item in spec["paths"].items():
            for method, operation in item.items():
                method = method.upper()
                if method not in HTTP_METHODS:
                    continue
                meta = operation.get("x-appwrite", {})
                key_access = any("Key" in req for req in operation.get("security", []))
                deprecation = meta.get("deprecated")
                route = routes.setdefault(
                    (method, path),
                    {
                        "scopes": _as_list(meta.get("scope")),
                        "key": False,
                        "deprecated": False,
                        "replacedBy": None,
                        "sdk": f"{(operation.get('tags') or [''])[0]}.{meta.get('method')}",
                    },
                )
                route["key"] = route["key"] or key_access
                if operation.get("deprecated") or deprecation:
                    route["deprecated"] = True
                if isinstance(deprecation, dict) and deprecation.get("replaceWith"):
                    route["replacedBy"] = deprecation["replaceWith"]
    return routes


def routes_from_source(shared: Path, name: str) -> dict[tuple[str, str], dict]:
    table = json.loads((shared / name).read_text())
    column = {col: i for i, col in enumerate(table["columns"])}
    routes: dict[tuple[str, str], dict] = {}
    for row in table["rows"]:
        method, path = row[column["method"]], row[column["path"]]
        auth = row[column["auth"]]
        methods = row[column["sdkMethods"]]
        if (method, path) in routes:
            raise SystemExit(f"duplicate route {method} {path} in {name}")
        routes[(method, path)] = {
            "scopes": list(row[column["scope"]]),
            "key": None if auth is None else "KEY" in auth,
            "deprecated": bool(row[column["deprecatedSince"]]),
            "replacedBy": row[column["replaceWith"]],
            "sdk": f"{row[column['namespace']]}.{methods[0]}" if methods else None,
        }
    return routes


def _param_positions(path: str) -> list[int]:
    parts = ["v1"] + [p for p in path.split("/") if p]
    return [i for i, part in enumerate(parts) if part.startswith("{")]


def param_order(routes) -> list[int]:
    used = sorted({pos for (_, path) in routes for pos in _param_positions(path)})
    head = [pos for pos in PARAM_ORDER_HEAD if pos in used]
    return head + [pos for pos in used if pos not in head]


def scope_registry(scopes_json: dict, entry: str, release: str) -> dict:
    version = scopes_json["versions"][entry]
    key_scopes = sorted(version["scopes"])
    renames = {}
    for detail in scopes_json["renameDetails"]:
        since = detail["since"]
        if not since[0].isdigit() or _release_tuple(since) > _release_tuple(release):
            continue
        if detail["old"] in version["scopes"]:
            renames[detail["old"]] = detail["new"]
    return {
        "source": f"scopes.json versions[{entry!r}]",
        "key": key_scopes,
        "descriptions": {name: version["scopes"][name] for name in key_scopes},
        "renamed": dict(sorted(renames.items())),
        "implicit": list(scopes_json["implicitKeyScopes"]),
        "neverOnKey": sorted(set(scopes_json["routeScopesNoKeyHolds"]) | {"console"}),
    }


def _resolve_replacements(routes: dict) -> None:
    """Turn `tablesDB.listTables` into the route it names, where the catalog has it."""
    by_sdk = {}
    for (method, path), route in routes.items():
        if route["sdk"] and not route["deprecated"]:
            by_sdk.setdefault(route["sdk"].lower(), f"{method} /v1{path}")
    for route in routes.values():
        target = route["replacedBy"]
        if target and target.lower() in by_sdk:
            route["replacedBy"] = f"{target} ({by_sdk[target.lower()]})"


def build(version: str, shared: Path) -> dict:
    source = SOURCES[version]
    scopes_json = json.loads((shared / "scopes.json").read_text())
    if "keyScopes" in source:
        return _build_v2(version, source, shared, scopes_json)
    if "specs" in source:
        files = [f"specs/{name}" for name in source["specs"]]
        routes = routes_from_specs(shared, source["specs"])
    else:
        files = [source["routes"]]
        routes = routes_from_source(shared, source["routes"])
    _resolve_replacements(routes)
    files.append("scopes.json")
    return {
        "version": version,
        "release": source["release"],
        "regenerate": REGENERATE,
        "sources": [{"file": name, "sha256": sha256_of(shared / name)} for name in files],
        "paramOrder": param_order(routes),
        "scopes": scope_registry(scopes_json, source["scopes"], source["release"]),
        "columns": ["method", "route", "scopes", "keyAccess", "deprecated", "replacedBy"],
        "routes": _rows(routes),
    }


def _build_v2(version: str, source: dict, shared: Path, scopes_json: dict) -> dict:
    routes, registry, files = build_v2(source, shared, scopes_json)
    table = json.loads((shared / source["routes"]).read_text())
    recorded = [{"file": name, "sha256": sha256_of(shared / name)} for name in [*files, "scopes.json"]]
    recorded[0].update({"repo": table["repo"], "path": table["path"], "commit": table["commit"]})
    return {
        "version": version,
        "release": source["release"],
        "edition": source["edition"],
        "note": source["note"],
        # a server spec's routes: console and project routes (/v1/projects, /v1/migrations, /v1/vcs, /v1/health)
        # are missing, so a key scope that opens none of these routes may still open one of those
        "routesComplete": False,
        "regenerate": REGENERATE,
        "sources": recorded,
        "paramOrder": param_order(routes),
        "scopes": registry,
        "columns": ["method", "route", "scopes", "keyAccess", "deprecated", "replacedBy"],
        "routes": _rows(routes),
    }


def _rows(routes: dict) -> list[list]:
    return [
        [method, "/v1" + path, route["scopes"], route["key"], route["deprecated"], route["replacedBy"]]
        for (method, path), route in sorted(routes.items(), key=lambda item: (item[0][1], item[0][0]))
    ]


def render(catalog: dict) -> str:
    head = {k: v for k, v in catalog.items() if k != "routes"}
    text = json.dumps(head, indent=1, sort_keys=False)[:-2]
    rows = ",\n  ".join(json.dumps(row, separators=(",", ":")) for row in catalog["routes"])
    return f'{text},\n "routes": [\n  {rows}\n ]\n}}\n'


def outputs(shared: Path):
    """(target file, text) for every generated file: catalogs, then scope schemas."""
    for version in SUPPORTED:
        data = build(version, shared)
        yield DATA_DIR / f"appwrite-{version}.json", render(data)
        schema = scope_schemas.scope_schema(Catalog(data))
        yield SCHEMA_DIR / f"appwrite-{version}.schema.json", scope_schemas.render(schema)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    parser.add_argument("--check", action="store_true", help="compare, write nothing")
    args = parser.parse_args(argv)
    return write_or_check(outputs(args.shared), args.check, REGENERATE)


if __name__ == "__main__":
    sys.exit(main())
