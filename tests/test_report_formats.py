"""SARIF, JUnit, Markdown and HTML reports: each valid for its consumers, all with the findings of `json`."""

import json
import re
import shlex
from collections import Counter
from html.parser import HTMLParser

import junitparser
import pytest
from helpers.audit import call, key, over_a_month, write_keys, write_logs
from helpers.cli import run_cli
from helpers.paths import ROOT, SAMPLE_KEYS, SAMPLE_LOGS, SAMPLE_NOW, SHARED
from jsonschema import Draft7Validator

from auditor.reporters import REPORTERS
from auditor.rules.registry import builtin_rules

SAMPLES = (*SAMPLE_KEYS, *SAMPLE_LOGS, *SAMPLE_NOW)
NOW = ["--now", "2026-11-25T00:00:00Z"]
FORMATS = ("json", "sarif", "junit", "markdown", "html")
SECRET = re.compile(r"standard_[0-9a-f]{256}")


@pytest.fixture(scope="module")
def sample_reports(tmp_path_factory):
    """Every format of the sample audit from one run, plus JUnit with every finding a failure."""
    out = tmp_path_factory.mktemp("reports")
    targets = [f"{name}={out / name}" for name in FORMATS if name != "json"]
    code, stdout, err = run_cli("audit", *SAMPLES, "--format", "json", *(a for t in targets for a in ("--output", t)))
    assert code == 1, err
    texts = {name: (out / name).read_text() for name in FORMATS if name != "json"}
    texts["json"] = stdout
    code, texts["junit-info"], err = run_cli("audit", *SAMPLES, "--format", "junit", "--fail-on", "info")
    assert code == 1, err
    return texts


def sarif_findings(text):
    results = json.loads(text)["runs"][0]["results"]
    return Counter(
        (r["ruleId"], r["properties"]["key"], r["properties"]["scope"], r["partialFingerprints"]["keyaudit/v1"])
        for r in results
    )


def junit_blocks(text):
    """Every finding block of a JUnit report: failures and the system-out of passing findings."""
    xml = junitparser.JUnitXml.fromstring(text)
    blocks = []
    for suite in xml:
        for case in suite:
            blocks += [result.text for result in case.result if isinstance(result, junitparser.Failure)]
            if case.system_out:
                blocks += case.system_out.split("\n\n")[1:]
    return blocks


def block_finding(block):
    fields = dict(line.split(": ", 1) for line in block.splitlines()[1:])
    none = lambda value: None if value == "-" else value  # noqa: E731
    return fields["rule"], none(fields["key"]), none(fields["scope"]), fields["fingerprint"]


def markdown_findings(text):
    table = text.split("## All findings", 1)[1]
    rows = re.findall(r"^\| \w+ \| `([^`]+)` \| `([^`]+)` \| `([^`]+)` \| .*? \| `([0-9a-f]{64})` \|$", table, re.M)
    return Counter((rule, None if k == "-" else k, None if s == "-" else s, fp) for rule, k, s, fp in rows)


class _FindingRows(HTMLParser):
    def __init__(self):
        super().__init__()
        self.rows = []

    def handle_starttag(self, tag, attrs):
        data = dict(attrs)
        if tag == "tr" and "data-fingerprint" in data:
            self.rows.append(
                (data["data-rule"], data["data-key"] or None, data["data-scope"] or None, data["data-fingerprint"])
            )


def html_findings(text):
    parser = _FindingRows()
    parser.feed(text)
    return Counter(parser.rows)


def test_every_format_carries_the_findings_of_json(sample_reports):
    expected = Counter(
        (f["rule"], f["key"], f["scope"], f["fingerprint"]) for f in json.loads(sample_reports["json"])["findings"]
    )
    assert len(expected) > 40
    assert sarif_findings(sample_reports["sarif"]) == expected
    assert Counter(map(block_finding, junit_blocks(sample_reports["junit"]))) == expected
    assert Counter(map(block_finding, junit_blocks(sample_reports["junit-info"]))) == expected
    assert markdown_findings(sample_reports["markdown"]) == expected
    assert html_findings(sample_reports["html"]) == expected


def test_no_format_holds_the_sample_secret(sample_reports):
    secrets = set(SECRET.findall((ROOT / "samples/keys/keylist.json").read_text()))
    assert len(secrets) == 1
    for name, text in sample_reports.items():
        assert not SECRET.search(text), name
        for secret in secrets:
            assert secret[9:40] not in text, name


def sarif_validator():
    """The official OASIS SARIF 2.1.0 schema (../shared/sarif), which declares JSON Schema draft-07."""
    schema = json.loads((SHARED / "sarif" / "sarif-schema-2.1.0.json").read_text())
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    Draft7Validator.check_schema(schema)
    return Draft7Validator(schema, format_checker=Draft7Validator.FORMAT_CHECKER)


def test_sarif_validates_against_the_oasis_schema(sample_reports):
    validator = sarif_validator()
    sarif = json.loads(sample_reports["sarif"])
    assert [e.message for e in validator.iter_errors(sarif)] == []
    broken = json.loads(sample_reports["sarif"])
    broken["runs"][0]["results"][0]["level"] = "severe"
    assert not validator.is_valid(broken)  # the validator does reject a bad document


def test_sarif_fixes_replace_the_scope_lists_as_the_ready_fixes_do(sample_reports):
    """Results a key's ready fix answers carry it as SARIF `fixes`; applied to the file, the replacement gives the
    lines of the report's edit, and the edited file still loads."""
    report = json.loads(sample_reports["json"])
    results = json.loads(sample_reports["sarif"])["runs"][0]["results"]
    with_fixes = [r for r in results if "fixes" in r]
    edited = [k["fixes"] for k in report["keys"] if k.get("fixes", {}).get("edits")]
    answered = {change["fingerprint"] for fixes in edited for change in fixes["changes"]}
    assert with_fixes and {r["partialFingerprints"]["keyaudit/v1"] for r in with_fixes} == answered
    for entry in with_fixes:
        for change in entry["fixes"][0]["artifactChanges"]:
            path = ROOT / change["artifactLocation"]["uri"]
            lines = path.read_text().splitlines()
            (replacement,) = change["replacements"]
            region = replacement["deletedRegion"]
            lines[region["startLine"] - 1 : region["endLine"]] = replacement["insertedContent"]["text"].split("\n")
            edit = next(
                e
                for k in report["keys"]
                for e in k.get("fixes", {}).get("edits", [])
                if e["file"] == change["artifactLocation"]["uri"] and e["startLine"] == region["startLine"]
            )
            assert lines[region["startLine"] - 1 : region["startLine"] - 1 + len(edit["after"])] == edit["after"]
            assert path.read_text().splitlines()[region["startLine"] - 1 : region["endLine"]] == edit["before"]


def test_a_fix_whose_lines_held_a_secret_is_not_offered():
    from auditor.reporters.sarif import fixes_by_finding

    edit = {
        "file": "keys.yaml",
        "startLine": 3,
        "endLine": 4,
        "before": ["  scopes:", "  - <secret sha256:abc>"],
        "after": ["  scopes: [rows.read]"],
    }
    key = {
        "id": "k1",
        "name": "n",
        "fixes": {"scopes": ["rows.read"], "edits": [edit], "changes": [{"fingerprint": "f1"}]},
    }
    assert fixes_by_finding([key]) == {}
    edit["before"][1] = "  - documents.read"
    assert fixes_by_finding([key])["f1"]["artifactChanges"][0]["replacements"][0]["insertedContent"] == {
        "text": "  scopes: [rows.read]"
    }


def test_sarif_rules_severity_fingerprints_and_locations(sample_reports):
    run = json.loads(sample_reports["sarif"])["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    ids = [r["id"] for r in rules]
    assert len(ids) == len(set(ids)) and set(builtin_rules()) <= set(ids)
    over = rules[ids.index("over-privileged")]
    assert over["help"]["text"].startswith(builtin_rules()["over-privileged"].description)
    assert over["properties"]["security-severity"] == "8.0" and over["defaultConfiguration"]["level"] == "error"
    assert "security-severity" not in rules[ids.index("implicit-scope")]["properties"]
    results = run["results"]
    assert all(ids[r["ruleIndex"]] == r["ruleId"] for r in results)
    missing = next(r for r in results if r["ruleId"] == "missing-scope")
    logged = missing["locations"][0]["physicalLocation"]
    assert logged["artifactLocation"]["uri"] == "samples/logs/calls.jsonl" and logged["region"]["startLine"] == 27
    assert '"error": "general_unauthorized_scope"' in (ROOT / "samples/logs/calls.jsonl").read_text().splitlines()[26]
    definition = missing["relatedLocations"][0]["physicalLocation"]
    assert definition["artifactLocation"]["uri"] == "samples/keys/keylist.json"
    deprecated = [
        r for r in results if r["ruleId"] == "deprecated-scope" and r["properties"]["scope"] == "policies.read"
    ]
    place = deprecated[0]["locations"][0]["physicalLocation"]
    assert place["artifactLocation"]["uri"] == "samples/manifest.yaml" and place["region"]["startLine"] == 36
    unknown_key = next(r for r in results if r["ruleId"] == "unknown-key")
    assert unknown_key["locations"][0]["logicalLocations"][0]["name"] == "6745ffffffffffff0001"


def test_junit_one_case_per_key_failing_at_fail_on(sample_reports):
    report = json.loads(sample_reports["json"])
    xml = junitparser.JUnitXml.fromstring(sample_reports["junit"])
    suite = next(iter(xml))
    cases = list(suite)
    defined = {k["id"] for k in report["keys"]}
    others = {f["key"] for f in report["findings"] if f["key"] not in defined}
    assert len(cases) == len(report["keys"]) + len(others)
    high = [f for f in report["findings"] if f["severity"] in ("high", "critical")]
    failures = [r for case in cases for r in case.result if isinstance(r, junitparser.Failure)]
    assert len(failures) == len(high) == int(suite.failures) == int(xml.failures)
    ops = next(case for case in cases if case.name.startswith("ops-admin "))
    assert "over-privileged" in {r.type for r in ops.result}
    clean = next(case for case in cases if case.name.startswith("order-webhook "))
    assert clean.is_passed
    assert {p.name: p.value for p in suite.properties()}["failOn"] == "high"


def test_markdown_sections_diff_and_commands(sample_reports):
    text = sample_reports["markdown"]
    section = text.split("<b>ops-admin (6909b57103ab195278da)</b>", 1)[1].split("</details>", 1)[0]
    assert "- keys.write\n" in section and "  users.read\n" in section and "  databases.read\n" in section
    assert (
        "appwrite project update-key --key-id 6909b57103ab195278da --name ops-admin "
        "--scopes users.read databases.read\n"
    ) in section
    manifest = text.split("<b>staging-deployer", 1)[1].split("</details>", 1)[0]
    assert "In `samples/manifest.yaml`, lines 31–36:" in manifest
    assert "        - policies.read\n+       - project.policies.read" in manifest  # beside it: no logs of it


def test_the_samples_one_unknown_key_is_counted_in_the_singular(sample_reports):
    assert "- 1 key id no definition names made 20 calls" in sample_reports["markdown"]


def test_html_is_self_contained_with_filter_and_matrix(sample_reports):
    text = sample_reports["html"]
    assert "Content-Security-Policy" in text and "default-src 'none'" in text
    assert "<script" not in text.lower() and "@import" not in text and "url(" not in text
    assert not re.search(r"""(?:src|href)=["']?(?:https?:)?//""", text)
    for severity in ("critical", "high", "medium", "low", "info"):
        assert (
            f'id="show-{severity}"' in text
            and f"#show-{severity}:not(:checked)~section .finding.sev-{severity}" in text
        )
    assert '<td class="missing" title="rows.read: missing' in text
    assert '<td class="used" title="users.read: granted and used">' in text
    assert '<td class="unused" title="keys.write: granted, no logged call needs it">' in text


HOSTILE = "<img src=x onerror=alert(1)> | @admins `x` [a](https://e.example) # $(rm -rf ~)"


def test_hostile_key_names_are_escaped_everywhere(tmp_path):
    keys = write_keys(tmp_path, [key("k1", ["users.read", "users.write"], name=HOSTILE)])
    logs = write_logs(tmp_path, over_a_month([call("k1", "GET", "/v1/users")] * 2))
    formats = ("markdown", "html", "junit", "sarif")
    code, stdout, err = run_cli(
        "audit",
        "--keys",
        keys,
        "--logs",
        logs,
        *NOW,
        "--format",
        "json",
        *(arg for name in formats for arg in ("--output", f"{name}={tmp_path / name}")),
    )
    assert code == 1, err
    out = {name: (tmp_path / name).read_text() for name in formats}
    outside_code = re.sub(r"^(`{3,})[^\n]*\n.*?^\1$", "", out["markdown"], flags=re.M | re.S)
    assert "```" not in outside_code and "<img" not in outside_code  # inside a code block it is shown as text
    assert "<img" not in out["html"]
    assert "\\@&#8203;admins" in out["markdown"]  # no mention: a zero-width space after the @
    assert "\\[a\\](https:&#8203;//e.example)" in out["markdown"]  # no link, and no autolink
    row = next(line for line in out["markdown"].splitlines() if line.startswith("| [") and "k1" in line)
    assert len(re.split(r"(?<!\\)\|", row)) == 8  # the name's pipe does not open a cell
    assert "&lt;img src=x onerror=alert(1)&gt;" in out["html"]
    sarif = json.loads(out["sarif"])
    assert [e.message for e in sarif_validator().iter_errors(sarif)] == []
    uri = sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == (tmp_path / "keys.json").as_uri()  # outside the working tree: an absolute file URI
    case = next(iter(next(iter(junitparser.JUnitXml.fromstring(out["junit"])))))
    assert case.name == f"{HOSTILE} (k1)"
    fixes = json.loads(stdout)["keys"][0]["fixes"]
    words = shlex.split(next(c["command"] for c in fixes["commands"] if c["cli"] == ">=18"))
    assert words[words.index("--name") + 1] == HOSTILE


def test_several_outputs_at_once_and_bad_output_specs(tmp_path):
    keys = write_keys(tmp_path, [key("k1", ["users.read"])])
    sarif, page = tmp_path / "a.sarif", tmp_path / "a.html"
    code, out, err = run_cli("audit", "--keys", keys, *NOW, "--output", f"sarif={sarif}", "--output", f"html={page}")
    assert code == 0, err
    assert "findings:" in out and json.loads(sarif.read_text())["version"] == "2.1.0"
    assert page.read_text().startswith("<!DOCTYPE html>")
    for args, message in [
        (["--output", f"sarf={sarif}"], "unknown format 'sarf'"),
        (["--output", str(sarif), "--output", str(page)], "and FORMAT=FILE for the others"),
        (["--output", f"html={page}", "--output", f"junit={page}"], "would receive both"),
        (["--output", "html="], "no file after '='"),
    ]:
        code, _, err = run_cli("audit", "--keys", keys, *NOW, *args)
        assert code == 2 and message in err and len(err.strip().splitlines()) == 1, err


def test_a_secret_or_control_character_never_reaches_a_report(tmp_path):
    """Names arrive length-checked, so the secret is put into the report dict itself: reporters redact anyway."""
    keys = write_keys(tmp_path, [key("k1", ["users.read", "health.read"], name="ops\x01\x1b[31m")])
    report = json.loads(run_cli("audit", "--keys", keys, *NOW, "--format", "json")[1])
    secret = "standard_" + "ab" * 128
    report["findings"][0]["fix"] += f" {secret}"
    report["findings"][0]["message"] += f" {secret}"
    for name in ("markdown", "html", "junit", "sarif"):
        out = REPORTERS[name](report)
        assert secret not in out and "\x01" not in out and "\x1b" not in out, name
    assert len(list(next(iter(junitparser.JUnitXml.fromstring(REPORTERS["junit"](report)))))) == 1  # well-formed


def test_json_reporter_output_is_json_dumps_and_never_holds_a_secret():
    """The JSON reporter skips the redacted copy only when its text holds nothing shaped like a secret; a secret
    after an escaped newline (`\\n` + secret: a letter before it in the text) or in a key still goes."""
    from auditor.reporters import json_report

    secret = "standard_" + "0123456789abcdef" * 16
    clean = {"keys": [{"id": f"k{i}", "scopes": ["rows.read"], "note": 'é \u2028 \\ "'} for i in range(3000)]}
    assert json_report.render(clean) == json.dumps(clean, indent=2) + "\n"
    for holder in ({"message": "line\n" + secret}, {"message": "at " + secret}, {secret: 1}, [f"\t{secret}"]):
        text = json_report.render({"keys": [holder]})
        assert secret not in text and secret[:40] not in text and "<secret sha256:" in text
