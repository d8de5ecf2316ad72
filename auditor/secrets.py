"""Recognise Appwrite key secrets without ever keeping or printing them.

Appwrite issues `standard_` keys (256 lowercase hex digits after the prefix) and
`dynamic_` keys (a signed JWT after the prefix, minted for function executions).
keyaudit keeps a sha256 of a secret (to recognise the key in access logs) and
shows only a 12-digit prefix of that hash as a fingerprint.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

SECRET_PATTERN = re.compile(
    r"(?<![A-Za-z0-9_])(?:standard_[0-9a-f]{256}|dynamic_eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,})(?![0-9A-Za-z_-])"
)
_FULL_SECRET = re.compile(SECRET_PATTERN.pattern)


@dataclass(frozen=True)
class SecretHit:
    line: int
    kind: str  # standard | dynamic
    fingerprint: str


def sha256_hex(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def fingerprint(secret: str) -> str:
    return "sha256:" + sha256_hex(secret)[:12]


def is_real_secret(value: str) -> bool:
    return bool(_FULL_SECRET.fullmatch(value))


def classify_secret(value) -> tuple[str, str | None]:
    """(state, sha256) for a key's `secret` field: absent, empty, masked or real."""
    if value is None:
        return "absent", None
    if not isinstance(value, str) or not value:
        return "empty", None
    if is_real_secret(value):
        return "real", sha256_hex(value)
    return "masked", None


def find_secrets(text: str) -> list[SecretHit]:
    hits = []
    for match in SECRET_PATTERN.finditer(text):
        secret = match.group(0)
        line = text.count("\n", 0, match.start()) + 1
        hits.append(SecretHit(line, secret.split("_", 1)[0], fingerprint(secret)))
    return hits


def redact(text: str) -> str:
    """Replace every secret in `text` by its fingerprint."""
    return SECRET_PATTERN.sub(lambda m: f"<secret {fingerprint(m.group(0))}>", text)
