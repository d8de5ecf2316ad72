"""Generate the audit-event table: which key-callable routes log each Appwrite audit event.

Appwrite's audit log names an action by its route's `audits.event` label
(`row.create`), never by its path. `routes-1.9.6-from-source.json` carries that
label per route (`auditEvent`); this keeps, per event, the routes an API key may
call (`auth` holds KEY), as `[method, /v1 template]` pairs. Read, never copied:

    python -m auditor.catalog.generate_events [--shared ../shared/appwrite] [--check]

`--check` writes nothing and exits 1 when the committed file differs.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from auditor.catalog.generate import DEFAULT_SHARED, sha256_of
from auditor.generated import write_or_check

SOURCE = "routes-1.9.6-from-source.json"
TARGET = Path(__file__).resolve().parent / "data" / "audit-events.json"
REGENERATE = "python -m auditor.catalog.generate_events --shared ../shared/appwrite"


def build(shared: Path) -> dict:
    table = json.loads((shared / SOURCE).read_text())
    column = {name: index for index, name in enumerate(table["columns"])}
    events: dict[str, list[list[str]]] = {}
    for row in table["rows"]:
        event, auth = row[column["auditEvent"]], row[column["auth"]]
        if not event or not auth or "KEY" not in auth:
            continue
        events.setdefault(event, []).append([row[column["method"]], "/v1" + row[column["path"]]])
    return {
        "description": "Audit event -> the routes an API key may call that log it (label audits.event). "
        "Generated, never edited.",
        "regenerate": REGENERATE,
        "sources": [{"file": SOURCE, "sha256": sha256_of(shared / SOURCE)}],
        "events": {name: sorted(routes, key=lambda r: (r[1], r[0])) for name, routes in sorted(events.items())},
    }


def render(data: dict) -> str:
    head = {k: v for k, v in data.items() if k != "events"}
    text = json.dumps(head, indent=1)[:-2]
    rows = ",\n  ".join(
        f"{json.dumps(name)}: {json.dumps(routes, separators=(',', ':'))}" for name, routes in data["events"].items()
    )
    return f'{text},\n "events": {{\n  {rows}\n }}\n}}\n'


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    parser.add_argument("--check", action="store_true", help="compare, write nothing")
    args = parser.parse_args(argv)
    return write_or_check([(TARGET, render(build(args.shared)))], args.check, REGENERATE)


if __name__ == "__main__":
    sys.exit(main())
