"""The nightly run over the stand-in, end to end: ``enjoin drift`` against live accounts changed by hand, the
example cron script run as cron would run it, and the example GitHub Actions workflow checked against the commands.

One module fixture (:func:`night`) takes the runs in order on one stand-in deployment: the cron script on the
reference as deployed (clean: exit 0); every hand change of issue 13 made at once through the admin path (a policy
attached in the console to a role, a bucket policy edited to trust the DHS account, a new role trusting DHS, an access
key for a user, a KMS key policy widened); the cron script again (exit 1); then ``enjoin drift`` in this process
through :func:`enjoin.cli.main`, with ``AWS_ENDPOINT_URL`` at the stand-in and the audit roles only. The drift it
reports is the drift tests/test_drift_moto.py asserts between two moto deployments, change by change.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import stat
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from enjoin.backends.read_only import is_allowed
from enjoin.cli import main
from enjoin.cli.drift import parser as drift_parser
from enjoin.cli.judge import parser as judge_parser
from enjoin.config import load
from enjoin.drift import normalise_statement
from enjoin.drift_run import own_roles
from enjoin.report.drift import schema

from .conftest import AUDIT_ROLE, REGION, ROOT, Seen, StandIn

CMS, DHS = "111111111111", "222222222222"
EXAMPLES = ROOT / "examples" / "nightly"
WORKFLOW = EXAMPLES / "enjoin-nightly.yml"
SCRIPT = EXAMPLES / "enjoin-nightly.sh"
S3_READ_ONLY = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
DHS_READ = {"Sid": "DhsRead", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{DHS}:root"},
            "Action": "s3:GetObject", "Resource": "arn:aws:s3:::cms-chip-enrollment/*"}
DHS_DECRYPT = {"Sid": "AllowDhsDecrypt", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{DHS}:root"},
               "Action": "kms:Decrypt", "Resource": "*"}
KEY_ALIAS = f"arn:aws:kms:{REGION}:{CMS}:alias/cms-tmsis-claims"


@dataclass
class Script:
    """One run of the cron script: its exit code, what it printed, the night's directory."""

    code: int
    output: str
    night: Path


@dataclass
class Night:
    clean: Script
    changed: Script
    drift_code: int
    drift: dict[str, Any]  # the JSON drift report of enjoin drift in this process
    seen: list[Seen]  # what the server received during it
    script_seen: list[Seen]  # what the server received during the two script runs
    chip_statements: int  # statements of the CHIP bucket's policy as deployed
    key_statements: int  # statements of the claims key's policy as deployed


def _make_every_hand_change(standin: StandIn) -> tuple[int, int]:
    """Issue 13's hand changes, through the admin path (as a person at the console); the policies' lengths before."""
    admin = standin.admin
    iam = admin.client("iam", CMS, REGION)
    iam.attach_role_policy(RoleName="IceLiaison", PolicyArn=S3_READ_ONLY)

    s3 = admin.client("s3", CMS, REGION)
    policy = json.loads(s3.get_bucket_policy(Bucket="cms-chip-enrollment")["Policy"])
    chip_statements = len(policy["Statement"])
    policy["Statement"].append(DHS_READ)
    s3.put_bucket_policy(Bucket="cms-chip-enrollment", Policy=json.dumps(policy))

    trust = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{DHS}:root"}, "Action": "sts:AssumeRole"}]}
    iam.create_role(RoleName="DhsConsoleHelper", AssumeRolePolicyDocument=json.dumps(trust))
    read = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::cms-chip-enrollment/*"}]}
    iam.put_role_policy(RoleName="DhsConsoleHelper", PolicyName="ReadChip", PolicyDocument=json.dumps(read))

    iam.create_access_key(UserName="pi-analyst-mrivera")

    kms = admin.client("kms", CMS, REGION)
    key_id = kms.describe_key(KeyId="alias/cms-tmsis-claims")["KeyMetadata"]["KeyId"]
    policy = json.loads(kms.get_key_policy(KeyId=key_id, PolicyName="default")["Policy"])
    key_statements = len(policy["Statement"])
    policy["Statement"].append(DHS_DECRYPT)
    kms.put_key_policy(KeyId=key_id, PolicyName="default", Policy=json.dumps(policy))
    return chip_statements, key_statements


def _run_script(config: Path, keep: Path, bin_dir: Path) -> Script:
    """The cron script in a process of its own, as cron runs it, with the environment of this (live) process.

    Its ``enjoin`` is ``standin.py`` run as a script: enjoin's command line with S3 Control's ``<account>.127.0.0.1``
    hosts resolved, as wildcard DNS resolves them for an AWS-compatible endpoint.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "ENJOIN_"))}
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    before = set(keep.iterdir()) if keep.exists() else set()
    run = subprocess.run(["bash", str(SCRIPT), str(config), str(keep)], capture_output=True, text=True,
                         timeout=600, check=False, env=env)
    [night] = set(keep.iterdir()) - before
    return Script(run.returncode, run.stdout + run.stderr, night)


@pytest.fixture(scope="module")
def night(standin: StandIn, live_environment: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Night]:
    folder = tmp_path_factory.mktemp("nightly")
    bin_dir = folder / "bin"  # `enjoin` as this interpreter's: the script calls the command by name
    bin_dir.mkdir()
    command = f"{shlex.quote(sys.executable)} {shlex.quote(str(Path(__file__).with_name('standin.py')))}"
    (bin_dir / "enjoin").write_text(f'#!/bin/sh\nexec {command} "$@"\n')
    (bin_dir / "enjoin").chmod(stat.S_IRWXU)
    config = standin.live_config()
    keep = folder / "keep"

    mark = standin.log.mark()
    clean = _run_script(config, keep, bin_dir)
    script_seen = standin.log.since(mark)
    chip_statements, key_statements = _make_every_hand_change(standin)
    mark = standin.log.mark()
    changed = _run_script(config, keep, bin_dir)
    script_seen += standin.log.since(mark)

    report = folder / "drift.json"
    drift_mark = standin.log.mark()
    # Live side first, then the code side in in-process moto (whose requests never reach the server).
    code = main(["drift", "--config", str(config), "--report", str(report)])
    seen = standin.log.since(drift_mark)
    yield Night(clean, changed, code, json.loads(report.read_text(encoding="utf-8")), seen,
                script_seen, chip_statements, key_statements)


# -- enjoin drift over the live stand-in -----------------------------------------------------------------------------


def _change(field: str, **parts: Any) -> dict[str, Any]:
    return {"field": field, "code": None, "live": None, "added": [], "removed": [], "statements": [], **parts}


def _added(statement: dict[str, Any], index: int) -> dict[str, Any]:
    return {"change": "added", "sid": statement["Sid"], "code_index": None, "live_index": index, "code": None,
            "live": normalise_statement(statement)}


def test_enjoin_drift_over_the_live_stand_in_reports_exactly_the_hand_changes(night: Night) -> None:
    report = night.drift
    jsonschema.validate(report, schema(), cls=jsonschema.Draft202012Validator)
    resources = [{k: v for k, v in r.items() if k not in ("code_ref", "live_ref")} for r in report["resources"]]
    # Each entry is the one tests/test_drift_moto.py asserts for its change alone between two moto deployments.
    assert sorted(resources, key=lambda r: (r["kind"], r["id"])) == sorted([
        {"kind": "role", "id": f"arn:aws:iam::{CMS}:role/IceLiaison", "account": CMS, "status": "changed",
         "matched_by": None,
         "changes": [_change("managed_policy_arns", code=[], live=[S3_READ_ONLY], added=[S3_READ_ONLY])]},
        {"kind": "bucket", "id": "cms-chip-enrollment", "account": CMS, "status": "changed", "matched_by": None,
         "changes": [_change("policy", statements=[_added(DHS_READ, night.chip_statements)])]},
        {"kind": "role", "id": f"arn:aws:iam::{CMS}:role/DhsConsoleHelper", "account": CMS,
         "status": "console-created", "matched_by": None, "changes": []},
        {"kind": "user", "id": f"arn:aws:iam::{CMS}:user/pi-analyst-mrivera", "account": CMS, "status": "changed",
         "matched_by": None,
         "changes": [_change("access_keys", code=0, live=1), _change("active_access_keys", code=0, live=1)]},
        {"kind": "key", "id": KEY_ALIAS, "account": CMS, "status": "changed", "matched_by": "alias",
         "changes": [_change("policy", statements=[_added(DHS_DECRYPT, night.key_statements)])]},
    ], key=lambda r: (r["kind"], r["id"]))
    key = next(r for r in report["resources"] if r["kind"] == "key")
    assert key["code_ref"] != key["live_ref"]  # the same key by its alias, under two random ARNs
    assert report["counts"] == {"console-created": 1, "missing-live": 0, "changed": 4}


def test_enjoin_drift_over_the_live_stand_in_compares_the_clauses_and_exits_1(night: Night) -> None:
    report = night.drift
    assert {c["id"]: (c["code"], c["live"], c["comparison"]) for c in report["clauses"]} == {
        "DKT148-FIELDS": ("COMPLIANT", "COMPLIANT", "same"),
        "DKT148-MEDICAL": ("COMPLIANT", "COMPLIANT", "same"),
        "DKT148-POPULATIONS": ("COMPLIANT", "COMPLIANT", "same"),
        "DKT148-PROGRAMS": ("COMPLIANT", "VIOLATION", "worse"),
        "DKT98-NO-SHARING": ("NOT_APPLICABLE", "NOT_APPLICABLE", "same"),
    }
    assert (report["code"]["verdict"], report["live"]["verdict"]) == ("COMPLIANT", "VIOLATION")
    assert (report["code"]["source"], report["live"]["source"]) == ("the reviewed code deployed into moto",
                                                                  "the live accounts")
    assert (report["worse"], report["drifted"], night.drift_code) == (True, True, 1)
    [programs] = [c for c in report["clauses"] if c["id"] == "DKT148-PROGRAMS"]
    # One finding per holding: a shortest path of those DHS has to it (here through the role given S3 read).
    assert {(f["principal"], f["holding"]) for f in programs["live_only_findings"]} == {
        (f"arn:aws:iam::{CMS}:role/IceLiaison", "arn:aws:s3:::cms-chip-enrollment/*"),
    }
    assert programs["code_only_findings"] == []


def test_the_roles_of_the_live_section_are_enjoins_own_not_drift(standin: StandIn) -> None:
    # Present only live (the reference does not deploy them), they are absent from the drift above.
    assert own_roles(load(standin.live_config())) == {f"arn:aws:iam::{CMS}:role/{AUDIT_ROLE}",
                                                      f"arn:aws:iam::{DHS}:role/{AUDIT_ROLE}"}
    assert own_roles(load(ROOT / "enjoin.yaml")) == frozenset()


def _refused(seen: list[Seen]) -> list[tuple[str, str]]:
    return sorted({(s.service, s.operation) for s in seen if not is_allowed(s.service, s.operation)})


def test_the_live_side_of_the_drift_sent_the_stand_in_only_allow_listed_reads(night: Night) -> None:
    assert night.seen, "the live side reached the stand-in"
    assert _refused(night.seen) == []  # zero mutating requests: every operation is an allow-listed read
    assert [s for s in night.seen if s.service == "s3" and s.method not in ("GET", "HEAD")] == []
    assert {s.service for s in night.seen} >= {"sts", "iam", "s3", "kms"}


# -- the cron script -------------------------------------------------------------------------------------------------


KEPT = {"evidence.json", "verdict.json", "drift.json", "judge.txt", "drift.txt", "exit-codes.txt"}


def test_the_cron_script_keeps_the_night_and_exits_0_on_the_reference(night: Night) -> None:
    run = night.clean
    assert run.code == 0, run.output[-3000:]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d{6}Z", run.night.name)
    assert {p.name for p in run.night.iterdir()} == KEPT
    assert (run.night / "exit-codes.txt").read_text() == "enjoin judge 0\nenjoin drift 0\n"
    verdict = json.loads((run.night / "verdict.json").read_text())
    assert verdict["verdict"] == "COMPLIANT"
    drift = json.loads((run.night / "drift.json").read_text())
    assert (drift["drifted"], drift["worse"], drift["resources"]) == (False, False, [])
    assert drift["live"]["source"].startswith(f"the evidence file {run.night / 'evidence.json'}")
    evidence = json.loads((run.night / "evidence.json").read_text())
    assert (evidence["format"], evidence["backend"]) == ("enjoin-evidence", "live")
    assert run.output.endswith("enjoin judge exited 0, enjoin drift 0; exit 0\n")


def test_the_cron_script_fails_after_a_hand_change_and_keeps_both_reports(night: Night) -> None:
    run = night.changed
    assert run.code == 1, run.output[-3000:]
    assert {p.name for p in run.night.iterdir()} == KEPT
    assert (run.night / "exit-codes.txt").read_text() == "enjoin judge 1\nenjoin drift 1\n"
    assert json.loads((run.night / "verdict.json").read_text())["verdict"] == "VIOLATION"
    drift = json.loads((run.night / "drift.json").read_text())
    assert sorted((r["kind"], r["id"], r["status"]) for r in drift["resources"]) == sorted(
        (r["kind"], r["id"], r["status"]) for r in night.drift["resources"])
    assert night.clean.night != run.night


def test_the_cron_script_sent_the_stand_in_only_allow_listed_reads(night: Night) -> None:
    assert night.script_seen and _refused(night.script_seen) == []


# -- the GitHub Actions workflow -------------------------------------------------------------------------------------


def _workflow() -> dict[Any, Any]:
    loaded = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def _enjoin_commands(script: str) -> list[list[str]]:
    """Every ``enjoin`` command line of a shell script (continuation lines joined), split as the shell would."""
    joined = re.sub(r"\\\n\s*", " ", script)
    commands = []
    for line in joined.splitlines():
        words = shlex.split(line, comments=True)
        if words[:1] == ["enjoin"]:
            # What follows a pipe or a redirection is the shell's, not enjoin's.
            end = next((i for i, w in enumerate(words) if w in ("|", "||", "&&") or w.startswith((">", "2>"))),
                       len(words))
            commands.append(words[1:end])
    return commands


def _parsed(command: list[str]) -> Any:
    parsers = {"judge": judge_parser(), "drift": drift_parser()}
    assert command[0] in parsers, command
    try:
        return parsers[command[0]].parse_args(command[1:])
    except SystemExit:  # argparse refused the line: an option the command does not accept
        pytest.fail(f"enjoin {shlex.join(command)}: not accepted by enjoin {command[0]}")


def test_the_workflow_is_scheduled_assumes_its_role_through_oidc_and_always_keeps_the_reports() -> None:
    workflow = _workflow()
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads the key `on` as true
    assert [s["cron"] for s in triggers["schedule"]] == ["17 3 * * *"]
    assert "workflow_dispatch" in triggers
    assert workflow["permissions"] == {"id-token": "write", "contents": "read"}
    [job] = workflow["jobs"].values()
    steps = job["steps"]
    uses = [s.get("uses", "").split("@")[0] for s in steps]
    credentials = steps[uses.index("aws-actions/configure-aws-credentials")]
    assert set(credentials["with"]) >= {"role-to-assume", "aws-region"}
    assert "aws-access-key-id" not in credentials["with"]  # no stored secret: OIDC only
    upload = steps[uses.index("actions/upload-artifact")]
    assert upload["if"] == "always()" and upload["with"]["path"] == "${{ env.NIGHT }}/"
    last = steps[-1]
    assert last["if"] == "always()" and "exit" in last["run"]
    assert uses.index("aws-actions/configure-aws-credentials") < uses.index("actions/upload-artifact")
    assert steps.index(upload) < len(steps) - 1  # the artifact is kept before the job fails


def test_every_enjoin_command_of_the_examples_is_accepted_by_the_cli() -> None:
    workflow_runs = [s["run"] for job in _workflow()["jobs"].values() for s in job["steps"] if "run" in s]
    in_workflow = [c for run in workflow_runs for c in _enjoin_commands(run)]
    in_script = _enjoin_commands(SCRIPT.read_text(encoding="utf-8"))
    for commands in (in_workflow, in_script):
        parsed = [(c[0], _parsed(c)) for c in commands]
        assert [name for name, _ in parsed] == ["judge", "drift", "drift"]
        judge = parsed[0][1]
        assert judge.backend == "live" and judge.save_snapshot and judge.report
        drift_over_evidence, drift_reading = parsed[1][1], parsed[2][1]
        assert drift_over_evidence.live_snapshot == judge.save_snapshot and drift_over_evidence.report
        assert drift_reading.live_snapshot is None and drift_reading.report
        assert {judge.config, drift_over_evidence.config, drift_reading.config} in ({"$CONFIG"}, {"$config"})


def test_the_readmes_oidc_trust_policy_and_job_role_policy_are_json_for_the_workflows_role() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")

    def block(marker: str) -> dict[str, Any]:
        found = re.search(rf"<!-- {marker} -->\n```json\n(.*?)^```", readme, re.S | re.M)
        assert found is not None, marker
        loaded = json.loads(found.group(1))
        assert isinstance(loaded, dict)
        return loaded

    [trust] = block("nightly-oidc-trust-policy")["Statement"]
    assert trust["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert trust["Principal"]["Federated"].endswith(":oidc-provider/token.actions.githubusercontent.com")
    assert trust["Condition"]["StringEquals"]["token.actions.githubusercontent.com:aud"] == "sts.amazonaws.com"
    [assume] = block("nightly-job-role-policy")["Statement"]
    assert assume["Action"] == "sts:AssumeRole" and all(r.endswith("-audit") for r in assume["Resource"])
    assert "ENJOIN_NIGHTLY_ROLE_ARN" in readme and "vars.ENJOIN_NIGHTLY_ROLE_ARN" in WORKFLOW.read_text()
