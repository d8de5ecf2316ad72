"""What every check sees: the catalog, the keys, their analyses, the logs, the clock."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from auditor.analysis.needs import KeyAnalysis
from auditor.analysis.usage import Usage
from auditor.catalog.catalog import Catalog
from auditor.loaders.document import Document
from auditor.model import KeyDefinition
from auditor.rules.exceptions import Exceptions
from auditor.rules.registry import Rule
from auditor.times import DAY, BadTime, deadline, iso, parse_time


@dataclass
class AuditContext:
    catalog: Catalog
    analyses: list[KeyAnalysis]
    usage: Usage | None  # None: no logs given, usage rules are skipped
    documents: list[Document]
    now: datetime
    rule: Rule | None = None  # the rule being evaluated (for its options)
    defined_ids: set[str] = field(default_factory=set)
    exceptions: Exceptions | None = None  # for the exception-* rules
    plans: dict = field(default_factory=dict)  # id(analysis) -> its KeyPlan (auditor/fix/plan.py)
    scanned_paths: list[str] = field(default_factory=list)  # files checked for secrets only (secret-in-file)

    def plan_of(self, analysis: KeyAnalysis):
        """The change the planner proposes for the key: checks whose verdict is a change read it here."""
        return self.plans[id(analysis)]

    @property
    def keys(self) -> list[KeyDefinition]:
        return [analysis.key for analysis in self.analyses]

    @property
    def now_ts(self) -> float:
        return self.now.timestamp()

    def window(self) -> str:
        """The period the logs cover, in words."""
        span = self.usage.span() if self.usage is not None else None
        if span is None:
            if self.usage is not None and not self.usage.by_key and not self.usage.unknown.calls:
                return "no call in the logs could be tied to a key"
            return "logs without timestamps"
        start, end = span
        return f"{iso(start)[:10]} to {iso(end)[:10]}, {(end - start) / DAY:.0f} days"


def label(key: KeyDefinition) -> str:
    return f"{key.name} ({key.id})" if key.name and key.name != key.id else key.id


def timestamp(value: str | None) -> float | None:
    """Seconds since the epoch of a key's date field; None when absent or unreadable (validation says why)."""
    if not value:
        return None
    try:
        return parse_time(value)
    except BadTime:
        return None


def expiry(value: str | None) -> float | None:
    """When a key's `expire` comes (math.inf: a date past the years keyaudit formats, i.e. never); None when
    absent or unreadable."""
    if not value:
        return None
    try:
        return deadline(value)
    except BadTime:
        return None
