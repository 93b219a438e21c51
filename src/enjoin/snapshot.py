"""A Snapshot: what an AWS organisation's accounts hold that bears on access, as plain data.

The inventory produces it with read-only calls; reach consumes it. It saves to and loads from JSON
so that a nightly run can keep it and two snapshots can be compared (drift). Policy documents are
stored as parsed JSON objects (dicts), exactly as AWS returns them after URL-decoding.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, TypeVar

from enjoin.errors import InventoryError

Document = dict[str, Any]


@dataclass(frozen=True, slots=True)
class NamedPolicy:
    """An inline policy: its name and document."""

    name: str
    document: Document


@dataclass(frozen=True, slots=True)
class PolicyVersion:
    """A version of a customer managed policy that is not its default one (up to four are kept)."""

    version_id: str
    document: Document


@dataclass(frozen=True, slots=True)
class ManagedPolicy:
    """A managed policy (customer or AWS managed) with its default version's document.

    ``other_versions``: the customer managed policy's versions that are not the default; whoever may
    ``iam:SetDefaultPolicyVersion`` on it can make any of them what every principal it is attached to has.
    """

    arn: str
    name: str
    document: Document
    other_versions: tuple[PolicyVersion, ...] = ()


@dataclass(frozen=True, slots=True)
class User:
    arn: str
    name: str
    account: str
    user_id: str = ""  # AIDA... unique id, for aws:userid
    path: str = "/"
    tags: dict[str, str] = field(default_factory=dict)
    inline_policies: tuple[NamedPolicy, ...] = ()
    managed_policy_arns: tuple[str, ...] = ()
    group_arns: tuple[str, ...] = ()
    permissions_boundary_arn: str | None = None
    # A console password (IAM GetLoginProfile): True or False as read back; None in a snapshot saved before
    # enjoin read it, where reach takes either as possible.
    login_profile: bool | None = None
    # Its access keys (IAM ListAccessKeys): how many, and how many are active; None where not read. The ids are
    # not kept: they change nothing reach decides, and differ between the emulator and the accounts.
    access_keys: int | None = None
    active_access_keys: int | None = None


@dataclass(frozen=True, slots=True)
class Group:
    arn: str
    name: str
    account: str
    path: str = "/"
    inline_policies: tuple[NamedPolicy, ...] = ()
    managed_policy_arns: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Role:
    arn: str
    name: str
    account: str
    trust_policy: Document
    role_id: str = ""  # AROA... unique id, for aws:userid of its sessions
    path: str = "/"
    tags: dict[str, str] = field(default_factory=dict)
    inline_policies: tuple[NamedPolicy, ...] = ()
    managed_policy_arns: tuple[str, ...] = ()
    permissions_boundary_arn: str | None = None
    instance_profiles: tuple[str, ...] = ()  # ARNs of the instance profiles that hold it (EC2 runs it through one)


@dataclass(frozen=True, slots=True)
class Bucket:
    """An S3 bucket. ``arn`` is ``arn:aws:s3:::name``; objects are ``arn:aws:s3:::name/key``."""

    arn: str
    name: str
    account: str
    region: str
    policy: Document | None = None
    # Default encryption: "AES256", "aws:kms", "aws:kms:dsse" or None; and the key for the kms forms
    # as the template or the API gave it (key id, key ARN or alias ARN).
    sse_algorithm: str | None = None
    kms_key_id: str | None = None
    bucket_key_enabled: bool = False
    public_access_block: dict[str, bool] | None = None
    # ObjectOwnership: "BucketOwnerEnforced" (ACLs disabled), "BucketOwnerPreferred" or "ObjectWriter" (a bucket
    # without the setting behaves as the last); None: not read (a refused read, or a hand-built snapshot)
    ownership: str | None = None
    tags: dict[str, str] = field(default_factory=dict)
    versioning: str | None = None  # "Enabled" | "Suspended" | None
    replication_role: str | None = None
    replication_rules: tuple[ReplicationRule, ...] = ()


@dataclass(frozen=True, slots=True)
class Key:
    """A KMS key with its key policy and the aliases that point to it."""

    arn: str
    key_id: str
    account: str
    region: str
    policy: Document
    aliases: tuple[str, ...] = ()  # alias ARNs: arn:aws:kms:region:account:alias/name
    tags: dict[str, str] = field(default_factory=dict)
    grants: tuple[Grant, ...] = ()  # its grants (kms ListGrants), customer managed keys only


@dataclass(frozen=True, slots=True)
class Grant:
    """A KMS grant: its grantee may call its operations on the key, within its constraints.

    How reach honours it: :mod:`enjoin.reach_grants`.
    """

    grant_id: str
    grantee: str  # GranteePrincipal, an ARN (a role, user, assumed-role session, account root)
    operations: tuple[str, ...]  # grant operations without the kms: prefix ("Decrypt", "ReEncryptFrom"...)
    name: str = ""
    retiring: str = ""  # RetiringPrincipal ("" when none): may retire it, gains nothing on the key
    # Encryption context constraints: None when the grant has none of that kind.
    context_equals: dict[str, str] | None = None
    context_subset: dict[str, str] | None = None
    other_constraints: tuple[str, ...] = ()  # constraint kinds enjoin does not evaluate (SourceArn...)


@dataclass(frozen=True, slots=True)
class ReplicationRule:
    """One S3 replication rule, as the template wrote it (moto loses the prefix and the KMS setting)."""

    rule_id: str
    enabled: bool
    prefix: str  # "" for the whole bucket (Filter.Prefix or the legacy Prefix)
    destination_bucket: str  # the destination bucket's ARN
    destination_account: str | None = None  # Destination.Account, when given
    replica_kms_key_id: str | None = None  # EncryptionConfiguration.ReplicaKmsKeyID
    sse_kms_objects: bool = False  # SourceSelectionCriteria.SseKmsEncryptedObjects enabled


@dataclass(frozen=True, slots=True)
class AccessPoint:
    """An S3 access point: reads through it need its policy AND the bucket's policy delegating to it."""

    arn: str  # arn:aws:s3:region:account:accesspoint/name
    name: str
    account: str
    region: str
    bucket: str  # bucket name
    policy: Document | None = None
    network_origin: str = "Internet"


@dataclass(frozen=True, slots=True)
class IdentityProvider:
    """A SAML or OIDC identity provider of an account."""

    arn: str
    account: str
    kind: str  # "saml" | "oidc"


@dataclass(frozen=True, slots=True)
class Function:
    """A Lambda function and the role it runs as."""

    arn: str
    name: str
    account: str
    region: str
    role_arn: str
    policy: Document | None = None  # its resource-based policy
    # "Zip" or "Image" (a container image takes no layers); None: not read (a hand-built snapshot), taken as Zip
    package_type: str | None = None


@dataclass(frozen=True, slots=True)
class Compute:
    """Compute that already exists and runs as a role: what the takeover ways of ``reach_compute.yaml`` act on.

    ``kind`` is one of ``enjoin.reach_compute.KINDS`` ("ec2-instance", "cloudformation-stack",
    "cloudformation-stack-set", "codebuild-project", "glue-dev-endpoint", "glue-job", "sagemaker-notebook",
    "batch-job-queue", "batch-job-definition", "ecs-task-definition", "ecs-task", "stepfunctions-state-machine").
    """

    kind: str
    arn: str  # what the takeover requests are asked on (an instance's ARN, a stack's id, a project's ARN...)
    name: str
    account: str
    region: str
    role_arn: str | None  # the role it runs as; None when it has none (an instance without a profile)
    profile_arn: str | None = None  # ec2-instance: the instance profile associated with it
    # S3 objects it runs as its role, fetched again at every run (a Glue job's script and the modules and JARs its
    # arguments add): their ARNs, ``arn:aws:s3:::bucket/key``; one ending in ``/*`` stands for every object under a
    # folder. Whoever may write one runs code as the role (reach_compute.yaml, ``{code}`` rows).
    code: tuple[str, ...] = ()
    # Container images it runs as its role, pulled by reference at every run (a Batch job's container, a CodeBuild
    # project's build environment): ``ACCOUNT.dkr.ecr.REGION.amazonaws.com/NAME:TAG`` or ``...@sha256:...``, or an
    # image of a registry outside AWS. Whoever may push to a tag one names runs code as the role (``{image}`` rows).
    images: tuple[str, ...] = ()
    # sagemaker-notebook: the ARN of the lifecycle configuration it runs at every start (its OnStart script, as root
    # with the role's credentials); whoever may rewrite that configuration runs code as the role (``{config}`` rows).
    config: str | None = None


@dataclass(frozen=True, slots=True)
class Repository:
    """A private Amazon ECR repository: who may push an image to it (its policy), and which tags a push may move."""

    arn: str  # arn:aws:ecr:region:account:repository/name
    name: str
    account: str
    region: str
    policy: Document | None = None  # its repository policy
    # MUTABLE, IMMUTABLE, MUTABLE_WITH_EXCLUSION or IMMUTABLE_WITH_EXCLUSION (imageTagMutability)
    mutability: str = "MUTABLE"
    # The WILDCARD filters of imageTagMutabilityExclusionFilters: the tags that take the opposite setting
    exclusions: tuple[str, ...] = ()
    image_tags: tuple[str, ...] = ()  # the tags its images bear now (an immutable tag no image bears can be pushed)


@dataclass(frozen=True, slots=True)
class Table:
    """A Glue Data Catalog table (columns include partition keys) and its storage location."""

    arn: str  # arn:aws:glue:region:account:table/database/name
    database: str
    name: str
    account: str
    region: str
    columns: tuple[str, ...]
    location: str | None = None  # s3://bucket/prefix


@dataclass(frozen=True, slots=True)
class LakeFormationGrant:
    """A Lake Formation permission on a table (or all its columns) to a principal."""

    principal: str  # an IAM principal ARN, an account id, or "IAM_ALLOWED_PRINCIPALS"
    table: str  # the table ARN
    permissions: tuple[str, ...]  # "SELECT", "ALL", "DESCRIBE"...
    columns: tuple[str, ...] | None = None  # None: every column
    excluded_columns: tuple[str, ...] = ()  # with columns None: every column but these


@dataclass(frozen=True, slots=True)
class DistributionOrigin:
    """An S3 origin of a CloudFront distribution, as the template declares it."""

    bucket: str  # the bucket's name
    path: str = ""  # OriginPath: the objects served are those under it
    oai: str | None = None  # the origin access identity's id
    oac: bool = False  # an origin access control signs the requests (as cloudfront.amazonaws.com)
    public: bool = True  # some cache behavior serving it requires no signed URL
    signed: bool = False  # some cache behavior serving it requires signed URLs or cookies


@dataclass(frozen=True, slots=True)
class Distribution:
    """A CloudFront distribution: whoever reaches it reads what its S3 origins let it read."""

    arn: str  # arn:aws:cloudfront::account:distribution/ID
    id: str
    account: str
    enabled: bool = True
    origins: tuple[DistributionOrigin, ...] = ()


@dataclass(frozen=True, slots=True)
class Construct:
    """Something the templates declare that enjoin did not deploy: inert (listed only) or unmodeled.

    An unmodeled construct makes INDETERMINATE the holdings it can affect (``affects``, resolved by
    reach against what it refers to): the roles, users, buckets, tables and keys below, or every holding
    when ``unbounded`` says why it cannot be bounded.
    """

    where: str  # "file: line N: resource X, property P"
    file: str
    line: int  # 0 when unknown
    resource: str  # the logical id
    type: str
    prop: str | None  # None: the whole resource
    klass: str  # "inert" | "unmodeled"
    reason: str
    account: str = ""
    affects: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()  # role ARNs it refers to (directly, through instance profiles or functions)
    users: tuple[str, ...] = ()  # user ARNs
    buckets: tuple[str, ...] = ()  # bucket names
    tables: tuple[str, ...] = ()  # table ARNs
    keys: tuple[str, ...] = ()  # key ARNs
    functions: tuple[str, ...] = ()  # Lambda function ARNs (a custom resource's ServiceToken)
    mentions: tuple[str, ...] = ()  # the literal strings of its resolved properties (bounded)
    unbounded: str = ""  # why what it affects cannot be bounded ("" when it can)


@dataclass(frozen=True, slots=True)
class PolicySource:
    """Where a deployed policy is written: the template, the resource, and the line of each statement.

    Findings name a statement by its policy's label and index (:class:`~enjoin.engine.StatementRef`); this
    leads from that pair back to the text a person wrote (:mod:`enjoin.deploy.sources`).
    """

    policy: str  # the policy's label, as reach names it: a managed policy's ARN, "bucket policy of arn:..."
    file: str
    resource: str  # the logical id that writes it (a Terraform plan's: the resource address)
    line: int  # the line of the policy document (0 when unknown)
    statements: tuple[int, ...] = ()  # the line of each statement, by index; () when the text does not say
    expression: str = ""  # a Terraform plan's configuration expression that gives the document; "" when none


@dataclass(frozen=True, slots=True)
class Organization:
    """SCPs and RCPs as they apply to each account: levels root first, account last."""

    org_id: str | None = None
    # account id -> levels -> policies at that level
    scps: dict[str, tuple[tuple[Document, ...], ...]] = field(default_factory=dict)
    rcps: dict[str, tuple[tuple[Document, ...], ...]] = field(default_factory=dict)
    # account id -> org paths ("o-xxx/r-xxx/ou-xxx/")
    paths: dict[str, str] = field(default_factory=dict)
    # Where the policies come from: "organizations" (read from AWS Organizations), "enjoin.yaml" (its
    # organization: section), "" (not recorded: a snapshot saved before the source was).
    source: str = ""
    # What a reader calls each policy, parallel to scps and rcps (account id -> levels -> names): the file of
    # enjoin.yaml that holds it, or its name and id in AWS Organizations. Empty in a snapshot saved before names
    # were kept: reach then numbers the policies.
    scp_names: dict[str, tuple[tuple[str, ...], ...]] = field(default_factory=dict)
    rcp_names: dict[str, tuple[tuple[str, ...], ...]] = field(default_factory=dict)

    def name(self, kind: str, account: str, depth: int, index: int) -> str | None:
        """The name of policy ``index`` at level ``depth`` of ``account`` (kind "scps" or "rcps"), if kept."""
        levels = (self.scp_names if kind == "scps" else self.rcp_names).get(account, ())
        if depth < len(levels) and index < len(levels[depth]):
            return levels[depth][index]
        return None


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Everything reach needs to know about the accounts, as read back from them."""

    accounts: tuple[str, ...]
    users: tuple[User, ...] = ()
    groups: tuple[Group, ...] = ()
    roles: tuple[Role, ...] = ()
    policies: tuple[ManagedPolicy, ...] = ()
    buckets: tuple[Bucket, ...] = ()
    keys: tuple[Key, ...] = ()
    organization: Organization = field(default_factory=Organization)
    access_points: tuple[AccessPoint, ...] = ()
    identity_providers: tuple[IdentityProvider, ...] = ()
    functions: tuple[Function, ...] = ()
    tables: tuple[Table, ...] = ()
    lake_formation_grants: tuple[LakeFormationGrant, ...] = ()
    # Lake Formation data lake administrators (DataLakeAdmins, read-only administrators left out), by ARN: each may
    # grant itself any permission on its account's Data Catalog (enjoin.reach_tables).
    lake_admins: tuple[str, ...] = ()
    constructs: tuple[Construct, ...] = ()  # from the templates: what was not deployed, and why
    distributions: tuple[Distribution, ...] = ()
    compute: tuple[Compute, ...] = ()  # existing compute that runs as a role (instances, stacks, projects...)
    repositories: tuple[Repository, ...] = ()  # private ECR repositories: images that compute runs
    # Reads the backend refused (AccessDenied): each a Construct of class "gap", INDETERMINATE for what it bears on.
    gaps: tuple[Construct, ...] = ()
    # Where each deployed policy is written in the templates (none for a live run: nothing was deployed).
    sources: tuple[PolicySource, ...] = ()

    def to_json(self) -> str:
        """Serialise to a stable JSON text (sorted keys), for saving and diffing."""
        return json.dumps(asdict(self), sort_keys=True, indent=1)

    def save(self, path: Path) -> None:
        path.write_text(self.to_json(), encoding="utf-8")

    @classmethod
    def from_json(cls, text: str, where: str = "<snapshot>") -> Snapshot:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InventoryError(
                f"{where}: line {exc.lineno}", "a snapshot in JSON", f"invalid JSON ({exc.msg})"
            ) from None
        if not isinstance(data, dict):
            raise InventoryError(where, "a JSON object", type(data).__name__)
        return _build(cls, data, where)

    @classmethod
    def load(cls, path: Path) -> Snapshot:
        return cls.from_json(path.read_text(encoding="utf-8"), str(path))


_T = TypeVar("_T")
_NESTED: dict[str, type] = {
    "users": User,
    "groups": Group,
    "roles": Role,
    "policies": ManagedPolicy,
    "other_versions": PolicyVersion,
    "buckets": Bucket,
    "keys": Key,
    "grants": Grant,
    "inline_policies": NamedPolicy,
    "replication_rules": ReplicationRule,
    "access_points": AccessPoint,
    "identity_providers": IdentityProvider,
    "functions": Function,
    "tables": Table,
    "lake_formation_grants": LakeFormationGrant,
    "constructs": Construct,
    "gaps": Construct,
    "distributions": Distribution,
    "origins": DistributionOrigin,
    "compute": Compute,
    "repositories": Repository,
    "sources": PolicySource,
}


def _build(cls: type[_T], data: Mapping[str, Any], where: str) -> _T:
    known = {f.name for f in fields(cls)}  # type: ignore[arg-type]  # cls is always a dataclass here
    unknown = set(data) - known
    if unknown:
        raise InventoryError(where, f"keys of {cls.__name__}: {sorted(known)}", f"unknown {sorted(unknown)}")
    kwargs: dict[str, Any] = {}
    for name, value in data.items():
        # By name, where the items are objects: a construct's "buckets" are names, a snapshot's are Buckets.
        if name in _NESTED and isinstance(value, list) and all(isinstance(v, Mapping) for v in value):
            kwargs[name] = tuple(_build(_NESTED[name], v, f"{where}.{name}") for v in value)
        elif name == "organization" and isinstance(value, dict):
            org = dict(value)
            for kind in ("scps", "rcps", "scp_names", "rcp_names"):
                org[kind] = {
                    acct: tuple(tuple(level) for level in levels) for acct, levels in org.get(kind, {}).items()
                }
            kwargs[name] = Organization(**org)
        elif isinstance(value, list):
            kwargs[name] = tuple(value)
        else:
            kwargs[name] = value
    try:
        return cls(**kwargs)
    except TypeError as exc:
        raise InventoryError(where, f"the fields of {cls.__name__}", str(exc)) from None
