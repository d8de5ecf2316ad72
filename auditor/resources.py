"""Locate the data directories (`schemas/`, `rules/`) shipped beside the code, and read their YAML.

A wheel carries them as `auditor/_bundled/<name>`; a source checkout or an
editable install reads them from the repository root.
"""

from pathlib import Path

import yaml

# libyaml reads the package's own YAML ten times faster than PyYAML's pure loader (every run reads the rules);
# the pure loader where PyYAML was built without it. Files from outside are read by loaders/document.py.
_DATA_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_PACKAGE_DIR = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    bundled = _PACKAGE_DIR / "_bundled" / name
    if bundled.is_dir():
        return bundled
    return _PACKAGE_DIR.parent / name


def load_data_yaml(path: Path):
    """The value of one of the package's YAML data files (rules/*.yaml, the risk taxonomy)."""
    return yaml.load(path.read_text(), Loader=_DATA_LOADER)
