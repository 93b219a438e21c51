"""Issue #15's acceptance, through the two ways a user runs enjoin: the Terraform reference and its variants give the
verdicts and findings of their CloudFormation twins under ``pytest --enjoin-config=...`` and ``enjoin judge``.

test_twins.py compares every plan with its twin through :func:`enjoin.pipeline.run_pipeline`; here the same is
checked from the outside, each configuration judged once per way (a judgment deploys into moto: 10 to 30 seconds on
a shared 2-core machine), the runs started together so that both cores work:

- ``enjoin judge --config X --report R``, for the CloudFormation twin and the plan: the verdict of every clause.
- ``python3 -m pytest --enjoin-config=infra/terraform/variants/X/enjoin.yaml --enjoin-report=R`` from a directory
  laid out like the user's repository (the root enjoin.yaml, infra/reference/ and infra/terraform/ copied into a
  temporary directory): its exit code, and per clause the verdict and the findings of the twin's ``enjoin judge``
  (the places of statements, key ids and SCP paths masked, as test_twins.py does).

By default the reference, a violating variant and a look-alike are judged: nine runs, each 16 to 22 s when run
alone on the shared 2-core machine (load average 10); the module took 4 min 25 s and 5 min 52 s there, two runs at a
time, while other test runs held the cores. ``ENJOIN_TWINS_ALL=1`` runs ``enjoin judge`` over every variant of
infra/terraform/variants/ that has a CloudFormation twin as well: two runs more per variant (38 configurations, 41
tests: 20 min 24 s there), too slow for every test run; test_twins.py already compares each variant with its twin
through the pipeline.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[3]
TERRAFORM = ROOT / "infra" / "terraform"
# The variants with a CloudFormation twin (test_twins.py says why the others have none).
VARIANTS = sorted(p.name for p in (TERRAFORM / "variants").iterdir()
                  if p.is_dir() and (ROOT / "infra" / "variants" / p.name).is_dir())
SAMPLE = ["reference", "lake-formation-column-grant", "lookalike-lake-formation-six-fields"]
JUDGED = ["reference", *VARIANTS] if os.environ.get("ENJOIN_TWINS_ALL") == "1" else SAMPLE
_KEY_ID = re.compile(r"key/[0-9a-f-]{36}")
_SCP_PATH = re.compile(r"SCP (?:\.\./)+")
_PLACE = ("file", "line", "index", "address", "expression")
_TIMEOUT = 900


def _config(name: str, language: str, root: Path = ROOT) -> Path:
    if language == "terraform":
        base = root / "infra" / "terraform"
        return base / "enjoin.yaml" if name == "reference" else base / "variants" / name / "enjoin.yaml"
    return root / "enjoin.yaml" if name == "reference" else root / "infra" / "variants" / name / "enjoin.yaml"


def _run(command: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=_TIMEOUT, check=False)


def _judge(config: Path, report: Path) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    done = _run([sys.executable, "-m", "enjoin.cli", "judge", "--config", str(config), "--report", str(report)],
                ROOT)
    return done, json.loads(report.read_text()) if report.exists() else {}


def _user_repository(at: Path) -> Path:
    """What a user's repository holds for the plans: the root enjoin.yaml, the templates and SCPs it names, the
    plans and their enjoin.yaml files."""
    shutil.copy(ROOT / "enjoin.yaml", at / "enjoin.yaml")
    shutil.copytree(ROOT / "infra" / "reference", at / "infra" / "reference")
    shutil.copytree(TERRAFORM, at / "infra" / "terraform")
    return at


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], tuple[Any, dict[str, Any]]]:
    """Every judgment this module checks, (name, way) -> (the finished process, its JSON report), run two at a
    time."""
    reports = tmp_path_factory.mktemp("reports")
    repository = _user_repository(tmp_path_factory.mktemp("repository"))

    def pytest_run(name: str) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
        report = reports / f"{name}-pytest.json"
        config = _config(name, "terraform", Path(".")).as_posix()
        done = _run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--enjoin-config={config}",
                     f"--enjoin-report={report}"], repository)
        return done, json.loads(report.read_text()) if report.exists() else {}

    jobs: dict[tuple[str, str], Any] = {}
    with ThreadPoolExecutor(max_workers=2) as pool:
        for name in SAMPLE:
            jobs[(name, "pytest")] = pool.submit(pytest_run, name)
        for name in JUDGED:
            for language in ("cloudformation", "terraform"):
                jobs[(name, language)] = pool.submit(
                    _judge, _config(name, language), reports / f"{name}-{language}.json")
        return {key: job.result() for key, job in jobs.items()}


def _masked(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _masked(v) for k, v in value.items() if k not in _PLACE}
    if isinstance(value, list):
        return [_masked(v) for v in value]
    return value


def _judged(report: dict[str, Any]) -> dict[str, tuple[str, list[str]]]:
    """Per clause: the verdict and the findings, with what cannot be equal between the twins masked."""
    return {clause["id"]: (clause["verdict"], sorted(
        _SCP_PATH.sub("SCP ", _KEY_ID.sub("key/KEY", json.dumps(_masked(f), sort_keys=True)))
        for f in clause["findings"])) for clause in report["clauses"]}


def _expected(name: str) -> str:
    return "COMPLIANT" if name == "reference" or name.startswith("lookalike-") else "VIOLATION"


@pytest.mark.parametrize("name", JUDGED)
def test_enjoin_judge_gives_each_clause_the_verdict_of_the_cloudformation_twin(
        runs: dict[tuple[str, str], tuple[Any, dict[str, Any]]], name: str) -> None:
    (twin_run, twin), (plan_run, planned) = runs[(name, "cloudformation")], runs[(name, "terraform")]
    assert twin_run.returncode in (0, 1), twin_run.stderr
    assert plan_run.returncode == twin_run.returncode, plan_run.stderr
    assert {c["id"]: c["verdict"] for c in planned["clauses"]} == {c["id"]: c["verdict"] for c in twin["clauses"]}
    assert planned["verdict"] == twin["verdict"] == _expected(name)
    assert f"verdict {_expected(name)}" in plan_run.stdout


@pytest.mark.parametrize("name", SAMPLE)
def test_pytest_in_the_users_repository_gives_the_verdicts_and_findings_of_the_twin(
        runs: dict[tuple[str, str], tuple[Any, dict[str, Any]]], name: str) -> None:
    (done, report), (_, twin) = runs[(name, "pytest")], runs[(name, "cloudformation")]
    assert done.returncode == (0 if _expected(name) == "COMPLIANT" else 1), done.stdout[-3000:] + done.stderr
    assert f"enjoin verdict: {_expected(name)}" in done.stdout
    assert _judged(report) == _judged(twin)
    # A finding's statements are read from the plan the user's repository holds, named as the user names it.
    places = {s["file"] for c in report["clauses"] for f in c["findings"] for s in _statements(f)}
    plan = "infra/terraform/" + ("reference" if name == "reference" else f"variants/{name}") + "/plan.json"
    assert places == ({plan} if _expected(name) == "VIOLATION" else set())


def _statements(value: Any) -> list[dict[str, Any]]:
    """Every statement reference (a mapping with a file) in a finding."""
    if isinstance(value, dict):
        own = [value] if value.get("file") else []
        return own + [s for v in value.values() for s in _statements(v)]
    if isinstance(value, list):
        return [s for v in value for s in _statements(v)]
    return []
