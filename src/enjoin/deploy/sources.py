"""Where each deployed policy is written: from a reach label back to the template file and statement line.

Reach names a policy by a label built from what was read back (``inline policy Read of arn:aws:iam::1:role/R``,
``bucket policy of arn:aws:s3:::b``, a managed policy's ARN), and a statement by its index in that policy. The
deployment knows which resource of which template made each policy, and :class:`~enjoin.iac.cloudformation.
lines.TemplateLines` knows the line of every value in the template's text; :func:`policy_sources` joins the two
on the snapshot's ARNs, so that the label a finding gives leads to the statement a person wrote.

Covered: the trust policy and inline policies of roles, the inline policies of users and groups, managed
policies (also as permissions boundaries), ``AWS::IAM::Policy`` and the ``Role``/``User``/``GroupPolicy`` types,
bucket policies, access point policies and key policies, and the KMS grants of a Terraform plan
(:mod:`enjoin.deploy.kms_grant_sources`). Not covered: SCPs and RCPs (enjoin.yaml's
organization section, not a template) and what a transform expanded (its text is not the template's): those
statements have no source, and a report says so rather than guess a line.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from enjoin.deploy.kms_grant_sources import grant_sources
from enjoin.deploy.stack import DeployedStack, Deployment
from enjoin.iac.cloudformation.lines import TemplateLines
from enjoin.snapshot import PolicySource, Snapshot
from enjoin.yamlload import KeyPath, shown_path

# Identity types whose inline policies are a ``Policies`` list: type -> the property naming the principal.
_PRINCIPALS = {"AWS::IAM::Role": "RoleName", "AWS::IAM::User": "UserName", "AWS::IAM::Group": "GroupName"}
# One inline policy of one principal: type -> (the owner's name property, the kind of owner).
_ONE_INLINE = {
    "AWS::IAM::RolePolicy": ("RoleName", "AWS::IAM::Role"),
    "AWS::IAM::UserPolicy": ("UserName", "AWS::IAM::User"),
    "AWS::IAM::GroupPolicy": ("GroupName", "AWS::IAM::Group"),
}
# AWS::IAM::Policy: its owners' lists -> the kind of owner.
_OWNER_LISTS = {"Roles": "AWS::IAM::Role", "Users": "AWS::IAM::User", "Groups": "AWS::IAM::Group"}


class _Owners:
    """The snapshot's principals by (account, name), as reach labels them when they own an inline policy."""

    def __init__(self, snapshot: Snapshot) -> None:
        self.labels: dict[tuple[str, str, str], str] = {}
        for role in snapshot.roles:
            self.labels[("AWS::IAM::Role", role.account, role.name)] = role.arn
        for user in snapshot.users:
            self.labels[("AWS::IAM::User", user.account, user.name)] = user.arn
        for group in snapshot.groups:
            self.labels[("AWS::IAM::Group", group.account, group.name)] = f"group {group.arn}"

    def owner(self, kind: str, account: str, name: Any) -> str | None:
        return self.labels.get((kind, account, str(name))) if isinstance(name, str) else None


def policy_sources(deployment: Deployment, snapshot: Snapshot) -> tuple[PolicySource, ...]:
    """The source of every policy the deployment wrote and the snapshot read back, in deployment order."""
    owners = _Owners(snapshot)
    out: list[PolicySource] = []
    for stack in deployment.stacks:
        lines = TemplateLines(stack.template)
        file = shown_path(stack.template.path)
        for logical_id, rtype in stack.types.items():
            if logical_id not in stack.resources:
                continue  # its Condition is false: nothing was deployed
            for label, key in _policies(stack, logical_id, rtype, owners, snapshot):
                place = stack.template.policy_place(logical_id, key)
                if place is not None:  # translated (a Terraform plan): its address and the plan's line
                    out.append(PolicySource(label, file, place.resource, place.line, place.statements,
                                            place.expression))
                    continue
                document: KeyPath = ("Resources", logical_id, "Properties", *key)
                out.append(
                    PolicySource(
                        policy=label,
                        file=file,
                        resource=logical_id,
                        line=lines.line(document) or 0,
                        statements=lines.statement_lines(document),
                    )
                )
        out.extend(grant_sources(stack, snapshot, tuple(out)))  # a plan's KMS grants (enjoin.deploy.kms_grant_sources)
    return tuple(out)


def _policies(
    stack: DeployedStack, logical_id: str, rtype: str, owners: _Owners, snapshot: Snapshot
) -> Iterator[tuple[str, KeyPath]]:
    """(label, key path of the policy document under the resource's Properties) for each policy it writes."""
    props = stack.properties.get(logical_id) or {}
    physical = stack.resources[logical_id]
    account = stack.account
    if rtype in _PRINCIPALS:
        owner = owners.owner(rtype, account, props.get(_PRINCIPALS[rtype]) or physical)
        if owner is None:
            return
        if rtype == "AWS::IAM::Role":
            yield f"trust policy of {owner}", ("AssumeRolePolicyDocument",)
        raw = _raw_properties(stack, logical_id).get("Policies")
        for index, policy in enumerate(props.get("Policies") or ()):
            name = policy.get("PolicyName") if isinstance(policy, dict) else None
            at = _index_in_raw(raw, index, name, len(props.get("Policies") or ()))
            if isinstance(name, str) and at is not None:
                yield f"inline policy {name} of {owner}", ("Policies", at, "PolicyDocument")
    elif rtype in _ONE_INLINE:
        name_prop, kind = _ONE_INLINE[rtype]
        owner = owners.owner(kind, account, props.get(name_prop))
        if owner is not None and isinstance(props.get("PolicyName"), str):
            yield f"inline policy {props['PolicyName']} of {owner}", ("PolicyDocument",)
    elif rtype == "AWS::IAM::Policy" and isinstance(props.get("PolicyName"), str):
        for prop, kind in _OWNER_LISTS.items():
            for name in props.get(prop) or ():
                owner = owners.owner(kind, account, name)
                if owner is not None:
                    yield f"inline policy {props['PolicyName']} of {owner}", ("PolicyDocument",)
    elif rtype == "AWS::IAM::ManagedPolicy":
        name = props.get("ManagedPolicyName")
        for policy in snapshot.policies:
            if policy.arn == physical or (policy.name == name and f":{account}:" in policy.arn):
                yield policy.arn, ("PolicyDocument",)
                yield f"permissions boundary {policy.arn}", ("PolicyDocument",)
                break
    elif rtype == "AWS::S3::BucketPolicy":
        for bucket in snapshot.buckets:
            if bucket.name == props.get("Bucket"):
                yield f"bucket policy of {bucket.arn}", ("PolicyDocument",)
    elif rtype == "AWS::S3::AccessPoint":
        name = props.get("Name") or physical
        for point in snapshot.access_points:
            if point.account == account and (point.name == name or point.arn == physical):
                yield f"access point policy of {point.arn}", ("Policy",)
    elif rtype == "AWS::KMS::Key":
        for key in snapshot.keys:
            if key.account == account and physical in (key.key_id, key.arn):
                yield f"key policy of {key.arn}", ("KeyPolicy",)


def _raw_properties(stack: DeployedStack, logical_id: str) -> dict[str, Any]:
    resource = stack.template.resources.get(logical_id)
    props = resource.get("Properties") if isinstance(resource, dict) else None
    return props if isinstance(props, dict) else {}


def _index_in_raw(raw: Any, index: int, name: Any, resolved: int) -> int | None:
    """Where the ``index``-th resolved policy of a ``Policies`` list stands in the template's own list.

    The same index when the written list is plain and as long as the resolved one; else the item whose
    PolicyName is written as that very name; else None (a conditional item dropped out, a name built by Sub).
    """
    if not isinstance(raw, Sequence) or isinstance(raw, str):
        return None
    plain = all(isinstance(item, dict) and "PolicyName" in item for item in raw)
    if plain and len(raw) == resolved:
        return index
    found = [i for i, item in enumerate(raw) if isinstance(item, dict) and item.get("PolicyName") == name]
    return found[0] if len(found) == 1 else None
