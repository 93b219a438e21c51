"""The CloudFormation corpus: each template gives its expected outcome through ``enjoin judge`` and pytest.

Each case of ``tests/data/cfn_corpus/`` (see its README) holds a template in a shape real templates have,
an ``enjoin.yaml`` and ``expected.yaml``: judged (the overall verdict, per-clause verdicts, the constructs
an INDETERMINATE must name, the holdings that must stay decided, what must be listed as inert) or
refused (the rule the refusal must cite). No case may end in a traceback.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from enjoin.cli.judge import run as judge

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests" / "data" / "cfn_corpus"
CASES = sorted(p.name for p in CORPUS.iterdir() if (p / "expected.yaml").is_file()) if CORPUS.is_dir() else []


def _expected(case: str) -> dict[str, Any]:
    data = yaml.safe_load((CORPUS / case / "expected.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict) and data.get("outcome") in ("judged", "refused"), f"{case}: expected.yaml"
    return data


def _indeterminate_findings(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [f for c in report["clauses"] for f in c["findings"] if f["verdict"] == "INDETERMINATE"]


def check_report(case: str, expected: dict[str, Any], report: dict[str, Any]) -> None:
    """Every expectation of a judged case, against a JSON report; the message names what differs."""
    assert report["verdict"] == expected["verdict"], (
        f"{case}: verdict {report['verdict']}, expected {expected['verdict']}; findings: "
        + "; ".join(f["message"][:400] for c in report["clauses"] for f in c["findings"][:2])
    )
    clauses = {c["id"]: c["verdict"] for c in report["clauses"]}
    for clause, verdict in (expected.get("clauses") or {}).items():
        assert clauses.get(clause) == verdict, f"{case}: {clause} is {clauses.get(clause)}, expected {verdict}"
    doubts = _indeterminate_findings(report)
    for item in expected.get("indeterminate") or []:
        if "reason" in item:  # undecided for want of what no template says (the objects' ACLs): the reason
            naming = [f for f in doubts if item["reason"] in f["message"]]
            assert naming, f"{case}: no INDETERMINATE finding gives {item['reason']!r}: " + "; ".join(
                f["message"][:300] for f in doubts
            )
            for holding in item["holdings"]:
                assert any(f["holding"] == holding for f in naming), f"{case}: {item['reason']!r} not for {holding}"
            continue
        logical_id = item["resource"]
        naming = [
            f
            for f in doubts
            if (f.get("construct") or {}).get("resource") == logical_id
            or logical_id in f["message"]
            or logical_id in f["principal"]
        ]
        assert naming, f"{case}: no INDETERMINATE finding names {logical_id}: " + "; ".join(
            f["message"][:300] for f in doubts
        )
        if item.get("property"):
            assert any((f.get("construct") or {}).get("property") == item["property"] for f in naming), (
                f"{case}: no INDETERMINATE finding names {logical_id}.{item['property']}"
            )
        for holding in item.get("holdings") or []:
            assert any(f["holding"] == holding for f in naming), (
                f"{case}: {logical_id} is not named for {holding}; it is for {sorted({f['holding'] for f in naming})}"
            )
    doubted = {f["holding"] for f in doubts}
    for holding in expected.get("decided") or []:
        assert holding not in doubted, f"{case}: {holding} should stay decided; it is INDETERMINATE"
    inert = {c["type"] for c in report["constructs"]["inert"] if c["property"] is None} | {
        f"{c['type']}.{c['property']}" for c in report["constructs"]["inert"] if c["property"]
    }
    for name in expected.get("inert") or []:
        assert name in inert, f"{case}: {name} is not listed as inert (listed: {sorted(inert)})"


@pytest.mark.parametrize("case", CASES)
def test_enjoin_judge_gives_the_expected_outcome(case: str, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    expected = _expected(case)
    report_path = tmp_path / "report.json"
    status = judge(["--config", str(CORPUS / case / "enjoin.yaml"), "--report", str(report_path)])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err, f"{case}: a traceback\n{err}"
    if expected["outcome"] == "refused":
        assert status == 2, f"{case}: expected a refusal citing {expected['rule']}; exit {status}\n{out[-2000:]}"
        assert expected["rule"] in err, f"{case}: the refusal does not cite {expected['rule']}: {err}"
        if expected.get("resource"):
            assert expected["resource"] in err, f"{case}: the refusal does not name {expected['resource']}: {err}"
        return
    assert status == (0 if expected["verdict"] == "COMPLIANT" else 1), f"{case}: exit {status}\n{err}"
    check_report(case, expected, json.loads(report_path.read_text(encoding="utf-8")))


def _run_pytest(case: str, report: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            f"--enjoin-config={CORPUS / case / 'enjoin.yaml'}",
            f"--enjoin-report={report}",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@pytest.mark.parametrize("case", CASES)
def test_pytest_with_the_case_config_gives_the_expected_outcome(case: str, tmp_path: Path) -> None:
    """The same case through the pytest plugin, as a user runs it: ``pytest --enjoin-config=...``, a process of its
    own (scripts/test.sh spreads these over the cores: tests/conftest.py)."""
    expected = _expected(case)
    report_path = tmp_path / "report.json"
    done = _run_pytest(case, report_path)
    output = done.stdout + done.stderr
    assert "Traceback (most recent call last)" not in output, f"{case}: a traceback\n{output[-3000:]}"
    if expected["outcome"] == "refused":
        assert done.returncode != 0, f"{case}: pytest passed a template it should refuse\n{output[-2000:]}"
        assert expected["rule"] in output, f"{case}: pytest's output does not cite {expected['rule']}"
        return
    assert done.returncode == (0 if expected["verdict"] == "COMPLIANT" else 1), (
        f"{case}: pytest exit {done.returncode}\n{output[-3000:]}"
    )
    check_report(case, expected, json.loads(report_path.read_text(encoding="utf-8")))
