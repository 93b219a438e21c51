"""The session's pipeline, built once on first use, and the exit status it gives the run.

Deploying is the costly part, so the pipeline is built the first time a scenario asks for it and shared by
every scenario. What stopped it is kept: an :class:`~enjoin.errors.EnjoinError` (the user's input or the
environment) or any other exception (enjoin's own failure), each with its exit code (:mod:`enjoin.exitcodes`).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from enjoin.errors import EnjoinError
from enjoin.exitcodes import ExitCode, for_drift, for_error, for_verdict

if TYPE_CHECKING:
    from enjoin.drift_run import DriftRun
    from enjoin.pipeline import PipelineResult
    from enjoin.report.evidence import Evidence


@dataclass(slots=True)
class EnjoinSession:
    """The run's enjoin state: what to judge, and the result or what stopped it.

    Attributes:
        config_path: the enjoin.yaml judged.
        backend, image: where it is deployed.
        report_path: where the JSON report goes, or None.
        snapshot_path: where the evidence file of the run goes (:mod:`enjoin.report.evidence`), or None.
        from_snapshot: an evidence file judged instead of deploying (no backend is started), or None.
        collected: whether the configuration was collected as a test file (its scenarios are part of the run):
            then the verdict is given even if no scenario asked for it.
        drift: whether the run is also a drift run: what it judged (the live side) is compared with the reviewed
            code deployed into moto (:meth:`drift_run`), and any drift fails the run.
        drift_report: where the JSON drift report goes, or None.
        renderings: where each other rendering of the report goes (``"html"``, ``"sarif"``, ``"oscal"``).
        evidence_dir: where the evidence bundle goes (:mod:`enjoin.report.bundle`), or None.
    """

    config_path: Path
    backend: str
    image: str | None
    report_path: Path | None
    snapshot_path: Path | None = None
    from_snapshot: Path | None = None
    collected: bool = False
    drift: bool = False
    drift_report: Path | None = None
    renderings: dict[str, Path] = field(default_factory=dict)
    evidence_dir: Path | None = None
    shown: bool = False  # the error was already shown (as the configuration's collection error)
    _result: PipelineResult | None = None
    _error: BaseException | None = None
    _judgments: dict[dt.date, object] = field(default_factory=dict)
    _started: dt.datetime | None = None  # when the run began (that read the accounts, or judged the snapshot)
    _finished: dt.datetime | None = None  # when it had judged
    _evidence: Evidence | None = None  # the evidence judged (from_snapshot)
    _drift: DriftRun | None = None

    def result(self) -> PipelineResult:
        """The PipelineResult; raises what building it met (the same exception each time)."""
        if self._error is not None:
            raise self._error
        if self._result is None:
            from enjoin.pipeline import run_pipeline
            from enjoin.report.evidence import judge_evidence

            try:
                self._started = dt.datetime.now(dt.UTC)
                if self.from_snapshot is not None:
                    self._result, self._evidence = judge_evidence(self.config_path, self.from_snapshot)
                else:
                    self._result = run_pipeline(self.config_path, self.backend, image=self.image)
                self._finished = dt.datetime.now(dt.UTC)
            except Exception as exc:  # kept: every scenario and the summary show the same failure
                self._error = exc
                raise
        return self._result

    def save_evidence(self) -> None:
        """Write the run's evidence file (``snapshot_path``), the pipeline built from a backend.

        Raises:
            OSError: the file cannot be written.
            ConfigError: a configuration file cannot be read again to take its digest.
        """
        from enjoin.report import evidence

        if self.snapshot_path is None or self._result is None or self._evidence is not None:
            return
        evidence.write_atomically(self.snapshot_path, self.evidence_text())

    def evidence_text(self) -> str:
        """The evidence file of what the run judged: taken now from the backend's snapshot, or the saved
        snapshot's file as it was judged.

        Raises:
            ConfigError: a configuration file cannot be read again to take its digest.
            EvidenceError: the judged evidence file cannot be read again.
        """
        from enjoin.errors import EvidenceError
        from enjoin.report import evidence
        from enjoin.textfile import read_text

        result = self.result()
        if self.from_snapshot is not None:
            return read_text(self.from_snapshot, EvidenceError, str(self.from_snapshot), "saved snapshot")
        assert self._started is not None  # set by result()
        return evidence.take(result.config, result.snapshot, self.backend, self._started).to_json()

    def report(self) -> dict[str, Any]:
        """The JSON verdict contract of the run, with its provenance (:mod:`enjoin.report.provenance`).

        Raises:
            ConfigError, CaseError, EvidenceError: an input file cannot be read again to take its digest.
        """
        from enjoin.report import provenance, to_report

        result = self.result()
        assert self._started is not None and self._finished is not None  # set by result()
        if self._evidence is not None and self.from_snapshot is not None:
            made = provenance.of_snapshot(result.config, self._evidence, self.from_snapshot, self._started,
                                          self._finished)
        else:
            made = provenance.of_run(result.config, self.backend, self._started, self._finished)
        return to_report(result.judgment, made.to_dict())

    def write_reports(self) -> None:
        """Write every report asked for: the JSON report, the other renderings, the evidence bundle. What stops
        one is kept as the run's error (the summary shows it; its exit code says whose it is)."""
        from enjoin.report import bundle
        from enjoin.report.evidence import write_atomically

        if not (self.report_path or self.renderings or self.evidence_dir):
            return
        try:
            report = self.report()
            if self.report_path is not None:
                write_atomically(self.report_path, json.dumps(report, indent=2) + "\n")
            for kind, path in sorted(self.renderings.items()):
                write_atomically(path, bundle.render_text(kind, report))
            if self.evidence_dir is not None:
                bundle.write(self.evidence_dir, report, self.evidence_text())
        except Exception as exc:  # kept: an OSError or a renderer's failure is enjoin's (3), an input's is 2
            self.record(exc)

    def drift_run(self) -> DriftRun:
        """The drift of what this run judged (the live side) from the reviewed code deployed into moto, made once.

        Raises:
            EnjoinError: the code cannot be deployed, or what the run judged could not be built.
        """
        if self._drift is None:
            from enjoin.drift_run import Side, code_side, own_roles, run_drift

            result = self.result()
            where = (f"the evidence file {self.from_snapshot}" if self.from_snapshot is not None
                     else f"the {self.backend} backend")
            live = Side(result.snapshot, result.judgment, where)
            self._drift = run_drift(code_side(result.config, result.judgment.as_of), live, own_roles(result.config))
        return self._drift

    @property
    def drifted(self) -> DriftRun | None:
        """The drift run, once made."""
        return self._drift

    @property
    def evidence(self) -> Evidence | None:
        """The evidence judged, when the run judged a saved snapshot."""
        return self._evidence

    def record(self, error: BaseException, *, shown: bool = False) -> None:
        """Keep an error met outside :meth:`result` (the configuration refused at collection, the report
        unwritable); ``shown`` when pytest already showed it."""
        if self._error is None:
            self._error = error
            self.shown = shown

    @property
    def built(self) -> bool:
        return self._result is not None

    @property
    def error(self) -> BaseException | None:
        return self._error

    @property
    def wanted(self) -> bool:
        """Whether this run owes a verdict: its scenarios were collected, a report or the evidence file was asked
        for, or a test already asked for the result."""
        return (self.collected or self.report_path is not None or self.snapshot_path is not None or self.built
                or bool(self.renderings) or self.evidence_dir is not None or self._error is not None)

    def exit_code(self) -> ExitCode:
        """The exit code enjoin gives the run: what stopped the pipeline, else the verdict's."""
        if self._error is not None:
            return for_error(self._error)
        if self._result is None:
            return ExitCode.COMPLIANT
        verdict = for_verdict(self._result.judgment.verdict)
        if self._drift is None:
            return verdict
        return max(verdict, for_drift(self._drift.drift.worse, self._drift.drift.drifted))

    def describe_error(self) -> str:
        """The error as one line (an EnjoinError says where, expected and found), or the bug it is."""
        error = self._error
        if error is None:
            return ""
        if isinstance(error, EnjoinError):
            return str(error)
        return (f"enjoin failed: {type(error).__name__}: {error} (this is a bug in enjoin, not in your input; "
                "the failing scenario shows the traceback)")


def combined_status(pytest_status: int, enjoin: ExitCode) -> int:
    """The run's exit status from pytest's and enjoin's.

    pytest's "no tests collected" (5) does not stand when enjoin gave a verdict; otherwise the graver of the two
    wins (3 > 2 > 1 > 0), so a failing test of the repository's own still fails a COMPLIANT run.
    """
    pytest_part = 0 if pytest_status == 5 else int(pytest_status)
    return max(pytest_part, int(enjoin))
