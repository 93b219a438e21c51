"""The evidence bundle: written whole or not at all, into a new or empty directory, and re-checked file by file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from enjoin.cli import main
from enjoin.errors import EvidenceError
from enjoin.report import bundle

REPORT: dict[str, Any] = {"case": "ca-v-hhs", "verdict": "COMPLIANT", "clauses": [], "provenance": {"backend": "moto"}}
# Stand-ins for the renderers: the bundle's plumbing does not depend on what they draw.
FAKE = {"html": lambda r: f"<html><body>{r['verdict']}</body></html>\n",
        "sarif": lambda r: {"version": "2.1.0", "runs": []},
        "oscal": lambda r: {"assessment-results": {"uuid": "x"}}}
FILES = {"manifest.json", "report.json", "snapshot.json", "report.html", "report.sarif", "report.oscal.json"}


@pytest.fixture
def written(tmp_path: Path) -> Path:
    directory = tmp_path / "bundle"
    bundle.write(directory, REPORT, '{"format": "enjoin-evidence"}\n', FAKE)
    return directory


def test_the_bundle_holds_every_report_the_snapshot_and_a_manifest_of_them(written: Path) -> None:
    assert {p.name for p in written.iterdir()} == FILES
    manifest = json.loads((written / "manifest.json").read_text(encoding="utf-8"))
    assert (manifest["format"], manifest["version"], manifest["verdict"]) == ("enjoin-evidence-bundle", 1,
                                                                              "COMPLIANT")
    assert [f["path"] for f in manifest["files"]] == sorted(FILES - {"manifest.json"})
    assert json.loads((written / "report.json").read_text(encoding="utf-8")) == REPORT
    assert json.loads((written / "report.sarif").read_text(encoding="utf-8"))["version"] == "2.1.0"
    assert bundle.verify(written) == []
    assert not [p for p in written.parent.iterdir() if p.name.startswith(".")]  # no staging left behind


def test_a_changed_byte_a_missing_file_and_an_extra_file_are_each_one_line(written: Path) -> None:
    html = (written / "report.html").read_bytes()
    (written / "report.html").write_bytes(html.replace(b"COMPLIANT", b"COMPLIANX"))
    (written / "report.sarif").unlink()
    (written / "notes.txt").write_text("added later\n", encoding="utf-8")
    problems = bundle.verify(written)
    assert len(problems) == 3 and all("\n" not in p for p in problems)
    assert problems[0].startswith("report.html: changed since the bundle was written (expected sha256 ")
    assert f"{len(html)} bytes; found sha256 " in problems[0]
    assert problems[1] == "report.sarif: listed in the manifest; missing from the bundle"
    assert problems[2] == "notes.txt: in the bundle; not listed in the manifest (added after it was written)"


def test_verify_evidence_says_intact_or_lists_the_problems(written: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify-evidence", str(written)]) == 0
    assert capsys.readouterr().out == f"{written}: intact (every file matches manifest.json)\n"
    (written / "snapshot.json").write_text("{}\n", encoding="utf-8")
    assert main(["verify-evidence", str(written)]) == 1
    out, err = capsys.readouterr()
    assert out.startswith(f"{written}/snapshot.json: changed since the bundle was written")
    assert err == f"enjoin verify-evidence: {written}: 1 problem(s); the bundle is not as written\n"


def test_a_directory_that_is_no_bundle_is_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify-evidence", str(tmp_path)]) == 2
    assert "no manifest.json" in capsys.readouterr().err
    (tmp_path / "manifest.json").write_text('{"format": "other"}', encoding="utf-8")
    assert main(["verify-evidence", str(tmp_path)]) == 2
    assert "expected a manifest of format 'enjoin-evidence-bundle'; found 'other'" in capsys.readouterr().err
    (tmp_path / "manifest.json").write_text(json.dumps({"format": "enjoin-evidence-bundle", "version": 1, "files": [
        {"path": "../outside", "sha256": "0" * 64, "bytes": 1}]}), encoding="utf-8")
    with pytest.raises(EvidenceError, match=r"files\[0\]"):
        bundle.verify(tmp_path)


def test_the_directory_is_created_or_must_be_empty(tmp_path: Path, written: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    bundle.write(empty, REPORT, "{}\n", FAKE)
    assert bundle.verify(empty) == []
    assert bundle.directory_problem(written) == (
        "expected a new or empty directory (a bundle holds one run's evidence, and filed evidence is never "
        "overwritten); found one that is not empty")
    with pytest.raises(EvidenceError, match="not empty"):
        bundle.write(written, REPORT, "{}\n", FAKE)
    assert bundle.verify(written) == []  # the filed bundle is untouched
    assert bundle.directory_problem(tmp_path / "no" / "bundle") == (
        f"expected a directory path whose parent exists; found no directory {tmp_path / 'no'}")
    (tmp_path / "file").write_text("x", encoding="utf-8")
    assert bundle.directory_problem(tmp_path / "file") == (
        "expected a directory for the evidence bundle; found a file")


def test_a_renderer_that_fails_leaves_no_bundle(tmp_path: Path) -> None:
    def broken(report: dict[str, Any]) -> str:
        raise RuntimeError("renderer bug")

    with pytest.raises(RuntimeError):
        bundle.write(tmp_path / "b", REPORT, "{}\n", {**FAKE, "oscal": broken})
    assert list(tmp_path.iterdir()) == []


def test_judge_refuses_a_bundle_directory_that_is_not_empty_before_the_run(
        written: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["judge", "--config", "no-such.yaml", "--evidence", str(written)]) == 2
    assert "found one that is not empty" in capsys.readouterr().err
