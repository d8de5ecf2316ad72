"""unknown-key-burst: more distinct unknown keys in the logs than unknown-key keeps (its option `keep`).

Fails: 5,000 requests, each with a made-up X-Appwrite-Key, and `keep: 100`: one finding for them all.
Passes: the logs name at most `keep` keys that no definition names.

Anyone who can reach the server can mint key ids; one finding per id would let them flood the report, so
the keys beyond the busiest are counted together here (analysis/topkeys.py), with the busiest named.
"""

from auditor.model import Problem

RULE_ID = "unknown-key-burst"
NAMED = 5  # busiest unknown keys named in the message


def check(ctx):
    if ctx.usage is None or ctx.usage.unknown.complete:
        return
    summary = ctx.usage.unknown_summary()
    busiest = ", ".join(
        f"{usage.key} ({'' if exact else 'at least '}{usage.calls})"
        for usage, exact in ctx.usage.unknown_keys()[:NAMED]
    )
    about = "about " if summary["keysEstimated"] else ""
    yield Problem(
        None,
        None,
        {
            "keys": f"{about}{summary['keys']}",
            "calls": summary["calls"],
            "keep": summary["keep"],
            "reported": summary["reported"],
            "aggregated_keys": f"{about}{summary['aggregatedKeys']}",
            "aggregated_calls": summary["aggregatedCalls"],
            "busiest": f"; busiest: {busiest}" if busiest else "; none stands out from the rest",
        },
        None,
    )
