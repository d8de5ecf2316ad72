"""Access logs, Appwrite audit logs and error lines: detected, parsed into each key's calls, bad lines counted."""

import gzip
import hashlib
import json
import re
import shutil
import types

import pytest
from helpers.audit import NOW
from helpers.cli import invoke, run_cli
from helpers.paths import ROOT
from jsonschema import Draft202012Validator

from auditor.audit import run_audit
from auditor.audit.report import build
from auditor.errors import InputError
from auditor.loaders.keys import load_key_file
from auditor.loaders.logs import LOG_FORMATS, formats, iter_calls
from auditor.loaders.logs.attribution import KEY_DYNAMIC, KEY_REDACTED, NO_KEY, KeyIndex, LogOptions
from auditor.loaders.logs.calllog import BadRecord, Call, ReadStats, counted_lines
from auditor.loaders.logs.detect import detect_format
from auditor.loaders.logs.format import LogFormat
from auditor.loaders.logs.records import AuditEvent
from auditor.loaders.logs.timestamps import clf, rfc3339
from auditor.model import KeyDefinition, Location
from auditor.rules.registry import configured_rules
from auditor.validation.schemas import violations

FIXTURES = ROOT / "tests" / "fixtures" / "logs"
KEYS = str(FIXTURES / "keys.json")
ORDER_SYNC, SEARCH, DEPLOYER, MAILER = (
    "6a1f0c2e9b7d4a3c8e51",
    "6a20b4d17e3f5c9a0b62",
    "6a31e8f2a4c60d7b1c73",
    "6a64cbe5d7f93a0e4fa6",
)
SECRET = re.compile(r"(?:standard|dynamic)_[0-9A-Za-z_.-]{40,}")


def read(name, **options):
    """(records, stats) of one fixture, read with the fixture keys."""
    stats = ReadStats()
    keys = KeyIndex(load_key_file(KEYS).keys)
    return list(iter_calls(str(FIXTURES / name), stats, LogOptions(keys=keys, **options))), stats


def audit(*log_names, key=None, log_format=None):
    result = run_audit(
        [KEYS],
        [str(FIXTURES / n) for n in log_names],
        rules=configured_rules(None),
        now=NOW,
        log_key=key,
        log_format=log_format,
    )
    return result, build(result)


def key_report(report, key_id):
    return next(k for k in report["keys"] if k["id"] == key_id)


@pytest.mark.parametrize(
    "name, expected",
    [
        ("traefik-access.json", "traefik-json"),
        ("traefik-access.log", "traefik-common"),
        ("nginx-access.log", "nginx-combined"),
        ("appwrite-audit.json", "appwrite-audit"),
        ("appwrite-audit.jsonl", "appwrite-audit"),
        ("app-errors.log", "error-lines"),
    ],
)
def test_format_is_detected_from_the_first_lines(name, expected, tmp_path):
    assert detect_format((FIXTURES / name).read_bytes()[:4096]) == expected
    packed = tmp_path / f"{name}.gz"
    packed.write_bytes(gzip.compress((FIXTURES / name).read_bytes()))
    stats = ReadStats()
    list(iter_calls(str(packed), stats))
    assert stats.formats == {str(packed): expected}


def test_detection_keeps_keyaudit_jsonl_and_counts_unknown_formats_as_bad_lines(tmp_path):
    assert detect_format(b'{"key": "k1", "method": "GET", "path": "/v1/users"}\n') == "keyaudit-jsonl"
    assert detect_format(b"") == "keyaudit-jsonl"
    caddy = tmp_path / "caddy.log"
    caddy.write_text('{"level":"info","logger":"http.log.access","msg":"handled request","status":200}\n' * 3)
    stats = ReadStats()
    assert list(iter_calls(str(caddy), stats)) == []
    assert stats.formats[str(caddy)] == "keyaudit-jsonl" and stats.bad_lines == 3


def test_a_compact_loglist_longer_than_the_head_is_an_audit_log():
    page = json.dumps(
        {
            "total": 400,
            "logs": [json.loads(line) for line in (FIXTURES / "appwrite-audit.jsonl").read_text().splitlines()] * 40,
        }
    )
    assert len(page) > 65536
    assert detect_format(page[:65536].encode()) == "appwrite-audit"


def test_traefik_json_names_keys_by_their_secrets_sha256():
    records, stats = read("traefik-access.json")
    by_key = {}
    for call in records:
        by_key.setdefault(call.key, []).append((call.method, call.path.split("?")[0], call.status, call.project))
    unknown = "sha256:" + hashlib.sha256(_fixture_secret("deleted-key").encode()).hexdigest()[:12]
    assert by_key == {
        ORDER_SYNC: [
            ("GET", "/v1/tablesdb/shop/tables/products/rows", 200, "shop-prod"),  # export holds the secret
            ("POST", "/v1/tablesdb/shop/tables/orders/rows", 201, "shop-prod"),
        ],
        SEARCH: [
            ("GET", "/v1/tablesdb/shop/tables/products/rows", 200, "shop-prod"),  # export holds secretSha256
            ("GET", "/v1/tablesdb/shop/tables", 200, "shop-prod"),
            ("GET", "/v1/users", 401, "shop-prod"),
        ],
        unknown: [("GET", "/v1/users/6744e7b1002c5b1f2c3d", 200, "shop-prod")],
    }
    assert all(call.error is None for call in records)  # a bare 401 says nothing about scopes
    assert records[0].time == pytest.approx(1795168800.123457)
    assert stats.unattributed == {NO_KEY: 1, KEY_REDACTED: 1, KEY_DYNAMIC: 1}
    assert stats.lines_read == 11 and stats.bad_lines == 2
    assert [(s["line"], s["reason"]) for s in stats.bad_samples] == [
        (10, "not a Traefik access-log entry (no RequestMethod and RequestPath)"),
        (11, "not valid JSON"),
    ]


def test_an_access_log_401_is_no_missing_scope_signal():
    _, report = audit("traefik-access.json")
    missing = [f for f in report["findings"] if f["rule"] == "missing-scope"]
    assert [(f["key"], f["scope"]) for f in missing] == [(SEARCH, "users.read")]
    assert "general_unauthorized_scope" not in missing[0]["message"]
    unknown = [f for f in report["findings"] if f["rule"] == "unknown-key"]
    assert [f["key"] for f in unknown] == [
        "sha256:" + hashlib.sha256(_fixture_secret("deleted-key").encode()).hexdigest()[:12]
    ]


@pytest.mark.parametrize(
    "name, key, expected",
    [
        (
            "traefik-access.log",
            ORDER_SYNC,
            [
                ("GET", "/v1/tablesdb/shop/tables/products/rows", 200),
                ("POST", "/v1/tablesdb/shop/tables/orders/rows", 201),
                ("GET", "/v1/users/6744e7b1002c5b1f2c3d", 200),
                ("PATCH", "/v1/tablesdb/shop/tables/products/rows/p-1042/stock/decrement", 200),
            ],
        ),
        (
            "nginx-access.log",
            SEARCH,
            [
                ("GET", "/v1/tablesdb/shop/tables/products/rows", 200),
                ("GET", "/v1/tablesdb/shop/tables", 200),
                ("GET", "/v1/users", 401),
                ("GET", "/v1/tablesdb/shop/tables/products/rows/p-1042", 200),
            ],
        ),
    ],
)
def test_common_and_combined_lines_take_the_key_from_the_command_line(name, key, expected):
    records, stats = read(name, key=key)
    assert [(c.key, c.method, c.path.split("?")[0], c.status) for c in records] == [(key, *e) for e in expected]
    assert stats.bad_lines == 1 and stats.unattributed == {}
    unkeyed, stats = read(name)
    assert unkeyed == [] and sum(stats.unattributed.values()) == 4


def test_nginx_times_keep_their_offset_and_odd_requests_are_bad_lines():
    records, stats = read("nginx-access.log", key=SEARCH)
    assert [c.time for c in records][1:3] == [1795168801.0, 1795165202.0]  # +0100 is an hour earlier in UTC
    assert stats.bad_samples == [
        {"file": str(FIXTURES / "nginx-access.log"), "line": 4, "reason": "request is not METHOD PATH"}
    ]


@pytest.mark.parametrize("name", ["appwrite-audit.json", "appwrite-audit.jsonl"])
def test_audit_log_entries_are_attributed_to_keys_by_name(name):
    records, stats = read(name)
    assert [(r.key, r.event, r.project) for r in records] == [
        (ORDER_SYNC, "row.create", "shop-prod"),
        (ORDER_SYNC, "row.create", "shop-prod"),
        (ORDER_SYNC, "row.update", "shop-prod"),
        (DEPLOYER, "function.update", "shop-prod"),
        (DEPLOYER, "deployment.create", "shop-prod"),
        (DEPLOYER, "variable.create", "shop-prod"),
        ("name:legacy-bridge", "document.create", "shop-prod"),  # a key no definition names
        (ORDER_SYNC, "index.rebuild", "shop-prod"),
    ]
    assert all(isinstance(r, AuditEvent) for r in records)
    assert stats.unattributed == {
        "key name 'reporting' is shared by keys 6a42a9c3b5d71e8c2d84, 6a53bad4c6e82f9d3e95: attributed to neither": 1,
        "audit entries by users, guests or the Console, not by an API key": 1,
        KEY_DYNAMIC: 1,
    }
    line = 234 if name.endswith(".json") else 11
    assert stats.bad_samples == [{"file": str(FIXTURES / name), "line": line, "reason": "missing or invalid 'event'"}]
    assert stats.lines_read == len((FIXTURES / name).read_text().splitlines())


def test_audit_events_become_needs_with_a_confidence():
    _, report = audit("appwrite-audit.json")
    deployer = key_report(report, DEPLOYER)
    assert deployer["routes"] == [] and deployer["calls"] == 3
    assert [(e["name"], e["confidence"], e["scopes"]) for e in deployer["evidence"]] == [
        ("deployment.create", "low", ["functions.write", "sites.write"]),
        ("function.update", "high", ["functions.write"]),
        ("variable.create", "low", ["functions.write", "sites.write"]),
    ]
    assert deployer["minimal"] == ["functions.write"]  # the low-confidence events stay out
    assert any("kept out of the minimal set" in note for note in deployer["notes"])
    unused = {(f["key"], f["scope"]) for f in report["findings"] if f["rule"] == "unused-scope"}
    # audit logs record mutations only: a read scope is never called unused from them alone
    assert (DEPLOYER, "functions.read") not in unused and (DEPLOYER, "sites.write") not in unused
    order_sync = key_report(report, ORDER_SYNC)
    assert order_sync["minimal"] == ["rows.write"]
    assert any("only mutations" in note for note in order_sync["notes"])
    assert report["summary"]["notes"] and "only mutations" in report["summary"]["notes"][0]
    unknown_route = [f for f in report["findings"] if f["rule"] == "unknown-route"]
    assert "audit event index.rebuild" in unknown_route[0]["message"]
    assert [f["key"] for f in report["findings"] if f["rule"] == "unknown-key"] == ["name:legacy-bridge"]


def test_error_lines_are_missing_scope_signals():
    records, stats = read("app-errors.log", key=MAILER)
    assert [(type(r).__name__, getattr(r, "scopes", None) or (r.method, r.path, r.error)) for r in records] == [
        ("ScopeDenial", ("rows.read", "documents.read")),  # its traceback repeats it: counted once
        ("ScopeDenial", ("users.read",)),  # <= 1.7 message
        ("Call", ("GET", "/v1/storage/buckets/invoices/files", "general_unauthorized_scope")),
    ]
    assert [(r.key, r.project) for r in records] == [(MAILER, "shop-prod")] * 2 + [(MAILER, None)]  # from the email
    assert records[0].time == pytest.approx(1795168801.233)
    assert stats.unattributed == {
        "scope errors of user sessions or guests, not of a key": 1,
        "scope errors that name neither the route nor the scopes": 1,
    }
    _, stats = read("app-errors.log")
    assert stats.unattributed["error-lines logs name no key: give --key ID"] == 4


def test_error_lines_name_the_scopes_to_add():
    _, report = audit("app-errors.log", key=MAILER)
    missing = sorted((f["scope"], f["message"]) for f in report["findings"] if f["rule"] == "missing-scope")
    assert [scope for scope, _ in missing] == ["files.read", "rows.read", "users.read"]
    assert missing[1][1] == (
        "1 call(s) to unlogged route (rows.read or documents.read) were answered 401 "
        "general_unauthorized_scope; the route needs rows.read or documents.read"
    )
    mailer = key_report(report, MAILER)
    assert [(e["source"], e["name"], e["denied"]) for e in mailer["evidence"]] == [
        ("scope-error", "rows.read or documents.read", 1),
        ("scope-error", "users.read", 1),
    ]


def test_a_record_whose_error_is_the_message_counts_as_denied(tmp_path):
    log = tmp_path / "calls.jsonl"
    log.write_text(
        json.dumps(
            {
                "key": MAILER,
                "method": "GET",
                "path": "/v1/users",
                "status": 401,
                "error": "app.shop-prod@service.localhost (role: applications) missing scope (users.read)",
            }
        )
        + "\n"
    )
    result = run_audit([KEYS], [str(log)], rules=configured_rules(None), now=NOW)
    (missing,) = [f for f in result.findings if f.rule == "missing-scope"]
    assert " were answered 401 general_unauthorized_scope; the route needs " in missing.message


def test_forced_format_overrides_detection(tmp_path):
    records, stats = read("traefik-access.log", key=ORDER_SYNC, format="nginx-combined")
    assert len(records) == 4 and stats.formats[str(FIXTURES / "traefik-access.log")] == "nginx-combined"
    code, _, err = run_cli(
        "audit", "--keys", KEYS, "--logs", str(FIXTURES / "app-errors.log"), "--log-format", "syslog"
    )
    assert code == 2 and "syslog" in err and "Traceback" not in err


def test_report_of_every_format_validates_and_holds_no_secret(tmp_path):
    names = ["traefik-access.json", "traefik-access.log", "nginx-access.log", "appwrite-audit.json", "app-errors.log"]
    code, out, err = run_cli(
        "audit",
        "--keys",
        KEYS,
        *(a for n in names for a in ("--logs", str(FIXTURES / n))),
        "--key",
        SEARCH,
        "--now",
        "2026-11-25T00:00:00Z",
        "--format",
        "json",
    )
    assert code == 1, err
    report = json.loads(out)
    assert violations(report, "report.schema.json", None) == []
    assert set(report["summary"]["logFormats"].values()) == set(LOG_FORMATS) - {"keyaudit-jsonl"}
    assert not SECRET.search(out + err)
    for secret in (_fixture_secret("order-sync"), _fixture_secret("deleted-key")):
        assert secret[9:40] not in out + err
    code, out, err = run_cli(
        "explain",
        SEARCH,
        "--keys",
        KEYS,
        "--logs",
        str(FIXTURES / "traefik-access.json"),
        "--now",
        "2026-11-25T00:00:00Z",
    )
    assert code == 0 and "3 logged calls" in out and not SECRET.search(out + err)


def test_report_schema_takes_every_registered_format_name_and_nothing_of_another_shape():
    schema = json.loads((ROOT / "schemas" / "report.schema.json").read_text())
    name_shape = Draft202012Validator(
        schema["properties"]["summary"]["properties"]["logFormats"]["additionalProperties"]
    )
    assert len(set(formats.names())) == len(formats.names()) == len(LOG_FORMATS)
    for name in formats.names():
        assert name_shape.is_valid(name), name
    for not_a_name in ("", "Traefik JSON", "nginx_combined", "-jsonl", "jsonl-", "a" * 41, 3, None):
        assert not name_shape.is_valid(not_a_name), not_a_name


def _tab_separated_log_module():
    """A throwaway format, a key, a method and a path a line, tab-separated, declared as its own module would."""
    module = types.ModuleType("tab_separated")
    module.NAME = "tab-separated"

    def parse(name, stream, stats, options):
        for number, line in counted_lines(name, stream, stats):
            fields = line.decode("utf-8", "replace").rstrip("\r\n").split("\t")
            if len(fields) != 3:
                stats.bad(name, number, "not key, method and path")
                continue
            yield Call(fields[0], fields[1], fields[2], None, 200, None, None)

    module.FORMAT = LogFormat(
        module.NAME, parse, text_line=lambda line: re.fullmatch(r"\S+\t[A-Z]+\t/\S*", line) is not None
    )
    return module


def test_a_log_format_is_one_module_and_one_registry_line(monkeypatch, tmp_path):
    module = _tab_separated_log_module()
    monkeypatch.setattr(formats, "FORMATS", [*formats.FORMATS, module.FORMAT])  # its registry line
    log = tmp_path / "calls.tsv"
    log.write_text(f"{SEARCH}\tGET\t/v1/users\n{SEARCH}\tGET\t/v1/users/u1\nnot a call\n")
    assert detect_format(log.read_bytes()) == "tab-separated"
    for forced in ([], ["--log-format", "tab-separated"]):
        result = invoke(
            ["audit", "--keys", KEYS, "--logs", log, *forced, "--now", "2026-11-25T00:00:00Z", "--format", "json"]
        )
        assert result.exit_code in (0, 1), result.output
        report = json.loads(result.stdout)
        assert violations(report, "report.schema.json", None) == []
        assert report["summary"]["logFormats"] == {str(log): "tab-separated"}
        assert key_report(report, SEARCH)["calls"] == 2
    assert "tab-separated" in invoke(["audit", "--help"]).output


def test_a_log_from_stdin_is_detected_too():
    text = (FIXTURES / "traefik-access.json").read_text()
    code, out, err = run_cli(
        "audit",
        "--keys",
        KEYS,
        "--logs",
        "-",
        "--now",
        "2026-11-25T00:00:00Z",
        "--format",
        "json",
        "--fail-on",
        "none",
        input=text,
    )
    assert code == 0, err
    assert json.loads(out)["summary"]["logFormats"] == {"<stdin>": "traefik-json"}


def test_an_oversized_audit_document_is_refused_with_advice(tmp_path, monkeypatch):
    from auditor.loaders.logs import audit_log

    monkeypatch.setattr(audit_log, "MAX_DOCUMENT_BYTES", 1000)
    big = tmp_path / "audit.json"
    shutil.copy(FIXTURES / "appwrite-audit.json", big)
    with pytest.raises(InputError, match=r"jq -c '\.logs\[\]'"):
        list(iter_calls(str(big), ReadStats(), LogOptions(format="appwrite-audit")))


def test_a_broken_audit_document_is_counted_not_fatal(tmp_path):
    text = (FIXTURES / "appwrite-audit.json").read_text()
    cut = tmp_path / "audit.json"
    cut.write_text(text[: text.index('"event": "deployment.create"')])
    stats = ReadStats()
    records = list(iter_calls(str(cut), stats, LogOptions(keys=KeyIndex(load_key_file(KEYS).keys))))
    assert [r.event for r in records] == ["row.create", "row.create", "row.update", "function.update"]
    assert stats.bad_lines == 1 and stats.bad_samples[0]["reason"] == "not valid JSON; the rest is not read"


def _fixture_secret(seed):
    """The made-up secrets of tests/fixtures/logs (see keys.json and traefik-access.json)."""
    return "standard_" + "".join(hashlib.sha256(f"{seed}-{i}".encode()).hexdigest() for i in range(4))


def test_fixture_secrets_are_the_ones_the_keys_define():
    keys = {k["name"]: k for k in json.loads((FIXTURES / "keys.json").read_text())["keys"]}
    assert keys["order-sync"]["secret"] == _fixture_secret("order-sync")
    assert (
        keys["search-indexer"]["secretSha256"] == hashlib.sha256(_fixture_secret("search-indexer").encode()).hexdigest()
    )


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2026-11-20T10:00:00.123456789Z", 1795168800.123456789),  # Go's RFC 3339 with nanoseconds
        ("2026-11-20T10:00:00.5Z", 1795168800.5),
        ("2026-11-20 10:00:00,123", 1795168800.123),  # Python logging; no zone means UTC
        ("2026-11-20T10:00:00-05:30", 1795188600.0),
        ("2026-11-20T10:00:00.000+00:00", 1795168800.0),  # Appwrite
    ],
)
def test_log_timestamps(text, expected):
    assert rfc3339(text) == pytest.approx(expected)


@pytest.mark.parametrize("text", ["2026-02-30T10:00:00Z", "2026-11-20T24:00:00Z", "20/11/2026 10:00"])
def test_impossible_timestamps_are_bad_records(text):
    with pytest.raises(BadRecord):
        rfc3339(text)


def test_common_log_timestamps():
    assert clf("20/Nov/2026:10:00:02 +0100") == 1795165202.0
    with pytest.raises(BadRecord):
        clf("20/Foo/2026:10:00:02 +0100")


@pytest.mark.parametrize(
    "line",
    [
        '2026-11-20 10:00:00,000 INFO shop.web: GET /v1/keys search q="missing scopes ([\\"keys.write\\"])"',
        '2026-11-20 10:00:00,000 INFO shop.web: search q=missing scopes (["keys.write"])',
        "2026-11-20 10:00:00,000 INFO shop.web: note app.shop-prod@service.x (role: applications) missing scopes "
        '(["keys.write"]) said the ticket',
        "2026-11-20 10:00:00,000 INFO shop.web: search GET /v1/keys general_unauthorized_scope",
        '{"msg": "GET /v1/keys search", "q": "app.shop-prod@service.x (role: applications) missing scopes (['
        '\\"keys.write\\"])"}',
        '{"msg": "GET /v1/keys", "type": "general_unauthorized_scope", "code": 200}',
    ],
)
def test_only_appwrites_exact_error_shape_is_a_refusal(tmp_path, line):
    log = tmp_path / "app.log"
    log.write_text("2026-11-20 10:00:00,000 INFO shop.web: started\n" + line + "\n")
    records, stats = read(str(log), key=MAILER, format="error-lines")
    assert records == [] and stats.unattributed == {}
    _, report = audit(str(log), key=MAILER, log_format="error-lines")
    assert [f for f in report["findings"] if f["rule"] == "missing-scope"] == []


def test_a_user_whose_email_looks_like_a_key_is_refused_as_a_user(tmp_path):
    log = tmp_path / "app.log"
    log.write_text(
        "2026-11-20 10:00:00,000 ERROR shop.web: AppwriteException: app.shop-prod@service.x "
        '(role: users) missing scopes (["keys.write"])\n'
    )
    records, stats = read(str(log), key=MAILER, format="error-lines")
    assert records == [] and stats.unattributed == {"scope errors of user sessions or guests, not of a key": 1}


def test_a_record_saying_the_scope_error_beside_a_success_is_no_refusal(tmp_path):
    log = tmp_path / "calls.jsonl"
    log.write_text(
        json.dumps(
            {"key": MAILER, "method": "GET", "path": "/v1/users", "status": 200, "error": "general_unauthorized_scope"}
        )
        + "\n"
    )
    result = run_audit([KEYS], [str(log)], rules=configured_rules(None), now=NOW)
    (missing,) = [f for f in result.findings if f.rule == "missing-scope"]
    assert "general_unauthorized_scope" not in missing.message  # a call that passed, not a refusal


def _audit_records(tmp_path, entries, keys=None):
    log = tmp_path / "audit.jsonl"
    log.write_text("".join(json.dumps(entry) + "\n" for entry in entries))
    stats = ReadStats()
    index = KeyIndex(keys if keys is not None else load_key_file(KEYS).keys)
    records = list(iter_calls(str(log), stats, LogOptions(format="appwrite-audit", keys=index)))
    return [(r.key, r.event) for r in records], stats


def _entry(**fields):
    return {
        "event": "user.create",
        "userId": "",
        "userEmail": "app.shop-prod@service.appwrite.shop.example",
        "userName": "order-sync",
        "time": "2026-11-20T10:00:00.000+00:00",
        **fields,
    }


def test_only_entries_appwrite_writes_for_a_key_are_the_keys(tmp_path):
    """A user account whose email and name copy a key's keeps its own id: its actions are not the key's."""
    records, stats = _audit_records(
        tmp_path,
        [
            _entry(),
            _entry(userType="app"),
            _entry(userType="keyProject"),
            _entry(userId="6744e7b1002c5b1f2c3d"),
            _entry(userType="user"),
            _entry(userEmail="app.shop-prod@service.appwrite.shop.example.evil user"),
            _entry(userEmail="xapp.shop-prod@service.appwrite.shop.example"),
        ],
    )
    assert records == [(ORDER_SYNC, "user.create")] * 3
    assert stats.unattributed == {"audit entries by users, guests or the Console, not by an API key": 4}
    _, stats = _audit_records(tmp_path, [{k: v for k, v in _entry().items() if k != "userId"}])
    assert stats.bad_samples[0]["reason"] == "missing or invalid 'userId' (empty for an API key)"


def test_a_key_without_a_project_takes_no_projects_audit_entries(tmp_path):
    here = Location("keys.yaml", 1)
    keys = [
        KeyDefinition("k-global", ["users.write"], here, name="sync"),
        KeyDefinition("k-shop", ["users.write"], here, name="sync", project="shop-prod"),
    ]
    records, stats = _audit_records(
        tmp_path, [_entry(userName="sync"), _entry(userName="sync", userEmail="app.other@service.example")], keys
    )
    assert records == [("k-shop", "user.create")]
    assert stats.unattributed == {
        "key name 'sync' is defined without a project (k-global): audit entries, which name their project, are "
        "attributed to no key; give the key its project (`projectId` in an export, as fetch-keys writes it; "
        "`project` in a manifest)": 1
    }
