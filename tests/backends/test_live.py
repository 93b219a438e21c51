"""The live backend end to end over the stand-in: the same verdicts as the moto backend on the same state, a hand
change that opens the data to DHS flips the verdict, and the server receives nothing but allow-listed reads.

One module fixture (:func:`runs`) takes the runs in order, each on the state the previous left: the reference as
deployed; the same with a bucket policy edited by hand to trust the DHS account; the same with an organisation and
one resource of every kind the inventory reads (so that every allow-listed operation is made). The tests assert on
what each run gave and on the requests the server logged while it ran.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from enjoin.backends.live import SESSION_NAME
from enjoin.backends.read_only import allowed_operations, is_allowed
from enjoin.inventory import inventory
from enjoin.judgment import Verdict
from enjoin.pipeline import PipelineResult, judge_snapshot, run_pipeline
from enjoin.snapshot import Snapshot

from .conftest import ORG_ROLE, REGION, Seen, StandIn, audit_policy, trust_policy

CMS, DHS = "111111111111", "222222222222"
CHIP_BUCKET = "cms-chip-enrollment"
DHS_STATEMENT = {
    "Sid": "DhsEligibilityVerification",
    "Effect": "Allow",
    "Principal": {"AWS": f"arn:aws:iam::{DHS}:root"},
    "Action": ["s3:GetObject", "s3:ListBucket"],
    "Resource": [f"arn:aws:s3:::{CHIP_BUCKET}", f"arn:aws:s3:::{CHIP_BUCKET}/*"],
}


@dataclass
class Run:
    live: PipelineResult
    moto: PipelineResult  # the moto backend's inventory of the same state, judged the same way
    seen: list[Seen]  # what the server received during the live run


@dataclass
class Runs:
    reference: Run
    hand_change: Run
    everything: Run  # an organisation and one resource of each kind the inventory reads


def _moto_view(standin: StandIn, config_path: Path) -> PipelineResult:
    """What the moto backend makes of the server's state: the deployment's own reading (snapshot_of)."""
    deployment = standin.deployment
    snapshot = inventory(
        standin.admin,
        tuple(standin.config.accounts.values()),
        REGION,
        replace(deployment.organization, source="enjoin.yaml"),
        deployment.declared(),
    )
    from enjoin.config import load

    return judge_snapshot(load(config_path), snapshot)


def _live(standin: StandIn, config_path: Path) -> tuple[PipelineResult, list[Seen]]:
    mark = standin.log.mark()
    result = run_pipeline(config_path, "live")
    return result, standin.log.since(mark)


def _open_chip_bucket_to_dhs(standin: StandIn) -> None:
    """The hand change: the CHIP bucket's policy edited (as in the console) to let the DHS account read it."""
    s3 = standin.admin.client("s3", CMS, REGION)
    policy = json.loads(s3.get_bucket_policy(Bucket=CHIP_BUCKET)["Policy"])
    policy["Statement"].append(DHS_STATEMENT)
    s3.put_bucket_policy(Bucket=CHIP_BUCKET, Policy=json.dumps(policy))


def _add_one_of_everything(standin: StandIn) -> None:
    """Through the admin path: an organisation with an SCP, and one resource of every kind the inventory reads
    (an access point with a policy, a function, a catalog table, an instance with a profile, a stack set, a build
    project, a notebook, an image repository with a policy, a task definition), each running as a role only CMS's own
    services trust."""
    admin = standin.admin
    iam = admin.client("iam", CMS, REGION)
    for service in ("lambda", "ec2", "codebuild", "sagemaker", "cloudformation", "ecs-tasks", "states"):
        iam.create_role(
            RoleName=f"standin-{service}",
            AssumeRolePolicyDocument=json.dumps({
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Principal": {"Service": f"{service}.amazonaws.com"},
                               "Action": "sts:AssumeRole"}],
            }),
        )
    role = f"arn:aws:iam::{CMS}:role/standin-"
    iam.create_role(RoleName=ORG_ROLE, AssumeRolePolicyDocument=json.dumps(trust_policy()))
    iam.put_role_policy(RoleName=ORG_ROLE, PolicyName="enjoin-read-only",
                        PolicyDocument=json.dumps(audit_policy("organization")))
    iam.create_instance_profile(InstanceProfileName="standin-ec2")
    iam.add_role_to_instance_profile(InstanceProfileName="standin-ec2", RoleName="standin-ec2")

    s3control = admin.client("s3control", CMS, REGION)
    s3control.create_access_point(AccountId=CMS, Name="standin-claims", Bucket="cms-tmsis-claims")
    s3control.put_access_point_policy(AccountId=CMS, Name="standin-claims", Policy=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:*",
                       "Resource": f"arn:aws:s3:{REGION}:{CMS}:accesspoint/standin-claims/object/*"}],
    }))
    admin.client("lambda", CMS, REGION).create_function(
        FunctionName="standin-function", Runtime="python3.12", Role=f"{role}lambda", Handler="index.handler",
        Code={"ZipFile": _zip()},
    )
    glue = admin.client("glue", CMS, REGION)
    glue.create_database(DatabaseInput={"Name": "standin"})
    glue.create_table(DatabaseName="standin", TableInput={
        "Name": "enrollment",
        "StorageDescriptor": {"Columns": [{"Name": "state", "Type": "string"}],
                              "Location": "s3://cms-chip-enrollment/standin/"},
    })
    admin.client("ec2", CMS, REGION).run_instances(
        ImageId="ami-12c6146b", MinCount=1, MaxCount=1, IamInstanceProfile={"Name": "standin-ec2"}
    )
    admin.client("cloudformation", CMS, REGION).create_stack_set(
        StackSetName="standin", TemplateBody=json.dumps({"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}}),
        AdministrationRoleARN=f"{role}cloudformation",
    )
    admin.client("codebuild", CMS, REGION).create_project(
        name="standin",
        source={"type": "S3", "location": "cms-chip-enrollment/standin.zip"},
        artifacts={"type": "NO_ARTIFACTS"},
        environment={
            "type": "LINUX_CONTAINER", "image": "aws/codebuild/standard:7.0", "computeType": "BUILD_GENERAL1_SMALL"
        },
        serviceRole=f"{role}codebuild",
    )
    ecr = admin.client("ecr", CMS, REGION)
    ecr.create_repository(repositoryName="standin/extract")
    ecr.set_repository_policy(repositoryName="standin/extract", policyText=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Sid": "PullOnly", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{CMS}:root"},
                       "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]}],
    }))
    ecs = admin.client("ecs", CMS, REGION)
    ecs.register_task_definition(
        family="standin", taskRoleArn=f"{role}ecs-tasks",
        containerDefinitions=[
            {"name": "extract", "image": f"{CMS}.dkr.ecr.{REGION}.amazonaws.com/standin/extract:latest", "memory": 512}
        ],
    )
    ecs.create_cluster(clusterName="standin")  # a running task of the definition (ListTasks, DescribeTasks)
    ecs.run_task(cluster="standin", taskDefinition="standin", launchType="FARGATE")
    admin.client("stepfunctions", CMS, REGION).create_state_machine(  # ListStateMachines, DescribeStateMachine
        name="standin", roleArn=f"{role}states",
        definition=json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}}),
    )
    sagemaker = admin.client("sagemaker", CMS, REGION)
    sagemaker.create_notebook_instance_lifecycle_config(  # DescribeNotebookInstanceLifecycleConfig
        NotebookInstanceLifecycleConfigName="standin", OnStart=[{"Content": "ZWNobyBzdGFuZGlu"}]
    )
    sagemaker.create_notebook_instance(
        NotebookInstanceName="standin", InstanceType="ml.t3.medium", RoleArn=f"{role}sagemaker",
        LifecycleConfigName="standin",
    )
    organizations = admin.client("organizations", CMS, REGION)
    organizations.create_organization(FeatureSet="ALL")


def _zip() -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.py", "def handler(event, context):\n    return None\n")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def runs(standin: StandIn, live_environment: None) -> Iterator[Runs]:
    config = standin.live_config()
    moto = _moto_view(standin, config)
    live, seen = _live(standin, config)
    reference = Run(live, moto, seen)

    _open_chip_bucket_to_dhs(standin)
    moto = _moto_view(standin, config)
    live, seen = _live(standin, config)
    hand_change = Run(live, moto, seen)

    _add_one_of_everything(standin)
    config = standin.live_config(organization=True, name="live-organization.yaml")
    moto = _moto_view(standin, config)
    live, seen = _live(standin, config)
    yield Runs(reference, hand_change, Run(live, moto, seen))


def _verdicts(result: PipelineResult) -> dict[str, Verdict]:
    return {c.id: c.verdict for c in result.judgment.clauses}


def _clauses(result: PipelineResult) -> list[Any]:
    return result.report["clauses"]


def test_the_live_run_of_the_reference_judges_as_the_moto_backend_on_the_same_state(runs: Runs) -> None:
    run = runs.reference
    assert _verdicts(run.live) == {
        "DKT98-NO-SHARING": Verdict.NOT_APPLICABLE,
        "DKT148-FIELDS": Verdict.COMPLIANT,
        "DKT148-MEDICAL": Verdict.COMPLIANT,
        "DKT148-POPULATIONS": Verdict.COMPLIANT,
        "DKT148-PROGRAMS": Verdict.COMPLIANT,
    }
    assert _verdicts(run.live) == _verdicts(run.moto)
    assert _clauses(run.live) == _clauses(run.moto)  # every clause's reason and findings, not only the verdicts


def test_a_bucket_policy_edited_to_trust_dhs_flips_the_live_verdict_to_violation(runs: Runs) -> None:
    run = runs.hand_change
    assert run.live.judgment.verdict is Verdict.VIOLATION
    assert {c for c, v in _verdicts(run.live).items() if v is Verdict.VIOLATION} == {"DKT148-PROGRAMS"}
    programs = run.live.judgment.clause("DKT148-PROGRAMS")
    assert {f.holding for f in programs.findings} == {f"arn:aws:s3:::{CHIP_BUCKET}/*"}
    assert {s.sid for f in programs.findings for s in f.statements} >= {"DhsEligibilityVerification"}
    assert _clauses(run.live) == _clauses(run.moto)


def test_the_live_runs_make_no_request_that_is_not_an_allow_listed_read(runs: Runs) -> None:
    for run in (runs.reference, runs.hand_change, runs.everything):
        refused = sorted({(s.service, s.operation) for s in run.seen if not is_allowed(s.service, s.operation)})
        assert refused == []
        assert run.seen, "the live run reached the stand-in"
        assert not [s for s in run.seen if s.service == "s3" and s.method not in ("GET", "HEAD")]


# The stand-in's organisation has no member account (CMS made it, so CMS manages it, and the read gives the management
# account no level): these reads of a member's policies are made, and checked against the allow-list, in
# tests/backends/test_organization_read.py.
MEMBER_READS = {("organizations", "ListPoliciesForTarget"), ("organizations", "DescribePolicy")}


def test_every_allow_listed_operation_is_one_the_inventory_makes(runs: Runs) -> None:
    made = {(s.service, s.operation) for run in (runs.reference, runs.everything) for s in run.seen}
    assert not made & MEMBER_READS
    assert made | MEMBER_READS == {(op.service, op.operation) for op in allowed_operations()}


def test_the_live_run_reads_the_organisation_policies_where_it_is_told(runs: Runs) -> None:
    assert runs.reference.live.snapshot.organization.source == "enjoin.yaml"
    assert runs.reference.live.report["organization"] == {"source": "enjoin.yaml"}
    assert runs.reference.moto.report["organization"] == {"source": "enjoin.yaml"}
    organization = runs.everything.live.snapshot.organization
    assert organization.source == "organizations"
    assert runs.everything.live.report["organization"] == {"source": "organizations"}
    # CMS made the organisation, so it is the management account, which neither SCPs nor RCPs limit: no level of
    # either (moto attaches FullAWSAccess to it all the same); DHS is in no organisation.
    assert organization.scps == {} and organization.rcps == {}
    assert organization.paths[CMS].startswith(organization.org_id + "/r-")


def test_the_live_snapshot_saves_and_loads_with_its_organisation_source(runs: Runs) -> None:
    snapshot = runs.everything.live.snapshot
    assert Snapshot.from_json(snapshot.to_json()) == snapshot


def test_the_audit_roles_are_assumed_with_the_fixed_session_name_and_their_external_id(runs: Runs) -> None:
    from moto.sts.models import sts_backends  # the stand-in runs in this process: its STS records what it was asked

    assumed = {
        (r.role_arn, r.session_name, r.external_id)
        for account in (CMS, DHS)
        for r in sts_backends[account]["aws"].assumed_roles
    }
    assert assumed == {
        (f"arn:aws:iam::{CMS}:role/enjoin-audit", SESSION_NAME, "cms-audit-2026"),
        (f"arn:aws:iam::{DHS}:role/enjoin-audit", SESSION_NAME, None),
        (f"arn:aws:iam::{CMS}:role/{ORG_ROLE}", SESSION_NAME, None),
    }
    # One AssumeRole per role and run: the credentials are cached, and every other request signs with them.
    assert [s.operation for s in runs.reference.seen].count("AssumeRole") == 2
