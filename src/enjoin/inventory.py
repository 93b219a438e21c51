"""Inventory: read accounts back into a :class:`~enjoin.snapshot.Snapshot`, with read-only calls only.

The same code reads moto (in process or a server) and a live account, so it handles absent
configuration the way AWS reports it (NoSuchBucketPolicy, ServerSideEncryptionConfigurationNotFoundError,
NoSuchPublicAccessBlockConfiguration, OwnershipControlsNotFoundError, NoSuchTagSet: the bucket simply
has none). Any other error (AccessDenied, throttling past the retries) is an InventoryError: a
snapshot with a hole would let the judgment call something unreachable that is not.

Calls: iam get_account_authorization_details (paginated; customer managed policies with it, the
AWS-managed policies attached to a principal with get_policy and get_policy_version), s3 list_buckets
(the buckets of the account whose client lists them), get_bucket_location, get_bucket_policy,
get_bucket_encryption, get_public_access_block, get_bucket_ownership_controls, get_bucket_tagging;
kms list_keys, describe_key, get_key_policy, list_aliases, list_resource_tags (customer managed keys);
organizations describe_organization, list_parents, list_policies_for_target, describe_policy (only
when no Organization is given).

Policy documents are parsed JSON objects (AWS returns them URL-encoded; boto3 decodes IAM's). A
document that is not JSON (moto's Python repr of a policy stored as an object) is an InventoryError
naming the principal and the policy.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Sequence
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError  # type: ignore[import-untyped]  # botocore ships no type stubs

from enjoin.backends import Backend
from enjoin.errors import InventoryError
from enjoin.snapshot import (
    Bucket,
    Document,
    Group,
    Key,
    ManagedPolicy,
    NamedPolicy,
    Organization,
    Role,
    Snapshot,
    User,
)

# Error codes with which S3 says "this bucket has no such configuration".
_ABSENT = frozenset(
    {
        "NoSuchBucketPolicy",
        "ServerSideEncryptionConfigurationNotFoundError",
        "NoSuchPublicAccessBlockConfiguration",
        "OwnershipControlsNotFoundError",
        "NoSuchTagSet",
    }
)


def inventory(
    backend: Backend, accounts: Sequence[str], region: str, organization: Organization | None = None
) -> Snapshot:
    """Read every account into one Snapshot.

    Args:
        backend: where the accounts are.
        accounts: 12-digit account ids.
        region: the region of the regional resources (KMS keys); buckets of every region are read.
        organization: the organisation policies, when known otherwise (deploy builds them from the
            config); None reads them from AWS Organizations (none when the account is in no organisation).

    Raises:
        InventoryError: a read failed, or a policy document read back is not JSON.
    """
    users: list[User] = []
    groups: list[Group] = []
    roles: list[Role] = []
    policies: dict[str, ManagedPolicy] = {}
    buckets: list[Bucket] = []
    keys: list[Key] = []
    for account in accounts:
        _read_iam(backend, account, region, users, groups, roles, policies)
        buckets.extend(_read_buckets(backend, account, region))
        keys.extend(_read_keys(backend, account, region))
    if organization is None:
        organization = _read_organization(backend, accounts, region)
    return Snapshot(
        accounts=tuple(accounts),
        users=tuple(users),
        groups=tuple(groups),
        roles=tuple(roles),
        policies=tuple(policies[arn] for arn in sorted(policies)),
        buckets=tuple(buckets),
        keys=tuple(keys),
        organization=organization,
    )


def _call(where: str, fn: Any, **kwargs: Any) -> Any:
    try:
        return fn(**kwargs)
    except ClientError as exc:
        error = exc.response.get("Error", {})
        raise InventoryError(
            where, "a successful read-only call", f"{error.get('Code')}: {error.get('Message')}"
        ) from None
    except BotoCoreError as exc:
        raise InventoryError(where, "a reachable backend", str(exc)) from None
    except Exception as exc:  # in-process moto fails with its own exceptions
        raise InventoryError(where, "a successful read-only call", f"{type(exc).__name__}: {exc}") from None


def _optional(where: str, fn: Any, **kwargs: Any) -> Any | None:
    """A read whose 'not configured' answer is None; any other failure is an InventoryError."""
    try:
        return fn(**kwargs)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in _ABSENT:
            return None
        error = exc.response.get("Error", {})
        raise InventoryError(
            where, "a successful read-only call", f"{error.get('Code')}: {error.get('Message')}"
        ) from None
    except BotoCoreError as exc:
        raise InventoryError(where, "a reachable backend", str(exc)) from None
    except Exception as exc:  # in-process moto fails with its own exceptions
        raise InventoryError(where, "a successful read-only call", f"{type(exc).__name__}: {exc}") from None


def document(value: Any, where: str) -> Document:
    """A policy document as a dict, from what the API returned (a dict, JSON text or URL-encoded JSON)."""
    if isinstance(value, dict):
        return value
    if isinstance(value, str):
        for text in (value, urllib.parse.unquote(value)):
            try:
                parsed = json.loads(text)
            except json.JSONDecodeError:
                continue
            if isinstance(parsed, dict):
                return parsed
    raise InventoryError(where, "a policy document in JSON", repr(value)[:200])


def _tags(tags: Any) -> dict[str, str]:
    return {str(t["Key"]): str(t["Value"]) for t in tags or []}


def _inline(entries: Any, owner: str) -> tuple[NamedPolicy, ...]:
    return tuple(
        NamedPolicy(
            p["PolicyName"], document(p["PolicyDocument"], f"{owner}: inline policy {p['PolicyName']}")
        )
        for p in entries or []
    )


def _attached(entries: Any) -> tuple[str, ...]:
    return tuple(sorted(p["PolicyArn"] for p in entries or []))


def _boundary(entry: Any) -> str | None:
    return (entry.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn")


def _read_iam(
    backend: Backend,
    account: str,
    region: str,
    users: list[User],
    groups: list[Group],
    roles: list[Role],
    policies: dict[str, ManagedPolicy],
) -> None:
    iam = backend.client("iam", account, region)
    where = f"account {account}: iam get_account_authorization_details"
    details: dict[str, list[Any]] = {
        "UserDetailList": [],
        "GroupDetailList": [],
        "RoleDetailList": [],
        "Policies": [],
    }
    try:
        pages = iam.get_paginator("get_account_authorization_details").paginate(
            Filter=["User", "Role", "Group", "LocalManagedPolicy"]
        )
        for page in pages:
            for key, items in details.items():
                items.extend(page.get(key, []))
    except ClientError as exc:
        error = exc.response.get("Error", {})
        raise InventoryError(
            where, "a successful read-only call", f"{error.get('Code')}: {error.get('Message')}"
        ) from None
    except BotoCoreError as exc:
        raise InventoryError(where, "a reachable backend", str(exc)) from None
    except Exception as exc:  # in-process moto fails with its own exceptions
        raise InventoryError(where, "a successful read-only call", f"{type(exc).__name__}: {exc}") from None
    group_arns = {g["GroupName"]: g["Arn"] for g in details["GroupDetailList"]}
    attached_aws: set[str] = set()
    for g in details["GroupDetailList"]:
        groups.append(
            Group(
                arn=g["Arn"],
                name=g["GroupName"],
                account=account,
                path=g.get("Path", "/"),
                inline_policies=_inline(g.get("GroupPolicyList"), g["Arn"]),
                managed_policy_arns=_attached(g.get("AttachedManagedPolicies")),
            )
        )
    for u in details["UserDetailList"]:
        missing = [name for name in u.get("GroupList", []) if name not in group_arns]
        if missing:
            raise InventoryError(f"{u['Arn']}: groups", "groups listed in the same account", str(missing))
        users.append(
            User(
                arn=u["Arn"],
                name=u["UserName"],
                account=account,
                user_id=u.get("UserId", ""),
                path=u.get("Path", "/"),
                tags=_tags(u.get("Tags")),
                inline_policies=_inline(u.get("UserPolicyList"), u["Arn"]),
                managed_policy_arns=_attached(u.get("AttachedManagedPolicies")),
                group_arns=tuple(sorted(group_arns[name] for name in u.get("GroupList", []))),
                permissions_boundary_arn=_boundary(u),
            )
        )
    for r in details["RoleDetailList"]:
        roles.append(
            Role(
                arn=r["Arn"],
                name=r["RoleName"],
                account=account,
                trust_policy=document(r.get("AssumeRolePolicyDocument"), f"{r['Arn']}: trust policy"),
                role_id=r.get("RoleId", ""),
                path=r.get("Path", "/"),
                tags=_tags(r.get("Tags")),
                inline_policies=_inline(r.get("RolePolicyList"), r["Arn"]),
                managed_policy_arns=_attached(r.get("AttachedManagedPolicies")),
                permissions_boundary_arn=_boundary(r),
            )
        )
    for p in details["Policies"]:
        default = next((v for v in p.get("PolicyVersionList", []) if v.get("IsDefaultVersion")), None)
        if default is None:
            raise InventoryError(f"{p['Arn']}", "a managed policy with a default version", "none")
        name = p.get("PolicyName") or p["Arn"].rsplit("/", 1)[-1]  # moto omits PolicyName here
        policies[p["Arn"]] = ManagedPolicy(
            p["Arn"], name, document(default["Document"], f"{p['Arn']}: default version")
        )
    # AWS-managed policies: only those this account's principals use (there are over a thousand).
    everyone: list[User | Group | Role] = [*users, *groups, *roles]
    mine = [p for p in everyone if p.account == account]
    for principal in mine:
        attached_aws.update(a for a in principal.managed_policy_arns if a.split(":")[4] == "aws")
        boundary = getattr(principal, "permissions_boundary_arn", None)
        if boundary and boundary.split(":")[4] == "aws":
            attached_aws.add(boundary)
    for arn in sorted(attached_aws - set(policies)):
        policy = _call(f"{arn}: iam get_policy", iam.get_policy, PolicyArn=arn)["Policy"]
        version = _call(
            f"{arn}: iam get_policy_version",
            iam.get_policy_version,
            PolicyArn=arn,
            VersionId=policy["DefaultVersionId"],
        )["PolicyVersion"]
        policies[arn] = ManagedPolicy(
            arn, policy["PolicyName"], document(version["Document"], f"{arn}: default version")
        )


def _read_buckets(backend: Backend, account: str, region: str) -> list[Bucket]:
    s3 = backend.client("s3", account, region)
    listed = _call(f"account {account}: s3 list_buckets", s3.list_buckets).get("Buckets", [])
    buckets = []
    for entry in sorted(listed, key=lambda b: b["Name"]):
        name = entry["Name"]
        where = f"account {account}: bucket {name}"
        location = _call(f"{where}: get_bucket_location", s3.get_bucket_location, Bucket=name)
        bucket_region = location.get("LocationConstraint") or "us-east-1"
        if bucket_region == "EU":  # the legacy name of eu-west-1
            bucket_region = "eu-west-1"
        policy = _optional(f"{where}: get_bucket_policy", s3.get_bucket_policy, Bucket=name)
        encryption = _optional(f"{where}: get_bucket_encryption", s3.get_bucket_encryption, Bucket=name)
        pab = _optional(f"{where}: get_public_access_block", s3.get_public_access_block, Bucket=name)
        ownership = _optional(
            f"{where}: get_bucket_ownership_controls", s3.get_bucket_ownership_controls, Bucket=name
        )
        tagging = _optional(f"{where}: get_bucket_tagging", s3.get_bucket_tagging, Bucket=name)
        sse_algorithm, kms_key_id, bucket_key = _encryption(encryption, where)
        rules = (ownership or {}).get("OwnershipControls", {}).get("Rules", [])
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
                ownership=rules[0].get("ObjectOwnership") if rules else None,
                tags=_tags((tagging or {}).get("TagSet")),
            )
        )
    return buckets


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


def _read_keys(backend: Backend, account: str, region: str) -> list[Key]:
    kms = backend.client("kms", account, region)
    where = f"account {account}: kms in {region}"
    key_ids: list[str] = []
    aliases: dict[str, list[str]] = {}
    try:
        for page in kms.get_paginator("list_keys").paginate():
            key_ids.extend(k["KeyId"] for k in page.get("Keys", []))
        for page in kms.get_paginator("list_aliases").paginate():
            for alias in page.get("Aliases", []):
                if alias.get("TargetKeyId"):
                    aliases.setdefault(alias["TargetKeyId"], []).append(alias["AliasArn"])
    except ClientError as exc:
        error = exc.response.get("Error", {})
        raise InventoryError(
            where, "a successful read-only call", f"{error.get('Code')}: {error.get('Message')}"
        ) from None
    keys = []
    for key_id in key_ids:
        meta = _call(f"{where}: describe_key {key_id}", kms.describe_key, KeyId=key_id)["KeyMetadata"]
        policy = _call(
            f"{where}: get_key_policy {key_id}", kms.get_key_policy, KeyId=key_id, PolicyName="default"
        )
        tags: dict[str, str] = {}
        if meta.get("KeyManager") != "AWS":  # AWS managed keys refuse ListResourceTags
            listed = _call(f"{where}: list_resource_tags {key_id}", kms.list_resource_tags, KeyId=key_id)
            tags = {t["TagKey"]: t["TagValue"] for t in listed.get("Tags", [])}
        keys.append(
            Key(
                arn=meta["Arn"],
                key_id=key_id,
                account=account,
                region=region,
                policy=document(policy["Policy"], f"{meta['Arn']}: key policy"),
                aliases=tuple(sorted(aliases.get(key_id, []))),
                tags=tags,
            )
        )
    return sorted(keys, key=lambda k: k.arn)


def _read_organization(backend: Backend, accounts: Sequence[str], region: str) -> Organization:
    """SCPs per account from AWS Organizations: levels root first, account last; none outside one."""
    scps: dict[str, tuple[tuple[Document, ...], ...]] = {}
    paths: dict[str, str] = {}
    org_id: str | None = None
    for account in accounts:
        org = backend.client("organizations", account, region)
        try:
            org_id = org.describe_organization()["Organization"]["Id"]
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "AWSOrganizationsNotInUseException":
                continue
            error = exc.response.get("Error", {})
            raise InventoryError(
                f"account {account}: organizations describe_organization",
                "a successful read-only call",
                f"{error.get('Code')}: {error.get('Message')}",
            ) from None
        chain = [account]
        while True:  # account -> OU ... -> root
            parents = _call(
                f"account {account}: organizations list_parents", org.list_parents, ChildId=chain[-1]
            )
            parent = parents["Parents"][0]
            chain.append(parent["Id"])
            if parent["Type"] == "ROOT":
                break
        levels = []
        for target in reversed(chain):
            listed = _call(
                f"{target}: organizations list_policies_for_target",
                org.list_policies_for_target,
                TargetId=target,
                Filter="SERVICE_CONTROL_POLICY",
            )
            docs = []
            for summary in listed.get("Policies", []):
                described = _call(
                    f"{summary['Id']}: describe_policy", org.describe_policy, PolicyId=summary["Id"]
                )
                docs.append(document(described["Policy"]["Content"], f"SCP {summary['Id']}"))
            levels.append(tuple(docs))
        scps[account] = tuple(levels)
        paths[account] = f"{org_id}/" + "/".join(reversed(chain[1:])) + "/"
    return Organization(org_id=org_id, scps=scps, paths=paths)
