"""Hostile inputs shared by the tests of issue #12: Appwrite key secrets of every kind, and a grep for them.

Secrets are derived from a seed, so each one is distinct and a leak names the input it came from.
"""

from __future__ import annotations

import base64
import hashlib
import json
import sqlite3
from pathlib import Path

from auditor.secrets import is_real_secret


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()).rstrip(b"=").decode()


def stored_secret(seed: str, kind: str = "standard") -> str:
    """`standard_` (or `account_`, `organization_`) + 256 hex digits."""
    return f"{kind}_" + "".join(hashlib.sha256(f"{seed}/{i}".encode()).hexdigest() for i in range(4))


def minted_secret(seed: str, kind: str = "ephemeral") -> str:
    """An `ephemeral_`/`dynamic_` JWT short enough for a key name (under 128 characters)."""
    signature = hashlib.sha256(f"sig/{seed}".encode()).hexdigest()[:20]
    return f"{kind}_" + ".".join([_b64({"alg": "HS256"}), _b64({"s": seed}), signature])


def fragments(secret: str) -> list[str]:
    """Pieces of `secret` that appear nowhere else: a leak of part of it is a leak too."""
    kind, body = secret.split("_", 1)
    if kind in ("standard", "account", "organization"):
        written = base64.b64encode(secret.encode()).decode()  # its base64, as hostile.encoded writes it
        return [secret, body[:32], body[100:132], body[-32:], written[120:160]]
    _, payload, signature = body.split(".")
    return [secret, payload, signature]


class Secrets:
    """Named secrets, made on demand: `secrets.std("keys-file")`, `secrets.eph("key-id")`."""

    def __init__(self):
        self.by_name: dict[str, str] = {}

    def _add(self, name: str, value: str) -> str:
        assert is_real_secret(value), value
        self.by_name.setdefault(name, value)
        return self.by_name[name]

    def std(self, name: str, kind: str = "standard") -> str:
        return self._add(name, stored_secret(name, kind))

    def eph(self, name: str) -> str:
        return self._add(name, minted_secret(name, "ephemeral"))

    def dyn(self, name: str) -> str:
        return self._add(name, minted_secret(name, "dynamic"))

    def leaks(self, text: str | bytes) -> list[str]:
        """Names of the secrets any fragment of which occurs in `text`."""
        if isinstance(text, bytes):
            found = []
            for name, secret in self.by_name.items():
                if any(piece.encode() in text for piece in fragments(secret)):
                    found.append(name)
            return found
        return [name for name, secret in self.by_name.items() if any(piece in text for piece in fragments(secret))]


def sqlite_text(path: Path) -> str:
    """Every value of every table of an SQLite file, as text (a long value spans pages; the raw bytes may split it)."""
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return "\n".join(repr(row) for table in tables for row in db.execute(f"SELECT * FROM {table}"))
    finally:
        db.close()


# ---------------------------------------------------------------- issue #17: encoded secrets, strings no encoder takes


def _pem_lines(text: str) -> str:
    """`text` in base64 wrapped at 64 characters, as PEM writes it."""
    written = base64.b64encode(text.encode()).decode()
    return "\n".join(written[i : i + 64] for i in range(0, len(written), 64))


def encoded(secret: str) -> dict[str, str]:
    """`secret` as a reader decodes it but a search of the raw text misses it, by medium: each value goes inside
    a JSON string, a YAML double-quoted string, an HCL string or a logged URL, as its name says."""
    kind, body = secret.split("_", 1)
    return {
        "json-u-escape": "\\u00" + format(ord(kind[0]), "02x") + secret[1:],
        "json-after-newline": "rotated:\\n" + secret,
        "yaml-line-continuation": f"{kind}_{body[:40]}\\\n    {body[40:120]}\\\n    {body[120:]}",
        "hcl-empty-interpolation": f'{kind}_{body[:64]}${{""}}{body[64:]}',
        "hcl-literal-interpolation": f'${{"{kind}_"}}{body}',
        "percent-encoded": f"{kind}%5F{body}",
        "after-percent-equals": f"token%3D{secret}",
        "base64": base64.b64encode(secret.encode()).decode(),  # a Kubernetes Secret's data, a basic-auth header
        "base64-glued": "/v1/keys/" + base64.b64encode(secret.encode()).decode(),  # its run starts off a group
        "base64-wrapped": _pem_lines(f"key: {secret}"),  # a JSON string escapes each line break
    }


# A lone surrogate escape: JSON and YAML decode it to a str that no encoder (UTF-8 output, SQLite) takes.
LONE_SURROGATE = "a\\ud83d"
# Times that leave the calendar once converted to UTC (year 10000) or come before what keyaudit reads.
OUT_OF_RANGE_TIMES = ("9999-12-31T23:59:59-01:00", "0001-01-01T00:00:00+01:00", "1899-12-31T23:59:59Z")


# Text that tries to act where it is shown (issue #17, class 3). A line break is followed by FORGED: no output
# line may start with it. Each entry is one attack; tests append them to every string a report or a command shows.
ACTIVE_TEXT = [
    "\x1b[2J\x1b[H\x1b]0;pwned\x07",  # clear the screen, home the cursor, set the window title
    "\x9b2J\x9d0;pwned\x9c\x90q\x9c",  # the same with C1 controls: CSI, OSC, ST, DCS
    "\u202eevil\u202c \u2066x\u2069 \u202ay\u202b\u202d \u200f\u200e\u061c",  # bidi overrides, isolates, marks
    "\u200b\ufeff\u00ad\u2060\u180e\ufff9",  # invisible format characters
    "\nFORGED.json:1: critical forged-rule: fake",  # a forged `lines` line or table row
    "\rFORGED \r\nFORGED \u2028FORGED \u2029FORGED \x85FORGED \x0bFORGED \x0cFORGED \x1cFORGED",
    "\x00NUL\x07\x08\x7f\t",
    "\ud800 a lone surrogate \udfff \ufffe",
    "<img src=x onerror=alert(1)><script>alert(1)</script><!-- hidden --> <a href=//evil.example>a</a>",
    "[link](https://evil.example) ![image](https://evil.example/i.png) [ref][1] <https://evil.example>",
    "@admins @org/team mail@evil.example",
    "https://evil.example www.evil.example HTTP://EVIL.EXAMPLE",
    "**bold** _em_ ~~gone~~ `code` $x^2$ | cell | # heading &lt;b&gt; &#x3C;i&#x3E; \\",
    "```\nFORGED fence ~~~",
    "::error file=x.py,line=1::forged ::stop-commands::t",
    "a\\|b\\\\|c `\\|` ``|`` [x]\\",  # backslashes before a pipe, a backtick run, a bracket
    "\u0085\u2028<!-- FORGED --> -->",
]
