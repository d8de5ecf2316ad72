"""A local HTTP server that answers like Appwrite 1.9.6, for the call-recorder tests (pytest-httpserver)."""

import hashlib

import pytest

KEY_ID = "6a1f0c2e9b7d4a3c8e51"
SECRET = "standard_" + "".join(hashlib.sha256(f"recorder-{i}".encode()).hexdigest() for i in range(4))
MISSING_ROWS_READ = {
    "message": 'app.shop-prod@service.localhost (role: applications) missing scopes (["rows.read","documents.read"])',
    "code": 401,
    "type": "general_unauthorized_scope",
    "version": "1.9.6",
}
ROW = {
    "$id": "order-1042",
    "$sequence": "1042",
    "$tableId": "orders",
    "$databaseId": "shop",
    "$createdAt": "2026-11-25T10:00:00.000+00:00",
    "$updatedAt": "2026-11-25T10:00:00.000+00:00",
    "$permissions": [],
    "total": 42,
}


@pytest.fixture
def appwrite(httpserver):
    """Three routes: a list, a create and a missing-scope refusal."""
    httpserver.expect_request("/v1/users", method="GET").respond_with_json({"total": 0, "users": []})
    httpserver.expect_request("/v1/tablesdb/shop/tables/orders/rows", method="POST").respond_with_json(ROW, status=201)
    httpserver.expect_request("/v1/tablesdb/shop/tables/products/rows", method="GET").respond_with_json(
        MISSING_ROWS_READ, status=401
    )
    return httpserver
