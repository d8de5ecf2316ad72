"""The key id a request's `X-Appwrite-Key` stands for: by the secret's sha256 among `--keys`, else its
fingerprint `sha256:<12 hex>`. The secret is hashed at once and never kept or written."""

from __future__ import annotations

from collections.abc import Iterable

from auditor.model import KeyDefinition
from auditor.secrets import fingerprint, sha256_hex

NO_KEY = "no-key"  # the `key` of a request that sent no X-Appwrite-Key (a session, a guest, the Console)


class KeyNames:
    def __init__(self, keys: Iterable[KeyDefinition] = ()):
        ids: dict[str, set[str]] = {}
        for key in keys:
            if key.secret_sha256:
                ids.setdefault(key.secret_sha256, set()).add(key.id)
        self._by_digest = {digest: next(iter(found)) for digest, found in ids.items() if len(found) == 1}

    def name(self, secret: str | None) -> str:
        if not secret:
            return NO_KEY
        return self._by_digest.get(sha256_hex(secret)) or fingerprint(secret)
