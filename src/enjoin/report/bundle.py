"""The evidence bundle: every report of one run, and what it read, in one directory that can be filed and re-checked.

``--enjoin-evidence=DIR`` (pytest) or ``enjoin judge --evidence DIR`` writes::

    DIR/
      report.json       the JSON verdict contract, provenance included (:mod:`.contract`, :mod:`.provenance`)
      snapshot.json     the evidence file of what was read (:mod:`.evidence`); judging a saved snapshot, that file
      report.html       the auditor's page (:mod:`.html`)
      report.sarif      SARIF 2.1.0 for code-scanning tools (:mod:`.sarif`)
      report.oscal.json OSCAL assessment results (:mod:`.oscal`)
      manifest.json     {"format": "enjoin-evidence-bundle", "version": 1, "verdict": ...,
                         "files": [{"path", "sha256", "bytes"}, ...]}: every other file, sorted by path

The directory. It is created when missing (its parent must exist: checked before the run, as every output path
is); an existing one must be empty. A bundle is the evidence of one run: writing into a directory that holds
anything (an earlier bundle, a stray file) would either overwrite filed evidence or mix two runs, and an auditor
re-checking it could not tell which. The files are written into a fresh directory beside ``DIR`` and renamed onto
it at the end, so a run killed while writing leaves no half bundle at ``DIR``.

Re-checking. :func:`verify` reads the manifest and returns one line per problem: a file changed (its digest or
size differs), missing, or present but not listed; an empty list means the bundle is as written. ``enjoin
verify-evidence DIR`` prints them (exit 0 intact, 1 problems, 2 not a bundle). The digests are checksums, not
signatures: whoever may rewrite the files may rewrite the manifest; file bundles where they cannot be rewritten.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from enjoin.errors import EvidenceError
from enjoin.textfile import parse_json, read_text

FORMAT = "enjoin-evidence-bundle"
VERSION = 1
MANIFEST = "manifest.json"
REPORT = "report.json"
SNAPSHOT = "snapshot.json"

Renderer = Callable[[dict[str, Any]], Any]

# Each rendering of the contract: its file in the bundle, the module that renders it, and what the file is.
RENDERINGS: dict[str, tuple[str, str, str]] = {
    "html": ("report.html", "enjoin.report.html", "the HTML report"),
    "sarif": ("report.sarif", "enjoin.report.sarif", "the SARIF report"),
    "oscal": ("report.oscal.json", "enjoin.report.oscal", "the OSCAL assessment results"),
}


def renderer(kind: str) -> Renderer:
    """The ``render`` function of a rendering (``"html"``, ``"sarif"``, ``"oscal"``), imported on first use.

    Raises:
        ImportError: the rendering's module is not installed with this enjoin.
    """
    import importlib

    module = importlib.import_module(RENDERINGS[kind][1])
    render: Renderer = module.render
    return render


def missing_renderer(kind: str) -> str | None:
    """Why the rendering ``kind`` cannot be written by this enjoin, or None when it can (asked before a run)."""
    try:
        renderer(kind)
    except ImportError as exc:
        return f"expected {RENDERINGS[kind][2]}'s renderer ({RENDERINGS[kind][1]}); found it missing ({exc})"
    return None


def render_text(kind: str, report: dict[str, Any], render: Renderer | None = None) -> str:
    """The text of one rendering of ``report``: HTML as rendered, SARIF and OSCAL as indented JSON."""
    rendered = (render or renderer(kind))(report)
    if isinstance(rendered, str):
        return rendered
    return json.dumps(rendered, indent=2, sort_keys=False) + "\n"


def directory_problem(path: Path) -> str | None:
    """Why a bundle cannot be written at ``path`` (``expected ...; found ...``), or None when it can (asked
    before the run)."""
    problem = _directory_problem(path)
    return None if problem is None else f"expected {problem[0]}; found {problem[1]}"


def _directory_problem(path: Path) -> tuple[str, str] | None:
    parent = path.parent
    if path.exists() or path.is_symlink():
        if not path.is_dir():
            return "a directory for the evidence bundle", "a file"
        if any(path.iterdir()):
            return ("a new or empty directory (a bundle holds one run's evidence, and filed evidence is never "
                    "overwritten)", "one that is not empty")
    elif not parent.is_dir():
        return "a directory path whose parent exists", f"no directory {parent}"
    if not os.access(parent, os.W_OK):
        return "a directory enjoin may write to", f"{parent} not writable"
    return None


def write(directory: Path, report: dict[str, Any], snapshot_text: str,
          renderers: Mapping[str, Renderer] | None = None) -> dict[str, Any]:
    """Write the bundle of ``report`` (the JSON contract) and ``snapshot_text`` (an evidence file) at ``directory``.

    ``renderers`` replaces the rendering modules (a test's); by default each is imported. Returns the manifest.

    Raises:
        EvidenceError: ``directory`` exists and is not an empty directory.
        OSError: the files cannot be written.
        ImportError: a rendering's module is not installed.
    """
    problem = _directory_problem(directory)
    if problem is not None:
        raise EvidenceError(str(directory), *problem)
    texts = {REPORT: json.dumps(report, indent=2) + "\n", SNAPSHOT: snapshot_text}
    for kind, (name, _, _) in RENDERINGS.items():
        texts[name] = render_text(kind, report, (renderers or {}).get(kind))
    staging = directory.parent / f".{directory.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
    staging.mkdir()
    try:
        files = []
        for name, text in sorted(texts.items()):
            data = text.encode("utf-8")
            (staging / name).write_bytes(data)
            files.append({"path": name, "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)})
        manifest = {"format": FORMAT, "version": VERSION, "verdict": report.get("verdict"), "files": files}
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        for name in (*texts, MANIFEST):
            with open(staging / name, "rb") as handle:
                os.fsync(handle.fileno())
        if directory.is_dir():
            directory.rmdir()  # empty (checked above): rename(2) would replace it, but not on every system
        os.replace(staging, directory)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return manifest


def verify(directory: Path) -> list[str]:
    """What differs between the bundle at ``directory`` and its manifest: one line per problem, none when intact.

    Raises:
        EvidenceError: ``directory`` is not a bundle: no directory, no manifest, or a manifest that is malformed.
    """
    if not directory.is_dir():
        raise EvidenceError(str(directory), "an evidence bundle (a directory with manifest.json)",
                            "no directory" if not directory.exists() else "a file")
    manifest_path = directory / MANIFEST
    where = str(manifest_path)
    text = read_text(manifest_path, EvidenceError, where, "bundle manifest", missing="no manifest.json")
    try:
        manifest = parse_json(text)
    except json.JSONDecodeError as exc:
        raise EvidenceError(f"{where}: line {exc.lineno}", "a bundle manifest in JSON",
                            f"invalid JSON ({exc.msg})") from None
    files = _listed(manifest, where)
    problems = []
    for entry in files:
        name = entry["path"]
        path = directory / name
        if not path.is_file():
            problems.append(f"{name}: listed in the manifest; missing from the bundle")
            continue
        data = path.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        if digest != entry["sha256"] or len(data) != entry["bytes"]:
            problems.append(f"{name}: changed since the bundle was written (expected sha256 {entry['sha256']}, "
                            f"{entry['bytes']} bytes; found sha256 {digest}, {len(data)} bytes)")
    listed = {entry["path"] for entry in files} | {MANIFEST}
    for path in sorted(directory.rglob("*")):
        name = path.relative_to(directory).as_posix()
        if name not in listed and not (path.is_dir() and any(n.startswith(name + "/") for n in listed)):
            problems.append(f"{name}: in the bundle; not listed in the manifest (added after it was written)")
    return problems


def _listed(manifest: Any, where: str) -> list[dict[str, Any]]:
    """The manifest's files, each checked to be ``{path, sha256, bytes}`` with a relative path inside the bundle."""
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        found = manifest.get("format") if isinstance(manifest, dict) else type(manifest).__name__
        raise EvidenceError(where, f"a manifest of format {FORMAT!r}", repr(found))
    if manifest.get("version") != VERSION:
        raise EvidenceError(f"{where}: version", f"version {VERSION}", repr(manifest.get("version")))
    files = manifest.get("files")
    if not isinstance(files, list):
        raise EvidenceError(f"{where}: files", "a list of {path, sha256, bytes}", repr(files)[:80])
    for index, entry in enumerate(files):
        ok = (isinstance(entry, dict) and set(entry) == {"path", "sha256", "bytes"}
              and isinstance(entry["path"], str) and isinstance(entry["sha256"], str)
              and isinstance(entry["bytes"], int) and not isinstance(entry["bytes"], bool))
        if not ok or ".." in Path(entry["path"]).parts or Path(entry["path"]).is_absolute():
            raise EvidenceError(f"{where}: files[{index}]", "{path, sha256, bytes} with a path inside the bundle",
                                repr(entry)[:120])
    return files
