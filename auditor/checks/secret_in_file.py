"""secret-in-file: an unmasked key secret in a scanned file.

Fails: a keyList whose key has `"secret": "standard_<256 hex digits>"`.
Passes: `"secret": "standard_[hidden]"`, an empty or absent secret.
The finding names the key when the secret is that key's `secret` field. Files that hold no key definitions
(`keyaudit lint` is given a .env, a script, a README) are scanned as `keyaudit secrets` scans them, streamed.
"""

from auditor.errors import InputError
from auditor.loaders.source import display_name
from auditor.model import Location, Problem
from auditor.secrets import find_secrets
from auditor.secrets.scan import scan_file

RULE_ID = "secret-in-file"


def _owners(ctx, doc) -> dict[int, object]:
    """line of a key's `secret` field -> that key, for keys defined in `doc`."""
    owners = {}
    for key in ctx.keys:
        if key.secret_state == "real" and key.location.file == doc.name and key.location.pointer is not None:
            line = doc.lines.get(f"{key.location.pointer}/secret")
            if line:
                owners[line] = key
    return owners


def check(ctx):
    for doc in ctx.documents:
        hits = find_secrets(doc.text)
        owners = _owners(ctx, doc) if hits else {}
        for hit in hits:
            location = Location(doc.name, hit.line, None)
            params = {"kind": hit.kind, "fingerprint": hit.fingerprint, "file": f"{doc.name}:{hit.line}"}
            owner = owners.get(hit.line)
            yield Problem(owner, None, params, location, discriminator=hit.fingerprint)
    for path in ctx.scanned_paths:
        yield from _scanned(display_name(path), path)


def _scanned(name: str, path: str):
    """A file checked for secrets only; one its reader refuses (a FIFO) was already refused with its reason."""
    try:
        hits = scan_file(path) or []  # None: a binary file
    except (InputError, OSError):
        return
    for hit in hits:
        params = {"kind": hit.kind, "fingerprint": hit.fingerprint, "file": f"{name}:{hit.line}"}
        yield Problem(None, None, params, Location(name, hit.line, None), discriminator=hit.fingerprint)
