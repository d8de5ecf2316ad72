"""cloud-only-scope: a scope that exists only on Appwrite Cloud, in a self-hosted audit.

Fails (self-hosted 2.4): `restorations.read`, `archives.write`, `backups.policies.read`: Cloud's backup scopes,
which no self-hosted Appwrite has, so a self-hosted server refuses them at key creation. Passes: the same key
audited with `--appwrite-version cloud`, and `rows.read` on any version. Names of no version at all stay
unknown-scope findings.

Examples (tests/unit/checks/test_docstring_examples.py audits each):

    fails: {scopes: [archives.write], version: "2.4"}
    passes: {scopes: [archives.write], version: cloud}
    passes: {scopes: [rows.read], version: "2.4"}
"""

from auditor.checks.context import label
from auditor.model import Problem

RULE_ID = "cloud-only-scope"


def check(ctx):
    for analysis in ctx.analyses:
        key = analysis.key
        for scope in dict.fromkeys(key.scopes):
            if scope in ctx.catalog.cloud_only:
                yield Problem(
                    key,
                    scope,
                    {"key": label(key), "scope": scope, "version": ctx.catalog.version},
                    key.scope_location(scope),
                )
