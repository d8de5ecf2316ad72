"""pytest's fixtures for every test; what tests import lives in tests/helpers/."""

from pathlib import Path

import pytest
from helpers.paths import APPWRITE


@pytest.fixture(scope="session")
def appwrite_dir() -> Path:
    assert APPWRITE.is_dir(), f"../shared/appwrite not found at {APPWRITE} (set KEYAUDIT_SHARED)"
    return APPWRITE


@pytest.fixture(autouse=True, scope="session")
def _quick_passes_only_what_jsonschema_passes():
    """Every document any test validates in this process: when jsonschema-rs passes it (validation/quick.py),
    python-jsonschema must find nothing wrong either, or keyaudit would accept what it should refuse."""
    from auditor.catalog.catalog import load
    from auditor.validation import quick
    from auditor.validation.explain import explained

    passes, catalogs = quick.passes, {}

    def checked(value, ref, version):
        passed = passes(value, ref, version)
        if passed:
            catalog = catalogs.setdefault(version, load(version)) if version else None
            found = explained(value, ref, catalog)
            assert found == [], f"jsonschema-rs passed what python-jsonschema fails against {ref}: {found}"
        return passed

    quick.passes = checked
    yield
    quick.passes = passes
