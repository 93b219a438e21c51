"""enjoin's pytest plugin (the ``pytest11`` entry point): with enjoin installed, ``pytest`` judges a deployment.

In a repository with an ``enjoin.yaml`` (in pytest's rootdir, or named by ``--enjoin-config``, ``ENJOIN_CONFIG`` or
the ini key ``enjoin_config``: :mod:`.options`), the configuration is collected as a test file whose items are the
scenarios of the case's shipped feature files and of the repository's own (:mod:`.collect`); the steps
(:mod:`.steps`) and fixtures (:mod:`.fixtures`) are registered here, so a repository needs no conftest. The
configuration is collected when no test paths are named on the command line, or when ``--enjoin-config`` is; a
run naming other paths (``pytest tests/``) judges only if one of its tests asks for the deployment.

The pipeline is built once per session, the first time a scenario asks for it, or judged from a saved snapshot
(``--enjoin-from-snapshot``, :mod:`enjoin.report.evidence`) without a backend. At the end the evidence file
(``--enjoin-snapshot``) and the JSON report (``--enjoin-report``) are written; with ``--enjoin-drift`` what the run
judged is compared with the reviewed code deployed into moto (:mod:`enjoin.drift_run`) and the drift report
(``--enjoin-drift-report``) written. The exit status is set from the verdict and the drift
(:mod:`enjoin.exitcodes`): 0 COMPLIANT or NOT_APPLICABLE, 1 VIOLATION or INDETERMINATE (or drift), 2 bad input, 3
enjoin's own failure; never pytest's 5 when the configuration was collected. A user's mistake is shown as its
one-line error, not as a stack trace.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path

import pytest

from enjoin.errors import EnjoinError
from enjoin.pytest_plugin.collect import ConfigFile
from enjoin.pytest_plugin.options import SettingError, Settings, add_options, refuse_misread_paths, resolve
from enjoin.pytest_plugin.session import EnjoinSession, combined_status

pytest_plugins = [
    "enjoin.pytest_plugin.fixtures",
    "enjoin.pytest_plugin.standard_reports",
    "enjoin.pytest_plugin.steps.deployment",
    "enjoin.pytest_plugin.steps.clause",
    "enjoin.pytest_plugin.steps.order",
    "enjoin.pytest_plugin.steps.question",
    "enjoin.pytest_plugin.steps.row",
]

_KEY = pytest.StashKey[EnjoinSession]()
_SETTINGS = pytest.StashKey[Settings]()


def state_of(config: pytest.Config) -> EnjoinSession:
    """The run's enjoin state (the plugin is active: a configuration was given or found)."""
    return config.stash[_KEY]


def pytest_addoption(parser: pytest.Parser) -> None:
    add_options(parser)


def pytest_configure(config: pytest.Config) -> None:
    _register_clause_marks(config)
    misread = refuse_misread_paths(config)
    if misread is not None:
        pytest.exit(f"enjoin: {misread}", returncode=2)
    try:
        settings = resolve(config)
    except SettingError as exc:
        pytest.exit(f"enjoin: {exc}", returncode=2)
    if settings.config_path is None:
        wants = next((option for option, value in (("--enjoin-report", settings.report_path),
                                                   ("--enjoin-snapshot", settings.snapshot_path),
                                                   ("--enjoin-from-snapshot", settings.from_snapshot),
                                                   ("--enjoin-drift-report", settings.drift_report),
                                                   ("--enjoin-evidence", settings.evidence_dir),
                                                   *((f"--enjoin-{k}", p) for k, p in settings.renderings.items()))
                      if value is not None), None)
        if wants is not None:
            pytest.exit(f"enjoin: {wants}: expected an enjoin.yaml to judge (--enjoin-config, ENJOIN_CONFIG, "
                        f"ini enjoin_config, or enjoin.yaml in {config.rootpath}); found none", returncode=2)
        return  # no configuration: pytest runs as if enjoin were not installed
    if not settings.config_path.is_file():
        path = settings.config_path
        what = ("a directory" if path.is_dir() else
                "a symbolic link that leads to no file (a loop, or a missing target)" if path.is_symlink() else
                "no such file")
        pytest.exit(f"enjoin: {settings.config_source} {settings.config_path}: expected an enjoin.yaml; found {what}",
                    returncode=2)
    config.stash[_SETTINGS] = settings
    config.stash[_KEY] = EnjoinSession(
        config_path=settings.config_path,
        backend=settings.backend,
        image=settings.image,
        report_path=settings.report_path,
        snapshot_path=settings.snapshot_path,
        from_snapshot=settings.from_snapshot,
        drift=settings.drift,
        drift_report=settings.drift_report,
        renderings=dict(settings.renderings),
        evidence_dir=settings.evidence_dir,
    )
    named_paths = config.args_source is pytest.Config.ArgsSource.ARGS
    if not named_paths or config.getoption("enjoin_config") is not None:
        _collect_the_configuration(config, settings.config_path)


def _collect_the_configuration(config: pytest.Config, path: Path) -> None:
    """Make pytest collect the configuration file, unless a path it collects already holds it.

    A ``testpaths`` entry naming another ``enjoin.yaml`` (a project's default configuration, while this run
    judges one given by ``--enjoin-config``) is left out: it is not this run's configuration, and pytest would
    otherwise stop on a file nothing collects.
    """
    if config.args_source is pytest.Config.ArgsSource.TESTPATHS:
        kept = [a for a in config.args if not (a.endswith((".yaml", ".yml")) and Path(a).is_file()
                                               and Path(os.path.abspath(a)) != path)]
        config.args[:] = kept
    for arg in config.args:
        target = Path(os.path.abspath(config.invocation_params.dir / arg.split("::", 1)[0]))
        if target == path or (target.is_dir() and path.is_relative_to(target)):
            return
    config.args.append(str(path))


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    settings = parent.config.stash.get(_SETTINGS, None)
    if settings is None or file_path != settings.config_path:
        return None
    collector = ConfigFile.from_parent(parent, path=file_path, nodeid=_node_id(parent.config, file_path))
    collector.features = settings.features
    collector.shipped = settings.shipped_features
    return collector


def _node_id(config: pytest.Config, path: Path) -> str:
    """How pytest names the configuration: relative to the rootdir, else to the working directory, else absolute
    (pytest's own name for a file outside the rootdir would be empty)."""
    for base in (config.rootpath, config.invocation_params.dir):
        if path.is_relative_to(base):
            return path.relative_to(base).as_posix()
    return path.as_posix()


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
    config.addinivalue_line("markers", "timeline: scenarios about which order binds on a date")


@pytest.fixture(scope="session")
def enjoin_session(request: pytest.FixtureRequest) -> EnjoinSession:
    """The session's enjoin state (options and the lazily built pipeline)."""
    state = request.config.stash.get(_KEY, None)
    if state is None:
        pytest.fail("enjoin: no enjoin.yaml to judge: give --enjoin-config=PATH, ENJOIN_CONFIG or the ini key "
                    f"enjoin_config, or put enjoin.yaml in {request.config.rootpath}", pytrace=False)
    return state


@pytest.fixture(scope="session")
def enjoin_result(enjoin_session: EnjoinSession) -> object:
    """The deployment deployed, read back, reached and judged (a :class:`enjoin.pipeline.PipelineResult`)."""
    try:
        return enjoin_session.result()
    except EnjoinError as exc:
        pytest.fail(f"enjoin: {exc}", pytrace=False)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    state = session.config.stash.get(_KEY, None)
    if state is None or session.config.option.collectonly:
        return
    if int(exitstatus) == pytest.ExitCode.NO_TESTS_COLLECTED:
        # A configuration was given or found: "no tests ran" is not an answer, the verdict is.
        state.collected = True
    if state.wanted and not state.built and state.error is None and int(exitstatus) in (0, 1, 5):
        # The verdict is owed although no scenario asked for it (all deselected, or only a report wanted).
        with contextlib.suppress(Exception):  # kept in the state: the summary shows it, the exit code says which
            state.result()
    if not state.wanted:
        return
    if state.built and state.snapshot_path is not None:
        try:
            state.save_evidence()
        except (OSError, EnjoinError) as exc:
            state.record(exc)
    if state.built:
        state.write_reports()
    if state.built and state.drift:
        _drift(state)
    session.exitstatus = combined_status(int(exitstatus), state.exit_code())


def _drift(state: EnjoinSession) -> None:
    """Make the drift run (``--enjoin-drift``) and write its report; what stops it is kept as the run's error."""
    try:
        run = state.drift_run()
        if state.drift_report is not None:
            from enjoin.report.drift import to_drift_report
            from enjoin.report.evidence import write_atomically

            report = to_drift_report(run.drift, run.code.judgment, run.code.source, run.live.source)
            write_atomically(state.drift_report, json.dumps(report, indent=2) + "\n")
    except Exception as exc:  # kept: the summary shows it; its exit code says whose it is (2 input, 3 environment)
        state.record(exc)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, exitstatus: int, config: pytest.Config) -> None:
    state = config.stash.get(_KEY, None)
    if state is None or not state.wanted:
        return
    if state.error is not None:
        if not state.shown:
            terminalreporter.write_sep("=", "enjoin: the deployment could not be judged", red=True)
            terminalreporter.write_line(state.describe_error())
        return
    if not state.built:
        return
    from enjoin.judgment import Verdict
    from enjoin.report import summary

    judgment = state.result().judgment
    bad = judgment.verdict in (Verdict.VIOLATION, Verdict.INDETERMINATE)
    terminalreporter.write_sep("=", f"enjoin verdict: {judgment.verdict.value}", red=bad, green=not bad)
    terminalreporter.write_line(summary(judgment))
    if state.evidence is not None:
        terminalreporter.write_line(f"judged the snapshot {state.from_snapshot}, {state.evidence.describe()}")
    if state.report_path is not None:
        terminalreporter.write_line(f"report written to {state.report_path}")
    for kind, path in sorted(state.renderings.items()):
        terminalreporter.write_line(f"{kind.upper()} report written to {path}")
    if state.evidence_dir is not None:
        terminalreporter.write_line(f"evidence bundle written to {state.evidence_dir} (re-check it with enjoin "
                                    f"verify-evidence {state.evidence_dir})")
    if state.snapshot_path is not None and state.error is None:
        terminalreporter.write_line(f"snapshot written to {state.snapshot_path}")
    run = state.drifted
    if run is not None:
        from enjoin.report.drift import summary as drift_summary

        failed = run.drift.worse or run.drift.drifted
        terminalreporter.write_sep("=", f"enjoin drift: {'DRIFT' if failed else 'none'}", red=failed, green=not failed)
        terminalreporter.write_line(drift_summary(run.drift, run.code.source, run.live.source))
        if state.drift_report is not None:
            terminalreporter.write_line(f"drift report written to {state.drift_report}")
