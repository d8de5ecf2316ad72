"""One audit run, from request to result: `AuditRequest` (request.py) is every input assembled once from the
options, config, policy, rules, exceptions and baseline; `run.py` turns it into an `AuditResult`, and
report.py into the report dict every reporter renders.

Imports loaders, analysis, checks, rules and the fix planner; only the CLI imports it (`auditor.audit.run_audit`
is the documented entry for tests and scripts).
"""

from auditor.audit.request import AuditRequest
from auditor.audit.run import AuditResult, audit, run_audit

__all__ = ["AuditRequest", "AuditResult", "audit", "run_audit"]
