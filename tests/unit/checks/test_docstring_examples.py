"""Each rule's docstring examples, executed: the `fails:` and `passes:` lines of a rule module's docstring are
audited as written, so the documentation cannot drift from what the rule does.

An example is a YAML flow mapping: the key's fields (`scopes`, `expire`, `accessedAt`, ...), and optionally
`calls` ("METHOD PATH [STATUS [ERROR TYPE]]", logged over five weeks) and `version` (Appwrite version, 1.9 by
default). `fails:` means the rule reports the key; `passes:` that it does not.
"""

import re

import pytest
import yaml
from helpers.audit import audit, call, fired, key, over_a_month

import auditor.checks as checks_package
from auditor.checks import CHECKS

EXAMPLE = re.compile(r"^\s*(fails|passes): (\{.*\})\s*$", re.M)


def _examples():
    for module_name in sorted(vars(checks_package)):
        module = vars(checks_package)[module_name]
        rule = getattr(module, "RULE_ID", None)
        if rule not in CHECKS:
            continue
        for number, (verdict, text) in enumerate(EXAMPLE.findall(module.__doc__ or ""), 1):
            yield pytest.param(rule, verdict, text, id=f"{rule}-{number}-{verdict}")


EXAMPLES = list(_examples())


def _calls(lines):
    made = []
    for line in lines:
        method, path, *rest = line.split(" ", 3)
        fields = {}
        if rest:
            fields["status"] = int(rest[0])
        if len(rest) > 1:
            fields["type"] = rest[1]
        made.append(call("k1", method, path, **fields))
    return over_a_month(made) if made else made


@pytest.mark.parametrize(("rule", "verdict", "example"), EXAMPLES)
def test_a_rule_does_what_its_docstring_shows(tmp_path, rule, verdict, example):
    fields = yaml.safe_load(example)
    version = str(fields.pop("version", "1.9"))
    lines = fields.pop("calls", None)
    result = audit(tmp_path, [key("k1", **fields)], _calls(lines) if lines is not None else None, version=version)
    reported = fired(result, rule)
    assert bool(reported) == (verdict == "fails"), (example, reported)


def test_the_examples_cover_both_verdicts_of_each_rule_that_has_them():
    verdicts = {}
    for param in EXAMPLES:
        rule, verdict, _ = param.values
        verdicts.setdefault(rule, set()).add(verdict)
    assert verdicts and all(found == {"fails", "passes"} for found in verdicts.values()), verdicts


# rules whose examples need more than one key and its calls: an exceptions file, a policy, another key's calls,
# a secret in the file, the proposal's --grant-refused or the job's state; tests/test_rules.py and the tests of
# those features cover them
BEYOND_ONE_KEY = {
    "exception-expired",
    "exception-invalid",
    "high-risk-grant",
    "secret-in-file",
    "stale-logs",
    "unknown-key",
    "unknown-key-burst",
}


def test_every_other_rule_shows_examples_a_test_runs():
    shown = {param.values[0] for param in EXAMPLES}
    assert shown == set(CHECKS) - BEYOND_ONE_KEY
