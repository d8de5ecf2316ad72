"""The Markdown report fits a PR comment: under --max-chars (default 60,000), the least severe details left out
first with a line that says so, and GitHub's cmark-gfm still renders it whole."""

import copy
import json

import cmarkgfm
import pytest
from helpers.cli import run_cli
from test_report_formats import SAMPLES

from auditor.errors import InputError
from auditor.reporters import markdown
from auditor.reporters.common import findings_by_key, worst


@pytest.fixture(scope="module")
def sample_report():
    code, out, err = run_cli("audit", *SAMPLES, "--format", "json")
    assert code == 1, err
    return json.loads(out)


def _many_keys(report: dict, total: int) -> dict:
    """The sample report with its keys (and their findings) copied under new ids until there are `total`."""
    big = copy.deepcopy(report)
    originals, findings = report["keys"], report["findings"]
    while len(big["keys"]) < total:
        number = len(big["keys"])
        key = copy.deepcopy(originals[number % len(originals)])
        old, key["id"], key["name"] = key["id"], f"copy{number:016x}", f"{key['name']}-{number}"
        big["keys"].append(key)
        for finding in findings:
            if finding["key"] == old and finding["project"] == key["project"]:
                big["findings"].append(dict(finding, key=key["id"], fingerprint=f"{number:064x}"))
    return big


def test_the_samples_fit_whole():
    code, out, _ = run_cli("audit", *SAMPLES, "--format", "markdown")
    assert code == 1 and len(out) <= markdown.DEFAULT_MAX_CHARS
    assert "Left out" not in out and out.count("<details>") == out.count("</details>")


def test_a_thousand_keys_stay_under_the_cap_and_render(sample_report):
    report = _many_keys(sample_report, 1000)
    full = markdown.render(copy.deepcopy(report), max_chars=0)
    capped = markdown.render(copy.deepcopy(report))
    assert len(full) > 10 * markdown.DEFAULT_MAX_CHARS and "Left out" not in full
    assert len(capped) <= markdown.DEFAULT_MAX_CHARS
    said = capped.rsplit("\n> **Left out to stay under 60,000 characters**", 1)[1]
    assert "key details" in said and "--max-chars 0" in said and "--format html" in said
    html = cmarkgfm.github_flavored_markdown_to_html(capped, options=cmarkgfm.cmark.Options.CMARK_OPT_UNSAFE)
    assert html.count("<details>") == html.count("</details>") > 0
    assert "<table>" in html and "<strong>Left out" in html


def test_the_least_severe_details_go_first(sample_report):
    report = _many_keys(sample_report, 300)
    per_key, _ = findings_by_key(report)
    ranks = {"critical": 4, "high": 3, "medium": 2, "low": 1, "info": 0, None: -1}
    kept = markdown.render(copy.deepcopy(report), max_chars=30_000)
    shown = {n for n, key in enumerate(report["keys"]) if f'<a id="key-{n + 1}"></a>' in kept}
    assert shown and len(shown) < len(report["keys"])
    least_shown = min(ranks[worst(per_key[n])] for n in shown)
    assert all(ranks[worst(per_key[n])] <= least_shown for n in range(len(report["keys"])) if n not in shown)


@pytest.mark.parametrize("cap", ["5000", "0"])
def test_max_chars_from_the_command_line(cap):
    code, out, err = run_cli("audit", *SAMPLES, "--format", "markdown", "--max-chars", cap)
    assert code == 1, err
    assert (len(out) <= 5000 and "Left out to stay under 5,000" in out) if cap != "0" else "Left out" not in out


def test_max_chars_refuses_a_negative_number():
    code, out, err = run_cli("audit", *SAMPLES, "--format", "markdown", "--max-chars", "-1")
    assert code == 2 and out == "" and len(err.splitlines()) == 1


@pytest.mark.parametrize("cap", [1, 500, 2_000])
def test_a_cap_is_met_or_refused_in_one_line(sample_report, cap):
    """Below what the summary and the note alone take, no report meets the cap: one line says so, never a
    report longer than asked."""
    report = _many_keys(sample_report, 50)
    try:
        capped = markdown.render(copy.deepcopy(report), max_chars=cap)
    except InputError as error:
        assert f"--max-chars {cap:,}" in str(error) and "\n" not in str(error)
    else:
        assert len(capped) <= cap


def test_a_cap_too_small_is_exit_2_from_the_command_line():
    code, out, err = run_cli("audit", *SAMPLES, "--format", "markdown", "--max-chars", "1")
    assert code == 2 and out == "" and len(err.splitlines()) == 1 and "--max-chars 1" in err
