"""Deploy: CodeBuild projects, Glue development endpoints and jobs, and self-managed stack sets, which moto 5.2.1's
CloudFormation skips, created through their APIs, verified, read back by the inventory, and refused with the template
and resource named."""

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
JOB = f"arn:aws:glue:{REGION}:{CMS}:job/cms-nightly"
ADMIN = f"arn:aws:iam::{CMS}:role/cms-stackset-admin"

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


JOB_YAML = """\
  Job:
    Type: AWS::Glue::Job
    Properties:
      Name: cms-nightly
      Role: !GetAtt Role.Arn
      Command: {Name: glueetl, ScriptLocation: 's3://cms-etl-scripts/nightly.py', PythonVersion: '3'}
      DefaultArguments: {--job-language: python}
      Description: nightly extract
      GlueVersion: '4.0'
      Tags: {team: etl}
"""
ADMIN_YAML = """\
  Admin:
    Type: AWS::IAM::Role
    Properties:
      RoleName: cms-stackset-admin
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement:
          - {Effect: Allow, Principal: {Service: cloudformation.amazonaws.com}, Action: sts:AssumeRole}
"""
STACK_SET_YAML = """\
  Baseline:
    Type: AWS::CloudFormation::StackSet
    Properties:
      StackSetName: cms-baseline
      PermissionModel: %s
      AdministrationRoleARN: !GetAtt Admin.Arn
      ExecutionRoleName: cms-stackset-exec
      Description: account baseline
      TemplateBody: '{"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}}'
      Tags: [{Key: team, Value: platform}]
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
        Compute("codebuild-project", PROJECT, "cms-etl", CMS, REGION, ROLE, images=("aws/codebuild/standard:7.0",)),
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
            Compute("codebuild-project", PROJECT, "cms-etl", CMS, REGION, ROLE, images=("aws/codebuild/standard:7.0",)),
            Compute("glue-dev-endpoint", ENDPOINT, "cms-dev", CMS, REGION, ROLE),
        ]
    finally:
        remote.stop()


def test_a_glue_job_is_created_verified_and_read_back(fresh: MotoBackend, tmp_path: Path) -> None:
    config, _ = config_for(tmp_path, ROLE_YAML + JOB_YAML)
    (stack,) = deploy(fresh, config).stacks
    assert stack.resources["Job"] == "cms-nightly"
    assert {(c.prop, c.klass) for c in stack.constructs if c.resource == "Job"} == {("GlueVersion", "inert")}
    # The script the job runs at every run is read back with it: who may write it is a way to the role.
    assert read_compute(fresh, CMS, REGION) == [Compute("glue-job", JOB, "cms-nightly", CMS, REGION, ROLE,
                                                        code=("arn:aws:s3:::cms-etl-scripts/nightly.py",))]
    glue = fresh.client("glue", CMS, REGION)
    job = glue.get_job(JobName="cms-nightly")["Job"]
    assert (job["Role"], job["Command"]["ScriptLocation"], job["DefaultArguments"]) == (
        ROLE, "s3://cms-etl-scripts/nightly.py", {"--job-language": "python"})
    assert glue.get_tags(ResourceArn=JOB)["Tags"] == {"team": "etl"}


def test_verification_catches_a_job_s_changed_script(fresh: MotoBackend, tmp_path: Path) -> None:
    config, _ = config_for(tmp_path, ROLE_YAML + JOB_YAML)
    (stack,) = deploy(fresh, config).stacks
    glue = fresh.client("glue", CMS, REGION)
    glue.delete_job(JobName="cms-nightly")
    glue.create_job(Name="cms-nightly", Role=ROLE, Command={"Name": "glueetl", "ScriptLocation": "s3://other/x.py"})
    with pytest.raises(DeployError) as info:
        verify_resource(fresh, stack, "Job")
    assert info.value.where.endswith("resource Job, property Command")
    assert "s3://other/x.py" in info.value.found


def test_a_job_the_api_refuses_names_the_template_and_resource(fresh: MotoBackend, tmp_path: Path) -> None:
    """CreateJob takes arguments as strings: a number in DefaultArguments is refused, naming where it is written."""
    config, path = config_for(tmp_path, ROLE_YAML + JOB_YAML.replace("{--job-language: python}", "{--workers: 2}"))
    with pytest.raises(DeployError) as info:
        deploy(fresh, config)
    assert info.value.where.startswith(f"{path}: line ") and "resource Job, property Name" in info.value.where
    assert "a value the API refuses" in info.value.found and "DefaultArguments" in info.value.found


def test_a_self_managed_stack_set_is_created_without_instances_and_read_back(
    fresh: MotoBackend, tmp_path: Path
) -> None:
    config, _ = config_for(tmp_path, ADMIN_YAML + STACK_SET_YAML % "SELF_MANAGED")
    (stack,) = deploy(fresh, config).stacks
    assert stack.resources["Baseline"] == "cms-baseline"
    (found,) = [c for c in read_compute(fresh, CMS, REGION) if c.kind == "cloudformation-stack-set"]
    assert (found.name, found.role_arn, found.arn.split(":stackset/")[1].split(":")[0]) == (
        "cms-baseline", ADMIN, "cms-baseline")
    cfn = fresh.client("cloudformation", CMS, REGION)
    described = cfn.describe_stack_set(StackSetName="cms-baseline")["StackSet"]
    assert (described["ExecutionRoleName"], described["Tags"]) == (
        "cms-stackset-exec", [{"Key": "team", "Value": "platform"}])
    assert cfn.list_stack_instances(StackSetName="cms-baseline")["Summaries"] == []


def test_a_stack_set_without_an_administration_role_runs_as_the_default_one(
    fresh: MotoBackend, tmp_path: Path
) -> None:
    config, _ = config_for(tmp_path, STACK_SET_YAML.replace("      AdministrationRoleARN: !GetAtt Admin.Arn\n", "")
                           % "SELF_MANAGED")
    (stack,) = deploy(fresh, config).stacks
    verify_resource(fresh, stack, "Baseline")
    (found,) = [c for c in read_compute(fresh, CMS, REGION) if c.kind == "cloudformation-stack-set"]
    assert found.role_arn == f"arn:aws:iam::{CMS}:role/AWSCloudFormationStackSetAdministrationRole"


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (("PermissionModel: SELF_MANAGED", "PermissionModel: SERVICE_MANAGED"),
         "expected PermissionModel SELF_MANAGED (a stack set that runs as an administration role); found "
         "'SERVICE_MANAGED'"),
        (("TemplateBody: '{\"Resources\": {\"Topic\": {\"Type\": \"AWS::SNS::Topic\"}}}'",
          "TemplateURL: 'https://s3.amazonaws.com/cms-templates/baseline.yaml'"),
         "expected a TemplateBody (the template the stack set holds); found a TemplateURL"),
    ],
)
def test_a_stack_set_enjoin_cannot_honour_stays_an_unmodeled_construct(
    fresh: MotoBackend, tmp_path: Path, change: tuple[str, str], says: str
) -> None:
    """Service-managed (StackSets' own roles in Organizations accounts) or a template in S3: not deployed, and what
    it affects cannot be bounded (every holding is in doubt), as before the row was modeled."""
    text = (ADMIN_YAML + STACK_SET_YAML % "SELF_MANAGED").replace(*change)
    config, _ = config_for(tmp_path, text)
    (stack,) = deploy(fresh, config).stacks
    assert "Baseline" not in stack.resources
    (construct,) = [c for c in stack.constructs if c.resource == "Baseline"]
    assert (construct.type, construct.prop, construct.klass, construct.affects) == (
        "AWS::CloudFormation::StackSet", None, "unmodeled", ("self",))
    assert says in construct.reason and construct.unbounded
    assert fresh.client("cloudformation", CMS, REGION).list_stack_sets()["Summaries"] == []


def test_a_stack_set_s_instances_stay_unmodeled_for_every_holding(fresh: MotoBackend, tmp_path: Path) -> None:
    """Instances deploy the template as other accounts' execution roles: the set is deployed without them, and the
    instances are a construct whose reach cannot be bounded."""
    text = ADMIN_YAML + STACK_SET_YAML % "SELF_MANAGED" + (
        "      StackInstancesGroup:\n"
        "        - {DeploymentTargets: {Accounts: ['333333333333']}, Regions: [us-east-1]}\n")
    config, _ = config_for(tmp_path, text)
    (stack,) = deploy(fresh, config).stacks
    assert stack.resources["Baseline"] == "cms-baseline"
    (construct,) = [c for c in stack.constructs if c.resource == "Baseline" and c.prop == "StackInstancesGroup"]
    assert (construct.klass, construct.affects) == ("unmodeled", ("all",)) and construct.unbounded
    cfn = fresh.client("cloudformation", CMS, REGION)
    assert cfn.list_stack_instances(StackSetName="cms-baseline")["Summaries"] == []


def test_a_project_whose_source_is_in_s3_is_deployed_with_its_code_read_back(fresh: MotoBackend,
                                                                            tmp_path: Path) -> None:
    """Code in S3 is code whoever may write the object runs (codebuild-project-source-object): deployed, and the
    object is the project's code."""
    text = (ROLE_YAML + PROJECT_YAML % "BUILD_GENERAL1_SMALL").replace(
        'Source: {Type: NO_SOURCE, BuildSpec: "version: 0.2\\nphases: {build: {commands: [echo]}}\\n"}',
        "Source: {Type: S3, Location: cms-etl-scripts/builds/etl.zip}")
    config, _ = config_for(tmp_path, text)
    (stack,) = deploy(fresh, config).stacks
    assert stack.resources["Project"] == "cms-etl" and stack.constructs == ()
    (project,) = read_compute(fresh, CMS, REGION)
    assert project.code == ("arn:aws:s3:::cms-etl-scripts/builds/etl.zip",)


REPOSITORY_YAML = """\
  Repository:
    Type: AWS::ECR::Repository
    Properties:
      RepositoryName: cms/etl-runner
      ImageTagMutability: IMMUTABLE_WITH_EXCLUSION
      ImageTagMutabilityExclusionFilters:
        - {ImageTagMutabilityExclusionFilterType: WILDCARD, ImageTagMutabilityExclusionFilterValue: 'latest'}
      ImageScanningConfiguration: {ScanOnPush: true}
      EmptyOnDelete: true
      LifecyclePolicy:
        LifecyclePolicyText: >-
          {"rules": [{"rulePriority": 1, "action": {"type": "expire"},
          "selection": {"tagStatus": "untagged", "countType": "sinceImagePushed", "countUnit": "days",
          "countNumber": 14}}]}
      RepositoryPolicyText: %s
      Tags: [{Key: team, Value: etl}]
"""
POLICY = ('{"Version": "2012-10-17", "Statement": [{"Sid": "CiPushes", "Effect": "Allow", '
          '"Principal": {"AWS": "arn:aws:iam::222222222222:role/ci"}, '
          '"Action": ["ecr:PutImage", "ecr:InitiateLayerUpload", "ecr:UploadLayerPart", "ecr:CompleteLayerUpload"]}]}')


@pytest.mark.parametrize("written", ["json-text", "yaml-object"])
def test_a_repository_is_created_with_the_policy_moto_drops_verified_and_read_back(
        fresh: MotoBackend, tmp_path: Path, written: str) -> None:
    import json

    from enjoin.inventory_ecr import read_repositories

    policy = json.loads(POLICY)
    value = repr(POLICY) if written == "json-text" else json.dumps(policy)
    config, _ = config_for(tmp_path, REPOSITORY_YAML % value)
    (stack,) = deploy(fresh, config).stacks
    assert stack.resources["Repository"] == "cms/etl-runner"
    assert sorted((c.prop, c.klass) for c in stack.constructs) == [
        ("EmptyOnDelete", "inert"), ("ImageScanningConfiguration", "inert"), ("LifecyclePolicy", "inert")]
    (repository,) = read_repositories(fresh, CMS, REGION)
    assert (repository.arn, repository.policy, repository.mutability, repository.exclusions, repository.image_tags) == (
        f"arn:aws:ecr:{REGION}:{CMS}:repository/cms/etl-runner", policy, "IMMUTABLE_WITH_EXCLUSION", ("latest",), ())
    # The verifier compares the policy read back with the template's: a policy changed behind deploy's back fails.
    fresh.client("ecr", CMS, REGION).set_repository_policy(repositoryName="cms/etl-runner", policyText=json.dumps(
        {**policy, "Statement": [{**policy["Statement"][0], "Action": "ecr:*"}]}))
    with pytest.raises(DeployError) as info:
        verify_resource(fresh, stack, "Repository")
    assert "resource Repository, property RepositoryPolicyText" in info.value.where
