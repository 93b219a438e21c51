"""Snapshots as evidence (issue 13, item 4): a run saves what it read, and the saved file is judged again offline.

One run of the reference deployment on moto saves its evidence and its report; re-judged from the file with every
way to AWS closed, the report is the same but for its provenance (how each was made). Judged as of 2025-12-01
(Dkt. 98 in force, the disclosure extract a VIOLATION), it is the same as a fresh run on that date. Every malformed
evidence file is one line and exit 2. The pytest options write and read the same files.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from enjoin.cli import main
from enjoin.errors import EvidenceError
from enjoin.report.evidence import FORMAT, VERSION, load

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "enjoin.yaml"
AGENCY = ROOT / "tests" / "data" / "agency_repo"


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory with the reference's evidence, saved by ``enjoin judge --save-snapshot``, and reports:

    - ``live.json``: that run's, on the configured date;
    - ``same-2025-12-01.json``: that run's deployment judged on 2025-12-01;
    - ``fresh-2025-12-01.json``: another run's (another deployment), on 2025-12-01.
    """
    import enjoin.pipeline
    from enjoin.report import to_report

    out = tmp_path_factory.mktemp("evidence")
    results = []

    def kept(*args: Any, **kwargs: Any) -> Any:
        results.append(run_pipeline(*args, **kwargs))
        return results[-1]

    run_pipeline = enjoin.pipeline.run_pipeline
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(enjoin.pipeline, "run_pipeline", kept)
        assert main(["judge", "--config", str(REFERENCE), "--save-snapshot", str(out / "evidence.json"),
                     "--report", str(out / "live.json")]) == 0
    same = to_report(results[0].judge_as_of(dt.date(2025, 12, 1)))
    (out / "same-2025-12-01.json").write_text(json.dumps(same, indent=2) + "\n", encoding="utf-8")
    assert main(["judge", "--config", str(REFERENCE), "--as-of", "2025-12-01",
                 "--report", str(out / "fresh-2025-12-01.json")]) == 1
    return out


@pytest.fixture
def no_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every way to AWS closed: no botocore client can be made, no backend started, nothing deployed."""
    import botocore.session

    import enjoin.backends
    import enjoin.pipeline

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("an offline judgment tried to reach AWS")

    monkeypatch.setattr(botocore.session.Session, "create_client", refuse)
    for module in (enjoin.backends, enjoin.pipeline):
        monkeypatch.setattr(module, "get_backend", refuse)
    monkeypatch.setattr(enjoin.pipeline, "snapshot_of", refuse)
    monkeypatch.setattr(enjoin.pipeline, "deploy", refuse)
    monkeypatch.setattr(enjoin.pipeline, "inventory", refuse)


def test_no_aws_closes_boto3(no_aws: None) -> None:
    import boto3

    with pytest.raises(AssertionError, match="tried to reach AWS"):
        boto3.client("s3", region_name="us-east-1")


def test_the_evidence_file_says_what_it_is_evidence_of(saved: Path) -> None:
    document = json.loads((saved / "evidence.json").read_text(encoding="utf-8"))
    assert set(document) == {"format", "version", "taken_at", "backend", "accounts", "region", "enjoin_version",
                             "configuration", "inputs", "snapshot", "sha256"}
    assert (document["format"], document["version"], document["backend"], document["region"]) == (
        FORMAT, VERSION, "moto", "us-east-1")
    assert document["accounts"] == {"cms": "111111111111", "dhs": "222222222222"}
    assert document["configuration"] == [
        {"path": "enjoin.yaml", "sha256": hashlib.sha256(REFERENCE.read_bytes()).hexdigest()}]
    assert [i["path"] for i in document["inputs"]] == [
        "infra/reference/cms-identity.yaml", "infra/reference/cms-keys.yaml", "infra/reference/cms-data-lake.yaml",
        "infra/reference/cms-cross-account.yaml", "infra/reference/cms-bucket-policies.yaml",
        "infra/reference/dhs-ice.yaml", "infra/reference/scp/full-aws-access.json",
        "infra/reference/scp/cms-data-guardrails.json"]
    for entry in document["inputs"]:
        assert entry["sha256"] == hashlib.sha256((ROOT / entry["path"]).read_bytes()).hexdigest()
    assert str(ROOT) not in (saved / "evidence.json").read_text(encoding="utf-8").split('"snapshot"')[0]
    assert load(saved / "evidence.json").snapshot.accounts == ("111111111111", "222222222222")


def test_rejudged_offline_the_report_is_the_same(saved: Path, tmp_path: Path, no_aws: None,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["judge", "--config", str(REFERENCE), "--snapshot", str(saved / "evidence.json"),
                 "--report", str(tmp_path / "offline.json")]) == 0
    assert _verdict(tmp_path / "offline.json") == _verdict(saved / "live.json")
    out = capsys.readouterr().out
    assert "from the moto backend by enjoin 0.1.0, accounts 111111111111, 222222222222 in us-east-1; the " \
           "configuration files are those it was taken under" in out


def test_rejudged_on_another_date_the_report_is_a_fresh_runs_on_that_date(
    saved: Path, tmp_path: Path, no_aws: None, capsys: pytest.CaptureFixture[str]
) -> None:
    """As of 2025-12-01 Dkt. 98 binds and the disclosure extract is a VIOLATION. The evidence judged on that date
    gives the report its own deployment gives on that date (but for its provenance); a fresh run (another deployment)
    gives the same report but for the ids moto draws at random for each deployment: KMS key ids."""
    code = main(["judge", "--config", str(REFERENCE), "--snapshot", str(saved / "evidence.json"),
                 "--as-of", "2025-12-01", "--json", "--report", str(tmp_path / "offline.json")])
    assert code == 1
    offline = json.dumps(_verdict(tmp_path / "offline.json"), indent=2)
    same = json.loads((saved / "same-2025-12-01.json").read_text(encoding="utf-8"))
    assert same.pop("provenance") is None  # to_report without one, as the library gives it
    assert offline == json.dumps(same, indent=2)
    fresh = json.dumps(_verdict(saved / "fresh-2025-12-01.json"), indent=2)
    assert _random_ids(offline) == _random_ids(fresh)
    report = json.loads(capsys.readouterr().out)  # --json prints the report alone
    assert (report["order"], report["verdict"]) == ("dkt-98", "VIOLATION")
    assert {c["id"] for c in report["clauses"] if c["verdict"] == "VIOLATION"} == {"DKT98-NO-SHARING"}


def _random_ids(text: str) -> str:
    """The report with moto's random KMS key ids replaced by a placeholder."""
    return re.sub(r":key/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", ":key/<random>", text)


def test_a_changed_configuration_is_said(saved: Path, tmp_path: Path, no_aws: None,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    """A later configuration (a recorded decision added, a comment) judges the same evidence, and says so."""
    later = ROOT / ".evidence-later.yaml"
    later.write_text(REFERENCE.read_text(encoding="utf-8") + "# reviewed again\n", encoding="utf-8")
    try:
        assert main(["judge", "--config", str(later), "--snapshot", str(saved / "evidence.json")]) == 0
    finally:
        later.unlink()
    assert "the configuration files changed since it was taken" in capsys.readouterr().out


def _rewrite(saved: Path, tmp_path: Path, change: Callable[[dict[str, Any]], None], *, digest: bool = True) -> Path:
    """The saved evidence with ``change`` made, its digest recomputed (as a forger would) unless ``digest`` is
    False."""
    from enjoin.report.evidence import _digest

    document = json.loads((saved / "evidence.json").read_text(encoding="utf-8"))
    change(document)
    if digest:
        document["sha256"] = _digest(document)
    path = tmp_path / "evidence.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def _set(*keys: str | int, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(document: dict[str, Any]) -> None:
        target: Any = document
        for key in keys[:-1]:
            target = target[key]
        target[keys[-1]] = value
    return change


def _other_accounts(document: dict[str, Any]) -> None:
    document["accounts"]["dhs"] = "333333333333"
    document["snapshot"]["accounts"] = ["111111111111", "333333333333"]


CASES: dict[str, tuple[Callable[[Path, Path], Path], str]] = {
    "not-json": (lambda s, t: _text(t, "this is not JSON\n"),
                 "line 1: expected a saved snapshot (an enjoin evidence file) in JSON; found invalid JSON "
                 "(Expecting value)"),
    "cut-short": (lambda s, t: _text(t, (s / "evidence.json").read_text(encoding="utf-8")[:5000]),
                  "expected a saved snapshot (an enjoin evidence file) in JSON; found JSON that ends too soon (the "
                  "file was cut short)"),
    "array": (lambda s, t: _text(t, "[]"),
              "expected a saved snapshot (an enjoin evidence file): a JSON object; found a JSON array"),
    "bare-snapshot": (lambda s, t: _text(t, load(s / "evidence.json").snapshot.to_json()),
                      "expected an enjoin evidence file (format enjoin-evidence); found a bare "
                      "snapshot without provenance or digest (what Snapshot.save writes)"),
    "other-format": (lambda s, t: _rewrite(s, t, _set("format", value="sarif")),
                     "format: expected 'enjoin-evidence'; found 'sarif'"),
    "other-version": (lambda s, t: _rewrite(s, t, _set("version", value=2)),
                      "version: expected version 1 of the evidence format (what enjoin 0.1.0 reads); found 2"),
    "unknown-key": (lambda s, t: _rewrite(s, t, _set("signed_by", value="me")),
                    "found unknown ['signed_by']"),
    "missing-key": (lambda s, t: _rewrite(s, t, lambda d: d.pop("region")), "found missing ['region']"),
    "edited": (lambda s, t: _rewrite(s, t, _set("snapshot", "roles", 0, "name", value="Edited"), digest=False),
               "sha256: expected the content the file records ("),
    "edited-date": (lambda s, t: _rewrite(s, t, _set("taken_at", value="2020-01-01T00:00:00Z"), digest=False),
                    "the file was changed or damaged after it was saved"),
    "bad-time": (lambda s, t: _rewrite(s, t, _set("taken_at", value="yesterday")),
                 "taken_at: expected a UTC time YYYY-MM-DDTHH:MM:SSZ; found 'yesterday'"),
    "snapshot-unknown-field": (lambda s, t: _rewrite(s, t, _set("snapshot", "roles", 0, "colour", value="red")),
                               "snapshot.roles: expected keys of Role: "),
    "snapshot-wrong-type": (lambda s, t: _rewrite(s, t, _set("snapshot", "roles", 0, "arn", value=5)),
                            "snapshot.roles[0].arn: expected a string; found a JSON number 5"),
    "snapshot-not-objects": (lambda s, t: _rewrite(s, t, _set("snapshot", "roles", value=[1])),
                             "snapshot.roles[0]: expected a Role (a JSON object); found a JSON number 1"),
    "accounts-disagree": (lambda s, t: _rewrite(s, t, _set("accounts", "dhs", value="333333333333")),
                          "accounts: expected the accounts the snapshot holds (111111111111, 222222222222); found "
                          "111111111111, 333333333333"),
    "other-accounts": (lambda s, t: _rewrite(s, t, _other_accounts),
                       "expected evidence taken for the accounts of "),
    "directory": (lambda s, t: t, "expected a saved snapshot (an enjoin evidence file); found a directory"),
    "missing": (lambda s, t: t / "none.json", "expected an existing saved snapshot (an enjoin evidence file); found "
                                              "no file at"),
}


def _text(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "evidence.json"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("case", CASES)
def test_malformed_evidence_is_one_line_and_exit_2(case: str, saved: Path, tmp_path: Path, no_aws: None,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    make, says = CASES[case]
    path = make(saved, tmp_path)
    assert main(["judge", "--config", str(REFERENCE), "--snapshot", str(path)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert len(err.splitlines()) == 1, err
    assert err.startswith(f"enjoin judge: {path}"), err
    assert says in err, err
    if case == "other-accounts":
        assert err.strip().endswith("(111111111111, 222222222222) in us-east-1; found evidence taken for accounts "
                                    "111111111111, 333333333333 in us-east-1"), err


def test_each_load_error_is_an_evidence_error(saved: Path, tmp_path: Path) -> None:
    with pytest.raises(EvidenceError):
        load(_text(tmp_path, "{}"))


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--save-snapshot", "/no-such-dir/evidence.json"],
         "enjoin judge: --save-snapshot /no-such-dir/evidence.json: expected a path in an existing directory; found "
         "no directory /no-such-dir"),
        (["--save-snapshot", "."], "enjoin judge: --save-snapshot .: expected a file path for the evidence file; "
                                   "found a directory"),
        (["--snapshot", "evidence.json", "--backend", "moto"],
         "enjoin judge: --snapshot evidence.json: expected it alone (a saved snapshot is judged without deploying or "
         "reading anything); found --backend moto too"),
        (["--snapshot", "evidence.json", "--save-snapshot", "again.json"],
         "enjoin judge: --snapshot evidence.json: expected it alone (a saved snapshot is judged without deploying or "
         "reading anything); found --save-snapshot again.json too"),
    ],
    ids=["missing-directory", "directory", "with-backend", "with-save"],
)
def test_save_and_snapshot_options_are_refused_before_the_run(
    args: list[str], says: str, no_aws: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["judge", "--config", str(REFERENCE), *args]) == 2
    assert capsys.readouterr().err.strip() == says


def test_the_evidence_is_written_atomically(saved: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A write that fails midway leaves the old file whole and no temporary file behind."""
    from enjoin.report import evidence

    target = tmp_path / "evidence.json"
    target.write_text("the old evidence", encoding="utf-8")
    kept = load(saved / "evidence.json")

    def broken(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", broken)
    with pytest.raises(OSError, match="No space left"):
        evidence.save(kept, target)
    monkeypatch.undo()
    assert target.read_text(encoding="utf-8") == "the old evidence"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["evidence.json"]
    evidence.save(kept, target)
    assert load(target) == kept


def _verdict(path: Path) -> dict[str, object]:
    """A report without its provenance (which says how each run was made: the same verdict, made twice)."""
    report = json.loads(path.read_text(encoding="utf-8"))
    assert report.pop("provenance")["versions"]["enjoin"] == "0.1.0"
    return dict(report)


def _pytest(cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "ENJOIN_"))}
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=600, check=False, env={**clean, **env})


@pytest.fixture
def repo(tmp_path: Path) -> Iterator[Path]:
    shutil.copytree(AGENCY, tmp_path / "repo")
    yield tmp_path / "repo"


def test_pytest_saves_the_evidence_and_judges_it_again_offline(repo: Path) -> None:
    (repo / "pyproject.toml").write_text('[tool.pytest.ini_options]\nenjoin_snapshot = "evidence.json"\n')
    live = _pytest(repo, "--enjoin-report=live.json")
    assert live.returncode == 0, live.stdout[-3000:]
    assert f"snapshot written to {repo / 'evidence.json'}" in live.stdout
    assert load(repo / "evidence.json").accounts == {"agency": "111111111111", "dhs": "222222222222"}

    (repo / "pyproject.toml").unlink()
    (repo / "infra" / "eligibility.yaml").unlink()  # no deployment can happen: the templates are gone...
    (repo / "enjoin.yaml").write_text((repo / "enjoin.yaml").read_text().replace(
        "templates:\n  - path: infra/eligibility.yaml\n    account: agency\n    parameters: {Environment: prod}\n",
        "templates: []\n"))
    offline = _pytest(repo, "--enjoin-report=offline.json", ENJOIN_FROM_SNAPSHOT="evidence.json")
    assert offline.returncode == 0, offline.stdout[-3000:]  # ...and the evidence is judged all the same
    assert "judged the snapshot " in offline.stdout
    assert _verdict(repo / "offline.json") == _verdict(repo / "live.json")

    cli = subprocess.run([sys.executable, "-m", "enjoin.cli", "judge", "--snapshot", "evidence.json",
                          "--report", "cli.json"], cwd=repo, capture_output=True, text=True, timeout=600,
                         check=False)
    assert cli.returncode == 0, cli.stderr
    assert "the configuration files changed since it was taken" in cli.stdout
    assert _verdict(repo / "cli.json") == _verdict(repo / "live.json")

    (repo / "evidence.json").write_text('{"format": "enjoin-evidence", "version": 1}')
    broken = _pytest(repo, "--enjoin-from-snapshot=evidence.json")
    assert broken.returncode == 2, broken.stdout[-3000:]
    assert "evidence.json: expected the keys of an evidence file" in broken.stdout


def test_pytest_refuses_a_snapshot_path_in_a_missing_directory_before_the_run(repo: Path) -> None:
    run = _pytest(repo, "--enjoin-snapshot=nowhere/evidence.json")
    assert run.returncode == 2
    assert run.stderr.strip() == (f"Exit: enjoin: --enjoin-snapshot nowhere/evidence.json: expected a snapshot path in "
                                  f"an existing directory; found no directory {repo / 'nowhere'}")
    both = _pytest(repo, "--enjoin-snapshot=e.json", "--enjoin-from-snapshot=f.json")
    assert both.returncode == 2
    assert both.stderr.strip() == ("Exit: enjoin: --enjoin-from-snapshot f.json: expected no --enjoin-snapshot with "
                                   "it (the evidence judged is already saved); found both")
