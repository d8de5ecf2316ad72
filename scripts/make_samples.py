#!/usr/bin/env python3
"""Generate keyaudit's bundled sample project, `samples/`, deterministically.

The story is an online shop, Appwrite project `shop-prod` on Appwrite 1.9: seven
project API keys exported from the Console, four weeks of call logs
(2026-10-27 .. 2026-11-24), the CLI's appwrite.json with three functions and a
site, and a key manifest a team keeps in git. Each key is there to show one or
more findings; samples/README.md tells which.

Standard library only, fixed seed: rerunning writes byte-identical files, the
gzip included (no name, mtime 0).

    python scripts/make_samples.py            # (re)write samples/
    python scripts/make_samples.py --check    # exit 1 if samples/ differs from what this writes
    python scripts/make_samples.py --out DIR  # write elsewhere
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import random
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

SEED = 20261125
PROJECT = "shop-prod"
DATABASE = "shop"

# Call-log window: calls.jsonl holds what happened before SPLIT, calls-2.jsonl.gz the rest.
WINDOW_START = "2026-10-27T00:00:00"
SPLIT = "2026-11-15T00:00:00"
WINDOW_END = "2026-11-25T00:00:00"  # exclusive: the last calls are on 2026-11-24

UNKNOWN_KEY = "6745ffffffffffff0001"  # calls under an id the key list does not have
ROUTE_NOT_FOUND = "general_route_not_found"
MISSING_SCOPE = "general_unauthorized_scope"

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_HEX = "0123456789abcdef"


# --------------------------------------------------------------------------- time and ids


def ms(text: str) -> int:
    """Milliseconds since the epoch of a UTC `YYYY-MM-DDTHH:MM:SS[.mmm]`."""
    whole, _, frac = text.partition(".")
    moment = datetime.strptime(whole, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC)
    return int((moment - _EPOCH).total_seconds()) * 1000 + int((frac or "0").ljust(3, "0")[:3])


def _utc(millis: int) -> datetime:
    return _EPOCH + timedelta(milliseconds=millis)


def log_time(millis: int) -> str:
    """keyaudit call-log time: `2026-10-27T08:14:03.512Z`."""
    return _utc(millis).strftime("%Y-%m-%dT%H:%M:%S") + f".{millis % 1000:03d}Z"


def aw_time(millis: int) -> str:
    """Appwrite's own format: `2026-03-02T10:15:00.000+00:00`."""
    return _utc(millis).strftime("%Y-%m-%dT%H:%M:%S") + f".{millis % 1000:03d}+00:00"


HOUR = 3_600_000
DAY = 24 * HOUR


class Ids:
    """Appwrite-style unique ids: 8 hex seconds + 5 hex microseconds + 7 random hex, never repeated."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.used: set[str] = {UNKNOWN_KEY}

    def new(self, millis: int) -> str:
        while True:
            micros = (millis % 1000) * 1000 + self.rng.randrange(1000)
            ident = f"{millis // 1000:08x}{micros:05x}" + "".join(self.rng.choice(_HEX) for _ in range(7))
            if ident not in self.used:
                self.used.add(ident)
                return ident


def queries(*items: dict) -> str:
    """`?queries%5B0%5D=...` exactly as the SDKs encode JSON queries."""
    parts = []
    for index, item in enumerate(items):
        value = quote(json.dumps(item, separators=(",", ":")), safe="")
        parts.append(f"queries%5B{index}%5D={value}")
    return "?" + "&".join(parts)


def limit(n: int) -> dict:
    return {"method": "limit", "values": [n]}


# Share of traffic per UTC hour (the shop sells in Europe): retail peaks in the evening,
# office tools in working hours.
RETAIL = [
    0.25,
    0.15,
    0.1,
    0.08,
    0.08,
    0.12,
    0.25,
    0.45,
    0.6,
    0.7,
    0.75,
    0.8,
    0.85,
    0.8,
    0.75,
    0.75,
    0.8,
    0.9,
    1.0,
    1.0,
    0.95,
    0.8,
    0.6,
    0.4,
]
OFFICE = [
    0.02,
    0.02,
    0.02,
    0.02,
    0.02,
    0.05,
    0.2,
    0.6,
    1.0,
    1.0,
    1.0,
    0.9,
    0.7,
    0.9,
    1.0,
    1.0,
    0.9,
    0.5,
    0.2,
    0.08,
    0.05,
    0.03,
    0.02,
    0.02,
]


def sample_time(rng: random.Random, start: int, end: int, profile: list[float], weekdays_only=False) -> int:
    while True:
        moment = start + rng.randrange(end - start)
        when = _utc(moment)
        if weekdays_only and when.weekday() >= 5:
            continue
        if rng.random() < profile[when.hour]:
            return moment


# --------------------------------------------------------------------------- keys

# The key list as the Console exports it (GET /v1/project/keys). slug is only for this script.
KEYS = [
    dict(
        slug="old-reporting",
        name="old-reporting",
        created="2025-02-10T09:30:12.447",
        edited="2025-02-10T09:30:12.447",
        expire=None,
        scopes=["rows.read", "files.read"],
        secret="empty",
        sdks=["appwrite-python/9.0.3"],
        accessed="2025-09-18T07:42:10.118",
    ),
    dict(
        slug="legacy-sync",
        name="legacy-sync",
        created="2025-06-12T14:03:51.902",
        edited="2025-06-12T14:03:51.902",
        expire="2027-06-30T00:00:00.000",
        scopes=["documents.read", "documents.write", "collections.read", "execution.write"],
        secret="masked",
        sdks=["appwrite-php/14.0.2"],
    ),
    dict(
        slug="ops-admin",
        name="ops-admin",
        created="2025-11-04T08:12:33.015",
        edited="2026-02-16T15:40:02.531",
        expire=None,
        scopes=[
            "users.read",
            "users.write",
            "teams.read",
            "databases.read",
            "databases.write",
            "tables.read",
            "tables.write",
            "columns.read",
            "indexes.read",
            "rows.read",
            "rows.write",
            "buckets.read",
            "files.read",
            "files.write",
            "functions.read",
            "functions.write",
            "health.read",
            "keys.read",
            "keys.write",
            "targets.read",
        ],
        secret="masked",
        sdks=["appwrite-cli/10.2.1"],
    ),
    dict(
        slug="backend-writer",
        name="backend-writer",
        created="2026-01-19T16:45:07.310",
        edited="2026-01-19T16:45:07.310",
        expire="2027-01-31T00:00:00.000",
        scopes=["rows.read", "rows.write", "files.read", "files.write", "users.read"],
        secret="plain",
        sdks=["appwrite-node/19.1.0"],
    ),
    dict(
        slug="storefront-reader",
        name="storefront-reader",
        created="2026-03-02T10:15:00.000",
        edited="2026-03-02T10:15:00.000",
        expire="2027-05-31T00:00:00.000",
        scopes=["rows.read"],
        secret="masked",
        sdks=["appwrite-web/21.0.0", "appwrite-node/19.1.0"],
    ),
    dict(
        slug="typo-key",
        name="typo-key",
        created="2026-04-07T11:20:44.581",
        edited="2026-04-07T11:20:44.581",
        expire="2026-09-30T00:00:00.000",
        scopes=["row.read", "collection.read", "users.read"],
        secret="masked",
        sdks=["appwrite-dart/17.0.0"],
    ),
    dict(
        slug="analytics-graphql",
        name="analytics-graphql",
        created="2026-05-20T13:02:19.774",
        edited="2026-05-20T13:02:19.774",
        expire="2027-03-31T00:00:00.000",
        scopes=["rows.read", "users.read"],
        secret="masked",
        sdks=[],
    ),
]

# keyaudit's own manifest: a second, staging-ish view of the project (ids not in the key list).
MANIFEST_KEYS = [
    dict(
        name="staging-deployer",
        created="2026-06-03T09:12:40.201",
        expire="2027-06-30T00:00:00.000+00:00",
        scopes=["functions.read", "functions.write", "sites.read", "sites.write", "policies.read"],
        owner="devops@shop.example",
        purpose="CI deploys functions and the storefront site to staging",
    ),
    dict(
        name="uptime-probe",
        created="2026-07-21T14:55:03.870",
        expire="9999-12-31T00:00:00.000+00:00",
        scopes=["health.read"],
        owner="sre@shop.example",
        purpose="External uptime monitor polling GET /v1/health every minute",
    ),
    dict(
        name="search-indexer",
        created="2026-08-11T10:30:18.066",
        expire="2027-08-31T00:00:00.000+00:00",
        scopes=["rows.read"],
        owner="search-team@shop.example",
        purpose="Nightly job that copies the product catalogue into the search index",
    ),
]


# --------------------------------------------------------------------------- call log


class Log:
    def __init__(self):
        self.events: list[dict] = []

    def add(self, when: int, key: str, method: str, path: str, status: int, error: str | None = None):
        record = {"time": when, "project": PROJECT, "key": key, "method": method, "path": path, "status": status}
        if error:
            record["error"] = error
        record["seq"] = len(self.events)
        self.events.append(record)


def rows_path(table: str, row: str | None = None) -> str:
    path = f"/v1/tablesdb/{DATABASE}/tables/{table}/rows"
    return path if row is None else f"{path}/{row}"


def documents_path(collection: str, document: str | None = None) -> str:
    path = f"/v1/databases/{DATABASE}/collections/{collection}/documents"
    return path if document is None else f"{path}/{document}"


def files_path(bucket: str, file: str | None = None, suffix: str = "") -> str:
    path = f"/v1/storage/buckets/{bucket}/files"
    return path if file is None else f"{path}/{file}{suffix}"


CATEGORIES = ["sneakers", "boots", "sandals", "bags", "accessories", "socks", "outdoor"]
SEARCH_TERMS = ["runner", "leather", "wool", "trail", "canvas", "kids", "waterproof"]


def build_log(rng: random.Random, ids: Ids, key_ids: dict[str, str]) -> Log:
    log = Log()
    start, end = ms(WINDOW_START), ms(WINDOW_END)

    # Catalogue data that existed before the window.
    products = [ids.new(ms("2025-09-01T00:00:00") + rng.randrange(400 * DAY)) for _ in range(240)]
    users = [ids.new(ms("2025-03-01T00:00:00") + rng.randrange(600 * DAY)) for _ in range(400)]
    image_uploads = sorted(sample_time(rng, start, end, OFFICE, weekdays_only=True) for _ in range(44))

    # storefront-reader: the shop's server-side rendering reads products.
    key = key_ids["storefront-reader"]
    for _ in range(2330):
        when = sample_time(rng, start, end, RETAIL)
        roll = rng.random()
        if roll < 0.52:
            variant = rng.randrange(6)
            if variant == 0:
                query = ""
            elif variant == 1:
                query = queries(limit(25))
            elif variant == 2:
                query = queries(
                    {"method": "equal", "attribute": "category", "values": [rng.choice(CATEGORIES)]}, limit(24)
                )
            elif variant == 3:
                query = queries({"method": "orderDesc", "attribute": "$createdAt"}, limit(12))
            elif variant == 4:
                query = queries({"method": "cursorAfter", "values": [rng.choice(products)]}, limit(25))
            else:
                query = queries(
                    {"method": "search", "attribute": "name", "values": [rng.choice(SEARCH_TERMS)]}, limit(25)
                )
            log.add(when, key, "GET", rows_path("products") + query, 200)
        elif rng.random() < 0.015:
            log.add(when, key, "GET", rows_path("products", ids.new(when - rng.randrange(DAY))), 404, "row_not_found")
        else:
            log.add(when, key, "GET", rows_path("products", rng.choice(products)), 200)
    # A release on 2026-11-06 shipped a typo in the list call; rolled back within the hour.
    when = ms("2026-11-06T14:02:11.408")
    for index in range(8):
        query = queries(limit(25)) if index % 2 else ""
        log.add(when, key, "GET", f"/v1/tablesdb/{DATABASE}/tables/products/rowz{query}", 404, ROUTE_NOT_FOUND)
        when += rng.randrange(60_000, 300_000)

    # backend-writer: the order service. Uses rows and files; users.read is never needed.
    key = key_ids["backend-writer"]
    orders: list[tuple[int, str]] = []
    for when in sorted(sample_time(rng, start, end - HOUR, RETAIL) for _ in range(128)):
        order = ids.new(when)
        orders.append((when, order))
        log.add(when, key, "POST", rows_path("orders"), 201)
        when += rng.randrange(200, 900)
        log.add(when, key, "POST", rows_path("order_items"), 201)
        for product in rng.sample(products, rng.choice([1, 1, 2])):
            when += rng.randrange(100, 600)
            log.add(when, key, "PATCH", rows_path("inventory", product) + "/stock/decrement", 200)
        when += rng.randrange(300, 1500)
        cart = ids.new(when - rng.randrange(10 * 60_000, 3 * DAY))
        log.add(when, key, "DELETE", rows_path("carts", cart), 204)
        when += rng.randrange(800, 4000)
        invoice = ids.new(when)
        log.add(when, key, "POST", files_path("invoices"), 201)
        if rng.random() < 0.6:
            later = when + rng.randrange(2 * HOUR, 48 * HOUR)
            if later < end:
                log.add(later, key, "PATCH", rows_path("orders", order), 200)
        if rng.random() < 0.4:
            later = when + rng.randrange(HOUR, 7 * DAY)
            if later < end - 5000:
                log.add(later, key, "GET", files_path("invoices", invoice), 200)
                log.add(later + rng.randrange(150, 2500), key, "GET", files_path("invoices", invoice, "/download"), 200)
    for _ in range(40):
        when = sample_time(rng, start, end, OFFICE, weekdays_only=True)
        query = queries(
            {"method": "equal", "attribute": "status", "values": [rng.choice(["paid", "packed"])]},
            {"method": "orderAsc", "attribute": "$createdAt"},
            limit(50),
        )
        log.add(when, key, "GET", rows_path("orders") + query, 200)
    for _ in range(12):
        when = sample_time(rng, start, end, OFFICE, weekdays_only=True)
        earlier = [order for created, order in orders if created < when]
        if earlier:
            log.add(when, key, "GET", rows_path("orders", rng.choice(earlier)), 200)
    # A thumbnail helper written against a route Appwrite does not have.
    when = ms("2026-11-18T09:41:27.090")
    for _ in range(7):
        log.add(when, key, "GET", "/v1/storage/buckets/product-images/thumbnails", 404, ROUTE_NOT_FOUND)
        when += rng.randrange(20 * 60_000, 6 * HOUR)

    # function:order-webhook runs on every new order (event rows.*.create on orders).
    key = "function:order-webhook"
    for created, order in orders:
        when = created + rng.randrange(1500, 4000)
        log.add(when, key, "GET", rows_path("orders", order), 200)
        when += rng.randrange(300, 2000)
        log.add(when, key, "PATCH", rows_path("orders", order), 200)
        if rng.random() < 0.3:
            when += rng.randrange(100, 800)
            log.add(when, key, "POST", rows_path("order_events"), 201)

    # function:image-resizer runs on every upload to product-images (uploads come from the Console).
    key = "function:image-resizer"
    for uploaded in image_uploads:
        original = ids.new(uploaded)
        when = uploaded + rng.randrange(1200, 5000)
        log.add(when, key, "GET", files_path("product-images", original, "/download"), 200)
        when += rng.randrange(900, 6000)
        ids.new(when)  # the resized copy's id, not seen in a path
        log.add(when, key, "POST", files_path("product-images"), 201)

    # legacy-sync: the ERP bridge, still on the pre-1.8 Databases API, runs every four hours.
    key = key_ids["legacy-sync"]
    synced: list[str] = []
    bad_payloads = {37, 121}
    run = 0
    for day in range((end - start) // DAY):
        for hour in (0, 4, 8, 12, 16, 20):
            when = start + day * DAY + hour * HOUR + 5 * 60_000 + rng.randrange(40_000)
            since = aw_time(when - 4 * HOUR)
            query = queries({"method": "greaterThan", "attribute": "$updatedAt", "values": [since]}, limit(100))
            log.add(when, key, "GET", documents_path("orders") + query, 200)
            for _ in range(rng.choice([0, 1, 1, 2])):
                when += rng.randrange(300, 3000)
                if run in bad_payloads:
                    log.add(when, key, "POST", documents_path("orders"), 400, "document_invalid_structure")
                    bad_payloads.discard(run)
                    continue
                synced.append(ids.new(when))
                log.add(when, key, "POST", documents_path("orders"), 201)
            if rng.random() < 0.5:
                known = [order for created, order in orders if created < when] + synced
                if known:
                    when += rng.randrange(300, 3000)
                    log.add(when, key, "PATCH", documents_path("orders", rng.choice(known)), 200)
            if hour == 0:
                when += rng.randrange(1000, 5000)
                log.add(when, key, "POST", "/v1/functions/nightly-report/executions", 201)
            run += 1

    # ops-admin: an over-privileged key a person uses from the CLI now and then.
    key = key_ids["ops-admin"]
    plan = (
        [("GET", "/v1/users" + queries(limit(100)), 200, None)] * 20
        + [("GET", "/v1/tablesdb", 200, None)] * 15
        + [("GET", "/v1/health", 200, None)] * 18
        + [("GET", "/v1/users/user%40example.com", 404, "user_not_found")] * 2
        + [("GET", "/v1/users/anna.k%40example.com", 404, "user_not_found")]
    )
    plan += [("GET", f"/v1/users/{rng.choice(users)}", 200, None) for _ in range(4)]
    for method, path, status, error in plan:
        log.add(sample_time(rng, start, end, OFFICE, weekdays_only=True), key, method, path, status, error)

    # typo-key: its scopes were mistyped (row.read, collection.read), so every rows call is refused.
    key = key_ids["typo-key"]
    for _ in range(40):
        when = sample_time(rng, start, end, OFFICE)
        log.add(when, key, "GET", "/v1/users" + queries(limit(50)), 200)
        when += rng.randrange(120, 450)
        log.add(when, key, "GET", rows_path("products") + queries(limit(100)), 401, MISSING_SCOPE)

    # analytics-graphql: dashboards query through GraphQL; the log cannot tell which services.
    key = key_ids["analytics-graphql"]
    for _ in range(300):
        log.add(sample_time(rng, start, end, OFFICE), key, "POST", "/v1/graphql", 200)
    for _ in range(8):
        log.add(sample_time(rng, start, end, OFFICE), key, "GET", "/v1/users" + queries(limit(25)), 200)

    # A key that is not in the key list (deleted on 2026-11-03) still made calls before then.
    for _ in range(20):
        when = sample_time(rng, start, ms("2026-11-03T00:00:00"), RETAIL)
        if rng.random() < 0.6:
            log.add(when, UNKNOWN_KEY, "GET", rows_path("products") + queries(limit(25)), 200)
        else:
            log.add(when, UNKNOWN_KEY, "GET", rows_path("products", rng.choice(products)), 200)

    log.events.sort(key=lambda event: (event["time"], event["seq"]))
    return log


def record_line(event: dict) -> str:
    record = {name: value for name, value in event.items() if name != "seq"}
    record["time"] = log_time(event["time"])
    return json.dumps(record)


def log_files(log: Log, storefront: str) -> tuple[str, str]:
    """Text of calls.jsonl (with its four bad lines) and of calls-2.jsonl before gzip."""
    split = ms(SPLIT)
    first = [event for event in log.events if event["time"] < split]
    second = [event for event in log.events if event["time"] >= split]
    lines = [record_line(event) for event in first]

    def storefront_at(index: int) -> int:
        while first[index]["key"] != storefront:
            index += 1
        return index

    # Four deliberately bad lines, far apart: each replaces or joins a storefront call.
    index = storefront_at(399)
    lines[index] = lines[index][: len(lines[index]) * 3 // 5]  # truncated mid-record
    index = storefront_at(1199)
    event = first[index]
    lines[index] = json.dumps(
        [log_time(event["time"]), event["project"], event["key"], event["method"], event["path"], event["status"]]
    )  # an array, not an object
    index = storefront_at(2099)
    record = json.loads(lines[index])
    del record["path"]
    lines[index] = json.dumps(record)  # no path
    index = storefront_at(2799)
    lines.insert(index, "WARN log-exporter: upstream closed the connection, resuming from the last cursor")

    second_lines = [record_line(event) for event in second]
    return "\n".join(lines) + "\n", "\n".join(second_lines) + "\n"


def gzip_bytes(data: bytes) -> bytes:
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, mtime=0, compresslevel=9) as stream:
        stream.write(data)
    return buffer.getvalue()


# --------------------------------------------------------------------------- documents


def key_list(rng: random.Random, key_ids: dict[str, str], log: Log) -> str:
    secret = "standard_" + "".join(rng.choice(_HEX) for _ in range(256))
    docs = []
    for spec in KEYS:
        ident = key_ids[spec["slug"]]
        # Appwrite refreshes accessedAt at most once a day, on a successful call.
        accessed = ms(spec["accessed"]) if spec.get("accessed") else None
        for event in log.events:
            if event["key"] == ident and event["status"] < 400:
                if accessed is None or event["time"] - accessed > DAY:
                    accessed = event["time"]
        updated = max(ms(spec["edited"]), accessed or 0)
        docs.append(
            {
                "$id": ident,
                "$createdAt": aw_time(ms(spec["created"])),
                "$updatedAt": aw_time(updated),
                "name": spec["name"],
                "expire": aw_time(ms(spec["expire"])) if spec["expire"] else None,
                "scopes": spec["scopes"],
                "secret": {"masked": "standard_[hidden]", "empty": "", "plain": secret}[spec["secret"]],
                "accessedAt": aw_time(accessed) if accessed is not None else "",
                "sdks": spec["sdks"],
            }
        )
    return json.dumps({"total": len(docs), "keys": docs}, indent=4) + "\n"


def appwrite_json() -> str:
    def function(ident, scopes, events, schedule, timeout):
        return {
            "$id": ident,
            "execute": [],
            "name": ident,
            "enabled": True,
            "logging": True,
            "runtime": "node-22",
            "scopes": scopes,
            "events": events,
            "schedule": schedule,
            "timeout": timeout,
            "entrypoint": "src/main.js",
            "commands": "npm install",
            "specification": "s-0.5vcpu-512mb",
            "path": f"functions/{ident}",
        }

    project = {
        "projectId": PROJECT,
        "projectName": "Shop",
        "functions": [
            function(
                "order-webhook",
                ["rows.read", "rows.write"],
                [f"databases.{DATABASE}.tables.orders.rows.*.create"],
                "",
                15,
            ),
            function("nightly-report", ["documents.read", "users.read"], [], "0 2 * * *", 300),
            function(
                "image-resizer",
                ["files.read", "files.write", "buckets.read"],
                ["buckets.product-images.files.*.create"],
                "",
                60,
            ),
        ],
        "sites": [
            {
                "$id": "storefront",
                "name": "storefront",
                "enabled": True,
                "logging": True,
                "framework": "nextjs",
                "timeout": 30,
                "installCommand": "npm install",
                "buildCommand": "npm run build",
                "outputDirectory": "./.next",
                "specification": "s-1vcpu-512mb",
                "buildRuntime": "node-22",
                "adapter": "ssr",
                "fallbackFile": "",
                "scopes": ["rows.read"],
                "path": "sites/storefront",
            }
        ],
    }
    return json.dumps(project, indent=4) + "\n"


MANIFEST_HEADER = """\
# keyaudit key manifest for the shop-prod project.
#
# The team keeps this file in git and changes it through review: it says which
# API keys should exist, what each may do and who answers for it. keyaudit
# reads it like an exported key list and audits the keys against the scope
# catalog of appwriteVersion.
#
#   appwriteVersion  Appwrite release the scopes are checked against ("1.9" or a
#                    full version such as "1.9.6").
#   project          Appwrite project id.
#   keys             one entry per key:
#     id             the key's Appwrite $id
#     name           the key's name in the Console
#     scopes         the scopes the key holds
#     expire         RFC 3339 expiry, or null when the key never expires
#     createdAt      RFC 3339 creation time
#     owner          who answers for the key (an email address)
#     purpose        one line: what the key is for
#
# Never put a key's secret here.
#
# Sample notes: staging-deployer holds policies.read, renamed project.policies.read
# in 1.9.5 (deprecated-scope); uptime-probe holds only health.read (implicit-scope)
# and "expires" in 9999 (long-expiry); search-indexer is clean.
"""


def yaml_string(value: str) -> str:
    return json.dumps(value)  # a JSON string is a valid double-quoted YAML scalar


def manifest(ids: Ids) -> str:
    out = [MANIFEST_HEADER, 'appwriteVersion: "1.9"', f"project: {PROJECT}", "keys:"]
    for spec in MANIFEST_KEYS:
        created = ms(spec["created"])
        out.append(f"  - id: {yaml_string(ids.new(created))}")
        out.append(f"    name: {spec['name']}")
        out.append("    scopes:")
        out.extend(f"      - {scope}" for scope in spec["scopes"])
        out.append(f"    expire: {yaml_string(spec['expire']) if spec['expire'] else 'null'}")
        out.append(f"    createdAt: {yaml_string(aw_time(created))}")
        out.append(f"    owner: {spec['owner']}")
        out.append(f"    purpose: {yaml_string(spec['purpose'])}")
    return "\n".join(out) + "\n"


def readme(key_ids: dict[str, str], counts: dict[str, int]) -> str:
    ident = key_ids
    return f"""\
# Sample project: `shop-prod`

An online shop on Appwrite 1.9: its API keys, four weeks of calls (2026-10-27 to 2026-11-24)
and its CLI project file, made so that each finding named below shows up at least once.
Everything here is generated by `python scripts/make_samples.py` (fixed seed, byte-identical on every run);
edit the script, not the files. All ids, emails and secrets are made up.

| file | what it is |
|---|---|
| `keys/keylist.json` | the project's 7 API keys as Appwrite's key list (`{{"total", "keys"}}`), as exported from the Console |
| `logs/calls.jsonl` | {counts["calls.jsonl"]} lines of keyaudit's call-log format, 2026-10-27 to 2026-11-14; 4 of them are deliberately broken |
| `logs/calls-2.jsonl.gz` | {counts["calls-2.jsonl"]} more lines, gzipped, 2026-11-15 to 2026-11-24 |
| `appwrite.json` | the Appwrite CLI project file: functions `order-webhook`, `nightly-report`, `image-resizer` and site `storefront`, each with its scopes |
| `manifest.yaml` | keyaudit's own key manifest for 3 more keys, as a team keeps it in git |
| `sql/` | hand-written, not generated: DuckDB and Spark SQL queries that pre-aggregate these logs into a `--usage` file (README: "Logs too big for one machine") |

A call-log line is one request: `{{"time", "project", "key", "method", "path", "status"}}` plus `"error"`
(Appwrite's error type) when it failed. `key` is the key's `$id`, or `function:<$id>` for the key Appwrite
gives a function at run time.

## The keys and what they are there to show

| key | `$id` | scopes | story | findings |
|---|---|---|---|---|
| storefront-reader | `{ident["storefront-reader"]}` | rows.read | server-side rendering lists and reads products; one release called `/rows` as `/rowz` for an hour on 2026-11-06 | clean key; unknown-route |
| backend-writer | `{ident["backend-writer"]}` | rows.read, rows.write, files.read, files.write, users.read | the order service: creates orders, decrements stock, deletes carts, stores invoices; a helper calls a `/thumbnails` route Appwrite does not have | unused-scope (users.read); unknown-route; secret-in-file (its secret is in `keylist.json` unmasked) |
| ops-admin | `{ident["ops-admin"]}` | 20 scopes, keys.write and users.write among them | a person's CLI key: lists users and databases, checks health, three times looks a user up by an email address instead of an id | over-privileged; ineffective-scope (targets.read gates no 1.9 route); implicit-scope (health.read); no-expiry |
| legacy-sync | `{ident["legacy-sync"]}` | documents.read, documents.write, collections.read, execution.write | the ERP bridge, still on the legacy `/v1/databases/.../collections/.../documents` routes, every four hours, and starts `nightly-report` | deprecated-scope (documents.* → rows.* needs the calls moved to `/v1/tablesdb` first: the legacy routes accept only the old names; execution.write → executions.write works as is, the executions route takes both); unused-scope (collections.read) |
| old-reporting | `{ident["old-reporting"]}` | rows.read, files.read | a reporting key last used in September 2025; its secret is empty in the export | never-used (no calls in the logs); stale-key; no-expiry |
| typo-key | `{ident["typo-key"]}` | row.read, collection.read, users.read | a mobile back office whose scopes were mistyped: its users calls pass, its rows calls fail with 401 `general_unauthorized_scope` | unknown-scope (row.read, collection.read); missing-scope (rows.read); expired (2026-09-30)¹ |
| analytics-graphql | `{ident["analytics-graphql"]}` | rows.read, users.read | dashboards that query through `POST /v1/graphql`, which only needs the implicit `graphql` scope, so the log cannot show what rows.read is used for | unused-scope on the face of it (rows.read): the log cannot tell which services a GraphQL call reads |
| (not in the key list) | `{UNKNOWN_KEY}` | | 20 product reads up to 2026-11-02 from a key deleted since | unknown-key |
| function:order-webhook | | rows.read, rows.write | runs on every new order: reads it, marks it, sometimes logs an event | clean |
| function:image-resizer | | files.read, files.write, buckets.read | runs on every upload to `product-images` | unused-scope (buckets.read) |
| function:nightly-report | | documents.read, users.read | scheduled report; its calls are not in these logs | deprecated-scope (documents.read); never-used |
| site storefront | | rows.read | the shop front; its calls are not in these logs | never-used |

`manifest.yaml` adds three staging keys: `staging-deployer` holds policies.read (deprecated-scope: renamed
project.policies.read in 1.9.5), `uptime-probe` holds only health.read (implicit-scope: every key has it) and
expires on 9999-12-31 (long-expiry: no expiry at all),
`search-indexer` is clean.

Some failures are ordinary and carry no finding: a few product reads return 404 `row_not_found`, two
legacy creates 400 `document_invalid_structure`, the three lookups by email 404 `user_not_found`.

¹ A simplification for the sample: typo-key expired on 2026-09-30, yet its calls in the window are answered
as if it were valid. Appwrite itself refuses every call of an expired key with 401 `project_key_expired`.

The four broken lines in `logs/calls.jsonl`: one record cut off mid-way, one JSON array instead of an
object, one record without `path`, and one line of plain text from the exporter.
`keyaudit catalog lookup --input samples/logs/calls.jsonl --format json` reports each with an `error`.
The queries in `sql/` count them too: their usage file ends in a row with only `bad_lines` set (4), and
the report read from it says `badLines: 4` like the report from the raw logs (`tests/test_usage_sql.py`,
`tests/test_usage_spark.py`).
"""


# --------------------------------------------------------------------------- main


def build() -> dict[str, bytes]:
    rng = random.Random(SEED)
    ids = Ids(rng)
    key_ids = {spec["slug"]: ids.new(ms(spec["created"])) for spec in KEYS}
    log = build_log(rng, ids, key_ids)
    first, second = log_files(log, key_ids["storefront-reader"])
    files = {
        "keys/keylist.json": key_list(rng, key_ids, log).encode(),
        "logs/calls.jsonl": first.encode(),
        "logs/calls-2.jsonl.gz": gzip_bytes(second.encode()),
        "appwrite.json": appwrite_json().encode(),
        "manifest.yaml": manifest(ids).encode(),
    }
    counts = {"calls.jsonl": first.count("\n"), "calls-2.jsonl": second.count("\n")}
    files["README.md"] = readme(key_ids, counts).encode()
    return files


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out",
        type=Path,
        default=Path(__file__).resolve().parents[1] / "samples",
        help="directory to write (default: samples/ beside scripts/)",
    )
    parser.add_argument("--check", action="store_true", help="compare instead of writing; exit 1 on a difference")
    args = parser.parse_args(argv)
    files = build()
    if args.check:
        stale = [
            name
            for name, data in files.items()
            if not (args.out / name).is_file() or (args.out / name).read_bytes() != data
        ]
        for name in stale:
            print(f"stale: {args.out / name}", file=sys.stderr)
        return 1 if stale else 0
    for name, data in files.items():
        target = args.out / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        print(f"wrote {target} ({len(data)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
