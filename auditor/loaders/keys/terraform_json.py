"""The blocks that define keys, read from Terraform's JSON configuration syntax (`.tf.json`).

`{"resource": {"appwrite_project_key": {"ci": {...}}}, "ephemeral": {...}}`: the same blocks as in
`.tf` files (terraform_hcl.py), each body an object, or an array of objects where Terraform allows one. A string
holding `${` is a template Terraform evaluates: such `scopes` or `expire` are refused as in HCL. Every value
keeps the line of its JSON pointer, so findings point at the line.
"""

from __future__ import annotations

from auditor.errors import InputError
from auditor.loaders.document import Document, escape_pointer_token
from auditor.loaders.keys.terraform import READ_ATTRIBUTES, RESOLVED, SCHEMA_OF, SHOW_HINT, block_key
from auditor.loaders.keys.terraform_hcl import KEY_BLOCK_TYPES, block_address
from auditor.model import KeyDefinition, Location
from auditor.validation.schemas import violations


def key_blocks(doc: Document):
    """(resource type, address, pointer, body) of every key-defining block of a `.tf.json` document."""
    roots = doc.value if isinstance(doc.value, list) else [doc.value]
    for root_index, root in enumerate(roots):
        base = f"/{root_index}" if isinstance(doc.value, list) else ""
        if not isinstance(root, dict):
            continue
        for block_type, resource_type in KEY_BLOCK_TYPES:
            types = root.get(block_type)
            for type_index, by_type in _items(types, f"{base}/{block_type}"):
                named = by_type.get(resource_type) if isinstance(by_type, dict) else None
                if not isinstance(named, dict):
                    continue
                for name, bodies in named.items():
                    pointer = f"{type_index}/{escape_pointer_token(resource_type)}/{escape_pointer_token(name)}"
                    address = block_address(block_type, resource_type, name)
                    for body_pointer, body in _items(bodies, pointer):
                        yield resource_type, address, body_pointer, body


def _items(value, pointer: str):
    """(pointer, object) of a JSON-syntax block body given as an object or as an array of objects."""
    if isinstance(value, dict):
        yield pointer, value
    elif isinstance(value, list):
        for index, item in enumerate(value):
            if isinstance(item, dict):
                yield f"{pointer}/{index}", item


def _is_literal(value) -> bool:
    if isinstance(value, str):
        return "${" not in value.replace("$${", "") and "%{" not in value.replace("%%{", "")
    if isinstance(value, list):
        return all(_is_literal(item) for item in value)
    return True


def block_problems(doc: Document, resource_type: str, address: str, pointer: str, body: dict, catalog=None):
    """(line, pointer, message) per problem of one JSON-syntax block; scope names checked when a catalog is given."""
    problems = []
    for name in sorted(RESOLVED):
        if name in body and not _is_literal(body[name]):
            where = f"{pointer}/{name}"
            problems.append(
                (doc.line(where), where, f"{address}.{name} is computed by Terraform, not written out; {SHOW_HINT}")
            )
    values = literal_values(body)
    for violation in violations(values, SCHEMA_OF[resource_type], catalog):
        where = f"{pointer}{violation.pointer}"
        problems.append((doc.line(where), where, violation.message))
    return problems


def literal_values(body: dict) -> dict:
    return {name: body[name] for name in READ_ATTRIBUTES if name in body and _is_literal(body[name])}


def keys_from_tf_json(doc: Document) -> list[KeyDefinition]:
    """Keys of a `.tf.json` document; the first bad block is an InputError naming file and line."""
    keys = []
    for resource_type, address, pointer, body in key_blocks(doc):
        problems = block_problems(doc, resource_type, address, pointer, body)
        if problems:
            line, where, message = problems[0]
            raise InputError(f"{doc.name}:{line}: invalid {address} at {where}: {message}")
        values = literal_values(body)
        locations = {}
        for index, scope in enumerate(values.get("scopes") or []):
            where = f"{pointer}/scopes/{index}"
            locations.setdefault(scope, Location(doc.name, doc.line(where), where))
        location = Location(doc.name, doc.line(pointer), pointer)
        keys.append(block_key(resource_type, address, values, location, locations))
    return keys
