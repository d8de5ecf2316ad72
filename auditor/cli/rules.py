"""`keyaudit rules`: the rule registry, as a table, JSON or the README's Markdown."""

import json

import click
from tabulate import tabulate

from auditor.cli import options
from auditor.cli.echo import cells
from auditor.output.escape import markdown, markdown_code
from auditor.rules.config import load_config
from auditor.rules.registry import configured_rules
from auditor.secrets import redact


def markdown_table(rules) -> str:
    lines = ["| rule | severity | needs logs | what it finds |", "|---|---|---|---|"]
    for rule in rules.values():
        lines.append(
            f"| {markdown_code(rule.id, True)} | {markdown(rule.severity)} | "
            f"{'yes' if rule.requires_logs else 'no'} | {markdown(rule.title)} |"
        )
    return "\n".join(lines)


@click.command()
@click.option(
    "--format", "output_format", type=click.Choice(["table", "json", "markdown"]), default="table", show_default=True
)
@options.config
def rules(output_format, config_file):
    """List every rule with its id, severity and title."""
    registry = configured_rules(load_config(config_file))
    if output_format == "json":
        click.echo(
            redact(
                json.dumps(
                    [
                        {
                            "id": r.id,
                            "severity": r.severity,
                            "enabled": r.enabled,
                            "requiresLogs": r.requires_logs,
                            "title": r.title,
                            "description": r.description,
                            "rationale": r.rationale,
                            "fix": r.fix,
                            "docs": r.docs,
                            "options": r.options,
                        }
                        for r in registry.values()
                    ],
                    indent=2,
                )
            )
        )
    elif output_format == "markdown":
        click.echo(redact(markdown_table(registry)))
    else:  # a config's policy rules are a team's text: redacted like every report
        click.echo(
            tabulate(
                cells(
                    [
                        [r.id, r.severity if r.enabled else "off", "yes" if r.requires_logs else "no", r.title]
                        for r in registry.values()
                    ]
                ),
                headers=["rule", "severity", "needs logs", "title"],
            )
        )
