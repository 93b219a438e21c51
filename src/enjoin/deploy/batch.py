"""Batch compute environments and job queues: what the batch-submit-job way of reach_compute.yaml submits to.

Reach needs only that a queue exists, its ARN, and that it can run a job (it and one of its environments ENABLED and
VALID, as the inventory reads them); a queue runs as no role, and the job runs as the job role its submitter passes.
Deploy creates both with Batch's API under the template's names (so the same path serves moto in process and over
HTTP), and verifies them:

- ``AWS::Batch::ComputeEnvironment``: ``CreateComputeEnvironment``, only a managed Fargate one (:func:`check_type`,
  :func:`check_compute_resources`): a Fargate task runs as its job role alone, where an EC2 or Spot instance, or an
  instance of an unmanaged environment, runs jobs beside its instance role's credentials, which reach does not
  follow, so such an environment stays an unmodeled construct. Its subnets and security groups are network
  placement, which IAM does not decide: deploy places it in the default VPC (a default subnet and the default
  security group), as moto places an instance. Without a ``ServiceRole`` AWS Batch uses its service-linked role,
  creating it on first use; moto 5.2.1 asks for a role that exists, so deploy creates that service-linked role as
  Batch would (``CreateServiceLinkedRole``), and hands its ARN to moto.
- ``AWS::Batch::JobQueue``: ``CreateJobQueue`` with its environments in order. A queue whose environment enjoin
  does not deploy (an EC2 one left out as unmodeled) is refused, naming the template and resource: reach could not
  tell whether the queue runs jobs, nor as what.

moto 5.2.1's CloudFormation creates both types, but asks a ServiceRole and compute resources of every environment
(an unmanaged one has none); deploy keeps them out of the stack.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from enjoin.deploy.context import ApplyContext, VerifyContext
from enjoin.errors import DeployError

# The Fargate capacity types: a job runs in its own task, as its job role alone.
FARGATE = frozenset({"FARGATE", "FARGATE_SPOT"})
# What of ComputeResources deploy applies (type and size); the rest of a Fargate one is network placement.
_RESOURCE_KEYS = {"Type": "type", "MaxvCpus": "maxvCpus"}
_SERVICE_LINKED = "batch.amazonaws.com"


def check_type(value: Any, where: str) -> None:
    """Before deploying: an environment must be MANAGED (an unmanaged one runs jobs on the account's instances).

    Raises:
        DeployError: any other type; ``where`` names the resource and property.
    """
    if value != "MANAGED":
        raise DeployError(where, "a MANAGED environment (Fargate capacity)", f"a {value} environment")


def check_compute_resources(value: Any, where: str) -> None:
    """Before deploying: an environment's capacity must be Fargate (FARGATE or FARGATE_SPOT).

    Raises:
        DeployError: EC2 or Spot instances, which run jobs beside their instance role; ``where`` names the resource
            and property.
    """
    kind = value.get("Type") if isinstance(value, Mapping) else None
    if kind not in FARGATE:
        raise DeployError(where, "Fargate capacity (Type FARGATE or FARGATE_SPOT), where a job runs as its job role "
                          "alone", f"{kind} capacity" if kind else repr(value))


def _name(ctx: ApplyContext | VerifyContext) -> str:
    return ctx.physical_id.rsplit("/", 1)[-1]  # Ref is the ARN


def _service_role(ctx: ApplyContext) -> str:
    """The template's ServiceRole, or Batch's service-linked role, created as Batch creates it on first use."""
    given = ctx.props.get("ServiceRole")
    if given:
        return str(given)
    iam = ctx.client("iam")
    role_name = "AWSServiceRoleForBatch"
    found = ctx.exists(iam.get_role, frozenset({"NoSuchEntity"}), RoleName=role_name)
    if found is None:
        found = ctx.call("ServiceRole", iam.create_service_linked_role, AWSServiceName=_SERVICE_LINKED)
    return str(found["Role"]["Arn"])


def _placement(ctx: ApplyContext) -> dict[str, list[str]]:
    """A default subnet and the default security group of the default VPC (network placement)."""
    ec2 = ctx.client("ec2")
    subnets = ctx.call("ComputeResources", ec2.describe_subnets,
                       Filters=[{"Name": "default-for-az", "Values": ["true"]}]).get("Subnets") or []
    groups = ctx.call("ComputeResources", ec2.describe_security_groups,
                      Filters=[{"Name": "group-name", "Values": ["default"]}]).get("SecurityGroups") or []
    if not subnets or not groups:
        raise ctx.fail("ComputeResources", "no default VPC to place the environment in")
    return {"subnets": [subnets[0]["SubnetId"]], "securityGroupIds": [groups[0]["GroupId"]]}


def _environment(ctx: ApplyContext) -> None:
    batch = ctx.client("batch")
    name = _name(ctx)
    found = ctx.call("ComputeEnvironmentName", batch.describe_compute_environments, computeEnvironments=[name])
    if found.get("computeEnvironments"):
        return
    resources = dict(ctx.props.get("ComputeResources") or {})
    create: dict[str, Any] = {
        "computeEnvironmentName": name,
        "type": ctx.props.get("Type"),
        "state": ctx.props.get("State", "ENABLED"),
        "serviceRole": _service_role(ctx),
        "computeResources": {api: resources[prop] for prop, api in _RESOURCE_KEYS.items() if prop in resources}
        | _placement(ctx),
    }
    if ctx.props.get("Tags"):
        create["tags"] = {str(k): str(v) for k, v in dict(ctx.props["Tags"]).items()}
    ctx.call("ComputeEnvironmentName", batch.create_compute_environment, **create)


def _verify_environment(c: VerifyContext) -> None:
    name = _name(c)
    found = c.read("ComputeEnvironmentName", c.client("batch").describe_compute_environments,
                   computeEnvironments=[name]).get("computeEnvironments") or []
    if not found:
        raise c.fail("ComputeEnvironmentName", name, "no such compute environment")
    environment = found[0]
    c.equal("ComputeEnvironmentName", name, environment.get("computeEnvironmentName"))
    c.equal("Type", c.props.get("Type"), environment.get("type"))
    c.equal("State", c.props.get("State", "ENABLED"), environment.get("state"))
    if c.props.get("ServiceRole"):
        c.equal("ServiceRole", c.props["ServiceRole"], environment.get("serviceRole"))
    resources = c.props.get("ComputeResources") or {}
    c.equal("ComputeResources", resources.get("Type"), (environment.get("computeResources") or {}).get("type"))


def _queue(ctx: ApplyContext) -> None:
    batch = ctx.client("batch")
    name = _name(ctx)
    found = ctx.call("JobQueueName", batch.describe_job_queues, jobQueues=[name])
    if found.get("jobQueues"):
        return
    order = []
    for item in ctx.props.get("ComputeEnvironmentOrder") or []:
        environment = str(item.get("ComputeEnvironment", ""))
        known = ctx.call("ComputeEnvironmentOrder", batch.describe_compute_environments,
                         computeEnvironments=[environment]).get("computeEnvironments")
        if not known:
            raise DeployError(ctx.stack.template.where(ctx.logical_id, "ComputeEnvironmentOrder"),
                              "compute environments enjoin deploys (managed Fargate ones of a template)",
                              f"{environment}, which enjoin does not deploy")
        order.append({"order": int(item.get("Order", 1)), "computeEnvironment": environment})
    create: dict[str, Any] = {
        "jobQueueName": name,
        "state": ctx.props.get("State", "ENABLED"),
        "priority": int(ctx.props.get("Priority", 1)),
        "computeEnvironmentOrder": order,
    }
    if ctx.props.get("Tags"):
        create["tags"] = {str(k): str(v) for k, v in dict(ctx.props["Tags"]).items()}
    ctx.call("JobQueueName", batch.create_job_queue, **create)


def _verify_queue(c: VerifyContext) -> None:
    name = _name(c)
    found = c.read("JobQueueName", c.client("batch").describe_job_queues,
                   jobQueues=[name]).get("jobQueues") or []
    if not found:
        raise c.fail("JobQueueName", name, "no such job queue")
    queue = found[0]
    c.equal("JobQueueName", name, queue.get("jobQueueName"))
    c.equal("State", c.props.get("State", "ENABLED"), queue.get("state"))
    expected = [str(i.get("ComputeEnvironment")) for i in c.props.get("ComputeEnvironmentOrder") or []]
    c.equal("ComputeEnvironmentOrder", expected,
            [o.get("computeEnvironment") for o in queue.get("computeEnvironmentOrder") or []])
    # CloudFormation writes a queue's Tags as a JSON object, not a list of Key and Value.
    c.tags([{"Key": k, "Value": v} for k, v in dict(c.props.get("Tags") or {}).items()], queue.get("tags") or {})


APPLIERS: dict[str, Callable[[ApplyContext], None]] = {
    "AWS::Batch::ComputeEnvironment": _environment,
    "AWS::Batch::JobQueue": _queue,
}
VERIFIERS: dict[str, Callable[[VerifyContext], None]] = {
    "AWS::Batch::ComputeEnvironment": _verify_environment,
    "AWS::Batch::JobQueue": _verify_queue,
}
