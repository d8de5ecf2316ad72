"""unknown-scope: a name that is not an API key scope of the chosen version.

Fails: `row.read` (did you mean rows.read?), `global`, `graphql`, `account`.
Passes: `rows.read`, and deprecated names such as `documents.read`, which
Appwrite still accepts (deprecated-scope reports those); Cloud-only names such
as `archives.read` in a self-hosted 2.x audit (cloud-only-scope reports those).
"""

from auditor.checks.context import label
from auditor.model import Problem
from auditor.catalog.scopes import did_you_mean, suggestions

RULE_ID = "unknown-scope"


def check(ctx):
    for analysis in ctx.analyses:
        key = analysis.key
        for scope in dict.fromkeys(key.scopes):
            if scope in ctx.catalog.key_scopes or scope in ctx.catalog.cloud_only:
                continue
            if scope in ctx.catalog.implicit:
                hint = "; every key holds it implicitly"
                fix = f"Remove {scope} from {label(key)}"
            else:
                hint = did_you_mean(scope, ctx.catalog)
                hint = f"; {hint}" if hint else ""
                options = suggestions(scope, ctx.catalog)
                fix = f"Replace {scope} with {options[0]} on {label(key)}" if options else f"Remove {scope} from {label(key)}"
            yield Problem(key, scope, {"key": label(key), "scope": scope, "version": ctx.catalog.version,
                                       "hint": hint, "fix": fix}, key.scope_location(scope))
