"""Provenance: every report says which configuration, inputs, case, versions, backend and times made it."""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import platform
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from enjoin.case import shipped_case_path
from enjoin.cli import main

ROOT = Path(__file__).resolve().parents[1]
AGENCY = ROOT / "tests" / "data" / "agency_repo"


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The agency's repository, judged once with its evidence saved (report.json, evidence.json)."""
    root = tmp_path_factory.mktemp("provenance") / "repo"
    shutil.copytree(AGENCY, root)
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)
        assert main(["judge", "--save-snapshot", "evidence.json", "--report", "report.json"]) == 0
    yield root


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_run_records_what_it_was_made_from(repo: Path) -> None:
    provenance = json.loads((repo / "report.json").read_text(encoding="utf-8"))["provenance"]
    assert set(provenance) == {"configuration", "configuration_files", "case", "inputs", "backend", "snapshot",
                               "started_at", "finished_at", "versions", "platform"}
    assert provenance["configuration"] == "enjoin.yaml"
    assert provenance["configuration_files"] == [{"path": "enjoin.yaml", "sha256": _sha256(repo / "enjoin.yaml")}]
    assert provenance["case"] == {"name": "ca-v-hhs", "path": "enjoin:cases/ca-v-hhs.yaml",
                                  "sha256": _sha256(shipped_case_path("ca-v-hhs"))}
    assert provenance["inputs"] == [{"path": "infra/eligibility.yaml",
                                     "sha256": _sha256(repo / "infra" / "eligibility.yaml")}]
    assert (provenance["backend"], provenance["snapshot"]) == ("moto", None)
    assert provenance["versions"] == {"enjoin": "0.1.0", "python": platform.python_version(),
                                      **{n: importlib.metadata.version(n) for n in ("moto", "botocore", "boto3")}}
    assert provenance["platform"] == platform.platform()
    assert provenance["started_at"] <= provenance["finished_at"]
    assert provenance["started_at"].endswith("Z") and len(provenance["started_at"]) == len("2026-02-01T03:00:00Z")
    assert str(repo) not in json.dumps(provenance)


def test_judging_a_saved_snapshot_names_the_snapshot_its_digest_and_when_it_was_taken(
        repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(repo)
    assert main(["judge", "--snapshot", "evidence.json", "--report", str(tmp_path / "again.json")]) == 0
    first = json.loads((repo / "report.json").read_text(encoding="utf-8"))
    again = json.loads((tmp_path / "again.json").read_text(encoding="utf-8"))
    evidence = json.loads((repo / "evidence.json").read_text(encoding="utf-8"))
    assert again["provenance"]["backend"] is None
    assert again["provenance"]["snapshot"] == {"path": "evidence.json", "sha256": evidence["sha256"],
                                               "taken_at": evidence["taken_at"], "backend": "moto",
                                               "enjoin_version": "0.1.0"}
    assert again["provenance"]["inputs"] == evidence["inputs"] == first["provenance"]["inputs"]
    assert again["provenance"]["started_at"] >= evidence["taken_at"]
    # Apart from how each was made, the verdict is the run's.
    assert {k: v for k, v in again.items() if k != "provenance"} == {
        k: v for k, v in first.items() if k != "provenance"}
