"""Deploy: CodeBuild projects and Glue development endpoints, which moto 5.2.1's CloudFormation skips, created through
their APIs, verified, read back by the inventory, and refused with the template and resource named."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
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
ROLE = f"arn:aws:iam::{CMS}:role/cms-build"
PROJECT = f"arn:aws:codebuild:{REGION}:{CMS}:project/cms-etl"
ENDPOINT = f"arn:aws:glue:{REGION}:{CMS}:devEndpoint/cms-dev"

ROLE_YAML = """\
  Role:
    Type: AWS::IAM::Role
    Properties:
      RoleName: cms-build
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement:
          - {Effect: Allow, Principal: {Service: [codebuild.amazonaws.com, glue.amazonaws.com]}, Action: sts:AssumeRole}
"""
PROJECT_YAML = """\
  Project:
    Type: AWS::CodeBuild::Project
    Properties:
      Name: cms-etl
      Description: nightly extract
      ServiceRole: !GetAtt Role.Arn
      Source: {Type: NO_SOURCE, BuildSpec: "version: 0.2\\nphases: {build: {commands: [echo]}}\\n"}
      Artifacts: {Type: NO_ARTIFACTS}
      Environment: {Type: LINUX_CONTAINER, ComputeType: %s, Image: 'aws/codebuild/standard:7.0'}
      Tags: [{Key: team, Value: etl}]
"""
ENDPOINT_YAML = """\
  Endpoint:
    Type: AWS::Glue::DevEndpoint
    Properties:
      EndpointName: cms-dev
      RoleArn: !GetAtt Role.Arn
      Tags: {team: etl}
"""


@pytest.fixture
def fresh(moto: MotoBackend) -> MotoBackend:
    moto.reset()
    return moto


def config_for(tmp_path: Path, text: str) -> tuple[Config, Path]:
    path = tmp_path / "builds.yaml"
    path.write_text("Resources:\n" + text, encoding="utf-8")
    config = Config(path=tmp_path / "enjoin.yaml", case="ca-v-hhs", as_of=dt.date(2026, 2, 1), region=REGION,
                    accounts={"cms": CMS}, templates=(Template(path, CMS),), scps=(), rcps=(), parties=(),
                    holdings=())
    return config, path


def test_a_project_and_an_endpoint_are_created_verified_and_read_back(fresh: MotoBackend, tmp_path: Path) -> None:
    config, _ = config_for(tmp_path, ROLE_YAML + PROJECT_YAML % "BUILD_GENERAL1_SMALL" + ENDPOINT_YAML)
    deployment = deploy(fresh, config)
    (stack,) = deployment.stacks
    assert {lid: stack.resources[lid] for lid in ("Project", "Endpoint")} == {"Project": "cms-etl",
                                                                              "Endpoint": "cms-dev"}
    assert stack.constructs == ()
    assert read_compute(fresh, CMS, REGION) == [
        Compute("codebuild-project", PROJECT, "cms-etl", CMS, REGION, ROLE),
        Compute("glue-dev-endpoint", ENDPOINT, "cms-dev", CMS, REGION, ROLE),
    ]
    project = fresh.client("codebuild", CMS, REGION).batch_get_projects(names=["cms-etl"])["projects"][0]
    assert project["tags"] == [{"key": "team", "value": "etl"}]
    assert fresh.client("glue", CMS, REGION).get_tags(ResourceArn=ENDPOINT)["Tags"] == {"team": "etl"}


def test_a_project_whose_code_is_elsewhere_stays_an_unmodeled_construct(fresh: MotoBackend, tmp_path: Path) -> None:
    """Code in a repository is code others may push: the project is not deployed, and its role's reads are in doubt."""
    text = (ROLE_YAML + PROJECT_YAML % "BUILD_GENERAL1_SMALL").replace(
        'Source: {Type: NO_SOURCE, BuildSpec: "version: 0.2\\nphases: {build: {commands: [echo]}}\\n"}',
        "Source: {Type: GITHUB, Location: 'https://github.com/cms/etl.git'}")
    config, _ = config_for(tmp_path, text)
    (stack,) = deploy(fresh, config).stacks
    assert "Project" not in stack.resources
    (construct,) = [c for c in stack.constructs if c.resource == "Project"]
    assert (construct.type, construct.prop, construct.klass, construct.affects) == (
        "AWS::CodeBuild::Project", None, "unmodeled", ("self",))
    assert "a NO_SOURCE source with an inline BuildSpec" in construct.reason and "a GITHUB source" in construct.reason
    assert ROLE in construct.mentions
    assert fresh.client("codebuild", CMS, REGION).list_projects()["projects"] == []


def test_a_property_the_backend_refuses_names_the_template_and_resource(fresh: MotoBackend, tmp_path: Path) -> None:
    config, path = config_for(tmp_path, ROLE_YAML + PROJECT_YAML % "BUILD_GENERAL1_HUGE")
    with pytest.raises(DeployError) as info:
        deploy(fresh, config)
    assert info.value.where.startswith(f"{path}: line ") and "resource Project, property Name" in info.value.where
    assert "Invalid compute type provided: BUILD_GENERAL1_HUGE" in info.value.found


def test_verification_catches_a_changed_role(fresh: MotoBackend, tmp_path: Path) -> None:
    config, _ = config_for(tmp_path, ROLE_YAML + ENDPOINT_YAML)
    (stack,) = deploy(fresh, config).stacks
    glue = fresh.client("glue", CMS, REGION)
    glue.delete_dev_endpoint(EndpointName="cms-dev")
    glue.create_dev_endpoint(EndpointName="cms-dev", RoleArn=f"arn:aws:iam::{CMS}:role/other")
    with pytest.raises(DeployError) as info:
        verify_resource(fresh, stack, "Endpoint")
    assert info.value.where.endswith("resource Endpoint, property RoleArn")
    assert ROLE in info.value.expected and "role/other" in info.value.found


@pytest.fixture
def server() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    running = ThreadedMotoServer(ip_address="127.0.0.1", port=0)
    running.start()
    host, port = running.get_host_and_port()
    yield f"http://{host}:{port}"
    running.stop()


def test_the_same_state_over_http(fresh: MotoBackend, server: str, tmp_path: Path) -> None:
    """The moto server (as the container backend runs it) gets the same projects and endpoints."""
    config, _ = config_for(tmp_path, ROLE_YAML + PROJECT_YAML % "BUILD_GENERAL1_SMALL" + ENDPOINT_YAML)
    remote = MotoBackend(endpoint_url=server)
    remote.start()
    try:
        deploy(remote, config)
        assert read_compute(remote, CMS, REGION) == [
            Compute("codebuild-project", PROJECT, "cms-etl", CMS, REGION, ROLE),
            Compute("glue-dev-endpoint", ENDPOINT, "cms-dev", CMS, REGION, ROLE),
        ]
    finally:
        remote.stop()
