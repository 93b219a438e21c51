"""IAM principals, policies and identity providers: applied through IAM's API and verified.

moto 5.2.1's CloudFormation ignores or mangles much of these (see :mod:`enjoin.deploy.stack`), so every
modeled property is applied again here, idempotently, and read back. Attachments and inline policies are
only added, never removed: another resource (an AWS::IAM::ManagedPolicy's Roles, an AWS::IAM::Policy) may add
to a principal's own list. Moved from :mod:`enjoin.deploy.fixups` and :mod:`enjoin.deploy.verify`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError  # type: ignore[import-untyped]  # botocore ships no type stubs

from enjoin.deploy.context import ApplyContext, VerifyContext, doc, tag_list
from enjoin.iac.cloudformation.types import attribute, tags_of


def _role(ctx: ApplyContext) -> None:
    iam, name, props = ctx.client("iam"), ctx.physical_id, ctx.props
    ctx.call(
        "AssumeRolePolicyDocument",
        iam.update_assume_role_policy,
        RoleName=name,
        PolicyDocument=doc(props["AssumeRolePolicyDocument"]),
    )
    wanted = {p["PolicyName"]: p["PolicyDocument"] for p in props.get("Policies", [])}
    for policy_name, document in wanted.items():
        # moto stores CloudFormation's inline policies as Python objects; JSON text reads back as JSON.
        ctx.call(
            "Policies",
            iam.put_role_policy,
            RoleName=name,
            PolicyName=policy_name,
            PolicyDocument=doc(document),
        )
    attached = ctx.call("ManagedPolicyArns", iam.list_attached_role_policies, RoleName=name)["AttachedPolicies"]
    _attach_missing(
        ctx,
        {a["PolicyArn"] for a in attached},
        lambda arn: iam.attach_role_policy(RoleName=name, PolicyArn=arn),
    )
    boundary = props.get("PermissionsBoundary")
    if boundary:
        ctx.call(
            "PermissionsBoundary",
            iam.put_role_permissions_boundary,
            RoleName=name,
            PermissionsBoundary=boundary,
        )
    if props.get("Tags"):
        ctx.call("Tags", iam.tag_role, RoleName=name, Tags=tag_list(props["Tags"]))
    update = {k: props[k] for k in ("Description", "MaxSessionDuration") if k in props}
    if update:
        ctx.call("Description", iam.update_role, RoleName=name, **update)


def _user(ctx: ApplyContext) -> None:
    iam, name, props = ctx.client("iam"), ctx.physical_id, ctx.props
    for policy in props.get("Policies", []):
        ctx.call(
            "Policies",
            iam.put_user_policy,
            UserName=name,
            PolicyName=policy["PolicyName"],
            PolicyDocument=doc(policy["PolicyDocument"]),
        )
    attached = ctx.call("ManagedPolicyArns", iam.list_attached_user_policies, UserName=name)["AttachedPolicies"]
    _attach_missing(
        ctx,
        {a["PolicyArn"] for a in attached},
        lambda arn: iam.attach_user_policy(UserName=name, PolicyArn=arn),
    )
    for group in props.get("Groups", []):
        ctx.call("Groups", iam.add_user_to_group, GroupName=group, UserName=name)
    if props.get("Tags"):
        ctx.call("Tags", iam.tag_user, UserName=name, Tags=tag_list(props["Tags"]))
    if props.get("PermissionsBoundary"):
        ctx.call(
            "PermissionsBoundary",
            iam.put_user_permissions_boundary,
            UserName=name,
            PermissionsBoundary=props["PermissionsBoundary"],
        )
    if "LoginProfile" in props:
        _login_profile(ctx, iam, name, props["LoginProfile"])


def _login_profile(ctx: ApplyContext, iam: Any, name: str, profile: dict[str, Any]) -> None:
    """The user's console password (moto 5.2.1's CloudFormation creates none).

    Created when absent, changed when present; ``PasswordResetRequired`` is set with UpdateLoginProfile,
    since moto's CreateLoginProfile drops it. The password itself is never read back (AWS returns none):
    reach needs only that the user has one.
    """
    reset = bool(profile.get("PasswordResetRequired", False))
    if ctx.exists(iam.get_login_profile, frozenset({"NoSuchEntity"}), UserName=name) is None:
        ctx.call("LoginProfile", iam.create_login_profile, UserName=name, Password=str(profile["Password"]))
    ctx.call(
        "LoginProfile",
        iam.update_login_profile,
        UserName=name,
        Password=str(profile["Password"]),
        PasswordResetRequired=reset,
    )


def _group(ctx: ApplyContext) -> None:
    iam, name, props = ctx.client("iam"), ctx.physical_id, ctx.props
    try:
        iam.get_group(GroupName=name)
    except ClientError:
        ctx.call("GroupName", iam.create_group, GroupName=name, Path=props.get("Path", "/"))
    for policy in props.get("Policies", []):
        ctx.call(
            "Policies",
            iam.put_group_policy,
            GroupName=name,
            PolicyName=policy["PolicyName"],
            PolicyDocument=doc(policy["PolicyDocument"]),
        )
    attached = ctx.call("ManagedPolicyArns", iam.list_attached_group_policies, GroupName=name)["AttachedPolicies"]
    _attach_missing(
        ctx,
        {a["PolicyArn"] for a in attached},
        lambda arn: iam.attach_group_policy(GroupName=name, PolicyArn=arn),
    )


def _user_to_group(ctx: ApplyContext) -> None:
    iam = ctx.client("iam")
    for user in ctx.props.get("Users", []):
        ctx.call("Users", iam.add_user_to_group, GroupName=ctx.props["GroupName"], UserName=user)


def _managed_policy(ctx: ApplyContext) -> None:
    iam, arn = ctx.client("iam"), ctx.physical_id
    entities = ctx.call("Roles", iam.list_entities_for_policy, PolicyArn=arn)
    roles = {r["RoleName"] for r in entities.get("PolicyRoles", [])}
    users = {u["UserName"] for u in entities.get("PolicyUsers", [])}
    groups = {g["GroupName"] for g in entities.get("PolicyGroups", [])}
    for role in set(ctx.props.get("Roles", [])) - roles:
        ctx.call("Roles", iam.attach_role_policy, RoleName=role, PolicyArn=arn)
    for user in set(ctx.props.get("Users", [])) - users:
        ctx.call("Users", iam.attach_user_policy, UserName=user, PolicyArn=arn)
    for group in set(ctx.props.get("Groups", [])) - groups:
        ctx.call("Groups", iam.attach_group_policy, GroupName=group, PolicyArn=arn)


def _inline_policy(ctx: ApplyContext) -> None:
    iam, props = ctx.client("iam"), ctx.props
    name, document = props["PolicyName"], doc(props["PolicyDocument"])
    for role in props.get("Roles", []):
        ctx.call("Roles", iam.put_role_policy, RoleName=role, PolicyName=name, PolicyDocument=document)
    for user in props.get("Users", []):
        ctx.call("Users", iam.put_user_policy, UserName=user, PolicyName=name, PolicyDocument=document)
    for group in props.get("Groups", []):
        ctx.call("Groups", iam.put_group_policy, GroupName=group, PolicyName=name, PolicyDocument=document)


def _saml_provider(ctx: ApplyContext) -> None:
    iam, arn, props = ctx.client("iam"), ctx.physical_id, ctx.props
    existing = ctx.exists(iam.get_saml_provider, frozenset({"NoSuchEntity"}), SAMLProviderArn=arn)
    if existing is None:
        ctx.call(
            "Name",
            iam.create_saml_provider,
            Name=arn.rsplit("/", 1)[-1],
            SAMLMetadataDocument=props["SamlMetadataDocument"],
        )
    elif existing.get("SAMLMetadataDocument") != props["SamlMetadataDocument"]:
        ctx.call(
            "SamlMetadataDocument",
            iam.update_saml_provider,
            SAMLProviderArn=arn,
            SAMLMetadataDocument=props["SamlMetadataDocument"],
        )


def _oidc_provider(ctx: ApplyContext) -> None:
    iam, arn, props = ctx.client("iam"), ctx.physical_id, ctx.props
    existing = ctx.exists(iam.get_open_id_connect_provider, frozenset({"NoSuchEntity"}), OpenIDConnectProviderArn=arn)
    if existing is not None:
        return  # the Url is the provider's identity; verification compares the rest
    create: dict[str, Any] = {"Url": props["Url"], "ThumbprintList": list(props.get("ThumbprintList", []))}
    if "ClientIdList" in props:
        create["ClientIDList"] = list(props["ClientIdList"])
    if props.get("Tags"):
        create["Tags"] = tag_list(props["Tags"])
    ctx.call("Url", iam.create_open_id_connect_provider, **create)


def _attach_missing(ctx: ApplyContext, attached: set[str], attach: Callable[..., Any]) -> None:
    # Additive: a ManagedPolicy's Roles/Users/Groups may attach more than the principal's own list.
    for arn in sorted(set(ctx.props.get("ManagedPolicyArns", [])) - attached):
        ctx.call("ManagedPolicyArns", attach, arn=arn)


def _verify_role(c: VerifyContext) -> None:
    iam, name = c.client("iam"), c.physical_id
    role = c.read("RoleName", iam.get_role, RoleName=name)["Role"]
    c.equal("Arn", attribute(c.type, name, c.props, "Arn", c.stack.account, c.stack.region), role["Arn"])
    c.equal("Path", c.props.get("Path", "/"), role.get("Path", "/"))
    c.document("AssumeRolePolicyDocument", c.props["AssumeRolePolicyDocument"], role.get("AssumeRolePolicyDocument"))
    for policy in c.props.get("Policies", []):
        found = c.read("Policies", iam.get_role_policy, RoleName=name, PolicyName=policy["PolicyName"])
        c.document(f"Policies[{policy['PolicyName']}]", policy["PolicyDocument"], found["PolicyDocument"])
    attached = c.read("ManagedPolicyArns", iam.list_attached_role_policies, RoleName=name)["AttachedPolicies"]
    c.contains("ManagedPolicyArns", c.props.get("ManagedPolicyArns"), {a["PolicyArn"] for a in attached})
    boundary = (role.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn")
    c.equal("PermissionsBoundary", c.props.get("PermissionsBoundary"), boundary)
    c.tags(c.props.get("Tags"), tags_of(role.get("Tags")))
    if "Description" in c.props:
        c.equal("Description", c.props["Description"], role.get("Description"))
    if "MaxSessionDuration" in c.props:
        c.equal("MaxSessionDuration", int(c.props["MaxSessionDuration"]), role.get("MaxSessionDuration"))


def _verify_managed_policy(c: VerifyContext) -> None:
    iam, arn = c.client("iam"), c.physical_id
    policy = c.read("ManagedPolicyName", iam.get_policy, PolicyArn=arn)["Policy"]
    if "ManagedPolicyName" in c.props:
        c.equal("ManagedPolicyName", c.props["ManagedPolicyName"], policy["PolicyName"])
    c.equal("Path", c.props.get("Path", "/"), policy.get("Path", "/"))
    version = c.read("PolicyDocument", iam.get_policy_version, PolicyArn=arn, VersionId=policy["DefaultVersionId"])
    c.document("PolicyDocument", c.props["PolicyDocument"], version["PolicyVersion"]["Document"])
    entities = c.read("Roles", iam.list_entities_for_policy, PolicyArn=arn)
    c.contains("Roles", c.props.get("Roles"), {r["RoleName"] for r in entities.get("PolicyRoles", [])})
    c.contains("Users", c.props.get("Users"), {u["UserName"] for u in entities.get("PolicyUsers", [])})
    c.contains("Groups", c.props.get("Groups"), {g["GroupName"] for g in entities.get("PolicyGroups", [])})


def _verify_inline_policy(c: VerifyContext) -> None:
    iam, name, document = c.client("iam"), c.props["PolicyName"], c.props["PolicyDocument"]
    for role in c.props.get("Roles", []):
        found = c.read("Roles", iam.get_role_policy, RoleName=role, PolicyName=name)
        c.document("PolicyDocument", document, found["PolicyDocument"])
    for user in c.props.get("Users", []):
        found = c.read("Users", iam.get_user_policy, UserName=user, PolicyName=name)
        c.document("PolicyDocument", document, found["PolicyDocument"])
    for group in c.props.get("Groups", []):
        found = c.read("Groups", iam.get_group_policy, GroupName=group, PolicyName=name)
        c.document("PolicyDocument", document, found["PolicyDocument"])


def _verify_user(c: VerifyContext) -> None:
    iam, name = c.client("iam"), c.physical_id
    user = c.read("UserName", iam.get_user, UserName=name)["User"]
    c.equal("Arn", attribute(c.type, name, c.props, "Arn", c.stack.account, c.stack.region), user["Arn"])
    for policy in c.props.get("Policies", []):
        found = c.read("Policies", iam.get_user_policy, UserName=name, PolicyName=policy["PolicyName"])
        c.document(f"Policies[{policy['PolicyName']}]", policy["PolicyDocument"], found["PolicyDocument"])
    attached = c.read("ManagedPolicyArns", iam.list_attached_user_policies, UserName=name)["AttachedPolicies"]
    c.contains("ManagedPolicyArns", c.props.get("ManagedPolicyArns"), {a["PolicyArn"] for a in attached})
    groups = c.read("Groups", iam.list_groups_for_user, UserName=name)["Groups"]
    c.contains("Groups", c.props.get("Groups"), {g["GroupName"] for g in groups})
    boundary = (user.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn")
    c.equal("PermissionsBoundary", c.props.get("PermissionsBoundary"), boundary)
    tags = c.read("Tags", iam.list_user_tags, UserName=name)["Tags"]
    c.tags(c.props.get("Tags"), tags_of(tags))
    if "LoginProfile" in c.props:
        found = c.read("LoginProfile", iam.get_login_profile, UserName=name)["LoginProfile"]
        wanted = bool(c.props["LoginProfile"].get("PasswordResetRequired", False))
        c.equal("LoginProfile", wanted, bool(found.get("PasswordResetRequired", False)))


def _verify_group(c: VerifyContext) -> None:
    iam, name = c.client("iam"), c.physical_id
    group = c.read("GroupName", iam.get_group, GroupName=name)["Group"]
    c.equal("Arn", attribute(c.type, name, c.props, "Arn", c.stack.account, c.stack.region), group["Arn"])
    for policy in c.props.get("Policies", []):
        found = c.read("Policies", iam.get_group_policy, GroupName=name, PolicyName=policy["PolicyName"])
        c.document(f"Policies[{policy['PolicyName']}]", policy["PolicyDocument"], found["PolicyDocument"])
    attached = c.read("ManagedPolicyArns", iam.list_attached_group_policies, GroupName=name)["AttachedPolicies"]
    c.contains("ManagedPolicyArns", c.props.get("ManagedPolicyArns"), {a["PolicyArn"] for a in attached})


def _verify_user_to_group(c: VerifyContext) -> None:
    iam = c.client("iam")
    group = c.read("GroupName", iam.get_group, GroupName=c.props["GroupName"])
    c.contains("Users", c.props.get("Users"), {u["UserName"] for u in group.get("Users", [])})


def _verify_saml_provider(c: VerifyContext) -> None:
    found = c.read("Name", c.client("iam").get_saml_provider, SAMLProviderArn=c.physical_id)
    c.equal("SamlMetadataDocument", c.props["SamlMetadataDocument"], found.get("SAMLMetadataDocument"))


def _verify_oidc_provider(c: VerifyContext) -> None:
    found = c.read("Url", c.client("iam").get_open_id_connect_provider, OpenIDConnectProviderArn=c.physical_id)
    c.equal("Url", str(c.props["Url"]).split("://", 1)[-1], str(found.get("Url", "")).split("://", 1)[-1])
    c.equal("ClientIdList", sorted(c.props.get("ClientIdList", [])), sorted(found.get("ClientIDList", [])))
    c.equal("ThumbprintList", sorted(c.props.get("ThumbprintList", [])), sorted(found.get("ThumbprintList", [])))
    c.tags(c.props.get("Tags"), tags_of(found.get("Tags")))


APPLIERS: dict[str, Callable[[ApplyContext], None]] = {
    "AWS::IAM::Role": _role,
    "AWS::IAM::User": _user,
    "AWS::IAM::Group": _group,
    "AWS::IAM::UserToGroupAddition": _user_to_group,
    "AWS::IAM::ManagedPolicy": _managed_policy,
    "AWS::IAM::Policy": _inline_policy,
    "AWS::IAM::SAMLProvider": _saml_provider,
    "AWS::IAM::OIDCProvider": _oidc_provider,
}
VERIFIERS: dict[str, Callable[[VerifyContext], None]] = {
    "AWS::IAM::Role": _verify_role,
    "AWS::IAM::ManagedPolicy": _verify_managed_policy,
    "AWS::IAM::Policy": _verify_inline_policy,
    "AWS::IAM::User": _verify_user,
    "AWS::IAM::Group": _verify_group,
    "AWS::IAM::UserToGroupAddition": _verify_user_to_group,
    "AWS::IAM::SAMLProvider": _verify_saml_provider,
    "AWS::IAM::OIDCProvider": _verify_oidc_provider,
}
