"""One module per output format; each renders the report dict of auditor.report."""

from auditor.reporters import html_report, json_report, junit, lines, markdown, sarif, table

REPORTERS = {"table": table.render, "json": json_report.render, "lines": lines.render,
             "sarif": sarif.render, "junit": junit.render, "markdown": markdown.render, "html": html_report.render}
