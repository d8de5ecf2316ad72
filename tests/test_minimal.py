"""Minimal scope sets: any-of TablesDB routes, legacy-only routes, mixed keys, GraphQL."""

from helpers.audit import audit, call, fired, key

from auditor.analysis.minimal import minimal_cover

ROWS = "/v1/tablesdb/shop/tables/products/rows"
ROW = "/v1/tablesdb/shop/tables/products/rows/r1"
LEGACY_DOCS = "/v1/databases/shop/collections/orders/documents"
LEGACY_TX = "/v1/databases/transactions"


def analysis_of(result, key_id="k1"):
    return next(a for a in result.analyses if a.key.id == key_id)


def test_any_of_tablesdb_route_prefers_current_name(tmp_path):
    result = audit(tmp_path, [key("k1", ["documents.read"])], [call("k1", "GET", ROWS)])
    analysis = analysis_of(result)
    assert analysis.needed_sets == [frozenset({"rows.read", "documents.read"})]
    assert analysis.minimal == ["rows.read"]


def test_legacy_only_route_keeps_the_old_name(tmp_path):
    result = audit(
        tmp_path,
        [key("k1", ["documents.read", "documents.write"])],
        [call("k1", "GET", LEGACY_DOCS), call("k1", "POST", LEGACY_DOCS)],
    )
    assert analysis_of(result).minimal == ["documents.read", "documents.write"]


def test_legacy_transactions_decided_by_data_not_path(tmp_path):
    # GET /databases/transactions lists only rows.read although the path is legacy
    result = audit(tmp_path, [key("k1", ["rows.read"])], [call("k1", "GET", LEGACY_TX)])
    analysis = analysis_of(result)
    assert analysis.needed_sets == [frozenset({"rows.read"})]
    assert analysis.minimal == ["rows.read"]
    assert not fired(result, "missing-scope")
    denied = audit(tmp_path, [key("k1", ["documents.read"])], [call("k1", "GET", LEGACY_TX)])
    assert fired(denied, "missing-scope") == {("missing-scope", "k1", "rows.read")}


def test_mixed_key_keeps_the_current_name_beside_the_legacy_one(tmp_path):
    # documents.read alone would pass the legacy route AND the TablesDB route, but a proposal never trades a
    # current name for a deprecated one: the TablesDB call keeps rows.read, the legacy call needs documents.read
    result = audit(
        tmp_path, [key("k1", ["rows.read", "documents.read"])], [call("k1", "GET", LEGACY_DOCS), call("k1", "GET", ROW)]
    )
    analysis = analysis_of(result)
    assert analysis.minimal == ["documents.read", "rows.read"]
    assert not fired(result, "over-privileged") and not fired(result, "unused-scope")
    assert fired(result, "deprecated-twin") == {("deprecated-twin", "k1", "documents.read")}


def test_implicit_routes_need_nothing(tmp_path):
    result = audit(
        tmp_path, [key("k1", ["users.read"])], [call("k1", "GET", "/v1/health"), call("k1", "GET", "/v1/users")]
    )
    assert analysis_of(result).minimal == ["users.read"]


def test_graphql_keys_never_get_unused_or_over_privileged(tmp_path):
    calls = [call("k1", "POST", "/v1/graphql"), call("k1", "GET", "/v1/users")]
    result = audit(tmp_path, [key("k1", ["users.read", "rows.read", "files.write"])], calls)
    assert analysis_of(result).graphql_calls == 1
    assert not fired(result, "unused-scope") and not fired(result, "over-privileged")
    assert not fired(result, "missing-scope")


def test_cover_is_exact_not_greedy():
    # greedy takes "a" (hits 3 sets) then needs 2 more; the optimum is {b, c}
    needs = [frozenset(s) for s in ({"a", "b"}, {"a", "c"}, {"a", "b"}, {"b", "x"}, {"c", "y"})]
    assert minimal_cover(needs, lambda s: ()) == ["b", "c"]


def test_cover_ties_prefer_cost():
    needs = [frozenset({"documents.read", "rows.read"})]
    assert minimal_cover(needs, lambda s: (s == "rows.read",)) == ["documents.read"]
    assert minimal_cover(needs, lambda s: (s == "documents.read",)) == ["rows.read"]


def test_cover_of_nothing_is_empty():
    assert minimal_cover([], lambda s: ()) == []
