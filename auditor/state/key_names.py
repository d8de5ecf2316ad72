"""The names of the defined keys, kept so that `job report` shows names beside ids without the key files.

Bounded by the definitions: each run replaces the table with the names its key files give.
"""

from __future__ import annotations

from collections.abc import Iterable

from auditor.model import KeyDefinition
from auditor.state.store import CorruptState, has_table


def remember_names(db, keys: Iterable[KeyDefinition]) -> None:
    """Replace the stored names with those of `keys` (within the caller's transaction)."""
    db.execute("DELETE FROM key_name")
    db.executemany(
        "INSERT OR REPLACE INTO key_name VALUES (?, ?, ?)",
        ((key.project or "", key.id, key.name) for key in keys if key.name),
    )


def stored_names(db) -> dict[tuple[str, str], str]:
    """(project, key id) -> name; project '' for a key no project names. None kept before schema 3: a state
    file `job report` reads (read-only) is upgraded by the next `job run`."""
    names = {}
    if not has_table(db, "key_name"):
        return names
    for project, key, name in db.execute("SELECT project, key, name FROM key_name"):
        if not all(type(value) is str for value in (project, key, name)):
            raise CorruptState
        names[(project, key)] = name
    return names


def name_of(names: dict[tuple[str, str], str], project: str | None, key: str | None) -> str | None:
    """A key's stored name, by its project and id, else by its id alone when one project has that id."""
    if key is None:
        return None
    if (project or "", key) in names:
        return names[(project or "", key)]
    matches = {name for (_, stored), name in names.items() if stored == key}
    return matches.pop() if len(matches) == 1 else None
