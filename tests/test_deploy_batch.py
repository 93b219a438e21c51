"""Deploy: Batch compute environments and job queues, created through Batch's API, verified, read back by the
inventory, and refused with the template and resource named where a job would run beside an instance role."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from enjoin.backends.moto import MotoBackend
from enjoin.config_model import Config, Template
from enjoin.deploy import deploy
from enjoin.deploy.verify import verify_resource
from enjoin.errors import DeployError
from enjoin.inventory_compute import read_compute
from enjoin.snapshot import Compute

CMS, REGION = "111111111111", "us-east-1"
QUEUE = f"arn:aws:batch:{REGION}:{CMS}:job-queue/cms-nightly"
ENVIRONMENT = f"arn:aws:batch:{REGION}:{CMS}:compute-environment/cms-fargate"
LINKED = f"arn:aws:iam::{CMS}:role/aws-service-role/batch.amazonaws.com/"

FARGATE_YAML = """\
  Environment:
    Type: AWS::Batch::ComputeEnvironment
    Properties:
      ComputeEnvironmentName: cms-fargate
      Type: MANAGED
      State: ENABLED
      ComputeResources: {Type: FARGATE, MaxvCpus: 16, Subnets: [subnet-0a1b2c3d], SecurityGroupIds: [sg-0a1b2c3d]}
"""
QUEUE_YAML = """\
  Queue:
    Type: AWS::Batch::JobQueue
    Properties:
      JobQueueName: cms-nightly
      Priority: 10
      State: ENABLED
      ComputeEnvironmentOrder:
        - {Order: 1, ComputeEnvironment: !Ref Environment}
      Tags: {team: etl}
"""
EC2_YAML = """\
  InstanceRole:
    Type: AWS::IAM::Role
    Properties:
      RoleName: cms-batch-instance
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement:
          - {Effect: Allow, Principal: {Service: ec2.amazonaws.com}, Action: sts:AssumeRole}
  InstanceProfile:
    Type: AWS::IAM::InstanceProfile
    Properties:
      Roles: [!Ref InstanceRole]
  Environment:
    Type: AWS::Batch::ComputeEnvironment
    Properties:
      ComputeEnvironmentName: cms-ec2
      Type: MANAGED
      ComputeResources:
        Type: EC2
        MaxvCpus: 16
        InstanceTypes: [optimal]
        InstanceRole: !GetAtt InstanceProfile.Arn
        Subnets: [subnet-0a1b2c3d]
        SecurityGroupIds: [sg-0a1b2c3d]
"""


@pytest.fixture
def fresh(moto: MotoBackend) -> MotoBackend:
    moto.reset()
    return moto


def config_for(tmp_path: Path, text: str) -> tuple[Config, Path]:
    path = tmp_path / "batch.yaml"
    path.write_text("Resources:\n" + text, encoding="utf-8")
    config = Config(path=tmp_path / "enjoin.yaml", case="ca-v-hhs", as_of=dt.date(2026, 2, 1), region=REGION,
                    accounts={"cms": CMS}, templates=(Template(path, CMS),), scps=(), rcps=(), parties=(),
                    holdings=())
    return config, path


def test_a_fargate_environment_and_its_queue_are_created_verified_and_read_back(
    fresh: MotoBackend, tmp_path: Path
) -> None:
    config, _ = config_for(tmp_path, FARGATE_YAML + QUEUE_YAML)
    (stack,) = deploy(fresh, config).stacks
    assert {lid: stack.resources[lid] for lid in ("Environment", "Queue")} == {"Environment": ENVIRONMENT,
                                                                               "Queue": QUEUE}
    assert {(c.resource, c.prop, c.klass) for c in stack.constructs} == {("Queue", "Priority", "inert")}
    assert read_compute(fresh, CMS, REGION) == [Compute("batch-job-queue", QUEUE, "cms-nightly", CMS, REGION, None)]
    batch = fresh.client("batch", CMS, REGION)
    (environment,) = batch.describe_compute_environments()["computeEnvironments"]
    # No ServiceRole in the template: Batch's service-linked role, created as Batch creates it on first use.
    assert environment["serviceRole"].startswith(LINKED)
    assert environment["computeResources"]["type"] == "FARGATE"
    assert batch.describe_job_queues()["jobQueues"][0]["tags"] == {"team": "etl"}


def test_an_environment_of_instances_stays_an_unmodeled_construct_naming_its_role(
    fresh: MotoBackend, tmp_path: Path
) -> None:
    """Its instances run jobs beside the instance role's credentials, which reach does not follow."""
    config, _ = config_for(tmp_path, EC2_YAML)
    (stack,) = deploy(fresh, config).stacks
    assert "Environment" not in stack.resources
    (construct,) = [c for c in stack.constructs if c.resource == "Environment"]
    assert (construct.type, construct.prop, construct.klass, construct.affects) == (
        "AWS::Batch::ComputeEnvironment", None, "unmodeled", ("self",))
    assert "Fargate capacity" in construct.reason and "EC2 capacity" in construct.reason
    # Bounded by what it names: the instance profile's role.
    assert (construct.roles, construct.unbounded) == ((f"arn:aws:iam::{CMS}:role/cms-batch-instance",), "")
    assert fresh.client("batch", CMS, REGION).describe_compute_environments()["computeEnvironments"] == []


def test_an_unmanaged_environment_stays_an_unmodeled_construct(fresh: MotoBackend, tmp_path: Path) -> None:
    text = FARGATE_YAML.replace("Type: MANAGED", "Type: UNMANAGED").replace(
        "      ComputeResources: {Type: FARGATE, MaxvCpus: 16, Subnets: [subnet-0a1b2c3d], SecurityGroupIds: "
        "[sg-0a1b2c3d]}\n", "")
    config, _ = config_for(tmp_path, text)
    (stack,) = deploy(fresh, config).stacks
    (construct,) = [c for c in stack.constructs if c.resource == "Environment"]
    assert construct.klass == "unmodeled" and "a UNMANAGED environment" in construct.reason


def test_a_queue_on_an_environment_enjoin_does_not_deploy_is_refused_naming_it(
    fresh: MotoBackend, tmp_path: Path
) -> None:
    config, path = config_for(tmp_path, EC2_YAML + QUEUE_YAML)
    with pytest.raises(DeployError) as info:
        deploy(fresh, config)
    assert info.value.where.startswith(f"{path}: line ")
    assert info.value.where.endswith("resource Queue, property ComputeEnvironmentOrder")
    assert "compute environments enjoin deploys" in info.value.expected
    assert "which enjoin does not deploy" in info.value.found


def test_verification_catches_a_disabled_queue(fresh: MotoBackend, tmp_path: Path) -> None:
    config, _ = config_for(tmp_path, FARGATE_YAML + QUEUE_YAML)
    (stack,) = deploy(fresh, config).stacks
    fresh.client("batch", CMS, REGION).update_job_queue(jobQueue="cms-nightly", state="DISABLED")
    with pytest.raises(DeployError) as info:
        verify_resource(fresh, stack, "Queue")
    assert info.value.where.endswith("resource Queue, property State")
    assert read_compute(fresh, CMS, REGION) == []


JOB_ROLE_YAML = """\
  JobRole:
    Type: AWS::IAM::Role
    Properties:
      RoleName: cms-etl-job
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement:
          - {Effect: Allow, Principal: {Service: ecs-tasks.amazonaws.com}, Action: sts:AssumeRole}
"""
DEFINITION_YAML = """\
  Definition:
    Type: AWS::Batch::JobDefinition
    Properties:
      JobDefinitionName: cms-etl
      Type: container
      PlatformCapabilities: [FARGATE]
      RetryStrategy: {Attempts: 2}
      ContainerProperties:
        Image: public.ecr.aws/docker/library/python:3.12
        Command: [python, -m, etl]
        JobRoleArn: !GetAtt JobRole.Arn
        ResourceRequirements:
          - {Type: VCPU, Value: '1'}
          - {Type: MEMORY, Value: '2048'}
        Environment:
          - {Name: STAGE, Value: nightly}
        NetworkConfiguration: {AssignPublicIp: ENABLED}
      Tags: {team: etl}
"""
DEFINITION = f"arn:aws:batch:{REGION}:{CMS}:job-definition/cms-etl:1"
JOB_ROLE = f"arn:aws:iam::{CMS}:role/cms-etl-job"


def test_a_container_job_definition_is_registered_verified_and_read_back_with_its_job_role(
    fresh: MotoBackend, tmp_path: Path
) -> None:
    config, _ = config_for(tmp_path, JOB_ROLE_YAML + DEFINITION_YAML)
    (stack,) = deploy(fresh, config).stacks
    assert stack.resources["Definition"] == DEFINITION  # Ref is the first revision's ARN
    assert {(c.resource, c.prop, c.klass) for c in stack.constructs} == {("Definition", "RetryStrategy", "inert")}
    (registered,) = fresh.client("batch", CMS, REGION).describe_job_definitions(status="ACTIVE")["jobDefinitions"]
    assert registered["containerProperties"]["jobRoleArn"] == JOB_ROLE
    assert (registered["platformCapabilities"], registered["tags"]) == (["FARGATE"], {"team": "etl"})
    assert read_compute(fresh, CMS, REGION) == [
        Compute("batch-job-definition", DEFINITION, "cms-etl", CMS, REGION, JOB_ROLE,
                images=("public.ecr.aws/docker/library/python:3.12",))]


def test_verification_catches_a_deregistered_definition(
    fresh: MotoBackend, tmp_path: Path
) -> None:
    config, _ = config_for(tmp_path, JOB_ROLE_YAML + DEFINITION_YAML)
    (stack,) = deploy(fresh, config).stacks
    batch = fresh.client("batch", CMS, REGION)
    batch.deregister_job_definition(jobDefinition=DEFINITION)
    with pytest.raises(DeployError) as info:
        verify_resource(fresh, stack, "Definition")
    assert info.value.where.endswith("resource Definition, property JobDefinitionName")
    assert "no such active job definition" in info.value.found
    assert read_compute(fresh, CMS, REGION) == []  # an inactive revision runs no job


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (("Type: container", "Type: multinode"), "a container job definition"),
        (("        JobRoleArn: !GetAtt JobRole.Arn\n", "        JobRoleArn: !GetAtt JobRole.Arn\n"
          "        EnableExecuteCommand: true\n"), "EnableExecuteCommand true"),
    ],
)
def test_a_multinode_definition_or_one_with_ecs_exec_stays_an_unmodeled_construct_naming_its_role(
    fresh: MotoBackend, tmp_path: Path, change: tuple[str, str], says: str
) -> None:
    config, _ = config_for(tmp_path, JOB_ROLE_YAML + DEFINITION_YAML.replace(*change))
    (stack,) = deploy(fresh, config).stacks
    assert "Definition" not in stack.resources
    (construct,) = [c for c in stack.constructs if c.resource == "Definition" and c.prop is None]
    assert (construct.klass, construct.affects, construct.roles) == ("unmodeled", ("self",), (JOB_ROLE,))
    assert says in construct.reason
    assert fresh.client("batch", CMS, REGION).describe_job_definitions()["jobDefinitions"] == []


def test_a_definition_of_ecs_properties_only_is_not_registered_and_its_task_role_is_in_doubt(
    fresh: MotoBackend, tmp_path: Path
) -> None:
    text = DEFINITION_YAML.split("      ContainerProperties:")[0] + (
        "      EcsProperties:\n"
        "        TaskProperties:\n"
        "          - TaskRoleArn: !GetAtt JobRole.Arn\n"
        "            Containers: [{Name: etl, Image: public.ecr.aws/docker/library/python:3.12}]\n")
    config, _ = config_for(tmp_path, JOB_ROLE_YAML + text)
    (stack,) = deploy(fresh, config).stacks
    (construct,) = [c for c in stack.constructs if c.resource == "Definition" and c.prop == "EcsProperties"]
    assert (construct.klass, construct.affects, construct.roles) == ("unmodeled", ("roles",), (JOB_ROLE,))
    assert fresh.client("batch", CMS, REGION).describe_job_definitions()["jobDefinitions"] == []
    assert read_compute(fresh, CMS, REGION) == []
