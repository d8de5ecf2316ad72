"""The route a logged call needs, for usage.py: the catalog's, or a stand-in for calls a log names without a path.

A request goes to the route the catalog matches for its method and path. Two
kinds of calls carry no path (loaders/logs/records.py) and get a stand-in
route (`EvidenceRoute`) with the scopes the log implies, shown as words where a
route is shown:

- an audit-log event (`AuditEvent`): `audit event row.create`, needing the scopes
  of the key-callable routes that log the event (catalog/events.py). Where those
  routes need different scopes (`deployment.create`: functions.write for a
  function, sites.write for a site), the route is not `confident`: the call
  counts, justifies any of those scopes against `unused-scope`, and stays out of
  the minimal set (analysis/needs.py). An event no route of the version logs is
  an unknown route;
- a missing-scope error line (`ScopeDenial`): `unlogged route (rows.read or
  documents.read)`, a call Appwrite answered 401 general_unauthorized_scope.

A request whose `error` holds exactly Appwrite's missing-scope message rather
than its type counts as general_unauthorized_scope too; either counts only with
status 401 or none logged (Appwrite answers this error with 401 alone), so a
record saying `general_unauthorized_scope` beside a 200 is no refusal.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from auditor.catalog.catalog import Catalog, Route
from auditor.catalog.events import routes_logging
from auditor.loaders.logs.calllog import Call
from auditor.loaders.logs.error_lines import is_scope_denial
from auditor.loaders.logs.records import AUDIT, UNAUTHORIZED_SCOPE, UNLOGGED, AuditEvent, ScopeDenial

AUDIT_EVENT = "audit-event"
SCOPE_ERROR = "scope-error"


@dataclass(frozen=True)
class EvidenceRoute(Route):
    """The route a log line implies without naming it; `method` and `template` read as words."""

    source: str = AUDIT_EVENT  # AUDIT_EVENT or SCOPE_ERROR
    name: str = ""  # the audit event, or the scopes the error named
    confident: bool = True  # False: an audit event whose routes need different scopes


@cache
def event_route(catalog: Catalog, event: str) -> EvidenceRoute | None:
    """The stand-in route of an audit event in this catalog; None when no route of it logs the event."""
    routes = routes_logging(catalog, event)
    if not routes:
        return None
    needs = {frozenset(route.scopes) & catalog.key_scopes for route in routes}
    scopes = tuple(dict.fromkeys(scope for route in routes for scope in route.scopes))
    return EvidenceRoute(
        AUDIT, f"event {event}", scopes, True, False, None, source=AUDIT_EVENT, name=event, confident=len(needs) == 1
    )


@cache
def denial_route(path: str, scopes: tuple[str, ...]) -> EvidenceRoute:
    return EvidenceRoute(UNLOGGED, path, scopes, True, False, None, source=SCOPE_ERROR, name=" or ".join(scopes))


def refused(status: int | None, error: str | None) -> bool:
    """Whether a logged status and error are Appwrite's refusal for a missing scope."""
    return status in (None, 401) and error is not None and is_scope_denial(error)


def resolve(call: Call, catalog: Catalog) -> tuple[Call, Route | None]:
    """The call to count and its route (None: unknown), for a call of any log format."""
    if isinstance(call, AuditEvent):
        return call, event_route(catalog, call.event)
    if isinstance(call, ScopeDenial):
        # Appwrite names a route's own scope list: any other set (made-up names, a forged line) is no route
        # of the version, counted as an unknown route, so what a log can invent stays bounded by the catalog.
        if frozenset(call.scopes) & catalog.key_scopes not in catalog.scope_sets:
            return call, None
        return call, denial_route(call.path, call.scopes)
    if call.error is not None:
        call.error = (
            UNAUTHORIZED_SCOPE
            if refused(call.status, call.error)
            else (None if call.error == UNAUTHORIZED_SCOPE else call.error)
        )
    return call, catalog.match(call.method, call.path)
