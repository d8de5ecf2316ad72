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
