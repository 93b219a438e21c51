"""The inventory of existing compute that runs as a role (src/enjoin/inventory_compute.py), against moto.

Each kind is made through its own service's API, as an agency's console or pipeline would, and read back exactly.
"""

from __future__ import annotations

import json

from enjoin.backends.moto import MotoBackend
from enjoin.inventory_compute import read_compute
from enjoin.snapshot import Compute, Snapshot

ACCOUNT, REGION = "123456789012", "us-east-1"
TRUST = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {
    "Service": ["ec2.amazonaws.com", "cloudformation.amazonaws.com", "codebuild.amazonaws.com",
                "glue.amazonaws.com", "sagemaker.amazonaws.com"]}}]}


def _role(moto: MotoBackend, name: str) -> str:
    iam = moto.client("iam", ACCOUNT, REGION)
    return str(iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(TRUST))["Role"]["Arn"])


def test_every_kind_is_read_back_with_its_role(moto: MotoBackend) -> None:
    moto.reset()
    role = _role(moto, "Workload")
    iam = moto.client("iam", ACCOUNT, REGION)
    profile = iam.create_instance_profile(InstanceProfileName="WorkloadProfile")["InstanceProfile"]["Arn"]
    iam.add_role_to_instance_profile(InstanceProfileName="WorkloadProfile", RoleName="Workload")
    ec2 = moto.client("ec2", ACCOUNT, REGION)
    image = ec2.describe_images()["Images"][0]["ImageId"]
    with_role = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1,
                                  IamInstanceProfile={"Name": "WorkloadProfile"})["Instances"][0]["InstanceId"]
    bare = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1)["Instances"][0]["InstanceId"]
    gone = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1)["Instances"][0]["InstanceId"]
    ec2.terminate_instances(InstanceIds=[gone])
    cfn = moto.client("cloudformation", ACCOUNT, REGION)
    body = json.dumps({"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}})
    stack = cfn.create_stack(StackName="deployed-with-role", TemplateBody=body, RoleARN=role)["StackId"]
    cfn.create_stack(StackName="deployed-as-caller", TemplateBody=body)
    codebuild = moto.client("codebuild", ACCOUNT, REGION)
    project = codebuild.create_project(
        name="nightly", source={"type": "S3", "location": "b/src.zip"}, artifacts={"type": "NO_ARTIFACTS"},
        environment={"type": "LINUX_CONTAINER", "image": "aws/codebuild/standard:7.0", "computeType":
                     "BUILD_GENERAL1_SMALL"}, serviceRole=role)["project"]["arn"]
    glue = moto.client("glue", ACCOUNT, REGION)
    glue.create_job(Name="etl", Role="Workload", Command={"Name": "glueetl", "ScriptLocation": "s3://b/s.py"},
                    DefaultArguments={"--extra-py-files": "s3://b/lib.zip", "--TempDir": "s3://b/tmp/"})
    glue.create_dev_endpoint(EndpointName="dev", RoleArn=role)
    sagemaker = moto.client("sagemaker", ACCOUNT, REGION)
    notebook = sagemaker.create_notebook_instance(NotebookInstanceName="analysis", InstanceType="ml.t2.medium",
                                                  RoleArn=role)["NotebookInstanceArn"]

    found = read_compute(moto, ACCOUNT, REGION)

    prefix = f"arn:aws:ec2:{REGION}:{ACCOUNT}:instance/"
    glue_arn = f"arn:aws:glue:{REGION}:{ACCOUNT}"
    assert set(found) == {
        Compute("ec2-instance", prefix + with_role, with_role, ACCOUNT, REGION, role, profile),
        Compute("ec2-instance", prefix + bare, bare, ACCOUNT, REGION, None, None),
        Compute("cloudformation-stack", stack, "deployed-with-role", ACCOUNT, REGION, role),
        Compute("codebuild-project", project, "nightly", ACCOUNT, REGION, role,
                    code=("arn:aws:s3:::b/src.zip",), images=("aws/codebuild/standard:7.0",)),
        Compute("glue-job", f"{glue_arn}:job/etl", "etl", ACCOUNT, REGION, role,
                code=("arn:aws:s3:::b/s.py", "arn:aws:s3:::b/lib.zip")),
        Compute("glue-dev-endpoint", f"{glue_arn}:devEndpoint/dev", "dev", ACCOUNT, REGION, role),
        Compute("sagemaker-notebook", notebook, "analysis", ACCOUNT, REGION, role),
    }
    assert found == sorted(found, key=lambda c: (c.kind, c.arn))


def test_a_self_managed_stack_set_is_read_with_its_administration_role(moto: MotoBackend) -> None:
    moto.reset()
    role = _role(moto, "StackSetAdministration")
    cfn = moto.client("cloudformation", ACCOUNT, REGION)
    body = json.dumps({"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}})
    cfn.create_stack_set(StackSetName="baseline", TemplateBody=body, AdministrationRoleARN=role,
                         PermissionModel="SELF_MANAGED")
    found = [c for c in read_compute(moto, ACCOUNT, REGION) if c.kind == "cloudformation-stack-set"]
    assert [(c.name, c.role_arn, c.arn.split(":")[5].split("/")[0]) for c in found] == [
        ("baseline", role, "stackset")
    ]


def test_an_account_without_compute_reads_nothing(moto: MotoBackend) -> None:
    moto.reset()
    assert read_compute(moto, ACCOUNT, REGION) == []


def test_compute_survives_the_snapshot_json_round_trip() -> None:
    compute = (Compute("ec2-instance", "arn:aws:ec2:us-east-1:123456789012:instance/i-1", "i-1", ACCOUNT, REGION,
                       "arn:aws:iam::123456789012:role/r", "arn:aws:iam::123456789012:instance-profile/p"),
               Compute("glue-job", "arn:aws:glue:us-east-1:123456789012:job/j", "j", ACCOUNT, REGION, None))
    snapshot = Snapshot(accounts=(ACCOUNT,), compute=compute)
    assert Snapshot.from_json(snapshot.to_json()) == snapshot


def test_a_batch_job_queue_is_read_when_it_can_run_a_job(moto: MotoBackend) -> None:
    """A queue runs as no role (role_arn None); one disabled, or whose every compute environment is disabled, runs no
    job and is left out."""
    moto.reset()
    service = _role(moto, "BatchService")
    batch = moto.client("batch", ACCOUNT, REGION)
    live = batch.create_compute_environment(computeEnvironmentName="live-ce", type="UNMANAGED", state="ENABLED",
                                            serviceRole=service)["computeEnvironmentArn"]
    off = batch.create_compute_environment(computeEnvironmentName="off-ce", type="UNMANAGED", state="DISABLED",
                                           serviceRole=service)["computeEnvironmentArn"]
    for name, state, environment in (("jobs", "ENABLED", live), ("paused", "DISABLED", live),
                                     ("stranded", "ENABLED", off)):
        batch.create_job_queue(jobQueueName=name, state=state, priority=1,
                               computeEnvironmentOrder=[{"order": 1, "computeEnvironment": environment}])
    found = [c for c in read_compute(moto, ACCOUNT, REGION) if c.kind == "batch-job-queue"]
    assert found == [Compute("batch-job-queue", f"arn:aws:batch:{REGION}:{ACCOUNT}:job-queue/jobs", "jobs", ACCOUNT,
                             REGION, None)]


def test_each_active_revision_of_a_job_definition_is_read_once_per_role_its_jobs_run_as(moto: MotoBackend) -> None:
    moto.reset()
    job, task = (f"arn:aws:iam::{ACCOUNT}:role/{n}" for n in ("Job", "Task"))
    batch = moto.client("batch", ACCOUNT, REGION)
    first = batch.register_job_definition(jobDefinitionName="etl", type="container", containerProperties={
        "image": "busybox", "vcpus": 1, "memory": 512, "jobRoleArn": job})["jobDefinitionArn"]
    second = batch.register_job_definition(jobDefinitionName="etl", type="container", containerProperties={
        "image": "busybox", "vcpus": 1, "memory": 512, "jobRoleArn": "Task"})["jobDefinitionArn"]
    gone = batch.register_job_definition(jobDefinitionName="old", type="container", containerProperties={
        "image": "busybox", "vcpus": 1, "memory": 512, "jobRoleArn": job})["jobDefinitionArn"]
    batch.deregister_job_definition(jobDefinition=gone)
    batch.register_job_definition(jobDefinitionName="no-role", type="container", containerProperties={
        "image": "busybox", "vcpus": 1, "memory": 512})

    found = read_compute(moto, ACCOUNT, REGION)

    assert found == [Compute("batch-job-definition", first, "etl", ACCOUNT, REGION, job, images=("busybox",)),
                     Compute("batch-job-definition", second, "etl", ACCOUNT, REGION, task,  # a bare name: an ARN
                             images=("busybox",))]


def test_the_roles_of_ecs_and_multinode_job_definitions_are_read() -> None:
    """moto 5.2.1 refuses a definition without containerProperties or eksProperties ("containerProperties or
    eksProperties must be provided"), so the shapes AWS documents are read from literal answers."""
    from enjoin.inventory_compute import _job_images

    ecs = {"ecsProperties": {"taskProperties": [{"taskRoleArn": "arn:aws:iam::1:role/Task", "containers": []}]}}
    nodes = {"nodeProperties": {"nodeRangeProperties": [
        {"targetNodes": "0", "container": {"jobRoleArn": "arn:aws:iam::1:role/Main"}},
        {"targetNodes": "1:", "ecsProperties": {"taskProperties": [{"taskRoleArn": "arn:aws:iam::1:role/Worker"}]}},
    ]}}
    eks = {"eksProperties": {"podProperties": {"serviceAccountName": "etl"}}}
    assert set(_job_images(ecs)) == {"arn:aws:iam::1:role/Task"}
    assert set(_job_images(nodes)) == {"arn:aws:iam::1:role/Main", "arn:aws:iam::1:role/Worker"}
    assert _job_images(eks) == {}


def test_image_repositories_are_read_with_their_policy_tag_mutability_and_tags(moto: MotoBackend) -> None:
    from enjoin.inventory_ecr import read_repositories
    from enjoin.snapshot import Repository

    moto.reset()
    ecr = moto.client("ecr", ACCOUNT, REGION)
    ecr.create_repository(repositoryName="cms/extract", imageTagMutability="IMMUTABLE_WITH_EXCLUSION",
                          imageTagMutabilityExclusionFilters=[{"filterType": "WILDCARD", "filter": "dev-*"}])
    ecr.create_repository(repositoryName="plain")
    policy = {"Version": "2012-10-17", "Statement": [
        {"Sid": "DhsPushes", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::222222222222:root"},
         "Action": ["ecr:PutImage", "ecr:InitiateLayerUpload"]}]}
    ecr.set_repository_policy(repositoryName="cms/extract", policyText=json.dumps(policy))
    manifest = {"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
                "config": {"digest": "sha256:" + "a" * 64, "size": 1,
                           "mediaType": "application/vnd.docker.container.image.v1+json"}, "layers": []}
    ecr.put_image(repositoryName="cms/extract", imageManifest=json.dumps(manifest), imageTag="v1")

    found = read_repositories(moto, ACCOUNT, REGION)

    arn = f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/"
    assert found == [
        Repository(arn + "cms/extract", "cms/extract", ACCOUNT, REGION, policy, "IMMUTABLE_WITH_EXCLUSION",
                   ("dev-*",), ("v1",)),
        Repository(arn + "plain", "plain", ACCOUNT, REGION, None, "MUTABLE", (), ()),
    ]


def test_each_active_revision_of_a_task_definition_is_read_with_its_task_role_and_images(moto: MotoBackend) -> None:
    moto.reset()
    ecs = moto.client("ecs", ACCOUNT, REGION)
    extract = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/cms/extract:nightly"
    sidecar = "public.ecr.aws/aws-observability/aws-otel-collector:latest"
    containers = [{"name": "extract", "image": extract, "memory": 512},
                  {"name": "otel", "image": sidecar, "memory": 128},
                  {"name": "again", "image": extract, "memory": 128}]
    first = ecs.register_task_definition(family="etl", taskRoleArn=f"arn:aws:iam::{ACCOUNT}:role/Etl",
                                         containerDefinitions=containers)["taskDefinition"]["taskDefinitionArn"]
    second = ecs.register_task_definition(family="etl", taskRoleArn="EtlV2",  # a bare name: an ARN
                                          containerDefinitions=containers[:1])["taskDefinition"]["taskDefinitionArn"]
    gone = ecs.register_task_definition(family="old", taskRoleArn=f"arn:aws:iam::{ACCOUNT}:role/Etl",
                                        containerDefinitions=containers[:1])["taskDefinition"]["taskDefinitionArn"]
    ecs.deregister_task_definition(taskDefinition=gone)
    # No task role: kept with none, since RunTask may run it with a role in its overrides.
    bare = ecs.register_task_definition(family="no-role", containerDefinitions=containers[:1])["taskDefinition"][
        "taskDefinitionArn"]

    found = [c for c in read_compute(moto, ACCOUNT, REGION) if c.kind == "ecs-task-definition"]

    assert found == [
        Compute("ecs-task-definition", first, "etl", ACCOUNT, REGION, f"arn:aws:iam::{ACCOUNT}:role/Etl",
                images=(extract, sidecar)),
        Compute("ecs-task-definition", second, "etl", ACCOUNT, REGION, f"arn:aws:iam::{ACCOUNT}:role/EtlV2",
                images=(extract,)),
        Compute("ecs-task-definition", bare, "no-role", ACCOUNT, REGION, None, images=(extract,)),
    ]
    assert first.endswith(":task-definition/etl:1") and second.endswith(":task-definition/etl:2")


def test_each_running_task_that_runs_as_a_role_is_read_with_the_role_its_overrides_or_definition_give(
    moto: MotoBackend,
) -> None:
    """ECS Exec (ecs-execute-command, not modelled) reaches a running task's role: the inventory reads every running
    task of every cluster with that role, so a party that may exec into one is a doubt, never a silent COMPLIANT."""
    moto.reset()
    ecs = moto.client("ecs", ACCOUNT, REGION)
    container = [{"name": "app", "image": "public.ecr.aws/docker/library/python:3.12-slim", "memory": 512}]
    ecs.register_task_definition(family="api", taskRoleArn=f"arn:aws:iam::{ACCOUNT}:role/Api",
                                 containerDefinitions=container)
    ecs.register_task_definition(family="bare", containerDefinitions=container)
    old = ecs.register_task_definition(family="old", taskRoleArn="Old",  # a bare name: an ARN
                                       containerDefinitions=container)["taskDefinition"]["taskDefinitionArn"]
    for cluster in ("web", "batch"):
        ecs.create_cluster(clusterName=cluster)
    (api,) = ecs.run_task(cluster="web", taskDefinition="api", launchType="FARGATE")["tasks"]
    (overridden,) = ecs.run_task(cluster="batch", taskDefinition="bare", launchType="FARGATE", overrides={
        "taskRoleArn": f"arn:aws:iam::{ACCOUNT}:role/Override"})["tasks"]
    ecs.run_task(cluster="batch", taskDefinition="bare", launchType="FARGATE")  # no role at all: not kept
    (orphan,) = ecs.run_task(cluster="batch", taskDefinition="old", launchType="FARGATE")["tasks"]
    ecs.deregister_task_definition(taskDefinition=old)  # the task runs on as its (now INACTIVE) definition's role
    (stopped,) = ecs.run_task(cluster="web", taskDefinition="api", launchType="FARGATE")["tasks"]
    ecs.stop_task(cluster="web", task=stopped["taskArn"])

    found = {c.arn: c for c in read_compute(moto, ACCOUNT, REGION) if c.kind == "ecs-task"}

    assert found == {
        api["taskArn"]: Compute("ecs-task", api["taskArn"], api["taskArn"].rsplit("/", 1)[1], ACCOUNT, REGION,
                                f"arn:aws:iam::{ACCOUNT}:role/Api"),
        overridden["taskArn"]: Compute("ecs-task", overridden["taskArn"], overridden["taskArn"].rsplit("/", 1)[1],
                                       ACCOUNT, REGION, f"arn:aws:iam::{ACCOUNT}:role/Override"),
        orphan["taskArn"]: Compute("ecs-task", orphan["taskArn"], orphan["taskArn"].rsplit("/", 1)[1], ACCOUNT,
                                   REGION, f"arn:aws:iam::{ACCOUNT}:role/Old"),
    }


def test_a_state_machine_is_read_with_the_role_its_executions_run_as(moto: MotoBackend) -> None:
    moto.reset()
    role = _role(moto, "Workflow")
    sfn = moto.client("stepfunctions", ACCOUNT, REGION)
    definition = json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}})
    arn = sfn.create_state_machine(name="nightly-extract", definition=definition, roleArn=role)["stateMachineArn"]
    found = [c for c in read_compute(moto, ACCOUNT, REGION) if c.kind == "stepfunctions-state-machine"]
    assert found == [Compute("stepfunctions-state-machine", arn, "nightly-extract", ACCOUNT, REGION, role)]
