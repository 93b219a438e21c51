"""CodeBuild projects and Glue development endpoints: existing compute that runs as a role, applied and verified.

Reach needs only that the resource exists, its ARN and the role it runs as (the takeover ways of reach_compute.yaml
decide who can run code on it), so these are what deploy makes sure of. moto 5.2.1's CloudFormation skips both
types, so deploy keeps them out of the stack and creates each with its service's API under the template's name:

- ``AWS::CodeBuild::Project``: ``CreateProject`` with the template's properties in the API's spelling (CloudFormation
  writes ``Source.BuildSpec``, the API ``source.buildspec``; every other key is the same name in camel case), read
  back with ``BatchGetProjects``. Only a project whose source is its own inline buildspec (``NO_SOURCE``) is deployed
  (:func:`check_source`): the code of any other source is in a repository or bucket that others may write to, which
  reach does not follow, so such a project stays an unmodeled construct. moto 5.2.1 refuses a ``NO_SOURCE`` source
  without a location ("Project source location is required"), which AWS does not ask for; deploy hands moto
  :data:`NO_SOURCE_LOCATION` then, and the verifier does not compare the location of a ``NO_SOURCE`` source.
- ``AWS::Glue::DevEndpoint``: ``CreateDevEndpoint``, then ``TagResource`` (moto 5.2.1 keeps the tags of
  ``CreateDevEndpoint`` on the endpoint but ``GetTags`` does not return them), read back with ``GetDevEndpoint`` and
  ``GetTags``.

moto 5.2.1 implements neither ``UpdateProject`` nor ``UpdateDevEndpoint``; deploy never needs them (a resource that
exists already is left as it is, as for a notebook instance).
"""

from __future__ import annotations

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
    """Before deploying: a project's Source must be its own inline buildspec (Type NO_SOURCE with a BuildSpec).

    Raises:
        DeployError: any other source; ``where`` names the resource and property.
    """
    kind = value.get("Type") if isinstance(value, Mapping) else None
    spec = value.get("BuildSpec") if isinstance(value, Mapping) else None
    # An intrinsic (Fn::Sub...) is the template's own text too, resolved when the project is deployed.
    inline = isinstance(spec, Mapping) or (isinstance(spec, str) and bool(spec.strip()))
    if kind != "NO_SOURCE" or not inline:
        found = f"a {kind} source" if kind != "NO_SOURCE" else "a NO_SOURCE source without a BuildSpec"
        raise DeployError(where, "a NO_SOURCE source with an inline BuildSpec (code the template holds)",
                          found if kind else repr(value))


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


APPLIERS: dict[str, Callable[[ApplyContext], None]] = {
    "AWS::CodeBuild::Project": _project,
    "AWS::Glue::DevEndpoint": _endpoint,
}
VERIFIERS: dict[str, Callable[[VerifyContext], None]] = {
    "AWS::CodeBuild::Project": _verify_project,
    "AWS::Glue::DevEndpoint": _verify_endpoint,
}
