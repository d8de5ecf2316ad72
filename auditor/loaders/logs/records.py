"""Calls a log names without a path: by audit event, or by the scopes Appwrite said were missing.

Both are `Call`s, so every consumer of iter_calls can count them, with a stand-in
method and path that read as words (`audit event row.create`, `unlogged route
(rows.read or documents.read)`) and match no route. analysis/evidence.py gives
them the scopes they imply.
"""

from __future__ import annotations

from dataclasses import dataclass

from auditor.loaders.logs.calllog import Call

AUDIT = "audit"  # stand-in method of an audit event
UNLOGGED = "unlogged"  # stand-in method of a refused call whose route the line does not name
UNAUTHORIZED_SCOPE = "general_unauthorized_scope"


@dataclass(slots=True)
class AuditEvent(Call):
    """A mutation an Appwrite audit log ties to a key, known by its event name (`row.create`)."""

    event: str = ""

    @classmethod
    def of(cls, key: str, event: str, time: float | None, project: str | None) -> AuditEvent:
        return cls(key, AUDIT, f"event {event}", time, None, None, project, event)


@dataclass(slots=True)
class ScopeDenial(Call):
    """A call Appwrite answered 401 general_unauthorized_scope for lack of any one of `scopes`."""

    scopes: tuple[str, ...] = ()

    @classmethod
    def of(cls, key: str, scopes: tuple[str, ...], time: float | None, project: str | None) -> ScopeDenial:
        return cls(key, UNLOGGED, f"route ({' or '.join(scopes)})", time, 401, UNAUTHORIZED_SCOPE, project, scopes)
