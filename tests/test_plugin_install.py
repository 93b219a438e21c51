"""enjoin in the agency's own repository: the built wheel, installed into a fresh virtual environment, judges a
repository that holds only an ``enjoin.yaml`` and its templates when ``pytest`` runs there.

This is what a new user gets: no conftest, no features, no steps of their own. The wheel is built from this
checkout, installed with the pinned dependency set (constraints.txt), and pytest is run in three copies of
``tests/data/agency_repo``: as it is (COMPLIANT, exit 0), with the partner account set to DHS (VIOLATION, exit 1)
and with a mistake in enjoin.yaml (exit 2, one line naming the file, line and key).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
AGENCY = ROOT / "tests" / "data" / "agency_repo"


def _run(args: list[str], cwd: Path, timeout: int = 900, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "ENJOIN_", "VIRTUAL_ENV"))}
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False,
                          env={**clean, **env})


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The python of a fresh virtual environment with the wheel of this checkout installed (and nothing else
    of enjoin's: no editable install, no repository on the path)."""
    work = tmp_path_factory.mktemp("wheel")
    built = _run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(work / "dist"), str(ROOT)],
                 cwd=work)
    assert built.returncode == 0, built.stderr[-3000:]
    wheels = sorted((work / "dist").glob("enjoin-*.whl"))
    assert len(wheels) == 1, wheels
    venv.EnvBuilder(with_pip=True, clear=True).create(work / "venv")
    python = work / "venv" / "bin" / "python"
    install = _run([str(python), "-m", "pip", "install", "-q", "-c", str(ROOT / "constraints.txt"), str(wheels[0])],
                   cwd=work)
    assert install.returncode == 0, install.stderr[-3000:]
    where = _run([str(python), "-c", "import enjoin; print(enjoin.__file__)"], cwd=work)
    assert str(work / "venv") in where.stdout, f"enjoin is not imported from the fresh venv: {where.stdout}"
    return python


def _repository(tmp_path: Path, name: str) -> Path:
    repo = tmp_path / name
    shutil.copytree(AGENCY, repo)
    assert sorted(p.relative_to(repo).as_posix() for p in repo.rglob("*") if p.is_file()) == [
        "enjoin.yaml",
        "infra/eligibility.yaml",
    ]
    return repo


def test_pytest_in_a_compliant_repository_exits_0_with_the_verdict_per_clause(installed: Path, tmp_path: Path) -> None:
    repo = _repository(tmp_path, "compliant")
    run = _run([str(installed), "-m", "pytest", "-p", "no:cacheprovider", "--enjoin-report=verdict.json"], cwd=repo)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert "enjoin verdict: COMPLIANT" in run.stdout
    for line in (
        "DKT148-FIELDS          COMPLIANT",
        "DKT148-MEDICAL         COMPLIANT",
        "DKT148-POPULATIONS     COMPLIANT",
        "DKT148-PROGRAMS        NOT_APPLICABLE",
        "DKT98-NO-SHARING       NOT_APPLICABLE",
    ):
        assert line in run.stdout, run.stdout[-3000:]
    assert "enjoin.yaml::test_no_medical_or_health_information_reaches_dhs PASSED" in _verbose(installed, repo)
    assert (repo / "verdict.json").is_file()


def _verbose(python: Path, repo: Path) -> str:
    run = _run([str(python), "-m", "pytest", "-p", "no:cacheprovider", "-v"], cwd=repo)
    return run.stdout


def test_pytest_in_a_violating_repository_exits_1_naming_the_clauses(installed: Path, tmp_path: Path) -> None:
    repo = _repository(tmp_path, "violating")
    config = repo / "enjoin.yaml"
    config.write_text(
        config.read_text().replace("parameters: {Environment: prod}",
                                   'parameters: {Environment: prod, PartnerAccountId: "222222222222"}'),
        encoding="utf-8",
    )
    run = _run([str(installed), "-m", "pytest", "-p", "no:cacheprovider"], cwd=repo)
    assert run.returncode == 1, run.stdout[-4000:] + run.stderr[-2000:]
    assert "enjoin verdict: VIOLATION" in run.stdout
    assert "DKT148-FIELDS          VIOLATION" in run.stdout
    assert "DKT148-POPULATIONS     VIOLATION" in run.stdout
    assert "DKT148-MEDICAL         COMPLIANT" in run.stdout
    assert "FAILED enjoin.yaml::test_nothing_beyond_citizenship" in run.stdout


def test_a_broken_enjoin_yaml_is_reported_with_exit_2(installed: Path, tmp_path: Path) -> None:
    repo = _repository(tmp_path, "broken")
    config = repo / "enjoin.yaml"
    config.write_text(config.read_text().replace("program: medicaid", "program: medicade"), encoding="utf-8")
    run = _run([str(installed), "-m", "pytest", "-p", "no:cacheprovider"], cwd=repo)
    assert run.returncode == 2, run.stdout[-4000:] + run.stderr[-2000:]
    assert "enjoin: enjoin.yaml:16: holdings[0].program: expected a program of case ca-v-hhs" in run.stdout
    assert "found 'medicade'" in run.stdout
    assert "Traceback" not in run.stdout + run.stderr


def test_the_configuration_comes_from_the_environment_or_the_ini_file(installed: Path, tmp_path: Path) -> None:
    """ENJOIN_CONFIG and ``enjoin_config`` in pyproject.toml, so that plain ``pytest`` works in CI."""
    repo = _repository(tmp_path, "elsewhere")
    (repo / "deploy").mkdir()
    (repo / "enjoin.yaml").rename(repo / "deploy" / "enjoin.yaml")
    (repo / "infra").rename(repo / "deploy" / "infra")
    bare = _run([str(installed), "-m", "pytest", "-p", "no:cacheprovider"], cwd=repo)
    assert bare.returncode == 5, "without a configuration, pytest runs as if enjoin were not installed"
    by_env = _run([str(installed), "-m", "pytest", "-p", "no:cacheprovider"], cwd=repo,
                  ENJOIN_CONFIG="deploy/enjoin.yaml")
    assert by_env.returncode == 0, by_env.stdout[-3000:]
    assert "enjoin verdict: COMPLIANT" in by_env.stdout
    (repo / "pyproject.toml").write_text('[tool.pytest.ini_options]\nenjoin_config = "deploy/enjoin.yaml"\n')
    by_ini = _run([str(installed), "-m", "pytest", "-p", "no:cacheprovider"], cwd=repo)
    assert by_ini.returncode == 0, by_ini.stdout[-3000:]
    assert "enjoin verdict: COMPLIANT" in by_ini.stdout
