"""The data that flows through keyaudit: key definitions in, findings out."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Location:
    file: str
    line: int | None = None
    pointer: str | None = None

    def as_dict(self) -> dict:
        return {"file": self.file, "line": self.line, "pointer": self.pointer}

    def __str__(self) -> str:
        where = f":{self.line}" if self.line else ""
        return f"{self.file}{where}" + ("" if self.line or not self.pointer else f"#{self.pointer}")


@dataclass
class KeyDefinition:
    """One API key as defined in an export, a manifest or appwrite.json.

    `secret_sha256` is all keyaudit keeps of a secret: it recognises the key in
    access logs without ever holding the secret itself.
    """

    id: str
    scopes: list[str]
    location: Location
    name: str | None = None
    project: str | None = None
    expire: str | None = None  # RFC 3339; None means the key never expires
    expires_by_itself: bool = False  # function and site keys are minted per execution, ephemeral keys per run
    lifetime_seconds: int | None = None  # an ephemeral key's: valid this long from each Terraform run
    created_at: str | None = None
    accessed_at: str | None = None
    tracks_access: bool = False  # exports carry Appwrite's accessedAt; empty there means never used
    owner: str | None = None
    purpose: str | None = None
    kind: str = "api"  # api | function | site
    secret_state: str = "absent"  # absent | empty | masked | real
    secret_sha256: str | None = None
    scope_locations: dict[str, Location] = field(default_factory=dict)
    appwrite_version: str | None = None  # declared by a manifest; `cloud` for an appwrite.json on Cloud
    source: str | None = None  # the kind of file it came from: key-export | manifest | appwrite-json | terraform

    def scope_location(self, scope: str) -> Location:
        return self.scope_locations.get(scope, self.location)


@dataclass(frozen=True)
class Problem:
    """What a check yields: the engine adds severity, text and fingerprint from the rule."""

    key: KeyDefinition | None
    scope: str | None
    params: dict
    location: Location | None = None
    key_id: str | None = None  # for keys no definition names
    project: str | None = None
    discriminator: str | None = None  # tells apart findings with the same rule, key, scope and file
    severity: str | None = None  # set by rules whose severity varies per finding (high-risk-scope)
    evidence: Location | None = None  # where the logs show it (missing-scope: the first denied call)


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: str
    key: str | None
    project: str | None
    scope: str | None
    message: str
    fix: str
    fingerprint: str
    location: Location | None
    evidence: Location | None = None  # a log line; not part of the fingerprint, which must survive log rotation

    def as_dict(self) -> dict:
        data = {
            "rule": self.rule,
            "severity": self.severity,
            "key": self.key,
            "project": self.project,
            "scope": self.scope,
            "message": self.message,
            "fix": self.fix,
            "fingerprint": self.fingerprint,
            "location": self.location.as_dict() if self.location else None,
        }
        if self.evidence:
            data["evidence"] = self.evidence.as_dict()
        return data
