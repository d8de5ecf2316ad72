"""Compare a 2.x route table with the routes an installed Appwrite Python SDK calls.

    python scripts/compare_sdk_routes.py [--table ../shared/appwrite/routes-2.4.0-from-cloud-spec.json]
                                          [--sdk PATH_TO/appwrite] [--version cloud]

Reads each SDK service method's `api_path` literal and the HTTP method it passes to `client.call` (or to
`client.chunked_upload`, POST unless its `method=` says otherwise), by parsing the installed package's source,
never running it; then reports: SDK routes the table lacks, table routes no
SDK method calls, and SDK routes whose request resolves through keyaudit's catalog to another route than its
own. The Python SDK 25-27 targets Appwrite 2.5.x as served on Cloud; the 2.4.0 table is older, so SDK-only
routes are expected to be 2.5 additions.
"""

from __future__ import annotations

import argparse
import ast
import importlib.util
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from auditor.catalog.catalog import load  # noqa: E402

DEFAULT_TABLE = ROOT.parent / "shared" / "appwrite" / "routes-2.4.0-from-cloud-spec.json"


def sdk_routes(package: Path) -> dict[tuple[str, str], str]:
    """(METHOD, path template) -> `service.method` for every SDK method that calls the API."""
    routes = {}
    for module in sorted((package / "services").glob("*.py")):
        tree = ast.parse(module.read_text())
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef):
                continue
            path = method = None
            for node in ast.walk(function):
                if (
                    isinstance(node, ast.Assign)
                    and any(getattr(t, "id", None) == "api_path" for t in node.targets)
                    and isinstance(node.value, ast.Constant)
                ):
                    path = node.value.value
                if (
                    isinstance(node, ast.Call)
                    and getattr(node.func, "attr", None) == "call"
                    and node.args
                    and isinstance(node.args[0], ast.Constant)
                ):
                    method = node.args[0].value.upper()
                if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "chunked_upload":
                    named = {k.arg: k.value for k in node.keywords}
                    method = named["method"].value.upper() if "method" in named else "POST"
            if path and method:
                routes.setdefault((method, path), f"{module.stem}.{function.name}")
    return routes


def _normal(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "{}", path)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--table", type=Path, default=DEFAULT_TABLE)
    parser.add_argument("--sdk", type=Path, help="the installed appwrite package directory")
    parser.add_argument("--version", default="cloud", help="catalog the SDK requests are resolved with")
    args = parser.parse_args(argv)
    package = args.sdk or Path(importlib.util.find_spec("appwrite").origin).parent
    table = json.loads(args.table.read_text())
    column = {name: i for i, name in enumerate(table["columns"])}
    listed = {(row[column["method"]], _normal(row[column["path"]])): row for row in table["rows"]}
    sdk = sdk_routes(package)
    by_shape = {(method, _normal(path)): (path, name) for (method, path), name in sdk.items()}
    sdk_only = sorted(set(by_shape) - set(listed))
    table_only = sorted(set(listed) - set(by_shape))
    catalog = load(args.version)
    elsewhere = []
    for (method, shape), (path, _) in sorted(by_shape.items()):
        if (method, shape) not in listed:
            continue
        request = "/v1" + re.sub(r"\{[^}]+\}", "x1", path)
        route = catalog.match(method, request)
        if route is None or _normal(route.template) != "/v1" + shape:
            elsewhere.append((method, path, route.template if route else None))
    print(
        f"SDK {package}: {len(sdk)} routes; table {args.table.name}: {len(listed)} routes; "
        f"catalog {catalog.label}: {len(catalog.routes)} routes"
    )
    print(f"in both: {len(set(by_shape) & set(listed))}")
    print(f"SDK routes the table lacks: {len(sdk_only)}")
    for method, shape in sdk_only:
        print(f"  {method} {by_shape[(method, shape)][0]}  ({by_shape[(method, shape)][1]})")
    print(f"table routes no SDK method calls: {len(table_only)}")
    for method, shape in table_only[:20]:
        print(f"  {method} {listed[(method, shape)][column['path']]}")
    print(f"SDK requests the catalog resolves to another route: {len(elsewhere)}")
    for method, path, template in elsewhere:
        print(f"  {method} {path} -> {template}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
