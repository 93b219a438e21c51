"""Apply a deployed resource's template properties through the ordinary APIs.

moto's CloudFormation skips some types and properties (see :mod:`enjoin.deploy`). Rather than
guess which, enjoin applies every property it verifies, idempotently, after the stack is created:
the state then equals the template whatever the backend's CloudFormation did, and the verification
that follows proves it. Attachments and inline policies are only added, never removed: another
resource (an AWS::IAM::ManagedPolicy's Roles, an AWS::IAM::Policy) may add to a principal's own
list. Only write calls of the resource's own service are used, in the stack's account and region.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError  # type: ignore[import-untyped]  # botocore ships no type stubs

from enjoin.backends import Backend
from enjoin.deploy import cloudfront as deploy_cloudfront
from enjoin.deploy import compute as deploy_compute
from enjoin.deploy import iam_more as deploy_iam_more
from enjoin.deploy import lake as deploy_lake
from enjoin.deploy import s3 as deploy_s3
from enjoin.deploy.context import ApplyContext, doc, tag_list, true
from enjoin.iac.cloudformation.types import tags_of

if TYPE_CHECKING:
    from enjoin.deploy.stack import DeployedStack


def apply_resource(backend: Backend, stack: DeployedStack, logical_id: str) -> None:
    """Make the resource ``logical_id`` of ``stack`` hold exactly its template properties.

    Raises:
        DeployError: the backend refused a call; names the template, resource and property.
    """
    rtype = stack.types[logical_id]
    applier = _APPLIERS.get(rtype)
    if applier is not None:
        applier(ApplyContext(backend, stack, logical_id))


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


def api_encryption(cfn_value: dict[str, Any]) -> dict[str, Any]:
    """BucketEncryption as CloudFormation writes it, as S3's API takes it."""
    rules = []
    for rule in cfn_value.get("ServerSideEncryptionConfiguration", []):
        default = dict(rule.get("ServerSideEncryptionByDefault", {}))
        api_rule: dict[str, Any] = {"ApplyServerSideEncryptionByDefault": default}
        if "BucketKeyEnabled" in rule:
            api_rule["BucketKeyEnabled"] = bool(rule["BucketKeyEnabled"])
        rules.append(api_rule)
    return {"Rules": rules}


def _bucket(ctx: ApplyContext) -> None:
    s3, name, props = ctx.client("s3"), ctx.physical_id, ctx.props
    if "BucketEncryption" in props:
        ctx.call(
            "BucketEncryption",
            s3.put_bucket_encryption,
            Bucket=name,
            ServerSideEncryptionConfiguration=api_encryption(props["BucketEncryption"]),
        )
    if "PublicAccessBlockConfiguration" in props:
        ctx.call(
            "PublicAccessBlockConfiguration",
            s3.put_public_access_block,
            Bucket=name,
            PublicAccessBlockConfiguration=props["PublicAccessBlockConfiguration"],
        )
    if "OwnershipControls" in props:
        ctx.call(
            "OwnershipControls",
            s3.put_bucket_ownership_controls,
            Bucket=name,
            OwnershipControls=props["OwnershipControls"],
        )
    if "VersioningConfiguration" in props:
        ctx.call(
            "VersioningConfiguration",
            s3.put_bucket_versioning,
            Bucket=name,
            VersioningConfiguration={"Status": props["VersioningConfiguration"]["Status"]},
        )
    if "ReplicationConfiguration" in props:  # S3 refuses replication before versioning is enabled
        deploy_s3.apply_replication(ctx)
    if "AccessControl" in props:  # after OwnershipControls, which decide whether ACLs apply at all
        deploy_s3.apply_acl(ctx)
    if "WebsiteConfiguration" in props:
        deploy_s3.apply_website(ctx)
    if props.get("Tags"):
        ctx.call("Tags", s3.put_bucket_tagging, Bucket=name, Tagging={"TagSet": tag_list(props["Tags"])})


def _bucket_policy(ctx: ApplyContext) -> None:
    s3 = ctx.client("s3")
    ctx.call(
        "PolicyDocument",
        s3.put_bucket_policy,
        Bucket=ctx.props["Bucket"],
        Policy=doc(ctx.props["PolicyDocument"]),
    )


def _key(ctx: ApplyContext) -> None:
    kms, key_id, props = ctx.client("kms"), ctx.physical_id, ctx.props
    # moto stores CloudFormation's key policy as a Python object; describe_key then fails.
    ctx.call("KeyPolicy", kms.put_key_policy, KeyId=key_id, PolicyName="default", Policy=doc(props["KeyPolicy"]))
    if props.get("Tags"):
        tags = [{"TagKey": k, "TagValue": v} for k, v in tags_of(props["Tags"]).items()]
        ctx.call("Tags", kms.tag_resource, KeyId=key_id, Tags=tags)
    if "Description" in props:
        ctx.call("Description", kms.update_key_description, KeyId=key_id, Description=props["Description"])
    rotation = kms.enable_key_rotation if true(props.get("EnableKeyRotation", False)) else kms.disable_key_rotation
    ctx.call("EnableKeyRotation", rotation, KeyId=key_id)
    enabled = kms.enable_key if true(props.get("Enabled", True)) else kms.disable_key
    ctx.call("Enabled", enabled, KeyId=key_id)


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


_APPLIERS: dict[str, Callable[[ApplyContext], None]] = {
    "AWS::IAM::Role": _role,
    "AWS::IAM::User": _user,
    "AWS::IAM::Group": _group,
    "AWS::IAM::UserToGroupAddition": _user_to_group,
    "AWS::IAM::ManagedPolicy": _managed_policy,
    "AWS::IAM::Policy": _inline_policy,
    "AWS::S3::Bucket": _bucket,
    "AWS::S3::BucketPolicy": _bucket_policy,
    "AWS::KMS::Key": _key,
    "AWS::IAM::SAMLProvider": _saml_provider,
    "AWS::IAM::OIDCProvider": _oidc_provider,
    **deploy_s3.APPLIERS,
    **deploy_lake.APPLIERS,
    **deploy_compute.APPLIERS,
    **deploy_iam_more.APPLIERS,
    **deploy_cloudfront.APPLIERS,
}
