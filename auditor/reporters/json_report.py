"""`--format json`: the report as documented by schemas/report.schema.json."""

import json

from auditor.secrets import redact_values


def render(report: dict) -> str:
    return json.dumps(redact_values(report), indent=2) + "\n"
