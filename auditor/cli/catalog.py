"""`keyaudit catalog lookup|list`: query the route→scope catalog."""

from __future__ import annotations

import csv
import json
import sys

import click
from tabulate import tabulate

from auditor.catalog.catalog import load
from auditor.catalog.versions import DEFAULT, SUPPORTED
from auditor.cli.echo import say
from auditor.cli.options import appwrite_version, output_format
from auditor.loaders import jsontext
from auditor.loaders.source import iter_lines, open_binary
from auditor.secrets import redact


@click.group()
def catalog():
    """Look up which scopes Appwrite routes require."""


@catalog.command()
@click.argument("method", required=False)
@click.argument("path", required=False)
@click.option("--input", "input_file", metavar="FILE|-", help="Call-log records (JSONL with method and path).")
@appwrite_version(default=DEFAULT, show_default=True)
@output_format("table", "json")
def lookup(method, path, input_file, appwrite_version, output_format):
    """Show the route METHOD PATH resolves to and the scopes that pass it.

    Any one of the listed scopes suffices. With --input, every line of FILE is
    resolved and one JSON object per line is written, in the same order.
    """
    cat = load(appwrite_version)
    if input_file:
        if method or path:
            raise click.UsageError("give either METHOD PATH or --input, not both")
        _lookup_stream(cat, input_file)
        return
    if not (method and path):
        raise click.UsageError("METHOD and PATH are required (or use --input FILE)")
    route = cat.match(method, path)
    record = {"appwriteVersion": cat.version, "method": method.upper(), "path": path}
    record.update(route.as_dict() if route else {"route": None, "scopes": None})
    if output_format == "json":
        click.echo(redact(json.dumps(record, indent=2)))
        return
    click.echo(f"Appwrite {cat.label}")
    if route is None:
        say(f"{method.upper()} {path}: no route matches (unknown route)")
        return
    rows = [
        ("route", f"{route.method} {route.template}"),
        ("scopes (any one)", ", ".join(route.scopes)),
        ("callable with an API key", {True: "yes", False: "no", None: "not labelled"}[route.key_access]),
        ("deprecated", "yes" if route.deprecated else "no"),
    ]
    if route.replaced_by:
        rows.append(("replaced by", route.replaced_by))
    click.echo(tabulate(rows, tablefmt="plain"))


def _lookup_stream(cat, input_file: str) -> None:
    out = sys.stdout
    with open_binary(input_file) as stream:
        for number, line in iter_lines(stream):
            record = {"method": None, "path": None, "route": None, "scopes": None}
            error = None
            try:
                if line is None:
                    raise ValueError("line too long")
                data = jsontext.loads(line)
                if not isinstance(data, dict):
                    raise ValueError("not a JSON object")
                method, path = data.get("method"), data.get("path")
                if not isinstance(method, str) or not isinstance(path, str):
                    raise ValueError("needs string fields method and path")
                record["method"], record["path"] = method, path
                route = cat.match(method, path)
                if route is not None:
                    record["route"], record["scopes"] = route.template, list(route.scopes)
            except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
                error = f"line {number}: not valid JSON"
            except ValueError as exc:
                error = f"line {number}: {exc}"
            if error:
                record["error"] = error
            out.write(redact(json.dumps(record)) + "\n")  # a logged path may carry a secret


@catalog.command("list")
@appwrite_version("Catalog version, or `all` for every one", default=DEFAULT, show_default=True, metavar="V|all")
@output_format("csv", "json")
def list_routes(appwrite_version, output_format):
    """Every route with each scope it accepts: one row per version, method, route and scope."""
    versions = SUPPORTED if appwrite_version == "all" else (appwrite_version,)
    columns = ["version", "method", "route", "scope", "key_access", "deprecated", "replaced_by"]
    rows = []
    for version in versions:
        cat = load(version)
        for route in cat.routes:
            for scope in route.scopes or (None,):
                rows.append(
                    [
                        cat.version,
                        route.method,
                        route.template,
                        scope,
                        route.key_access,
                        route.deprecated,
                        route.replaced_by,
                    ]
                )
    if output_format == "json":
        click.echo(json.dumps([dict(zip(columns, row)) for row in rows], indent=1))
        return
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if v is None else str(v).lower() if isinstance(v, bool) else v for v in row])
