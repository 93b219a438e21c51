"""S3 buckets and bucket policies: applied through S3's API and verified.

moto 5.2.1's CloudFormation drops a bucket's public access block, ownership controls and versioning and
creates no AWS::S3::BucketPolicy, so each modeled property is applied again here and read back; replication,
canned ACLs and website configuration are in :mod:`enjoin.deploy.s3`. Moved from :mod:`enjoin.deploy.fixups`
and :mod:`enjoin.deploy.verify`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from enjoin.deploy import s3 as deploy_s3
from enjoin.deploy.context import ApplyContext, VerifyContext, doc, tag_list, true
from enjoin.iac.cloudformation.types import tags_of

DEFAULT_OWNERSHIP = {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}


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
    # A bucket whose template declares no OwnershipControls gets S3's default for a new bucket: "Starting in April
    # 2023, Amazon S3 changed the default settings for S3 Object Ownership to Bucket owner enforced for all newly
    # created buckets" ("Controlling ownership of objects and disabling ACLs for your bucket",
    # https://docs.aws.amazon.com/AmazonS3/latest/userguide/about-object-ownership.html). moto keeps none, which
    # the inventory reads as a bucket without the setting: ACLs enabled, as on a bucket older than that.
    ctx.call(
        "OwnershipControls",
        s3.put_bucket_ownership_controls,
        Bucket=name,
        OwnershipControls=props.get("OwnershipControls", DEFAULT_OWNERSHIP),
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


def _verify_bucket(c: VerifyContext) -> None:
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
        expected = {k: true(v) for k, v in c.props["PublicAccessBlockConfiguration"].items()}
        actual = found["PublicAccessBlockConfiguration"]
        c.equal("PublicAccessBlockConfiguration", expected, {k: actual.get(k) for k in expected})
    found = c.read("OwnershipControls", s3.get_bucket_ownership_controls, Bucket=name)
    c.equal("OwnershipControls", c.props.get("OwnershipControls", DEFAULT_OWNERSHIP), found["OwnershipControls"])
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


def _verify_bucket_policy(c: VerifyContext) -> None:
    s3 = c.client("s3")
    found = c.read("PolicyDocument", s3.get_bucket_policy, Bucket=c.props["Bucket"])
    c.document("PolicyDocument", c.props["PolicyDocument"], found["Policy"])


APPLIERS: dict[str, Callable[[ApplyContext], None]] = {
    "AWS::S3::Bucket": _bucket,
    "AWS::S3::BucketPolicy": _bucket_policy,
}
VERIFIERS: dict[str, Callable[[VerifyContext], None]] = {
    "AWS::S3::Bucket": _verify_bucket,
    "AWS::S3::BucketPolicy": _verify_bucket_policy,
}
