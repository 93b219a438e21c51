"""Write the variants of the compute-as-role table: one violating variant per modeled way, and look-alikes.

    python scripts/gen_compute_variants.py          # rewrites infra/variants/compute-* and lookalike-compute-*

Each variant extends the reference deployment with one template (cms-dhs-compute.yaml): a role that the way's
service may assume and that reads the eligibility store (s3:GetObject and kms:Decrypt through S3), and a policy on
DhsDisclosureReader (the CMS role DHS assumes) that lets it pass that role to the service and make the way's
requests. Reach must find DHS -> DhsDisclosureReader -> the workload role -> eligibility. A look-alike changes one
thing so that AWS would refuse the path, and reach must find none. The expected outcome of each is written beside
it (expected.yaml) and read by tests/test_variants.py. Regenerate after changing the table; review the diff.

An unsettled way (a question AWS leaves open, with its readings) gets the permissions its path needs under every
reading (PassRole of the role with iam:PassedToService each reading's value): a VIOLATION, unless some reading has the
path not exist at all (holds: false), when the most reach can answer is INDETERMINATE (a doubt naming the row and the
question). Its look-alike may be a doubt too: the path holding under one reading only (DOUBTS).

A takeover way (takes_over: a kind of existing compute) gets the existing resource in the same template (an instance
with the role's instance profile, a notebook instance), or a second template deployed with the role as its stack's
service role (role_arn in enjoin.yaml); DhsDisclosureReader may make the way's requests on it (statement
TakeOverWorkload), and passes the role only where the way passes one (replacing an instance's profile).
"""

from __future__ import annotations

import base64
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from enjoin.reach_compute import Way, ways  # noqa: E402 - after the path is set

VARIANTS = ROOT / "infra" / "variants"
REFERENCE_TEMPLATES = (ROOT / "infra" / "variants" / "passrole-lambda-create" / "enjoin.yaml")

# The look-alikes: which way, what changes, and why AWS refuses the path then.
LOOKALIKES = {
    "ec2-run-instances": ("passed-to-lambda", "iam:PassedToService allows only lambda.amazonaws.com: the role "
                          "cannot be given to an instance"),
    "lambda-create-function-add-permission": ("no-add-permission", "lambda:CreateFunction without "
                                              "lambda:AddPermission or lambda:InvokeFunction: the function runs as "
                                              "the role, but nobody DhsDisclosureReader is can invoke it"),
    "codebuild-create-project": ("no-start-build", "codebuild:CreateProject without codebuild:StartBuild: the "
                                 "project never runs"),
    "glue-create-job": ("pass-other-role", "iam:PassRole names another role: the job cannot run as the one that "
                        "reads eligibility"),
    "stepfunctions-create-state-machine": ("tag-condition", "PassRole needs the principal tag team=cms-etl, which "
                                           "DhsDisclosureReader does not carry and cannot set"),
    "cloudformation-create-stack": ("deny-passrole", "an explicit Deny of iam:PassRole to CloudFormation outweighs "
                                    "the Allow"),
    "sagemaker-create-notebook": ("trusts-other-service", "the role trusts ec2.amazonaws.com, not SageMaker: "
                                  "SageMaker cannot assume it"),
    "apprunner-create-service": ("passed-to-lambda", "iam:PassedToService allows only lambda.amazonaws.com: App "
                                 "Runner is given the instance role under neither reading of its PassedToService"),
    "emr-run-job-flow": ("no-service-role", "DhsDisclosureReader may pass no role to EMR: RunJobFlow names a "
                         "service role as well as the instance profile, and without one no cluster runs"),
    "ssm-send-command": ("no-document", "ssm:SendCommand only on instances: Run Command is also authorized on the "
                         "document it runs (AWS-RunShellScript), so no command runs"),
    "ssm-create-association": ("no-document", "ssm:CreateAssociation only on the instance: an association is also "
                               "authorized on the document it runs (AWS-RunShellScript), so none is created"),
    "ssm-create-association-targets": ("other-document", "ssm:CreateAssociation only with the document "
                                       "AWS-ConfigureAWSPackage, which installs AWS's packages and runs no commands of "
                                       "the caller's: whatever instances its Targets select, none runs the caller's "
                                       "shell commands"),
    "ec2-modify-user-data": ("tag-condition", "stopping, changing and starting the instance needs the principal tag "
                             "team=cms-ops, which DhsDisclosureReader does not carry and cannot set"),
    "glue-create-session": ("deny-passrole", "an explicit Deny of iam:PassRole to Glue outweighs the Allow"),
    "sagemaker-notebook-lifecycle-config": ("no-lifecycle-config", "the notebook may be stopped, updated and started, "
                                            "but no lifecycle configuration may be created: the notebook starts "
                                            "with none of the caller's code"),
    "sagemaker-update-notebook-lifecycle-config": ("other-config", "sagemaker:UpdateNotebookInstanceLifecycleConfig "
                                                   "only on configurations named sandbox-*: the one the notebook "
                                                   "runs at every start is not one of them"),
    "ssm-start-session": ("tag-condition", "StartSession needs the principal tag team=cms-ops, which "
                          "DhsDisclosureReader does not carry and cannot set"),
    "ec2-replace-instance-profile": ("passed-to-lambda", "iam:PassedToService allows only lambda.amazonaws.com: the "
                                     "role cannot be given to the instance"),
    "cloudformation-update-stack": ("other-stack", "UpdateStack only on stacks named sandbox-*: the stack with the "
                                    "service role is not one of them"),
    "codebuild-start-build-override": ("other-project", "StartBuild only on projects named sandbox-*: the project "
                                       "that runs as the role is not one of them"),
    "codebuild-start-build-batch-override": ("other-project", "StartBuildBatch only on projects named sandbox-*: "
                                             "the project that runs as the role is not one of them"),
    "codebuild-update-project": ("tag-condition", "UpdateProject needs the principal tag team=cms-ops, which "
                                 "DhsDisclosureReader does not carry and cannot set"),
    "batch-submit-job": ("other-queue", "batch:SubmitJob only on job queues named sandbox-*: the one queue that "
                         "can run a job is not one of them, and SubmitJob is authorized on the queue too"),
    "batch-submit-job-override": ("other-queue", "batch:SubmitJob on the job definition but only on job queues "
                                  "named sandbox-*: the one queue that can run it is not one of them, and SubmitJob "
                                  "is authorized on the queue too"),
    "glue-update-dev-endpoint": ("read-only", "glue:GetDevEndpoint only: reading an endpoint's settings adds no "
                                 "key to it"),
    "batch-job-image-push": ("pull-only", "ecr:BatchGetImage and ecr:GetDownloadUrlForLayer only on the job's image "
                             "repository: pulling the image changes nothing the job runs"),
    "codebuild-project-image-push": ("other-repository", "the push actions only on repositories named sandbox/*: the "
                                     "build image's repository is not one of them"),
    "codebuild-project-source-object": ("other-folder", "s3:PutObject only under inbound/ of the scripts bucket: the "
                                       "project's source is under etl/"),
    "glue-job-script-object": ("other-folder", "s3:PutObject only under inbound/ of the scripts bucket: the job's "
                               "script is under etl/"),
    "ecs-run-task-existing": ("other-definition", "ecs:RunTask only on task definitions of families named "
                              "sandbox-*: the definition that runs as the role is not one of them"),
    "ecs-run-task-override-role": ("other-definition", "ecs:RunTask only on task definitions of families named "
                                   "sandbox-*: the one definition there is to run with the role in its overrides "
                                   "is not one of them"),
    "ecs-task-image-push": ("other-repository", "the push actions only on repositories named sandbox/*: the "
                            "task's image repository is not one of them"),
    "ecs-create-service": ("tag-condition", "PassRole needs the principal tag team=cms-etl, which "
                           "DhsDisclosureReader does not carry and cannot set: no task definition of its own runs as "
                           "the role, whatever service it may create"),
    "ecs-update-service": ("passed-to-lambda", "iam:PassedToService allows only lambda.amazonaws.com: no task "
                           "definition it registers can run as the role, whatever service it may update"),
    "ecs-create-task-set": ("deny-passrole", "an explicit Deny of iam:PassRole to ECS tasks outweighs the Allow"),
    "cloudformation-update-stack-set": ("other-stack-set", "UpdateStackSet only on stack sets named sandbox-*: the "
                                        "stack set whose administration role assumes the role is not one of them"),
}
# The look-alikes of unsettled ways whose path holds under some readings only: INDETERMINATE, naming the row.
DOUBTS = {
    "ecs-run-task-existing": ("no-pass-role", "ecs:RunTask on the task definition without iam:PassRole of its task "
                              "role: the path holds if RunTask asks no PassRole of a role the definition already "
                              "names, not if it does (as AWS's managed policy for EventBridge grants), which AWS's "
                              "documentation does not settle"),
    "ecs-start-task-existing": ("no-pass-role", "ecs:StartTask on the task definition without iam:PassRole of its "
                                "task role: the path holds only if a container instance is registered and StartTask "
                                "asks no PassRole of a role the definition already names, neither of which enjoin "
                                "can settle"),
    "ecs-update-service": ("one-service", "ecs:UpdateService only on the service cms-prod/eligibility-api, which "
                           "the deployment does not hold: the path holds if that service exists, which enjoin cannot "
                           "settle, as it does not read services; the request is asked on the service the policy "
                           "names, not only on a name of enjoin's own, which the policy would not allow"),
    "ssm-create-association-targets": ("document-only", "ssm:CreateAssociation on the document AWS-RunShellScript "
                                       "but not on associations: the path holds if CreateAssociation is authorized on "
                                       "the document alone, not if on the new association too, which AWS's "
                                       "documentation does not settle"),
    "apprunner-create-service": ("passed-to-apprunner", "iam:PassedToService allows only apprunner.amazonaws.com: "
                                 "the path holds if PassRole of the instance role is asked with that value (App "
                                 "Runner's managed policy), not if with bullet.amazonaws.com (the Service "
                                 "Authorization Reference), which AWS's documentation does not settle"),
    "datapipeline-activate": ("passed-to-ec2", "iam:PassedToService allows only ec2.amazonaws.com: the path holds if "
                              "PassRole of the resource role is asked with EC2's value, not if with Data Pipeline's, "
                              "which AWS's documentation does not settle"),
}
# Rows that the permissions a variant grants open as well, so that its finding may name either (expected.yaml `also`):
# StartTask on the definition with PassRole of its task role also starts it with that role in its overrides.
ALSO = {"ecs-start-task-existing": ("ecs-start-task-override-role",)}
SCRIPTS_BUCKET = "cms-etl-scripts"  # where an existing Glue job's script is
IMAGES_REPOSITORY = "cms/eligibility-extract"  # where the image that existing compute runs by tag is
STACK_TEMPLATE = "cms-etl-stack.yaml"  # the stack deployed with the workload role as its service role
IMAGE = "ami-0a1b2c3d4e5f67890"


def camel(way_id: str) -> str:
    return "".join(part.capitalize() for part in way_id.split("-"))


def role_name(way: Way) -> str:
    return f"CmsCompute{camel(way.id)}"[:64]


def image(way: Way, resources: dict[str, object], default: str) -> str | dict[str, str]:
    """The image the existing compute runs: for a way that pushes it, a tag of a private repository of the account's
    (added to ``resources``); otherwise ``default``, an image published outside AWS."""
    if not way.image:
        return default
    resources["ImagesRepository"] = {"Type": "AWS::ECR::Repository", "Properties": {
        "RepositoryName": IMAGES_REPOSITORY, "ImageTagMutability": "MUTABLE",
        "RepositoryPolicyText": {"Version": "2012-10-17", "Statement": [
            {"Sid": "AccountPullsAndPushes", "Effect": "Allow",
             "Principal": {"AWS": {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}},
             "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]}]},
        "Tags": [{"Key": "Name", "Value": f"VARIANT {way.id}"}]}}
    return {"Fn::Sub": f"${{AWS::AccountId}}.dkr.ecr.${{AWS::Region}}.amazonaws.com/{IMAGES_REPOSITORY}:nightly"}


def scripts_bucket(resources: dict[str, object]) -> None:
    """The bucket existing compute fetches its code from at every run, which the role reads (a {code} row writes it):
    in the inventory, so that who may write it is decided rather than left in doubt."""
    resources["ScriptsBucket"] = {"Type": "AWS::S3::Bucket", "Properties": {
        "BucketName": SCRIPTS_BUCKET,
        "PublicAccessBlockConfiguration": {"BlockPublicAcls": True, "BlockPublicPolicy": True,
                                           "IgnorePublicAcls": True, "RestrictPublicBuckets": True}}}
    role = resources.get("WorkloadRole")
    if isinstance(role, dict):
        role["Properties"]["Policies"][0]["PolicyDocument"]["Statement"].append(
            {"Sid": "FetchItsScript", "Effect": "Allow", "Action": "s3:GetObject",
             "Resource": {"Fn::Sub": f"arn:${{AWS::Partition}}:s3:::{SCRIPTS_BUCKET}/*"}})


def existing(way: Way, resources: dict[str, object], change: str | None = None) -> list[object]:
    """The existing compute a takeover way acts on, added to ``resources``; the ARNs its requests are asked on."""
    repository = {"Fn::Sub": "arn:${AWS::Partition}:ecr:${AWS::Region}:${AWS::AccountId}:repository/"
                             + ("sandbox/*" if change == "other-repository" else IMAGES_REPOSITORY)}
    instance = {"Fn::Sub": "arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:instance/${Instance}"}
    if way.takes_over == "ec2-instance":
        runs_as = "WorkloadInstanceProfile"
        resources["WorkloadInstanceProfile"] = {
            "Type": "AWS::IAM::InstanceProfile",
            "Properties": {"InstanceProfileName": role_name(way), "Roles": [{"Ref": "WorkloadRole"}]},
        }
        if way.pass_role:  # the instance runs as a role that reads nothing, until the caller gives it another
            resources["BastionRole"] = {"Type": "AWS::IAM::Role", "Properties": {
                "RoleName": f"{role_name(way)[:56]}Bastion",
                "Description": f"VARIANT {way.id}: the instance's own role, which reads nothing",
                "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [
                    {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}}}
            resources["BastionInstanceProfile"] = {"Type": "AWS::IAM::InstanceProfile", "Properties": {
                "InstanceProfileName": f"{role_name(way)[:56]}Bastion", "Roles": [{"Ref": "BastionRole"}]}}
            runs_as = "BastionInstanceProfile"
        resources["Instance"] = {"Type": "AWS::EC2::Instance", "Properties": {
            "ImageId": IMAGE, "InstanceType": "t3.micro", "IamInstanceProfile": {"Ref": runs_as},
            "Tags": [{"Key": "Name", "Value": f"VARIANT {way.id}"}]}}
        arns: list[object] = [instance]
        if any(a.resource.startswith("arn:{partition}:ssm") for a in way.requests):
            document = "AWS-ConfigureAWSPackage" if change == "other-document" else "AWS-RunShellScript"
            arns.append({"Fn::Sub": f"arn:${{AWS::Partition}}:ssm:${{AWS::Region}}::document/{document}"})
        if way.by_targets:  # the instance is named through Targets, which is not authorized: the policy names none
            arns = [*arns[1:], {"Fn::Sub": "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:association/*"}]
        return arns
    if way.takes_over == "sagemaker-notebook":
        resources["Notebook"] = {"Type": "AWS::SageMaker::NotebookInstance", "Properties": {
            "NotebookInstanceName": "cms-eligibility-analysis", "InstanceType": "ml.t3.medium",
            "RoleArn": {"Fn::GetAtt": ["WorkloadRole", "Arn"]}}}
        if any(a.resource == "{config}" for a in way.requests):  # the configuration the notebook runs at every start
            resources["NotebookStartup"] = {"Type": "AWS::SageMaker::NotebookInstanceLifecycleConfig", "Properties": {
                "NotebookInstanceLifecycleConfigName": "cms-eligibility-startup",
                "OnStart": [{"Content": base64.b64encode(b"#!/bin/bash\npip install --quiet pandas\n").decode()}]}}
            resources["Notebook"]["Properties"]["LifecycleConfigName"] = {
                "Fn::GetAtt": ["NotebookStartup", "NotebookInstanceLifecycleConfigName"]}
            config: object = {"Ref": "NotebookStartup"}
            if change == "other-config":
                config = {"Fn::Sub": "arn:${AWS::Partition}:sagemaker:${AWS::Region}:${AWS::AccountId}:"
                                     "notebook-instance-lifecycle-config/sandbox-*"}
            return [config]
        # What else the way creates there (a lifecycle configuration of its own), as its pattern names it.
        made: list[object] = [
            {"Fn::Sub": a.resource.replace("{partition}", "${AWS::Partition}").replace("{region}", "${AWS::Region}")
             .replace("{account}", "${AWS::AccountId}")} for a in way.requests if a.resource.startswith("arn:")]
        return [{"Ref": "Notebook"}, *made]
    if way.takes_over == "cloudformation-stack":
        return [{"Fn::Sub": "arn:${AWS::Partition}:cloudformation:${AWS::Region}:${AWS::AccountId}:stack/"
                            "cms-etl-stack/*"}]
    if way.takes_over == "codebuild-project":  # its code is its own inline buildspec, or in S3 (check_source)
        source: dict[str, object] = {"Type": "NO_SOURCE", "BuildSpec": "version: 0.2\nphases:\n  build:\n    "
                                     "commands:\n      - echo nightly eligibility extract\n"}
        if way.code:
            scripts_bucket(resources)
            source = {"Type": "S3", "Location": f"{SCRIPTS_BUCKET}/etl/eligibility-build.zip"}
        resources["Project"] = {"Type": "AWS::CodeBuild::Project", "Properties": {
            "Name": "cms-eligibility-etl", "ServiceRole": {"Fn::GetAtt": ["WorkloadRole", "Arn"]},
            "Source": source,
            "Artifacts": {"Type": "NO_ARTIFACTS"},
            "Environment": {"Type": "LINUX_CONTAINER", "ComputeType": "BUILD_GENERAL1_SMALL",
                            "Image": image(way, resources, "aws/codebuild/standard:7.0")},
            "Tags": [{"Key": "Name", "Value": f"VARIANT {way.id}"}]}}
        if way.code:  # the project's source, or (a look-alike) another folder
            folder = "inbound" if change == "other-folder" else "etl"
            return [{"Fn::Sub": f"arn:${{AWS::Partition}}:s3:::{SCRIPTS_BUCKET}/{folder}/*"}]
        return [repository] if way.image else [{"Fn::GetAtt": ["Project", "Arn"]}]
    if way.takes_over == "glue-dev-endpoint":
        resources["DevEndpoint"] = {"Type": "AWS::Glue::DevEndpoint", "Properties": {
            "EndpointName": "cms-eligibility-dev", "RoleArn": {"Fn::GetAtt": ["WorkloadRole", "Arn"]},
            "Tags": {"Name": f"VARIANT {way.id}"}}}
        return [{"Fn::Sub": "arn:${AWS::Partition}:glue:${AWS::Region}:${AWS::AccountId}:devEndpoint/${DevEndpoint}"}]
    if way.takes_over == "glue-job":  # deployed with Glue's CreateJob (deploy.builds)
        scripts_bucket(resources)
        resources["Job"] = {"Type": "AWS::Glue::Job", "Properties": {
            "Name": "cms-eligibility-nightly", "Role": {"Fn::GetAtt": ["WorkloadRole", "Arn"]},
            "Command": {"Name": "glueetl", "ScriptLocation": f"s3://{SCRIPTS_BUCKET}/etl/eligibility-nightly.py",
                        "PythonVersion": "3"},
            "GlueVersion": "4.0", "Tags": {"Name": f"VARIANT {way.id}"}}}
        if way.code:  # the job's script, or (a look-alike) another folder
            folder = "inbound" if change == "other-folder" else "etl"
            return [{"Fn::Sub": f"arn:${{AWS::Partition}}:s3:::{SCRIPTS_BUCKET}/{folder}/*"}]
        return [{"Fn::Sub": "arn:${AWS::Partition}:glue:${AWS::Region}:${AWS::AccountId}:job/${Job}"}]
    if way.takes_over == "cloudformation-stack-set":
        # A self-managed stack set without instances (deploy.builds): its administration role may assume the
        # workload role, which trusts it (an execution role of the same account, as the self-managed permissions
        # page sets them up), so the caller acting as the administration role reaches the workload role.
        admin = f"{role_name(way)[:58]}Admin"
        workload = resources.get("WorkloadRole")
        if isinstance(workload, dict):
            workload["Properties"]["AssumeRolePolicyDocument"] = {"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Principal": {"AWS": {"Fn::GetAtt": ["AdministrationRole", "Arn"]}},
                 "Action": "sts:AssumeRole"}]}
        resources["AdministrationRole"] = {"Type": "AWS::IAM::Role", "Properties": {
            "RoleName": admin,
            "Description": f"VARIANT {way.id}: the stack set's administration role",
            "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Principal": {"Service": way.service}, "Action": "sts:AssumeRole"}]},
            "Policies": [{"PolicyName": "AssumeExecutionRoles", "PolicyDocument": {"Version": "2012-10-17",
                "Statement": [{"Sid": "AssumeExecutionRoles", "Effect": "Allow", "Action": "sts:AssumeRole",
                               "Resource": {"Fn::Sub": f"arn:${{AWS::Partition}}:iam::*:role/{role_name(way)}"}}]}}]}}
        resources["StackSet"] = {"Type": "AWS::CloudFormation::StackSet", "Properties": {
            "StackSetName": "cms-account-baseline", "PermissionModel": "SELF_MANAGED",
            "AdministrationRoleARN": {"Fn::GetAtt": ["AdministrationRole", "Arn"]},
            "ExecutionRoleName": role_name(way),
            "Description": f"VARIANT {way.id}: the accounts' baseline",
            "TemplateBody": '{"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}}',
            "Tags": [{"Key": "Name", "Value": f"VARIANT {way.id}"}]}}
        return [{"Fn::Sub": "arn:${AWS::Partition}:cloudformation:${AWS::Region}:${AWS::AccountId}:"
                            "stackset/cms-account-baseline:*"}]
    if way.takes_over == "batch-job-definition":  # registered with RegisterJobDefinition (deploy.batch)
        resources["JobDefinition"] = {"Type": "AWS::Batch::JobDefinition", "Properties": {
            "JobDefinitionName": "cms-eligibility-extract", "Type": "container", "PlatformCapabilities": ["FARGATE"],
            "ContainerProperties": {
                "Image": image(way, resources, "public.ecr.aws/docker/library/python:3.12-slim"),
                "Command": ["python", "-m", "extract", "--date", "Ref::date"],
                "JobRoleArn": {"Fn::GetAtt": ["WorkloadRole", "Arn"]},
                "ResourceRequirements": [{"Type": "VCPU", "Value": "1"}, {"Type": "MEMORY", "Value": "2048"}],
                "NetworkConfiguration": {"AssignPublicIp": "ENABLED"}},
            "RetryStrategy": {"Attempts": 2}, "Tags": {"Name": f"VARIANT {way.id}"}}}
        if way.image:
            return [repository]
        return [{"Fn::Sub": "arn:${AWS::Partition}:batch:${AWS::Region}:${AWS::AccountId}:job-definition/"
                            "cms-eligibility-extract:*"},
                {"Fn::Sub": "arn:${AWS::Partition}:batch:${AWS::Region}:${AWS::AccountId}:job-queue/"
                            "cms-eligibility-nightly"}]
    if way.takes_over == "ecs-task-definition":  # registered with RegisterTaskDefinition (deploy.ecs)
        resources["TaskDefinition"] = {"Type": "AWS::ECS::TaskDefinition", "Properties": {
            "Family": "cms-eligibility-extract", "RequiresCompatibilities": ["FARGATE"], "NetworkMode": "awsvpc",
            "Cpu": "512", "Memory": "1024", "TaskRoleArn": {"Fn::GetAtt": ["WorkloadRole", "Arn"]},
            "ContainerDefinitions": [{
                "Name": "extract", "Essential": True, "Command": ["python", "-m", "extract"],
                "Image": image(way, resources, "public.ecr.aws/docker/library/python:3.12-slim"),
                "Environment": [{"Name": "SOURCE_BUCKET", "Value": "cms-tmsis-eligibility"}]}],
            "Tags": [{"Key": "Name", "Value": f"VARIANT {way.id}"}]}}
        if way.image:
            return [repository]
        family = "sandbox-*" if change == "other-definition" else "cms-eligibility-extract"
        return [{"Fn::Sub": "arn:${AWS::Partition}:ecs:${AWS::Region}:${AWS::AccountId}:task-definition/"
                            f"{family}:*"}]
    raise ValueError(f"no variant for a takeover of {way.takes_over}")


def stack_template(way: Way) -> dict[str, object]:
    """The stack deployed with the workload role as its service role (cloudformation-update-stack)."""
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": f"CMS Medicaid data lake - the ETL stack, deployed with its service role. VARIANT {way.id}.",
        "Resources": {"EtlNotice": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {
            "ManagedPolicyName": "CmsEtlStackNotice",
            "Description": "VARIANT: a resource of the stack; attached to no one",
            "PolicyDocument": {"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": "cloudformation:DescribeStacks", "Resource": "*"}]}}}},
    }


def takeover_statements(way: Way, change: str | None, resources: dict[str, object]) -> list[dict[str, object]]:
    on = existing(way, resources, change)
    actions = sorted({a.action for a in way.requests if a.resource != "*"})
    for then in (w for w in ways() if w.id in way.then[:1]):  # a shell on the instance: the first of `then`
        actions += sorted({a.action for a in then.requests})
        on += [r for r in existing(then, {}) if r not in on]
    statement: dict[str, object] = {"Sid": "TakeOverWorkload", "Effect": "Allow", "Action": actions, "Resource": on}
    if change in ("no-document", "no-lifecycle-config", "document-only"):
        statement["Resource"] = on[:1]
    if change == "tag-condition":
        statement["Condition"] = {"StringEquals": {"aws:PrincipalTag/team": "cms-ops"}}
    if change == "other-project":
        statement["Resource"] = {"Fn::Sub": "arn:${AWS::Partition}:codebuild:${AWS::Region}:${AWS::AccountId}:"
                                            "project/sandbox-*"}
    if change == "read-only":
        statement["Action"] = ["glue:GetDevEndpoint"]
    if change == "pull-only":
        statement["Action"] = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
    if change == "other-queue":  # the definition, and queues of another name
        statement["Resource"] = [on[0], {"Fn::Sub": "arn:${AWS::Partition}:batch:${AWS::Region}:${AWS::AccountId}:"
                                                    "job-queue/sandbox-*"}]
    if change == "other-stack":
        statement["Resource"] = {"Fn::Sub": "arn:${AWS::Partition}:cloudformation:${AWS::Region}:${AWS::AccountId}:"
                                            "stack/sandbox-*/*"}
    if change == "other-stack-set":
        statement["Resource"] = {"Fn::Sub": "arn:${AWS::Partition}:cloudformation:${AWS::Region}:${AWS::AccountId}:"
                                            "stackset/sandbox-*:*"}
    statements = [statement]
    anywhere = sorted({a.action for a in way.requests if a.resource == "*"})
    if anywhere:  # actions that take no resource (ecr:GetAuthorizationToken), granted on "*"
        statements.append({"Sid": "SignInToRegistry", "Effect": "Allow", "Action": anywhere, "Resource": "*"})
    # An unsettled way some reading of which asks iam:PassRole of the resource's own role: granted, so that the path
    # holds under every reading.
    asked = bool(way.unsettled and any(r.asks_pass_role for r in way.unsettled.readings))
    if (way.pass_role or asked) and change != "no-pass-role":
        passed_to = "lambda.amazonaws.com" if change == "passed-to-lambda" else way.service
        runs_as = "AdministrationRole" if way.takes_over == "cloudformation-stack-set" else "WorkloadRole"
        statements.insert(0, {"Sid": "PassWorkloadRole", "Effect": "Allow", "Action": "iam:PassRole",
                              "Resource": {"Fn::GetAtt": [runs_as, "Arn"]},
                              "Condition": {"StringEquals": {"iam:PassedToService": passed_to}}})
    return statements


def template(way: Way, change: str | None) -> dict[str, object]:
    """The variant's own template, with the change of a look-alike applied."""
    trust_service = "ec2.amazonaws.com" if change == "trusts-other-service" else way.service
    resources: dict[str, object] = {
        "WorkloadRole": {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "RoleName": role_name(way),
                "Description": f"VARIANT {way.id}: a {way.service} workload role that reads eligibility",
                "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [
                    {"Effect": "Allow", "Principal": {"Service": trust_service}, "Action": "sts:AssumeRole"}]},
                "Policies": [{"PolicyName": "ReadEligibility", "PolicyDocument": {"Version": "2012-10-17",
                    "Statement": [
                        {"Sid": "ReadEligibilityObjects", "Effect": "Allow", "Action": "s3:GetObject",
                         "Resource": {"Fn::Sub": "arn:${AWS::Partition}:s3:::cms-tmsis-eligibility/*"}},
                        {"Sid": "DecryptThroughS3", "Effect": "Allow", "Action": "kms:Decrypt",
                         "Resource": {"Fn::Sub": "arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/*"},
                         "Condition": {"StringEquals": {
                             "kms:ViaService": {"Fn::Sub": "s3.${AWS::Region}.amazonaws.com"}}}},
                    ]}}],
            },
        },
    }
    if way.takes_over is not None:
        statements = takeover_statements(way, change, resources)
    elif way.instance_profile and way.id in {"ec2-run-instances", "ec2-associate-instance-profile"}:
        resources["WorkloadInstanceProfile"] = {
            "Type": "AWS::IAM::InstanceProfile",
            "Properties": {"InstanceProfileName": role_name(way), "Roles": [{"Ref": "WorkloadRole"}]},
        }
    if way.needs == "batch-job-queue":  # the queue a job is submitted to, on a Fargate environment (deploy.batch)
        resources["JobEnvironment"] = {"Type": "AWS::Batch::ComputeEnvironment", "Properties": {
            "ComputeEnvironmentName": "cms-eligibility-fargate", "Type": "MANAGED", "State": "ENABLED",
            "ComputeResources": {"Type": "FARGATE", "MaxvCpus": 16, "Subnets": ["subnet-0a1b2c3d"],
                                 "SecurityGroupIds": ["sg-0a1b2c3d"]}}}
        resources["JobQueue"] = {"Type": "AWS::Batch::JobQueue", "Properties": {
            "JobQueueName": "cms-eligibility-nightly", "Priority": 10, "State": "ENABLED",
            "ComputeEnvironmentOrder": [{"Order": 1, "ComputeEnvironment": {"Ref": "JobEnvironment"}}]}}
    if way.needs == "ecs-task-definition":  # a definition with no task role, run with the role in its overrides
        resources["HealthCheckDefinition"] = {"Type": "AWS::ECS::TaskDefinition", "Properties": {
            "Family": "cms-ingest-healthcheck", "RequiresCompatibilities": ["FARGATE"], "NetworkMode": "awsvpc",
            "Cpu": "256", "Memory": "512",
            "ContainerDefinitions": [{
                "Name": "probe", "Essential": True, "Image": "public.ecr.aws/docker/library/busybox:stable",
                "Command": ["wget", "-q", "-O-", "http://ingest.internal/health"]}],
            "Tags": [{"Key": "Name", "Value": f"VARIANT {way.id}"}]}}
    if way.takes_over is None:
        statements = classic_statements(way, change, resources)
    resources["DhsWorkloads"] = {
        "Type": "AWS::IAM::Policy",
        "Properties": {
            "PolicyName": "RunComputeWorkloads",
            "Roles": ["DhsDisclosureReader"],
            "PolicyDocument": {"Version": "2012-10-17", "Statement": statements},
        },
    }
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": f"CMS Medicaid data lake - {way.service} workloads run by DHS (account 111111111111). "
                       f"VARIANT {way.id}{' (look-alike: ' + change + ')' if change else ''}.",
        "Resources": resources,
    }


def classic_statements(way: Way, change: str | None, resources: dict[str, object]) -> list[dict[str, object]]:
    """DhsDisclosureReader's statements for a way that creates the compute, passing the role."""
    # What a request under a grant the caller writes itself asks, its own policies need not allow (nor do they).
    actions = sorted({a.action for a in way.requests if not a.own_grant})
    if change == "no-start-build":
        actions = [a for a in actions if a != "codebuild:StartBuild"]
    if change == "no-add-permission":
        actions = [a for a in actions if a != "lambda:AddPermission"]
    if way.instance_profile and "WorkloadInstanceProfile" not in resources:
        actions += ["iam:AddRoleToInstanceProfile", "iam:CreateInstanceProfile"]
    passed_to: object = passed_to_values(way)
    if change == "passed-to-lambda":
        passed_to = "lambda.amazonaws.com"
    if change == "passed-to-ec2":
        passed_to = "ec2.amazonaws.com"
    if change == "passed-to-apprunner":
        passed_to = "apprunner.amazonaws.com"
    pass_condition: dict[str, object] = {"StringEquals": {"iam:PassedToService": passed_to}}
    if change == "tag-condition":
        pass_condition["StringEquals"] = {"iam:PassedToService": passed_to, "aws:PrincipalTag/team": "cms-etl"}
    passed_role: object = {"Fn::GetAtt": ["WorkloadRole", "Arn"]}
    if change == "pass-other-role":
        passed_role = {"Fn::ImportValue": "cms-identity-DisclosurePipelineRoleArn"}
    statements: list[dict[str, object]] = [
        {"Sid": "PassWorkloadRole", "Effect": "Allow", "Action": "iam:PassRole", "Resource": passed_role,
         "Condition": pass_condition},
        {"Sid": "RunWorkloads", "Effect": "Allow", "Action": actions, "Resource": "*"},
    ]
    for service in way.also_pass if change != "no-service-role" else ():  # a role it passes to that service too
        resources["PipelineRole"] = {"Type": "AWS::IAM::Role", "Properties": {
            "RoleName": f"{role_name(way)[:56]}Pipeline",
            "Description": f"VARIANT {way.id}: the {service} role the caller passes beside the workload role",
            "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}]}}}
        statements.insert(1, {"Sid": "PassPipelineRole", "Effect": "Allow", "Action": "iam:PassRole",
                              "Resource": {"Fn::GetAtt": ["PipelineRole", "Arn"]},
                              "Condition": {"StringEquals": {"iam:PassedToService": service}}})
    if change == "other-queue":  # the job definitions it registers, and queues of another name
        statements[-1]["Resource"] = [
            {"Fn::Sub": "arn:${AWS::Partition}:batch:${AWS::Region}:${AWS::AccountId}:job-definition/*"},
            {"Fn::Sub": "arn:${AWS::Partition}:batch:${AWS::Region}:${AWS::AccountId}:job-queue/sandbox-*"}]
    if change == "other-definition":  # task definitions of another family
        statements[-1]["Resource"] = {"Fn::Sub": "arn:${AWS::Partition}:ecs:${AWS::Region}:${AWS::AccountId}:"
                                                 "task-definition/sandbox-*"}
    if change == "one-service":  # its own task definitions, and one service of a cluster
        statements[-1]["Resource"] = [
            {"Fn::Sub": "arn:${AWS::Partition}:ecs:${AWS::Region}:${AWS::AccountId}:task-definition/*"},
            {"Fn::Sub": "arn:${AWS::Partition}:ecs:${AWS::Region}:${AWS::AccountId}:service/cms-prod/eligibility-api"}]
    if change == "deny-passrole":
        statements.append({"Sid": "NoStacksWithRoles", "Effect": "Deny", "Action": "iam:PassRole", "Resource": "*",
                           "Condition": {"StringEquals": {"iam:PassedToService": way.service}}})
    return statements


def passed_to_values(way: Way) -> str | list[str]:
    """The iam:PassedToService values the caller may pass the role with: the way's service, or, for an unsettled
    way, every reading's value (so that the path holds under each)."""
    values = sorted({r.passed_to for r in way.unsettled.readings if r.passed_to}) if way.unsettled else []
    return values or way.service


def deployable(way: Way) -> bool:
    """Whether a variant can hold the existing compute a takeover way acts on (:func:`existing`)."""
    if way.takes_over is None:
        return True
    try:
        existing(way, {})
    except ValueError:
        return False
    return True


def config(way: Way, first_line: str) -> str:
    reference = REFERENCE_TEMPLATES.read_text(encoding="utf-8").splitlines()
    body = [line for line in reference if not line.startswith("#")]
    out = [f"# {first_line}"]
    for line in body:
        out.append(line.replace("path: cms-dhs-self-service.yaml", "path: cms-dhs-compute.yaml"))
        if way.takes_over == "cloudformation-stack" and out[-2:-1] == ["  - path: cms-dhs-compute.yaml"]:
            out += [f"  - path: {STACK_TEMPLATE}", "    account: cms",
                    f"    role_arn: arn:aws:iam::111111111111:role/{role_name(way)}  # the stack's service role"]
    return "\n".join(out) + "\n"


WRITTEN: set[str] = set()  # the variants this run writes; any other compute variant is stale


def write(name: str, way: Way, change: str | None, first_line: str, expected: dict[str, object]) -> None:
    directory = VARIANTS / name
    directory.mkdir(exist_ok=True)
    WRITTEN.add(name)
    files = {"enjoin.yaml", "cms-dhs-compute.yaml", "expected.yaml"}
    if way.takes_over == "cloudformation-stack":
        files.add(STACK_TEMPLATE)
    for stale in directory.iterdir():
        if stale.name not in files:
            stale.unlink()
    (directory / "enjoin.yaml").write_text(config(way, first_line), encoding="utf-8")
    header = ("# Generated by scripts/gen_compute_variants.py from src/enjoin/reach_compute.yaml; regenerate, do not "
              "edit.\n")
    (directory / "cms-dhs-compute.yaml").write_text(
        header + yaml.safe_dump(template(way, change), sort_keys=False, width=120), encoding="utf-8")
    if way.takes_over == "cloudformation-stack":
        (directory / STACK_TEMPLATE).write_text(
            header + yaml.safe_dump(stack_template(way), sort_keys=False, width=120), encoding="utf-8")
    (directory / "expected.yaml").write_text(header + yaml.safe_dump(expected, sort_keys=False, width=120),
                                             encoding="utf-8")


def main() -> int:
    # Each variant is rewritten in place, and only then are the ones no row gives any more removed: a run that
    # fails half-way leaves every variant there was, and a test reading them meanwhile finds each one whole.
    for way in ways():
        takeover = way.modeled and way.takes_over is not None
        if not takeover and (not way.modeled or not way.pass_role or (way.existing and way.needs is None)):
            continue
        if not deployable(way):
            continue
        # A way whose path some reading says does not exist can be no more than a doubt, whatever DHS may do.
        doubt = way.unsettled is not None and any(r.holds is False for r in way.unsettled.readings)
        runs = ("whose administration role may assume" if way.takes_over == "cloudformation-stack-set"
                else "that it gives" if way.pass_role else "that runs as")
        what = (f"make the requests of way {way.id} on an existing {way.takes_over} {runs}" if takeover
                else f"pass {role_name(way)} to {way.service} and make the requests of way {way.id}; the role")
        first = (f"Variant compute-{way.id}: DhsDisclosureReader may {what} {role_name(way) if takeover else ''}"
                 f"{'; it' if takeover else ''} reads eligibility.".replace("  ", " "))
        hop = f"arn:aws:iam::111111111111:role/{role_name(way)}"
        if doubt and way.unsettled is not None:
            write(f"compute-{way.id}", way, None, first + " The path holds only under some readings of: "
                  + way.unsettled.question.split(";")[0] + ".",
                  {"way": way.id, "outcome": "INDETERMINATE", "hop": hop,
                   "reason": f"{way.id} holds under some readings only: {way.unsettled.question}",
                   **({"also": list(ALSO[way.id])} if way.id in ALSO else {})})
        else:
            write(f"compute-{way.id}", way, None, first,
                  {"way": way.id, "outcome": "VIOLATION", "hop": hop,
                   "sid": "PassWorkloadRole" if way.pass_role else "TakeOverWorkload"})
        if way.id in DOUBTS:
            change, why = DOUBTS[way.id]
            write(f"lookalike-compute-{way.id}-{change}", way, change,
                  f"Variant lookalike-compute-{way.id}-{change}: as compute-{way.id}, but {why}.",
                  {"way": way.id, "outcome": "INDETERMINATE", "hop": hop, "reason": why})
        if way.id in LOOKALIKES:
            change, why = LOOKALIKES[way.id]
            write(f"lookalike-compute-{way.id}-{change}", way, change,
                  f"Variant lookalike-compute-{way.id}-{change}: as compute-{way.id}, but {why}.",
                  {"way": way.id, "outcome": "COMPLIANT", "reason": why})
    for old in [*VARIANTS.glob("compute-*"), *VARIANTS.glob("lookalike-compute-*")]:
        if old.name not in WRITTEN:
            for path in old.iterdir():
                path.unlink()
            old.rmdir()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
