"""Keys managed with the Appwrite Terraform provider: `.tf` files and `terraform show -json` output.

A key's id is its `id` attribute when set, else its Terraform address
(`appwrite_project_key.ci`), which logs cannot name: usage rules then see no
calls for it. An `appwrite_function`'s scopes are the key `function:<id or address>`,
as appwrite.json functions are; an `appwrite_project_ephemeral_key` is a key named by
its address that expires by itself after its `duration_seconds`. `terraform show -json` carries the resolved values, `created_at`,
`accessed_at` and the secret (Terraform keeps it in state): a real secret there
is a secret-in-file finding, and keyaudit keeps only its sha256.
"""

from __future__ import annotations

from auditor.catalog.catalog import Catalog
from auditor.errors import InputError
from auditor.loaders.document import Document
from auditor.loaders.keys.export import scope_locations
from auditor.loaders.keys.terraform_hcl import (
    EPHEMERAL_KEY_TYPE,
    FUNCTION_TYPE,
    RESOURCE_TYPE,
    KeyBlock,
    parse_key_blocks,
)
from auditor.loaders.source import display_name, read_document
from auditor.model import KeyDefinition, Location
from auditor.secrets import classify_secret
from auditor.validation.schemas import violations

READ_ATTRIBUTES = ("id", "name", "scopes", "expire", "project_id", "organization_id", "duration_seconds")
SCHEMA_OF = {
    RESOURCE_TYPE: "terraform.schema.json#/$defs/projectKey",
    FUNCTION_TYPE: "terraform.schema.json#/$defs/function",
    EPHEMERAL_KEY_TYPE: "terraform.schema.json#/$defs/ephemeralKey",
}
EPHEMERAL_DEFAULT_SECONDS = 3600  # the provider's default, and the most the server allows
RESOLVED = {"scopes", "expire"}  # attributes keyaudit must read; the others fall back when computed
SHOW_HINT = "audit `terraform show -json` output instead, where Terraform has resolved it"

MAX_HCL_BYTES = 2 << 20  # a larger .tf file is refused (read_hcl says why)


def load_hcl(path: str) -> tuple[Document, list[KeyBlock]]:
    """A `.tf` file as a Document (for secret scanning) and its key blocks; the first bad block is an InputError."""
    text, name = read_hcl(path)
    blocks = parse_key_blocks(text, name)
    for block in blocks:
        problems = block_problems(block, None)
        if problems:
            line, pointer, message = problems[0]
            raise InputError(f"{name}:{line}: invalid {block.address} at {pointer}: {message}")
    return Document(name, {block.address: literal_values(block) for block in blocks}, "hcl", {}, text), blocks


def read_hcl(path: str) -> tuple[str, str]:
    """(text, display name) of a `.tf` file, at most MAX_HCL_BYTES: the HCL parser (lark) holds some 200 bytes
    per byte of a file and parses 4 MiB of blocks in about 90 s, where `terraform show -json` output is read
    as JSON at any size keyaudit reads."""
    name = display_name(path)
    data = read_document(path)
    if len(data) > MAX_HCL_BYTES:
        raise InputError(
            f"{name}: larger than {MAX_HCL_BYTES >> 20} MiB; keyaudit parses no .tf file that large: "
            "audit `terraform show -json` output instead"
        )
    try:
        return data.decode("utf-8-sig"), name
    except UnicodeDecodeError as error:
        raise InputError(f"{name}: not UTF-8 text (invalid byte at offset {error.start})") from None


def literal_values(block: KeyBlock) -> dict:
    """The attributes keyaudit reads, where the file writes them out literally."""
    return {
        name: block.attributes[name].value
        for name in READ_ATTRIBUTES
        if name in block.attributes and block.attributes[name].literal
    }


def block_problems(block: KeyBlock, catalog: Catalog | None) -> list[tuple[int, str, str]]:
    """(line, pointer, message) per problem of one block; scope names are checked when a catalog is given."""
    problems = []
    for name in sorted(RESOLVED):
        attribute = block.attributes.get(name)
        if attribute is not None and not attribute.literal:
            problems.append(
                (
                    attribute.span.line,
                    f"/{name}",
                    f"{block.address}.{name} is computed by Terraform, not written out; {SHOW_HINT}",
                )
            )
    for violation in violations(literal_values(block), SCHEMA_OF[block.resource_type], catalog):
        problems.append((_line_of(block, violation.pointer), violation.pointer or "/", violation.message))
    return problems


def _line_of(block: KeyBlock, pointer: str) -> int:
    """The line of `/scopes/2` or `/name` inside a block; the block's own line for anything else."""
    parts = pointer.split("/")[1:]
    attribute = block.attributes.get(parts[0]) if parts else None
    if attribute is None:
        return block.span.line
    if len(parts) > 1 and parts[1].isdigit() and int(parts[1]) < len(attribute.elements):
        return attribute.elements[int(parts[1])].line
    return attribute.span.line


def keys_from_hcl(doc: Document, blocks: list[KeyBlock]) -> list[KeyDefinition]:
    keys = []
    for block in blocks:
        values = doc.value[block.address]
        spans = block.attributes["scopes"].elements if "scopes" in block.attributes else []
        locations = {}
        for index, (scope, span) in enumerate(zip(values.get("scopes") or [], spans)):
            locations.setdefault(scope, Location(doc.name, span.line, f"{block.address}.scopes[{index}]"))
        location = Location(doc.name, block.span.line, block.address)
        keys.append(block_key(block.resource_type, block.address, values, location, locations))
    return keys


def block_key(
    resource_type: str, address: str, values: dict, location: Location, locations: dict[str, Location]
) -> KeyDefinition:
    """The key one block defines, from its literal values (HCL or Terraform's JSON syntax)."""
    key = KeyDefinition(
        id=values.get("id") or address,
        scopes=list(values.get("scopes") or []),
        location=location,
        name=values.get("name"),
        project=values.get("project_id"),
        expire=values.get("expire"),
        scope_locations=locations,
    )
    if resource_type == FUNCTION_TYPE:
        key.id, key.kind, key.expires_by_itself = f"function:{key.id}", "function", True
    elif resource_type == EPHEMERAL_KEY_TYPE:
        key.expires_by_itself = True
        key.lifetime_seconds = values.get("duration_seconds") or EPHEMERAL_DEFAULT_SECONDS
    return key


def keys_from_show(doc: Document, shape: str) -> list[KeyDefinition]:
    root = "/planned_values" if shape == "plan" else "/values"
    values = doc.value["planned_values" if shape == "plan" else "values"]
    keys = []
    for pointer, resource in _resources(values.get("root_module") or {}, f"{root}/root_module"):
        if resource.get("mode", "managed") != "managed":
            continue
        if resource.get("type") == FUNCTION_TYPE:
            keys.append(_function_in_show(doc, pointer, resource))
            continue
        if resource.get("type") != RESOURCE_TYPE:
            continue
        item = resource["values"]
        state, digest = classify_secret(item.get("secret"))
        keys.append(
            KeyDefinition(
                id=item.get("id") or resource["address"],
                scopes=list(item["scopes"]),
                location=Location(doc.name, doc.line(f"{pointer}/values"), f"{pointer}/values"),
                name=item.get("name"),
                project=item.get("project_id"),
                expire=item.get("expire") or None,
                created_at=item.get("created_at") or None,
                accessed_at=item.get("accessed_at") or None,
                tracks_access=shape == "state" and "accessed_at" in item,
                secret_state=state,
                secret_sha256=digest,
                scope_locations=scope_locations(doc, f"{pointer}/values/scopes", item["scopes"]),
            )
        )
    return keys


def _function_in_show(doc: Document, pointer: str, resource: dict) -> KeyDefinition:
    """An appwrite_function in state or plan (its values checked by the schema): the key Appwrite mints for its
    executions."""
    item = resource["values"]
    where = f"{pointer}/values"
    location = Location(doc.name, doc.line(where), where)
    locations = scope_locations(doc, f"{where}/scopes", item.get("scopes") or [])
    return block_key(FUNCTION_TYPE, resource["address"], item, location, locations)


def _resources(module: dict, pointer: str):
    for index, resource in enumerate(module.get("resources") or []):
        yield f"{pointer}/resources/{index}", resource
    for index, child in enumerate(module.get("child_modules") or []):
        yield from _resources(child, f"{pointer}/child_modules/{index}")
