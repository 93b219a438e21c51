"""enjoin's pytest plugin (the ``pytest11`` entry point): options, the session's pipeline, the report.

The pipeline is built once per session, the first time a scenario asks for it (deploying is the costly
part), and shared by every scenario through the ``enjoin_result`` fixture. At the end of the session the
verdict report is written (``--enjoin-report``) and the run fails on any VIOLATION or INDETERMINATE, even
if no scenario happened to assert the clause. A user's mistake (bad enjoin.yaml, a template moto rejects)
is shown as its one-line error, not as a stack trace. This is the only module of enjoin that imports pytest.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from enjoin.errors import EnjoinError

_KEY = pytest.StashKey["EnjoinSession"]()


@dataclass(slots=True)
class EnjoinSession:
    """The session's pipeline, built on first use; an error is kept and shown once per scenario."""

    config_path: Path
    backend: str
    image: str | None
    report_path: Path | None
    _result: object | None = None
    _error: EnjoinError | None = None
    _judgments: dict[dt.date, object] = field(default_factory=dict)

    def result(self) -> object:
        """The PipelineResult; raises the EnjoinError that building it met."""
        if self._error is not None:
            raise self._error
        if self._result is None:
            from enjoin.pipeline import run_pipeline

            try:
                self._result = run_pipeline(self.config_path, self.backend, image=self.image)
            except EnjoinError as exc:
                self._error = exc
                raise
        return self._result

    @property
    def built(self) -> bool:
        return self._result is not None


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("enjoin", "enjoin: hold deployed permissions to a court order")
    group.addoption(
        "--enjoin-config",
        metavar="PATH",
        default=None,
        help="the deployment's enjoin.yaml (default: enjoin.yaml at the repository root)",
    )
    group.addoption("--enjoin-report", metavar="PATH", default=None, help="write the JSON verdict report there")
    group.addoption(
        "--enjoin-backend",
        metavar="NAME",
        default="moto",
        help="where the deployment runs: moto (in process, default), container (a moto server "
        "started by testcontainers), live (not available yet)",
    )
    group.addoption(
        "--enjoin-image",
        metavar="IMAGE",
        default=None,
        help="the emulator image for --enjoin-backend container (default: enjoin.yaml's image:, "
        "else the locally built enjoin/moto-server image)",
    )


def pytest_configure(config: pytest.Config) -> None:
    _register_clause_marks(config)
    _refuse_misread_paths(config)
    given = config.getoption("--enjoin-config")
    path = Path(given) if given else Path(config.rootpath) / "enjoin.yaml"
    report = config.getoption("--enjoin-report")
    config.stash[_KEY] = EnjoinSession(
        config_path=path.resolve(),
        backend=config.getoption("--enjoin-backend"),
        image=config.getoption("--enjoin-image"),
        report_path=Path(report).resolve() if report else None,
    )


def _refuse_misread_paths(config: pytest.Config) -> None:
    """pytest picks its rootdir and ini file before plugins' options are known, so the value of
    ``--enjoin-report PATH`` (with a space) that names an existing file is taken for a test path: pytest
    then runs from that file's directory without the project's configuration. Say so, instead of running
    the wrong tests."""
    if config.inipath is not None:
        return
    args = list(config.invocation_params.args)
    for option in ("--enjoin-config", "--enjoin-report"):
        if option in args[:-1] and Path(args[args.index(option) + 1]).exists():
            value = args[args.index(option) + 1]
            raise pytest.UsageError(
                f"{option} {value}: pytest took {value!r} for a test path and found no configuration "
                f"(rootdir {config.rootpath}); write {option}={value} instead"
            )


def _register_clause_marks(config: pytest.Config) -> None:
    """pytest-bdd turns scenario tags into marks: declare the shipped cases' clause and order ids as marks."""
    from enjoin.case import load_case, shipped_cases
    from enjoin.errors import CaseError

    for name in shipped_cases():
        try:
            case = load_case(name)
        except CaseError:  # a broken shipped case is reported by the tests that load it
            continue
        for clause in case.clauses:
            config.addinivalue_line("markers", f"{clause.id}: scenarios checking clause {clause.id} of {name}")
        for order in case.orders:
            config.addinivalue_line("markers", f"{order.id}: scenarios about {order.docket} of {name}")


@pytest.fixture(scope="session")
def enjoin_session(request: pytest.FixtureRequest) -> EnjoinSession:
    """The session's enjoin state (options and the lazily built pipeline)."""
    return request.config.stash[_KEY]


@pytest.fixture(scope="session")
def enjoin_result(enjoin_session: EnjoinSession) -> object:
    """The deployment deployed, read back, reached and judged (a :class:`enjoin.pipeline.PipelineResult`)."""
    try:
        return enjoin_session.result()
    except EnjoinError as exc:
        pytest.fail(f"enjoin: {exc}", pytrace=False)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    state: EnjoinSession | None = session.config.stash.get(_KEY, None)
    if state is None:
        return
    if state.report_path is not None and not state.built and state._error is None:
        # A report was asked for although no scenario ran: build it now, the report is the contract.
        with contextlib.suppress(EnjoinError):  # kept in state._error and shown in the summary
            state.result()
    if state._error is not None:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        return
    if not state.built:
        return
    from enjoin.judgment import Verdict
    from enjoin.pipeline import PipelineResult
    from enjoin.report import to_report

    result = state.result()
    assert isinstance(result, PipelineResult)
    if state.report_path is not None:
        state.report_path.write_text(json.dumps(to_report(result.judgment), indent=2) + "\n", encoding="utf-8")
    if result.judgment.verdict in (Verdict.VIOLATION, Verdict.INDETERMINATE):
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, exitstatus: int, config: pytest.Config) -> None:
    state: EnjoinSession | None = config.stash.get(_KEY, None)
    if state is None:
        return
    if state._error is not None:
        terminalreporter.write_sep("=", "enjoin: the deployment could not be judged", red=True)
        terminalreporter.write_line(str(state._error))
        return
    if not state.built:
        return
    from enjoin.judgment import Verdict
    from enjoin.pipeline import PipelineResult
    from enjoin.report import summary

    result = state.result()
    assert isinstance(result, PipelineResult)
    bad = result.judgment.verdict in (Verdict.VIOLATION, Verdict.INDETERMINATE)
    terminalreporter.write_sep("=", f"enjoin verdict: {result.judgment.verdict.value}", red=bad, green=not bad)
    terminalreporter.write_line(summary(result.judgment))
    if state.report_path is not None:
        terminalreporter.write_line(f"report written to {state.report_path}")
