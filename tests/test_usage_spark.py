"""The shipped Spark SQL, run on a real local Spark (pyspark, `local[2]`), gives the raw logs' findings and bad lines.

Needs pyspark (`pip install -e '.[spark]'`, which .ci/run installs) and Java 17 or later; skipped, saying which
is missing, without them. Each script runs as `spark-sql -d name=value -f script` runs it: `-d` sets the value
in the session's configuration, where `${name}` finds it.
"""

import re
import shutil
import subprocess

import pytest
from helpers.paths import ROOT
from test_usage_sql import SAMPLE_BAD_LINES, audit_usage, catalog_csv, raw, statements  # noqa: F401 (fixtures)

JAVA_NEEDED = 17  # Spark 4


def java_major() -> int | None:
    """The major version of the `java` on PATH, None without one."""
    java = shutil.which("java")
    if java is None:
        return None
    shown = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=60).stderr
    match = re.search(r'version "(?:1\.)?(\d+)', shown)
    return int(match.group(1)) if match else 0


pyspark = pytest.importorskip("pyspark", reason="pyspark is not installed (pip install -e '.[spark]')")
JAVA = java_major()
pytestmark = pytest.mark.skipif(
    JAVA is None or JAVA < JAVA_NEEDED,
    reason=f"Spark needs Java {JAVA_NEEDED} or later: "
    + ("no java on PATH" if JAVA is None else f"java on PATH is version {JAVA}"),
)


@pytest.fixture(scope="module")
def spark(tmp_path_factory):
    from pyspark.sql import SparkSession

    with pytest.MonkeyPatch.context() as env:
        env.setenv("SPARK_LOCAL_IP", "127.0.0.1")  # the JVM starts with it: no guess at the machine's address
        session = (
            SparkSession.builder.master("local[2]")
            .appName("keyaudit-samples")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.warehouse.dir", str(tmp_path_factory.mktemp("warehouse")))
            .getOrCreate()
        )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def run_script(spark, script: str, **variables) -> None:
    for name, value in variables.items():
        spark.conf.set(name, value)
    for statement in statements(script):
        spark.sql(statement)


@pytest.mark.parametrize("script", ["usage-spark.sql", "usage-spark-catalog.sql"])
def test_spark_usage_gives_the_raw_logs_findings_and_bad_lines(script, spark, raw, catalog_csv, tmp_path):
    out = tmp_path / "keyaudit-usage"
    run_script(spark, script, logs=str(ROOT / "samples/logs/calls*.jsonl*"), catalog=catalog_csv, out=str(out))
    parts = sorted(out.glob("part-*.csv"))
    text = "".join(part.read_text() for part in parts)
    assert re.search(r",2026-11-2\dT\d\d:\d\d:\d\d\.\d{3}Z,", text)  # times as the query writes them
    assert re.findall(r"^,{9}(\d+)$", text, re.M) == [str(SAMPLE_BAD_LINES)]  # the count row: only bad_lines set
    report, found = audit_usage(*parts)
    # same findings, same calls per key, same routes with the same counts, first and last seen, same bad lines
    assert found == raw
    print(f"{script}: {len(parts)} part file(s), {len(found[0])} findings, badLines {found[2]}")
    if script == "usage-spark-catalog.sql":
        assert "{id}" in text and text.count("\n") < 1000  # ids folded out: far fewer rows
