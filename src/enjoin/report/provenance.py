"""Provenance: what a report was made from, so that it can stand as evidence on its own.

Every report (the JSON contract's ``provenance`` key, and each rendering of it) says::

    {
     "configuration": "enjoin.yaml",      the enjoin.yaml judged, as the run named it (relative to the
                                          working directory when inside it)
     "configuration_files": [{"path": "enjoin.yaml", "sha256": "..."}, ...],  it and each file it extends
     "case": {"name": "ca-v-hhs", "path": "enjoin:cases/ca-v-hhs.yaml", "sha256": "..."},  the case file judged
                                          by (a shipped case is named inside the installed enjoin)
     "inputs": [{"path": "infra/x.yaml", "sha256": "..."}, ...],  the templates and organization policy files
                                          the judged state was deployed from (recorded in the snapshot when one
                                          was judged)
     "backend": "moto",                   where the accounts were read: moto, container, live; null when a
                                          saved snapshot was judged (then "snapshot" says where it was read)
     "snapshot": null | {"path", "sha256", "taken_at", "backend", "enjoin_version"},  the saved snapshot
                                          judged: its file, its own digest (the evidence file's sha256), when
                                          and where it was read and by which enjoin
     "started_at": "2026-02-01T03:00:00Z", "finished_at": "...",  the run's start and end (UTC, ISO 8601)
     "versions": {"enjoin": "0.1.0", "python": "3.11.7", "moto": "...", "botocore": "...", "boto3": "..."},
     "platform": "Linux-6.1.0-x86_64-with-glibc2.36"   the host's (Python's platform.platform())
    }

Paths of files are relative to the enjoin.yaml's directory, as in the evidence file (:mod:`.evidence`), so a
report names no machine's layout beyond the configuration's own path. A digest is of the file's bytes.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import importlib.metadata
import os
import platform
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from enjoin import __version__
from enjoin.case import shipped_case_path, shipped_cases
from enjoin.config_model import Config
from enjoin.errors import CaseError, EvidenceError
from enjoin.report.evidence import Evidence, FileDigest, configuration_files, input_files
from enjoin.textfile import parse_json, read_text
from enjoin.yamlload import shown_path

# The libraries whose versions decide what a run deploys and reads (moto emulates AWS; botocore and boto3 speak
# to it or to the accounts), besides enjoin's and Python's.
_LIBRARIES = ("moto", "botocore", "boto3")
_TIME = "%Y-%m-%dT%H:%M:%SZ"


@dataclass(frozen=True, slots=True)
class SnapshotSource:
    """The saved snapshot a run judged: its file, its own digest, and where and when it was read."""

    path: str
    sha256: str
    taken_at: dt.datetime
    backend: str
    enjoin_version: str


@dataclass(frozen=True, slots=True)
class Provenance:
    """What a report was made from (the module docstring describes each field)."""

    configuration: str
    configuration_files: tuple[FileDigest, ...]
    case: str
    case_file: FileDigest
    inputs: tuple[FileDigest, ...]
    backend: str | None
    snapshot: SnapshotSource | None
    started_at: dt.datetime
    finished_at: dt.datetime
    versions: dict[str, str]
    platform: str

    def to_dict(self) -> dict[str, Any]:
        """The ``provenance`` key of the JSON contract."""
        return {
            "configuration": self.configuration,
            "configuration_files": [dataclasses.asdict(f) for f in self.configuration_files],
            "case": {"name": self.case, **dataclasses.asdict(self.case_file)},
            "inputs": [dataclasses.asdict(f) for f in self.inputs],
            "backend": self.backend,
            "snapshot": None if self.snapshot is None else {
                "path": self.snapshot.path,
                "sha256": self.snapshot.sha256,
                "taken_at": _time(self.snapshot.taken_at),
                "backend": self.snapshot.backend,
                "enjoin_version": self.snapshot.enjoin_version,
            },
            "started_at": _time(self.started_at),
            "finished_at": _time(self.finished_at),
            "versions": dict(self.versions),
            "platform": self.platform,
        }


def of_run(config: Config, backend: str, started_at: dt.datetime, finished_at: dt.datetime) -> Provenance:
    """The provenance of a run that deployed (or read) the accounts through ``backend``.

    Raises:
        ConfigError: a configuration file, template or policy file cannot be read again to take its digest.
        CaseError: the case file cannot be read.
    """
    return Provenance(
        configuration=shown_path(config.path),
        configuration_files=configuration_files(config),
        case=config.case,
        case_file=case_file(config),
        inputs=tuple(f for f in input_files(config) if not _is_case(f, config)),
        backend=backend,
        snapshot=None,
        started_at=started_at,
        finished_at=finished_at,
        versions=versions(),
        platform=platform.platform(),
    )


def of_snapshot(config: Config, evidence: Evidence, evidence_path: Path, started_at: dt.datetime,
                finished_at: dt.datetime) -> Provenance:
    """The provenance of a run that judged a saved snapshot (``evidence``, loaded from ``evidence_path``): the
    inputs are those the snapshot was taken from, as it records them; the configuration and case are those it was
    judged under now; the snapshot is named by its file and the digest that file records.

    Raises:
        ConfigError: a configuration file cannot be read again to take its digest.
        CaseError: the case file cannot be read.
        EvidenceError: the evidence file cannot be read again.
    """
    where = shown_path(evidence_path)
    recorded = parse_json(read_text(evidence_path, EvidenceError, where, "saved snapshot"))
    sha256 = str(recorded.get("sha256")) if isinstance(recorded, dict) else ""
    return Provenance(
        configuration=shown_path(config.path),
        configuration_files=configuration_files(config),
        case=config.case,
        case_file=case_file(config),
        inputs=tuple(f for f in evidence.inputs if not _is_case(f, config)),
        backend=None,
        snapshot=SnapshotSource(where, sha256, evidence.taken_at, evidence.backend, evidence.enjoin_version),
        started_at=started_at,
        finished_at=finished_at,
        versions=versions(),
        platform=platform.platform(),
    )


def case_file(config: Config) -> FileDigest:
    """The case file's digest: a shipped case is named ``enjoin:cases/<name>.yaml``, a case file by its path."""
    if config.case in shipped_cases():
        path = shipped_case_path(config.case)
        shown = f"enjoin:cases/{config.case}.yaml"
    else:
        path = Path(os.path.abspath(config.case))
        shown = Path(os.path.relpath(path, config.path.parent)).as_posix()
    text = read_text(path, CaseError, shown_path(path), "case file")
    return FileDigest(shown, hashlib.sha256(text.encode("utf-8")).hexdigest())


def _is_case(digest: FileDigest, config: Config) -> bool:
    """Whether an input is the case file (the evidence counts it among the inputs; provenance names it apart)."""
    if config.case in shipped_cases():
        return False
    return os.path.normpath(config.path.parent / digest.path) == os.path.normpath(os.path.abspath(config.case))


def versions() -> dict[str, str]:
    """enjoin's, Python's, and those of the libraries that deploy and read (absent ones are ``"not installed"``)."""
    out = {"enjoin": __version__, "python": platform.python_version()}
    for name in _LIBRARIES:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def _time(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime(_TIME)


def now() -> dt.datetime:
    """The current time, UTC, to the second (what a provenance records)."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0)
