"""IAM types moto 5.2.1's CloudFormation skips or keeps only in part, applied and verified through IAM's API.

- ``AWS::IAM::RolePolicy``, ``UserPolicy``, ``GroupPolicy``: one inline policy of one principal each
  (moto's CloudFormation creates none of them); put with Put{Role,User,Group}Policy.
- ``AWS::IAM::InstanceProfile``: moto creates the profile; deploy makes sure its roles are in it.
- ``AWS::IAM::ServiceLinkedRole``: created with CreateServiceLinkedRole; its name is the service's
  (``AWSServiceRoleFor...``), formed by IAM, so deploy reads it back rather than guessing it.
"""

from __future__ import annotations

from collections.abc import Callable

from enjoin.deploy.context import ApplyContext, VerifyContext, doc

_POLICY_CALLS = {
    "AWS::IAM::RolePolicy": ("RoleName", "put_role_policy", "get_role_policy"),
    "AWS::IAM::UserPolicy": ("UserName", "put_user_policy", "get_user_policy"),
    "AWS::IAM::GroupPolicy": ("GroupName", "put_group_policy", "get_group_policy"),
}


def _principal_name(value: object) -> str:
    """A principal's name; a template may give the ARN where the name is asked."""
    text = str(value)
    return text.rsplit("/", 1)[-1] if text.startswith("arn:") else text


def _standalone_policy(ctx: ApplyContext) -> None:
    key, put, _ = _POLICY_CALLS[ctx.stack.types[ctx.logical_id]]
    iam = ctx.client("iam")
    ctx.call(
        "PolicyDocument",
        getattr(iam, put),
        **{key: _principal_name(ctx.props[key])},
        PolicyName=ctx.props["PolicyName"],
        PolicyDocument=doc(ctx.props["PolicyDocument"]),
    )


def _verify_standalone_policy(c: VerifyContext) -> None:
    key, _, get = _POLICY_CALLS[c.type]
    found = c.read(
        "PolicyDocument",
        getattr(c.client("iam"), get),
        **{key: _principal_name(c.props[key])},
        PolicyName=c.props["PolicyName"],
    )
    c.document("PolicyDocument", c.props["PolicyDocument"], found["PolicyDocument"])


def _instance_profile(ctx: ApplyContext) -> None:
    iam, name = ctx.client("iam"), ctx.physical_id
    profile = ctx.call("InstanceProfileName", iam.get_instance_profile, InstanceProfileName=name)["InstanceProfile"]
    present = {r["RoleName"] for r in profile.get("Roles", [])}
    for role in ctx.props.get("Roles", []):
        if _principal_name(role) not in present:
            ctx.call(
                "Roles", iam.add_role_to_instance_profile, InstanceProfileName=name, RoleName=_principal_name(role)
            )


def _verify_instance_profile(c: VerifyContext) -> None:
    profile = c.read("InstanceProfileName", c.client("iam").get_instance_profile, InstanceProfileName=c.physical_id)
    roles = {r["RoleName"] for r in profile["InstanceProfile"].get("Roles", [])}
    c.equal("Roles", sorted(_principal_name(r) for r in c.props.get("Roles", [])), sorted(roles))


def _service_linked_role(ctx: ApplyContext) -> None:
    iam, props = ctx.client("iam"), ctx.props
    created = ctx.call(
        "AWSServiceName",
        iam.create_service_linked_role,
        AWSServiceName=props["AWSServiceName"],
        **({"Description": props["Description"]} if "Description" in props else {}),
        **({"CustomSuffix": props["CustomSuffix"]} if "CustomSuffix" in props else {}),
    )
    ctx.stack.resources[ctx.logical_id] = created["Role"]["RoleName"]


def _verify_service_linked_role(c: VerifyContext) -> None:
    role = c.read("AWSServiceName", c.client("iam").get_role, RoleName=c.stack.resources[c.logical_id])["Role"]
    c.equal("AWSServiceName", f"/aws-service-role/{c.props['AWSServiceName']}/", role.get("Path"))


APPLIERS: dict[str, Callable[[ApplyContext], None]] = {
    **dict.fromkeys(_POLICY_CALLS, _standalone_policy),
    "AWS::IAM::InstanceProfile": _instance_profile,
    "AWS::IAM::ServiceLinkedRole": _service_linked_role,
}
VERIFIERS: dict[str, Callable[[VerifyContext], None]] = {
    **dict.fromkeys(_POLICY_CALLS, _verify_standalone_policy),
    "AWS::IAM::InstanceProfile": _verify_instance_profile,
    "AWS::IAM::ServiceLinkedRole": _verify_service_linked_role,
}
