"""YAML text as a Document (loaders/document.py): plain values, a line for each JSON pointer, hostile input refused
in one line (tags that would construct objects, merge keys, alias bombs past MAX_NODES, nesting past MAX_DEPTH,
numbers that overflow). Its own module so that a run given only JSON never imports PyYAML."""

from __future__ import annotations

import math

import yaml

from auditor.errors import InputError
from auditor.loaders.document import MAX_DEPTH, MAX_NODES, SURROGATE, Document, escape_pointer_token


class _SafeComposer(yaml.SafeLoader):
    """SafeLoader whose scalars resolve with YAML 1.1 safe types only."""


def load_yaml(name: str, text: str) -> Document:
    try:
        root = yaml.compose(text, Loader=_SafeComposer)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f":{mark.line + 1}" if mark else ""
        problem = (error.problem or error.context or "syntax error").split("\n")[0]
        raise InputError(f"{name}{where}: invalid YAML: {problem}") from None
    except yaml.YAMLError as error:
        raise InputError(f"{name}: invalid YAML ({type(error).__name__})") from None
    except RecursionError:
        raise InputError(f"{name}: YAML nested too deeply") from None
    if root is None:
        raise InputError(f"{name}: empty document")
    builder = _YamlBuilder(name)
    value = builder.build(root, "", 0)
    return Document(name, value, "yaml", builder.lines, text)


_PLAIN_COLLECTION_TAGS = {"tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"}


class _YamlBuilder:
    """Turn composed nodes into plain values; aliases count toward MAX_NODES."""

    def __init__(self, name: str):
        self.name = name
        self.lines: dict[str, int] = {}
        self.nodes = 0
        # One per document: a constructor keeps every node it built (constructed_objects), so a shared one
        # held every YAML scalar ever loaded in the process.
        self._constructor = yaml.SafeLoader("")

    def build(self, node, pointer: str, depth: int):
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise InputError(f"{self.name}: YAML expands to more than {MAX_NODES} values (alias bomb?)")
        if depth > MAX_DEPTH:
            raise InputError(f"{self.name}: YAML nested deeper than {MAX_DEPTH} levels")
        self.lines.setdefault(pointer, node.start_mark.line + 1)
        if not isinstance(node, yaml.ScalarNode) and node.tag not in _PLAIN_COLLECTION_TAGS:
            raise InputError(f"{self.name}:{node.start_mark.line + 1}: YAML tag {node.tag} is not allowed")
        if isinstance(node, yaml.MappingNode):
            result = {}
            for key_node, value_node in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    raise InputError(f"{self.name}:{key_node.start_mark.line + 1}: YAML merge keys are not supported")
                key = self.build(key_node, pointer + "/~key", depth + 1)
                if not isinstance(key, (str, int, float, bool)) and key is not None:
                    raise InputError(f"{self.name}:{key_node.start_mark.line + 1}: mapping key is not a scalar")
                key = str(key) if not isinstance(key, str) else key
                child = f"{pointer}/{escape_pointer_token(key)}"
                self.lines[child] = key_node.start_mark.line + 1
                result[key] = self.build(value_node, child, depth + 1)
            self.lines.pop(pointer + "/~key", None)
            return result
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, f"{pointer}/{i}", depth + 1) for i, item in enumerate(node.value)]
        return self.scalar(node)

    def scalar(self, node):
        if not node.tag.startswith("tag:yaml.org,2002:"):
            raise InputError(f"{self.name}:{node.start_mark.line + 1}: YAML tag {node.tag} is not allowed")
        if node.tag == "tag:yaml.org,2002:timestamp":  # stays the text the user wrote (2027-02-30 included)
            return node.value
        try:
            value = self._constructor.construct_object(node, deep=True)
        except yaml.YAMLError:
            raise InputError(f"{self.name}:{node.start_mark.line + 1}: invalid YAML value") from None
        except ValueError:  # e.g. an integer beyond Python's digit limit
            raise InputError(f"{self.name}:{node.start_mark.line + 1}: number out of range") from None
        if isinstance(value, float) and math.isinf(value) and "inf" not in node.value.lower():
            raise InputError(f"{self.name}:{node.start_mark.line + 1}: number out of range")
        if isinstance(value, bytes):
            raise InputError(f"{self.name}:{node.start_mark.line + 1}: binary values are not allowed")
        if isinstance(value, str) and SURROGATE.search(value):
            raise InputError(
                f"{self.name}:{node.start_mark.line + 1}: invalid YAML: a string holds a lone UTF-16 "
                "surrogate escape (\\ud800-\\udfff)"
            )
        return value
