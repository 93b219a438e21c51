"""ECS task definitions: what ecs-run-task-existing runs and ecs-task-image-push pushes to (reach_compute.yaml).

Reach needs a definition's ARN (family and revision), its task role and the images its containers run: a task of it
runs every container with the task role's credentials. moto 5.2.1's CloudFormation registers an
``AWS::ECS::TaskDefinition`` with its family, containers, volumes and memory only, and drops ``TaskRoleArn``,
``ExecutionRoleArn``, the network mode, the launch types and the tags: deploy keeps the type out of the stack and
registers it with ECS's ``RegisterTaskDefinition`` under the template's family (revision 1 in a fresh deployment,
whose ARN ``Ref`` and ``TaskDefinitionArn`` give), so that the same path serves moto in process and over HTTP, then
verifies it with ``DescribeTaskDefinition``.

Of the task, deploy registers what says what runs, as which role, and where: the task and execution roles, the
network mode, the launch types, the task's CPU and memory and its tags. Of each container: its name, image,
command, entry point, whether it is essential, its CPU and memory. The rest (environment, secrets, logging, ports,
volumes, health checks, the runtime platform...) changes nothing about who runs code as the task role, and is not
registered: classification.yaml says so per property.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from enjoin.deploy.context import ApplyContext, VerifyContext
from enjoin.iac.cloudformation.types import tags_of

# Task properties registered: CloudFormation's name -> the API's.
_TASK_KEYS = {"TaskRoleArn": "taskRoleArn", "ExecutionRoleArn": "executionRoleArn", "NetworkMode": "networkMode",
              "Cpu": "cpu", "Memory": "memory"}
# Container properties registered: what runs in it, and how much of the task it takes.
_CONTAINER_KEYS = {"Name": "name", "Image": "image", "Command": "command", "EntryPoint": "entryPoint",
                   "Essential": "essential", "Cpu": "cpu", "Memory": "memory",
                   "MemoryReservation": "memoryReservation"}
_NUMBERS = frozenset({"cpu", "memory", "memoryReservation"})


def _family(ctx: ApplyContext | VerifyContext) -> str:
    """The family, from the physical id (``task-definition/FAMILY:1``) that Ref gives."""
    return ctx.physical_id.rsplit("/", 1)[-1].rsplit(":", 1)[0]


def _container(ctx: ApplyContext, props: Mapping[str, Any]) -> dict[str, Any]:
    container: dict[str, Any] = {}
    for prop, api in _CONTAINER_KEYS.items():
        if prop not in props:
            continue
        value = props[prop]
        if api in _NUMBERS:
            if isinstance(value, bool) or not str(value).strip().isdigit():
                raise ctx.fail("ContainerDefinitions", f"container {props.get('Name')!r}: {prop} {value!r}, where "
                                                       "ECS takes a whole number")
            value = int(str(value).strip())
        elif api == "essential":
            value = value is True or str(value).lower() == "true"
        elif api in ("command", "entryPoint"):
            if not isinstance(value, list):
                raise ctx.fail("ContainerDefinitions", f"container {props.get('Name')!r}: {prop} {value!r}, where "
                                                       "ECS takes a list of strings")
            value = [str(v) for v in value]
        else:
            value = str(value)
        container[api] = value
    return container


def _task_definition(ctx: ApplyContext) -> None:
    ecs = ctx.client("ecs")
    containers = [_container(ctx, c) for c in ctx.props.get("ContainerDefinitions") or []]
    register: dict[str, Any] = {"family": _family(ctx), "containerDefinitions": containers}
    for prop, api in _TASK_KEYS.items():
        if ctx.props.get(prop) is not None:
            register[api] = str(ctx.props[prop])
    if ctx.props.get("RequiresCompatibilities"):
        register["requiresCompatibilities"] = [str(c) for c in ctx.props["RequiresCompatibilities"]]
    if ctx.props.get("Tags"):
        register["tags"] = [{"key": k, "value": v} for k, v in tags_of(ctx.props["Tags"]).items()]
    registered = ctx.call("ContainerDefinitions", ecs.register_task_definition, **register)
    arn = (registered.get("taskDefinition") or {}).get("taskDefinitionArn")
    if arn != ctx.physical_id:
        raise ctx.fail("Family", f"registered as {arn}, not {ctx.physical_id} (a task definition of that family "
                                 "exists already)")


def _verify_task_definition(c: VerifyContext) -> None:
    found = c.read("Family", c.client("ecs").describe_task_definition, taskDefinition=c.physical_id,
                   include=["TAGS"])
    definition = found.get("taskDefinition") or {}
    if definition.get("status") not in (None, "ACTIVE"):
        raise c.fail("Family", f"{c.physical_id} ACTIVE", f"{c.physical_id} {definition.get('status')}")
    c.equal("Family", _family(c), definition.get("family"))
    for prop, api in _TASK_KEYS.items():
        if prop in ("Cpu", "Memory"):
            continue  # ECS may write them its own way (0.25 vCPU as "256"); they change nothing reach reads
        c.equal(prop, c.props.get(prop), definition.get(api))
    expected = [(str(x.get("Name")), str(x.get("Image"))) for x in c.props.get("ContainerDefinitions") or []]
    c.equal("ContainerDefinitions", expected,
            [(str(x.get("name")), str(x.get("image"))) for x in definition.get("containerDefinitions") or []])
    c.tags(c.props.get("Tags"), {str(t.get("key")): str(t.get("value")) for t in found.get("tags") or []})


APPLIERS: dict[str, Callable[[ApplyContext], None]] = {"AWS::ECS::TaskDefinition": _task_definition}
VERIFIERS: dict[str, Callable[[VerifyContext], None]] = {"AWS::ECS::TaskDefinition": _verify_task_definition}
