"""The OSCAL assessment results (enjoin.report.oscal): built from compliance-trestle's models and validated by them,
the order's clauses as the controls reviewed, one finding per clause with its status, one observation per verdict
and per enjoin finding with the path's steps and statements (file and line) as evidence.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from trestle.oscal.assessment_results import AssessmentResults

from deployed_reports import CLAUSES, DEPLOYMENTS, provenance, report
from enjoin.backends.moto import MotoBackend
from enjoin.report.oscal import NAMESPACE, render

STATUS = {"COMPLIANT": ("satisfied", "pass"), "VIOLATION": ("not-satisfied", "fail"),
          "INDETERMINATE": ("not-satisfied", "other")}


def _validated(document: dict[str, Any]) -> AssessmentResults:
    """The document parsed by trestle (pydantic validation of every field), and written back the same."""
    assert list(document) == ["assessment-results"]
    model = AssessmentResults.model_validate(document["assessment-results"])
    assert json.loads(model.oscal_serialize_json()) == document
    return model


def _prop(props: list[dict[str, Any]] | None, name: str) -> str | None:
    return next((p["value"] for p in props or () if p["name"] == name and p.get("ns") == NAMESPACE), None)


def _uuids(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [v for k, v in value.items() if k == "uuid"] + [u for v in value.values() for u in _uuids(v)]
    if isinstance(value, list):
        return [u for v in value for u in _uuids(v)]
    return []


@pytest.mark.parametrize("name", sorted(DEPLOYMENTS))
def test_each_deployment_gives_valid_oscal_with_a_finding_per_clause(name: str, moto: MotoBackend) -> None:
    _, violated, undecided = DEPLOYMENTS[name]
    rep = report(name, moto)
    document = render(rep)
    _validated(document)
    (result,) = document["assessment-results"]["results"]
    (selection,) = result["reviewed-controls"]["control-selections"]
    assert [c["control-id"] for c in selection["include-controls"]] == sorted(CLAUSES)
    findings = {f["target"]["target-id"]: f for f in result["findings"]}
    assert set(findings) == CLAUSES
    for clause in rep["clauses"]:
        finding = findings[clause["id"]]
        assert finding["target"]["type"] == "objective-id"
        assert _prop(finding["props"], "verdict") == clause["verdict"]
        assert finding["description"] == clause["reason"]
        status = finding["target"].get("status")
        assert (None if status is None else (status["state"], status["reason"])) == STATUS.get(clause["verdict"])
        observations = {o["uuid"]: o for o in result["observations"]}
        mine = [observations[r["observation-uuid"]] for r in finding["related-observations"]]
        # the verdict's own observation, then one per enjoin finding, its message the description
        assert [o["description"] for o in mine] == [clause["reason"]] + [f["message"] for f in clause["findings"]]
        assert all(o["methods"] == ["TEST"] for o in mine)
        cited = {link["href"].lstrip("#") for link in finding.get("links", [])}
        back = {r["uuid"]: r for r in document["assessment-results"]["back-matter"]["resources"]}
        assert sorted(back[u]["citation"]["text"] for u in cited) == sorted(
            f"{x['docket']} at {x['pinpoint']}: \u201c{x['quote']}\u201d" for x in clause["citations"]
        )
    failing = {t for t, f in findings.items() if f["target"].get("status", {}).get("state") == "not-satisfied"}
    assert failing == violated | undecided
    assert {t for t, f in findings.items() if _prop(f["props"], "verdict") == "INDETERMINATE"} == undecided


def test_a_violation_carries_its_path_and_statements_with_file_and_line(moto: MotoBackend) -> None:
    document = render(report("direct-grant", moto))
    (result,) = document["assessment-results"]["results"]
    fields = next(f for f in result["findings"] if f["target"]["target-id"] == "DKT148-FIELDS")
    observations = {o["uuid"]: o for o in result["observations"]}
    path = observations[fields["related-observations"][1]["observation-uuid"]]
    assert _prop(path["props"], "verdict") == "VIOLATION"
    assert _prop(path["props"], "principal") == "arn:aws:iam::111111111111:role/DhsDisclosureReader"
    evidence = [(e["description"], e.get("href"), _prop(e.get("props"), "line")) for e in path["relevant-evidence"]]
    assert evidence[0] == (
        "Step 1: arn:aws:iam::222222222222:role/IceAnalyst may sts:AssumeRole "
        "arn:aws:iam::111111111111:role/DhsDisclosureReader with context "
        '{"sts:ExternalId": "cms-dhs-iaa-2025-0147-ice"}.',
        None,
        None,
    )
    assert evidence[1] == (
        "Step 1 is allowed by Sid 'IceRolesWithExternalId' of trust policy of "
        "arn:aws:iam::111111111111:role/DhsDisclosureReader (Allow), "
        "infra/variants/direct-grant/cms-cross-account.yaml line 30.",
        "infra/variants/direct-grant/cms-cross-account.yaml",
        "30",
    )
    assert (
        "Step 2 is allowed by Sid 'ReconcileAgainstEligibility' of inline policy ReadDisclosureExtract of "
        "arn:aws:iam::111111111111:role/DhsDisclosureReader (Allow), "
        "infra/variants/direct-grant/cms-cross-account.yaml line 63.",
        "infra/variants/direct-grant/cms-cross-account.yaml",
        "63",
    ) in evidence
    # an SCP is named, with neither file nor line (enjoin.yaml's organization section is not a template)
    assert any(d.startswith("Step 2 is allowed by Sid 'FullAWSAccess' of SCP") and h is None for d, h, _ in evidence)
    assert path["remarks"] == " -> ".join(report("direct-grant", moto)["clauses"][0]["findings"][0]["path"])


def test_an_indeterminate_finding_is_not_satisfied_for_reason_other_with_its_reason(moto: MotoBackend) -> None:
    document = render(report("reference-extract-with-name", moto))
    (result,) = document["assessment-results"]["results"]
    fields = next(f for f in result["findings"] if f["target"]["target-id"] == "DKT148-FIELDS")
    assert fields["target"]["status"] == {"state": "not-satisfied", "reason": "other"}
    observations = {o["uuid"]: o for o in result["observations"]}
    (_, why) = [observations[r["observation-uuid"]] for r in fields["related-observations"]]
    assert _prop(why["props"], "verdict") == "INDETERMINATE"
    assert "it carries name, which the order leaves undecided" in why["description"]


def test_not_applicable_has_no_status_and_says_why(moto: MotoBackend) -> None:
    rep = report("reference", moto)
    (result,) = render(rep)["assessment-results"]["results"]
    dkt98 = next(f for f in result["findings"] if f["target"]["target-id"] == "DKT98-NO-SHARING")
    assert "status" not in dkt98["target"]
    reason = next(c["reason"] for c in rep["clauses"] if c["id"] == "DKT98-NO-SHARING")
    assert dkt98["target"]["remarks"] == f"NOT_APPLICABLE: {reason}"


def test_the_same_report_gives_the_same_document_dated_by_its_provenance(moto: MotoBackend) -> None:
    rep = copy.deepcopy(report("direct-grant", moto))
    rep["provenance"] = provenance("infra/variants/direct-grant/enjoin.yaml")
    document = render(rep)
    _validated(document)
    assert render(copy.deepcopy(rep)) == document
    root = document["assessment-results"]
    assert root["metadata"]["last-modified"] == "2026-02-01T03:01:30+00:00"  # trestle writes UTC as +00:00
    run = root["results"][0]
    assert (run["start"], run["end"]) == ("2026-02-01T03:00:00+00:00", "2026-02-01T03:01:30+00:00")
    assert root["metadata"]["oscal-version"] == "1.2.1"
    uuids = _uuids(root)
    assert len(uuids) == len(set(uuids))
    # the input files' digests are the verdict observations' evidence
    verdict = root["results"][0]["observations"][0]
    assert ("infra/reference/cms-cross-account.yaml", "c" * 64) in {
        (e["href"], _prop(e["props"], "sha256")) for e in verdict["relevant-evidence"]
    }
    # another run of the same configuration: a new result in the same document (same subject, same document uuid)
    later = copy.deepcopy(rep)
    later["provenance"]["finished_at"] = "2026-02-02T03:01:30Z"
    again = render(later)["assessment-results"]
    assert again["uuid"] == root["uuid"]
    assert again["results"][0]["uuid"] != root["results"][0]["uuid"]
