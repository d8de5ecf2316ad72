"""The audit run: an AuditRequest in, an AuditResult out."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from auditor.analysis.needs import KeyAnalysis, analyse_key
from auditor.analysis.usage import Usage, read_usage
from auditor.audit.request import AuditRequest
from auditor.catalog.catalog import Catalog, load
from auditor.catalog.versions import resolve
from auditor.checks.context import AuditContext
from auditor.checks.unknown_key import unknown_keys_kept
from auditor.errors import InputError
from auditor.fix.plan import KeyPlan, plan_key
from auditor.loaders.keys import KeyFile, load_key_file
from auditor.loaders.keys.repeated import repeated_resources
from auditor.loaders.logs.attribution import LogOptions
from auditor.model import Finding
from auditor.rules.baseline import BaselineOutcome, apply_baseline
from auditor.rules.engine import evaluate, relative, skipped_rules
from auditor.rules.exceptions import Silenced, apply_exceptions
from auditor.rules.registry import Rule
from auditor.secrets import redact


@dataclass
class AuditResult:
    catalog: Catalog
    key_files: list[KeyFile]
    analyses: list[KeyAnalysis]
    usage: Usage | None
    findings: list[Finding]
    rules: dict[str, Rule]
    skipped: list[str]
    now: datetime
    silenced: list[Silenced] = field(default_factory=list)  # per active exception: how many findings it hid
    baseline: BaselineOutcome | None = None
    plans: dict[int, KeyPlan] = field(default_factory=dict)  # id(analysis) -> its plan (auditor/fix/plan.py)
    warnings: list[str] = field(default_factory=list)  # what the key files' readers noticed (report notes, stderr)

    def plan_of(self, analysis: KeyAnalysis) -> KeyPlan:
        return self.plans[id(analysis)]


def choose_version(requested: str | None, key_files: list[KeyFile]) -> str | None:
    """--appwrite-version, which must agree with what the key files declare; else the one they declare; else None
    (the default). A Cloud key judged as self-hosted would lose its backup scopes, a 1.9 key judged as 2.2 its
    legacy routes: a file that says where its keys live is believed."""
    if requested:
        wanted = resolve(requested)
        for f in key_files:
            for key in f.keys:
                if key.appwrite_version and _declared(key.appwrite_version, key) != wanted:
                    raise InputError(
                        f"{key.location.file}: names Appwrite {key.appwrite_version}, but "
                        f"--appwrite-version is {requested}; audit the version the keys live on, or "
                        "change the file"
                    )
        return requested
    declared = {key.appwrite_version for f in key_files for key in f.keys if key.appwrite_version}
    if len(declared) > 1:
        said = {}
        for f in key_files:
            for key in f.keys:
                if key.appwrite_version:
                    said.setdefault(key.appwrite_version, key.location.file)
        named = "; ".join(f"{file}: {version}" for version, file in sorted(said.items()))
        raise InputError(
            f"key files name different Appwrite versions ({named}; an appwrite.json on a Cloud "
            "endpoint names cloud); choose one with --appwrite-version"
        )
    if not declared:
        return None
    version = declared.pop()
    try:
        return resolve(version)
    except InputError as error:
        source = next(k.location.file for f in key_files for k in f.keys if k.appwrite_version == version)
        raise InputError(f"{source}: appwriteVersion: {error}") from None


def _declared(version: str, key) -> str:
    try:
        return resolve(version)
    except InputError as error:
        raise InputError(f"{key.location.file}: appwriteVersion: {error}") from None


def run_audit(key_paths: list[str], log_paths: list[str], **fields) -> AuditResult:
    """`audit` of a request made of these inputs (the fields of AuditRequest), as tests and scripts call it."""
    return audit(AuditRequest(list(key_paths), list(log_paths), **fields))


def audit(request: AuditRequest) -> AuditResult:
    """Findings of the enabled rules; exceptions silence theirs first, then the baseline hides known ones."""
    key_paths, log_paths, usage_paths = request.key_paths, request.log_paths, request.usage_paths
    rules, exceptions, now = request.rules, request.exceptions, request.now
    if not key_paths and not request.scanned_paths:
        raise InputError("no key definitions: give at least one --keys FILE")
    if sum(1 for p in key_paths + log_paths + list(usage_paths) if p == "-") > 1:
        raise InputError("stdin (-) can be read only once")
    key_files = [load_key_file(path, request.keys_format) for path in key_paths]
    catalog = load(choose_version(request.version, key_files))
    log_options = LogOptions.of(
        [key for f in key_files for key in f.keys], request.log_format, request.log_key, unknown_keys_kept(rules)
    )
    if request.usage_source is not None:
        usage = request.usage_source(catalog, log_options)
    else:
        usage = (
            read_usage(log_paths, catalog, list(usage_paths), log_options, request.progress)
            if log_paths or usage_paths
            else None
        )
    analyses = [analyse_key(key, usage, catalog) for f in key_files for key in f.keys]
    now = now or datetime.now(UTC)
    plans = {id(analysis): plan_key(analysis, catalog, request.plan_options, usage) for analysis in analyses}
    ctx = AuditContext(
        catalog,
        analyses,
        usage,
        [doc for f in key_files for doc in (f.document, *f.included)],
        now,
        defined_ids={a.key.id for a in analyses},
        exceptions=exceptions,
        plans=plans,
        scanned_paths=request.scanned_paths,
    )
    findings, silenced = apply_exceptions(evaluate(ctx, rules), exceptions, now.timestamp())
    skipped = skipped_rules(rules, usage is not None)
    sources = [doc.name for f in key_files for doc in (f.document, *f.included)] + request.scanned_paths
    sources += exceptions.sources if exceptions else []
    files_read = {redact(relative(name)) for name in sources}  # as baselines write them (auditor/rules/baseline.py)
    rules_run = {rule.id for rule in rules.values() if rule.enabled} - set(skipped)
    findings, outcome = apply_baseline(findings, request.baseline, files_read, rules_run)
    warnings = repeated_resources([key for f in key_files for key in f.keys])
    return AuditResult(
        catalog, key_files, analyses, usage, findings, rules, skipped, now, silenced, outcome, plans, warnings
    )
