"""Inventory of S3: buckets (policy, encryption, public access block, ownership, tags, versioning,
replication) and access points (with their policies), read-only.

Calls: s3 list_buckets (the buckets of the account whose client lists them), get_bucket_location,
get_bucket_policy, get_bucket_encryption, get_public_access_block, get_bucket_ownership_controls,
get_bucket_tagging, get_bucket_versioning, get_bucket_replication; s3control list_access_points and
get_access_point_policy (the access points of the account in the inventory's region).

A bucket's replication rules are read back unless ``declared`` gives them: a deployment carries
what its templates declare, because moto reads a rule back without its prefix and its KMS-object
setting (:mod:`enjoin.deploy_s3`). Over a live account the read-back is all there is.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from enjoin.errors import InventoryError
from enjoin.inventory_calls import ReadDenied, call, document, gap, optional, pages, tags
from enjoin.snapshot import AccessPoint, Bucket, Construct, ReplicationRule

# (account, bucket name) -> (replication role, rules), as a deployment's templates declare them.
DeclaredReplication = Mapping[tuple[str, str], tuple[str, tuple[ReplicationRule, ...]]]


def read_buckets(
    backend: Any,
    account: str,
    region: str,
    declared: DeclaredReplication | None = None,
    gaps: list[Construct] | None = None,
) -> list[Bucket]:
    """Every bucket the account owns, with what bears on who can read it.

    ``gaps``: where a read of one bucket's configuration is refused (AccessDenied) is recorded, as a gap bearing on
    that bucket's holdings, and the bucket is kept with the configuration that could be read (the refused part as
    absent: the gap makes what it bears on INDETERMINATE whatever it is). Without ``gaps`` a refusal fails the
    inventory, as every other error does. Listing the buckets must succeed: a holding whose bucket cannot be seen
    cannot be judged at all.
    """
    s3 = backend.client("s3", account, region)
    listed = call(f"account {account}: s3 list_buckets", s3.list_buckets).get("Buckets", [])
    buckets = []
    for entry in sorted(listed, key=lambda b: b["Name"]):
        name = entry["Name"]
        where = f"account {account}: bucket {name}"

        def read(operation: str, fn: Any, *, must: bool = False, bucket: str = name, at: str = where) -> Any:
            try:
                return (call if must else optional)(f"{at}: {operation}", fn, Bucket=bucket)
            except ReadDenied as denied:
                if gaps is None:
                    raise
                api = "s3:" + "".join(part.capitalize() for part in operation.split("_"))
                gaps.append(gap(denied, account, api, bucket, buckets=(bucket,)))
                return None

        location = read("get_bucket_location", s3.get_bucket_location, must=True) or {}
        bucket_region = location.get("LocationConstraint") or "us-east-1"
        if bucket_region == "EU":  # the legacy name of eu-west-1
            bucket_region = "eu-west-1"
        policy = read("get_bucket_policy", s3.get_bucket_policy)
        encryption = read("get_bucket_encryption", s3.get_bucket_encryption)
        pab = read("get_public_access_block", s3.get_public_access_block)
        refused = len(gaps) if gaps is not None else 0
        ownership = read("get_bucket_ownership_controls", s3.get_bucket_ownership_controls)
        refused = gaps is not None and len(gaps) > refused
        tagging = read("get_bucket_tagging", s3.get_bucket_tagging)
        versioning = read("get_bucket_versioning", s3.get_bucket_versioning, must=True) or {}
        role: str | None
        if declared is not None and (account, name) in declared:
            role, rules = declared[(account, name)]
        else:
            replication = read("get_bucket_replication", s3.get_bucket_replication)
            config = (replication or {}).get("ReplicationConfiguration") or {}
            role, rules = config.get("Role"), replication_rules(config)
        sse_algorithm, kms_key_id, bucket_key = _encryption(encryption, where)
        ownership_rules = (ownership or {}).get("OwnershipControls", {}).get("Rules", [])
        buckets.append(
            Bucket(
                arn=f"arn:aws:s3:::{name}",
                name=name,
                account=account,
                region=bucket_region,
                policy=document(policy["Policy"], f"{where}: bucket policy") if policy else None,
                sse_algorithm=sse_algorithm,
                kms_key_id=kms_key_id,
                bucket_key_enabled=bucket_key,
                public_access_block=dict(pab["PublicAccessBlockConfiguration"]) if pab else None,
                ownership=_ownership(ownership_rules, refused),
                tags=tags((tagging or {}).get("TagSet")),
                versioning=versioning.get("Status"),
                replication_role=role,
                replication_rules=rules,
            )
        )
    return buckets


def _ownership(rules: list[Mapping[str, Any]], refused: bool) -> str | None:
    """The bucket's ObjectOwnership; a bucket without the setting (OwnershipControlsNotFoundError) behaves as
    ``ObjectWriter``, ACLs enabled, as every bucket did before S3 made BucketOwnerEnforced the default for new ones
    ("Controlling ownership of objects and disabling ACLs for your bucket",
    https://docs.aws.amazon.com/AmazonS3/latest/userguide/about-object-ownership.html). None: the read was refused
    (a gap)."""
    if rules:
        return str(rules[0].get("ObjectOwnership"))
    return None if refused else "ObjectWriter"


def replication_rules(api_value: Mapping[str, Any]) -> tuple[ReplicationRule, ...]:
    """The snapshot's rules from a replication configuration in S3's API form (read back or applied)."""
    out = []
    for rule in api_value.get("Rules") or []:
        destination = rule.get("Destination") or {}
        rule_filter = rule.get("Filter") or {}
        prefix = rule_filter.get("Prefix", (rule_filter.get("And") or {}).get("Prefix", rule.get("Prefix", "")))
        criteria = (rule.get("SourceSelectionCriteria") or {}).get("SseKmsEncryptedObjects") or {}
        out.append(
            ReplicationRule(
                rule_id=str(rule.get("ID", "")),
                enabled=rule.get("Status") == "Enabled",
                prefix=str(prefix or ""),
                destination_bucket=str(destination.get("Bucket", "")),
                destination_account=destination.get("Account"),
                replica_kms_key_id=(destination.get("EncryptionConfiguration") or {}).get("ReplicaKmsKeyID"),
                sse_kms_objects=criteria.get("Status") == "Enabled",
            )
        )
    return tuple(out)


def _encryption(encryption: Any, where: str) -> tuple[str | None, str | None, bool]:
    if not encryption:
        return None, None, False
    rules = encryption.get("ServerSideEncryptionConfiguration", {}).get("Rules", [])
    if len(rules) != 1:
        raise InventoryError(f"{where}: default encryption", "exactly one encryption rule", str(len(rules)))
    default = rules[0].get("ApplyServerSideEncryptionByDefault", {})
    return (
        default.get("SSEAlgorithm"),
        default.get("KMSMasterKeyID"),
        bool(rules[0].get("BucketKeyEnabled", False)),
    )


def read_access_points(
    backend: Any, account: str, region: str, gaps: list[Construct] | None = None
) -> list[AccessPoint]:
    """The account's access points in ``region``, each with its policy (None when it has none).

    ``gaps``: a refused read of an access point's policy is a gap bearing on its bucket's holdings (as
    :func:`read_buckets`); the access point is then kept without a policy.
    """
    s3control = backend.client("s3control", account, region)
    where = f"account {account}: s3control in {region}"
    listed = pages(f"{where}: list_access_points", s3control.list_access_points, "AccessPointList", AccountId=account)
    points = []
    for entry in sorted(listed, key=lambda p: p["Name"]):
        name = entry["Name"]
        try:
            policy = optional(
                f"{where}: get_access_point_policy {name}",
                s3control.get_access_point_policy,
                AccountId=account,
                Name=name,
            )
        except ReadDenied as denied:
            if gaps is None:
                raise
            gaps.append(gap(denied, account, "s3:GetAccessPointPolicy", name, buckets=(entry["Bucket"],)))
            policy = None
        arn = entry.get("AccessPointArn") or f"arn:aws:s3:{region}:{account}:accesspoint/{name}"
        points.append(
            AccessPoint(
                arn=arn,
                name=name,
                account=account,
                region=region,
                bucket=entry["Bucket"],
                policy=document(policy["Policy"], f"{arn}: access point policy") if policy else None,
                network_origin=entry.get("NetworkOrigin", "Internet"),
            )
        )
    return points
