"""The container backend where no Docker engine answers: the skip line and the error, shown without Docker.

"No engine" is simulated by pointing DOCKER_HOST at a socket path that does not exist, or at a loopback
port where nothing listens; neither needs Docker, and neither can hang.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from enjoin.backends import get_backend
from enjoin.backends.container import OFFICIAL_IMAGE, engine_problem
from enjoin.errors import BackendError

ROOT = Path(__file__).resolve().parents[1]
CONTAINER_TESTS = ROOT / "tests" / "test_container_backend.py"


def test_start_without_engine_says_what_is_missing(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    socket = tmp_path / "no-such" / "docker.sock"
    monkeypatch.setenv("DOCKER_HOST", f"unix://{socket}")
    with pytest.raises(BackendError) as raised:
        get_backend("container", image=OFFICIAL_IMAGE).start()
    error = raised.value
    assert error.where == "--enjoin-backend container: Docker engine"
    assert error.expected == (
        f"a Docker engine answering at unix://{socket} "
        "(start one with scripts/docker-up.sh, or point DOCKER_HOST at one)"
    )
    assert error.found == (
        f"no Docker engine at unix://{socket}: "
        "('Connection aborted.', FileNotFoundError(2, 'No such file or directory'))"
    )


def test_engine_problem_on_a_closed_port(monkeypatch: pytest.MonkeyPatch) -> None:
    # Port 9 (discard) on loopback: nothing listens, the connection is refused at once.
    monkeypatch.setenv("DOCKER_HOST", "tcp://127.0.0.1:9")
    problem = engine_problem(timeout=2.0)
    assert problem is not None
    assert problem.startswith("no Docker engine at tcp://127.0.0.1:9: ")
    assert "Connection refused" in problem


def _pytest(*args: str, docker_host: str, require_docker: bool = False) -> tuple[int, list[str]]:
    """pytest on the container tests in a child process (without the project's plugin and conftest)."""
    env = {name: value for name, value in os.environ.items() if name != "ENJOIN_REQUIRE_DOCKER"}
    env["DOCKER_HOST"] = docker_host
    if require_docker:
        env["ENJOIN_REQUIRE_DOCKER"] = "1"
    done = subprocess.run(
        [sys.executable, "-m", "pytest", str(CONTAINER_TESTS), *args,
         "-p", "no:cacheprovider", "-p", "no:enjoin", "--noconftest"],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=300, check=False,
    )  # fmt: skip
    assert done.stderr == ""
    return done.returncode, done.stdout.splitlines()


def test_container_tests_are_skipped_with_one_line_without_engine(tmp_path: Path) -> None:
    docker_host = f"unix://{tmp_path / 'docker.sock'}"
    code, lines = _pytest("-rs", "-q", docker_host=docker_host)
    skip_line = next(
        number
        for number, text in enumerate(CONTAINER_TESTS.read_text().splitlines(), start=1)
        if "allow_module_level=True" in text
    )
    reason = (
        f"no Docker engine at {docker_host}: ('Connection aborted.', "
        "FileNotFoundError(2, 'No such file or directory')) "
        "(start one with scripts/docker-up.sh, or point DOCKER_HOST at one)"
    )
    assert [line for line in lines if line.startswith("SKIPPED")] == [
        f"SKIPPED [1] tests/test_container_backend.py:{skip_line}: {reason}"
    ]
    assert re.fullmatch(r"1 skipped in [0-9.]+s", lines[-1]), lines[-1]
    # The module is skipped before its tests are collected: pytest's "no tests collected" exit code.
    assert code == pytest.ExitCode.NO_TESTS_COLLECTED


def test_without_engine_ci_fails_instead_of_skipping(tmp_path: Path) -> None:
    docker_host = f"unix://{tmp_path / 'docker.sock'}"
    code, lines = _pytest("-q", docker_host=docker_host, require_docker=True)
    reason = (
        f"ENJOIN_REQUIRE_DOCKER=1 and no Docker engine at {docker_host}: ('Connection aborted.', "
        "FileNotFoundError(2, 'No such file or directory')) "
        "(start one with scripts/docker-up.sh, or point DOCKER_HOST at one)"
    )
    assert reason in lines, "\n".join(lines)
    assert any(
        re.fullmatch(r"_+ ERROR collecting tests/test_container_backend.py _+", line) for line in lines
    )
    assert code == pytest.ExitCode.INTERRUPTED  # a collection error stops the run
