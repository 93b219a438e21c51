"""S3 beyond the bucket itself: replication rules and access points, applied and verified.

moto 5.2.1 (pinned by tests/test_deploy.py): CloudFormation drops a bucket's
``ReplicationConfiguration`` (and its ``VersioningConfiguration``, which replication needs: S3 refuses
a replication configuration on a bucket without versioning, so versioning is applied first), and
creates no ``AWS::S3::AccessPoint``. Through the API moto keeps a replication rule's id, status,
destination bucket and account and replica KMS key, but reads every rule back with an empty prefix
and without its ``SourceSelectionCriteria``. So verification compares what moto keeps, and checks the
prefix and the KMS-object setting only when the backend reports them; what the template declares for
them is carried by the :class:`~enjoin.deploy.Deployment` (:func:`declared_replication`) and the
inventory takes it from there instead of from the lossy read-back.

Tag filters (``Filter.TagFilter``, ``Filter.And.TagFilters``) are applied and verified like the rest,
but the snapshot keeps only a rule's prefix: whoever writes an object may tag it, so every object
under the prefix may be replicated.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from botocore.exceptions import ClientError  # type: ignore[import-untyped]  # botocore ships no type stubs

from enjoin.deploy.context import ApplyContext, VerifyContext, doc, true
from enjoin.errors import DeployError
from enjoin.inventory_s3 import replication_rules
from enjoin.snapshot import ReplicationRule

_RULE_KEYS = frozenset(
    {
        "Id",
        "Status",
        "Priority",
        "Prefix",
        "Filter",
        "Destination",
        "SourceSelectionCriteria",
        "DeleteMarkerReplication",
    }
)
_DESTINATION_KEYS = frozenset(
    {
        "Bucket",
        "Account",
        "StorageClass",
        "AccessControlTranslation",
        "EncryptionConfiguration",
        "ReplicationTime",
        "Metrics",
    }
)
_FILTER_KEYS = frozenset({"Prefix", "TagFilter", "And"})


def _check_keys(where: str, value: Any, known: frozenset[str]) -> None:
    if not isinstance(value, Mapping):
        raise DeployError(where, "a mapping", repr(value)[:200])
    unknown = set(value) - known
    if unknown:
        raise DeployError(where, f"keys enjoin verifies ({', '.join(sorted(known))})", str(sorted(unknown)))


def api_replication(cfn_value: Mapping[str, Any], where: str) -> dict[str, Any]:
    """ReplicationConfiguration as CloudFormation writes it, as S3's PutBucketReplication takes it.

    Raises:
        DeployError: a key enjoin does not verify (``where`` names the property).
    """
    _check_keys(where, cfn_value, frozenset({"Role", "Rules"}))
    rules = []
    for index, rule in enumerate(cfn_value.get("Rules") or []):
        at = f"{where}.Rules[{index}]"
        _check_keys(at, rule, _RULE_KEYS)
        _check_keys(f"{at}.Destination", rule.get("Destination"), _DESTINATION_KEYS)
        api: dict[str, Any] = {"Status": rule["Status"], "Destination": dict(rule["Destination"])}
        if "Id" in rule:
            api["ID"] = rule["Id"]
        if "Priority" in rule:
            api["Priority"] = int(rule["Priority"])
        if "Prefix" in rule:
            api["Prefix"] = rule["Prefix"]
        if "Filter" in rule:
            _check_keys(f"{at}.Filter", rule["Filter"], _FILTER_KEYS)
            api["Filter"] = _api_filter(rule["Filter"])
            # S3 requires DeleteMarkerReplication on a rule with a Filter; Disabled is its default.
            api["DeleteMarkerReplication"] = rule.get("DeleteMarkerReplication", {"Status": "Disabled"})
        elif "DeleteMarkerReplication" in rule:
            api["DeleteMarkerReplication"] = rule["DeleteMarkerReplication"]
        if "SourceSelectionCriteria" in rule:
            api["SourceSelectionCriteria"] = rule["SourceSelectionCriteria"]
        rules.append(api)
    return {"Role": cfn_value["Role"], "Rules": rules}


def _api_filter(cfn_filter: Mapping[str, Any]) -> dict[str, Any]:
    api: dict[str, Any] = {}
    if "Prefix" in cfn_filter:
        api["Prefix"] = cfn_filter["Prefix"]
    if "TagFilter" in cfn_filter:
        api["Tag"] = dict(cfn_filter["TagFilter"])
    if "And" in cfn_filter:
        conjunction = cfn_filter["And"]
        api["And"] = {k: v for k, v in conjunction.items() if k == "Prefix"}
        if "TagFilters" in conjunction:
            api["And"]["Tags"] = [dict(t) for t in conjunction["TagFilters"]]
    return api


def declared_replication(cfn_value: Mapping[str, Any], where: str) -> tuple[str, tuple[ReplicationRule, ...]]:
    """The replication role and rules exactly as a template declares them (prefix, KMS setting and all)."""
    api = api_replication(cfn_value, where)
    return str(api["Role"]), replication_rules(api)


def apply_replication(ctx: ApplyContext) -> None:
    """PutBucketReplication, after the versioning it needs (deploy_fixups applies versioning first)."""
    prop = "ReplicationConfiguration"
    config = api_replication(ctx.props[prop], ctx.stack.template.where(ctx.logical_id, prop))
    s3 = ctx.client("s3")
    ctx.call(prop, s3.put_bucket_replication, Bucket=ctx.physical_id, ReplicationConfiguration=config)


def verify_replication(c: VerifyContext) -> None:
    """What moto keeps must equal the template; prefix and KMS-object setting only when reported."""
    prop = "ReplicationConfiguration"
    expected = api_replication(c.props[prop], c.stack.template.where(c.logical_id, prop))
    found = c.read(prop, c.client("s3").get_bucket_replication, Bucket=c.physical_id)["ReplicationConfiguration"]
    c.equal(f"{prop}.Role", expected["Role"], found.get("Role"))
    rules = found.get("Rules") or []
    if len(rules) != len(expected["Rules"]):
        raise c.fail(f"{prop}.Rules", expected["Rules"], rules)
    declared, read = replication_rules(expected), replication_rules(found)
    for index, (want, got, api_want, api_got) in enumerate(zip(declared, read, expected["Rules"], rules, strict=True)):
        at = f"{prop}.Rules[{index}]"
        if want.rule_id:
            c.equal(f"{at}.Id", want.rule_id, got.rule_id)
        c.equal(f"{at}.Status", want.enabled, got.enabled)
        c.equal(f"{at}.Destination", api_want["Destination"], _destination_kept(api_got.get("Destination") or {}))
        if "Priority" in api_want:
            c.equal(f"{at}.Priority", api_want["Priority"], api_got.get("Priority"))
        # moto 5.2.1 reads back an empty prefix and no SourceSelectionCriteria: a backend that
        # reports them must report them as written.
        if got.prefix:
            c.equal(f"{at}.Filter", want.prefix, got.prefix)
        if "SourceSelectionCriteria" in api_got:
            c.equal(f"{at}.SourceSelectionCriteria", want.sse_kms_objects, got.sse_kms_objects)


def _destination_kept(found: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in found.items() if k in _DESTINATION_KEYS}


# --- canned ACLs and website configuration ---------------------------------------------------------
# The group grantees of S3 ACLs, by their URIs (Amazon S3 User Guide, "Access control list (ACL) overview").
ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
AUTHENTICATED_USERS = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
LOG_DELIVERY = "http://acs.amazonaws.com/groups/s3/LogDelivery"


def acl_grants(acl: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    """A bucket ACL's grants as (grantee, permission), grantees other than the owner only, sorted.

    A grantee is a group's URI, ``id:<canonical id>`` or ``email:<address>``; the owner's own FULL_CONTROL
    is left out (every bucket has it).
    """
    owner = (acl.get("Owner") or {}).get("ID")
    grants = set()
    for grant in acl.get("Grants") or []:
        grantee = grant.get("Grantee") or {}
        if grantee.get("URI"):
            who = str(grantee["URI"])
        elif grantee.get("ID"):
            if grantee["ID"] == owner:
                continue
            who = f"id:{grantee['ID']}"
        else:
            who = f"email:{grantee.get('EmailAddress', '')}"
        grants.add((who, str(grant.get("Permission", ""))))
    return tuple(sorted(grants))


# CloudFormation's AccessControl values, as S3's API writes them (x-amz-acl), with the grants each gives
# others than the owner on a bucket (Amazon S3 User Guide, "Access control list (ACL) overview", "Canned
# ACL"): bucket-owner-read and bucket-owner-full-control apply to objects, and on a bucket give nothing.
CANNED_ACLS: dict[str, tuple[str, tuple[tuple[str, str], ...]]] = {
    "Private": ("private", ()),
    "PublicRead": ("public-read", ((ALL_USERS, "READ"),)),
    "PublicReadWrite": ("public-read-write", ((ALL_USERS, "READ"), (ALL_USERS, "WRITE"))),
    "AuthenticatedRead": ("authenticated-read", ((AUTHENTICATED_USERS, "READ"),)),
    "LogDeliveryWrite": ("log-delivery-write", ((LOG_DELIVERY, "READ_ACP"), (LOG_DELIVERY, "WRITE"))),
    "BucketOwnerRead": ("bucket-owner-read", ()),
    "BucketOwnerFullControl": ("bucket-owner-full-control", ()),
    # EC2 gets READ on the bucket (to fetch AMI bundles): granted to a canonical id S3 knows.
    "AwsExecRead": ("aws-exec-read", ()),
}


def apply_acl(ctx: ApplyContext) -> None:
    """PutBucketAcl with the canned ACL (after the ownership controls that allow ACLs at all)."""
    prop = "AccessControl"
    canned = CANNED_ACLS.get(str(ctx.props[prop]))
    if canned is None:
        raise ctx.fail(prop, f"a canned ACL among {sorted(CANNED_ACLS)}: {ctx.props[prop]!r}")
    ctx.call(prop, ctx.client("s3").put_bucket_acl, Bucket=ctx.physical_id, ACL=canned[0])


def verify_acl(c: VerifyContext) -> None:
    """The bucket grants others nothing beyond the canned ACL's grants (AwsExecRead's EC2 grantee is S3's
    own canonical id). moto 5.2.1 keeps only the first grant of log-delivery-write and public-read-write
    (pinned by tests/test_deploy.py), so a backend may hold less; never more. No bucket ACL grant reads an
    object's data, so what reach decides does not depend on the difference."""
    prop = "AccessControl"
    found = acl_grants(c.read(prop, c.client("s3").get_bucket_acl, Bucket=c.physical_id))
    name = str(c.props[prop])
    expected = CANNED_ACLS[name][1] if name in CANNED_ACLS else ()
    if name == "AwsExecRead":
        found = tuple(g for g in found if not g[0].startswith("id:"))
    if not set(found) <= set(expected):
        raise c.fail(prop, list(expected), list(found))


def api_website(cfn_value: Mapping[str, Any]) -> dict[str, Any]:
    """WebsiteConfiguration as CloudFormation writes it, as S3's PutBucketWebsite takes it."""
    api: dict[str, Any] = {}
    if "IndexDocument" in cfn_value:
        api["IndexDocument"] = {"Suffix": cfn_value["IndexDocument"]}
    if "ErrorDocument" in cfn_value:
        api["ErrorDocument"] = {"Key": cfn_value["ErrorDocument"]}
    if "RedirectAllRequestsTo" in cfn_value:
        api["RedirectAllRequestsTo"] = dict(cfn_value["RedirectAllRequestsTo"])
    if "RoutingRules" in cfn_value:
        api["RoutingRules"] = [
            {k: dict(v) for k, v in rule.items() if k in ("RedirectRule", "RoutingRuleCondition")}
            for rule in cfn_value["RoutingRules"]
        ]
        for rule in api["RoutingRules"]:
            if "RoutingRuleCondition" in rule:
                rule["Condition"] = rule.pop("RoutingRuleCondition")
            if "RedirectRule" in rule:
                rule["Redirect"] = rule.pop("RedirectRule")
    return api


def apply_website(ctx: ApplyContext) -> None:
    prop = "WebsiteConfiguration"
    ctx.call(
        prop,
        ctx.client("s3").put_bucket_website,
        Bucket=ctx.physical_id,
        WebsiteConfiguration=api_website(ctx.props[prop]),
    )


def verify_website(c: VerifyContext) -> None:
    prop = "WebsiteConfiguration"
    found = c.read(prop, c.client("s3").get_bucket_website, Bucket=c.physical_id)
    expected = api_website(c.props[prop])
    c.subset(prop, {k: v for k, v in expected.items() if k != "RoutingRules"}, found)


# --- access points --------------------------------------------------------------------------------

_PAB_DEFAULT = {
    "BlockPublicAcls": True,
    "IgnorePublicAcls": True,
    "BlockPublicPolicy": True,
    "RestrictPublicBuckets": True,
}


def _access_point(ctx: ApplyContext) -> None:
    s3control, name, props = ctx.client("s3control"), ctx.physical_id, ctx.props
    account = ctx.stack.account
    existing = ctx.exists(s3control.get_access_point, frozenset({"NoSuchAccessPoint"}), AccountId=account, Name=name)
    if existing is None:
        create: dict[str, Any] = {"AccountId": account, "Name": name, "Bucket": props["Bucket"]}
        if "VpcConfiguration" in props:
            create["VpcConfiguration"] = props["VpcConfiguration"]
        if "PublicAccessBlockConfiguration" in props:
            create["PublicAccessBlockConfiguration"] = {
                k: true(v) for k, v in props["PublicAccessBlockConfiguration"].items()
            }
        ctx.call("Name", s3control.create_access_point, **create)
    if "Policy" in props:
        ctx.call(
            "Policy",
            s3control.put_access_point_policy,
            AccountId=account,
            Name=name,
            Policy=doc(props["Policy"]),
        )


def _verify_access_point(c: VerifyContext) -> None:
    s3control, name, props, account = c.client("s3control"), c.physical_id, c.props, c.stack.account
    found = c.read("Name", s3control.get_access_point, AccountId=account, Name=name)
    c.equal("Bucket", props["Bucket"], found.get("Bucket"))
    c.equal("VpcConfiguration", props.get("VpcConfiguration"), found.get("VpcConfiguration"))
    c.equal("NetworkOrigin", "VPC" if props.get("VpcConfiguration") else "Internet", found.get("NetworkOrigin"))
    expected_pab = {
        **_PAB_DEFAULT,
        **{k: true(v) for k, v in (props.get("PublicAccessBlockConfiguration") or {}).items()},
    }
    c.equal("PublicAccessBlockConfiguration", expected_pab, found.get("PublicAccessBlockConfiguration"))
    if "Policy" in props:
        policy = c.read("Policy", s3control.get_access_point_policy, AccountId=account, Name=name)["Policy"]
        c.document("Policy", props["Policy"], policy)
        return
    try:
        policy = s3control.get_access_point_policy(AccountId=account, Name=name)["Policy"]
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "NoSuchAccessPointPolicy":
            return
        raise c.fail("Policy", "none", str(exc)) from None
    raise c.fail("Policy", "none", policy)


APPLIERS: dict[str, Callable[[ApplyContext], None]] = {"AWS::S3::AccessPoint": _access_point}
VERIFIERS: dict[str, Callable[[VerifyContext], None]] = {"AWS::S3::AccessPoint": _verify_access_point}
