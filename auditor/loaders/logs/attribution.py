"""Name the key behind a logged request: by its secret's sha256, by its name, or by `--key`.

A secret read from a log is hashed at once and never kept, printed or used as a
key id: a secret no definition knows becomes `sha256:<12 hex digits>`, the
fingerprint keyaudit shows for secrets everywhere. What cannot be tied to one
key is counted under a reason (ReadStats.unattributed), never dropped unsaid.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from auditor.analysis.topkeys import DEFAULT_KEEP
from auditor.loaders.logs.calllog import ReadStats
from auditor.model import KeyDefinition
from auditor.secrets import fingerprint, redact, scrub_identifier, sha256_hex

REDACTED = "REDACTED"  # what Traefik writes for a header in `redact` mode
DYNAMIC_PREFIX = "dynamic_"
DYNAMIC_NAME = "Dynamic Key"  # the userName Appwrite logs for a dynamic (function or site execution) key

# The `key` keyaudit record writes for a request that sent no X-Appwrite-Key: counted under NO_KEY when read. As
# long as a secret at least, so that the fast JSONL reader (which takes only shorter keys) leaves it to without_secret.
NO_KEY_RECORD = "unattributed: the request sent no X-Appwrite-Key"
NO_KEY = "requests with no X-Appwrite-Key logged (sessions, guests, the Console; or the proxy does not keep the header)"
KEY_REDACTED = "X-Appwrite-Key logged as REDACTED: keep the header in the access log, or give --key"
KEY_DYNAMIC = (
    "function or site execution keys (dynamic_…): the log does not say which function; "
    "record calls inside the function with auditor.recorder"
)
NO_KEY_IN_FORMAT = "{format} logs name no key: give --key ID"


def shared_secret(ids: list[str]) -> str:
    return f"one secret is defined for keys {', '.join(ids)}: attributed to neither"


def no_project(name: str, ids: list[str]) -> str:
    return (
        f"key name {name!r} is defined without a project ({', '.join(ids)}): audit entries, which name their "
        "project, are attributed to no key; give the key its project (`projectId` in an export, as fetch-keys "
        "writes it; `project` in a manifest)"
    )


def shared_name(name: str, ids: list[str]) -> str:
    return f"key name {redact(name)!r} is shared by keys {', '.join(ids)}: attributed to neither"


class KeyIndex:
    """The defined keys by secret sha256 (exports with a real secret or its `secretSha256`) and by name."""

    def __init__(self, keys: Iterable[KeyDefinition] = ()):
        self._by_digest: dict[str, set[str]] = {}
        self._by_name: dict[str, list[KeyDefinition]] = {}
        self._projects: dict[str, set[str | None]] = {}
        for key in keys:
            if key.secret_sha256:
                self._by_digest.setdefault(key.secret_sha256, set()).add(key.id)
                self._projects.setdefault(key.id, set()).add(key.project)
            if key.name and key.kind == "api":
                self._by_name.setdefault(key.name, []).append(key)

    def by_secret(self, secret: str) -> tuple[str | None, str | None]:
        """(key id, None), or (None, why no single key can be named)."""
        if secret.startswith(DYNAMIC_PREFIX):
            return None, KEY_DYNAMIC
        ids = self._by_digest.get(sha256_hex(secret))
        if not ids:
            return fingerprint(secret), None
        if len(ids) > 1:
            return None, shared_secret(sorted(ids))
        return next(iter(ids)), None

    def project_of(self, key_id: str, sent: str | None) -> str | None:
        """The project of a call a defined key's secret made: the key's own, whatever project header the client
        sent (a secret belongs to one project's key; headers are the sender's to choose, and each made-up one
        would otherwise open a new slot of usage). A key defined in several projects keeps the header if it names
        one of them."""
        projects = self._projects.get(key_id)
        if not projects:
            return sent
        if len(projects) == 1:
            return next(iter(projects))
        return sent if sent in projects else None

    def by_name(self, name: str, project: str) -> tuple[str | None, str | None]:
        """Appwrite 1.8+ logs a key's actions under the key's name and its project; `name:<name>` when no
        definition has it. A key defined without a project takes no project's entries: a same-named key of
        any other project would pass for it; the entry is counted under a reason that says so."""
        if name == DYNAMIC_NAME:
            return None, KEY_DYNAMIC
        name, project = redact(name), scrub_identifier(project)  # as definitions keep them (loaders/keys/__init__.py)
        named = self._by_name.get(name, ())
        ids = sorted({key.id for key in named if key.project == project})
        if not ids and any(key.project is None for key in named):
            return None, no_project(name, sorted(key.id for key in named if key.project is None))
        if not ids:
            return f"name:{name}", None  # a name read from a log: shown, so never a secret
        if len(ids) > 1:
            return None, shared_name(name, ids)
        return ids[0], None


def key_for_secret(secret, options: LogOptions, stats: ReadStats, no_secret: str) -> str | None:
    """The key of a request by its logged X-Appwrite-Key, else `--key`; None (counted) when neither names one.

    `no_secret`: the reason to count when the line carries no secret and no --key was given.
    """
    if isinstance(secret, str) and secret and secret != REDACTED:
        key, reason = options.keys.by_secret(secret)
    elif options.key:
        return options.key
    else:
        key, reason = None, KEY_REDACTED if secret == REDACTED else no_secret
    if key is None:
        stats.unattributed_line(reason)
    return key


@dataclass(frozen=True)
class LogOptions:
    """How to read call logs: a forced format, the key of lines that name none, the defined keys.

    `defined`: the ids of the defined keys, kept in full; other keys' usage is bounded to the busiest
    `keep_unknown` (analysis/topkeys.py). None: every key is kept in full.
    """

    format: str | None = None
    key: str | None = None
    keys: KeyIndex = field(default_factory=KeyIndex)
    defined: frozenset[str] | None = None
    keep_unknown: int = DEFAULT_KEEP

    @classmethod
    def of(
        cls,
        keys: list[KeyDefinition],
        log_format: str | None = None,
        log_key: str | None = None,
        keep_unknown: int = DEFAULT_KEEP,
    ) -> LogOptions:
        """The options of logs read against the defined `keys`."""
        return cls(log_format, log_key, KeyIndex(keys), frozenset(key.id for key in keys), keep_unknown)
