"""Routes and scope registry of the Appwrite 2.x catalogs (self-hosted 2.0–2.5 and Cloud).

Sources (read from `../shared/appwrite`, never copied):
- a route table transcribed from an appwrite/specs server spec (`routes-2.4.0-from-cloud-spec.json`: method,
  path, `x-appwrite.scope` list, platforms); the spec is Cloud's, so it holds Cloud-only routes;
- `key-scopes-by-api-version.json`: key scopes per API version (the Python SDK's `ProjectKeyScopes`, which is
  Cloud's list) and the open-source server's own lists;
- `scopes.json` (renames, descriptions) and `routes-1.9.6-from-source.json`, the last 1.x routes, to tell which
  2.x routes stopped accepting a 1.x name.

Self-hosted and Cloud differ by the scopes and routes only Cloud has. A scope is Cloud-only when Cloud's list has
it, no open-source list does and it is not one 2.0 added to the open-source server (DocumentsDB, VectorsDB); a
route is Cloud-only when it lives under a Cloud-only service or only Cloud-only scopes open it.

Renames are decided from each route's scope list, never from a path: 1.x's `old → new` stays a rename only if
every 2.x route that takes `old` also takes `new`, or is a 1.9 route that took `old` alone (a legacy route the
new name never reached). Where a route gives `old` another meaning (Cloud's backup policies take `policies.*`
beside `backups.policies.*`; Cloud's OAuth2 server owns `oauth2.*`), swapping the name would drop that access,
so `old` stays a valid name there (`stillValid`, with the routes that keep it).
"""

from __future__ import annotations

import json
from pathlib import Path

# Services Appwrite serves on Cloud only (appwrite/specs 2.4.x server spec vs the open-source server).
CLOUD_ONLY_SERVICES = (
    "analytics",
    "apps",
    "backups",
    "domains",
    "mongo",
    "mysql",
    "oauth2",
    "organization",
    "postgresql",
    "waf",
)
# Scope families 2.0 added to the open-source server (Cloud's list also has them).
SELF_HOSTED_SINCE_2_0 = ("documentsdb.", "vectorsdb.")
OPEN_SOURCE_LISTS = ("oss_1.9.6", "oss_main_2026-08-21")
CLOUD_LIST = "sdk_py_25-27_api2.5.0"
PREVIOUS_ROUTES = "routes-1.9.6-from-source.json"
KEY_SCOPES_FILE = "key-scopes-by-api-version.json"


def _table(shared: Path, name: str) -> tuple[dict, list[dict]]:
    table = json.loads((shared / name).read_text())
    columns = table["columns"]
    return table, [dict(zip(columns, row)) for row in table["rows"]]


def cloud_only_scopes(lists: dict) -> list[str]:
    open_source = set().union(*(lists[name] for name in OPEN_SOURCE_LISTS))
    return sorted(s for s in lists[CLOUD_LIST] if s not in open_source and not s.startswith(SELF_HOSTED_SINCE_2_0))


def is_cloud_only_route(path: str, scopes: list[str], cloud_only: set[str]) -> bool:
    service = path.strip("/").split("/")[0]
    keyed = [s for s in scopes if "." in s]
    return service in CLOUD_ONLY_SERVICES or bool(keyed) and all(s in cloud_only for s in keyed)


def routes_from_table(shared: Path, name: str, cloud: bool, cloud_only: set[str]) -> dict[tuple[str, str], dict]:
    _, rows = _table(shared, name)
    routes: dict[tuple[str, str], dict] = {}
    for row in rows:
        method, path, scopes = row["method"], row["path"], list(row["scope"])
        if not cloud and is_cloud_only_route(path, scopes, cloud_only):
            continue
        if (method, path) in routes:
            raise SystemExit(f"duplicate route {method} {path} in {name}")
        routes[(method, path)] = {
            "scopes": scopes,
            "key": "server" in row["platforms"],
            "deprecated": bool(row["deprecated"]),
            "replacedBy": None,
            "sdk": None,
        }
    return routes


def _previous_scopes(shared: Path) -> dict[tuple[str, str], list[str]]:
    _, rows = _table(shared, PREVIOUS_ROUTES)
    return {(row["method"], row["path"]): list(row["scope"]) for row in rows}


def _route_label(method: str, path: str) -> str:
    return f"{method} /v1{path}"


def split_renames(candidates: dict[str, str], routes: dict, previous: dict) -> tuple[dict, dict]:
    """(renamed, stillValid): which 1.x renames are safe swaps on these routes, and why the others are not."""
    renamed, still_valid = {}, {}
    for old, new in sorted(candidates.items()):
        keeping = [
            (method, path)
            for (method, path), route in sorted(routes.items())
            if old in route["scopes"] and new not in route["scopes"] and previous.get((method, path)) != [old]
        ]
        if not keeping:
            renamed[old] = new
            continue
        method, path = keeping[0]
        others = [s for s in routes[(method, path)]["scopes"] if s != old]
        beside = f" (beside {', '.join(others)})" if others else ""
        routes_accept = "1 route accepts" if len(keeping) == 1 else f"{len(keeping)} routes accept"
        still_valid[old] = (
            f"{routes_accept} {old} but not {new}, e.g. "
            f"{_route_label(method, path)}{beside}: swapping it for {new} would drop access"
        )
    return renamed, still_valid


def moved_on_routes(routes: dict, previous: dict, key_scopes: set[str]) -> list[dict]:
    """1.9 names that 2.x routes no longer accept, with the name that took their place there.

    `documents.read` opened DocumentsDB's document routes in 1.9; from 2.0 only documentsdb.documents.read
    does, while TablesDB row routes still accept documents.read: a move on some routes, not a rename.
    """
    moves: dict[tuple[str, str], list[str]] = {}
    for (method, path), route in sorted(routes.items()):
        before = previous.get((method, path))
        if before is None:
            continue
        gone = [s for s in before if s in key_scopes and s not in route["scopes"]]
        came = [s for s in route["scopes"] if s in key_scopes and s not in before]
        if len(gone) == 1 and len(came) == 1:
            moves.setdefault((gone[0], came[0]), []).append(_route_label(method, path))
    return [
        {"old": old, "new": new, "routes": len(labels), "example": labels[0]}
        for (old, new), labels in sorted(moves.items())
    ]


def build_v2(source: dict, shared: Path, scopes_json: dict) -> tuple[dict, dict, list[str]]:
    """(routes, scope registry, source files) of one 2.x catalog."""
    lists = json.loads((shared / KEY_SCOPES_FILE).read_text())["scopes"]
    cloud = source["edition"] == "cloud"
    cloud_only = cloud_only_scopes(lists)
    routes = routes_from_table(shared, source["routes"], cloud, set(cloud_only))
    key_scopes = set(lists[source["keyScopes"]])
    if not cloud:
        key_scopes -= set(cloud_only)
    previous = _previous_scopes(shared)
    candidates = {
        d["old"]: d["new"] for d in scopes_json["renameDetails"] if d["old"] in key_scopes and d["new"] in key_scopes
    }
    renamed, still_valid = split_renames(candidates, routes, previous)
    descriptions = {**scopes_json["versions"]["1.9.6"]["scopes"], **scopes_json["versions"]["main"]["scopes"]}
    registry = {
        "source": f"{KEY_SCOPES_FILE} scopes[{source['keyScopes']!r}]"
        + ("" if cloud else " without Cloud-only scopes"),
        "key": sorted(key_scopes),
        "descriptions": {name: descriptions.get(name, "") for name in sorted(key_scopes)},
        "renamed": renamed,
        "stillValid": still_valid,
        "movedOnRoutes": moved_on_routes(routes, previous, key_scopes),
        "cloudOnly": [] if cloud else cloud_only,
        "implicit": list(scopes_json["implicitKeyScopes"]),
        "neverOnKey": sorted(set(scopes_json["routeScopesNoKeyHolds"]) | {"console"}),
    }
    return routes, registry, [source["routes"], KEY_SCOPES_FILE, PREVIOUS_ROUTES]
