"""The audit-event table is what its generator makes of ../shared/appwrite, and maps events to scopes."""

import json

from auditor.analysis.evidence import event_route
from auditor.catalog import generate_events
from auditor.catalog.catalog import load
from auditor.catalog.events import routes_logging


def test_committed_table_matches_generator(appwrite_dir):
    text = generate_events.render(generate_events.build(appwrite_dir))
    assert generate_events.TARGET.read_text() == text, f"stale: run {generate_events.REGENERATE}"


def test_check_mode_reports_a_stale_table(appwrite_dir, tmp_path, monkeypatch):
    monkeypatch.setattr(generate_events, "TARGET", tmp_path / "audit-events.json")
    assert generate_events.main(["--shared", str(appwrite_dir), "--check"]) == 1
    assert generate_events.main(["--shared", str(appwrite_dir)]) == 0
    assert generate_events.main(["--shared", str(appwrite_dir), "--check"]) == 0


def test_table_holds_every_key_callable_route_of_each_event(appwrite_dir):
    table = json.loads((appwrite_dir / "routes-1.9.6-from-source.json").read_text())
    column = {name: i for i, name in enumerate(table["columns"])}
    expected = {}
    for row in table["rows"]:
        if row[column["auditEvent"]] and "KEY" in (row[column["auth"]] or []):
            expected.setdefault(row[column["auditEvent"]], set()).add(
                (row[column["method"]], "/v1" + row[column["path"]])
            )
    events = json.loads(generate_events.TARGET.read_text())["events"]
    assert {name: {tuple(r) for r in routes} for name, routes in events.items()} == expected
    assert "challenge.create" not in events  # only sessions log it: no key can cause it


def test_events_map_to_this_versions_routes_and_scopes():
    assert event_route(load("1.9"), "row.create").scopes == ("rows.write", "documents.write")
    assert event_route(load("1.9"), "row.create").confident
    assert event_route(load("1.7"), "row.create") is None  # TablesDB came with 1.8
    assert event_route(load("1.7"), "document.create").scopes == ("documents.write",)
    assert {r.template for r in routes_logging(load("1.7"), "document.create")} == {
        "/v1/databases/{databaseId}/collections/{collectionId}/documents"
    }
    assert event_route(load("1.9"), "no.such.event") is None


def test_events_whose_routes_need_different_scopes_are_not_confident():
    deployment = event_route(load("1.9"), "deployment.create")
    assert not deployment.confident and set(deployment.scopes) == {"functions.write", "sites.write"}
    index = event_route(load("1.9"), "index.create")  # collections.write, or tables.* on TablesDB
    assert not index.confident
    executions = event_route(load("1.9"), "executions.delete")  # one route taking the old and new name
    assert executions.confident and set(executions.scopes) == {"executions.write", "execution.write"}
