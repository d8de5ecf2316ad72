"""The job report's HTML page as a browser draws it: headless Chromium screenshots it and the picture holds
the charts (the severities' and the busiest key's colours), not a blank or broken page.

Needs Debian's `chromium` (apt-get install -y chromium); skipped, saying so, without it.
"""

import shutil
import subprocess
import sys

import pytest
from helpers.paths import ROOT
from helpers.png import size_and_colours

from auditor.reporters.job_html import KEY_COLOURS, SEVERITY_COLOURS

CHROMIUM = shutil.which("chromium")


def rgb(colour: str) -> bytes:
    return bytes.fromhex(colour.removeprefix("#"))


@pytest.mark.skipif(CHROMIUM is None, reason="no chromium on PATH (apt-get install -y chromium)")
def test_headless_chromium_draws_both_charts(tmp_path):
    shot = tmp_path / "job-report.png"
    done = subprocess.run(
        [sys.executable, "scripts/screenshot_report.py", "--job", "--size", "1280,900", "--out", str(shot)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr
    size, colours = size_and_colours(shot)
    assert size == (1280, 900)
    for colour in (SEVERITY_COLOURS["critical"], SEVERITY_COLOURS["medium"], KEY_COLOURS[0]):
        assert colours[rgb(colour)] > 500, f"{colour} drawn on {colours[rgb(colour)]} pixels"
