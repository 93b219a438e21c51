"""What a stack declares and enjoin did not deploy, resolved into :class:`~enjoin.snapshot.Construct` values.

An inert construct is only listed. An unmodeled one carries what it refers to, so that reach can bound the
holdings it may affect (``affects`` in the classification): the roles it names (directly, through an
instance profile, or as a Lambda function's execution role), the users, buckets, tables and keys it names,
the functions a custom resource's ServiceToken names, and the literal strings of its properties (a role
or bucket can be named by its ARN as well as by a reference). A property of a modeled resource that holds
a value enjoin cannot compute (an Fn::GetAtt of an attribute enjoin does not know) is an unmodeled
construct of that resource too.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import replace
from typing import Any

from botocore.exceptions import ClientError  # type: ignore[import-untyped]  # botocore ships no type stubs

from enjoin.backends import Backend
from enjoin.errors import DeployError
from enjoin.iac.cloudformation.classification import Class
from enjoin.iac.cloudformation.plan import Declared, TemplatePlan, references
from enjoin.iac.cloudformation.template import Scope, resolve
from enjoin.iac.cloudformation.types import iam_arn, partition_of
from enjoin.snapshot import Construct

_MAX_MENTIONS = 500


def backend_attribute(backend: Backend, account: str, region: str, rtype: str, physical_id: str, attr: str) -> Any:
    """An attribute only the backend knows (a role's or user's unique id), or None."""
    reads = {
        ("AWS::IAM::Role", "RoleId"): ("get_role", "RoleName", "Role", "RoleId"),
        ("AWS::IAM::User", "UserId"): ("get_user", "UserName", "User", "UserId"),
        ("AWS::IAM::Group", "GroupId"): ("get_group", "GroupName", "Group", "GroupId"),
    }
    how = reads.get((rtype, attr))
    if how is None:
        return None
    call, key, kind, field = how
    try:
        return getattr(backend.client("iam", account, region), call)(**{key: physical_id})[kind][field]
    except (ClientError, KeyError):
        return None


def constructs_of(
    plan: TemplatePlan,
    scope: Scope,
    properties: Mapping[str, Mapping[str, Any]],
    uses_guess: Mapping[str, list[tuple[str, str]]],
    account: str,
    region: str,
) -> tuple[Construct, ...]:
    """Every construct of the stack, resolved against the deployed stack's ``scope``.

    ``properties`` are the modeled resources' resolved properties; ``uses_guess`` names, per modeled
    resource, the Fn::GetAtt values enjoin could not compute that its properties hold.
    """
    found = [_construct(d, plan, scope, properties, account, region) for d in plan.declared]
    for logical_id, guesses in uses_guess.items():
        rtype = str(plan.template.resources[logical_id]["Type"])
        names = ", ".join(sorted({f"{lid}.{attr}" for lid, attr in guesses}))
        declared = Declared(
            logical_id,
            rtype,
            None,
            Class.UNMODELED,
            f"its properties use Fn::GetAtt {names}, a value enjoin does not compute (a stand-in was deployed)",
            frozenset({"self"}),
        )
        found.append(_construct(declared, plan, scope, properties, account, region))
    return tuple(found)


def _construct(
    d: Declared,
    plan: TemplatePlan,
    scope: Scope,
    properties: Mapping[str, Mapping[str, Any]],
    account: str,
    region: str,
) -> Construct:
    template = plan.template
    base = Construct(
        where=template.where(d.logical_id, d.prop),
        file=str(template.path),
        line=template.lines.get(d.logical_id, 0),
        resource=d.logical_id,
        type=d.rtype,
        prop=d.prop,
        klass=d.klass.value,
        reason=d.reason,
        account=account,
        affects=tuple(sorted(d.affects)),
    )
    if d.klass is not Class.UNMODELED:
        return base
    raw = template.resources[d.logical_id].get("Properties") or {}
    value = raw if d.prop is None else raw.get(d.prop)
    refs = _Refs(plan, scope, properties, account, region)
    unbounded = ""
    try:
        resolved = resolve(value, scope, f"resource {d.logical_id}")
    except DeployError as exc:
        resolved = None
        unbounded = f"its properties could not be resolved ({exc.expected}; found {exc.found})"
    for logical_id in sorted(_reached(template.resources, value, d.logical_id, plan)):
        refs.add(logical_id)
    if "self" in d.affects and not refs.add(d.logical_id):
        unbounded = unbounded or f"enjoin cannot bound what a construct of {d.rtype} affects"
    if "all" in d.affects:
        unbounded = unbounded or "the classification says what it can affect cannot be bounded: " + d.reason
    if "service_token" in d.affects:
        token = resolved.get("ServiceToken") if isinstance(resolved, dict) else None
        if isinstance(token, str) and ":lambda:" in token:
            refs.functions.append(token)
        else:
            unbounded = unbounded or f"its ServiceToken ({token!r}) is not a Lambda function enjoin knows"
    if "self" in d.affects and d.rtype == "AWS::IAM::Group":
        unbounded = unbounded or "a group's permissions reach every member, which reach does not bound here"
    return replace(
        base,
        roles=tuple(dict.fromkeys(refs.roles)),
        users=tuple(dict.fromkeys(refs.users)),
        buckets=tuple(dict.fromkeys(refs.buckets)),
        tables=tuple(dict.fromkeys(refs.tables)),
        keys=tuple(dict.fromkeys(refs.keys)),
        functions=tuple(dict.fromkeys(refs.functions)),
        mentions=tuple(dict.fromkeys(_strings(resolved)))[:_MAX_MENTIONS],
        unbounded=unbounded,
    )


class _Refs:
    """What a construct's references name, by kind."""

    def __init__(
        self,
        plan: TemplatePlan,
        scope: Scope,
        properties: Mapping[str, Mapping[str, Any]],
        account: str,
        region: str,
    ) -> None:
        self.plan, self.scope, self.properties = plan, scope, properties
        self.account, self.region = account, region
        self.roles: list[str] = []
        self.users: list[str] = []
        self.buckets: list[str] = []
        self.tables: list[str] = []
        self.keys: list[str] = []
        self.functions: list[str] = []

    def _attr(self, logical_id: str, name: str) -> str | None:
        try:
            return str(self.scope.attribute(logical_id, name))
        except (KeyError, DeployError):
            return None

    def add(self, logical_id: str) -> bool:
        """Record what the resource names; False when enjoin cannot tell what a resource of its type affects."""
        rtype = str(self.plan.template.resources[logical_id]["Type"])
        physical = str(self.scope.refs.get(logical_id, ""))
        props = self.properties.get(logical_id, {})
        if rtype == "AWS::IAM::Role":
            self.roles.append(self._attr(logical_id, "Arn") or physical)
        elif rtype == "AWS::IAM::InstanceProfile":
            for role in props.get("Roles", []):
                self.roles.append(self._role_named(str(role)))
        elif rtype == "AWS::Lambda::Function":
            self.functions.append(self._attr(logical_id, "Arn") or physical)
        elif rtype == "AWS::IAM::User":
            self.users.append(self._attr(logical_id, "Arn") or physical)
        elif rtype == "AWS::S3::Bucket":
            self.buckets.append(physical)
        elif rtype == "AWS::KMS::Key":
            self.keys.append(self._attr(logical_id, "Arn") or physical)
        elif rtype == "AWS::Glue::Table" and props.get("DatabaseName"):
            part = partition_of(self.region)
            database = props["DatabaseName"]
            self.tables.append(f"arn:{part}:glue:{self.region}:{self.account}:table/{database}/{physical}")
        elif rtype in ("AWS::CodeBuild::Project", "AWS::Glue::DevEndpoint", "AWS::Glue::Job",
                       "AWS::Batch::ComputeEnvironment", "AWS::Batch::JobQueue", "AWS::Batch::JobDefinition"):
            pass  # compute that runs as its role: it affects what it names (its role), which is followed already
        elif rtype == "AWS::ECS::TaskDefinition":
            # A construct that names a task definition (a service, a task set, a scheduled target) runs its tasks,
            # or opens shells in them (ECS Exec): in ways reach does not follow, as the definition's task role.
            if props.get("TaskRoleArn"):
                self.roles.append(self._role_named(str(props["TaskRoleArn"])))
        elif rtype.startswith(("AWS::Glue::", "AWS::LakeFormation::", "AWS::Athena::")):
            self.tables.append("*")  # the catalog and its grants: every table holding
        elif rtype in ("AWS::S3::AccessPoint", "AWS::S3::BucketPolicy") and props.get("Bucket"):
            self.buckets.append(str(props["Bucket"]))
        elif rtype == "AWS::KMS::Alias" and props.get("TargetKeyId"):
            self.keys.append(str(props["TargetKeyId"]))
        else:
            return False
        return True

    def _role_named(self, name: str) -> str:
        if name.startswith("arn:"):
            return name
        for logical_id, resource in self.plan.template.resources.items():
            if resource.get("Type") == "AWS::IAM::Role" and self.scope.refs.get(logical_id) == name:
                return self._attr(logical_id, "Arn") or name
        return iam_arn("role", name, None, self.account, self.region)


def _reached(resources: Mapping[str, Any], value: Any, own: str, plan: TemplatePlan) -> set[str]:
    """The resources ``value`` refers to, and what resources enjoin does not deploy refer to in turn: a
    DataSync task names its locations, which name the bucket and the role."""
    found: set[str] = set()
    todo = [value]
    while todo:
        for logical_id, _ in references(todo.pop()):
            if logical_id in resources and logical_id != own and logical_id not in found:
                found.add(logical_id)
                if not plan.is_modeled(logical_id):
                    todo.append(resources[logical_id].get("Properties") or {})
    return found


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value[:2048]
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
