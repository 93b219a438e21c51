"""Judging a 100-resource template, stage by stage, now against an earlier enjoin (default: the commit before
CloudFormation intake took every template), from one run.

The template (written to a temporary directory) has 100 resources of the types both versions deploy: 20
buckets with their policies, 10 KMS keys, 30 roles and 20 managed policies, in the shapes of
``infra/reference``. A second template adds 100 inert resources (log groups, topics, queues, parameters,
alarms) that only the current version accepts: it shows what they cost. Each side runs in its own process
with the same environment (the engine's Python reference on both sides: the earlier checkout has no compiled
core); the earlier one from a ``git worktree`` of --baseline. Prints each stage's median
over --runs runs, per resource, and the ratio.

    python scripts/bench_intake.py [--runs 3] [--baseline REV]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASELINE = "c4779bc"  # the last commit before the CloudFormation intake work

# Runs in the measured process: imports enjoin from PYTHONPATH, prints one JSON line of stage times.
DRIVER = r"""
import json, sys, time
from enjoin.backends import get_backend
from enjoin.case import load_case
from enjoin.config import load
from enjoin.deploy import deploy
from enjoin.inventory import inventory
from enjoin.judgment import judge
from enjoin.reach import compute_reach
config = load(sys.argv[1])
times = {}
backend = get_backend("moto")
t0 = time.perf_counter()
backend.start()
deployment = deploy(backend, config)
t1 = time.perf_counter()
accounts = tuple(config.accounts.values())
snapshot = inventory(backend, accounts, config.region, deployment.organization, deployment.declared())
t2 = time.perf_counter()
backend.stop()  # teardown, not a stage the verdict waits for
t2b = time.perf_counter()
reach = compute_reach(snapshot, config.parties, config.holdings, config.region)
t3 = time.perf_counter()
judgment = judge(load_case(config.case), config.holdings, reach, config.decisions, config.as_of)
t4 = time.perf_counter()
times.update({"deploy": t1 - t0, "inventory": t2 - t1, "reach": t3 - t2b, "judgment": t4 - t3})
try:  # validation alone, measured last: deploy runs it in a worker process, beside the deployment
    from enjoin.iac.cloudformation.validate import check
    t = time.perf_counter()
    for entry in config.templates:
        check(entry.path, entry.path.read_text(), config.region, entry.parameters)
    times["validation"] = time.perf_counter() - t
except ImportError:
    pass
print(json.dumps({"times": times, "verdict": judgment.verdict.value}))
"""


def template(extra: bool) -> str:
    """A template of 100 modeled resources (and 100 more inert or unmodeled ones with ``extra``), as JSON."""
    resources: dict[str, object] = {}
    for i in range(10):
        resources[f"Key{i}"] = {
            "Type": "AWS::KMS::Key",
            "Properties": {
                "EnableKeyRotation": True,
                "KeyPolicy": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "Admin",
                            "Effect": "Allow",
                            "Principal": {"AWS": {"Fn::Sub": "arn:aws:iam::${AWS::AccountId}:root"}},
                            "Action": "kms:*",
                            "Resource": "*",
                        }
                    ],
                },
            },
        }
    for i in range(20):
        resources[f"Bucket{i}"] = {
            "Type": "AWS::S3::Bucket",
            "Properties": {
                "BucketName": f"bench-data-{i}",
                "BucketEncryption": {
                    "ServerSideEncryptionConfiguration": [
                        {
                            "ServerSideEncryptionByDefault": {
                                "SSEAlgorithm": "aws:kms",
                                "KMSMasterKeyID": {"Fn::GetAtt": [f"Key{i % 10}", "Arn"]},
                            }
                        }
                    ]
                },
                "PublicAccessBlockConfiguration": dict.fromkeys(
                    ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"), True
                ),
            },
        }
        resources[f"Bucket{i}Policy"] = {
            "Type": "AWS::S3::BucketPolicy",
            "Properties": {
                "Bucket": {"Ref": f"Bucket{i}"},
                "PolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "DenyInsecureTransport",
                            "Effect": "Deny",
                            "Principal": "*",
                            "Action": "s3:*",
                            "Resource": [
                                {"Fn::GetAtt": [f"Bucket{i}", "Arn"]},
                                {"Fn::Sub": f"${{Bucket{i}.Arn}}/*"},
                            ],
                            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                        }
                    ],
                },
            },
        }
    for i in range(30):
        resources[f"Role{i}"] = {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "RoleName": f"bench-analyst-{i}",
                "AssumeRolePolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"AWS": {"Fn::Sub": "arn:aws:iam::${AWS::AccountId}:root"}},
                            "Action": "sts:AssumeRole",
                        }
                    ],
                },
            },
        }
    for i in range(20):
        resources[f"Policy{i}"] = {
            "Type": "AWS::IAM::ManagedPolicy",
            "Properties": {
                "Roles": [{"Ref": f"Role{i}"}],
                "PolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Action": "s3:GetObject",
                            "Resource": {"Fn::Sub": f"${{Bucket{i}.Arn}}/*"},
                        }
                    ],
                },
            },
        }
    if extra:
        for i in range(20):
            resources[f"Logs{i}"] = {"Type": "AWS::Logs::LogGroup", "Properties": {"RetentionInDays": 30}}
            resources[f"Topic{i}"] = {"Type": "AWS::SNS::Topic", "Properties": {}}
            resources[f"Queue{i}"] = {"Type": "AWS::SQS::Queue", "Properties": {"MessageRetentionPeriod": 86400}}
            resources[f"Param{i}"] = {
                "Type": "AWS::SSM::Parameter",
                "Properties": {"Type": "String", "Value": {"Ref": f"Bucket{i}"}},
            }
            resources[f"Alarm{i}"] = {
                "Type": "AWS::CloudWatch::Alarm",
                "Properties": {
                    "MetricName": "NumberOfMessagesSent",
                    "Namespace": "AWS/SQS",
                    "Statistic": "Sum",
                    "Period": 300,
                    "EvaluationPeriods": 1,
                    "Threshold": 100,
                    "ComparisonOperator": "GreaterThanThreshold",
                    "Dimensions": [{"Name": "QueueName", "Value": {"Fn::GetAtt": [f"Queue{i}", "QueueName"]}}],
                },
            }
    return json.dumps({"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources}, indent=1)


CONFIG = """case: ca-v-hhs
as_of: 2026-02-01
accounts: {cms: "111111111111", dhs: "222222222222"}
templates: [{path: bench.yaml, account: cms}]
parties: {DHS: {accounts: [dhs]}}
holdings:
  - {resource: "arn:aws:s3:::bench-data-*/*", program: medicaid, states: all, populations: all,
     fields: [ssn, address]}
"""


def measure(src: Path, config: Path, runs: int) -> tuple[dict[str, float], str]:
    # Both sides decide with the engine's Python reference: the earlier checkout has no compiled core.
    env = {**os.environ, "PYTHONPATH": str(src), "ENJOIN_PURE_PYTHON": "1"}
    samples: dict[str, list[float]] = {}
    verdict = ""
    for _ in range(runs):
        done = subprocess.run(
            [sys.executable, "-c", DRIVER, str(config)], env=env, capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            raise SystemExit(f"{src}: the run failed\n{done.stderr[-3000:]}")
        line = json.loads(done.stdout.strip().splitlines()[-1])
        verdict = line["verdict"]
        for stage, value in line["times"].items():
            samples.setdefault(stage, []).append(value)
    return {stage: statistics.median(values) for stage, values in samples.items()}, verdict


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--baseline", default=BASELINE)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        worktree = work / "baseline"
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(worktree), args.baseline],
            check=True,
            capture_output=True,
        )
        try:
            for name, extra in (("100 modeled", False), ("100 modeled + 100 inert/unmodeled", True)):
                case = work / ("extra" if extra else "plain")
                case.mkdir()
                (case / "bench.yaml").write_text(template(extra), encoding="utf-8")
                (case / "enjoin.yaml").write_text(CONFIG, encoding="utf-8")
                count = 200 if extra else 100
                now, verdict = measure(ROOT / "src", case / "enjoin.yaml", args.runs)
                print(f"{name} resources (median of {args.runs} runs; verdict now: {verdict})")
                before: dict[str, float] = {}
                if not extra:
                    before, old_verdict = measure(worktree / "src", case / "enjoin.yaml", args.runs)
                    print(f"  verdict at {args.baseline}: {old_verdict}")
                print(f"  {'stage':<11} {'now ms/res':>11} {'before ms/res':>13} {'ratio':>6}")
                for stage in ("validation", "deploy", "inventory", "reach", "judgment"):
                    if stage not in now:
                        continue
                    old = f"{before[stage] * 1000 / count:>13.2f}" if stage in before else f"{'-':>13}"
                    ratio = f"{now[stage] / before[stage]:>6.2f}" if stage in before else f"{'-':>6}"
                    print(f"  {stage:<11} {now[stage] * 1000 / count:>11.2f} {old} {ratio}")
                total_now = sum(v for k, v in now.items() if k != "validation")
                line = f"  {'total':<11} {total_now * 1000 / count:>11.2f}"
                if before:
                    total_before = sum(before.values())
                    line += f" {total_before * 1000 / count:>13.2f} {total_now / total_before:>6.2f}"
                print(line + "   (deploy now includes validation)")
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(worktree)], check=False)


if __name__ == "__main__":
    main()
