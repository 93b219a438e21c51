"""The README a newcomer follows: every example in it runs as written.

Its YAML blocks load (those naming a ``case:`` are loaded and judged as an ``enjoin.yaml`` placed at the repository
root, where their paths point), its TOML block names only enjoin's settings, its ``enjoin decide`` examples print
what the text says they print, and its Gherkin example runs with enjoin's steps in a repository of its own.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

from enjoin.pipeline import run_pipeline
from enjoin.pytest_plugin.options import SETTINGS

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def blocks(language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```", README, re.S | re.M)


def test_the_readme_has_the_examples_these_tests_run() -> None:
    assert [b for b in blocks("yaml") if "case:" in b], "no enjoin.yaml example"
    assert [b for b in blocks("sh") if "enjoin decide" in b], "no enjoin decide example"
    assert [b for b in blocks("sh") if "--save-snapshot" in b], "no evidence example"
    assert blocks("gherkin") and blocks("toml")


@pytest.mark.parametrize("index", range(len([b for b in blocks("yaml") if "case:" in b])))
def test_each_configuration_example_loads_and_judges_as_written(index: int) -> None:
    text = [b for b in blocks("yaml") if "case:" in b][index]
    path = ROOT / f".readme-example-{index}.yaml"
    path.write_text(text, encoding="utf-8")
    try:
        result = run_pipeline(path)
    finally:
        path.unlink()
    assert result.judgment.verdict.value == "COMPLIANT", [(c.id, c.verdict.value, c.reason)
                                                         for c in result.judgment.clauses]


def test_the_other_yaml_blocks_are_yaml() -> None:
    for text in blocks("yaml"):
        assert isinstance(yaml.safe_load(text), dict)


def test_the_ini_example_names_only_enjoins_settings() -> None:
    for text in blocks("toml"):
        options = tomllib.loads(text)["tool"]["pytest"]["ini_options"]
        assert set(options) <= {s.name for s in SETTINGS}, set(options) - {s.name for s in SETTINGS}


def test_the_settings_table_lists_every_setting() -> None:
    for setting in SETTINGS:
        assert f"`{setting.option}=" in README and f"`{setting.name}`" in README and f"`{setting.env}`" in README


def test_the_enjoin_decide_examples_print_what_the_text_says() -> None:
    script = next(b for b in blocks("sh") if "enjoin decide" in b)
    enjoin = shutil.which("enjoin", path=os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""))
    assert enjoin, "the enjoin command is not installed"
    run = subprocess.run(["bash", "-euo", "pipefail", "-c", script], capture_output=True, text=True, timeout=120,
                         check=False, env={**os.environ, "PATH": os.path.dirname(enjoin) + os.pathsep
                                           + os.environ.get("PATH", "")})
    assert run.returncode == 0, run.stderr
    answers = [json.loads(line) for line in run.stdout.splitlines()]
    assert [a["decision"] for a in answers] == ["IMPLICIT_DENY", "ALLOW"]
    assert answers[1]["witness"]["aws:SecureTransport"] == "true"


def test_the_evidence_example_runs_as_written(tmp_path: Path) -> None:
    """Saved, judged again offline (the same report), and judged on another date, in the agency's repository."""
    script = next(b for b in blocks("sh") if "--save-snapshot" in b)
    repo = tmp_path / "repo"
    shutil.copytree(ROOT / "tests" / "data" / "agency_repo", repo)
    enjoin = shutil.which("enjoin", path=os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""))
    assert enjoin, "the enjoin command is not installed"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "ENJOIN_"))}
    run = subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=repo, capture_output=True, text=True,
                         timeout=600, check=False,
                         env={**env, "PATH": os.path.dirname(enjoin) + os.pathsep + os.environ.get("PATH", "")})
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr
    again, verdict = (json.loads((repo / n).read_text()) for n in ("again.json", "verdict.json"))
    assert again.pop("provenance")["snapshot"]["path"] == "evidence.json"  # how each was made differs...
    assert verdict.pop("provenance")["backend"] == "moto"
    assert again == verdict  # ...what was judged does not
    assert json.loads((repo / "dkt98.json").read_text())["order"] == "dkt-98"


def test_the_gherkin_example_runs_with_enjoins_steps(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(ROOT / "tests" / "data" / "agency_repo", repo)
    (repo / "features").mkdir()
    example = next(b for b in blocks("gherkin") if b.startswith("Feature:"))
    (repo / "features" / "own.feature").write_text(example, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "ENJOIN_"))}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-v", "--enjoin-features=features",
         "--enjoin-shipped-features=no"],
        cwd=repo, capture_output=True, text=True, timeout=600, check=False, env=env,
    )
    assert run.returncode == 0, run.stdout[-3000:]
    assert "enjoin.yaml::test_the_eligibility_extracts_reveal_no_forbidden_field_to_dhs PASSED" in run.stdout
    assert "enjoin.yaml::test_the_order_in_force_on_20260201_is_dkt_148 PASSED" in run.stdout


def test_the_compute_table_lists_every_way_of_the_data() -> None:
    from enjoin.reach_compute import ways

    section = README.split("### Compute that runs as a role", 1)[1].split("\n## ", 1)[0]
    listed = set(re.findall(r"^\| `([a-z0-9-]+)` \|", section, re.M))
    assert listed == {w.id for w in ways()}


def test_the_count_of_compute_look_alikes_is_the_number_of_ways_that_have_one() -> None:
    """The README's count, in words, of the ways that have a look-alike variant (infra/variants/lookalike-compute-*,
    each naming its way in expected.yaml)."""
    ones = ["", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
            "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]
    tens = ["", "", "twenty", "thirty", "forty", "fifty"]

    def words(n: int) -> str:
        return ones[n] if n < 20 else tens[n // 10] + (f"-{ones[n % 10]}" if n % 10 else "")

    ways = {yaml.safe_load((d / "expected.yaml").read_text(encoding="utf-8"))["way"]
            for d in (ROOT / "infra" / "variants").glob("lookalike-compute-*")}
    assert len(ways) > 20
    assert f"look-alikes for {words(len(ways))} of them" in " ".join(README.split())
