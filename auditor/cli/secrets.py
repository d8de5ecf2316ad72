"""`keyaudit secrets FILE...`: unmasked Appwrite key secrets in any files (the keyaudit-secrets hook)."""

import sys

import click

from auditor.cli.echo import say
from auditor.secrets.scan import scan_file


@click.command()
@click.argument("files", nargs=-1, required=True, metavar="FILE...")
def secrets(files):
    """Report every unmasked Appwrite key secret in FILEs: where, of which kind, and
    a sha256 fingerprint, never the secret itself.

    Finds standard_, account_ and organization_ keys and ephemeral_/dynamic_ JWT
    keys, as written or encoded (JSON/YAML escapes, HCL interpolation, percent-
    encoding). UTF-16/32 and gzip files are read; FIFOs and devices refused;
    other binary files are skipped; large files are streamed. Exit 0: none;
    1: secrets found; 2: a file cannot be read.
    """
    found = 0
    for path in files:
        for hit in scan_file(path) or []:
            say(f"{path}:{hit.line}: {hit.kind} key secret ({hit.fingerprint})")
            found += 1
    sys.exit(1 if found else 0)
