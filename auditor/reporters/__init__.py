"""One module per output format; each renders the report dict of auditor.report."""

from auditor.reporters import json_report, table

REPORTERS = {"table": table.render, "json": json_report.render}
