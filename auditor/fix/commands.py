"""Appwrite CLI commands that apply a plan to a key living in Appwrite (a key export cannot be edited).

Appwrite 1.9.5+ serves a project's keys at /v1/project/keys, which CLI 18+
calls as `appwrite project update-key --key-id … --name … --scopes … [--expire …]`.
Older servers only have the console route, `appwrite projects update-key
--project-id …` in the CLI. `update-key` takes the whole scope list and resets
an omitted expiry to never, so the key's current expiry is passed along.
"""

from __future__ import annotations

import shlex

from auditor.fix.plan import KeyPlan

PROJECT_SERVICE_SINCE = "1.9"  # the catalog minor whose keys live under /v1/project/keys
PROJECT_FROM_ENV = '"$APPWRITE_PROJECT_ID"'  # when the export does not say which project the key is in


def update_key_command(plan: KeyPlan, version: str) -> str:
    key = plan.key
    if version == PROJECT_SERVICE_SINCE:
        words = ["appwrite", "project", "update-key"]
    else:
        words = ["appwrite", "projects", "update-key", "--project-id", key.project or PROJECT_FROM_ENV]
    words += ["--key-id", key.id, "--name", key.name or key.id, "--scopes", *plan.result()]
    if key.expire:
        words += ["--expire", key.expire]
    return " ".join(word if word == PROJECT_FROM_ENV else shlex.quote(word) for word in words)
