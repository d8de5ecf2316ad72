"""One run of the scheduled job on an open state: ingest the new files, audit the window, record the findings."""

from __future__ import annotations

from collections.abc import Callable

from auditor.analysis.usage import Usage
from auditor.catalog.catalog import Catalog
from auditor.loaders.logs.attribution import LogOptions
from auditor.model import Finding, KeyDefinition
from auditor.state.clock import refuse_going_back
from auditor.state.ingest import Outcome, ingest
from auditor.state.key_names import remember_names
from auditor.state.runs import Comparison, ingested_since_last_run, record_run
from auditor.state.store import State
from auditor.state.window import Window, prune, window_usage


class JobRun:
    """`usage` is the audit's usage source (auditor.audit.run_audit); `record` closes the run.

    A run as of a time before the state's newest is refused before anything is read (auditor/state/clock.py).
    """

    def __init__(
        self, state: State, logs: list[str], usage_files: list[str], window: Window, progress: Callable[[Outcome], None]
    ):
        refuse_going_back(state, window.now)
        self.state = state
        self.inputs = [(path, "logs") for path in logs] + [(path, "usage") for path in usage_files]
        self.window = window
        self.progress = progress

    def usage(self, catalog: Catalog, options: LogOptions) -> Usage | None:
        """Ingest every input, then the window's usage; the report's line counts are those since the last run."""
        for path, kind in self.inputs:
            self.progress(ingest(self.state, path, kind, catalog, self.window.now, options))
        return window_usage(self.state.db, catalog, self.window, ingested_since_last_run(self.state.db), options)

    def record(self, findings: list[Finding], keys: list[KeyDefinition]) -> Comparison:
        """Store the run's findings and the names of its keys (`job report` shows them)."""
        with self.state.transaction() as db:
            prune(db, self.window)
            remember_names(db, keys)
            return record_run(db, findings, self.window)
