"""Validation ahead of deployment: cfn-lint checks every template in another process while enjoin deploys.

Validating a template costs about as much as deploying it into the in-process emulator, and both are
pure Python: run one after the other, a user waits for both. So :class:`ValidationAhead` hands every
template to a worker process as soon as the templates are read, and deploy asks for the verdicts at the
end, or at once when a deployment step fails (a refusal explains a template bug better than the
emulator's error). A template CloudFormation would refuse is therefore still refused, with the same
TemplateRejected, before any verdict is given; what was deployed into the emulator meanwhile goes with it.

The worker is this module run as a program (``python -m enjoin.iac.cloudformation.ahead``), started once per
process and kept for later deployments; it reads one job a line (JSON) and answers one line of problems.
A plain subprocess, not multiprocessing: a spawned multiprocessing child would import the caller's main
script again. If the worker cannot run or dies, validation runs in this process instead.
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from enjoin.iac.cloudformation.validate import Problem, refuse_blocking, validate

Job = tuple[Path, str, str, Mapping[str, str]]  # the template's file, its text, the region, the parameters

_lock = threading.Lock()
_worker: subprocess.Popen[str] | None = None


class ValidationAhead:
    """Validates templates in the worker process; :meth:`refuse` raises the first template's refusal."""

    def __init__(self, jobs: Sequence[Job]) -> None:
        self._jobs = list(jobs)
        self._results: list[list[Problem]] = []
        self._worker = _send(self._jobs)  # None: validated here, when asked

    def refuse(self) -> None:
        """Wait for every template's validation; raise TemplateRejected for the first that blocks."""
        self._collect()
        for job, problems in zip(self._jobs, self._results, strict=True):
            refuse_blocking(job[0], problems)

    def _collect(self) -> None:
        while len(self._results) < len(self._jobs):
            job = self._jobs[len(self._results)]
            answer = _receive(self._worker) if self._worker is not None else None
            if answer is None:
                self._worker = None
                answer = validate(*job)
            self._results.append(answer)

    def __enter__(self) -> ValidationAhead:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if self._worker is not None and len(self._results) < len(self._jobs):
            self._collect()  # the worker's answers are read, so that the next deployment gets its own


def _started() -> subprocess.Popen[str] | None:
    global _worker
    if _worker is None or _worker.poll() is not None:
        try:
            _worker = subprocess.Popen(
                [sys.executable, "-m", "enjoin.iac.cloudformation.ahead"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
            )
        except OSError:
            _worker = None
    return _worker


def _send(jobs: Sequence[Job]) -> subprocess.Popen[str] | None:
    with _lock:
        worker = _started()
        if worker is None or worker.stdin is None:
            return None
        try:
            for path, text, region, parameters in jobs:
                job = {"path": str(path), "text": text, "region": region, "parameters": dict(parameters)}
                worker.stdin.write(json.dumps(job) + "\n")
            worker.stdin.flush()
        except OSError:
            return None
        return worker


def _receive(worker: subprocess.Popen[str]) -> list[Problem] | None:
    stdout: IO[str] | None = worker.stdout
    line = stdout.readline() if stdout is not None else ""
    if not line.strip():
        return None  # the worker died or gave up: the caller validates in this process
    return [_problem(p) for p in json.loads(line)]


def _problem(data: dict[str, Any]) -> Problem:
    return Problem(**{**data, "path": tuple(data["path"])})


def main() -> None:
    """The worker: one JSON job a line on standard input, one JSON list of problems a line on standard output."""
    for line in sys.stdin:
        job = json.loads(line)
        try:
            problems = validate(Path(job["path"]), job["text"], job["region"], job["parameters"])
        except Exception:  # the caller validates this template itself and reports what happens there
            sys.stdout.write("\n")
            sys.stdout.flush()
            return
        sys.stdout.write(json.dumps([dataclasses.asdict(p) for p in problems]) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
