"""`keyaudit fetch-keys`: a project's keys from a live Appwrite, as a key export with secrets hashed."""

from __future__ import annotations

import json
import os
import re
import sys

import click

from auditor.cli.echo import say
from auditor.errors import InputError
from auditor.loaders.keys.live import Credential
from auditor.loaders.keys.live import fetch_keys as fetch
from auditor.output.atomic import target_status, write_text
from auditor.secrets import scrub_identifier

DEFAULT_KEY_ENV = "APPWRITE_API_KEY"
_HEADER_VALUE = re.compile(r"[\x20-\x7e]*")


@click.command("fetch-keys")
@click.option(
    "--endpoint", required=True, metavar="URL", help="Appwrite API endpoint, e.g. https://cloud.appwrite.io/v1."
)
@click.option("--project", required=True, metavar="ID", help="Project ID.")
@click.option(
    "--key-env",
    default=DEFAULT_KEY_ENV,
    show_default=True,
    metavar="VAR",
    help="Environment variable holding an API key with keys.read (Appwrite 1.9.5+).",
)
@click.option(
    "--session-env",
    metavar="VAR",
    help="Environment variable holding a console session cookie (a_session_console=...), for any "
    "version; used instead of an API key.",
)
@click.option("--output", metavar="FILE", help="Write the key list here instead of stdout.")
@click.option(
    "--timeout",
    type=click.FloatRange(min=0.1),
    default=30.0,
    show_default=True,
    metavar="SECONDS",
    help="Give up when the whole exchange (every request, headers and body, every page) has not ended after this long.",
)
def fetch_keys(endpoint, project, key_env, session_env, output, timeout):
    """Write the project's keys as Appwrite's keyList, each secret replaced by its sha256 (secretSha256).

    The credential is read from an environment variable, never from the command line (where shell history
    would keep it). Audit the result like any key export: keyaudit audit --keys FILE ...
    """
    credential = _credential(key_env, session_env)
    if output:
        target_status(output)  # refused before the credential is sent anywhere
    fetched = fetch(endpoint, project, credential, timeout)
    text = json.dumps(fetched.key_list, indent=2) + "\n"
    if output:
        write_text(output, text)  # a failed fetch never leaves half a file
    else:
        sys.stdout.write(text)
    say(
        f"keyaudit: {len(fetched.key_list['keys'])} keys of project {scrub_identifier(project)} from Appwrite "
        f"{fetched.server_version} (catalog {fetched.catalog_version}); audit them with "
        f"--appwrite-version {fetched.server_version}",
        err=True,
    )


def _credential(key_env: str, session_env: str | None) -> Credential:
    if session_env:
        cookie = _header_value(session_env, "--session-env")
        if not cookie:
            raise InputError(f"--session-env {session_env}: the variable is not set or empty")
        return Credential(session_cookie=cookie if cookie.startswith("a_session") else f"a_session_console={cookie}")
    api_key = _header_value(key_env, "--key-env")
    if not api_key:
        raise InputError(
            f"set {key_env} to an API key holding keys.read (or name another variable with --key-env, "
            "or use --session-env); keyaudit never takes a key on the command line"
        )
    return Credential(api_key=api_key)


def _header_value(variable: str, option: str) -> str:
    """The variable's value for an HTTP header; one that no header may carry is refused here, without quoting
    it (http.client would raise with the value in its message)."""
    value = os.environ.get(variable, "").strip()
    if not _HEADER_VALUE.fullmatch(value):
        raise InputError(
            f"{option} {variable}: the value holds a character an HTTP header cannot carry "
            "(a line break, a control or non-ASCII character)"
        )
    return value
