"""EC2 instances and SageMaker notebook instances: existing compute that runs as a role, applied and verified.

Reach needs only that the resource exists, its ARN, and the role it runs as (the takeover ways of reach_compute.yaml
decide who can run code on it), so these are what deploy makes sure of.

- ``AWS::EC2::Instance``: moto 5.2.1's CloudFormation launches it (any ImageId is accepted) and associates its
  ``IamInstanceProfile``; deploy associates the profile itself when the backend did not, and reads the instance back.
- ``AWS::SageMaker::NotebookInstance``: moto 5.2.1's CloudFormation creates one but ignores
  ``NotebookInstanceName`` (it names it ``<stack>-<LogicalId>-<random>``), so deploy keeps it out of the stack and
  creates it with ``CreateNotebookInstance`` under the template's name, with the lifecycle configuration it names
  (``LifecycleConfigName``), which moto's CloudFormation would drop.
- ``AWS::SageMaker::NotebookInstanceLifecycleConfig``: moto 5.2.1's CloudFormation names it its own way too, so
  deploy creates it with ``CreateNotebookInstanceLifecycleConfig`` under the template's name, with its scripts.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

from enjoin.deploy.context import ApplyContext, VerifyContext
from enjoin.iac.cloudformation.types import tags_of


def _profile_name(value: Any) -> str:
    """An instance profile as the template gives it (a name, or an ARN) -> its name."""
    return str(value).rsplit("/", 1)[-1]


def _instance(ctx: ApplyContext) -> None:
    profile = ctx.props.get("IamInstanceProfile")
    if not profile:
        return
    ec2 = ctx.client("ec2")
    found = ctx.call("IamInstanceProfile", ec2.describe_iam_instance_profile_associations,
                     Filters=[{"Name": "instance-id", "Values": [ctx.physical_id]}])
    if not [a for a in found.get("IamInstanceProfileAssociations", []) if a.get("State") == "associated"]:
        ctx.call("IamInstanceProfile", ec2.associate_iam_instance_profile, InstanceId=ctx.physical_id,
                 IamInstanceProfile={"Name": _profile_name(profile)})


def _verify_instance(c: VerifyContext) -> None:
    ec2 = c.client("ec2")
    reservations = c.read("ImageId", ec2.describe_instances, InstanceIds=[c.physical_id])["Reservations"]
    instance = reservations[0]["Instances"][0]
    # An ImageId may be an SSM parameter's path that the backend resolves to an AMI: only its presence is checked,
    # as a function's code is (reach does not read what runs).
    if not instance.get("ImageId"):
        raise c.fail("ImageId", c.props.get("ImageId"), None)
    found_profile = (instance.get("IamInstanceProfile") or {}).get("Arn")
    expected = c.props.get("IamInstanceProfile")
    c.equal("IamInstanceProfile", _profile_name(expected) if expected else None,
            _profile_name(found_profile) if found_profile else None)
    if c.props.get("UserData"):
        data = c.read("UserData", ec2.describe_instance_attribute, InstanceId=c.physical_id, Attribute="userData")
        value = (data.get("UserData") or {}).get("Value") or ""
        given = str(c.props["UserData"])
        # The template gives base64 text; a backend may hand it back encoded once more.
        if value not in (given, base64.b64encode(given.encode()).decode()):
            raise c.fail("UserData", "the user data as given", value[:60])
    c.tags(c.props.get("Tags"), {t["Key"]: t["Value"] for t in instance.get("Tags") or []})


_NOTEBOOK_PROPS = ("InstanceType", "RoleArn", "DirectInternetAccess", "RootAccess", "VolumeSizeInGB",
                   "PlatformIdentifier", "SubnetId", "SecurityGroupIds", "KmsKeyId", "LifecycleConfigName")


def _create_named(ctx: ApplyContext, describe: Callable[..., Any], create: Callable[..., Any], name_param: str,
                  props: tuple[str, ...], extra: dict[str, Any] | None = None) -> None:
    """Create a SageMaker resource under the name its physical id ends with, with the template's ``props``, unless
    one of that name exists already (SageMaker answers ValidationException for one that does not)."""
    name = ctx.physical_id.rsplit("/", 1)[-1]
    if ctx.exists(describe, frozenset({"ValidationException"}), **{name_param: name}) is not None:
        return
    request = {name_param: name, **{p: ctx.props[p] for p in props if p in ctx.props}, **(extra or {})}
    ctx.call(name_param, create, **request)


def _notebook(ctx: ApplyContext) -> None:
    sagemaker = ctx.client("sagemaker")
    tags = tags_of(ctx.props["Tags"]) if ctx.props.get("Tags") else {}
    _create_named(ctx, sagemaker.describe_notebook_instance, sagemaker.create_notebook_instance,
                  "NotebookInstanceName", _NOTEBOOK_PROPS,
                  {"Tags": [{"Key": k, "Value": v} for k, v in tags.items()]} if tags else None)


def _verify_notebook(c: VerifyContext) -> None:
    sagemaker = c.client("sagemaker")
    name = c.physical_id.rsplit("/", 1)[-1]
    found = c.read("NotebookInstanceName", sagemaker.describe_notebook_instance, NotebookInstanceName=name)
    c.equal("NotebookInstanceName", c.props.get("NotebookInstanceName", name), found.get("NotebookInstanceName"))
    c.equal("RoleArn", c.props.get("RoleArn"), found.get("RoleArn"))
    c.equal("InstanceType", c.props.get("InstanceType"), found.get("InstanceType"))
    c.equal("LifecycleConfigName", c.props.get("LifecycleConfigName"),
            found.get("NotebookInstanceLifecycleConfigName"))
    tags = c.read("Tags", sagemaker.list_tags, ResourceArn=found["NotebookInstanceArn"]).get("Tags") or []
    c.tags(c.props.get("Tags"), {t["Key"]: t["Value"] for t in tags})


def _lifecycle_config(ctx: ApplyContext) -> None:
    sagemaker = ctx.client("sagemaker")
    _create_named(ctx, sagemaker.describe_notebook_instance_lifecycle_config,
                  sagemaker.create_notebook_instance_lifecycle_config, "NotebookInstanceLifecycleConfigName",
                  ("OnCreate", "OnStart"))


def _verify_lifecycle_config(c: VerifyContext) -> None:
    sagemaker = c.client("sagemaker")
    name = c.physical_id.rsplit("/", 1)[-1]
    found = c.read("NotebookInstanceLifecycleConfigName", sagemaker.describe_notebook_instance_lifecycle_config,
                   NotebookInstanceLifecycleConfigName=name)
    c.equal("NotebookInstanceLifecycleConfigName", name, found.get("NotebookInstanceLifecycleConfigName"))
    c.equal("Arn", c.physical_id, found.get("NotebookInstanceLifecycleConfigArn"))


APPLIERS: dict[str, Callable[[ApplyContext], None]] = {
    "AWS::EC2::Instance": _instance,
    "AWS::SageMaker::NotebookInstance": _notebook,
    "AWS::SageMaker::NotebookInstanceLifecycleConfig": _lifecycle_config,
}
VERIFIERS: dict[str, Callable[[VerifyContext], None]] = {
    "AWS::EC2::Instance": _verify_instance,
    "AWS::SageMaker::NotebookInstance": _verify_notebook,
    "AWS::SageMaker::NotebookInstanceLifecycleConfig": _verify_lifecycle_config,
}
