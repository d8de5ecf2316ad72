"""unknown-key: calls from a key id no key definition names.

Fails: log records with `"key": "6745ffff…"` when no key file defines it.
Passes: every logged key id is defined.
"""

from auditor.model import Problem

RULE_ID = "unknown-key"


def check(ctx):
    if ctx.usage is None:
        return
    for (project, key_id), usage in sorted(ctx.usage.by_key.items(), key=lambda item: (item[0][0] or "", item[0][1])):
        if key_id in ctx.defined_ids:
            continue
        yield Problem(None, None, {"key_id": key_id, "count": usage.calls,
                                   "project": f" in project {project}" if project else ""},
                      None, key_id=key_id, project=project)
