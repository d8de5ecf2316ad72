"""The path matcher resolves like utopia-php/http's Router::match, for every route."""

import itertools
import json
import re
from collections import Counter

import pytest

from auditor.catalog.catalog import load
from auditor.catalog.generate import V2_TABLE
from auditor.catalog.generate_v2 import is_cloud_only_route
from auditor.catalog.matcher import Router, split_path
from auditor.catalog.versions import SUPPORTED

SPEC_FILES = {
    "1.6": ["open-api3-1.6.2-server.json", "open-api3-1.6.2-console.json"],
    "1.7": ["open-api3-1.7.4-server.json", "open-api3-1.7.4-console.json"],
    "1.8": ["open-api3-1.8.1-server.json", "open-api3-1.8.1-console.json"],
}
FILLERS = ["5f3a9c2e1b7d", "user%40example.com", "a-b_c.d", "%E2%9C%93", "x" * 36]


def source_operations(appwrite_dir, version):
    """(method, path, scopes) straight from ../shared, independent of the generator."""
    if version.startswith("2.") or version == "cloud":
        return v2_operations(appwrite_dir, load(version))
    if version == "1.9":
        table = json.loads((appwrite_dir / "routes-1.9.6-from-source.json").read_text())
        col = {c: i for i, c in enumerate(table["columns"])}
        return [(r[col["method"]], r[col["path"]], r[col["scope"]]) for r in table["rows"]]
    operations = json.loads((appwrite_dir / "operations.json").read_text())
    col = {c: i for i, c in enumerate(operations["columns"])}
    rows = []
    for name in SPEC_FILES[version]:
        rows += [(r[col["method"]], r[col["path"]], r[col["scope"]]) for r in operations["specs"][name]["rows"]]
    return rows


def v2_operations(appwrite_dir, cat):
    """The 2.4.0 table's operations; on self-hosted, without Cloud's services and routes only Cloud scopes open."""
    table = json.loads((appwrite_dir / V2_TABLE).read_text())
    col = {c: i for i, c in enumerate(table["columns"])}
    rows = [(r[col["method"]], r[col["path"]], r[col["scope"]]) for r in table["rows"]]
    if cat.edition == "cloud":
        return rows
    kept = [row for row in rows if not is_cloud_only_route(row[1], row[2], cat.cloud_only)]
    assert 0 < len(kept) < len(rows)
    return kept


def concrete(template, index):
    filled = re.sub(r"\{[^}]+\}", lambda m: FILLERS[(index + m.start()) % len(FILLERS)], template)
    return filled.replace("/*", "/acme/token")


@pytest.mark.parametrize("version", SUPPORTED)
def test_every_operation_resolves_to_its_own_route(appwrite_dir, version):
    cat = load(version)
    operations = source_operations(appwrite_dir, version)
    seen = set()
    for index, (method, path, scopes) in enumerate(operations):
        if (method, path) in seen:
            continue
        seen.add((method, path))
        for request in (
            f"/v1{concrete(path, index)}?queries%5B0%5D=%7B%22method%22%3A%22limit%22%7D&project=p1",
            f"https://cloud.appwrite.io/v1{concrete(path, index + 1)}/",
            f"//evil.example/v1{concrete(path, index + 2)}",  # PHP's parse_url: a host, then the path
        ):
            route = cat.match(method, request)
            assert route is not None, (method, request)
            assert route.template == "/v1" + path, (method, request, route.template)
            assert list(route.scopes) == list(scopes)
        without_v1 = cat.match(method, concrete(path, index + 3))  # Appwrite answers 404: no route is guessed
        assert without_v1 is None or without_v1.template != "/v1" + path, (method, path)
    assert len(seen) == len(cat.routes)
    print(f"{version}: {len(seen)} routes, {3 * len(seen)} requests resolved")


def reference_match(routes_by_method, param_order, method, path):
    """A literal transcription of Router::match: try combinations() in its order."""
    parts = split_path(path)
    length = len(parts) - 1
    params = [p for p in param_order if p <= length]
    combos = [[]]
    results = [[]]
    for element in params:
        for combination in list(results):
            combos.append([element] + combination)
            results.append([element] + combination)
    table = routes_by_method.get(method, {})
    for sample in combos:
        key = "/".join(":::" if i in sample else part for i, part in enumerate(parts))
        if key in table:
            return table[key]
    return None


def prepared(template):
    return "/".join(":::" if p.startswith("{") else p for p in template.split("/") if p)


def crossing_pairs(cat):
    """Pairs of templates a single path can fit: one has a literal where the other has a parameter."""
    by_method = {}
    for route in cat.routes:
        if not route.template.endswith("*"):
            by_method.setdefault(route.method, []).append(route)
    for method, routes in by_method.items():
        for a, b in itertools.combinations(routes, 2):
            sa, sb = a.template.split("/"), b.template.split("/")
            if len(sa) != len(sb):
                continue
            differs = False
            compatible = True
            for x, y in zip(sa, sb):
                px, py = x.startswith("{"), y.startswith("{")
                if not px and not py and x != y:
                    compatible = False
                    break
                differs |= px != py
            if compatible and differs:
                path = "/".join(x if not x.startswith("{") else y for x, y in zip(sa, sb))
                path = path if "{" not in path else re.sub(r"\{[^}]+\}", "someid", path)
                yield method, a, b, path


@pytest.mark.parametrize("version", SUPPORTED)
def test_literal_versus_parameter_pairs(version):
    cat = load(version)
    data = json.loads((cat_data_path(version)).read_text())
    table = {}
    for route in cat.routes:
        table.setdefault(route.method, {})[prepared(route.template)] = route
    pairs = list(crossing_pairs(cat))
    assert pairs, "every version has literal-vs-parameter pairs"
    winners = Counter()
    for method, a, b, path in pairs:
        expected = reference_match(table, data["paramOrder"], method, path)
        assert expected is not None
        assert cat.match(method, path) is expected, (method, path, a.template, b.template)
        # the id that differs from the literal goes to the parametrised route
        for route in (a, b):
            assert cat.match(method, concrete(route.template, 0)) is route
        winners[expected in (a, b)] += 1
    print(f"{version}: {len(pairs)} literal/parameter pairs checked")


def cat_data_path(version):
    from auditor.catalog.catalog import DATA_DIR

    return DATA_DIR / f"appwrite-{version}.json"


def test_transactions_literal_beats_database_id():
    cat = load("1.9")
    assert cat.match("GET", "/v1/databases/transactions/tx1").template == "/v1/databases/transactions/{transactionId}"
    assert cat.match("GET", "/v1/databases/db1/collections").template == "/v1/databases/{databaseId}/collections"
    assert cat.match("GET", "/v1/databases/transactions").template == "/v1/databases/transactions"
    assert cat.match("GET", "/v1/databases/db1").template == "/v1/databases/{databaseId}"


@pytest.mark.parametrize(
    "method,path,template",
    [
        (
            "GET",
            "/v1/tablesdb/main/tables/orders/rows?queries%5B0%5D=x",
            "/v1/tablesdb/{databaseId}/tables/{tableId}/rows",
        ),
        (
            "GET",
            "//evil.example/v1/tablesdb/main/tables/orders/rows",
            "/v1/tablesdb/{databaseId}/tables/{tableId}/rows",
        ),
        ("GET", "https://cloud.appwrite.io/v1/users/u1", "/v1/users/{userId}"),
        ("GET", "http://localhost:8080/v1/users/u1?x=1#frag", "/v1/users/{userId}"),
        ("GET", "/v1/users/user%40example", "/v1/users/{userId}"),
        ("GET", "/v1/users/u1/", "/v1/users/{userId}"),
        ("GET", "/v1//users//u1", "/v1/users/{userId}"),
        ("GET", "//u:p@evil.example:8443/v1/users/u1", "/v1/users/{userId}"),
        ("GET", "http://localhost:8080/v1/users/u1:x", "/v1/users/{userId}"),
        ("HEAD", "/v1/users/u1", "/v1/users/{userId}"),
        ("get", "/v1/users/u1", "/v1/users/{userId}"),
        ("GET", "/v1/users/logs", "/v1/users/{userId}"),  # no literal route `users/logs` for GET
        ("GET", "/v1/users/identities", "/v1/users/identities"),  # the literal wins over {userId}
        ("GET", "/v1/users/a%2Fb", "/v1/users/{userId}"),  # an encoded slash stays in its segment
        ("GET", "/v1/.well-known/acme-challenge/abc", "/v1/.well-known/acme-challenge/*"),
    ],
)
def test_matcher_rules(method, path, template):
    route = load("1.9").match(method, path)
    assert route is not None and route.template == template


@pytest.mark.parametrize(
    "method,path",
    [
        ("GET", "/v1/nothing/here"),
        ("GET", "/users"),  # without /v1: Appwrite answers 404
        ("GET", "/tablesdb/main/tables/orders/rows"),
        ("GET", "//v1//users//u1"),  # host `v1`, path //users//u1
        ("GET", "///v1/users"),  # PHP refuses an empty host: utopia routes `/`
        ("GET", "/v1/users/u1:80"),  # PHP reads `:80` as a port, then refuses the empty host
        ("GET", "//evil.example:99999/v1/users"),  # no such port: refused
        ("GET", "/v1/users/u1/not-a-route"),
        ("POST", "/v1/users/u1/logs"),
        ("TRACE", "/v1/users"),
        ("GET", ""),
        ("GET", "/v2/users"),
    ],
)
def test_unknown_routes_are_none(method, path):
    assert load("1.9").match(method, path) is None


def test_cache_is_keyed_on_shape_not_ids():
    router = Router([2, 3])
    router.add("GET", "/v1/users/{userId}", "user")
    router.add("GET", "/v1/users/identities", "identities")
    for i in range(1000):
        assert router.match("GET", f"/v1/users/u{i}") == "user"
    assert router.match("GET", "/v1/users/identities") == "identities"
    assert len(router._cache) == 2


def test_bitmask_order_decides_crossed_templates():
    # positions tried in order [3, 2]: {3} (mask 1) beats {2} (mask 2)
    router = Router([3, 2])
    router.add("GET", "/v1/a/{x}/c", "param-at-2")
    router.add("GET", "/v1/a/b/{y}", "param-at-3")
    assert router.match("GET", "/v1/a/b/c") == "param-at-3"
    router = Router([2, 3])
    router.add("GET", "/v1/a/{x}/c", "param-at-2")
    router.add("GET", "/v1/a/b/{y}", "param-at-3")
    assert router.match("GET", "/v1/a/b/c") == "param-at-2"


def test_duplicate_route_is_refused():
    router = Router([2])
    router.add("GET", "/v1/users/{userId}", 1)
    with pytest.raises(ValueError):
        router.add("GET", "/v1/users/{id}", 2)
