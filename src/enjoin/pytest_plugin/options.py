"""enjoin's pytest settings: each one an option, an ini key and an environment variable, as pytest-django does.

A setting is taken from the first of these that gives it:

1. the command line (``--enjoin-config=PATH``; ``--enjoin-config PATH`` too, see :func:`refuse_misread_paths`);
2. the environment (``ENJOIN_CONFIG``), a path relative to the working directory;
3. the ini file (``enjoin_config = ...`` under ``[tool.pytest.ini_options]`` of ``pyproject.toml``, or ``[pytest]``
   of ``pytest.ini``), a path relative to the ini file;
4. the default. The configuration's default is ``enjoin.yaml`` in pytest's root directory, used only when it exists:
   a repository without one runs pytest as if enjoin were not installed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from enjoin.backends import BACKENDS


@dataclass(frozen=True, slots=True)
class Setting:
    """One of enjoin's settings and its three spellings."""

    name: str  # the ini key; the option is --enjoin-<rest>, the variable ENJOIN_<REST>
    metavar: str
    help: str
    kind: str = "string"  # string | path | paths | bool

    @property
    def option(self) -> str:
        return "--" + self.name.replace("_", "-")

    @property
    def env(self) -> str:
        return self.name.upper()

    @property
    def dest(self) -> str:
        return self.name


SETTINGS = (
    Setting("enjoin_config", "PATH", "the deployment's enjoin.yaml (default: enjoin.yaml in pytest's rootdir, if any)",
            "path"),
    Setting("enjoin_report", "PATH", "write the JSON verdict report there (its directory must exist)", "path"),
    Setting("enjoin_html", "PATH", "write the HTML report (one self-contained page) there (its directory must "
            "exist)", "path"),
    Setting("enjoin_sarif", "PATH", "write the SARIF 2.1.0 report there, for code-scanning tools (its directory "
            "must exist)", "path"),
    Setting("enjoin_oscal", "PATH", "write the OSCAL assessment results (JSON) there (its directory must exist)",
            "path"),
    Setting("enjoin_evidence", "DIR", "write the evidence bundle there: the JSON, HTML, SARIF and OSCAL reports, "
            "the snapshot and a manifest of their SHA-256 (created if missing, else it must be empty; re-check "
            "it with enjoin verify-evidence DIR)", "path"),
    Setting("enjoin_snapshot", "PATH", "write what the run read there as an evidence file, to judge again with "
            "enjoin judge --snapshot (its directory must exist)", "path"),
    Setting("enjoin_from_snapshot", "PATH", "judge this evidence file (a saved snapshot) instead of deploying: no "
            "backend is started and no AWS call made", "path"),
    Setting("enjoin_drift", "yes|no", "also a drift run: deploy the reviewed code into moto and compare it with what "
            "this run judged (the live accounts with --enjoin-backend=live, or --enjoin-from-snapshot); fails on any "
            "drift (default no)", "bool"),
    Setting("enjoin_drift_report", "PATH", "write the JSON drift report there (implies --enjoin-drift=yes; its "
            "directory must exist)", "path"),
    Setting("enjoin_backend", "NAME", "where the deployment runs: moto (in process, default), container (a moto "
            "server started by testcontainers), live (not available yet)"),
    Setting("enjoin_image", "IMAGE", "the emulator image for the container backend (default: enjoin.yaml's image:, "
            "else the locally built enjoin/moto-server image)"),
    Setting("enjoin_features", "PATHS", "the repository's own feature files or directories (comma-separated on the "
            "command line and in the variable), run with enjoin's steps under the configuration", "paths"),
    Setting("enjoin_shipped_features", "yes|no", "run the case's own feature files, shipped with enjoin "
            "(default yes; no: only the repository's)", "bool"),
)
_BY_NAME = {s.name: s for s in SETTINGS}


def add_options(parser: pytest.Parser) -> None:
    """Declare every setting as an option and an ini key."""
    group = parser.getgroup("enjoin", "enjoin: hold deployed permissions to a court order")
    for setting in SETTINGS:
        group.addoption(setting.option, dest=setting.dest, metavar=setting.metavar, default=None,
                        help=f"{setting.help}; also ini {setting.name}, variable {setting.env}")
        if setting.kind == "paths":
            parser.addini(setting.name, f"enjoin: {setting.help}", type="linelist")
        else:
            parser.addini(setting.name, f"enjoin: {setting.help}", type="string")


class SettingError(Exception):
    """A setting's value is unusable: the message names where it came from, what was expected and found."""


@dataclass(frozen=True, slots=True)
class Settings:
    """The resolved settings of one pytest run.

    Attributes:
        config_path: the enjoin.yaml to judge, absolute; None when none was given and none was found.
        config_source: where it came from: ``--enjoin-config``, ``ENJOIN_CONFIG``, ``ini enjoin_config``, or
            ``found`` (enjoin.yaml in the rootdir).
        report_path: where the JSON report goes, or None.
        snapshot_path: where the run's evidence file goes, or None.
        from_snapshot: the evidence file to judge instead of deploying, or None.
        backend: moto, container or live.
        image: the container backend's image, or None.
        features: the repository's own feature files or directories, absolute.
        shipped_features: whether the case's shipped feature files run.
        drift: whether the run is also a drift run (:mod:`enjoin.drift_run`).
        drift_report: where the JSON drift report goes, or None.
        renderings: where each other rendering of the report goes (``"html"``, ``"sarif"``, ``"oscal"``).
        evidence_dir: where the evidence bundle goes (:mod:`enjoin.report.bundle`), or None.
    """

    config_path: Path | None
    config_source: str
    report_path: Path | None
    backend: str
    image: str | None
    features: tuple[Path, ...]
    shipped_features: bool
    snapshot_path: Path | None = None
    from_snapshot: Path | None = None
    drift: bool = False
    drift_report: Path | None = None
    renderings: dict[str, Path] = field(default_factory=dict)
    evidence_dir: Path | None = None


def _raw(config: pytest.Config, name: str) -> tuple[str | list[str] | None, str, Path]:
    """A setting's raw value, where it came from, and the directory its paths are relative to."""
    setting = _BY_NAME[name]
    given = config.getoption(setting.dest)
    if given is not None:
        return given, setting.option, config.invocation_params.dir
    if setting.env in os.environ:
        return os.environ[setting.env], setting.env, config.invocation_params.dir
    ini = config.getini(name)
    if ini:
        base = config.inipath.parent if config.inipath is not None else config.rootpath
        return ini, f"ini {name} ({config.inipath.name if config.inipath else 'ini'})", base
    return None, "default", config.rootpath


def _path(value: str, base: Path) -> Path:
    return Path(os.path.abspath(base / Path(value).expanduser()))


def resolve(config: pytest.Config) -> Settings:
    """Every setting from the command line, the environment, the ini file or the default.

    Raises:
        SettingError: a value that cannot be used (an unknown backend, a report directory that does not exist...).
    """
    raw, source, base = _raw(config, "enjoin_config")
    if raw is None:
        found = config.rootpath / "enjoin.yaml"
        config_path = found if found.is_file() else None
        config_source = "found"
    else:
        if not isinstance(raw, str) or not raw.strip():
            raise SettingError(f"{source}: expected the path of an enjoin.yaml; found an empty value")
        config_path, config_source = _path(raw.strip(), base), source

    report = _output(config, "enjoin_report", "the JSON report", "a report path")
    snapshot = _output(config, "enjoin_snapshot", "the evidence file", "a snapshot path")
    from_snapshot: Path | None = None
    raw, source, base = _raw(config, "enjoin_from_snapshot")
    if isinstance(raw, str) and raw.strip():
        from_snapshot = _path(raw.strip(), base)
        if snapshot is not None:
            raise SettingError(f"{source} {raw}: expected no {_BY_NAME['enjoin_snapshot'].option} with it (the "
                               "evidence judged is already saved); found both")

    raw, source, _ = _raw(config, "enjoin_backend")
    backend = raw.strip() if isinstance(raw, str) and raw.strip() else "moto"
    if backend not in BACKENDS:
        raise SettingError(f"{source}: expected one of {', '.join(BACKENDS)}; found {backend!r}")

    raw, _, _ = _raw(config, "enjoin_image")
    image = raw.strip() if isinstance(raw, str) and raw.strip() else None

    raw, source, base = _raw(config, "enjoin_features")
    names = (raw.split(",") if isinstance(raw, str) else list(raw or ()))
    features = tuple(_path(n.strip(), base) for n in names if n.strip())
    for given, path in zip((n.strip() for n in names if n.strip()), features, strict=True):
        if not path.exists():
            raise SettingError(f"{source}: expected feature files or directories that exist; found no {given}")

    shipped = _yes_or_no(config, "enjoin_shipped_features", True)
    drift_report = _output(config, "enjoin_drift_report", "the JSON drift report", "a report path")
    drift = _yes_or_no(config, "enjoin_drift", False) or drift_report is not None

    renderings: dict[str, Path] = {}
    for kind in ("html", "sarif", "oscal"):
        rendering = _output(config, f"enjoin_{kind}", _WHAT[kind], "a report path")
        if rendering is not None:
            renderings[kind] = rendering
    return Settings(config_path, config_source, report, backend, image, features, shipped, snapshot, from_snapshot,
                    drift, drift_report, renderings, _evidence_dir(config))


_WHAT = {"html": "the HTML report", "sarif": "the SARIF report", "oscal": "the OSCAL assessment results"}


def _evidence_dir(config: pytest.Config) -> Path | None:
    """The evidence bundle's directory, checked before the run: new (its parent exists) or empty."""
    from enjoin.report.bundle import RENDERINGS, directory_problem, missing_renderer

    raw, source, base = _raw(config, "enjoin_evidence")
    if not (isinstance(raw, str) and raw.strip()):
        return None
    path = _path(raw.strip(), base)
    problem = directory_problem(path) or next(filter(None, map(missing_renderer, RENDERINGS)), None)
    if problem is not None:
        raise SettingError(f"{source} {raw}: {problem}")
    return path


def _yes_or_no(config: pytest.Config, name: str, default: bool) -> bool:
    raw, source, _ = _raw(config, name)
    if not (isinstance(raw, str) and raw.strip()):
        return default
    word = raw.strip().lower()
    if word not in {"yes", "no", "true", "false", "1", "0"}:
        raise SettingError(f"{source}: expected yes or no; found {raw!r}")
    return word in {"yes", "true", "1"}


def _output(config: pytest.Config, name: str, what: str, noun: str) -> Path | None:
    """An output file's path, checked before the run: its directory must exist and be writable."""
    from enjoin.report.evidence import output_problem

    raw, source, base = _raw(config, name)
    if not (isinstance(raw, str) and raw.strip()):
        return None
    path = _path(raw.strip(), base)
    problem = output_problem(path, what, noun)
    kind = name.removeprefix("enjoin_")
    if problem is None and kind in _WHAT:
        from enjoin.report.bundle import missing_renderer

        problem = missing_renderer(kind)
    if problem is not None:
        raise SettingError(f"{source} {raw}: {problem}")
    return path


def refuse_misread_paths(config: pytest.Config) -> str | None:
    """Why the space form ``--enjoin-report PATH`` cannot be used in this run, or None when it can.

    pytest chooses its root directory and ini file from the command line's paths before it loads plugins, so
    the value of ``--enjoin-config PATH`` (with a space) that names an existing file is at first taken for a
    test path. The run is right all the same when that choice comes out as it would have without the value
    (the file is inside the project); only when it does not (a report in /tmp, a configuration elsewhere), is
    the run refused, with the fix.
    """
    args = list(config.invocation_params.args)
    values = {}
    for setting in SETTINGS:
        if setting.kind not in {"path", "paths"}:
            continue
        for index, arg in enumerate(args[:-1]):
            if arg == setting.option and Path(args[index + 1]).exists():
                values[index + 1] = setting
    if not values:
        return None
    try:
        from _pytest.config.findpaths import determine_setup  # private: pytest offers no public way to ask
    except ImportError:  # pragma: no cover - a pytest that moved it: refuse rather than guess
        rootpath, inipath = None, None
    else:
        kept = [a for i, a in enumerate(args) if i not in values and not a.startswith("-")]
        try:
            rootpath, inipath, *_ = determine_setup(
                inifile=config.option.inifilename,
                override_ini=config.option.override_ini,
                args=kept,
                rootdir_cmd_arg=config.option.rootdir or None,
                invocation_dir=config.invocation_params.dir,
            )
        except Exception:  # any failure to recompute: enjoin cannot vouch for the choice, so it refuses
            rootpath, inipath = None, None
    if rootpath == config.rootpath and inipath == config.inipath:
        return None
    index, setting = next(iter(values.items()))
    value = args[index]
    return (
        f"{setting.option} {value}: pytest took {value!r} for a test path and chose its rootdir ({config.rootpath}) "
        f"from it; write {setting.option}={value} instead"
    )
