"""The audit result as plain data: what every reporter renders (schemas/report.schema.json)."""

from __future__ import annotations

from auditor import TOOL_NAME, __version__
from auditor.analysis.evidence import AUDIT_EVENT, EvidenceRoute
from auditor.audit import AuditResult
from auditor.catalog.risk import key_risk
from auditor.fix.ready import ready_fix
from auditor.loaders.logs import audit_log
from auditor.rules.registry import SEVERITIES
from auditor.times import iso

SCHEMA_VERSION = 1


def key_notes(analysis, logs_given: bool) -> list[str]:
    notes = []
    if analysis.graphql_calls:
        notes.append(
            f"{analysis.graphql_calls} GraphQL calls: the scopes they need depend on the query bodies, "
            "which the logs do not show, so no scope of this key is called unused or excess"
        )
    if analysis.key.lifetime_seconds:
        notes.append(
            f"ephemeral key minted at each Terraform run, valid {analysis.key.lifetime_seconds} s; "
            "expiry rules do not apply"
        )
    elif analysis.key.expires_by_itself:
        notes.append(f"{analysis.key.kind} key minted by Appwrite per execution; expiry rules do not apply")
    if not logs_given:
        notes.append("no logs given: usage unknown")
    return notes + evidence_notes(evidence_of(analysis))


def catalog_notes(catalog) -> list[str]:
    """Where the chosen version's routes come from, when that is not its own spec (2.0-2.3 and 2.5 use 2.4.0's)."""
    return [f"Appwrite {catalog.version}: {catalog.note}"] if catalog.note else []


def log_notes(usage) -> list[str]:
    """What the kinds of logs read imply for the whole report."""
    if usage is None or audit_log.NAME not in usage.stats.formats.values():
        return []
    return [
        "Appwrite audit logs record only mutations, never reads: a key's read scopes can look unused when "
        "audit logs are all that shows its calls"
    ]


def evidence_of(analysis) -> list:
    """The key's usage that a log named by audit event or by missing scopes rather than by route."""
    slots = analysis.usage.routes.values() if analysis.usage else []
    return sorted(
        (s for s in slots if isinstance(s.route, EvidenceRoute)), key=lambda s: (s.route.source, s.route.name)
    )


def evidence_notes(slots) -> list[str]:
    notes = []
    audited = sum(s.count for s in slots if s.route.source == AUDIT_EVENT)
    if audited:
        notes.append(
            f"{audited} of its calls come from Appwrite audit logs, which record only mutations (creates, "
            "updates, deletes), never reads: read scopes cannot be judged from them"
        )
    unsure = [s for s in slots if not s.route.confident]
    if unsure:
        events = "; ".join(f"{s.route.name} needs {' or '.join(s.route.scopes)}" for s in unsure)
        notes.append(
            f"{sum(s.count for s in unsure)} audit events are logged by routes that need different scopes "
            f"({events}): counted, with low confidence, and kept out of the minimal set"
        )
    return notes


def build(result: AuditResult, fail_on: str | None = None) -> dict:
    """`fail_on`: the run's --fail-on, recorded as summary.failOn for reporters that mark failures (JUnit)."""
    usage = result.usage
    counts = {severity: 0 for severity in reversed(SEVERITIES)}
    findings_of: dict[tuple[str | None, str | None], list] = {}  # each key's own: linear in keys + findings
    for finding in result.findings:
        counts[finding.severity] += 1
        findings_of.setdefault((finding.key, finding.project), []).append(finding)
    keys = []
    for analysis in sorted(result.analyses, key=lambda a: (a.key.project or "", a.key.id, a.key.location.file)):
        key = analysis.key
        slots = analysis.usage.routes.values() if analysis.usage else []
        routes = [r for r in slots if not isinstance(r.route, EvidenceRoute)]  # evidence is listed apart
        keys.append(
            {
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
                    {
                        "method": r.route.method,
                        "route": r.route.template,
                        "count": r.count,
                        "firstSeen": iso(r.first),
                        "lastSeen": iso(r.last),
                    }
                    for r in sorted(routes, key=lambda r: (r.route.template, r.route.method))
                ],
                "notes": key_notes(analysis, usage is not None),
                "risk": key_risk(key.scopes, result.catalog),
            }
        )
        fixes = ready_fix(
            result.plan_of(analysis),
            findings_of.get((key.id, key.project), []),
            result.catalog,
            result.key_files,
            result.now.timestamp(),
        )
        if fixes:
            keys[-1]["fixes"] = fixes
        evidence = evidence_of(analysis)
        if evidence:
            keys[-1]["evidence"] = [
                {
                    "source": e.route.source,
                    "name": e.route.name,
                    "scopes": list(e.route.scopes),
                    "confidence": "high" if e.route.confident else "low",
                    "count": e.count,
                    "denied": e.denied,
                    "firstSeen": iso(e.first),
                    "lastSeen": iso(e.last),
                }
                for e in evidence
            ]
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
            "logWindow": {"first": iso(usage.first), "last": iso(usage.last)}
            if usage
            else {"first": None, "last": None},
            "logFormats": dict(usage.stats.formats) if usage else {},
            "unattributed": [
                {"reason": reason, "count": count} for reason, count in sorted(usage.stats.unattributed.items())
            ]
            if usage
            else [],
            "unknownKeys": usage.unknown_summary() if usage else None,
            "notes": result.warnings + catalog_notes(result.catalog) + log_notes(usage),
            "exceptions": {
                "suppressed": sum(s.findings for s in result.silenced),
                "entries": [{**s.entry.as_dict(), "suppressed": s.findings} for s in result.silenced],
            },
            "baseline": result.baseline.as_dict() if result.baseline else None,
            **({"failOn": fail_on} if fail_on else {}),
        },
        "keys": keys,
        "findings": [finding.as_dict() for finding in result.findings],
    }
