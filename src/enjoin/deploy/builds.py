"""CodeBuild projects, Glue development endpoints and jobs, and self-managed stack sets: existing compute that runs
as a role, applied and verified.

Reach needs only that the resource exists, its ARN and the role it runs as (the takeover ways of reach_compute.yaml
decide who can run code on it), so these are what deploy makes sure of. moto 5.2.1's CloudFormation skips these
types, so deploy keeps them out of the stack and creates each with its service's API under the template's name:

- ``AWS::CodeBuild::Project``: ``CreateProject`` with the template's properties in the API's spelling (CloudFormation
  writes ``Source.BuildSpec``, the API ``source.buildspec``; every other key is the same name in camel case), read
  back with ``BatchGetProjects``. Only a project whose source is its own inline buildspec (``NO_SOURCE``) or an S3
  object (``S3``, whose writers reach follows: codebuild-project-source-object) is deployed (:func:`check_source`):
  the code of any other source is in a repository others may push to, which reach does not follow, so such a project
  stays an unmodeled construct. moto 5.2.1 refuses a ``NO_SOURCE`` source
  without a location ("Project source location is required"), which AWS does not ask for; deploy hands moto
  :data:`NO_SOURCE_LOCATION` then, and the verifier does not compare the location of a ``NO_SOURCE`` source.
- ``AWS::Glue::DevEndpoint``: ``CreateDevEndpoint``, then ``TagResource`` (moto 5.2.1 keeps the tags of
  ``CreateDevEndpoint`` on the endpoint but ``GetTags`` does not return them), read back with ``GetDevEndpoint`` and
  ``GetTags``.
- ``AWS::Glue::Job``: ``CreateJob`` with the template's modeled properties (the API's names are CloudFormation's;
  ``Tags`` a JSON object in both), read back with ``GetJob`` and ``GetTags``.
- ``AWS::CloudFormation::StackSet``: ``CreateStackSet``, self-managed only (:func:`check_permission_model`), with
  its own ``TemplateBody`` only (:func:`check_template_url`: enjoin does not read a template in S3), read back with
  ``DescribeStackSet``. No stack instances are created (``StackInstancesGroup`` is unmodeled: an instance in another
  account runs there as that account's execution role, which enjoin cannot deploy; one in the same account would
  create the template's resources, which enjoin does not deploy either), so the stack set is what reach's
  cloudformation-update-stack-set row acts on and nothing more. Without ``AdministrationRoleARN`` AWS uses the
  account's ``AWSCloudFormationStackSetAdministrationRole`` (:data:`DEFAULT_ADMINISTRATION_ROLE`), which deploy
  names to moto so that the inventory reads it back.

moto 5.2.1 implements neither ``UpdateProject`` nor ``UpdateDevEndpoint``; deploy never needs them (a resource that
exists already is left as it is, as for a notebook instance).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from enjoin.deploy.context import ApplyContext, VerifyContext
from enjoin.errors import DeployError
from enjoin.iac.cloudformation.types import partition_of, tags_of

# What deploy hands moto as the location of a NO_SOURCE source the template gives none (see the module docstring).
NO_SOURCE_LOCATION = "NO_SOURCE"
# The project properties deploy applies (the modeled ones of classification.yaml), CloudFormation name -> API name.
_PROJECT_PROPS = {"Source": "source", "Artifacts": "artifacts", "Environment": "environment",
                  "ServiceRole": "serviceRole", "Description": "description"}


def check_source(value: Any, where: str) -> None:
    """Before deploying: a project's Source must be its own inline buildspec (Type NO_SOURCE with a BuildSpec), or
    an S3 object or folder (Type S3 with a Location), whose writers reach follows (codebuild-project-source-object).

    Raises:
        DeployError: any other source; ``where`` names the resource and property.
    """
    kind = value.get("Type") if isinstance(value, Mapping) else None
    spec = value.get("BuildSpec") if isinstance(value, Mapping) else None
    # An intrinsic (Fn::Sub...) is the template's own text too, resolved when the project is deployed.
    inline = isinstance(spec, Mapping) or (isinstance(spec, str) and bool(spec.strip()))
    location = value.get("Location") if isinstance(value, Mapping) else None
    if kind == "S3" and (isinstance(location, Mapping) or (isinstance(location, str) and "/" in location)):
        return
    if kind != "NO_SOURCE" or not inline:
        found = f"a {kind} source" if kind not in ("NO_SOURCE", "S3") else (
            "an S3 source without a bucket/key Location" if kind == "S3" else "a NO_SOURCE source without a BuildSpec")
        raise DeployError(where, "a NO_SOURCE source with an inline BuildSpec (code the template holds), or an S3 "
                          "source with its Location", found if kind else repr(value))


def api_form(value: Any) -> Any:
    """A CodeBuild structure as CloudFormation writes it -> as the API takes it (``BuildSpec`` -> ``buildspec``,
    every other key in camel case, recursively)."""
    if isinstance(value, list):
        return [api_form(v) for v in value]
    if not isinstance(value, Mapping):
        return value
    return {("buildspec" if k == "BuildSpec" else k[:1].lower() + k[1:]): api_form(v) for k, v in value.items()}


def _project_name(ctx: ApplyContext | VerifyContext) -> str:
    return str(ctx.props.get("Name", ctx.physical_id))


def _project(ctx: ApplyContext) -> None:
    codebuild = ctx.client("codebuild")
    name = _project_name(ctx)
    found = ctx.call("Name", codebuild.batch_get_projects, names=[name]).get("projects") or []
    if found:
        return
    create: dict[str, Any] = {"name": name}
    create.update({api: api_form(ctx.props[prop]) for prop, api in _PROJECT_PROPS.items() if prop in ctx.props})
    source = create.get("source")
    if isinstance(source, dict) and source.get("type") == "NO_SOURCE" and not source.get("location"):
        create["source"] = {**source, "location": NO_SOURCE_LOCATION}
    if ctx.props.get("Tags"):
        create["tags"] = [{"key": k, "value": v} for k, v in tags_of(ctx.props["Tags"]).items()]
    ctx.call("Name", codebuild.create_project, **create)


def _verify_project(c: VerifyContext) -> None:
    name = _project_name(c)
    found = c.read("Name", c.client("codebuild").batch_get_projects, names=[name]).get("projects") or []
    if not found:
        raise c.fail("Name", name, "no such project")
    project = found[0]
    c.equal("Name", name, project.get("name"))
    c.equal("ServiceRole", c.props.get("ServiceRole"), project.get("serviceRole"))
    source = dict(api_form(c.props.get("Source") or {}))
    read_source = dict(project.get("source") or {})
    if source.get("type") == "NO_SOURCE" and "location" not in source:
        read_source.pop("location", None)  # what moto was handed (NO_SOURCE_LOCATION), not the template's
    c.subset("Source", source, read_source)
    for prop in ("Artifacts", "Environment"):
        if prop in c.props:
            c.subset(prop, api_form(c.props[prop]), project.get(_PROJECT_PROPS[prop]) or {})
    if "Description" in c.props:
        c.equal("Description", c.props["Description"], project.get("description"))
    c.tags(c.props.get("Tags"), {t["key"]: t["value"] for t in project.get("tags") or []})


# The endpoint properties deploy applies besides its name and tags (the modeled ones of classification.yaml).
_ENDPOINT_PROPS = ("RoleArn",)


def _endpoint_name(ctx: ApplyContext | VerifyContext) -> str:
    return str(ctx.props.get("EndpointName", ctx.physical_id))


def _endpoint_arn(ctx: ApplyContext | VerifyContext, name: str) -> str:
    stack = ctx.stack
    return f"arn:{partition_of(stack.region)}:glue:{stack.region}:{stack.account}:devEndpoint/{name}"


def _endpoint(ctx: ApplyContext) -> None:
    glue = ctx.client("glue")
    name = _endpoint_name(ctx)
    existing = ctx.exists(glue.get_dev_endpoint, frozenset({"EntityNotFoundException"}), EndpointName=name)
    if existing is None:
        create: dict[str, Any] = {"EndpointName": name}
        create.update({p: ctx.props[p] for p in _ENDPOINT_PROPS if p in ctx.props})
        ctx.call("EndpointName", glue.create_dev_endpoint, **create)
    if ctx.props.get("Tags"):
        ctx.call("Tags", glue.tag_resource, ResourceArn=_endpoint_arn(ctx, name),
                 TagsToAdd={str(k): str(v) for k, v in dict(ctx.props["Tags"]).items()})


def _verify_endpoint(c: VerifyContext) -> None:
    glue = c.client("glue")
    name = _endpoint_name(c)
    found = c.read("EndpointName", glue.get_dev_endpoint, EndpointName=name)["DevEndpoint"]
    c.equal("EndpointName", name, found.get("EndpointName"))
    c.equal("RoleArn", c.props.get("RoleArn"), found.get("RoleArn"))
    tags = c.read("Tags", glue.get_tags, ResourceArn=_endpoint_arn(c, name)).get("Tags") or {}
    # CloudFormation writes a dev endpoint's Tags as a JSON object, not a list of Key and Value.
    expected = [{"Key": k, "Value": v} for k, v in dict(c.props.get("Tags") or {}).items()]
    c.tags(expected, tags)


# The job properties deploy applies besides its name and tags (the modeled ones of classification.yaml), each the same
# name in CreateJob.
_JOB_PROPS = ("Role", "Command", "DefaultArguments", "NonOverridableArguments", "Description")


def _job_name(ctx: ApplyContext | VerifyContext) -> str:
    return str(ctx.props.get("Name", ctx.physical_id))


def _job_arn(ctx: ApplyContext | VerifyContext, name: str) -> str:
    stack = ctx.stack
    return f"arn:{partition_of(stack.region)}:glue:{stack.region}:{stack.account}:job/{name}"


def _job(ctx: ApplyContext) -> None:
    glue = ctx.client("glue")
    name = _job_name(ctx)
    if ctx.exists(glue.get_job, frozenset({"EntityNotFoundException"}), JobName=name) is not None:
        return
    create: dict[str, Any] = {"Name": name}
    create.update({p: ctx.props[p] for p in _JOB_PROPS if p in ctx.props})
    if ctx.props.get("Tags"):
        create["Tags"] = {str(k): str(v) for k, v in dict(ctx.props["Tags"]).items()}
    ctx.call("Name", glue.create_job, **create)


def _verify_job(c: VerifyContext) -> None:
    glue = c.client("glue")
    name = _job_name(c)
    found = c.read("Name", glue.get_job, JobName=name)["Job"]
    c.equal("Name", name, found.get("Name"))
    c.equal("Role", c.props.get("Role"), found.get("Role"))
    c.subset("Command", c.props.get("Command") or {}, found.get("Command") or {})
    for prop in ("DefaultArguments", "NonOverridableArguments", "Description"):
        if prop in c.props:
            c.equal(prop, c.props[prop], found.get(prop))
    tags = c.read("Tags", glue.get_tags, ResourceArn=_job_arn(c, name)).get("Tags") or {}
    # CloudFormation writes a job's Tags as a JSON object, not a list of Key and Value.
    c.tags([{"Key": k, "Value": v} for k, v in dict(c.props.get("Tags") or {}).items()], tags)


# What AWS uses when a self-managed stack set names no administration role (stacksets-prereqs-self-managed).
DEFAULT_ADMINISTRATION_ROLE = "AWSCloudFormationStackSetAdministrationRole"
# The stack set properties deploy hands CreateStackSet as they are (the modeled ones of classification.yaml).
_STACK_SET_PROPS = ("PermissionModel", "AdministrationRoleARN", "ExecutionRoleName", "Description", "Capabilities",
                    "Parameters", "Tags")


def check_permission_model(value: Any, where: str) -> None:
    """Before deploying: a stack set must be self-managed (its operations run as an administration role of the
    account); a service-managed one runs as StackSets' service-linked role in AWS Organizations' accounts.

    Raises:
        DeployError: any other permission model; ``where`` names the resource and property.
    """
    if value != "SELF_MANAGED":
        raise DeployError(where, "PermissionModel SELF_MANAGED (a stack set that runs as an administration role)",
                          repr(value))


def check_template_url(value: Any, where: str) -> None:
    """Before deploying: a stack set's template must be its own TemplateBody; enjoin does not read one in S3.

    Raises:
        DeployError: always (a TemplateURL is given); ``where`` names the resource and property.
    """
    raise DeployError(where, "a TemplateBody (the template the stack set holds)", f"a TemplateURL {value!r}")


def _administration_role(ctx: ApplyContext | VerifyContext) -> str:
    given = ctx.props.get("AdministrationRoleARN")
    stack = ctx.stack
    return str(given) if given else (
        f"arn:{partition_of(stack.region)}:iam::{stack.account}:role/{DEFAULT_ADMINISTRATION_ROLE}")


def _template_body(ctx: ApplyContext | VerifyContext) -> str:
    body = ctx.props.get("TemplateBody")
    return body if isinstance(body, str) else json.dumps(body)


def _stack_set(ctx: ApplyContext) -> None:
    cfn = ctx.client("cloudformation")
    name = str(ctx.physical_id)
    if ctx.exists(cfn.describe_stack_set, frozenset({"StackSetNotFoundException"}), StackSetName=name) is not None:
        return
    create: dict[str, Any] = {"StackSetName": name, "TemplateBody": _template_body(ctx)}
    create.update({p: ctx.props[p] for p in _STACK_SET_PROPS if p in ctx.props})
    create["AdministrationRoleARN"] = _administration_role(ctx)
    ctx.call("StackSetName", cfn.create_stack_set, **create)


def _verify_stack_set(c: VerifyContext) -> None:
    name = str(c.physical_id)
    found = c.read("StackSetName", c.client("cloudformation").describe_stack_set, StackSetName=name)["StackSet"]
    c.equal("StackSetName", name, found.get("StackSetName"))
    c.equal("PermissionModel", c.props.get("PermissionModel"), found.get("PermissionModel"))
    c.equal("AdministrationRoleARN", _administration_role(c), found.get("AdministrationRoleARN"))
    if "ExecutionRoleName" in c.props:
        c.equal("ExecutionRoleName", c.props["ExecutionRoleName"], found.get("ExecutionRoleName"))
    c.equal("TemplateBody", _template_body(c), found.get("TemplateBody"))
    if "Description" in c.props:
        c.equal("Description", c.props["Description"], found.get("Description"))
    c.tags(c.props.get("Tags"), tags_of(found.get("Tags")))


APPLIERS: dict[str, Callable[[ApplyContext], None]] = {
    "AWS::CodeBuild::Project": _project,
    "AWS::Glue::DevEndpoint": _endpoint,
    "AWS::Glue::Job": _job,
    "AWS::CloudFormation::StackSet": _stack_set,
}
VERIFIERS: dict[str, Callable[[VerifyContext], None]] = {
    "AWS::CodeBuild::Project": _verify_project,
    "AWS::Glue::DevEndpoint": _verify_endpoint,
    "AWS::Glue::Job": _verify_job,
    "AWS::CloudFormation::StackSet": _verify_stack_set,
}
