"""`keyaudit validate`: check files against keyaudit's JSON Schemas."""

import json
import sys

import click

from auditor.catalog.versions import resolve
from auditor.cli import options
from auditor.cli.echo import say
from auditor.errors import one_line
from auditor.loaders.detect import KINDS
from auditor.secrets import redact_values
from auditor.validation.validate_file import validate_path


@click.command()
@click.argument("files", nargs=-1, required=True, metavar="FILE...")
@click.option("--kind", type=click.Choice(KINDS), help="Skip detection: every FILE is of this kind.")
@options.audit_version
@click.option("--format", "output_format", type=click.Choice(["table", "json"]), default="table", show_default=True)
def validate(files, kind, appwrite_version, output_format):
    """Validate key exports, manifests, appwrite.json, call logs and configs.

    Unknown scopes get a "did you mean"; deprecated names are valid but warned.
    Exit 0: all valid; 1: a schema violation; 2: a file that cannot be read or parsed.
    """
    version = resolve(appwrite_version) if appwrite_version else None
    reports = [validate_path(path, kind, version) for path in files]
    if output_format == "json":  # file names and pointers are the user's and the files': redacted like reports
        click.echo(
            json.dumps(
                redact_values(
                    [
                        {
                            "file": r.file,
                            "kind": r.kind,
                            "appwriteVersion": r.version,
                            "valid": r.unreadable is None and r.errors == 0,
                            "error": r.unreadable,
                            "messages": [
                                {"level": m.level, "line": m.line, "pointer": m.pointer, "message": m.text}
                                for m in r.messages
                            ],
                        }
                        for r in reports
                    ]
                ),
                indent=2,
            )
        )
    else:
        for r in reports:
            if r.unreadable:
                click.echo(f"keyaudit: error: {one_line(r.unreadable)}", err=True)
                continue
            for m in r.messages:
                where = f"{r.file}:{m.line}" if m.line else (f"{r.file}#{m.pointer}" if m.pointer else r.file)
                say(f"{where}: {m.level}: {m.text}")
            status = "invalid" if r.errors else "valid"
            version = f", Appwrite {r.version}" if r.version else ""
            say(f"{r.file}: {status} {r.kind}{version}")
    if any(r.unreadable for r in reports):
        sys.exit(2)
    if any(r.errors for r in reports):
        sys.exit(1)
