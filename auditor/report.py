"""The audit result as plain data: what every reporter renders (schemas/report.schema.json)."""

from __future__ import annotations

from auditor import TOOL_NAME, __version__
from auditor.analysis.usage import iso
from auditor.audit import AuditResult
from auditor.registry import SEVERITIES

SCHEMA_VERSION = 1


def key_notes(analysis, logs_given: bool) -> list[str]:
    notes = []
    if analysis.graphql_calls:
        notes.append(
            f"{analysis.graphql_calls} GraphQL calls: the scopes they need depend on the query bodies, "
            "which the logs do not show, so no scope of this key is called unused or excess"
        )
    if analysis.key.expires_by_itself:
        notes.append(f"{analysis.key.kind} key minted by Appwrite per execution; expiry rules do not apply")
    if not logs_given:
        notes.append("no logs given: usage unknown")
    return notes


def build(result: AuditResult) -> dict:
    usage = result.usage
    counts = {severity: 0 for severity in reversed(SEVERITIES)}
    for finding in result.findings:
        counts[finding.severity] += 1
    keys = []
    for analysis in sorted(result.analyses, key=lambda a: (a.key.project or "", a.key.id, a.key.location.file)):
        key = analysis.key
        routes = analysis.usage.routes.values() if analysis.usage else []
        keys.append({
            "id": key.id,
            "name": key.name,
            "project": key.project,
            "kind": key.kind,
            "source": key.location.as_dict(),
            "granted": list(key.scopes),
            "needed": [sorted(s) for s in analysis.needed_sets] if usage else None,
            "minimal": list(analysis.minimal) if usage else None,
            "calls": analysis.calls,
            "graphqlCalls": analysis.graphql_calls,
            "unknownRouteCalls": analysis.usage.unknown_route_calls if analysis.usage else 0,
            "routes": [
                {"method": r.route.method, "route": r.route.template, "count": r.count,
                 "firstSeen": iso(r.first), "lastSeen": iso(r.last)}
                for r in sorted(routes, key=lambda r: (r.route.template, r.route.method))
            ],
            "notes": key_notes(analysis, usage is not None),
        })
    return {
        "schemaVersion": SCHEMA_VERSION,
        "tool": TOOL_NAME,
        "version": __version__,
        "appwriteVersion": result.catalog.version,
        "catalogRelease": result.catalog.release,
        "generatedAt": iso(result.now.timestamp()),
        "summary": {
            "findings": counts,
            "keys": len(keys),
            "logsGiven": usage is not None,
            "skippedRules": result.skipped,
            "linesRead": usage.stats.lines_read if usage else 0,
            "badLines": usage.stats.bad_lines if usage else 0,
            "badLineSamples": list(usage.stats.bad_samples) if usage else [],
            "logWindow": {"first": iso(usage.first), "last": iso(usage.last)} if usage else {"first": None, "last": None},
        },
        "keys": keys,
        "findings": [finding.as_dict() for finding in result.findings],
    }
