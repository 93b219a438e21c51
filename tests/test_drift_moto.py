"""Drift between two moto deployments of the reference: none from random ids, and the exact drift of each hand change.

The live side is deployed through the same path as the code side, changed by hand through boto3 (as a person at the
console would), then read as a live run reads (no templates: organisation policies from enjoin.yaml, no constructs).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from enjoin.backends.moto import MotoBackend
from enjoin.cli import main
from enjoin.config import load
from enjoin.deploy import deploy
from enjoin.deploy.organization import organization_from_config
from enjoin.drift_run import Side, judge_live, run_drift
from enjoin.inventory import inventory
from enjoin.report import evidence
from enjoin.report.drift import schema, to_drift_report

ROOT = Path(__file__).resolve().parents[1]
CONFIG = load(ROOT / "enjoin.yaml")
CMS, DHS = "111111111111", "222222222222"
REGION = "us-east-1"
Change = Callable[[MotoBackend], None]


@pytest.fixture(scope="module")
def code(moto: MotoBackend) -> Side:
    moto.reset()
    from enjoin.pipeline import judge_snapshot, snapshot_of

    snapshot = snapshot_of(CONFIG, moto)
    return Side(snapshot, judge_snapshot(CONFIG, snapshot).judgment, "the reviewed code deployed into moto")


def live_after(moto: MotoBackend, change: Change) -> Side:
    """The reference deployed afresh (new random ids), changed by hand, read as the live backend reads."""
    moto.reset()
    deploy(moto, CONFIG)
    change(moto)
    organization = replace(organization_from_config(CONFIG), source="enjoin.yaml")
    snapshot = inventory(moto, tuple(CONFIG.accounts.values()), CONFIG.region, organization, None)
    return Side(snapshot, judge_live(CONFIG, snapshot), "the stand-in live accounts")


def nothing(_: MotoBackend) -> None:
    pass


def attach_policy_in_console(moto: MotoBackend) -> None:
    moto.client("iam", CMS, REGION).attach_role_policy(
        RoleName="IceLiaison", PolicyArn="arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")


DHS_READ = {"Sid": "DhsRead", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{DHS}:root"},
            "Action": "s3:GetObject", "Resource": "arn:aws:s3:::cms-chip-enrollment/*"}


def bucket_policy_trusts_dhs(moto: MotoBackend) -> None:
    s3 = moto.client("s3", CMS, REGION)
    policy = json.loads(s3.get_bucket_policy(Bucket="cms-chip-enrollment")["Policy"])
    policy["Statement"].append(DHS_READ)
    s3.put_bucket_policy(Bucket="cms-chip-enrollment", Policy=json.dumps(policy))


def new_role_trusting_dhs(moto: MotoBackend) -> None:
    iam = moto.client("iam", CMS, REGION)
    trust = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{DHS}:root"}, "Action": "sts:AssumeRole"}]}
    iam.create_role(RoleName="DhsConsoleHelper", AssumeRolePolicyDocument=json.dumps(trust))
    read = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::cms-chip-enrollment/*"}]}
    iam.put_role_policy(RoleName="DhsConsoleHelper", PolicyName="ReadChip", PolicyDocument=json.dumps(read))


def access_key_for_user(moto: MotoBackend) -> None:
    moto.client("iam", CMS, REGION).create_access_key(UserName="pi-analyst-mrivera")


DHS_DECRYPT = {"Sid": "AllowDhsDecrypt", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{DHS}:root"},
               "Action": "kms:Decrypt", "Resource": "*"}


def key_policy_widened(moto: MotoBackend) -> None:
    kms = moto.client("kms", CMS, REGION)
    key_id = kms.describe_key(KeyId="alias/cms-tmsis-claims")["KeyMetadata"]["KeyId"]
    policy = json.loads(kms.get_key_policy(KeyId=key_id, PolicyName="default")["Policy"])
    policy["Statement"].append(DHS_DECRYPT)
    kms.put_key_policy(KeyId=key_id, PolicyName="default", Policy=json.dumps(policy))


def entries(side_code: Side, side_live: Side) -> tuple[list[dict[str, Any]], dict[str, tuple[str, str, str]], Any]:
    """The drift report's resources (without the random key ARNs) and each clause as (code, live, comparison)."""
    result = run_drift(side_code, side_live)
    report = to_drift_report(result.drift, side_code.judgment, side_code.source, side_live.source)
    jsonschema.validate(report, schema(), cls=jsonschema.Draft202012Validator)
    resources = [{k: v for k, v in r.items() if k not in ("code_ref", "live_ref")} for r in report["resources"]]
    clauses = {c["id"]: (c["code"], c["live"], c["comparison"]) for c in report["clauses"]}
    return resources, clauses, report


SAME = {
    "DKT148-FIELDS": ("COMPLIANT", "COMPLIANT", "same"),
    "DKT148-MEDICAL": ("COMPLIANT", "COMPLIANT", "same"),
    "DKT148-POPULATIONS": ("COMPLIANT", "COMPLIANT", "same"),
    "DKT148-PROGRAMS": ("COMPLIANT", "COMPLIANT", "same"),
    "DKT98-NO-SHARING": ("NOT_APPLICABLE", "NOT_APPLICABLE", "same"),
}
PROGRAMS_WORSE = {**SAME, "DKT148-PROGRAMS": ("COMPLIANT", "VIOLATION", "worse")}


def change(field: str, **parts: Any) -> dict[str, Any]:
    return {"field": field, "code": None, "live": None, "added": [], "removed": [], "statements": [], **parts}


def added(statement: dict[str, Any], index: int) -> dict[str, Any]:
    from enjoin.drift import normalise_statement

    return {"change": "added", "sid": statement["Sid"], "code_index": None, "live_index": index, "code": None,
            "live": normalise_statement(statement)}


def test_two_deployments_of_the_same_code_have_no_drift_whatever_their_random_ids(code: Side,
                                                                                 moto: MotoBackend) -> None:
    live = live_after(moto, nothing)
    assert {k.arn for k in code.snapshot.keys}.isdisjoint({k.arn for k in live.snapshot.keys})
    assert {r.role_id for r in code.snapshot.roles}.isdisjoint({r.role_id for r in live.snapshot.roles})
    resources, clauses, report = entries(code, live)
    assert (resources, clauses, report["worse"], report["drifted"]) == ([], SAME, False, False)


def test_a_managed_policy_attached_in_the_console(code: Side, moto: MotoBackend) -> None:
    resources, clauses, report = entries(code, live_after(moto, attach_policy_in_console))
    policy = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
    assert resources == [{
        "kind": "role", "id": f"arn:aws:iam::{CMS}:role/IceLiaison", "account": CMS, "status": "changed",
        "matched_by": None,
        "changes": [change("managed_policy_arns", code=[], live=[policy], added=[policy])],
    }]
    assert clauses == PROGRAMS_WORSE
    [finding] = report["clauses"][3]["live_only_findings"]
    assert (finding["principal"], finding["holding"]) == (f"arn:aws:iam::{CMS}:role/IceLiaison",
                                                          "arn:aws:s3:::cms-chip-enrollment/*")


def test_a_bucket_policy_edited_to_trust_the_dhs_account(code: Side, moto: MotoBackend) -> None:
    resources, clauses, report = entries(code, live_after(moto, bucket_policy_trusts_dhs))
    index = len(next(b for b in code.snapshot.buckets if b.name == "cms-chip-enrollment").policy["Statement"])
    assert resources == [{
        "kind": "bucket", "id": "cms-chip-enrollment", "account": CMS, "status": "changed", "matched_by": None,
        "changes": [change("policy", statements=[added(DHS_READ, index)])],
    }]
    assert clauses == PROGRAMS_WORSE
    assert {f["principal"] for f in report["clauses"][3]["live_only_findings"]} <= {
        f"arn:aws:iam::{DHS}:role/IceAnalyst", f"arn:aws:iam::{DHS}:role/IceEnforcement",
        f"arn:aws:iam::{DHS}:role/enjoin-party-controlled"}


def test_a_new_role_trusting_dhs(code: Side, moto: MotoBackend) -> None:
    resources, clauses, _ = entries(code, live_after(moto, new_role_trusting_dhs))
    assert resources == [{"kind": "role", "id": f"arn:aws:iam::{CMS}:role/DhsConsoleHelper", "account": CMS,
                          "status": "console-created", "matched_by": None, "changes": []}]
    assert clauses == PROGRAMS_WORSE


def test_a_kms_key_policy_widened(code: Side, moto: MotoBackend) -> None:
    live = live_after(moto, key_policy_widened)
    resources, clauses, report = entries(code, live)
    key = next(k for k in code.snapshot.keys if f"arn:aws:kms:{REGION}:{CMS}:alias/cms-tmsis-claims" in k.aliases)
    assert resources == [{
        "kind": "key", "id": f"arn:aws:kms:{REGION}:{CMS}:alias/cms-tmsis-claims", "account": CMS,
        "status": "changed", "matched_by": "alias",
        "changes": [change("policy", statements=[added(DHS_DECRYPT, len(key.policy["Statement"]))])],
    }]
    # The key alone opens nothing: the claims bucket still grants DHS no read. Drift all the same (exit 1).
    assert (clauses, report["worse"], report["drifted"]) == (SAME, False, True)
    assert report["resources"][0]["code_ref"] == key.arn != report["resources"][0]["live_ref"]


def test_an_access_key_for_a_user(code: Side, moto: MotoBackend) -> None:
    # The inventory counts each user's access keys (not their ids, which differ between sides): one created by
    # hand is drift, though it changes no verdict (reach offers iam:CreateAccessKey to whoever may ask it).
    resources, clauses, _ = entries(code, live_after(moto, access_key_for_user))
    assert clauses == SAME
    assert resources == [{"kind": "user", "id": f"arn:aws:iam::{CMS}:user/pi-analyst-mrivera", "account": CMS,
                          "status": "changed", "matched_by": None,
                          "changes": [change("access_keys", code=0, live=1),
                                      change("active_access_keys", code=0, live=1)]}]


# -- enjoin drift over saved evidence --------------------------------------------------------------------------------


def _save(side: Side, path: Path, backend: str) -> Path:
    evidence.save(evidence.take(CONFIG, side.snapshot, backend, dt.datetime(2026, 2, 1, 3, tzinfo=dt.UTC)), path)
    return path


def test_enjoin_drift_over_saved_evidence_exit_codes_and_report(code: Side, moto: MotoBackend, tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    code_file = _save(code, tmp_path / "code.json", "moto")
    live_file = _save(live_after(moto, new_role_trusting_dhs), tmp_path / "live.json", "live")
    config = str(ROOT / "enjoin.yaml")
    report = tmp_path / "drift.json"
    argv = ["drift", "--config", config, "--code-snapshot", str(code_file), "--live-snapshot", str(live_file)]
    assert main([*argv, "--report", str(report)]) == 1
    written = json.loads(report.read_text(encoding="utf-8"))
    jsonschema.validate(written, schema(), cls=jsonschema.Draft202012Validator)
    assert [(r["kind"], r["id"], r["status"]) for r in written["resources"]] == [
        ("role", f"arn:aws:iam::{CMS}:role/DhsConsoleHelper", "console-created")]
    assert written["worse"] is True and written["live"]["source"].startswith("the evidence file ")
    out = capsys.readouterr().out
    assert "DKT148-PROGRAMS        code COMPLIANT       live VIOLATION       worse" in out
    assert f"console-created  role arn:aws:iam::{CMS}:role/DhsConsoleHelper" in out

    assert main(["drift", "--config", config, "--code-snapshot", str(code_file), "--live-snapshot", str(code_file),
                 "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["drifted"] is False
    # On a date before any order binds, the verdicts are NOT_APPLICABLE on both sides; the role is drift all the same.
    assert main([*argv, "--as-of", "2025-01-01"]) == 1

    broken = tmp_path / "broken.json"
    broken.write_text("{}", encoding="utf-8")
    assert main(["drift", "--config", config, "--code-snapshot", str(code_file), "--live-snapshot", str(broken)]) == 2
    assert "broken.json" in capsys.readouterr().err
    assert main([*argv, "--as-of", "someday"]) == 2
    assert main([*argv, "--report", str(tmp_path / "no" / "such" / "dir.json")]) == 2


def test_pytest_drift_mode_fails_on_drift_and_writes_the_report(moto: MotoBackend, tmp_path: Path) -> None:
    live_file = _save(live_after(moto, new_role_trusting_dhs), tmp_path / "live.json", "live")
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "ENJOIN_"))}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", f"--enjoin-config={ROOT / 'enjoin.yaml'}",
         f"--enjoin-from-snapshot={live_file}", f"--enjoin-drift-report={tmp_path / 'drift.json'}"],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=False, env=clean)
    # The scenarios judge the live side (DKT148-PROGRAMS fails there); the drift fails the run on its own too.
    assert run.returncode == 1, run.stdout[-3000:]
    assert "enjoin drift: DRIFT" in run.stdout
    assert f"console-created  role arn:aws:iam::{CMS}:role/DhsConsoleHelper" in run.stdout
    written = json.loads((tmp_path / "drift.json").read_text(encoding="utf-8"))
    jsonschema.validate(written, schema(), cls=jsonschema.Draft202012Validator)
    assert [(r["id"], r["status"]) for r in written["resources"]] == [
        (f"arn:aws:iam::{CMS}:role/DhsConsoleHelper", "console-created")]
    assert written["live"]["source"] == f"the evidence file {live_file}"
