"""`keyaudit` alone and `keyaudit --help`: the help, exit 0, and no command module imported to list commands."""

import subprocess
import sys

import click
import pytest
from helpers.cli import run_cli

from auditor.cli.main import COMMANDS, cli


def test_keyaudit_alone_prints_the_help_and_exits_0():
    code, out, err = run_cli()
    assert (code, err) == (0, "")
    assert out.startswith("Usage: keyaudit") and "-h, --help" in out
    assert all(f"  {name}  " in out for name in COMMANDS)


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_help_lists_each_command_with_the_commands_own_short_help(name):
    command = cli.get_command(click.Context(cli), name)
    assert COMMANDS[name][1] == command.get_short_help_str(limit=10_000)


def test_help_shortens_a_long_short_help_to_the_width():
    code, out, _ = run_cli("--help", env={"COLUMNS": "80"})
    assert code == 0
    listed = out.split("Commands:\n", 1)[1].splitlines()
    assert len(listed) == len(COMMANDS) and all(len(line) <= 80 for line in listed)
    assert any(line.endswith("...") for line in listed)


def test_help_imports_no_command_module_nor_the_engine():
    probe = (
        "import sys\n"
        "from auditor.cli.main import cli\n"
        "try:\n"
        "    cli(['--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "loaded = [m for m in sys.modules if m == 'jsonschema' or m.startswith(('auditor.cli.', 'auditor.rules',"
        " 'auditor.audit', 'auditor.catalog', 'tabulate'))]\n"
        "print(sorted(m for m in loaded if m not in ('auditor.cli.main', 'auditor.cli.version')), file=sys.stderr)\n"
    )
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert "Commands:" in proc.stdout
    assert proc.stderr.strip() == "[]"


def _commands(group: click.Group, ctx: click.Context):
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        yield command
        if isinstance(command, click.Group):
            yield from _commands(command, ctx)


def test_fail_on_help_names_the_config_once_and_a_severity_last():
    ctx = click.Context(cli)
    helps = [p.help for c in _commands(cli, ctx) for p in c.params if p.name == "fail_on"]
    assert len(helps) >= 3  # audit, lint, job run
    for text in helps:
        assert text.count("the config's failOn") == 1, text
        assert text.endswith((", else high].", ", else medium].")), text
