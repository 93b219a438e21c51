"""Batch compute environments, job queues and job definitions: what the batch ways of reach_compute.yaml go through.

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
- ``AWS::Batch::JobDefinition``: ``RegisterJobDefinition`` (revision 1 in a fresh deployment, whose ARN ``Ref``
  gives), a ``container`` one only (:func:`check_job_type`: a multinode job runs on EC2 instances beside their
  instance role) without ECS Exec (:func:`check_container`: ``ecs:ExecuteCommand`` into the running container is
  another way to act as its job role, which reach does not follow). Of ``ContainerProperties`` deploy registers
  what says what runs and as which role (image, command, job and execution roles, resources); the rest (its
  environment, volumes, logging, network) changes nothing about who runs as the job role. A definition whose jobs
  are given by ``EcsProperties``, ``NodeProperties`` or ``EksProperties`` only (unmodeled properties, in doubt for
  what they name) has nothing left to register, and is not: what its roles read is INDETERMINATE through them.

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


def check_job_type(value: Any, where: str) -> None:
    """Before deploying: a job definition must be of type ``container`` (CloudFormation takes it in any case).

    Raises:
        DeployError: ``multinode`` (its nodes run on EC2 instances, beside their instance role) or another value.
    """
    if str(value).lower() != "container":
        raise DeployError(where, "a container job definition (a multinode one runs on EC2 instances, beside their "
                          "instance role)", repr(value))


def check_container(value: Any, where: str) -> None:
    """Before deploying: a job definition's container must not enable ECS Exec.

    Raises:
        DeployError: ``EnableExecuteCommand`` true: ``ecs:ExecuteCommand`` into a running job's container is a way
            to act as its job role that reach does not follow.
    """
    enabled = value.get("EnableExecuteCommand") if isinstance(value, Mapping) else None
    if enabled in (True, "true", "True"):
        raise DeployError(where, "a container without ECS Exec (ecs:ExecuteCommand into a running job, a way to act "
                          "as its job role that enjoin does not follow)", "EnableExecuteCommand true")


def _name(ctx: ApplyContext | VerifyContext) -> str:
    return ctx.physical_id.rsplit("/", 1)[-1]  # Ref is the ARN


def _definition_name(ctx: ApplyContext | VerifyContext) -> str:
    return _name(ctx).rsplit(":", 1)[0]  # the ARN ends in the revision


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


# What of ContainerProperties is registered: what runs, as which role, with what resources.
_CONTAINER_KEYS = {"Image": "image", "Command": "command", "JobRoleArn": "jobRoleArn",
                   "ExecutionRoleArn": "executionRoleArn", "Vcpus": "vcpus", "Memory": "memory"}


def _container(props: Mapping[str, Any]) -> dict[str, Any]:
    container = {api: props[prop] for prop, api in _CONTAINER_KEYS.items() if prop in props}
    if props.get("ResourceRequirements"):
        container["resourceRequirements"] = [{"type": str(r.get("Type")), "value": str(r.get("Value"))}
                                             for r in props["ResourceRequirements"]]
    return container


def _active(batch: Any, read: Callable[..., Any], name: str) -> list[dict[str, Any]]:
    found = read(batch.describe_job_definitions, jobDefinitionName=name, status="ACTIVE")
    return list(found.get("jobDefinitions") or [])


def _job_definition(ctx: ApplyContext) -> None:
    batch = ctx.client("batch")
    name = _definition_name(ctx)
    container = ctx.props.get("ContainerProperties")
    if not container or _active(batch, lambda fn, **kw: ctx.call("JobDefinitionName", fn, **kw), name):
        return  # nothing to register (see the module docstring), or registered already
    create: dict[str, Any] = {"jobDefinitionName": name, "type": "container",
                              "containerProperties": _container(container)}
    if ctx.props.get("PlatformCapabilities"):
        create["platformCapabilities"] = [str(p) for p in ctx.props["PlatformCapabilities"]]
    if ctx.props.get("Tags"):
        create["tags"] = {str(k): str(v) for k, v in dict(ctx.props["Tags"]).items()}
    registered = ctx.call("JobDefinitionName", batch.register_job_definition, **create)
    if registered.get("jobDefinitionArn") != ctx.physical_id:
        raise ctx.fail("JobDefinitionName", f"registered as {registered.get('jobDefinitionArn')}, not "
                       f"{ctx.physical_id} (a job definition of that name exists already)")


def _verify_job_definition(c: VerifyContext) -> None:
    container = c.props.get("ContainerProperties")
    if not container:
        return  # not registered (see the module docstring)
    found = _active(c.client("batch"), lambda fn, **kw: c.read("JobDefinitionName", fn, **kw), _definition_name(c))
    revision = [d for d in found if d.get("jobDefinitionArn") == c.physical_id]
    if not revision:
        raise c.fail("JobDefinitionName", c.physical_id, "no such active job definition")
    definition = revision[0]
    c.equal("Type", "container", definition.get("type"))
    registered = definition.get("containerProperties") or {}
    for prop in ("Image", "JobRoleArn", "ExecutionRoleArn"):
        c.equal(f"ContainerProperties.{prop}", container.get(prop), registered.get(_CONTAINER_KEYS[prop]))
    if c.props.get("PlatformCapabilities"):
        c.equal("PlatformCapabilities", list(c.props["PlatformCapabilities"]), definition.get("platformCapabilities"))
    c.tags([{"Key": k, "Value": v} for k, v in dict(c.props.get("Tags") or {}).items()], definition.get("tags") or {})


APPLIERS: dict[str, Callable[[ApplyContext], None]] = {
    "AWS::Batch::ComputeEnvironment": _environment,
    "AWS::Batch::JobQueue": _queue,
    "AWS::Batch::JobDefinition": _job_definition,
}
VERIFIERS: dict[str, Callable[[VerifyContext], None]] = {
    "AWS::Batch::ComputeEnvironment": _verify_environment,
    "AWS::Batch::JobQueue": _verify_queue,
    "AWS::Batch::JobDefinition": _verify_job_definition,
}
