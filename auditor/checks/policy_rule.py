"""policy:<id>: a rule of the organisation's policy (auditor/policy), evaluated from its data.

Each policy rule's options hold its key selector (`match`) and its one condition.
Example: `{id: no-key-minting, forbiddenScopes: [keys.write], ...}` fails a key
holding keys.write and passes one without; `{match: {name: "ci-*"},
allowedScopes: ["functions.*"]}` fails `ci-deploy` holding rows.read and
ignores keys named otherwise; `maxScopes: 10` fails a 20-scope key;
`maxLifetimeDays: 90` fails a key that never expires or lives 365 days;
`requiredFields: [owner]` fails a manifest key without `owner`.
"""

from __future__ import annotations

import math
from fnmatch import fnmatchcase

from auditor.checks.context import DAY, expiry, label, timestamp
from auditor.model import Problem
from auditor.policy import condition_of

FIELDS = {"name": "name", "owner": "owner", "purpose": "purpose", "createdAt": "created_at", "project": "project"}


def check(ctx):
    options = ctx.rule.options
    condition = condition_of(options)
    evaluate = CONDITIONS[condition]
    for analysis in ctx.analyses:
        key = analysis.key
        if not selected(key, options["match"]) or (options["unless"] and selected(key, options["unless"])):
            continue
        common = {
            "key": label(key),
            "id": key.id,
            "name": key.name or key.id,
            "project": key.project or "",
            "rule": ctx.rule.id,
        }
        for scope, params, discriminator in evaluate(ctx, key, options[condition]):
            location = key.scope_location(scope) if scope else key.location
            yield Problem(key, scope, {**common, **params}, location, discriminator=discriminator)


def selected(key, match: dict) -> bool:
    for field in ("name", "id", "project"):
        if field in match:
            patterns = [match[field]] if isinstance(match[field], str) else match[field]
            value = getattr(key, field) or ""
            if not any(fnmatchcase(value, pattern) for pattern in patterns):
                return False
    if "kind" in match and key.kind not in match["kind"]:
        return False
    return "source" not in match or key.source in match["source"]


def _allowed(ctx, key, patterns):
    for scope in dict.fromkeys(key.scopes):
        if not any(fnmatchcase(scope, pattern) for pattern in patterns):
            yield scope, {"scope": scope, "allowed": ", ".join(patterns)}, None


def _forbidden(ctx, key, patterns):
    for scope in dict.fromkeys(key.scopes):
        if any(fnmatchcase(scope, pattern) for pattern in patterns):
            yield scope, {"scope": scope}, None


def _max_scopes(ctx, key, limit):
    count = len(dict.fromkeys(key.scopes))
    if count > limit:
        yield None, {"count": count, "max": limit}, None


def _max_lifetime(ctx, key, days):
    """Expiry within `days` of creation (of now when the creation date is unknown)."""
    if key.expires_by_itself:
        return
    expire = expiry(key.expire)
    if expire is None or math.isinf(expire):
        yield None, {"expire": "never", "lifetime": "unlimited", "max": days}, None
        return
    start = timestamp(key.created_at)
    start = ctx.now_ts if start is None else start
    lifetime = (expire - start) / DAY
    if lifetime > days:
        yield None, {"expire": key.expire[:10], "lifetime": f"{lifetime:.0f} days", "max": days}, None


def _required(ctx, key, fields):
    for field in fields:
        if not getattr(key, FIELDS[field]):
            yield None, {"field": field}, field


CONDITIONS = {
    "allowedScopes": _allowed,
    "forbiddenScopes": _forbidden,
    "maxScopes": _max_scopes,
    "maxLifetimeDays": _max_lifetime,
    "requiredFields": _required,
}
