"""The blocks that define keys, read from Terraform configuration (`.tf`, HCL).

The Appwrite provider's `appwrite_project_key` takes `name` and `scopes`
(required), `expire`, `id`, `project_id` and `organization_id`; `secret`,
`created_at` and `accessed_at` are computed and never written in HCL. An
`appwrite_function` resource's `scopes` are the scopes of the key Appwrite mints
for each of its executions; the ephemeral resource `appwrite_project_ephemeral_key`
(an `ephemeral` block) mints a key of `scopes` valid `duration_seconds` (at most
3600) at each Terraform run. keyaudit
reads the literal values, with the line and source span of each, so findings
point at the line and `keyaudit fix` can edit the scope list in place. A value
that Terraform computes (a variable, a function call, an interpolation) cannot
be read statically: such `scopes` or `expire` are refused with a hint to audit
`terraform show -json` output instead, where Terraform has resolved them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import hcl2
from lark import Token, Tree
from lark.exceptions import LarkError, UnexpectedInput

from auditor.errors import InputError
from auditor.loaders import jsontext

RESOURCE_TYPE = "appwrite_project_key"
FUNCTION_TYPE = "appwrite_function"
EPHEMERAL_KEY_TYPE = "appwrite_project_ephemeral_key"
# (block type, resource type) of every block that defines a key
KEY_BLOCK_TYPES = (("resource", RESOURCE_TYPE), ("resource", FUNCTION_TYPE), ("ephemeral", EPHEMERAL_KEY_TYPE))
# A quoted HCL string without interpolation (${ ... }) or directives (%{ ... }).
_LITERAL_STRING = re.compile(r'"(?:[^"\\$%]|\\.|\$(?!\{)|%(?!\{)|\$\$\{|%%\{)*"', re.S)


@dataclass
class Span:
    """A piece of source: 1-based line, and character offsets [start, end)."""

    line: int
    start: int
    end: int


@dataclass
class Attribute:
    name: str
    span: Span  # the value expression
    literal: bool  # False when Terraform computes the value
    value: object = None  # str, None (null) or list[str]
    elements: list[Span] = field(default_factory=list)  # for a literal list: each element's span


@dataclass
class KeyBlock:
    address: (
        str  # appwrite_project_key.<name>, appwrite_function.<name>, ephemeral.appwrite_project_ephemeral_key.<name>
    )
    span: Span
    attributes: dict[str, Attribute]
    resource_type: str = RESOURCE_TYPE


def block_address(block_type: str, resource_type: str, name: str) -> str:
    """Terraform's address of a block: ephemeral resources carry their block type in front."""
    return f"{resource_type}.{name}" if block_type == "resource" else f"{block_type}.{resource_type}.{name}"


def parse_key_blocks(text: str, name: str) -> list[KeyBlock]:
    """Every block of one HCL file that defines a key (KEY_BLOCK_TYPES); a syntax error is an InputError."""
    try:
        tree = hcl2.parses_to_tree(text)
    except UnexpectedInput as error:
        raise InputError(f"{name}:{error.line}: invalid HCL (column {error.column})") from None
    except (LarkError, RecursionError) as error:
        raise InputError(f"{name}: invalid HCL ({type(error).__name__})") from None
    body = tree.children[0]
    blocks = []
    for node in body.children:
        if not _is(node, "block"):
            continue
        labels = [_label(text, child) for child in node.children if _is(child, "identifier") or _is(child, "string")]
        if tuple(labels[:2]) not in KEY_BLOCK_TYPES or len(labels) != 3 or labels[2] is None:
            continue
        inner = next(child for child in node.children if _is(child, "body"))
        attributes = {}
        for item in inner.children:
            if _is(item, "attribute"):
                attribute = _attribute(text, item)
                attributes[attribute.name] = attribute
        address = block_address(labels[0], labels[1], labels[2])
        blocks.append(KeyBlock(address, _span(node), attributes, labels[1]))
    return blocks


def _is(node, rule: str) -> bool:
    return isinstance(node, Tree) and node.data == rule


def _span(node) -> Span:
    if isinstance(node, Token):
        return Span(node.line, node.start_pos, node.end_pos)
    return Span(node.meta.line, node.meta.start_pos, node.meta.end_pos)


def _label(text: str, node) -> str | None:
    if _is(node, "identifier"):
        return str(node.children[0])
    return _string(text, node)


def _string(text: str, node) -> str | None:
    """The value of a string literal node; None when it interpolates."""
    source = text[node.meta.start_pos : node.meta.end_pos]
    if not _LITERAL_STRING.fullmatch(source):
        return None
    try:
        return jsontext.loads(source.replace("$${", "${").replace("%%{", "%{"))
    except ValueError:
        return None


def _unwrap(node):
    """The expression inside `expr_term` wrappers and parentheses."""
    while _is(node, "expr_term"):
        inner = [child for child in node.children if isinstance(child, Tree)]
        if len(inner) != 1:
            return node
        node = inner[0]
    return node


def _attribute(text: str, node) -> Attribute:
    name = str(node.children[0].children[0])
    expression = next(child for child in node.children[1:] if isinstance(child, Tree))
    value_node = _unwrap(expression)
    attribute = Attribute(name, _span(expression), literal=False)
    if _is(value_node, "string"):
        value = _string(text, value_node)
        if value is not None:
            attribute.literal, attribute.value = True, value
    elif _is(value_node, "literal_value") and str(value_node.children[0]) == "null":
        attribute.literal, attribute.value = True, None
    elif _is(value_node, "int_lit"):
        attribute.literal, attribute.value = True, int(str(value_node.children[0]))
    elif _is(value_node, "tuple"):
        items = [_unwrap(child) for child in value_node.children if _is(child, "expr_term")]
        values = [_string(text, item) if _is(item, "string") else None for item in items]
        if all(value is not None for value in values):
            attribute.literal, attribute.value = True, values
            attribute.elements = [_span(item) for item in items]
    return attribute
