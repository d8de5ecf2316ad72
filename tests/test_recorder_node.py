"""The node-appwrite recorder snippet (tests/fixtures/recorder/record-calls.mjs, shown in the README).

Runs the real node-appwrite, installed with npm into a temporary folder, against a local server that
answers like Appwrite. Skipped only where node or npm is missing.
"""

import json
import os
import shutil
import subprocess

import pytest
from helpers.appwrite_server import KEY_ID, SECRET, appwrite  # noqa: F401 (the server fixture)
from helpers.audit import NOW, key, write_keys
from helpers.paths import ROOT

from auditor.audit import run_audit
from auditor.rules.registry import configured_rules

SNIPPET = ROOT / "tests" / "fixtures" / "recorder" / "record-calls.mjs"
NODE_SDK = "node-appwrite@27"

pytestmark = pytest.mark.skipif(not (shutil.which("node") and shutil.which("npm")), reason="node and npm not installed")

DRIVER = """
import { Client, Users, TablesDB, Query } from 'node-appwrite';
import { recordCalls } from '%(snippet)s';

const [endpoint, file] = process.argv.slice(2);
const client = new Client().setEndpoint(endpoint).setProject('shop-prod').setKey(process.env.KEY_SECRET);
recordCalls(client, { file, keyId: process.env.KEY_ID });
await new Users(client).list({ queries: [Query.limit(25)] });
await new TablesDB(client).createRow({ databaseId: 'shop', tableId: 'orders', rowId: 'order-1042', data: { total: 42 } });
try {
  await new TablesDB(client).listRows({ databaseId: 'shop', tableId: 'products' });
  process.exit(3);
} catch (error) {
  if (error.type !== 'general_unauthorized_scope') throw error;
}
"""


@pytest.fixture(scope="module")
def node_sdk(tmp_path_factory):
    folder = tmp_path_factory.mktemp("node-appwrite")
    (folder / "package.json").write_text('{"name": "keyaudit-recorder-test", "private": true, "type": "module"}')
    subprocess.run(
        ["npm", "install", "--no-audit", "--no-fund", "--loglevel=error", NODE_SDK],
        cwd=folder,
        check=True,
        capture_output=True,
        timeout=300,
    )
    return folder


def test_node_snippet_records_what_keyaudit_reads(node_sdk, appwrite, tmp_path):  # noqa: F811
    driver = node_sdk / "driver.mjs"
    driver.write_text(DRIVER % {"snippet": SNIPPET.as_uri()})
    log = tmp_path / "calls.jsonl"
    env = {**os.environ, "KEY_ID": KEY_ID, "KEY_SECRET": SECRET}
    env.pop("APPWRITE_FUNCTION_ID", None)
    run = subprocess.run(
        ["node", str(driver), appwrite.url_for("/v1"), str(log)],
        cwd=node_sdk,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    written = [json.loads(line) for line in log.read_text().splitlines()]
    assert [
        (r["key"], r["project"], r["method"], r["path"].split("?")[0], r.get("status"), r.get("error")) for r in written
    ] == [
        (KEY_ID, "shop-prod", "GET", "/v1/users", None, None),
        (KEY_ID, "shop-prod", "POST", "/v1/tablesdb/shop/tables/orders/rows", None, None),
        (KEY_ID, "shop-prod", "GET", "/v1/tablesdb/shop/tables/products/rows", 401, "general_unauthorized_scope"),
    ]
    assert written[0]["path"].startswith("/v1/users?queries")
    assert SECRET not in log.read_text()

    keys = write_keys(tmp_path, [key(KEY_ID, ["users.read", "rows.write"], projectId="shop-prod")])
    result = run_audit([keys], [str(log)], rules=configured_rules(None), now=NOW)
    assert {(f.rule, f.scope) for f in result.findings if f.rule == "missing-scope"} == {("missing-scope", "rows.read")}
