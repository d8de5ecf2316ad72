"""Validate one file of any kind; the engine behind `keyaudit validate`."""

from __future__ import annotations

from dataclasses import dataclass, field

from auditor.catalog.catalog import Catalog, load
from auditor.catalog.versions import CLOUD, is_cloud_endpoint, is_version_name, resolve
from auditor.errors import InputError
from auditor.loaders import jsontext
from auditor.loaders.detect import SCHEMA_REFS, is_call_log_name, is_terraform_json_name, is_terraform_name
from auditor.loaders.document import Document, load_document
from auditor.loaders.keys import CLI_HINT, classify
from auditor.loaders.keys.appwrite_includes import included_keys
from auditor.loaders.logs.calllog import BadRecord, record_to_call
from auditor.loaders.source import display_name, iter_lines, open_binary, refuse_special
from auditor.policy import PREFIX
from auditor.policy.validate import policy_problems
from auditor.rules.registry import builtin_rules
from auditor.validation.schemas import violations
from auditor.validation.validate_terraform import terraform_json_messages, terraform_messages

MAX_LOG_MESSAGES = 20


@dataclass
class Message:
    level: str  # error | warning
    line: int | None
    pointer: str | None
    text: str


@dataclass
class FileReport:
    file: str
    kind: str | None
    version: str | None = None
    messages: list[Message] = field(default_factory=list)
    unreadable: str | None = None  # one-line reason when the file cannot be read or parsed

    @property
    def errors(self) -> int:
        return sum(1 for m in self.messages if m.level == "error")


def validate_path(path: str, forced_kind: str | None, version: str | None) -> FileReport:
    report = FileReport(display_name(path), forced_kind)
    try:
        refuse_special(path)
        if forced_kind == "call-log" or (forced_kind is None and is_call_log_name(path)):
            report.kind = "call-log"
            _validate_call_log(path, report)
        elif forced_kind in (None, "terraform") and (is_terraform_name(path) or is_terraform_json_name(path)):
            report.kind = "terraform"
            catalog = load(version)
            report.version = catalog.version
            read = terraform_json_messages if is_terraform_json_name(path) else terraform_messages
            report.messages = [Message(*message) for message in read(path, catalog)]
        else:
            _validate_document(load_document(path), path, forced_kind, version, report)
    except InputError as error:
        report.unreadable = str(error)
    return report


def _validate_document(doc: Document, path: str, forced_kind, version, report: FileReport) -> None:
    kind, shape = classify(doc, forced_kind)
    report.kind = kind
    catalog = None if kind == "config" else load(version or _declared_version(doc, report))
    report.version = catalog.version if catalog else None
    for problem in violations(doc.value, SCHEMA_REFS[(kind, shape)], catalog):
        text = problem.message
        if kind == "key-export" and "missing required field 'scopes'" in text:
            text = CLI_HINT
        report.messages.append(Message("error", doc.line(problem.pointer), problem.pointer, text))
    if catalog is not None:
        _warn_deprecated(doc, catalog, report)
    if kind == "appwrite-json" and shape is None and not report.messages:
        _check_includes(doc, path, catalog, report)
    if kind == "config" and not report.messages:
        policy = doc.value.get("policy")
        for pointer, text in policy_problems(policy, "/policy"):
            report.messages.append(Message("error", doc.line(pointer), pointer, text))
        # the config schema takes exceptions as a plain list (a run judges them entry by entry); say what a run will
        for problem in violations({"exceptions": doc.value.get("exceptions") or []}, "exceptions.schema.json", None):
            report.messages.append(Message("error", doc.line(problem.pointer), problem.pointer, problem.message))
        known = set(builtin_rules()) | {PREFIX + rule["id"] for rule in ((policy or {}).get("rules") or [])}
        for rule_id in doc.value.get("rules") or {}:
            if rule_id not in known:
                pointer = f"/rules/{rule_id}"
                report.messages.append(Message("error", doc.line(pointer), pointer, f"unknown rule {rule_id!r}"))
    report.messages.sort(key=lambda m: (m.line or 0, m.pointer or ""))


def _check_includes(doc: Document, path: str, catalog, report: FileReport) -> None:
    """The files `includes` names are read as lint reads them: one that is missing, leaves the project, loops or
    is broken is an error of this file, at /includes; so is each scope an included file gets wrong, named with
    that file and line (the Appwrite CLI deploys what the included files say)."""
    try:
        _, documents = included_keys(doc, path)
    except InputError as error:
        text = str(error).removeprefix(f"{doc.name}: ")  # the line already names this file
        report.messages.append(Message("error", doc.line("/includes"), "/includes", text))
        return
    for child in documents:
        shape = "functionArray" if isinstance(child.value, list) else None  # function and site arrays: one schema
        for problem in violations(child.value, SCHEMA_REFS[("appwrite-json", shape)], catalog):
            where = f"{child.name}:{child.line(problem.pointer)}"
            text = f"included {where} (at {problem.pointer or '/'}): {problem.message}"
            report.messages.append(Message("error", doc.line("/includes"), "/includes", text))


def _declared_version(doc: Document, report: FileReport) -> str | None:
    """A manifest's own appwriteVersion when it names a supported one; `cloud` for an appwrite.json on Cloud.

    A malformed value is left to the schema; a well-formed but unsupported one
    (1.9.2, 2.7) is reported at its line. Either way scopes are then checked
    against the default version.
    """
    if not isinstance(doc.value, dict):
        return None
    if is_cloud_endpoint(doc.value.get("endpoint")):
        return CLOUD
    declared = doc.value.get("appwriteVersion")
    if not isinstance(declared, str) or not is_version_name(declared):
        return None
    try:
        return resolve(declared)
    except InputError as error:
        report.messages.append(Message("error", doc.line("/appwriteVersion"), "/appwriteVersion", str(error)))
        return None


def _scope_pointers(value):
    """(pointer, scope) for every scope list in a key export, manifest or appwrite.json."""

    def walk(node, pointer):
        if isinstance(node, dict):
            for name, child in node.items():
                child_pointer = f"{pointer}/{name}"
                if name == "scopes" and isinstance(child, list):
                    for index, scope in enumerate(child):
                        if isinstance(scope, str):
                            yield f"{child_pointer}/{index}", scope
                elif isinstance(child, (dict, list)):
                    yield from walk(child, child_pointer)
        elif isinstance(node, list):
            for index, child in enumerate(node):
                yield from walk(child, f"{pointer}/{index}")

    yield from walk(value, "")


def _warn_deprecated(doc: Document, catalog: Catalog, report: FileReport) -> None:
    for pointer, scope in _scope_pointers(doc.value):
        new = catalog.renamed.get(scope)
        if new:
            report.messages.append(
                Message(
                    "warning",
                    doc.line(pointer),
                    pointer,
                    f"{scope} is deprecated in Appwrite {catalog.version}; use {new} (see `keyaudit audit` for "
                    "routes that accept only the old name)",
                )
            )


def _call_log_problem(line: bytes) -> str | None:
    """What is wrong with one call-log line: the schema's word, else the reader's (audit counts it bad)."""
    try:
        record = jsontext.loads(line)
    except jsontext.LoneSurrogate as error:
        return str(error)
    except (ValueError, RecursionError):
        return "not valid JSON"
    found = violations(record, "call-log-record.schema.json", None)
    if found:
        return f"{found[0].pointer or '/'}: {found[0].message}"
    try:
        record_to_call(record)
    except BadRecord as error:
        return str(error)
    return None


def _validate_call_log(path: str, report: FileReport) -> None:
    shown = 0
    hidden = 0
    with open_binary(path) as stream:
        for number, line in iter_lines(stream):
            problem = None
            if line is None:
                problem = "line longer than 1 MiB"
            elif not line.strip():
                continue
            else:
                problem = _call_log_problem(line)
            if problem:
                if shown < MAX_LOG_MESSAGES:
                    report.messages.append(Message("error", number, None, problem))
                    shown += 1
                else:
                    hidden += 1
    if hidden:
        report.messages.append(Message("error", None, None, f"{hidden} more bad lines not shown"))
