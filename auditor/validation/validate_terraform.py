"""`keyaudit validate` for `.tf` files: each `appwrite_project_key` block against the version's scopes."""

from __future__ import annotations

from auditor.catalog.catalog import Catalog
from auditor.loaders.keys.terraform import block_problems, literal_values, read_hcl
from auditor.loaders.keys.terraform_hcl import parse_key_blocks


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
                messages.append(
                    (
                        "warning",
                        span.line,
                        f"{block.address}/scopes",
                        f"{scope} is deprecated in "
                        f"Appwrite {catalog.version}; use {new} (see `keyaudit audit` for routes that "
                        "accept only the old name)",
                    )
                )
    return messages
