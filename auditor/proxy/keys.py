"""The key id a request's `X-Appwrite-Key` stands for: by the secret's sha256 among `--keys`, else its
fingerprint `sha256:<12 hex>`. The secret is hashed at once and never kept or written."""

from __future__ import annotations

from collections.abc import Iterable

from auditor.loaders.logs.attribution import NO_KEY_RECORD
from auditor.model import KeyDefinition
from auditor.secrets import fingerprint, sha256_hex


class KeyNames:
    def __init__(self, keys: Iterable[KeyDefinition] = ()):
        ids: dict[str, set[str]] = {}
        for key in keys:
            if key.secret_sha256:
                ids.setdefault(key.secret_sha256, set()).add(key.id)
        self._by_digest = {digest: next(iter(found)) for digest, found in ids.items() if len(found) == 1}

    def name(self, secret: str | None) -> str:
        if not secret:
            return NO_KEY_RECORD
        return self._by_digest.get(sha256_hex(secret)) or fingerprint(secret)
