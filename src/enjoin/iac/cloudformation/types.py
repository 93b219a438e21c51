"""What deploy knows of each resource type it deploys (the modeled types of the classification).

Which types and properties enjoin models, and why, is data: ``classification.yaml`` (tests hold the two
equal). Here is only how to deploy them: the property holding a type's physical name, whether moto 5.2's
CloudFormation creates it, what ``Ref`` and ``Fn::GetAtt`` return (computed from the physical id, the
account and the region, the way AWS forms them), and the physical id of what moto does not create.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class TypeSpec:
    """What enjoin knows of one resource type.

    Attributes:
        name_property: the property holding the physical name (when the type has one); a dotted path
            for a name inside a structure (``DatabaseInput.Name``).
        created_by_moto: whether moto 5.2's CloudFormation creates resources of this type at all.
    """

    name_property: str | None
    created_by_moto: bool


SUPPORTED: dict[str, TypeSpec] = {
    "AWS::IAM::Role": TypeSpec("RoleName", True),
    "AWS::IAM::ManagedPolicy": TypeSpec("ManagedPolicyName", True),
    "AWS::IAM::Policy": TypeSpec(None, True),
    "AWS::IAM::User": TypeSpec("UserName", True),
    "AWS::IAM::Group": TypeSpec("GroupName", False),
    "AWS::IAM::UserToGroupAddition": TypeSpec(None, False),
    "AWS::S3::Bucket": TypeSpec("BucketName", True),
    "AWS::S3::BucketPolicy": TypeSpec(None, False),
    "AWS::KMS::Key": TypeSpec(None, True),
    "AWS::KMS::Alias": TypeSpec("AliasName", True),
    # Federation: moto 5.2's CloudFormation creates neither provider.
    "AWS::IAM::SAMLProvider": TypeSpec("Name", False),
    "AWS::IAM::OIDCProvider": TypeSpec(None, False),
    "AWS::S3::AccessPoint": TypeSpec("Name", False),
    # Compute: moto creates the function (and drops its Tags); a Permission it creates holds a malformed
    # statement, so deploy keeps it out of the stack and adds it itself.
    "AWS::Lambda::Function": TypeSpec("FunctionName", True),
    "AWS::Lambda::Permission": TypeSpec(None, False),
    # The data catalog, Lake Formation and Athena: moto 5.2's CloudFormation creates none of them.
    "AWS::Glue::Database": TypeSpec("DatabaseInput.Name", False),
    "AWS::Glue::Table": TypeSpec("TableInput.Name", False),
    "AWS::LakeFormation::DataLakeSettings": TypeSpec(None, False),
    "AWS::LakeFormation::Resource": TypeSpec(None, False),
    "AWS::LakeFormation::Permissions": TypeSpec(None, False),
    "AWS::LakeFormation::PrincipalPermissions": TypeSpec(None, False),
    "AWS::Athena::WorkGroup": TypeSpec("Name", False),
    # moto 5.2.1's CloudFormation creates none of the three standalone inline policies: deploy puts them.
    "AWS::IAM::RolePolicy": TypeSpec(None, False),
    "AWS::IAM::UserPolicy": TypeSpec(None, False),
    "AWS::IAM::GroupPolicy": TypeSpec(None, False),
    "AWS::IAM::InstanceProfile": TypeSpec("InstanceProfileName", True),
    # Created through IAM's API (the role's name is the service's, formed by the backend).
    "AWS::IAM::ServiceLinkedRole": TypeSpec(None, False),
    # CloudFront is judged from the template (moto's CloudFormation creates none of these).
    "AWS::CloudFront::Distribution": TypeSpec(None, False),
    "AWS::CloudFront::CloudFrontOriginAccessIdentity": TypeSpec(None, False),
    "AWS::CloudFront::OriginAccessControl": TypeSpec(None, False),
    # Existing compute the takeover ways of reach_compute.yaml act on: moto launches an instance with its profile;
    # it names a notebook instance its own way, so deploy creates the notebook itself.
    "AWS::EC2::Instance": TypeSpec(None, True),
    "AWS::SageMaker::NotebookInstance": TypeSpec("NotebookInstanceName", False),
    # moto names a lifecycle configuration its own way too: deploy creates it (Ref is the ARN).
    "AWS::SageMaker::NotebookInstanceLifecycleConfig": TypeSpec("NotebookInstanceLifecycleConfigName", False),
    # moto 5.2.1's CloudFormation skips these: deploy creates them through their APIs (enjoin.deploy.builds).
    "AWS::CodeBuild::Project": TypeSpec("Name", False),
    "AWS::Glue::DevEndpoint": TypeSpec("EndpointName", False),
    "AWS::Glue::Job": TypeSpec("Name", False),
    # A self-managed stack set without stack instances (enjoin.deploy.builds): Ref is its StackSetId, which AWS
    # forms with a generated UUID, so enjoin gives the name instead.
    "AWS::CloudFormation::StackSet": TypeSpec("StackSetName", False),
    # What batch-submit-job submits to (enjoin.deploy.batch): Ref is the ARN.
    "AWS::Batch::ComputeEnvironment": TypeSpec("ComputeEnvironmentName", False),
    "AWS::Batch::JobQueue": TypeSpec("JobQueueName", False),
    # What batch-submit-job-override submits (enjoin.deploy.batch): Ref is the ARN of revision 1.
    "AWS::Batch::JobDefinition": TypeSpec("JobDefinitionName", False),
    # Where an image that compute runs is pushed (enjoin.deploy.images): moto creates it and drops its policy.
    "AWS::ECR::Repository": TypeSpec("RepositoryName", True),
    # What ecs-run-task-existing runs and ecs-task-image-push pushes to (enjoin.deploy.ecs): moto's CloudFormation
    # drops its task role, so deploy registers it with RegisterTaskDefinition; Ref is the ARN of revision 1.
    "AWS::ECS::TaskDefinition": TypeSpec("Family", False),
}


def partition_of(region: str) -> str:
    """The partition of a region (aws, aws-cn, aws-us-gov)."""
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def tags_of(value: Any) -> dict[str, str]:
    """A CloudFormation (or API) tag list [{Key, Value}] as a dict."""
    return {str(t["Key"]): str(t["Value"]) for t in value or []}


def iam_arn(kind: str, name: str, path: str | None, account: str, region: str) -> str:
    return f"arn:{partition_of(region)}:iam::{account}:{kind}{path or '/'}{name}"


def attribute(rtype: str, physical_id: str, props: Mapping[str, Any], attr: str, account: str, region: str) -> Any:
    """What ``Fn::GetAtt`` returns for a resource, computed the way AWS forms it.

    Raises:
        KeyError: the attribute is not one enjoin computes for this type.
    """
    part = partition_of(region)
    if rtype == "AWS::IAM::Role" and attr == "Arn":
        return iam_arn("role", physical_id, props.get("Path"), account, region)
    if rtype == "AWS::IAM::User" and attr == "Arn":
        return iam_arn("user", physical_id, props.get("Path"), account, region)
    if rtype == "AWS::IAM::Group" and attr == "Arn":
        return iam_arn("group", physical_id, props.get("Path"), account, region)
    if rtype == "AWS::IAM::ManagedPolicy" and attr == "PolicyArn":
        return physical_id
    if rtype == "AWS::S3::Bucket":
        computed = {
            "Arn": f"arn:{part}:s3:::{physical_id}",
            "DomainName": f"{physical_id}.s3.amazonaws.com",
            "RegionalDomainName": f"{physical_id}.s3.{region}.amazonaws.com",
            "DualStackDomainName": f"{physical_id}.s3.dualstack.{region}.amazonaws.com",
            "WebsiteURL": f"http://{physical_id}.s3-website-{region}.amazonaws.com",
        }
        return computed[attr]
    if rtype == "AWS::KMS::Key":
        return {"Arn": f"arn:{part}:kms:{region}:{account}:key/{physical_id}", "KeyId": physical_id}[attr]
    if rtype in ("AWS::IAM::SAMLProvider", "AWS::IAM::OIDCProvider") and attr == "Arn":
        return physical_id  # Ref is the ARN already
    if rtype == "AWS::S3::AccessPoint":
        computed = {
            "Arn": f"arn:{part}:s3:{region}:{account}:accesspoint/{physical_id}",
            "Name": physical_id,
            "NetworkOrigin": "VPC" if props.get("VpcConfiguration") else "Internet",
        }
        return computed[attr]
    if rtype == "AWS::Lambda::Function" and attr == "Arn":
        return f"arn:{part}:lambda:{region}:{account}:function:{physical_id}"
    if rtype == "AWS::IAM::InstanceProfile" and attr == "Arn":
        return iam_arn("instance-profile", physical_id, props.get("Path"), account, region)
    if rtype == "AWS::CloudFront::Distribution":
        return {
            "Id": physical_id,
            "DomainName": f"{physical_id.lower()}.cloudfront.net",
        }[attr]
    if rtype == "AWS::CloudFront::CloudFrontOriginAccessIdentity":
        # The canonical user id is S3's name for the identity: enjoin derives a stable 64-hex one.
        return {"Id": physical_id, "S3CanonicalUserId": canonical_user_of(physical_id)}[attr]
    if rtype == "AWS::CloudFront::OriginAccessControl" and attr == "Id":
        return physical_id
    if rtype == "AWS::CodeBuild::Project" and attr == "Arn":
        return f"arn:{part}:codebuild:{region}:{account}:project/{physical_id}"  # Ref is the name
    if (rtype, attr) in (("AWS::Batch::ComputeEnvironment", "ComputeEnvironmentArn"),
                         ("AWS::Batch::JobQueue", "JobQueueArn"), ("AWS::Batch::JobDefinition", "JobDefinitionArn"),
                         ("AWS::ECS::TaskDefinition", "TaskDefinitionArn")):
        return physical_id  # Ref is the ARN already
    if rtype == "AWS::ECR::Repository":  # Ref is the name
        host = f"{account}.dkr.ecr.{region}.amazonaws.com{'.cn' if part == 'aws-cn' else ''}"
        return {"Arn": f"arn:{part}:ecr:{region}:{account}:repository/{physical_id}",
                "RepositoryUri": f"{host}/{physical_id}"}[attr]
    if rtype == "AWS::SageMaker::NotebookInstance" and attr == "NotebookInstanceName":
        return physical_id.rsplit("/", 1)[-1]  # Ref is the ARN
    if rtype == "AWS::SageMaker::NotebookInstanceLifecycleConfig" and attr == "NotebookInstanceLifecycleConfigName":
        return physical_id.rsplit("/", 1)[-1]  # Ref is the ARN
    raise KeyError(attr)


def canonical_user_of(identity_id: str) -> str:
    """The S3 canonical user id enjoin gives a CloudFront origin access identity (64 hex digits, stable)."""
    return hashlib.sha256(f"cloudfront-oai:{identity_id}".encode()).hexdigest()


def service_of(rtype: str) -> str:
    """The ARN service name of a type, as AWS forms most of them (AWS::SNS::Topic -> sns)."""
    parts = rtype.split("::")
    return parts[1].lower() if len(parts) == 3 else "cloudformation"


def placeholder(rtype: str, physical_id: str, attr: str | None, account: str, region: str) -> str:
    """What enjoin puts for a Ref or Fn::GetAtt of a resource it does not deploy, or an attribute it does
    not compute: a value shaped as AWS shapes it (an ARN of the resource's own service for ``Arn`` and
    for ``Ref``), never a wildcard, so that it can match no holding and no principal of the snapshot."""
    if attr is None or attr == "Arn" or attr.endswith("Arn"):
        kind = rtype.split("::")[-1].lower()
        return f"arn:{partition_of(region)}:{service_of(rtype)}:{region}:{account}:{kind}/{physical_id}"
    return f"{physical_id}-{attr}"


def name_in(props: Mapping[str, Any], name_property: str | None) -> Any:
    """The value at the (dotted) ``name_property`` of raw properties, or None."""
    value: Any = props
    for part in (name_property or "").split(".") if name_property else ():
        value = value.get(part) if isinstance(value, Mapping) else None
    return value if name_property else None


def own_physical_id(logical_id: str, stack_name: str, name: Any) -> str:
    """The physical id of a resource moto does not create: its name property, else a deterministic one."""
    if name:
        return str(name)
    # CloudFormation's generated names are stack-logical-suffix; enjoin's omit the random suffix.
    return f"{stack_name}-{logical_id}"[:128]


def physical_id_of(
    rtype: str,
    logical_id: str,
    stack_name: str,
    name: Any,
    props: Mapping[str, Any],
    account: str,
    region: str,
) -> str:
    """The physical id (what ``Ref`` returns) of a resource enjoin creates itself, formed as AWS forms it.

    ``props`` are the resolved properties; only the OIDC provider's Url is read from them.
    """
    part = partition_of(region)
    if rtype == "AWS::IAM::SAMLProvider":
        return f"arn:{part}:iam::{account}:saml-provider/{own_physical_id(logical_id, stack_name, name)}"
    if rtype == "AWS::IAM::OIDCProvider":
        host = str(props.get("Url", "")).split("://", 1)[-1]
        return f"arn:{part}:iam::{account}:oidc-provider/{host}"
    if rtype == "AWS::SageMaker::NotebookInstance":
        notebook = own_physical_id(logical_id, stack_name, name)
        return f"arn:{part}:sagemaker:{region}:{account}:notebook-instance/{notebook}"
    if rtype == "AWS::SageMaker::NotebookInstanceLifecycleConfig":
        config = own_physical_id(logical_id, stack_name, name)
        return f"arn:{part}:sagemaker:{region}:{account}:notebook-instance-lifecycle-config/{config}"
    batch = {"AWS::Batch::ComputeEnvironment": "compute-environment", "AWS::Batch::JobQueue": "job-queue"}
    if rtype in batch:
        return f"arn:{part}:batch:{region}:{account}:{batch[rtype]}/{own_physical_id(logical_id, stack_name, name)}"
    if rtype == "AWS::Batch::JobDefinition":  # the first revision's ARN, as a fresh deployment registers it
        return f"arn:{part}:batch:{region}:{account}:job-definition/{own_physical_id(logical_id, stack_name, name)}:1"
    if rtype == "AWS::ECS::TaskDefinition":  # the first revision's ARN, as a fresh deployment registers it
        return f"arn:{part}:ecs:{region}:{account}:task-definition/{own_physical_id(logical_id, stack_name, name)}:1"
    if rtype == "AWS::S3::AccessPoint" and not name:
        # Access point names are lower case, 3 to 50 characters.
        return f"{stack_name}-{logical_id}".lower()[:50]
    return own_physical_id(logical_id, stack_name, name)
