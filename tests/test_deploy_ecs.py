"""Deploy: ECS task definitions, registered through ECS's API (moto's CloudFormation drops their roles), verified,
read back by the inventory with their task role and images; a service that runs one stays an unmodeled construct
bounded by the definition's task role."""

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
DEFINITION = f"arn:aws:ecs:{REGION}:{CMS}:task-definition/claims-deid:1"
TASK_ROLE = f"arn:aws:iam::{CMS}:role/claims-deid-task"
EXECUTION_ROLE = f"arn:aws:iam::{CMS}:role/claims-deid-execution"
IMAGE = f"{CMS}.dkr.ecr.{REGION}.amazonaws.com/claims-deid:2026.01"
SIDECAR = "public.ecr.aws/aws-observability/aws-for-fluent-bit:stable"

# In the shape AWS's ECS samples write a Fargate service's task definition: roles by GetAtt, a log router beside
# the application container, secrets and environment, a runtime platform, container memory left to the task's.
ROLES_YAML = """\
  TaskRole:
    Type: AWS::IAM::Role
    Properties:
      RoleName: claims-deid-task
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement:
          - {Effect: Allow, Principal: {Service: ecs-tasks.amazonaws.com}, Action: sts:AssumeRole}
  ExecutionRole:
    Type: AWS::IAM::Role
    Properties:
      RoleName: claims-deid-execution
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement:
          - {Effect: Allow, Principal: {Service: ecs-tasks.amazonaws.com}, Action: sts:AssumeRole}
      ManagedPolicyArns:
        - !Sub "arn:${AWS::Partition}:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
"""
DEFINITION_YAML = """\
  TaskDefinition:
    Type: AWS::ECS::TaskDefinition
    Properties:
      Family: claims-deid
      RequiresCompatibilities: [FARGATE]
      NetworkMode: awsvpc
      Cpu: '1024'
      Memory: '4096'
      TaskRoleArn: !GetAtt TaskRole.Arn
      ExecutionRoleArn: !GetAtt ExecutionRole.Arn
      RuntimePlatform: {CpuArchitecture: ARM64, OperatingSystemFamily: LINUX}
      EphemeralStorage: {SizeInGiB: 40}
      ContainerDefinitions:
        - Name: deid
          Image: IMAGE
          Essential: true
          Command: [python, -m, deid, --date, today]
          Environment:
            - {Name: STAGE, Value: nightly}
          Secrets:
            - {Name: SALT, ValueFrom: !Sub "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/salt"}
          LogConfiguration:
            LogDriver: awsfirelens
          DependsOn:
            - {ContainerName: log-router, Condition: START}
        - Name: log-router
          Image: SIDECAR
          Essential: true
          MemoryReservation: 50
          FirelensConfiguration: {Type: fluentbit}
      Tags:
        - {Key: team, Value: deid}
""".replace("IMAGE", IMAGE).replace("SIDECAR", SIDECAR)


@pytest.fixture
def fresh(moto: MotoBackend) -> MotoBackend:
    moto.reset()
    return moto


def config_for(tmp_path: Path, text: str) -> Config:
    path = tmp_path / "ecs.yaml"
    path.write_text("Resources:\n" + text, encoding="utf-8")
    return Config(path=tmp_path / "enjoin.yaml", case="ca-v-hhs", as_of=dt.date(2026, 2, 1), region=REGION,
                  accounts={"cms": CMS}, templates=(Template(path, CMS),), scps=(), rcps=(), parties=(), holdings=())


def test_a_task_definition_is_registered_with_its_roles_verified_and_read_back(
    fresh: MotoBackend, tmp_path: Path
) -> None:
    (stack,) = deploy(fresh, config_for(tmp_path, ROLES_YAML + DEFINITION_YAML)).stacks
    assert stack.resources["TaskDefinition"] == DEFINITION  # Ref is the first revision's ARN
    assert {(c.resource, c.prop, c.klass) for c in stack.constructs} == {
        ("TaskDefinition", "RuntimePlatform", "inert"), ("TaskDefinition", "EphemeralStorage", "inert")}
    found = fresh.client("ecs", CMS, REGION).describe_task_definition(taskDefinition=DEFINITION, include=["TAGS"])
    registered = found["taskDefinition"]
    assert (registered["taskRoleArn"], registered["executionRoleArn"]) == (TASK_ROLE, EXECUTION_ROLE)
    assert (registered["networkMode"], registered["requiresCompatibilities"]) == ("awsvpc", ["FARGATE"])
    assert [(c["name"], c["image"]) for c in registered["containerDefinitions"]] == [("deid", IMAGE),
                                                                                     ("log-router", SIDECAR)]
    assert registered["containerDefinitions"][0]["command"] == ["python", "-m", "deid", "--date", "today"]
    assert found["tags"] == [{"key": "team", "value": "deid"}]
    assert read_compute(fresh, CMS, REGION) == [
        Compute("ecs-task-definition", DEFINITION, "claims-deid", CMS, REGION, TASK_ROLE, images=(IMAGE, SIDECAR))]


def test_verification_catches_a_deregistered_definition(fresh: MotoBackend, tmp_path: Path) -> None:
    (stack,) = deploy(fresh, config_for(tmp_path, ROLES_YAML + DEFINITION_YAML)).stacks
    fresh.client("ecs", CMS, REGION).deregister_task_definition(taskDefinition=DEFINITION)
    with pytest.raises(DeployError) as info:
        verify_resource(fresh, stack, "TaskDefinition")
    assert info.value.where.endswith("resource TaskDefinition, property Family")
    assert "INACTIVE" in info.value.found
    assert read_compute(fresh, CMS, REGION) == []  # an inactive revision runs no task


def test_verification_catches_another_revision_with_another_role(fresh: MotoBackend, tmp_path: Path) -> None:
    """Deploy registers revision 1; a family that already had a revision (registered behind deploy's back) gets
    revision 2, which is not what Ref names: refused, naming the family."""
    ecs = fresh.client("ecs", CMS, REGION)
    ecs.register_task_definition(family="claims-deid", taskRoleArn=f"arn:aws:iam::{CMS}:role/other",
                                 containerDefinitions=[{"name": "x", "image": "busybox", "memory": 128}])
    with pytest.raises(DeployError) as info:
        deploy(fresh, config_for(tmp_path, ROLES_YAML + DEFINITION_YAML))
    assert "resource TaskDefinition, property Family" in info.value.where
    assert "claims-deid:2" in info.value.found


def test_a_container_the_api_refuses_names_the_template_and_resource(fresh: MotoBackend, tmp_path: Path) -> None:
    """On EC2 instances, a container without memory of its own in a task without memory: ECS (and moto) refuse the
    registration (cfn-lint refuses the same on Fargate before deploy: E3048)."""
    text = (DEFINITION_YAML.replace("      Memory: '4096'\n", "").replace("          MemoryReservation: 50\n", "")
            .replace("[FARGATE]", "[EC2]").replace("      Cpu: '1024'\n", ""))
    with pytest.raises(DeployError) as info:
        deploy(fresh, config_for(tmp_path, ROLES_YAML + text))
    assert info.value.where.endswith("resource TaskDefinition, property ContainerDefinitions")
    assert "memory" in info.value.found


def test_a_service_that_runs_the_definition_stays_unmodeled_bounded_by_its_task_role(
    fresh: MotoBackend, tmp_path: Path
) -> None:
    """A service restarts tasks as the definition's task role and may open shells in them (ECS Exec), which reach
    does not follow: the service is an unmodeled construct whose reach is bounded by that role."""
    service = """\
  Cluster:
    Type: AWS::ECS::Cluster
    Properties:
      ClusterName: claims
  Service:
    Type: AWS::ECS::Service
    Properties:
      Cluster: !Ref Cluster
      TaskDefinition: !Ref TaskDefinition
      DesiredCount: 1
      LaunchType: FARGATE
      EnableExecuteCommand: true
      NetworkConfiguration:
        AwsvpcConfiguration: {Subnets: [subnet-0a1b2c3d], AssignPublicIp: DISABLED}
"""
    (stack,) = deploy(fresh, config_for(tmp_path, ROLES_YAML + DEFINITION_YAML + service)).stacks
    (construct,) = [c for c in stack.constructs if c.resource == "Service"]
    assert construct.klass == "unmodeled" and construct.prop is None
    assert TASK_ROLE in construct.roles and not construct.unbounded


@pytest.mark.parametrize(
    ("container", "where", "says"),
    [
        ("{Name: a, Image: busybox, Memory: !Ref Size}", "property ContainerDefinitions",
         "container 'a': Memory 'lots', where ECS takes a whole number"),
        ("{Name: a, Image: busybox, Memory: 128, Command: !Ref Size}", "property ContainerDefinitions[0].Command",
         "E1020: {'Ref': 'Size'} is not of type 'array'"),
    ],
)
def test_a_container_value_ecs_cannot_take_is_refused_naming_it(
    fresh: MotoBackend, tmp_path: Path, container: str, where: str, says: str
) -> None:
    """A parameter's value reaches deploy where cfn-lint cannot judge it (a string parameter where ECS takes a
    number): a clear refusal naming the resource, the container and the value, never a traceback; cfn-lint refuses
    the shapes it can judge (a string parameter where a list is taken) before deploy."""
    text = ROLES_YAML + f"""\
  TaskDefinition:
    Type: AWS::ECS::TaskDefinition
    Properties:
      Family: bad
      TaskRoleArn: !GetAtt TaskRole.Arn
      ContainerDefinitions:
        - {container}
"""
    config = config_for(tmp_path, text)
    path = config.templates[0].path
    path.write_text("Parameters:\n  Size: {Type: String, Default: lots}\n" + path.read_text(), encoding="utf-8")
    with pytest.raises(DeployError) as info:
        deploy(fresh, config)
    assert info.value.where.endswith(f"resource TaskDefinition, {where}")
    assert says in info.value.found
