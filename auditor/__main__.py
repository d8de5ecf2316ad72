from auditor.cli.main import cli

cli(prog_name="keyaudit")
