from auditor.cli.main import run

run()
