"""Edit scope lists of a YAML manifest with ruamel.yaml's round trip, keeping comments, order and quoting.

ruamel.yaml re-emits the whole document, so keyaudit first checks that it
reproduces the untouched file byte for byte under the file's own indentation;
a file it would reformat (odd indentation, long flow lines) is refused rather
than rewritten beyond the scope lists.
"""

from __future__ import annotations

import io
import itertools

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, SingleQuotedScalarString
from ruamel.yaml.util import load_yaml_guess_indent

from auditor.errors import InputError
from auditor.fix.plan import INTO_EMPTY, KEEP, Edit

WIDTH = 1 << 16  # never fold a line


def edit_yaml(text: str, name: str, edits_by_pointer: dict[str, list[Edit]]) -> str:
    """The document with the edits applied to the scope list at each JSON pointer."""
    yaml, data = _faithful_loader(text, name)
    for pointer, edits in edits_by_pointer.items():
        sequence = _resolve(data, pointer)
        for edit in sorted(edits, key=lambda e: e.index, reverse=True):
            if edit.index == INTO_EMPTY:
                sequence.extend(edit.values)
                continue
            like = sequence[edit.index]
            if not edit.values:
                del sequence[edit.index]
                continue
            first, *rest = edit.values
            if first is not KEEP:
                sequence[edit.index] = _styled(first, like)
            for offset, value in enumerate(rest, start=1):
                sequence.insert(edit.index + offset, _styled(value, like))
    return _dump(yaml, data)


def _faithful_loader(text: str, name: str):
    """A round-trip YAML set up with the file's indentation, and the loaded data; refuses if it cannot reproduce it."""
    try:
        _, indent, block_seq_indent = load_yaml_guess_indent(text)
    except YAMLError:
        raise InputError(f"{name}: invalid YAML") from None
    candidates = [
        (indent or 2, (indent or 2) + (block_seq_indent or 0), block_seq_indent or 0),
        (2, 4, 2),
        (2, 2, 0),
        (4, 4, 2),
        (4, 4, 0),
        (4, 6, 4),
    ]
    for (mapping, sequence, offset), spell_null in itertools.product(candidates, (True, False)):
        yaml = YAML()
        yaml.preserve_quotes = True
        yaml.width = WIDTH
        yaml.indent(mapping=mapping, sequence=sequence, offset=offset)
        if spell_null:  # ruamel writes None as nothing; manifests usually say `expire: null`
            yaml.representer.add_representer(type(None), _null)
        data = yaml.load(text)
        if _dump(yaml, data) == text:
            return yaml, data
    raise InputError(
        f"{name}: keyaudit fix cannot rewrite this YAML without reformatting it "
        "(mixed indentation?); apply the changes by hand"
    )


def _null(representer, _):
    return representer.represent_scalar("tag:yaml.org,2002:null", "null")


def _dump(yaml: YAML, data) -> str:
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()


def _resolve(data, pointer: str):
    node = data
    for token in pointer.split("/")[1:]:
        token = token.replace("~1", "/").replace("~0", "~")
        node = node[int(token)] if isinstance(node, list) else node[token]
    return node


def _styled(value: str, like):
    """`value` quoted the way its neighbour is."""
    if isinstance(like, DoubleQuotedScalarString):
        return DoubleQuotedScalarString(value)
    if isinstance(like, SingleQuotedScalarString):
        return SingleQuotedScalarString(value)
    return value
