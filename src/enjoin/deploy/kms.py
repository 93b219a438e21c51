"""KMS keys and aliases: applied through KMS's API and verified.

moto 5.2.1 stores a CloudFormation key policy as a Python object (describe_key then fails) and loses every
Fn::GetAtt of a key created with Tags, so the policy, tags, description, rotation and state are applied
again here and read back. Moved from :mod:`enjoin.deploy.fixups` and :mod:`enjoin.deploy.verify`.
"""

from __future__ import annotations

from collections.abc import Callable

from enjoin.deploy.context import ApplyContext, VerifyContext, doc, true
from enjoin.iac.cloudformation.types import attribute, tags_of


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


def _verify_key(c: VerifyContext) -> None:
    kms, key_id = c.client("kms"), c.physical_id
    meta = c.read("KeyPolicy", kms.describe_key, KeyId=key_id)["KeyMetadata"]
    c.equal("Arn", attribute(c.type, key_id, c.props, "Arn", c.stack.account, c.stack.region), meta["Arn"])
    policy = c.read("KeyPolicy", kms.get_key_policy, KeyId=key_id, PolicyName="default")["Policy"]
    c.document("KeyPolicy", c.props["KeyPolicy"], policy)
    c.equal("Enabled", true(c.props.get("Enabled", True)), meta.get("Enabled"))
    c.equal("KeyUsage", c.props.get("KeyUsage", "ENCRYPT_DECRYPT"), meta.get("KeyUsage"))
    c.equal("KeySpec", c.props.get("KeySpec", "SYMMETRIC_DEFAULT"), meta.get("KeySpec"))
    if "Description" in c.props:
        c.equal("Description", c.props["Description"], meta.get("Description"))
    rotation = c.read("EnableKeyRotation", kms.get_key_rotation_status, KeyId=key_id)["KeyRotationEnabled"]
    c.equal("EnableKeyRotation", true(c.props.get("EnableKeyRotation", False)), rotation)
    tags = c.read("Tags", kms.list_resource_tags, KeyId=key_id).get("Tags", [])
    c.tags(c.props.get("Tags"), {t["TagKey"]: t["TagValue"] for t in tags})


def _verify_alias(c: VerifyContext) -> None:
    kms = c.client("kms")
    aliases = c.read("AliasName", kms.list_aliases)["Aliases"]
    found = {a["AliasName"]: a.get("TargetKeyId") for a in aliases}
    name = c.props["AliasName"]
    if name not in found:
        raise c.fail("AliasName", name, sorted(found))
    target = str(c.props["TargetKeyId"]).rsplit("key/", 1)[-1]
    c.equal("TargetKeyId", target, found[name])


APPLIERS: dict[str, Callable[[ApplyContext], None]] = {"AWS::KMS::Key": _key}
VERIFIERS: dict[str, Callable[[VerifyContext], None]] = {"AWS::KMS::Key": _verify_key, "AWS::KMS::Alias": _verify_alias}
