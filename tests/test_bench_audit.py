"""scripts/bench_audit.py refuses to start without its yardstick, DuckDB, instead of failing after it."""

import os
import subprocess
import sys

from helpers.paths import ROOT

WITHOUT_DUCKDB = (
    "import runpy, sys; sys.modules['duckdb'] = None; sys.argv = ['bench_audit.py', *sys.argv[1:]]; "
    "runpy.run_path(sys.argv[0], run_name='__main__')"
)


def test_without_duckdb_it_says_how_to_install_it_before_any_work(tmp_path):
    done = subprocess.run(
        [sys.executable, "-c", WITHOUT_DUCKDB, "--sizes", "10", "--runs", "1", "--dir", str(tmp_path)],
        cwd=ROOT / "scripts",
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2, done.stderr
    assert "DuckDB, the yardstick, is not installed: pip install -e '.[bench]'" in done.stderr
    assert "Traceback" not in done.stderr and not list(tmp_path.iterdir())


def test_help_names_every_option_with_its_default():
    out = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "bench_audit.py"), "--help"],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200"},  # argparse wraps the help to the terminal
    ).stdout
    assert "runs of each tool; the medians are reported [3]" in out
    assert "kept between runs [/tmp/keyaudit-bench]" in out
