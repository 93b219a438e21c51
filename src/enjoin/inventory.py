"""Inventory: read accounts back into a :class:`~enjoin.snapshot.Snapshot`, with read-only calls only.

The same code reads moto (in process or a server) and a live account, so it handles absent
configuration the way AWS reports it (NoSuchBucketPolicy, ...: the resource simply has none; see
:mod:`enjoin.inventory_calls`). Any other error (AccessDenied, throttling past the retries) is an
InventoryError: a snapshot with a hole would let the judgment call something unreachable that is not.

Calls: iam get_account_authorization_details (paginated; customer managed policies with it, every version, the
AWS-managed policies attached to a principal with get_policy and get_policy_version), get_login_profile
per user (NoSuchEntity: the user has no console password), list_access_keys per user, list_saml_providers,
list_open_id_connect_providers; S3 buckets and access points
(:mod:`enjoin.inventory_s3`); kms list_keys, describe_key, get_key_policy, list_aliases,
list_resource_tags and list_grants (customer managed keys,
:mod:`enjoin.inventory_grants`); lambda list_functions, get_policy; Glue tables and Lake
Formation grants (:mod:`enjoin.inventory_lake`); existing compute that runs as a role
(:mod:`enjoin.inventory_compute`) and the ECR repositories of the images it runs (:mod:`enjoin.inventory_ecr`);
organizations describe_organization, list_parents,
list_policies_for_target, describe_policy (only when no Organization is given). Regional resources
(keys, access points, functions, tables, grants) are read in the inventory's region; buckets of
every region.

What a deployment declares where the backend cannot hold it (:class:`Declared`: a replication rule's
prefix and KMS-object setting, which moto reads back empty) replaces the read-back; over a live
account there is no Declared and the read-back is all there is.

Policy documents are parsed JSON objects (AWS returns them URL-encoded; boto3 decodes IAM's). A
document that is not JSON (moto's Python repr of a policy stored as an object) is an InventoryError
naming the principal and the policy.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError  # type: ignore[import-untyped]  # botocore ships no type stubs

from enjoin.backends import Backend
from enjoin.errors import InventoryError
from enjoin.inventory_calls import ReadDenied, document, gap, lambda_principal, optional, pages
from enjoin.inventory_calls import call as _call
from enjoin.inventory_calls import tags as tags_of_api
from enjoin.inventory_compute import read_compute
from enjoin.inventory_ecr import read_repositories
from enjoin.inventory_grants import read_key_grants
from enjoin.inventory_lake import read_admins, read_grants, read_tables
from enjoin.inventory_s3 import read_access_points, read_buckets
from enjoin.longlived import frozen
from enjoin.snapshot import (
    AccessPoint,
    Bucket,
    Compute,
    Construct,
    Distribution,
    Document,
    Function,
    Group,
    IdentityProvider,
    Key,
    LakeFormationGrant,
    ManagedPolicy,
    NamedPolicy,
    Organization,
    PolicyVersion,
    ReplicationRule,
    Repository,
    Role,
    Snapshot,
    Table,
    User,
)

__all__ = ["Declared", "document", "inventory"]


@dataclass(frozen=True, slots=True)
class Declared:
    """What a deployment's templates declare where the backend cannot hold it faithfully.

    Attributes:
        replication: (account, bucket name) -> (replication role, rules) for every bucket whose
            template declares a ReplicationConfiguration.
    """

    replication: Mapping[tuple[str, str], tuple[str, tuple[ReplicationRule, ...]]] = field(default_factory=dict)
    # What the templates declare and enjoin did not deploy (inert or unmodeled), carried to reach.
    constructs: tuple[Construct, ...] = ()
    # CloudFront distributions, judged from the templates (the emulator cannot hold them).
    distributions: tuple[Distribution, ...] = ()


# (accounts read so far, accounts to read, the account just read)
Progress = Callable[[int, int, str], None]


def inventory(
    backend: Backend,
    accounts: Sequence[str],
    region: str,
    organization: Organization | None = None,
    declared: Declared | None = None,
    progress: Progress | None = None,
) -> Snapshot:
    """Read every account into one Snapshot.

    Args:
        backend: where the accounts are.
        accounts: 12-digit account ids.
        region: the region of the regional resources (KMS keys, access points, functions, tables);
            buckets of every region are read.
        organization: the organisation policies, when known otherwise (deploy builds them from the
            config); None reads them from AWS Organizations (none when the account is in no organisation).
        declared: what a deployment declares where the backend cannot hold it
            (``Deployment.declared()``); None over a live account.
        progress: called with (accounts read, accounts, the account just read) as each account is done.

    Raises:
        InventoryError: a read failed, a policy document read back is not JSON, or a grant cannot
            be represented.
    """
    with frozen():  # the accounts' state outlives the reading: keep it out of the collector's way
        return _inventory(backend, accounts, region, organization, declared, progress)


@dataclass
class _Part:
    """What one account's reading gives (merged in the accounts' order, whatever order they finish in)."""

    users: list[User] = field(default_factory=list)
    groups: list[Group] = field(default_factory=list)
    roles: list[Role] = field(default_factory=list)
    policies: dict[str, ManagedPolicy] = field(default_factory=dict)
    providers: list[IdentityProvider] = field(default_factory=list)
    buckets: list[Bucket] = field(default_factory=list)
    access_points: list[AccessPoint] = field(default_factory=list)
    keys: list[Key] = field(default_factory=list)
    functions: list[Function] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    grants: list[LakeFormationGrant] = field(default_factory=list)
    lake_admins: list[str] = field(default_factory=list)
    compute: list[Compute] = field(default_factory=list)
    repositories: list[Repository] = field(default_factory=list)
    gaps: list[Construct] = field(default_factory=list)


def _read_account(backend: Backend, account: str, region: str, replication: Any) -> _Part:
    part = _Part()
    _read_iam(backend, account, region, part.users, part.groups, part.roles, part.policies)
    part.providers.extend(_read_identity_providers(backend, account, region))
    part.buckets.extend(read_buckets(backend, account, region, replication, part.gaps))
    part.access_points.extend(read_access_points(backend, account, region, part.gaps))
    part.keys.extend(_read_keys(backend, account, region, part.gaps))
    trusting_lambda = tuple(r.arn for r in part.roles if _trusts(r, "lambda.amazonaws.com"))
    part.functions.extend(_read_functions(backend, account, region, part.gaps, trusting_lambda))
    try:
        account_tables = read_tables(backend, account, region)
        part.tables.extend(account_tables)
        part.grants.extend(read_grants(backend, account, region, account_tables))
        part.lake_admins.extend(read_admins(backend, account, region))
    except ReadDenied as denied:
        # The catalog or its grants: every table's holdings are in doubt (those of other accounts too, since a
        # grant here may name them).
        part.gaps.append(gap(denied, account, "glue/lakeformation", f"the Data Catalog of {account}", tables=("*",)))
    part.compute.extend(read_compute(backend, account, region))
    part.repositories.extend(read_repositories(backend, account, region))
    return part


def _read_accounts(
    backend: Backend, accounts: Sequence[str], region: str, replication: Any, progress: Progress | None
) -> list[_Part]:
    """Each account's part, in the accounts' order. A backend that says how many accounts it may read at once
    (``readers``, the live backend) has them read concurrently; the emulators read one after another."""
    workers = max(1, min(int(getattr(backend, "readers", 1) or 1), len(accounts)))
    if workers == 1:
        parts = []
        for done, account in enumerate(accounts, 1):
            parts.append(_read_account(backend, account, region, replication))
            if progress is not None:
                progress(done, len(accounts), account)
        return parts
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="enjoin-inventory") as pool:
        futures = {pool.submit(_read_account, backend, a, region, replication): a for a in accounts}
        by_account: dict[str, _Part] = {}
        try:
            for done, future in enumerate(as_completed(futures), 1):
                by_account[futures[future]] = future.result()  # the first failure stops the reading
                if progress is not None:
                    progress(done, len(accounts), futures[future])
        except BaseException:
            for future in futures:
                future.cancel()
            raise
    return [by_account[a] for a in accounts]


def _inventory(
    backend: Backend,
    accounts: Sequence[str],
    region: str,
    organization: Organization | None,
    declared: Declared | None,
    progress: Progress | None = None,
) -> Snapshot:
    replication = declared.replication if declared is not None else None
    parts = _read_accounts(backend, accounts, region, replication, progress)
    users = [u for part in parts for u in part.users]
    groups = [g for part in parts for g in part.groups]
    roles = [r for part in parts for r in part.roles]
    policies: dict[str, ManagedPolicy] = {}
    for part in parts:
        policies.update(part.policies)
    buckets = [b for part in parts for b in part.buckets]
    keys = [k for part in parts for k in part.keys]
    access_points = [a for part in parts for a in part.access_points]
    providers = [p for part in parts for p in part.providers]
    functions = [f for part in parts for f in part.functions]
    tables = [t for part in parts for t in part.tables]
    grants = [g for part in parts for g in part.grants]
    lake_admins = [a for part in parts for a in part.lake_admins]
    compute = [c for part in parts for c in part.compute]
    repositories = [r for part in parts for r in part.repositories]
    gaps = [g for part in parts for g in part.gaps]
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
        access_points=tuple(access_points),
        identity_providers=tuple(providers),
        functions=tuple(functions),
        tables=tuple(tables),
        lake_formation_grants=tuple(grants),
        lake_admins=tuple(lake_admins),
        constructs=declared.constructs if declared is not None else (),
        distributions=declared.distributions if declared is not None else (),
        compute=tuple(compute),
        repositories=tuple(repositories),
        gaps=tuple(gaps),
    )


def _inline(entries: Any, owner: str) -> tuple[NamedPolicy, ...]:
    return tuple(
        NamedPolicy(p["PolicyName"], document(p["PolicyDocument"], f"{owner}: inline policy {p['PolicyName']}"))
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
                tags=tags_of_api(u.get("Tags")),
                inline_policies=_inline(u.get("UserPolicyList"), u["Arn"]),
                managed_policy_arns=_attached(u.get("AttachedManagedPolicies")),
                group_arns=tuple(sorted(group_arns[name] for name in u.get("GroupList", []))),
                permissions_boundary_arn=_boundary(u),
                login_profile=_has_login_profile(iam, u["UserName"], u["Arn"]),
                **_access_keys(iam, u["UserName"], u["Arn"]),
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
                tags=tags_of_api(r.get("Tags")),
                inline_policies=_inline(r.get("RolePolicyList"), r["Arn"]),
                managed_policy_arns=_attached(r.get("AttachedManagedPolicies")),
                permissions_boundary_arn=_boundary(r),
                instance_profiles=tuple(sorted(i["Arn"] for i in r.get("InstanceProfileList") or ())),
            )
        )
    for p in details["Policies"]:
        default = next((v for v in p.get("PolicyVersionList", []) if v.get("IsDefaultVersion")), None)
        if default is None:
            raise InventoryError(f"{p['Arn']}", "a managed policy with a default version", "none")
        name = p.get("PolicyName") or p["Arn"].rsplit("/", 1)[-1]  # moto omits PolicyName here
        others = tuple(
            PolicyVersion(str(v["VersionId"]), document(v["Document"], f"{p['Arn']}: version {v['VersionId']}"))
            for v in p.get("PolicyVersionList", [])
            if not v.get("IsDefaultVersion")
        )
        policies[p["Arn"]] = ManagedPolicy(
            p["Arn"], name, document(default["Document"], f"{p['Arn']}: default version"), others
        )
    # AWS-managed policies: only those this account's principals use (there are over a thousand).
    everyone: list[User | Group | Role] = [*users, *groups, *roles]
    mine = [p for p in everyone if p.account == account]
    for principal in mine:
        attached_aws.update(a for a in principal.managed_policy_arns if a.split(":")[4] == "aws")
        boundary = getattr(principal, "permissions_boundary_arn", None)
        if boundary and boundary.split(":")[4] == "aws":
            attached_aws.add(boundary)
    # And those a policy names as what may be attached or set as a boundary: reach asks whether they can be.
    documents = [pol.document for pr in mine for pol in pr.inline_policies]
    documents += [p.document for p in policies.values() if p.arn.split(":")[4] == account]
    documents += [v.document for p in policies.values() if p.arn.split(":")[4] == account for v in p.other_versions]
    named = {arn for doc in documents for arn in named_aws_policies(doc)} - attached_aws - set(policies)
    for arn in sorted(named):
        policy = optional(f"{arn}: iam get_policy", iam.get_policy, frozenset({"NoSuchEntity"}), PolicyArn=arn)
        if policy is not None:  # a name no AWS managed policy has: attaching it fails, nothing to read
            attached_aws.add(arn)
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


_POLICY_KEYS = frozenset({"iam:policyarn", "iam:permissionsboundary"})


def named_aws_policies(document: Any) -> set[str]:
    """The AWS managed policy ARNs (without wildcards) a policy's conditions on ``iam:PolicyARN`` or
    ``iam:PermissionsBoundary`` name: the policies it may let a principal attach or set as a boundary."""
    found: set[str] = set()
    statements = document.get("Statement") if isinstance(document, Mapping) else None
    for stmt in statements if isinstance(statements, list) else [statements]:
        condition = stmt.get("Condition") if isinstance(stmt, Mapping) else None
        for block in condition.values() if isinstance(condition, Mapping) else ():
            for key, values in block.items() if isinstance(block, Mapping) else ():
                if str(key).lower() not in _POLICY_KEYS:
                    continue
                for value in values if isinstance(values, list) else [values]:
                    text = str(value)
                    if ":iam::aws:policy/" in text and not any(c in text for c in "*?$"):
                        found.add(text)
    return found


def _access_keys(iam: Any, name: str, arn: str) -> dict[str, int]:
    """How many access keys the user has, and how many are active (IAM ListAccessKeys, paginated)."""
    keys = pages(f"{arn}: iam list_access_keys", iam.list_access_keys, "AccessKeyMetadata",
                 token="Marker", UserName=name)
    return {"access_keys": len(keys), "active_access_keys": sum(k.get("Status") == "Active" for k in keys)}


def _has_login_profile(iam: Any, name: str, arn: str) -> bool:
    """Whether the user has a console password.

    "If the user does not exist or does not have a password, the operation returns a 404 (NoSuchEntity)
    error" (IAM API Reference, GetLoginProfile:
    https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetLoginProfile.html); the user was just listed.
    """
    absent = frozenset({"NoSuchEntity"})
    return optional(f"{arn}: iam get_login_profile", iam.get_login_profile, absent, UserName=name) is not None


def _read_identity_providers(backend: Backend, account: str, region: str) -> list[IdentityProvider]:
    iam = backend.client("iam", account, region)
    where = f"account {account}: iam"
    saml = _call(f"{where} list_saml_providers", iam.list_saml_providers).get("SAMLProviderList", [])
    oidc = _call(f"{where} list_open_id_connect_providers", iam.list_open_id_connect_providers).get(
        "OpenIDConnectProviderList", []
    )
    providers = [IdentityProvider(p["Arn"], account, "saml") for p in saml]
    providers += [IdentityProvider(p["Arn"], account, "oidc") for p in oidc]
    return sorted(providers, key=lambda p: p.arn)


def _function_policy(policy: Document) -> Document:
    """A function's policy with each Principal in AWS's form (moto 5.2.1 leaves an account id bare)."""
    statements = policy.get("Statement", [])
    fixed = [
        {**s, "Principal": lambda_principal(s["Principal"])} if isinstance(s, dict) and "Principal" in s else s
        for s in (statements if isinstance(statements, list) else [statements])
    ]
    return {**policy, "Statement": fixed}


def _read_functions(
    backend: Backend,
    account: str,
    region: str,
    gaps: list[Construct] | None = None,
    trusting_lambda: tuple[str, ...] = (),
) -> list[Function]:
    """The account's functions. ``gaps``: functions that cannot be listed put in doubt what the roles Lambda may
    assume (``trusting_lambda``) can read; a function whose policy cannot be read, what its role can read."""
    lam = backend.client("lambda", account, region)
    where = f"account {account}: lambda in {region}"
    try:
        listed = pages(
            f"{where}: list_functions", lam.list_functions, "Functions", token="NextMarker", marker="Marker"
        )
    except ReadDenied as denied:
        if gaps is None:
            raise
        gaps.append(gap(denied, account, "lambda:ListFunctions", f"the functions of {account}", roles=trusting_lambda))
        return []
    functions = []
    for entry in sorted(listed, key=lambda f: f["FunctionArn"]):
        name = entry["FunctionName"]
        try:
            policy = optional(
                f"{where}: get_policy {name}",
                lam.get_policy,
                frozenset({"ResourceNotFoundException"}),
                FunctionName=name,
            )
        except ReadDenied as denied:
            if gaps is None:
                raise
            gaps.append(gap(denied, account, "lambda:GetPolicy", entry["FunctionArn"], roles=(entry["Role"],)))
            policy = None
        functions.append(
            Function(
                arn=entry["FunctionArn"],
                name=name,
                account=account,
                region=region,
                role_arn=entry["Role"],
                policy=_function_policy(document(policy["Policy"], f"{entry['FunctionArn']}: function policy"))
                if policy
                else None,
                package_type=entry.get("PackageType"),
            )
        )
    return functions


def _trusts(role: Role, service: str) -> bool:
    """Whether the role's trust policy names the service principal in some Allow statement."""
    statements = role.trust_policy.get("Statement", [])
    for stmt in statements if isinstance(statements, list) else [statements]:
        principal = stmt.get("Principal") if isinstance(stmt, Mapping) else None
        named = principal.get("Service", []) if isinstance(principal, Mapping) else []
        if stmt.get("Effect") == "Allow" and service in (named if isinstance(named, list) else [named]):
            return True
    return False


def _read_keys(backend: Backend, account: str, region: str, gaps: list[Construct] | None = None) -> list[Key]:
    """The account's keys; ``gaps``: a key whose policy or tags cannot be read is kept with no statements (no one
    may use it) and a gap that puts the holdings it encrypts in doubt."""
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
        closed: Document = {"Version": "2012-10-17", "Statement": []}
        try:
            policy = document(
                _call(f"{where}: get_key_policy {key_id}", kms.get_key_policy, KeyId=key_id, PolicyName="default")[
                    "Policy"
                ],
                f"{meta['Arn']}: key policy",
            )
        except ReadDenied as denied:
            if gaps is None:
                raise
            gaps.append(gap(denied, account, "kms:GetKeyPolicy", meta["Arn"], keys=(meta["Arn"],)))
            policy = closed
        tags: dict[str, str] = {}
        if meta.get("KeyManager") != "AWS":  # AWS managed keys refuse ListResourceTags
            try:
                listed = _call(f"{where}: list_resource_tags {key_id}", kms.list_resource_tags, KeyId=key_id)
                tags = {t["TagKey"]: t["TagValue"] for t in listed.get("Tags", [])}
            except ReadDenied as denied:
                if gaps is None:
                    raise
                gaps.append(gap(denied, account, "kms:ListResourceTags", meta["Arn"], keys=(meta["Arn"],)))
        managed = meta.get("KeyManager") == "AWS"
        grants = () if managed else read_key_grants(kms, where, account, meta["Arn"], key_id, gaps)
        keys.append(
            Key(
                arn=meta["Arn"],
                key_id=key_id,
                account=account,
                region=region,
                policy=policy,
                aliases=tuple(sorted(aliases.get(key_id, []))),
                tags=tags,
                grants=grants,
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
            parents = _call(f"account {account}: organizations list_parents", org.list_parents, ChildId=chain[-1])
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
                described = _call(f"{summary['Id']}: describe_policy", org.describe_policy, PolicyId=summary["Id"])
                docs.append(document(described["Policy"]["Content"], f"SCP {summary['Id']}"))
            levels.append(tuple(docs))
        scps[account] = tuple(levels)
        paths[account] = f"{org_id}/" + "/".join(reversed(chain[1:])) + "/"
    return Organization(org_id=org_id, scps=scps, paths=paths)
