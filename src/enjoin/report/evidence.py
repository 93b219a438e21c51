"""Snapshots as evidence: a run's Snapshot saved with what an auditor needs to trust it later, and judged again.

A nightly run reads the accounts once; what it read is the evidence of that night. Saved as an evidence file, it
can be judged again without any AWS access: on another date, under a later order, with a corrected configuration
(the same accounts). The file is JSON, keys sorted::

    {
     "format": "enjoin-evidence",        what the file is
     "version": 1,                       of this format; a reader refuses a version it does not know
     "taken_at": "2026-02-01T03:00:00Z", when the run that read the accounts began (UTC, to the second)
     "backend": "moto",                  where the accounts were read: moto, container or live
     "accounts": {"cms": "111111111111", ...},  the configuration's accounts (short name -> id)
     "region": "us-east-1",
     "enjoin_version": "0.1.0",          the enjoin that read them
     "configuration": [{"path": "enjoin.yaml", "sha256": "..."}, ...],  the enjoin.yaml, then each file it extends
     "inputs": [{"path": "infra/x.yaml", "sha256": "..."}, ...],  the case file (when a path), templates and
                                         organization policy files the configuration names
     "snapshot": {...},                  the Snapshot, as Snapshot.to_json writes it
     "sha256": "..."                     of every other key, in canonical form (below)
    }

Paths are relative to the directory of the enjoin.yaml (with ``/``), so the file names no machine's layout.

The digest. ``sha256`` is the SHA-256 of the document without ``sha256`` written as canonical JSON (keys sorted,
no spaces, ``json.dumps(doc, sort_keys=True, separators=(",", ":"))``, ASCII). It covers the snapshot and its
provenance, so a file cut short, damaged, or edited by hand (a policy removed, a date changed) is refused on load.
It is a checksum, not a signature: whoever can write the file can recompute it; keep the files where they cannot
be rewritten (write-once storage, a signed CI artifact) when that matters.

Reading is bounded as every file a user names is (:mod:`enjoin.textfile`), and every malformed file is one
:class:`~enjoin.errors.EvidenceError` naming the file, what was expected and what was found: not JSON, another
format or version, unknown or missing keys, a digest that does not match, a snapshot with fields this enjoin does
not know or values of the wrong type. A bare snapshot (what ``Snapshot.save`` writes) is refused by name: it
carries no provenance and no digest, so nothing says what it is evidence of.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import os
import re
import secrets
import types
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from enjoin import __version__
from enjoin.config_model import Config
from enjoin.errors import ConfigError, EnjoinError, EvidenceError, InventoryError, excerpt
from enjoin.snapshot import Snapshot
from enjoin.textfile import parse_json, read_text
from enjoin.yamlload import load_yaml, shown_path

if TYPE_CHECKING:
    from enjoin.pipeline import PipelineResult

FORMAT = "enjoin-evidence"
VERSION = 1
_KEYS = frozenset({"format", "version", "taken_at", "backend", "accounts", "region", "enjoin_version",
                   "configuration", "inputs", "snapshot", "sha256"})
_WHAT = "saved snapshot (an enjoin evidence file)"
_HEX = re.compile(r"[0-9a-f]{64}")
_ACCOUNT = re.compile(r"[0-9]{12}")
_TIME = "%Y-%m-%dT%H:%M:%SZ"


@dataclass(frozen=True, slots=True)
class FileDigest:
    """A file the run was taken under: its path (relative to the enjoin.yaml's directory) and SHA-256."""

    path: str
    sha256: str


@dataclass(frozen=True, slots=True)
class Evidence:
    """A snapshot and where it came from (the module docstring describes each field)."""

    snapshot: Snapshot
    taken_at: dt.datetime
    backend: str
    accounts: dict[str, str]
    region: str
    enjoin_version: str
    configuration: tuple[FileDigest, ...]
    inputs: tuple[FileDigest, ...]

    def to_json(self) -> str:
        """The evidence file's text: the document with its digest, keys sorted."""
        document = self._document()
        document["sha256"] = _digest(document)
        return json.dumps(document, sort_keys=True, indent=1) + "\n"

    def _document(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "version": VERSION,
            "taken_at": self.taken_at.astimezone(dt.UTC).strftime(_TIME),
            "backend": self.backend,
            "accounts": dict(self.accounts),
            "region": self.region,
            "enjoin_version": self.enjoin_version,
            "configuration": [dataclasses.asdict(f) for f in self.configuration],
            "inputs": [dataclasses.asdict(f) for f in self.inputs],
            "snapshot": json.loads(self.snapshot.to_json()),
        }

    def describe(self) -> str:
        """One line for a terminal: when, where from and by which enjoin the snapshot was taken."""
        return (f"taken {self.taken_at.astimezone(dt.UTC).strftime(_TIME)} from the {self.backend} backend by "
                f"enjoin {self.enjoin_version}, accounts {', '.join(sorted(self.accounts.values()))} in {self.region}")


def take(config: Config, snapshot: Snapshot, backend: str, taken_at: dt.datetime) -> Evidence:
    """The evidence of a run: ``snapshot`` read from ``backend`` under ``config``, the run begun at ``taken_at``."""
    return Evidence(
        snapshot=snapshot,
        taken_at=taken_at.astimezone(dt.UTC).replace(microsecond=0),
        backend=backend,
        accounts=dict(config.accounts),
        region=config.region,
        enjoin_version=__version__,
        configuration=configuration_files(config),
        inputs=input_files(config),
    )


def configuration_files(config: Config) -> tuple[FileDigest, ...]:
    """The enjoin.yaml and each file it extends, in that order, with their SHA-256.

    The loader has already accepted the chain (:func:`enjoin.config.load`), so each ``extends:`` is followed as
    it did: relative to the file that wrote it.
    """
    base = config.path.parent
    files = []
    path: Path | None = config.path
    seen: set[Path] = set()
    while path is not None and path not in seen:
        seen.add(path)
        doc = load_yaml(path, ConfigError)
        files.append(_file_digest(path, base))
        written = doc.value.get("extends") if isinstance(doc.value, dict) else None
        path = Path(os.path.normpath(doc.path.parent / written)) if isinstance(written, str) else None
    return tuple(files)


def input_files(config: Config) -> tuple[FileDigest, ...]:
    """The case file (when the configuration names one by path), templates and organization policy files."""
    paths: list[Path] = []
    if os.path.isabs(config.case):
        paths.append(Path(config.case))
    paths.extend(t.path for t in config.templates)
    paths.extend(a.path for a in (*config.scps, *config.rcps))
    unique = dict.fromkeys(paths)  # a policy file attached twice is one file
    return tuple(_file_digest(p, config.path.parent) for p in unique)


def _file_digest(path: Path, base: Path) -> FileDigest:
    text = read_text(path, ConfigError, shown_path(path), "file")
    return FileDigest(_relative(path, base), hashlib.sha256(text.encode("utf-8")).hexdigest())


def _relative(path: Path, base: Path) -> str:
    return Path(os.path.relpath(path, base)).as_posix()


def _digest(document: Mapping[str, Any]) -> str:
    canonical = json.dumps({k: v for k, v in document.items() if k != "sha256"}, sort_keys=True,
                           separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()


# -- writing ------------------------------------------------------------------------------------------------------


def output_problem(path: Path, what: str, noun: str = "a path") -> str | None:
    """Why ``what`` (``"the JSON report"``) cannot be written at ``path``, or None when it can.

    Asked before a run, so that a path in a directory that does not exist is found now, not after the run. The
    answer is ``expected ...; found ...``; ``noun`` is how it names a path (``"a report path"``).
    """
    if path.is_dir():
        return f"expected a file path for {what}; found a directory"
    if not path.parent.is_dir():
        return f"expected {noun} in an existing directory; found no directory {path.parent}"
    if not os.access(path.parent, os.W_OK):
        return f"expected a directory enjoin may write to; found {path.parent} not writable"
    return None


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same directory, renamed over it.

    A reader sees the old file or the new one, never a part: a run killed while writing leaves no half
    evidence. The file gets the permissions a new file gets (the umask applies).

    Raises:
        OSError: the directory cannot be written, the disk is full...
    """
    temporary = path.parent / f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def save(evidence: Evidence, path: Path) -> None:
    """Write the evidence file atomically (:func:`write_atomically`)."""
    write_atomically(path, evidence.to_json())


# -- reading ------------------------------------------------------------------------------------------------------


def load(path: Path) -> Evidence:
    """Read and check an evidence file.

    Raises:
        EvidenceError: naming the file, for anything but an intact evidence file of this format's version.
    """
    where = shown_path(path)
    text = read_text(path, EvidenceError, where, _WHAT)
    try:
        document = parse_json(text)
    except json.JSONDecodeError as exc:
        if exc.pos >= len(text.rstrip()):
            raise EvidenceError(f"{where}: line {exc.lineno}", f"a {_WHAT} in JSON",
                                "JSON that ends too soon (the file was cut short)") from None
        raise EvidenceError(f"{where}: line {exc.lineno}", f"a {_WHAT} in JSON", f"invalid JSON ({exc.msg})") from None
    if not isinstance(document, dict):
        raise EvidenceError(where, f"a {_WHAT}: a JSON object", f"a JSON {_json_kind(document)}")
    _check_format(document, where)
    recorded = document["sha256"]
    if not isinstance(recorded, str) or not _HEX.fullmatch(recorded):
        raise EvidenceError(f"{where}: sha256", "64 lowercase hexadecimal digits", repr(recorded))
    actual = _digest(document)
    if actual != recorded:
        raise EvidenceError(f"{where}: sha256", f"the content the file records ({recorded})",
                            f"content whose digest is {actual}: the file was changed or damaged after it was saved")
    evidence = Evidence(
        snapshot=_snapshot(document["snapshot"], where),
        taken_at=_time(document["taken_at"], where),
        backend=_string(document, "backend", where),
        accounts=_accounts(document["accounts"], where),
        region=_string(document, "region", where),
        enjoin_version=_string(document, "enjoin_version", where),
        configuration=_digests(document, "configuration", where),
        inputs=_digests(document, "inputs", where),
    )
    if set(evidence.accounts.values()) != set(evidence.snapshot.accounts):
        held = _ids(evidence.snapshot.accounts)
        raise EvidenceError(f"{where}: accounts", f"the accounts the snapshot holds ({held})",
                            _ids(evidence.accounts.values()))
    return evidence


def _check_format(document: dict[str, Any], where: str) -> None:
    if "format" not in document:
        snapshot_fields = {f.name for f in dataclasses.fields(Snapshot)}
        if "accounts" in document and set(document) <= snapshot_fields:
            raise EvidenceError(where, f"an enjoin evidence file (format {FORMAT})",
                                "a bare snapshot without provenance or digest (what Snapshot.save writes); "
                                "save evidence with enjoin judge --save-snapshot or pytest --enjoin-snapshot")
        raise EvidenceError(where, f"an enjoin evidence file (format {FORMAT})",
                            f"a JSON object without 'format' (keys: {', '.join(sorted(map(str, document))) or 'none'})")
    if document["format"] != FORMAT:
        raise EvidenceError(f"{where}: format", repr(FORMAT), repr(document["format"]))
    if document.get("version") != VERSION or isinstance(document.get("version"), bool):
        found = repr(document["version"]) if "version" in document else "no version"
        raise EvidenceError(f"{where}: version", f"version {VERSION} of the evidence format (what enjoin "
                            f"{__version__} reads)", found)
    unknown = sorted(set(document) - _KEYS)
    missing = sorted(_KEYS - set(document))
    if unknown or missing:
        found = "; ".join(part for part in (f"unknown {unknown}" if unknown else "",
                                            f"missing {missing}" if missing else "") if part)
        raise EvidenceError(where, f"the keys of an evidence file: {sorted(_KEYS)}", found)


def _json_kind(value: Any) -> str:
    return {list: "array", str: "string", bool: "boolean", int: "number", float: "number",
            type(None): "null"}.get(type(value), type(value).__name__)


def _string(document: Mapping[str, Any], key: str, where: str) -> str:
    value = document[key]
    if not isinstance(value, str) or not value:
        raise EvidenceError(f"{where}: {key}", "a non-empty string", repr(value))
    return value


def _time(value: Any, where: str) -> dt.datetime:
    try:
        if not isinstance(value, str):
            raise ValueError
        return dt.datetime.strptime(value, _TIME).replace(tzinfo=dt.UTC)
    except ValueError:
        raise EvidenceError(f"{where}: taken_at", "a UTC time YYYY-MM-DDTHH:MM:SSZ", repr(value)) from None


def _accounts(value: Any, where: str) -> dict[str, str]:
    if not isinstance(value, dict) or not value:
        raise EvidenceError(f"{where}: accounts", "a mapping of account names to 12-digit ids", repr(value))
    for name, account in value.items():
        if not isinstance(account, str) or not _ACCOUNT.fullmatch(account):
            raise EvidenceError(f"{where}: accounts.{name}", "a 12-digit account id", repr(account))
    return dict(value)


def _digests(document: Mapping[str, Any], key: str, where: str) -> tuple[FileDigest, ...]:
    value = document[key]
    if not isinstance(value, list):
        raise EvidenceError(f"{where}: {key}", "a list of {path, sha256}", f"a JSON {_json_kind(value)}")
    out = []
    for index, entry in enumerate(value):
        if (not isinstance(entry, dict) or set(entry) != {"path", "sha256"} or not isinstance(entry["path"], str)
                or not isinstance(entry["sha256"], str) or not _HEX.fullmatch(entry["sha256"])):
            raise EvidenceError(f"{where}: {key}[{index}]", "{path, sha256} with 64 hexadecimal digits", repr(entry))
        out.append(FileDigest(entry["path"], entry["sha256"]))
    return tuple(out)


def _snapshot(value: Any, where: str) -> Snapshot:
    """The snapshot the file holds, every field known to this enjoin and of the type it declares."""
    if not isinstance(value, dict):
        raise EvidenceError(f"{where}: snapshot", "a snapshot (a JSON object)", f"a JSON {_json_kind(value)}")
    try:
        snapshot = Snapshot.from_json(json.dumps(value), f"{where}: snapshot")
    except InventoryError as exc:
        raise EvidenceError(exc.where, exc.expected, exc.found) from None
    except (TypeError, ValueError, AttributeError) as exc:  # a list where an object belongs, and the like
        raise EvidenceError(f"{where}: snapshot", "a snapshot as enjoin saves it", str(exc)) from None
    problem = _mismatch(Snapshot, snapshot, "snapshot")
    if problem is not None:
        at, expected, found = problem
        raise EvidenceError(f"{where}: {at}", expected, found)
    return snapshot


def _mismatch(hint: Any, value: Any, at: str) -> tuple[str, str, str] | None:
    """Where ``value`` is not of the type ``hint``, what was expected there and what was found; None when it is.

    The Snapshot classes use: dataclasses, str, int, bool, None, unions, ``tuple[X, ...]``, ``dict[str, X]``
    and ``Any`` (a policy document is any JSON).
    """
    if hint is Any:
        return None
    if dataclasses.is_dataclass(hint) and isinstance(hint, type):
        if not isinstance(value, hint):
            return at, f"a {hint.__name__} (a JSON object)", _found(value)
        hints = typing.get_type_hints(hint)
        for f in dataclasses.fields(hint):
            problem = _mismatch(hints[f.name], getattr(value, f.name), f"{at}.{f.name}")
            if problem is not None:
                return problem
        return None
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        problems = [_mismatch(a, value, at) for a in args]
        if all(p is not None for p in problems):
            return at, " or ".join(p[1] for p in problems if p is not None), _found(value)
        return None
    if hint is type(None):
        return None if value is None else (at, "null", _found(value))
    if hint in (str, bool):
        return None if isinstance(value, hint) else (at, f"a {'string' if hint is str else 'boolean'}", _found(value))
    if hint is int:
        return None if isinstance(value, int) and not isinstance(value, bool) else (at, "an integer", _found(value))
    if origin is tuple:
        if not isinstance(value, tuple):
            return at, "a JSON array", _found(value)
        for index, item in enumerate(value):
            problem = _mismatch(args[0], item, f"{at}[{index}]")
            if problem is not None:
                return problem
        return None
    if origin is dict:
        if not isinstance(value, dict):
            return at, "a JSON object", _found(value)
        for key, item in value.items():
            if not isinstance(key, str):
                return at, "string keys", _found(key)
            problem = _mismatch(args[1], item, f"{at}.{key}")
            if problem is not None:
                return problem
        return None
    return at, f"a value of type {hint}", _found(value)  # pragma: no cover - a type the snapshot does not use


def _found(value: Any) -> str:
    if dataclasses.is_dataclass(value):
        return f"a {type(value).__name__}"
    plain = list(value) if isinstance(value, tuple) else value
    return f"a JSON {_json_kind(plain)} {excerpt(json.dumps(plain, default=str), 80)}"


def _ids(accounts: Sequence[str] | Any) -> str:
    return ", ".join(sorted(accounts)) or "none"


# -- judging ------------------------------------------------------------------------------------------------------


def judge_evidence(
    config_path: Path | str, evidence_path: Path, as_of: dt.date | None = None
) -> tuple[PipelineResult, Evidence]:
    """Judge a saved snapshot under a configuration: no backend is started, no AWS call is made.

    The configuration gives the case, the parties, the holdings and the recorded decisions; its accounts and
    region must be those the evidence was taken for.

    Raises:
        ConfigError: the configuration is malformed, or a holding or party matches nothing the snapshot holds.
        EvidenceError: the evidence file is malformed, or was taken for other accounts or another region.
        CaseError: the case is unknown or malformed.
    """
    from enjoin.case import load_case
    from enjoin.config import load as load_config
    from enjoin.pipeline import judge_snapshot

    config = load_config(config_path)
    load_case(config.case, where=f"{config.path}: case")
    evidence = load(evidence_path)
    check_taken_for(config, evidence, shown_path(evidence_path))
    return judge_snapshot(config, evidence.snapshot, as_of), evidence


def check_taken_for(config: Config, evidence: Evidence, where: str) -> None:
    """The evidence must have been taken for the configuration's accounts and region.

    Raises:
        EvidenceError: naming the evidence file, the accounts and region it was taken for and the configuration's.
    """
    wanted, taken = set(config.accounts.values()), set(evidence.accounts.values())
    if wanted != taken or config.region != evidence.region:
        raise EvidenceError(
            where,
            f"evidence taken for the accounts of {shown_path(config.path)} ({_ids(wanted)}) in {config.region}",
            f"evidence taken for accounts {_ids(taken)} in {evidence.region}",
        )


def unchanged(config: Config, evidence: Evidence) -> bool | None:
    """Whether the configuration files are those the evidence was taken under (None: they cannot be read now)."""
    try:
        return configuration_files(config) == evidence.configuration
    except EnjoinError:
        return None
