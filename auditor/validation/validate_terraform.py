"""`keyaudit validate` for `.tf` and `.tf.json` files: each block that defines a key (`appwrite_project_key`,
`appwrite_function`, `appwrite_project_ephemeral_key`) against the version's scopes."""

from __future__ import annotations

from auditor.catalog.catalog import Catalog
from auditor.loaders.document import load_document
from auditor.loaders.keys.terraform import block_problems, literal_values, read_hcl
from auditor.loaders.keys.terraform_hcl import parse_key_blocks
from auditor.loaders.keys.terraform_json import block_problems as json_block_problems
from auditor.loaders.keys.terraform_json import key_blocks
from auditor.loaders.keys.terraform_json import literal_values as json_literal_values


def terraform_messages(path: str, catalog: Catalog) -> list[tuple[str, int, str, str]]:
    """(level, line, pointer, text) for every problem and deprecated scope of the file's key blocks.

    An unreadable file or an HCL syntax error raises InputError, as for every other kind.
    """
    text, name = read_hcl(path)
    messages = []
    for block in parse_key_blocks(text, name):
        for line, pointer, message in block_problems(block, catalog):
            messages.append(("error", line, f"{block.address}{pointer}", message))
        scopes = literal_values(block).get("scopes")
        if not isinstance(scopes, list):
            continue
        for scope, span in zip(scopes, block.attributes["scopes"].elements):
            new = catalog.renamed.get(scope)
            if new:
                messages.append(("warning", span.line, f"{block.address}/scopes", deprecated(scope, new, catalog)))
    return messages


def terraform_json_messages(path: str, catalog: Catalog) -> list[tuple[str, int, str, str]]:
    """The same messages for a `.tf.json` file, each at its JSON pointer's line."""
    doc = load_document(path)
    messages = []
    for resource_type, address, pointer, body in key_blocks(doc):
        for line, where, message in json_block_problems(doc, resource_type, address, pointer, body, catalog):
            messages.append(("error", line, where, message))
        scopes = json_literal_values(body).get("scopes")
        if not isinstance(scopes, list):
            continue
        for index, scope in enumerate(scopes):
            new = catalog.renamed.get(scope) if isinstance(scope, str) else None
            if new:
                where = f"{pointer}/scopes/{index}"
                messages.append(("warning", doc.line(where), where, deprecated(scope, new, catalog)))
    return messages


def deprecated(scope: str, new: str, catalog: Catalog) -> str:
    return (
        f"{scope} is deprecated in Appwrite {catalog.version}; use {new} (see `keyaudit audit` for routes that "
        "accept only the old name)"
    )
