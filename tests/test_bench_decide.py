"""``scripts/bench_decide.py`` runs on a small input and prints the lines it promises (no timing is
asserted: the machine is shared and noisy)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "bench_decide.py"

pytest.importorskip("principalmapper")


def run(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=600, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_benchmark_prints_both_throughputs_the_ratio_and_the_agreement() -> None:
    out = run("--cases", "200", "--rounds", "1")
    assert re.search(r"^input: 200 cases \(200 distinct\), \d+ policy statements", out, re.M), out
    assert re.search(r"^enjoin decide, whole process: +[\d,]+ cases/s .*exit code 0\)$", out, re.M), out
    assert re.search(r"^principalmapper in-process: +[\d,]+ cases/s ", out, re.M), out
    assert re.search(r"^ratio enjoin / principalmapper: [\d.]+x CPU \([\d.]+x wall\)$", out, re.M), out
    assert re.search(r"^  of which start-up \(the same command on one case\): [\d.]+ s$", out, re.M), out
    assert re.search(r"^same allow/deny answer as principalmapper on \d+ of 200 ", out, re.M), out
    decisions = re.search(r"^enjoin's decisions: (\{.*\})$", out, re.M)
    assert decisions is not None, out
    counts = json.loads(decisions.group(1).replace("'", '"'))
    assert set(counts) <= {"ALLOW", "EXPLICIT_DENY", "IMPLICIT_DENY", "INDETERMINATE"}
    assert sum(counts.values()) == 200


def test_the_profile_names_the_stages_and_the_functions() -> None:
    out = run("--cases", "50", "--profile", "--top", "5")
    for stage in ("reading and parsing JSON", "checking cases, compiling policies", "deciding and explaining"):
        assert re.search(rf"^  {stage}: \d+%$", out, re.M), out
    assert "Ordered by: internal time" in out


def test_the_cases_are_distinct_and_in_the_format_enjoin_decide_reads(tmp_path: Path) -> None:
    sys.path.insert(0, str(SCRIPT.parent))
    try:
        import bench_decide
    finally:
        sys.path.remove(str(SCRIPT.parent))
    items = bench_decide.cases(3, 100)
    assert items == bench_decide.cases(3, 100)  # seeded
    path = tmp_path / "cases.jsonl"
    assert bench_decide.write_cases(items, path) == 100
    done = subprocess.run(
        [sys.executable, "-m", "enjoin.cli", "decide", str(path)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0 and done.stderr == "", done.stderr
    assert [json.loads(line)["name"] for line in done.stdout.splitlines()] == [c["name"] for c in items]
