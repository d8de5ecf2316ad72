"""Every option more than one command takes, declared once: the same name, help and default everywhere.

Commands (auditor/cli/*.py) import from here; nothing else does.
"""

from __future__ import annotations

from datetime import UTC, datetime

import click

from auditor.catalog.versions import DEFAULT
from auditor.errors import InputError
from auditor.fix.plan import MODES, PlanOptions
from auditor.loaders.detect import KEY_KINDS
from auditor.loaders.logs import formats
from auditor.rules.registry import SEVERITIES
from auditor.times import BadTime, parse_time

VERSIONS = "1.6-1.9, 2.0-2.5, cloud (what Appwrite Cloud serves) or a full version such as 2.2.0"


def appwrite_version(purpose: str = "Appwrite version", default_text: str | None = None, **settings):
    """--appwrite-version: `purpose`, then the versions keyaudit knows, then `default_text` (a default click cannot
    show); `settings` are click's (default, required, metavar)."""
    settings.setdefault("metavar", "V")
    said = f" [default: {default_text}]" if default_text else ""
    return click.option("--appwrite-version", "appwrite_version", help=f"{purpose}: {VERSIONS}{said}.", **settings)


# audit, explain, lint, baseline, job and validate: a manifest's appwriteVersion decides when the option is absent
audit_version = appwrite_version(default_text=f"a manifest's appwriteVersion, else {DEFAULT}")


def fail_on(default: str):
    """--fail-on, whose default is the config's failOn, else `default` (a severity)."""
    return click.option(
        "--fail-on",
        type=click.Choice(SEVERITIES + ("none",)),
        help=f"Exit 1 when a finding is at or above this severity [default: the config's failOn, else {default}].",
    )


def output_format(*choices: str, default: str | None = None):
    return click.option(
        "--format",
        "output_format",
        type=click.Choice(choices),
        default=default or choices[0],
        show_default=True,
        help="Output format.",
    )


config = click.option("--config", "config_file", metavar="FILE", help="Rule settings (schemas/config.schema.json).")
now = click.option("--now", metavar="TIME", help="Judge dates as of this RFC 3339 time [default: now].")
keys = click.option(
    "--keys",
    "keys",
    multiple=True,
    metavar="FILE",
    help="Key definitions: Appwrite export, manifest or appwrite.json (repeatable; - for stdin).",
)
logs = click.option(
    "--logs",
    "logs",
    multiple=True,
    metavar="FILE",
    help="Call logs: keyaudit JSONL, Traefik JSON or common, nginx combined, Appwrite audit "
    "logs or app error lines, gzip or not (repeatable; - for stdin).",
)
usage = click.option(
    "--usage",
    "usage",
    multiple=True,
    metavar="FILE",
    help="Pre-aggregated usage, CSV or JSON, as samples/sql/ makes it from logs too big for one machine (repeatable).",
)
keys_format = click.option("--keys-format", type=click.Choice(KEY_KINDS), help="Force the kind of every key file.")
exceptions = click.option(
    "--exceptions",
    "exceptions_file",
    metavar="FILE",
    help="Exceptions that silence findings until they expire (schemas/exceptions.schema.json).",
)
baseline = click.option(
    "--baseline",
    "baseline_file",
    metavar="FILE",
    help="Report only findings this baseline does not hold (keyaudit baseline create).",
)
policy = click.option(
    "--policy",
    "policy_file",
    metavar="FILE",
    help="Organisation policy: rules as data, findings policy:<id> (schemas/policy.schema.json).",
)
quiet = click.option(
    "--quiet", is_flag=True, help="No progress line on stderr while big logs are read (it shows only on a terminal)."
)


def _stacked(*options):
    def decorate(func):
        for option in reversed(options):
            func = option(func)
        return func

    return decorate


audit_inputs = _stacked(keys, logs, usage, keys_format, audit_version, config, exceptions, now)


class RegisteredLogFormat(click.Choice):
    """A choice of the registered log formats, read when an option is parsed, not when it is declared, so that
    --log-format takes every format in loaders/logs/formats.py, one registered at run time included."""

    def __init__(self) -> None:
        self.case_sensitive = True  # click.Choice's one setting besides its choices, which are the registry's

    @property
    def choices(self) -> tuple[str, ...]:
        return formats.names()


def log_reading(func):
    """--log-format and --key: how audit and explain read logs that are not keyaudit's JSONL."""
    func = click.option(
        "--key",
        "log_key",
        metavar="ID",
        help="The key of every log line that names none (nginx, Traefik common, error lines, "
        "access logs without X-Appwrite-Key).",
    )(func)
    return click.option(
        "--log-format",
        type=RegisteredLogFormat(),
        help="Force the format of every --logs file [default: detected per file].",
    )(func)


def proposal(func):
    """--fix-mode and --grant-refused: the proposal every report carries, as `keyaudit fix --drop-unused` writes it."""
    func = click.option(
        "--grant-refused",
        is_flag=True,
        help="Let the proposal add scopes that only calls Appwrite refused asked for (a refused call "
        "is a request, not a need; each high-risk addition is a high-risk-grant finding).",
    )(func)
    return click.option(
        "--fix-mode",
        type=click.Choice(MODES),
        default="add",
        show_default=True,
        help="The proposal's deprecated names, as keyaudit fix --mode: add the new name beside the "
        "old one, or replace it.",
    )(func)


def plan_options(fix_mode: str, grant_refused: bool) -> PlanOptions:
    """The PlanOptions of --fix-mode and --grant-refused."""
    return PlanOptions(fix_mode, drop_unused=True, grant_refused=grant_refused)


def request(keys=(), logs=(), *, usage=(), now=None, fix_mode=None, grant_refused=False, quiet=None, **named):
    """The AuditRequest of the options as click names them: --now parsed, --usage as usage files, --fix-mode and
    --grant-refused as the proposal's PlanOptions, --quiet as the progress line; the others (config_file,
    policy_file, exceptions_file, baseline_file, appwrite_version, keys_format, log_format, log_key) as
    AuditRequest.assemble takes them."""
    from auditor.audit import AuditRequest  # the audit's machinery loads only for the commands that audit
    from auditor.output.progress import Progress

    made = {}
    if fix_mode is not None:
        made["plan_options"] = plan_options(fix_mode, grant_refused)
    if quiet is not None:
        made["progress"] = Progress.on_stderr(quiet)
    return AuditRequest.assemble(keys, logs, usage_paths=usage, now=moment(now), **made, **named)


def moment(value: str | None) -> datetime:
    """The time --now gives, else the present."""
    if value is None:
        return datetime.now(UTC)
    try:
        return datetime.fromtimestamp(parse_time(value), UTC)
    except BadTime as error:
        raise InputError(f"--now {value!r}: {error}") from None
