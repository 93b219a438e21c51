"""Verify that a deployed resource holds exactly its template properties, read back through the APIs.

Every security-relevant property is compared with the template's value after intrinsics are
resolved; policy documents are compared as parsed JSON. Lists that other resources may add to
(a principal's managed policies and inline policies, a user's groups) must contain the template's
entries; everything else must be equal. A difference is a DeployError naming the template, the
resource (logical id) and the property. Only read calls are made.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from enjoin.backends import Backend
from enjoin.deploy import cloudfront as deploy_cloudfront
from enjoin.deploy import compute as deploy_compute
from enjoin.deploy import iam_more as deploy_iam_more
from enjoin.deploy import lake as deploy_lake
from enjoin.deploy import s3 as deploy_s3
from enjoin.deploy.context import VerifyContext
from enjoin.deploy.fixups import api_encryption
from enjoin.errors import DeployError
from enjoin.iac.cloudformation.template import Scope, evaluate_conditions, resolve
from enjoin.iac.cloudformation.types import attribute, tags_of

if TYPE_CHECKING:
    from enjoin.deploy.stack import DeployedStack


def verify_resource(backend: Backend, stack: DeployedStack, logical_id: str) -> None:
    """Check one resource against its template properties.

    Raises:
        DeployError: the resource is missing or a property differs.
    """
    check = VerifyContext(backend, stack, logical_id)
    _VERIFIERS[check.type](check)


def verify_outputs(stack: DeployedStack, scope: Scope) -> None:
    """Check the stack's outputs (what later stacks import) against the template's, resolved."""
    conditions = evaluate_conditions(stack.template, scope)
    for key, output in stack.template.outputs.items():
        if not conditions.get(output.get("Condition", ""), True):
            continue
        expected = str(resolve(output.get("Value"), scope, f"output {key}"))
        found = stack.outputs.get(key)
        if found != expected:
            raise DeployError(
                f"{stack.template.path}: output {key}", f"the value {expected!r}", f"stack output {found!r}"
            )


def _role(c: VerifyContext) -> None:
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


def _managed_policy(c: VerifyContext) -> None:
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


def _inline_policy(c: VerifyContext) -> None:
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


def _user(c: VerifyContext) -> None:
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


def _group(c: VerifyContext) -> None:
    iam, name = c.client("iam"), c.physical_id
    group = c.read("GroupName", iam.get_group, GroupName=name)["Group"]
    c.equal("Arn", attribute(c.type, name, c.props, "Arn", c.stack.account, c.stack.region), group["Arn"])
    for policy in c.props.get("Policies", []):
        found = c.read("Policies", iam.get_group_policy, GroupName=name, PolicyName=policy["PolicyName"])
        c.document(f"Policies[{policy['PolicyName']}]", policy["PolicyDocument"], found["PolicyDocument"])
    attached = c.read("ManagedPolicyArns", iam.list_attached_group_policies, GroupName=name)["AttachedPolicies"]
    c.contains("ManagedPolicyArns", c.props.get("ManagedPolicyArns"), {a["PolicyArn"] for a in attached})


def _user_to_group(c: VerifyContext) -> None:
    iam = c.client("iam")
    group = c.read("GroupName", iam.get_group, GroupName=c.props["GroupName"])
    c.contains("Users", c.props.get("Users"), {u["UserName"] for u in group.get("Users", [])})


def _bucket(c: VerifyContext) -> None:
    s3, name = c.client("s3"), c.physical_id
    names = {b["Name"] for b in c.read("BucketName", s3.list_buckets).get("Buckets", [])}
    if name not in names:
        raise c.fail("BucketName", f"bucket {name} in account {c.stack.account}", sorted(names))
    if "BucketEncryption" in c.props:
        found = c.read("BucketEncryption", s3.get_bucket_encryption, Bucket=name)["ServerSideEncryptionConfiguration"]
        expected = api_encryption(c.props["BucketEncryption"])
        for rule in found.get("Rules", []):  # S3 reports BucketKeyEnabled false when it was never set
            if rule.get("BucketKeyEnabled") is False and not any("BucketKeyEnabled" in r for r in expected["Rules"]):
                rule.pop("BucketKeyEnabled")
        c.equal("BucketEncryption", expected, found)
    if "PublicAccessBlockConfiguration" in c.props:
        found = c.read("PublicAccessBlockConfiguration", s3.get_public_access_block, Bucket=name)
        expected = {k: _bool(v) for k, v in c.props["PublicAccessBlockConfiguration"].items()}
        actual = found["PublicAccessBlockConfiguration"]
        c.equal("PublicAccessBlockConfiguration", expected, {k: actual.get(k) for k in expected})
    if "OwnershipControls" in c.props:
        found = c.read("OwnershipControls", s3.get_bucket_ownership_controls, Bucket=name)
        c.equal("OwnershipControls", c.props["OwnershipControls"], found["OwnershipControls"])
    if "VersioningConfiguration" in c.props:
        found = c.read("VersioningConfiguration", s3.get_bucket_versioning, Bucket=name)
        c.equal("VersioningConfiguration", c.props["VersioningConfiguration"].get("Status"), found.get("Status"))
    if "ReplicationConfiguration" in c.props:
        deploy_s3.verify_replication(c)
    if "AccessControl" in c.props:
        deploy_s3.verify_acl(c)
    if "WebsiteConfiguration" in c.props:
        deploy_s3.verify_website(c)
    if "Tags" in c.props:
        found = c.read("Tags", s3.get_bucket_tagging, Bucket=name)
        c.tags(c.props["Tags"], tags_of(found.get("TagSet")))


def _bucket_policy(c: VerifyContext) -> None:
    s3 = c.client("s3")
    found = c.read("PolicyDocument", s3.get_bucket_policy, Bucket=c.props["Bucket"])
    c.document("PolicyDocument", c.props["PolicyDocument"], found["Policy"])


def _key(c: VerifyContext) -> None:
    kms, key_id = c.client("kms"), c.physical_id
    meta = c.read("KeyPolicy", kms.describe_key, KeyId=key_id)["KeyMetadata"]
    c.equal("Arn", attribute(c.type, key_id, c.props, "Arn", c.stack.account, c.stack.region), meta["Arn"])
    policy = c.read("KeyPolicy", kms.get_key_policy, KeyId=key_id, PolicyName="default")["Policy"]
    c.document("KeyPolicy", c.props["KeyPolicy"], policy)
    c.equal("Enabled", _bool(c.props.get("Enabled", True)), meta.get("Enabled"))
    c.equal("KeyUsage", c.props.get("KeyUsage", "ENCRYPT_DECRYPT"), meta.get("KeyUsage"))
    c.equal("KeySpec", c.props.get("KeySpec", "SYMMETRIC_DEFAULT"), meta.get("KeySpec"))
    if "Description" in c.props:
        c.equal("Description", c.props["Description"], meta.get("Description"))
    rotation = c.read("EnableKeyRotation", kms.get_key_rotation_status, KeyId=key_id)["KeyRotationEnabled"]
    c.equal("EnableKeyRotation", _bool(c.props.get("EnableKeyRotation", False)), rotation)
    tags = c.read("Tags", kms.list_resource_tags, KeyId=key_id).get("Tags", [])
    c.tags(c.props.get("Tags"), {t["TagKey"]: t["TagValue"] for t in tags})


def _alias(c: VerifyContext) -> None:
    kms = c.client("kms")
    aliases = c.read("AliasName", kms.list_aliases)["Aliases"]
    found = {a["AliasName"]: a.get("TargetKeyId") for a in aliases}
    name = c.props["AliasName"]
    if name not in found:
        raise c.fail("AliasName", name, sorted(found))
    target = str(c.props["TargetKeyId"]).rsplit("key/", 1)[-1]
    c.equal("TargetKeyId", target, found[name])


def _saml_provider(c: VerifyContext) -> None:
    found = c.read("Name", c.client("iam").get_saml_provider, SAMLProviderArn=c.physical_id)
    c.equal("SamlMetadataDocument", c.props["SamlMetadataDocument"], found.get("SAMLMetadataDocument"))


def _oidc_provider(c: VerifyContext) -> None:
    found = c.read("Url", c.client("iam").get_open_id_connect_provider, OpenIDConnectProviderArn=c.physical_id)
    c.equal("Url", str(c.props["Url"]).split("://", 1)[-1], str(found.get("Url", "")).split("://", 1)[-1])
    c.equal("ClientIdList", sorted(c.props.get("ClientIdList", [])), sorted(found.get("ClientIDList", [])))
    c.equal("ThumbprintList", sorted(c.props.get("ThumbprintList", [])), sorted(found.get("ThumbprintList", [])))
    c.tags(c.props.get("Tags"), tags_of(found.get("Tags")))


def _bool(value: Any) -> bool:
    return value is True or str(value).lower() == "true"


_VERIFIERS: dict[str, Callable[[VerifyContext], None]] = {
    "AWS::IAM::Role": _role,
    "AWS::IAM::ManagedPolicy": _managed_policy,
    "AWS::IAM::Policy": _inline_policy,
    "AWS::IAM::User": _user,
    "AWS::IAM::Group": _group,
    "AWS::IAM::UserToGroupAddition": _user_to_group,
    "AWS::S3::Bucket": _bucket,
    "AWS::S3::BucketPolicy": _bucket_policy,
    "AWS::KMS::Key": _key,
    "AWS::KMS::Alias": _alias,
    "AWS::IAM::SAMLProvider": _saml_provider,
    "AWS::IAM::OIDCProvider": _oidc_provider,
    **deploy_s3.VERIFIERS,
    **deploy_lake.VERIFIERS,
    **deploy_compute.VERIFIERS,
    **deploy_iam_more.VERIFIERS,
    **deploy_cloudfront.VERIFIERS,
}
