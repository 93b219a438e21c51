"""JUnit XML and cucumber JSON of the reference run: each test named by clause and scenario (with its Examples row),
and the Dkt. 98 scenarios, NOT_APPLICABLE after 2026-01-06, skipped in both with the reason."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from enjoin.pytest_plugin.standard_reports import title

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[ET.Element], list[dict[str, Any]]]:
    out = tmp_path_factory.mktemp("standard")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "ENJOIN_"))}
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                          f"--junitxml={out / 'junit.xml'}", f"--cucumberjson={out / 'cucumber.json'}"],
                         cwd=ROOT, capture_output=True, text=True, timeout=900, check=False, env=env)
    assert run.returncode == 0, run.stdout[-3000:]
    cases = list(ET.parse(out / "junit.xml").iter("testcase"))
    elements = [e for f in json.loads((out / "cucumber.json").read_text(encoding="utf-8")) for e in f["elements"]]
    return cases, elements


def test_a_test_is_named_by_its_clauses_scenario_and_row() -> None:
    assert title("<what> never reaches DHS", {"DKT148-FIELDS", "dkt-148"}, {"field": "ssn", "what": "The SSN"}) == (
        "DKT148-FIELDS: <what> never reaches DHS [field=ssn, what=The SSN]")
    assert title("On a date", {"timeline"}, None) == "On a date"


def test_junit_names_scenarios_and_skips_dkt98_with_the_reason(reports: Any) -> None:
    cases, _ = reports
    names = [c.get("name") for c in cases]
    assert not [n for n in names if n.startswith("test_")], "a test still named by its Python function"
    assert len(set(names)) == len(names), "two tests share a name"
    dkt98 = [c for c in cases if c.get("name").startswith("DKT98-NO-SHARING: ")]
    assert dkt98, "no Dkt. 98 scenario in the run"
    for case in dkt98:
        skipped = case.find("skipped")
        assert skipped is not None, case.get("name")
        assert "not in force on 2026-02-01" in skipped.get("message", ""), skipped.get("message")
    outlines = [n for n in names if n.endswith("]")]
    assert any(n.startswith("DKT148-FIELDS: ") and "[field=ssn" in n for n in outlines), outlines


def test_cucumber_names_scenarios_and_skips_dkt98_with_the_reason(reports: Any) -> None:
    cases, elements = reports
    assert sorted(e["name"] for e in elements) == sorted(c.get("name") for c in cases)
    dkt98 = [e for e in elements if e["name"].startswith("DKT98-NO-SHARING: ")]
    assert len(dkt98) == len([c for c in cases if c.get("name").startswith("DKT98-NO-SHARING: ")])
    for element in dkt98:
        results = [s["result"] for s in element["steps"]]
        assert results[-1]["status"] == "skipped", (element["name"], results)
        assert "not in force on 2026-02-01" in results[-1]["error_message"]
        assert all(r["status"] == "passed" for r in results[:-1])  # the Given and When did run
    skipped_in_junit = {c.get("name") for c in cases if c.find("skipped") is not None}
    skipped_in_cucumber = {e["name"] for e in elements if any(s["result"]["status"] == "skipped" for s in e["steps"])}
    assert skipped_in_cucumber == skipped_in_junit
