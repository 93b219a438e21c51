"""The exit codes a CI relies on (src/enjoin/exitcodes.py's table), for ``enjoin judge`` and for ``pytest``.

0 COMPLIANT or only NOT_APPLICABLE, 1 VIOLATION or INDETERMINATE, 2 bad input, 3 enjoin's own failure or its
environment; pytest never ends with its 5 ("no tests ran") when a configuration was given or found. Also here:
the repository's own feature files run with enjoin's steps, alongside the case's shipped ones or instead of them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from enjoin.cli import main
from enjoin.exitcodes import ExitCode

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "enjoin.yaml"
VIOLATING = ROOT / "infra" / "variants" / "direct-grant" / "enjoin.yaml"
BAD = ROOT / "tests" / "data" / "config" / "bad" / "field.yaml"
AGENCY = ROOT / "tests" / "data" / "agency_repo"


def test_the_table_is_the_one_the_readme_gives() -> None:
    assert {c.name: int(c) for c in ExitCode} == {"COMPLIANT": 0, "FAILED": 1, "BAD_INPUT": 2, "ENJOIN_FAILED": 3}
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for row in ("| 0 |", "| 1 |", "| 2 |", "| 3 |"):
        assert row in readme, f"README's exit-code table has no row {row}"


@pytest.mark.parametrize(
    ("args", "code", "says"),
    [
        (["--config", str(REFERENCE)], 0, "verdict COMPLIANT"),
        (["--config", str(REFERENCE), "--as-of", "2025-01-01"], 0, "verdict NOT_APPLICABLE"),
        (["--config", str(VIOLATING)], 1, "verdict VIOLATION"),
        (["--config", str(BAD)], 2, "holdings[2].fields[3]: expected a field"),
        (["--config", str(ROOT / "no-such.yaml")], 2, "no-such.yaml"),
        (["--config", str(REFERENCE), "--as-of", "yesterday"], 2, "--as-of: expected a date YYYY-MM-DD"),
        (["--config", str(REFERENCE), "--report", "/no-such-dir/verdict.json"], 2,
         "expected a path in an existing directory; found no directory /no-such-dir"),
        (["--config", str(REFERENCE), "--backend", "live"], 2, "expected the key 'live'"),
    ],
    ids=["compliant", "not-applicable", "violation", "bad-config", "missing-config", "bad-date", "report-dir",
         "live-without-live-section"],
)
def test_enjoin_judge_exit_codes(args: list[str], code: int, says: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["judge", *args]) == code
    out, err = capsys.readouterr()
    assert says in out + err
    assert "Traceback" not in out + err
    if code >= 2:
        assert len(err.strip().splitlines()) == 1, err


def test_enjoin_judge_on_a_bug_of_its_own_exits_3_with_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import enjoin.pipeline

    def broken(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(enjoin.pipeline, "run_pipeline", broken)
    monkeypatch.delenv("ENJOIN_DEBUG", raising=False)
    assert main(["judge", "--config", str(REFERENCE)]) == 3
    err = capsys.readouterr().err
    assert err.strip() == ("enjoin judge: enjoin failed: ZeroDivisionError: division by zero (a bug in enjoin, not in "
                           "your input; ENJOIN_DEBUG=1 shows the traceback)")


def _pytest(cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "ENJOIN_"))}
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=600, check=False, env={**clean, **env})


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A copy of the agency repository: only enjoin.yaml and infra/eligibility.yaml."""
    shutil.copytree(AGENCY, tmp_path / "repo")
    return tmp_path / "repo"


def test_pytest_exit_codes(repo: Path) -> None:
    compliant = _pytest(repo)
    assert compliant.returncode == 0, compliant.stdout[-3000:]
    deselected = _pytest(repo, "-k", "no_scenario_has_this_name")
    assert deselected.returncode == 0, "every scenario deselected: the verdict is given, not pytest's 5"
    assert "enjoin verdict: COMPLIANT" in deselected.stdout
    no_live_section = _pytest(repo, "--enjoin-backend=live")
    assert no_live_section.returncode == 2, no_live_section.stdout[-3000:]
    assert "expected the key 'live'" in no_live_section.stdout + no_live_section.stderr
    unknown = _pytest(repo, "--enjoin-backend=localstack")
    assert unknown.returncode == 2
    assert unknown.stderr.strip() == "Exit: enjoin: --enjoin-backend: expected one of moto, container, live; found " \
                                     "'localstack'"
    missing = _pytest(repo, "--enjoin-report=nowhere/verdict.json")
    assert missing.returncode == 2
    assert "expected a report path in an existing directory; found no directory" in missing.stderr
    (repo / "enjoin.yaml").write_text((repo / "enjoin.yaml").read_text().replace(
        "parameters: {Environment: prod}", 'parameters: {Environment: prod, PartnerAccountId: "222222222222"}'))
    violating = _pytest(repo)
    assert violating.returncode == 1, violating.stdout[-3000:]
    assert "enjoin verdict: VIOLATION" in violating.stdout


def test_a_config_given_that_does_not_exist_is_exit_2(tmp_path: Path) -> None:
    run = _pytest(tmp_path, "--enjoin-config=missing.yaml")
    assert run.returncode == 2
    assert run.stderr.strip() == f"Exit: enjoin: --enjoin-config {tmp_path / 'missing.yaml'}: expected an " \
                                 "enjoin.yaml; found no such file"


def test_without_a_configuration_pytest_runs_as_if_enjoin_were_not_installed(tmp_path: Path) -> None:
    (tmp_path / "test_x.py").write_text("def test_x():\n    assert True\n")
    run = _pytest(tmp_path)
    assert run.returncode == 0
    assert "enjoin" not in run.stdout.replace("enjoin-", "")


def test_the_space_form_works_where_pytest_accepts_it(repo: Path) -> None:
    """``--enjoin-config PATH`` inside the project: pytest's rootdir comes out the same, so it is accepted."""
    (repo / "infra" / "copy.yaml").write_text((repo / "enjoin.yaml").read_text().replace("path: infra/", "path: "))
    run = _pytest(repo, "--enjoin-config", "infra/copy.yaml", "--co", "-q")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "infra/copy.yaml::test_no_medical_or_health_information_reaches_dhs" in run.stdout


FEATURE = """\
@DKT148-FIELDS
Feature: The agency's own reading of the fields clause
  Scenario: The eligibility extracts reveal no forbidden field to DHS
    Given the deployment judged on the configured date
    When clause DKT148-FIELDS is judged
    Then no party reaches what the clause forbids
"""


def test_the_repositorys_own_features_run_alongside_or_instead(repo: Path) -> None:
    (repo / "features").mkdir()
    (repo / "features" / "extracts.feature").write_text(FEATURE)
    (repo / "pyproject.toml").write_text('[tool.pytest.ini_options]\nenjoin_features = ["features"]\n')
    alongside = _pytest(repo, "--co", "-q")
    assert alongside.returncode == 0, alongside.stdout + alongside.stderr
    names = [line for line in alongside.stdout.splitlines() if "::" in line]
    assert "enjoin.yaml::test_the_eligibility_extracts_reveal_no_forbidden_field_to_dhs" in names
    assert "enjoin.yaml::test_no_medical_or_health_information_reaches_dhs" in names
    assert len(names) == 95  # the shipped scenarios, one per Examples row of an outline (94), and the repository's
    instead = _pytest(repo, "-v", ENJOIN_SHIPPED_FEATURES="no")
    assert instead.returncode == 0, instead.stdout[-3000:]
    ran = [line.split(" ")[0] for line in instead.stdout.splitlines() if line.startswith("enjoin.yaml::")]
    assert ran == ["enjoin.yaml::test_the_eligibility_extracts_reveal_no_forbidden_field_to_dhs"]
    assert "enjoin verdict: COMPLIANT" in instead.stdout


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ('Feature: x\n  Scenario: y\n    Given a\n      """\n    unterminated\n',
         "enjoin: feature files: expected Gherkin that pytest-bdd parses; found GherkinParseError"),
        ("Feature: x\n  Scenario: y\n    Given\n  Oops this is not Gherkin\n",
         "expected feature files whose every scenario asserts something (a Then step); found scenario 'y' (line 2) "
         "with no Then step"),
        ("Feature: x\nFeature: y\n", "found no scenario"),
    ],
    ids=["unparseable", "no-then", "no-scenario"],
)
def test_a_feature_file_of_the_repository_that_asserts_nothing_is_exit_2(repo: Path, text: str, says: str) -> None:
    (repo / "features").mkdir()
    (repo / "features" / "broken.feature").write_text(text)
    run = _pytest(repo, "--enjoin-features=features")
    assert run.returncode == 2, run.stdout[-3000:]
    assert says in run.stdout


def test_a_config_that_is_a_symlink_loop_or_a_directory_is_exit_2(tmp_path: Path) -> None:
    (tmp_path / "loop.yaml").symlink_to(tmp_path / "loop.yaml")
    (tmp_path / "conf").mkdir()
    loop = _pytest(tmp_path, "--enjoin-config=loop.yaml")
    assert loop.returncode == 2
    assert loop.stderr.strip().endswith("expected an enjoin.yaml; found a symbolic link that leads to no file (a "
                                        "loop, or a missing target)")
    directory = _pytest(tmp_path, "--enjoin-config=conf")
    assert directory.returncode == 2
    assert directory.stderr.strip().endswith("expected an enjoin.yaml; found a directory")


def test_named_paths_that_collect_nothing_still_get_the_verdict_not_5(repo: Path) -> None:
    (repo / "tests").mkdir()
    run = _pytest(repo, "tests")
    assert run.returncode == 0, run.stdout[-3000:]
    assert "enjoin verdict: COMPLIANT" in run.stdout


def test_output_piped_into_a_reader_that_stops_early_ends_quietly(tmp_path: Path) -> None:
    """``enjoin decide cases.jsonl | head -1``: the reader goes away, and that is no error, no traceback."""
    case = ('{"principal": "arn:aws:iam::111111111111:role/r", "action": "s3:GetObject", '
            '"resource": "arn:aws:s3:::b/k", "identity_policies": []}\n')
    (tmp_path / "cases.jsonl").write_text(case * 5000)
    run = subprocess.run(
        ["bash", "-o", "pipefail", "-c", f"{sys.executable} -m enjoin.cli decide cases.jsonl | head -1"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False,
    )
    assert run.stdout.count("\n") == 1 and '"decision": "IMPLICIT_DENY"' in run.stdout
    assert run.stderr == ""
    assert run.returncode == 0
