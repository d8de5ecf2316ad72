"""The ready fix of one key in a report: the planner's scope list (auditor/fix/plan.py) and how to set it.

Nothing here decides a change: it renders the key's `KeyPlan`, citing for each
change the finding of its rule that the report holds (none when an exception
or baseline hides it).

How to apply it: `appwrite project update-key` (CLI 18+, Appwrite 1.9.5+),
`appwrite projects update-key` (earlier CLIs), `appwrite push function|site
--no-code` for appwrite.json keys, and the edited lines of manifests and
appwrite.json. update-key is a PUT: an omitted --expire makes a key never
expire, so each command passes the key's current expiry. An expired key gets
no command: Appwrite refuses it whatever its scopes, so the fix is a new key.
"""

from __future__ import annotations

import shlex

from auditor.catalog.catalog import Catalog
from auditor.checks.expired import has_expired
from auditor.fix.line_edit import scope_list_edit
from auditor.fix.plan import KeyPlan
from auditor.loaders.keys import KeyFile
from auditor.model import Finding, KeyDefinition

PROJECT_ID_VARIABLE = '"$APPWRITE_PROJECT_ID"'
BEFORE_PROJECT_KEYS_API = ("1.6", "1.7", "1.8")  # versions without /v1/project/keys (Appwrite 1.9.5+), CLI 18's


def ready_fix(
    plan: KeyPlan, findings: list[Finding], catalog: Catalog, key_files: list[KeyFile], now_ts: float
) -> dict | None:
    """The fix of one key (schemas/report.schema.json#/$defs/fixes), or None when the plan changes nothing."""
    if not plan.changes:
        return None
    key = plan.key
    scopes = plan.result()
    changes = [
        {
            "action": change.action,
            "scope": change.scope,
            "rule": change.rule,
            "fingerprint": _cited(change.rule, change.finding_scope, findings),
        }
        for change in plan.changes
    ]
    # the file that holds the key's scope list: a key file given, or one its `includes` names
    found = next(
        ((f, doc) for f in key_files for doc in (f.document, *f.included) if doc.name == key.location.file),
        (None, None),
    )
    key_file, document = found
    edits, notes = [], []
    if key_file and key_file.kind == "terraform":
        return {
            "scopes": scopes,
            "changes": changes,
            "commands": terraform_commands(key_file, catalog.version),
            "edits": edits,
            "notes": [*plan.notes, TERRAFORM_NOTE],
        }
    if key_file and key_file.kind in ("manifest", "appwrite-json") and key.location.pointer is not None:
        edit = scope_list_edit(document, f"{key.location.pointer}/scopes", scopes)
        if edit:
            edits.append(edit)
        else:
            notes.append(
                f"set the scopes in {key.location.file} by hand: its scope list has a layout keyaudit does not rewrite"
            )
    commands = apply_commands(key, scopes, catalog.version, notes, now_ts)
    notes.extend(plan.notes)
    if any(f.rule == "never-used" for f in findings):
        notes.append("the logs show no call from this key: deleting it may be the better fix")
    return {"scopes": scopes, "changes": changes, "commands": commands, "edits": edits, "notes": notes}


def _cited(rule: str, scope: str, findings: list[Finding]) -> str | None:
    """The fingerprint of the report's finding that asks for a change: same rule, same scope (or the key's)."""
    for finding in findings:
        if finding.rule == rule and finding.scope in (scope, None):
            return finding.fingerprint
    return None


TERRAFORM_NOTE = (
    "Terraform manages this key: change its scopes in the configuration and apply it; a CLI update would be "
    "undone by the next terraform apply"
)


def terraform_commands(key_file: KeyFile, version: str) -> list[dict]:
    """`keyaudit fix` on the `.tf` file, then `terraform apply`; Terraform JSON is edited by hand."""
    if key_file.terraform_json:
        return [{"cli": "any", "command": "terraform apply"}]
    fix = shlex.join(["keyaudit", "fix", "--appwrite-version", version, key_file.document.name])
    return [{"cli": "any", "command": f"{fix} && terraform apply"}]


def apply_commands(key: KeyDefinition, scopes: list[str], version: str, notes: list[str], now_ts: float) -> list[dict]:
    """Appwrite CLI commands that set `scopes` on the key, for each CLI generation that can."""
    if has_expired(key, now_ts):
        notes.append(
            "no command: the key has expired and Appwrite refuses it whatever its scopes; create a new "
            f"key with the scopes {', '.join(scopes) or '(none)'} and delete this one"
        )
        return []
    if key.kind in ("function", "site"):
        resource_id = key.id.split(":", 1)[1]
        command = ["appwrite", "push", key.kind, f"--{key.kind}-id", resource_id, "--no-code"]
        notes.append(
            f"run it beside {key.location.file} once the edit is in: it pushes the {key.kind}'s "
            "settings, scopes included, without deploying code"
        )
        return [{"cli": "any", "command": shlex.join(command)}]
    if not key.name:
        notes.append("no command: update-key needs the key's name, which the definition does not give")
        return []
    if not scopes:
        notes.append(
            "no command: the key needs no scope, and the Appwrite CLI cannot send an empty list; "
            "clear its scopes in the Console, or delete the key if nothing uses it"
        )
        return []
    arguments = ["--key-id", key.id, "--name", key.name, "--scopes", *scopes]
    if key.expire:
        arguments += ["--expire", key.expire]
    commands = []
    if version not in BEFORE_PROJECT_KEYS_API:
        commands.append({"cli": ">=18", "command": shlex.join(["appwrite", "project", "update-key", *arguments])})
    project = shlex.quote(key.project) if key.project else PROJECT_ID_VARIABLE
    if not key.project:
        notes.append("set APPWRITE_PROJECT_ID to the key's project for the command of CLIs before 18")
    commands.append(
        {"cli": "<18", "command": f"appwrite projects update-key --project-id {project} " + shlex.join(arguments)}
    )
    return commands
