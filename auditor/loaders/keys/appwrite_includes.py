"""The files an Appwrite CLI project file names in `includes` (CLI 20+), read as part of it.

`"includes": {"functions": "./appwrite/functions.json"}` keeps a section in another file, a bare JSON array of
entries (or a list of such files). A path is relative to the file that names it, so paths inside an included
file are relative to that file. A path that leaves the project (the directory of the file given on the command
line) is refused, as is a file that includes itself through others: keyaudit reads no file the user did not
point it at, and never loops. Sections that hold no keys (tables, buckets, teams, ...) are not read.
"""

from __future__ import annotations

import os

from auditor.errors import InputError
from auditor.loaders.document import Document, load_document
from auditor.loaders.keys.appwrite_json import SECTIONS, keys_from_appwrite_json
from auditor.loaders.keys.structure import check_structure
from auditor.loaders.source import refuse_special
from auditor.model import KeyDefinition

KEY_SECTIONS = dict(SECTIONS)
ARRAY_SHAPES = {"function": "functionArray", "site": "siteArray"}


def included_keys(doc: Document, path: str) -> tuple[list[KeyDefinition], list[Document]]:
    """Keys of every file `doc` (read from `path`) includes, directly or through included files, and their
    documents (for secret scanning and fixes); a bad include is an InputError naming the file that names it.

    Each file is read once, however many files name it: files that each name the next one twice would
    otherwise be read 2**depth times."""
    root = os.getcwd() if path == "-" else os.path.dirname(os.path.realpath(path))  # stdin: the working directory
    keys: list[KeyDefinition] = []
    documents: list[Document] = []
    _follow(doc, path, root, frozenset({os.path.realpath(path)}), set(), doc.value, keys, documents)
    return keys, documents


def _follow(doc, path, root, ancestors, read, project, keys, documents) -> None:
    includes = doc.value.get("includes") if isinstance(doc.value, dict) else None
    for section, targets in (includes or {}).items():
        kind = KEY_SECTIONS.get(section)
        if kind is None:
            continue
        for target in [targets] if isinstance(targets, str) else targets:
            where = f"{doc.name}: includes.{section} {target!r}"
            if "\0" in target:
                raise InputError(f"{where} holds a NUL byte; no file has such a name")
            child_path = os.path.normpath(os.path.join(os.path.dirname(path), target))
            resolved = os.path.realpath(child_path)
            if os.path.commonpath([root, resolved]) != root:
                raise InputError(f"{where} leaves the project ({root}); keyaudit reads no file outside it")
            if resolved in ancestors:
                raise InputError(f"{where} includes a file that includes it (a cycle)")
            if resolved in read:
                continue
            read.add(resolved)
            refuse_special(child_path)
            child = load_document(child_path)
            shape = ARRAY_SHAPES[kind] if isinstance(child.value, list) else None
            check_structure(child, "appwrite-json", shape)
            documents.append(child)
            keys.extend(keys_from_appwrite_json(child, shape, project))
            _follow(child, child_path, root, ancestors | {resolved}, read, project, keys, documents)
