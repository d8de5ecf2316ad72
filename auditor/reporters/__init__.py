"""One module per output format; each renders the report dict of auditor.audit.report (job_html.py: the dict
of auditor.state.report, for `job report --format html`).

Reporters see only the report dict; imported by the CLI (and fix/run.py for the Appwrite CLI titles).
"""

from collections.abc import Mapping
from importlib import import_module

_MODULES = {
    "table": "table",
    "json": "json_report",
    "lines": "lines",
    "sarif": "sarif",
    "junit": "junit",
    "markdown": "markdown",
    "html": "html_report",
}


class _Reporters(Mapping):
    """Format name -> render function; a format's module (and its libraries, e.g. tabulate) loads when used."""

    def __getitem__(self, name: str):
        return import_module(f"{__name__}.{_MODULES[name]}").render

    def __iter__(self):
        return iter(_MODULES)

    def __len__(self) -> int:
        return len(_MODULES)


REPORTERS = _Reporters()


def render(name: str, report: dict, view=None, max_chars: int | None = None) -> str:
    """The report in format `name`; `view` (auditor/output/terminal_view.py) lays out the table, `max_chars`
    caps the Markdown (None: its default; 0: no cap)."""
    if name == "table":
        return REPORTERS[name](report, view)
    if name == "markdown" and max_chars is not None:
        return REPORTERS[name](report, max_chars)
    return REPORTERS[name](report)
