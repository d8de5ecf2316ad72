"""Ready-to-apply fixes: per key, the scope list its findings ask for and how to set it.

The new list keeps every logged call working. When the logs show what the key
needs (it made calls, none through GraphQL) the list is the key's minimal set;
otherwise only the definition is fixed: unknown names replaced by their likely
meaning or dropped, implicit and ineffective scopes dropped, renamed scopes
replaced, or kept beside their new name where this version has routes that
accept only the old one (without logs nothing shows the key never calls them).
Each change cites the finding that asks for it; a change no finding asks for
(its rule is disabled, say) is not made.

How to apply it: `appwrite project update-key` (CLI 18+, Appwrite 1.9.5+),
`appwrite projects update-key` (earlier CLIs), `appwrite push function|site
--no-code` for appwrite.json keys, and the edited lines of manifests and
appwrite.json. update-key is a PUT: an omitted --expire makes a key never
expire, so each command passes the key's current expiry.
"""

from __future__ import annotations

import shlex

from auditor.analysis.needs import KeyAnalysis
from auditor.catalog.catalog import Catalog
from auditor.fix_edits import scope_list_edit
from auditor.loaders.keys import KeyFile
from auditor.model import Finding, KeyDefinition
from auditor.scopes import suggestions

# Rules whose finding on a scope asks to take it off the key, most specific first.
REMOVING_RULES = ("unknown-scope", "implicit-scope", "ineffective-scope", "unused-scope", "deprecated-scope")
PROJECT_ID_VARIABLE = '"$APPWRITE_PROJECT_ID"'


def key_fix(analysis: KeyAnalysis, findings: list[Finding], catalog: Catalog, key_files: list[KeyFile],
            logs_given: bool) -> dict | None:
    """The fix of one key (schemas/report.schema.json#/$defs/fixes), or None when no finding changes its scopes."""
    key = analysis.key
    mine = [f for f in findings if f.key == key.id and f.project == key.project]
    granted = list(dict.fromkeys(key.scopes))
    usage_known = logs_given and analysis.calls > 0 and not analysis.graphql_calls
    target = list(analysis.minimal) if usage_known else definition_target(analysis, catalog)
    replaces = replacements(granted, catalog)
    changes = []
    kept = []
    for scope in granted:
        cause = None if scope in target else removal_cause(scope, mine)
        if cause:
            changes.append(_change("remove", scope, cause))
        else:
            kept.append(scope)
    added = []
    for scope in target:
        cause = None if scope in granted else addition_cause(scope, mine, catalog, replaces)
        if cause:
            changes.append(_change("add", scope, cause))
            added.append(scope)
    if not changes:
        return None
    scopes = in_place(granted, kept, added, replaces)
    key_file = next((f for f in key_files if f.document.name == key.location.file), None)
    edits, notes = [], []
    if key_file and key_file.kind in ("manifest", "appwrite-json") and key.location.pointer is not None:
        edit = scope_list_edit(key_file.document, f"{key.location.pointer}/scopes", scopes)
        if edit:
            edits.append(edit)
        else:
            notes.append(f"set the scopes in {key.location.file} by hand: its scope list has a layout "
                         "keyaudit does not rewrite")
    commands = apply_commands(key, scopes, catalog.version, notes)
    notes.extend(key_notes(mine))
    return {"scopes": scopes, "changes": changes, "commands": commands, "edits": edits, "notes": notes}


def replacements(granted: list[str], catalog: Catalog) -> dict[str, str]:
    """new name -> the granted name it stands for: renamed scopes, and the likely meaning of unknown ones."""
    replaces = {}
    for scope in granted:
        if scope in catalog.renamed:
            replaces.setdefault(catalog.renamed[scope], scope)
        elif scope not in catalog.key_scopes and scope not in catalog.implicit:
            options = suggestions(scope, catalog)
            if options:
                replaces.setdefault(options[0], scope)
    return replaces


def definition_target(analysis: KeyAnalysis, catalog: Catalog) -> list[str]:
    """The key's scopes with its definition problems fixed (no logs say what it needs)."""
    target = []
    for scope in dict.fromkeys(analysis.key.scopes):
        if scope not in catalog.key_scopes:
            options = [] if scope in catalog.implicit else suggestions(scope, catalog)
            if options:
                target.append(options[0])
        elif scope in catalog.implicit:
            continue
        elif scope in catalog.renamed:
            new = catalog.renamed[scope]
            if scope not in catalog.gating_scopes and new not in catalog.gating_scopes:
                continue
            target.append(new)
            if any(new not in route.scopes for route in catalog.routes_gated_by(scope)):
                target.append(scope)  # nothing shows the key never calls a route that takes only the old name
        elif scope in catalog.gating_scopes:
            target.append(scope)
    return list(dict.fromkeys(target))


def removal_cause(scope: str, findings: list[Finding]) -> Finding | None:
    for rule in REMOVING_RULES:
        for finding in findings:
            if finding.rule == rule and finding.scope == scope:
                return finding
    return next((f for f in findings if f.rule == "over-privileged"), None)


def addition_cause(scope: str, findings: list[Finding], catalog: Catalog, replaces: dict[str, str]) -> Finding | None:
    for finding in findings:
        if finding.rule == "missing-scope" and finding.scope == scope:
            return finding
    for finding in findings:
        if finding.rule == "deprecated-scope" and catalog.renamed.get(finding.scope) == scope:
            return finding
        if finding.rule == "unknown-scope" and replaces.get(scope) == finding.scope:
            return finding
    return next((f for f in findings if f.rule == "over-privileged"), None)


def in_place(granted: list[str], kept: list[str], added: list[str], replaces: dict[str, str]) -> list[str]:
    """Kept scopes in their order, each replacement where the scope it replaces stood, other additions last."""
    replacing = {old: new for new, old in replaces.items() if new in added}
    result = []
    for scope in granted:
        if scope in kept:
            result.append(scope)
        elif scope in replacing:
            result.append(replacing[scope])
    result.extend(scope for scope in added if scope not in result)
    return list(dict.fromkeys(result))


def apply_commands(key: KeyDefinition, scopes: list[str], version: str, notes: list[str]) -> list[dict]:
    """Appwrite CLI commands that set `scopes` on the key, for each CLI generation that can."""
    if key.kind in ("function", "site"):
        resource_id = key.id.split(":", 1)[1]
        command = ["appwrite", "push", key.kind, f"--{key.kind}-id", resource_id, "--no-code"]
        notes.append(f"run it beside {key.location.file} once the edit is in: it pushes the {key.kind}'s "
                     "settings, scopes included, without deploying code")
        return [{"cli": "any", "command": shlex.join(command)}]
    if not key.name:
        notes.append("no command: update-key needs the key's name, which the definition does not give")
        return []
    if not scopes:
        notes.append("no command: the key needs no scope, and the Appwrite CLI cannot send an empty list; "
                     "clear its scopes in the Console, or delete the key if nothing uses it")
        return []
    arguments = ["--key-id", key.id, "--name", key.name, "--scopes", *scopes]
    if key.expire:
        arguments += ["--expire", key.expire]
    commands = []
    if version == "1.9":  # CLI 18 calls /v1/project/keys, which Appwrite has since 1.9.5
        commands.append({"cli": ">=18", "command": shlex.join(["appwrite", "project", "update-key", *arguments])})
    project = shlex.quote(key.project) if key.project else PROJECT_ID_VARIABLE
    if not key.project:
        notes.append("set APPWRITE_PROJECT_ID to the key's project for the command of CLIs before 18")
    commands.append({"cli": "<18", "command": f"appwrite projects update-key --project-id {project} "
                                              + shlex.join(arguments)})
    return commands


def key_notes(findings: list[Finding]) -> list[str]:
    rules = {f.rule for f in findings}
    notes = []
    if "expired" in rules:
        notes.append("the key has expired: create a new key with these scopes rather than update it")
    if "never-used" in rules:
        notes.append("the logs show no call from this key: deleting it may be the better fix")
    return notes


def _change(action: str, scope: str, cause: Finding) -> dict:
    return {"action": action, "scope": scope, "rule": cause.rule, "fingerprint": cause.fingerprint}
