"""Fix one file of key definitions: plan every key, apply the plan with the file's own editor, check the result.

Key exports cannot be edited (the keys live in Appwrite): they get CLI
commands instead. `terraform show -json` output is generated, so keyaudit asks
for the `.tf` files. A file holding a real key secret is refused: keyaudit
never writes a file with a secret in it, and that secret needs rotating anyway.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from auditor.analysis.needs import analyse_key
from auditor.analysis.usage import Usage
from auditor.catalog.catalog import Catalog
from auditor.errors import InputError
from auditor.fix.edit_array import edit_list
from auditor.fix.edit_yaml import edit_yaml
from auditor.fix.json_spans import json_spans
from auditor.fix.line_edit import parse_text
from auditor.fix.plan import KeyPlan, PlanOptions, plan_key
from auditor.fix.ready import apply_commands
from auditor.loaders.document import Document
from auditor.loaders.keys import KeyFile
from auditor.loaders.keys.terraform import literal_values
from auditor.loaders.keys.terraform_hcl import parse_key_blocks
from auditor.reporters.common import CLI_TITLES
from auditor.secrets import find_secrets


@dataclass
class FileFix:
    name: str
    old: str
    new: str  # == old when nothing changes (always for key exports)
    plans: list[KeyPlan] = field(default_factory=list)
    commands: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        """Whether anything needs changing: a key export's planned edits count even where no command can be given
        (a key without a name), so that `--diff` still fails on them."""
        return self.new != self.old or bool(self.commands) or any(plan.edits for plan in self.plans)


def fix_file(
    key_file: KeyFile, catalog: Catalog, options: PlanOptions, usage: Usage | None, now_ts: float
) -> list[FileFix]:
    """One FileFix per file the key file spans: itself, then each file its `includes` name (a function's scopes
    are edited where they are written, as the Appwrite CLI reads them)."""
    doc = key_file.document
    plans = [plan_key(analyse_key(key, usage, catalog), catalog, options, usage) for key in key_file.keys]
    changing = [plan for plan in plans if plan.edits]
    if key_file.kind == "key-export":
        fix = FileFix(doc.name, doc.text, doc.text, plans)
        for plan in changing:  # the commands the reports' ready fixes give, each under its CLI's name if several
            commands = apply_commands(plan.key, plan.result(), catalog.version, plan.notes, now_ts)
            for command in commands:
                if len(commands) > 1:
                    fix.commands.append(f"# {CLI_TITLES[command['cli']]}")
                fix.commands.append(command["command"])
        return [fix]
    if key_file.terraform_json:
        if changing and key_file.shape == "tf-json":
            raise InputError(
                f"{doc.name}: keyaudit fix does not rewrite Terraform JSON (.tf.json); set the scopes by hand"
            )
        if changing:
            raise InputError(
                f"{doc.name}: `terraform show -json` output is generated; run keyaudit fix on the "
                ".tf files that define these keys"
            )
        return [FileFix(doc.name, doc.text, doc.text, plans)]
    return [
        _fix_document(
            document,
            key_file.kind,
            [plan for plan in plans if plan.key.location.file == document.name],
        )
        for document in (doc, *key_file.included)
    ]


def _fix_document(doc: Document, kind: str, plans: list[KeyPlan]) -> FileFix:
    fix = FileFix(doc.name, doc.text, doc.text, plans)
    changing = [plan for plan in plans if plan.edits]
    if not changing:
        return fix
    secrets = find_secrets(doc.text)
    if secrets:
        raise InputError(
            f"{doc.name}:{secrets[0].line}: holds a key secret ({secrets[0].fingerprint}); remove it "
            "and rotate the key before keyaudit fix rewrites this file"
        )
    if kind == "terraform":
        fix.new = _edit_hcl(doc.text, doc.name, changing)
    elif doc.syntax == "yaml":
        fix.new = edit_yaml(
            doc.text, doc.name, {plan.key.location.pointer + "/scopes": plan.edits for plan in changing}
        )
    else:
        fix.new = _edit_json(doc.text, doc.name, changing)
    _verify(fix, kind, doc.syntax, changing)
    return fix


def _splice(text: str, replacements: list[tuple[int, int, str]]) -> str:
    for start, end, new in sorted(replacements, reverse=True):
        text = text[:start] + new + text[end:]
    return text


def _edit_json(text: str, name: str, plans: list[KeyPlan]) -> str:
    spans = json_spans(text)
    replacements = []
    for plan in plans:
        pointer = plan.key.location.pointer + "/scopes"
        start, end = spans[pointer]
        elements = [spans[f"{pointer}/{i}"] for i in range(len(plan.key.scopes))]
        replacements.append((start, end, edit_list(text, start, end, elements, plan.edits, f"{name}#{pointer}")))
    return _splice(text, replacements)


def _edit_hcl(text: str, name: str, plans: list[KeyPlan]) -> str:
    blocks = {block.address: block for block in parse_key_blocks(text, name)}
    replacements = []
    for plan in plans:
        scopes = blocks[plan.key.location.pointer].attributes.get("scopes")
        if scopes is None:  # an appwrite_function without scopes: there is no list to edit
            raise InputError(f"{name}: {plan.key.location.pointer} has no scopes list; add one by hand")
        elements = [(span.start, span.end) for span in scopes.elements]
        where = f"{name}:{scopes.span.line}"
        replacements.append(
            (
                scopes.span.start,
                scopes.span.end,
                edit_list(text, scopes.span.start, scopes.span.end, elements, plan.edits, where),
            )
        )
    return _splice(text, replacements)


def _verify(fix: FileFix, kind: str, syntax: str, plans: list[KeyPlan]) -> None:
    """Read the new text back: every planned list must be there, exactly. A mismatch is a bug, never written."""
    if kind == "terraform":
        blocks = {block.address: literal_values(block) for block in parse_key_blocks(fix.new, fix.name)}
        found = {address: values.get("scopes") for address, values in blocks.items()}
    else:
        value = parse_text(syntax, fix.new)
        found = {}
        for plan in plans:
            node = value
            for token in plan.key.location.pointer.split("/")[1:]:
                node = node[int(token)] if isinstance(node, list) else node[token]
            found[plan.key.location.pointer] = node.get("scopes")
    for plan in plans:
        if found.get(plan.key.location.pointer) != plan.result():
            raise RuntimeError(f"{fix.name}: the rewritten scopes of {plan.key.id} do not read back as planned")
