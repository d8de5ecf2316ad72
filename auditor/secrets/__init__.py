"""Recognise Appwrite key secrets without ever keeping or printing them.

A secret is `<type>_<body>`: Appwrite's `Key::decode` (src/Appwrite/Auth/Key.php)
splits it at the first `_`; the types are the API_KEY_* constants of
app/init/constants.php.

- Stored keys: `standard_` (project keys), and since 1.9 `account_` and
  `organization_`. The body is `bin2hex(random_bytes(128))`, 256 lowercase hex
  digits (Project/Keys/Create.php; the one `keys` collection that holds all
  three sizes its `secret` column for exactly that).
- Minted keys: `ephemeral_` (1.9: function executions, site renders, builds,
  `POST /v1/project/keys/ephemeral`) and `dynamic_` (the same key before 1.9,
  still accepted): an HS256 JWT.

keyaudit keeps a sha256 of a secret (to recognise the key in access logs) and
shows only a 12-digit prefix of that hash as a fingerprint.

scan.py finds secrets in files (`keyaudit secrets`, the secret-in-file rule); encodings.py recognises a secret
written encoded. Any package that prints, writes or keeps outside text imports this one.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import cache

from auditor.secrets.encodings import base64_runs, decode

STORED_KINDS = ("standard", "account", "organization")
MINTED_KINDS = ("ephemeral", "dynamic")
# JWT segment lengths are bounded so that a match has a known maximum length,
# which lets secret_scan stream a file in chunks without missing a secret.
_JWT_HEADER, _JWT_PAYLOAD, _JWT_SIGNATURE = 1024, 16384, 512
MAX_SECRET_CHARS = max(len(k) for k in MINTED_KINDS) + 1 + _JWT_HEADER + _JWT_PAYLOAD + _JWT_SIGNATURE + 2
# The shortest string the pattern takes (`dynamic_eyJ` + 8, `.` + 8, `.` + 8): anything shorter needs no scan.
MIN_SECRET_CHARS = min(len(k) for k in MINTED_KINDS) + 1 + 3 + 8 + 1 + 8 + 1 + 8

SECRET_PATTERN = re.compile(
    r"(?<![A-Za-z0-9_])(?:"
    rf"(?:{'|'.join(STORED_KINDS)})_[0-9a-f]{{256}}"
    rf"|(?:{'|'.join(MINTED_KINDS)})_eyJ[A-Za-z0-9_-]{{8,{_JWT_HEADER - 3}}}"
    rf"\.[A-Za-z0-9_-]{{8,{_JWT_PAYLOAD}}}\.[A-Za-z0-9_-]{{8,{_JWT_SIGNATURE}}}"
    r")(?![0-9A-Za-z_-])"
)
SECRET_BYTES_PATTERN = re.compile(SECRET_PATTERN.pattern.encode())
# The same bodies without the boundaries: found in any text that holds a secret, even where JSON escaping put a
# letter before it (`\nstandard_…` encodes as `\\nstandard_…`). None found: the text holds no secret.
_STORED_BODY = rf"(?:{'|'.join(STORED_KINDS)})_[0-9a-f]{{256}}"
_JWT_START = "_eyJ"  # after a minted kind: a JWT's header is base64 of `{"…`
_MINTED_BODY = rf"(?:{'|'.join(MINTED_KINDS)}){_JWT_START}[A-Za-z0-9_-]{{8,}}\.[A-Za-z0-9_-]{{8,}}\.[A-Za-z0-9_-]{{8,}}"
SECRET_ANYWHERE = re.compile(f"{_STORED_BODY}|{_MINTED_BODY}")
_FULL_SECRET = re.compile(SECRET_PATTERN.pattern)
_KIND_PREFIXES = tuple(kind + "_" for kind in STORED_KINDS + MINTED_KINDS)
_KIND_PREFIX_BYTES = tuple(prefix.encode() for prefix in _KIND_PREFIXES)


def _names_a_kind(text: str) -> bool:
    """Whether `text` holds `standard_` or another kind's prefix, which every SECRET_ANYWHERE match starts
    with: a substring search, some 10x faster than the regex's, which tries its alternation at every character
    (a report of 100 KB: 0.15 ms, not 1.9 ms, up to three times a report)."""
    return any(prefix in text for prefix in _KIND_PREFIXES)


@dataclass(frozen=True)
class SecretHit:
    line: int
    kind: str  # one of STORED_KINDS or MINTED_KINDS
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


def secret_spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, secret) of every secret in `text`, as written or encoded (secret_encodings.py): for an
    encoded one, the raw span that decodes to it."""
    return _spans(text, (SECRET_PATTERN,))


def _spans(text: str, decoded_patterns: tuple[re.Pattern, ...]) -> list[tuple[int, int, str]]:
    """secret_spans, where the decoded text is searched with `decoded_patterns`."""
    spans = [(match.start(), match.end(), match.group(0)) for match in SECRET_PATTERN.finditer(text)]
    spans += _base64_spans(text, decoded_patterns)
    view = decode(text)
    if view is not None:
        taken = {start for start, _, _ in spans}
        decoded_spans = [
            (match.start(), match.end(), match.group(0))
            for pattern in decoded_patterns
            for match in pattern.finditer(view.text)
        ]
        # base64 in a JSON string: PEM-style lines joined by `\n` escapes, `/` escaped as `\/`
        for start, end, secret in decoded_spans + _base64_spans(view.text, decoded_patterns):
            start, end = view.raw_span(start, end)
            if start not in taken:
                spans.append((start, end, secret))
    return sorted(spans)


@cache
def _bytes_pattern(pattern: re.Pattern) -> re.Pattern:
    return re.compile(pattern.pattern.encode())


def _base64_spans(text: str, decoded_patterns: tuple[re.Pattern, ...]) -> list[tuple[int, int, str]]:
    """Secrets written in base64, searched in the decoded bytes with `decoded_patterns` (glued ones too, for
    redact: base64 of `keystandard_…`): the raw span is every base64 character that spells a byte of the secret."""
    spans = []
    for run in base64_runs(text, MIN_SECRET_CHARS, _KIND_PREFIX_BYTES):
        for match in (found for pattern in decoded_patterns for found in _bytes_pattern(pattern).finditer(run.decoded)):
            spans.append((*run.raw_span(match.start(), match.end()), match.group(0).decode()))
    return spans


def find_secrets(text: str) -> list[SecretHit]:
    """Every secret in `text` (a file's), as written or encoded, with its line."""
    return [
        SecretHit(text.count("\n", 0, start) + 1, secret.split("_", 1)[0], fingerprint(secret))
        for start, _, secret in secret_spans(text)
    ]


def holds_secret(text: str) -> bool:
    """Whether `text` holds a secret anywhere: as written, or encoded once or twice (an encoded secret inside
    a JSON text that escapes its backslashes again)."""
    for _ in range(3):
        if _names_a_kind(text) and SECRET_ANYWHERE.search(text) or _base64_spans(text, (SECRET_ANYWHERE,)):
            return True
        view = decode(text)
        if view is None:
            return False
        text = view.text
    return False


REDACTED_PREFIX = "<secret "  # how a redacted secret starts in any text keyaudit writes


# A secret glued to other characters (`/v1/x/xstandard_<hex>Z`, `9ephemeral_<jwt>`): no finding (the boundaries
# of SECRET_PATTERN say what a secret in a file looks like), but never shown either.
_GLUED_STORED, _GLUED_MINTED = re.compile(_STORED_BODY), re.compile(_MINTED_BODY)


def _hide_glued(text: str) -> str:
    """Stored ones first: a minted key's last segment would take in a stored secret glued after it. The minted
    pattern's search costs twice the stored one's: run only where a JWT may start."""
    text = _GLUED_STORED.sub(_redacted_match, text)
    return _GLUED_MINTED.sub(_redacted_match, text) if _JWT_START in text else text


def _redacted_match(match: re.Match) -> str:
    return _redacted(match.group(0))


def _redacted(secret: str) -> str:
    return f"{REDACTED_PREFIX}{fingerprint(secret)}>"


def redact(text: str) -> str:
    """Replace every secret in `text` by its fingerprint, where it is written: glued to other characters
    (`xstandard_…`, `9ephemeral_<jwt>`: no finding, but never shown) or encoded (`\\u0073tandard_…`,
    `standard%5F…`, `xstandard%5F…`; see encodings.py) too. Until none is left: replacing one may reveal
    another (`ephemeral_<jwt>standard_<hex>-standard_<hex>`).
    """
    if len(text) < MIN_SECRET_CHARS:  # most strings of a report (scopes, ids, dates): no scan
        return text
    while True:
        text = _hide_glued(text)
        spans = _spans(text, (_GLUED_STORED, _GLUED_MINTED))  # encoded and glued too: `xstandard%5F…`
        if not spans:
            return text
        pieces, position = [], 0
        for start, end, secret in spans:
            if start >= position:  # spans of one secret as written and encoded may overlap: the first wins
                pieces += [text[position:start], _redacted(secret)]
                position = end
        text = "".join(pieces) + text[position:]


def redact_values(value):
    """A deep copy of a JSON-like `value` whose strings (keys included) hold no secret."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {redact_values(k): redact_values(v) for k, v in value.items()}
    if isinstance(value, list):
        return [redact_values(item) for item in value]
    return value


def scrub_identifier(value: str | None) -> str | None:
    """A key id, project or scope as keyaudit may keep and show it: a secret there becomes its fingerprint.

    Key files and logs are untrusted, and a secret is sometimes given where an id belongs (a recorder
    handed the key's secret for its id). Such a value is never kept: a whole secret becomes
    `sha256:<12 hex>`, a secret inside a longer value `<secret sha256:<12 hex>>`.
    """
    if value is None or len(value) < MIN_SECRET_CHARS:
        return value
    if is_real_secret(value):
        return fingerprint(value)
    return redact(value)
