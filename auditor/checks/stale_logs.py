"""stale-logs: the scheduled job's last ingested call is older than N days before the run (option `days`, 2).

When log shipping stalls, the job still runs every night: its window ends at
the last call ingested (state/window.py), and this finding says the feed has
gone quiet, so that "no call" verdicts are read for what they are.
Fails (judged on 2026-11-25): a state whose last ingested call is from
2026-11-01. Passes: a last call from 2026-11-24; a one-off `audit`, whose logs
are the files given, not a feed.
"""

from auditor.checks.context import DAY
from auditor.model import Problem
from auditor.times import iso

RULE_ID = "stale-logs"


def check(ctx):
    if ctx.usage is None or ctx.usage.window is None:
        return
    threshold = ctx.rule.options["days"]
    last = ctx.usage.window[1]
    days = (ctx.now_ts - last) / DAY
    if days > threshold:
        yield Problem(None, None, {"last": iso(last)[:10], "days": int(days), "threshold": threshold}, None)
