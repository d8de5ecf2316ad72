"""secret-in-file: an unmasked key secret in a scanned file.

Fails: a keyList whose key has `"secret": "standard_<256 hex digits>"`.
Passes: `"secret": "standard_[hidden]"`, an empty or absent secret.
The finding names the key when the secret is that key's `secret` field.
"""

from auditor.model import Location, Problem
from auditor.secrets import find_secrets

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
