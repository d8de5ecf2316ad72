"""`--format json`: the report as documented by schemas/report.schema.json."""

import json


def render(report: dict) -> str:
    return json.dumps(report, indent=2) + "\n"
