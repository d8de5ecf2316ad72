"""deprecated-twin: a key holding both names of a renamed scope, and when the old one can go.

Appwrite's Console writes such twins (`rows.read` beside `documents.read`), and
`keyaudit fix` in its default mode adds the new name beside the old, which
breaks no caller. The pair is one low finding, so the pre-commit loop
converges: the old name goes once no caller needs a route that accepts only it.
Fails (low): `[rows.read, documents.read]`; with logs, the finding names the
legacy-only calls that still need documents.read, or says none does. Passes:
`[rows.read]`; `[documents.read]` alone (deprecated-scope reports it); a twin
no logged call needs (unused-scope says drop it).

Examples (tests/unit/checks/test_docstring_examples.py audits each):

    fails: {scopes: [rows.read, documents.read]}
    passes: {scopes: [rows.read]}
    passes: {scopes: [documents.read]}
"""

from auditor.checks.context import label
from auditor.checks.deprecated_scope import deprecated_names, shown
from auditor.fix.plan import logs_decide
from auditor.model import Problem

RULE_ID = "deprecated-twin"


def check(ctx):
    for analysis, scope, new in deprecated_names(ctx):
        key = analysis.key
        if new in key.scopes:
            yield Problem(
                key,
                scope,
                {"key": label(key), "scope": scope, "new": new, "advice": _advice(ctx, analysis, scope, new)},
                key.scope_location(scope),
            )


def _advice(ctx, analysis, scope: str, new: str) -> str:
    if logs_decide(analysis, ctx.usage):
        legacy = analysis.legacy_only_routes(scope, new)
        if legacy:
            return f"keep {scope} until these calls move to routes that accept {new}: {shown(legacy)}"
        return f"every logged call it passes also accepts {new}: remove {scope} ({_replace(ctx)} --logs …)"
    legacy = ctx.catalog.legacy_only_routes(scope, new)
    if not legacy:
        return f"every route that accepts {scope} also accepts {new}: remove {scope} ({_replace(ctx)})"
    return (
        f"remove {scope} once no caller uses the {len(legacy)} routes of Appwrite {ctx.catalog.version} that "
        f"accept only it (e.g. {shown(legacy[:1])})"
    )


def _replace(ctx) -> str:
    return f"keyaudit fix --appwrite-version {ctx.catalog.version} --mode replace"
