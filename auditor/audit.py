"""The audit job: key files and call logs in, an audit result out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from auditor.analysis.needs import KeyAnalysis, analyse_key
from auditor.analysis.usage import Usage, read_usage
from auditor.catalog.catalog import Catalog, load
from auditor.catalog.versions import resolve
from auditor.checks.context import AuditContext
from auditor.engine import evaluate, skipped_rules
from auditor.errors import InputError
from auditor.loaders.keys import KeyFile, load_key_file
from auditor.model import Finding
from auditor.registry import Rule


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


def choose_version(requested: str | None, key_files: list[KeyFile]) -> str | None:
    """--appwrite-version wins; else the one manifest(s) declare; else the default."""
    if requested:
        return requested
    declared = {key.appwrite_version for f in key_files for key in f.keys if key.appwrite_version}
    if len(declared) > 1:
        raise InputError(f"manifests declare different Appwrite versions ({', '.join(sorted(declared))}); "
                         "choose one with --appwrite-version")
    if not declared:
        return None
    version = declared.pop()
    try:
        return resolve(version)
    except InputError as error:
        source = next(k.location.file for f in key_files for k in f.keys if k.appwrite_version == version)
        raise InputError(f"{source}: appwriteVersion: {error}") from None


def run_audit(key_paths: list[str], log_paths: list[str], *, version: str | None = None,
              keys_format: str | None = None, rules: dict[str, Rule], now: datetime | None = None) -> AuditResult:
    if not key_paths:
        raise InputError("no key definitions: give at least one --keys FILE")
    if sum(1 for p in key_paths + log_paths if p == "-") > 1:
        raise InputError("stdin (-) can be read only once")
    key_files = [load_key_file(path, keys_format) for path in key_paths]
    catalog = load(choose_version(version, key_files))
    usage = read_usage(log_paths, catalog) if log_paths else None
    analyses = [analyse_key(key, usage, catalog) for f in key_files for key in f.keys]
    now = now or datetime.now(timezone.utc)
    ctx = AuditContext(catalog, analyses, usage, [f.document for f in key_files], now,
                       defined_ids={a.key.id for a in analyses})
    findings = evaluate(ctx, rules)
    return AuditResult(catalog, key_files, analyses, usage, findings, rules,
                       skipped_rules(rules, usage is not None), now)
