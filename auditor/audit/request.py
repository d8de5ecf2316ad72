"""`AuditRequest`: everything one audit run needs, assembled once, so no command passes a dozen parameters."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from auditor.analysis.usage import Usage
from auditor.catalog.catalog import Catalog
from auditor.fix.plan import PlanOptions
from auditor.loaders.logs.attribution import LogOptions
from auditor.output.progress import Progress
from auditor.policy.load import load_policy, with_policy
from auditor.rules.baseline import Baseline, load_baseline
from auditor.rules.config import load_config
from auditor.rules.exceptions import Exceptions, load_exceptions
from auditor.rules.registry import Rule, configured_rules


@dataclass
class AuditRequest:
    """The inputs of one audit.

    `usage_source` (the scheduled job's state) replaces logs and usage files: it is called with the catalog and
    the log options once the key files have chosen the catalog. `log_format` forces the format of every log
    (detected per file otherwise); `log_key` is the key of log lines that name none (--key). `progress` shows
    how far the logs have been read. `plan_options` shape the proposed change of every key (auditor/fix/plan.py):
    reports propose the least-privilege set, as `keyaudit fix --drop-unused` writes it. `config` is the rule
    settings the rules came from (commands read their `failOn` default there). `scanned_paths` are files checked
    for secrets only (lint's files that hold no key definitions, or cannot be read as any).
    """

    key_paths: list[str]
    log_paths: list[str]
    rules: dict[str, Rule]
    version: str | None = None
    keys_format: str | None = None
    now: datetime | None = None
    exceptions: Exceptions | None = None
    baseline: Baseline | None = None
    usage_paths: list[str] = field(default_factory=list)
    usage_source: Callable[[Catalog, LogOptions], Usage | None] | None = None
    log_format: str | None = None
    log_key: str | None = None
    progress: Progress | None = None
    plan_options: PlanOptions = PlanOptions(drop_unused=True)
    config: dict = field(default_factory=dict)
    scanned_paths: list[str] = field(default_factory=list)

    @classmethod
    def assemble(
        cls,
        key_paths,
        log_paths=(),
        *,
        config_file: str | None = None,
        policy_file: str | None = None,
        exceptions_file: str | None = None,
        baseline_file: str | None = None,
        appwrite_version: str | None = None,
        usage_paths=(),
        **inputs,
    ) -> AuditRequest:
        """The request as every command makes it: config (with --policy's rules), rules, exceptions and baseline
        loaded from their files; `inputs` are the other fields as given."""
        config = with_policy(load_config(config_file), load_policy(policy_file) if policy_file else None)
        rules = configured_rules(config)
        return cls(
            list(key_paths),
            list(log_paths),
            rules,
            version=appwrite_version or config.get("appwriteVersion"),
            exceptions=load_exceptions(config_file, config, exceptions_file, rules),
            baseline=load_baseline(baseline_file) if baseline_file else None,
            usage_paths=list(usage_paths),
            config=config,
            **inputs,
        )
