"""unknown-key: calls from a key id no key definition names.

Fails: log records with `"key": "6745ffff…"` when no key file defines it.
Passes: every logged key id is defined.

Only the busiest unknown keys are kept (option `keep`, analysis/topkeys.py): when more keys than that
were logged, the keys surely among the busiest are reported here and unknown-key-burst reports the rest.
"""

from auditor.analysis.topkeys import DEFAULT_KEEP
from auditor.errors import InputError
from auditor.model import Problem

RULE_ID = "unknown-key"


def unknown_keys_kept(rules: dict) -> int:
    """The rule's option `keep`: how many unknown keys the logs' usage keeps in full."""
    rule = rules.get(RULE_ID)
    keep = rule.options.get("keep", DEFAULT_KEEP) if rule is not None else DEFAULT_KEEP
    if keep < 1:
        raise InputError(f"config: option {RULE_ID}.keep must be at least 1 (got {keep})")
    return keep


def check(ctx):
    if ctx.usage is None:
        return
    for usage, exact in sorted(ctx.usage.unknown_keys(), key=lambda item: (item[0].project or "", item[0].key)):
        yield Problem(
            None,
            None,
            {
                "key_id": usage.key,
                "count": usage.calls if exact else f"at least {usage.calls}",
                "project": f" in project {usage.project}" if usage.project else "",
            },
            None,
            key_id=usage.key,
            project=usage.project,
        )
