"""pytest's fixtures for every test; what tests import lives in tests/helpers/."""

from pathlib import Path

import pytest
from helpers.paths import APPWRITE


@pytest.fixture(scope="session")
def appwrite_dir() -> Path:
    assert APPWRITE.is_dir(), f"../shared/appwrite not found at {APPWRITE} (set KEYAUDIT_SHARED)"
    return APPWRITE
