"""Exceptions: owned, justified, time-boxed silences of one rule for one key (and scope).

They come from the `exceptions:` list of a --config file and from an
--exceptions file (schemas/exceptions.schema.json). Entries are judged one by
one, so one bad entry never stops a run: a malformed entry becomes an
exception-invalid finding, an expired one an exception-expired finding, and
neither silences anything. A date without a time silences through that day
(UTC); a date-time, until that instant.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field

from auditor.errors import InputError
from auditor.loaders.document import Document, load_document
from auditor.model import Finding, Location
from auditor.secrets import redact
from auditor.times import BadTime, deadline
from auditor.validation.schemas import violations

SCHEMA = "exceptions.schema.json"
META_RULES = ("exception-expired", "exception-invalid")  # about exceptions themselves: never silenced
_ENTRY_POINTER = re.compile(r"^/exceptions/(\d+)(?:/|$)")


@dataclass(frozen=True)
class ExceptionEntry:
    rule: str
    key: str
    scope: str | None
    reason: str
    owner: str
    expires: str  # as written
    ends: float  # seconds since the epoch when it stops silencing
    location: Location

    def expired(self, now: float) -> bool:
        return now >= self.ends

    def matches(self, finding: Finding) -> bool:
        return (
            finding.rule == self.rule
            and finding.key == self.key
            and (self.scope is None or finding.scope == self.scope)
        )

    def as_dict(self) -> dict:
        return {
            "rule": self.rule,
            "key": self.key,
            "scope": self.scope,
            "reason": self.reason,
            "owner": self.owner,
            "expires": self.expires,
            "location": self.location.as_dict(),
        }


@dataclass(frozen=True)
class InvalidEntry:
    location: Location
    problem: str
    key: str | None  # when the entry names one
    digest: str  # of the entry's content: tells invalid entries apart without line numbers


@dataclass
class Exceptions:
    entries: list[ExceptionEntry] = field(default_factory=list)
    invalid: list[InvalidEntry] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)  # the files the entries came from

    def extend(self, other: Exceptions) -> None:
        self.entries.extend(other.entries)
        self.invalid.extend(other.invalid)
        self.sources.extend(other.sources)


@dataclass
class Silenced:
    """What one exception silenced in a run."""

    entry: ExceptionEntry
    findings: int = 0


def load_exceptions(config_path: str | None, config: dict, exceptions_path: str | None, known_rules) -> Exceptions:
    """Entries of the config's `exceptions:` list, then of the --exceptions file."""
    found = Exceptions()
    if config.get("exceptions"):
        doc = load_document(config_path)
        found.extend(_entries(doc, {"exceptions": doc.value["exceptions"]}, known_rules))
    if exceptions_path:
        doc = load_document(exceptions_path)
        if not isinstance(doc.value, dict):
            raise InputError(f"{doc.name}: an exceptions file is a mapping with an `exceptions:` list")
        found.extend(_entries(doc, doc.value, known_rules))
    return found


def _entries(doc: Document, value: dict, known_rules) -> Exceptions:
    problems: dict[int, str] = {}
    for violation in violations(value, SCHEMA, None):
        match = _ENTRY_POINTER.match(violation.pointer)
        if not match:  # the file's shape, not one entry: that is bad input
            line = doc.line(violation.pointer)
            where = f"{doc.name}:{line}" if line else doc.name
            raise InputError(f"{where}: invalid exceptions at {violation.pointer or '/'}: {violation.message}")
        index = int(match.group(1))
        field_name = violation.pointer[match.end() :].split("/")[0]
        problems.setdefault(index, f"{field_name}: {violation.message}" if field_name else violation.message)
    result = Exceptions(sources=[doc.name])
    for index, item in enumerate(value["exceptions"]):
        pointer = f"/exceptions/{index}"
        location = Location(doc.name, doc.line(pointer), pointer)
        problem = problems.get(index) or _semantic_problem(item, known_rules)
        if not problem:
            try:
                ends = deadline(item["expires"])
            except BadTime:
                problem = f"expires: {item['expires']!r} is not a real date"
        if problem:
            key = item.get("key") if isinstance(item, dict) and isinstance(item.get("key"), str) else None
            key = key if key is not None and redact(key) == key else None
            result.invalid.append(InvalidEntry(location, problem, key, _digest(item)))
        else:
            result.entries.append(
                ExceptionEntry(
                    rule=item["rule"],
                    key=item["key"],
                    scope=item.get("scope"),
                    reason=item["reason"],
                    owner=item["owner"],
                    expires=item["expires"],
                    ends=ends,
                    location=location,
                )
            )
    return result


def _semantic_problem(item: dict, known_rules) -> str | None:
    """What the schema cannot say: no secret in it, the rule exists and may be silenced."""
    secret_in = [name for name, value in item.items() if redact(value) != value]
    if secret_in:
        return f"{secret_in[0]}: holds an Appwrite key secret; name keys by their id, and rotate that key"
    rule = item["rule"]
    if rule in META_RULES:
        return f"rule: {rule} is about exceptions themselves and cannot be silenced"
    if rule not in known_rules:
        return f"rule: unknown rule {rule!r} (see `keyaudit rules`)"
    return None


def _digest(item) -> str:
    material = json.dumps(item, sort_keys=True, default=str)
    return hashlib.sha256(material.encode()).hexdigest()[:16]


def apply_exceptions(
    findings: list[Finding], exceptions: Exceptions | None, now: float
) -> tuple[list[Finding], list[Silenced]]:
    """The findings no active exception silences, and what each active exception silenced."""
    if exceptions is None:
        return findings, []
    active = [Silenced(entry) for entry in exceptions.entries if not entry.expired(now)]
    kept = []
    for finding in findings:
        match = next((s for s in active if s.entry.matches(finding)), None)
        if match is None:
            kept.append(finding)
        else:
            match.findings += 1
    return kept, active
