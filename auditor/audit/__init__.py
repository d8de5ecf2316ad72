"""One audit run, from request to result: `AuditRequest` (request.py) is every input assembled once from the
options, config, policy, rules, exceptions and baseline; `run.py` turns it into an `AuditResult`.

Commands (auditor/cli/) build a request and run it; the report (report.py) renders the result. Imports the
loaders, analysis, checks and fix planner; nothing below the CLI imports this package except the report.
"""

from auditor.audit.request import AuditRequest
from auditor.audit.run import AuditResult, audit, run_audit

__all__ = ["AuditRequest", "AuditResult", "audit", "run_audit"]
