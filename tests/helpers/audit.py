"""Build small key files and logs, run the real audit, and read its findings."""

import gzip
import json
from datetime import UTC, datetime

from auditor.audit import run_audit
from auditor.rules.registry import configured_rules

NOW = datetime(2026, 11, 25, tzinfo=UTC)
FUTURE = "2027-06-30T00:00:00.000+00:00"


def key(key_id="k1", scopes=(), **fields):
    data = {
        "$id": key_id,
        "name": f"name-{key_id}",
        "scopes": list(scopes),
        "expire": FUTURE,
        "$createdAt": "2026-01-01T00:00:00.000+00:00",
        "accessedAt": "2026-11-20T00:00:00.000+00:00",
    }
    data.update(fields)
    return data


def call(key_id, method, path, time="2026-11-20T10:00:00.000Z", **fields):
    return {"time": time, "key": key_id, "method": method, "path": path, **fields}


def over_a_month(calls):
    """The calls with the first moved 40 days back: logs long enough to drop a scope on (plan.MIN_LOG_DAYS)."""
    first, *rest = calls
    return [{**first, "time": "2026-10-10T10:00:00.000Z"}, *rest]


def write_keys(tmp_path, keys, name="keys.json"):
    path = tmp_path / name
    path.write_text(json.dumps({"total": len(keys), "keys": keys}, indent=2))
    return str(path)


def write_logs(tmp_path, calls, name="calls.jsonl", gz=False):
    path = tmp_path / name
    text = "".join((c if isinstance(c, str) else json.dumps(c)) + "\n" for c in calls)
    if gz:
        with gzip.open(path, "wt") as handle:
            handle.write(text)
    else:
        path.write_text(text)
    return str(path)


def audit(tmp_path, keys, calls=None, version="1.9", config=None, now=NOW):
    key_path = write_keys(tmp_path, keys)
    log_paths = [write_logs(tmp_path, calls)] if calls is not None else []
    return run_audit([key_path], log_paths, version=version, rules=configured_rules(config), now=now)


def fired(result, rule=None):
    """{(rule, key, scope)} of the findings, optionally of one rule."""
    return {(f.rule, f.key, f.scope) for f in result.findings if rule is None or f.rule == rule}
