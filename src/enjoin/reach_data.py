"""The ways a principal reads a holding's data, each step decided by the engine.

- S3 objects of the holding's bucket: ``s3:GetObject`` (identity, bucket policy, SCPs, RCPs) and, for
  SSE-KMS default encryption, ``kms:Decrypt`` on the bucket's key as S3 calls it (``kms:ViaService`` and
  the ``aws:s3:arn`` encryption context fixed).
- Through an S3 access point of the bucket: "For an application or user to be able to access objects
  through an access point, both the access point and the underlying bucket must permit the request", and
  "Permissions granted in an access point policy are effective only if the underlying bucket also allows
  the same access", either by delegating access control to its access points or by granting the same
  access in its own policy (S3 User Guide, "Configuring IAM policies for using access points":
  https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-points-policies.html, with its sections
  "Delegating access control to access points" and "Access point policy examples"; "Managing data access
  with Amazon S3 access points": https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-points.html;
  "Using access points", for the ARN of an object through an access point,
  ``arn:aws:s3:region:account:accesspoint/name/object/key``:
  https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-access-points.html). Each side is one
  request that the engine decides as IAM's evaluation logic does ("Policy evaluation logic":
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html): the caller's
  identity policies, boundary and SCPs, the side's resource policy and RCPs, an explicit Deny anywhere
  final; within one account an Allow in either the identity policies or the resource policy suffices,
  across accounts both must allow. Both requests carry ``s3:DataAccessPointArn``,
  ``s3:DataAccessPointAccount`` and ``s3:AccessPointNetworkOrigin`` (the access point's). The
  combinations, for a caller of the bucket's own account:

  ==========================================  ===================================  =======
  access point side (its object ARN)          bucket side (the bucket's object)    reached
  ==========================================  ===================================  =======
  the access point policy names the caller,   the bucket policy delegates           yes
  or its identity allows the access point     (``s3:DataAccessPointAccount`` = the
  ARN                                         owner, ``s3:DataAccessPointArn``
                                              naming this one) or grants the same
                                              access, to anyone or to the caller
  the access point policy or the identity     the identity allows the bucket's      yes
                                              object (within an account an Allow
                                              in either policy suffices)
  the identity allows the access point ARN    the bucket policy is silent, or       yes
                                              names the owner account (which
                                              defers to the identity policies)
  the access point policy alone names the     the bucket policy neither delegates   no
  caller (the identity allows neither ARN)    nor grants, the identity does not
                                              allow the bucket's object
  neither allows the access point ARN         anything                              no
  any                                         an explicit Deny (bucket policy,      no
                                              identity, SCP, RCP) for the request
  ==========================================  ===================================  =======

  The third row follows AWS's own example for Object Lambda ("Configuring IAM policies for Object Lambda
  Access Points": https://docs.aws.amazon.com/AmazonS3/latest/userguide/olap-policies.html): a bucket policy
  that delegates to access points with the bucket owner's account as its Principal, and an identity policy
  that allows only the supporting access point's ARN, are the permissions it lists; a resource policy that
  names the account grants nothing by itself within that account, it delegates to the identity policies
  (:mod:`enjoin.engine.layers`, after IAM's "Policy evaluation logic"), so the identity's allowance on the
  access point must count on the bucket's side. The fourth row is AWS's Jane example: "For the access
  point policy to effectively grant access to Jane, the underlying bucket must also allow the same access to
  Jane". The second row counts the identity on the bucket's own ARN too; if S3 asks the identity only on
  the access point ARN, reach over-reports there, never the reverse.
  A caller of another account needs the access point policy and its identity policies (on the access
  point ARN) on the access point's side, and the bucket policy on the bucket's ("Cross-account access
  points don't grant you access to data until you are granted permissions from the bucket owner", "Access
  points restrictions and limitations":
  https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-points-restrictions-limitations.html); its
  identity policies are not asked again on the bucket's ARN. An access point of another account than its
  bucket's is not read (the Snapshot keeps only the bucket's name).
- Replicas: an enabled replication rule whose prefix overlaps the holding copies it into the destination
  bucket (when versioning is on, the replication role may read the source and write the destination, and
  SSE-KMS objects are selected where the source is SSE-KMS); reading the replica reaches the holding.
  A destination in a party account is the party's own.
- Glue tables under Lake Formation: :mod:`enjoin.reach_tables`.
- A KMS grant of the key can allow the KMS side where the key policy and IAM policies do not:
  :mod:`enjoin.reach_grants`.
- A principal of the bucket's account that may replace the bucket policy (``s3:PutBucketPolicy``) satisfies the
  bucket's side with the policy it would write, one that may delete it (``s3:DeleteBucketPolicy``) with none; one
  that may replace the key policy or grant itself the key satisfies the KMS side: :mod:`enjoin.reach_rewrite`.
- A principal that may replace an access point's policy reads through it under the policy it would write, and one
  that may create an access point in its own account reads through the new one (with no policy, or one it puts
  there); the bucket's side is decided as above: :mod:`enjoin.reach_rewrite`.
- A principal that may configure the bucket's replication and pass a role S3 may assume has the bucket's new objects
  copied into a bucket the party owns: :mod:`enjoin.reach_replicate`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from enjoin.config_model import Holding
from enjoin.engine import Policy, compile_policy
from enjoin.reach_acl import LIST_VERSIONS, PUT_OBJECT_ACL, PUT_OBJECT_VERSION_ACL, acls_enabled, doubt, with_grant
from enjoin.reach_edges import admitted, answer, policy_may_admit
from enjoin.reach_filter import (
    ANYONE,
    allow_patterns,
    caller_account,
    glob_meets_prefix,
    listed,
    may_act,
    names_caller,
    raw_statements,
)
from enjoin.reach_grants import decrypt_by_grant
from enjoin.reach_graph import PARTY_CONTROLLED_ROLE, Graph, Node, wildcard
from enjoin.reach_model import DECRYPT_ACTION, READ_ACTION, Found, Hop
from enjoin.reach_replicate import (
    BATCH_SERVICE,
    S3_SERVICE,
    batch_copy_out,
    may_batch,
    may_configure,
    replicate_out,
    s3_roles,
)
from enjoin.reach_rewrite import (
    CREATE_POINT,
    DELETE_BUCKET_POLICY,
    REWRITE_BUCKET,
    REWRITE_POINT,
    new_access_points,
    point_keys,
    rewrite_access_point,
    rewrite_bucket,
    take_key,
)
from enjoin.reach_tables import is_table_holding, read_table
from enjoin.s3_public import policy_public
from enjoin.snapshot import AccessPoint, Bucket, Key, ReplicationRule

# A request made to the bucket itself carries no access point keys: they are fixed as absent.
_DIRECT: dict[str, str | None] = {
    "s3:DataAccessPointArn": None,
    "s3:DataAccessPointAccount": None,
    "s3:AccessPointNetworkOrigin": None,
}


@dataclass(frozen=True, slots=True)
class Store:
    """Where a holding's objects can be read: the bucket itself or a replica of it."""

    bucket: Bucket | None  # None: a destination outside the snapshot, owned by a party account
    bucket_arn: str
    key_patterns: tuple[str, ...]  # object ARN patterns within the store holding the data
    note: str = ""
    replica_key: str | None = None  # the replica's KMS key, when the rule sets one


def is_s3_holding(holding: Holding) -> bool:
    return holding.resource.startswith("arn:aws:s3:::")


def buckets_for(holding: Holding, buckets: Sequence[Bucket]) -> list[Bucket]:
    name = holding.resource.split(":::", 1)[-1].split("/", 1)[0]
    return [b for b in buckets if wildcard(name).fullmatch(b.name)]


def _object_pattern(holding: Holding, bucket_arn: str) -> str:
    rest = holding.resource.split(":::", 1)[-1]
    key = rest.split("/", 1)[1] if "/" in rest else "*"
    return f"{bucket_arn}/{key}"


def _policy_patterns(policies: Iterable[Policy | None]) -> list[str]:
    out: list[str] = []
    for policy in policies:
        if policy is not None:
            out += _object_patterns(policy)
    return out


@lru_cache(maxsize=65536)
def _object_patterns(policy: Policy) -> tuple[str, ...]:
    """The Resource and NotResource patterns of the policy that name objects (hold a ``/``)."""
    out: list[str] = []
    for stmt in raw_statements(policy):
        for key in ("Resource", "NotResource"):
            out += [value for value in listed(stmt.get(key)) if "/" in value]
    return tuple(out)


def probes(store_patterns: Sequence[str], bucket_arn: str, policies: Iterable[Policy | None]) -> list[str]:
    """Object ARNs of the store inside the holding to ask about.

    The holding covers every object its pattern matches; a policy may allow only some of them. The
    probes are the holding's patterns and every object pattern of the policies that bear on the read,
    each instantiated (``*`` -> ``enjoin-probe``, ``?`` -> ``x``) and kept when inside the holding.
    """
    store = tuple(store_patterns)
    out: list[str] = []
    for cand in (*store, *_policy_patterns(policies)):
        concrete = _probe(cand, bucket_arn, store)
        if concrete is not None and concrete not in out:
            out.append(concrete)
    return out


@lru_cache(maxsize=262144)
def _probe(pattern: str, bucket_arn: str, store_patterns: tuple[str, ...]) -> str | None:
    """The object of the store a pattern stands for (moved into the bucket), if inside the holding.

    An object through an access point (``...:accesspoint/name/object/key``) stands for the bucket's
    ``key``: the part after ``/object/``.
    """
    if pattern.startswith(bucket_arn):
        cand = pattern
    elif ":accesspoint/" in pattern and "/object/" in pattern:
        cand = bucket_arn + "/" + pattern.split("/object/", 1)[1]
    else:
        cand = bucket_arn + "/" + pattern.split("/", 1)[-1]
    concrete = concretise(cand)
    if wildcard(f"{bucket_arn}/*").fullmatch(concrete) and any(wildcard(p).fullmatch(concrete) for p in store_patterns):
        return concrete
    return None


def concretise(pattern: str) -> str:
    """One ARN a pattern matches: its wildcards filled with the probe."""
    return pattern.replace("*", "enjoin-probe").replace("?", "x")


def _overlaps(rule: ReplicationRule, patterns: Sequence[str], bucket_arn: str) -> bool:
    """Could an object of the holding fall under the rule's prefix?"""
    for pattern in patterns:
        key = pattern[len(bucket_arn) + 1 :]
        literal = key.split("*", 1)[0].split("?", 1)[0]
        if literal.startswith(rule.prefix) or rule.prefix.startswith(literal):
            return True
    return False


def resolve_key(ref: str | None, keys: Sequence[Key]) -> Key | None:
    if ref is None:
        return None
    for key in keys:
        if ref in (key.arn, key.key_id) or ref in key.aliases:
            return key
        if ref.startswith("alias/") and any(a.endswith(f":{ref}") for a in key.aliases):
            return key
    return None


class Reader:
    """Decides, with memo, whether one node can read one holding, and how."""

    def __init__(self, graph: Graph, holdings: Sequence[Holding]) -> None:
        self.graph = graph
        self.holdings = holdings
        self.memo: dict[tuple[str, int], tuple[Found | None, tuple[str, ...]]] = {}
        self.stores: dict[int, tuple[list[Store], list[str]]] = {}
        self.buckets = {b.arn: b for b in graph.snapshot.buckets}
        self.readable = [i for i, h in enumerate(holdings) if is_s3_holding(h) or is_table_holding(h)]
        self.by_node: dict[str, list[int]] = {}
        self.identity_buckets: dict[str, tuple[tuple[frozenset[str], ...], tuple[frozenset[str], ...] | None]] = {}
        self.all_buckets = frozenset(self.buckets)
        self.pattern_buckets: dict[str, frozenset[str]] = {}
        self.plans: dict[int, list[tuple[Bucket, Policy | None]] | None] = {}
        self.restricted: dict[str, bool] = {}  # bucket ARN -> Block Public Access shuts other accounts out
        self.rewriters: dict[tuple[str, str], bool] = {}  # (node, bucket ARN) -> may it replace the bucket policy
        # per (account, service), the roles S3 or S3 Batch Operations may assume
        self.s3_roles: dict[tuple[str, str], tuple[Node, ...]] | None = None
        self.acl_policies: dict[tuple[str, str], Policy] = {}  # (bucket, account) -> its policy with an ACL grant

    def read(self, who: Node, index: int) -> tuple[Found | None, tuple[str, ...]]:
        """How ``who`` reads holding ``index`` (or None) and what could not be decided on the way."""
        key = (who.key, index)
        if key not in self.memo:
            holding = self.holdings[index]
            if is_table_holding(holding):
                self.memo[key] = read_table(self.graph, who, holding)
            else:
                self.memo[key] = self._read_objects(who, index)
        return self.memo[key]

    def holdings_for(self, node: Node) -> list[int]:
        """The readable holdings ``node`` may read (in index order): a filter only, memoised per node.

        A holding whose stores are plain buckets (no replica, no access point) may be read by a node of
        a bucket's account whose identity policies may allow the read there, replace the bucket policy,
        create an access point or configure replication, and by the nodes its bucket policy may name (one
        of another account reads through an access point it creates, or configures replication, only
        where the bucket policy admits it); any other holding (tables, replicas, access points) by every
        node.
        """
        found = self.by_node.get(node.key)
        if found is None:
            found = self.by_node[node.key] = [i for i in self.readable if self._may_read(node, i)]
        return found

    def _may_read(self, node: Node, index: int) -> bool:
        if index not in self.plans:
            self.plans[index] = self._plan(index)
        plan = self.plans[index]
        if plan is None:
            return True
        for bucket, policy in plan:
            if node.account == bucket.account and (
                self._identity_reads(node, bucket.arn)
                or self._identity_rewrites(node, bucket.arn)
                or may_act(node, CREATE_POINT)
                or may_configure(node)
                or may_batch(node)
            ):
                return True
            if policy is not None and (node.account in admitted(policy) or policy_may_admit(policy, node)):
                return True
        return False

    def _identity_reads(self, node: Node, bucket_arn: str) -> bool:
        """Whether the identity side (policies and boundary) of ``node`` may allow reading some object of
        the bucket: an Allow statement for the read has a Resource pattern that matches some string
        starting ``bucket_arn/`` (:func:`~enjoin.reach_filter.glob_meets_prefix`). Memoised per node."""
        if caller_account(node.arn) is None:
            return True  # a principal the engine cannot decide about: its answer must be heard
        sides = self.identity_buckets.get(node.key)
        if sides is None:
            boundary = None if node.boundary is None else self._buckets_of((node.boundary,))
            sides = self.identity_buckets[node.key] = (self._buckets_of(node.identity), boundary)
        identity, boundary = sides
        if not any(bucket_arn in buckets for buckets in identity):
            return False
        return boundary is None or any(bucket_arn in buckets for buckets in boundary)

    def _identity_rewrites(self, node: Node, bucket_arn: str) -> bool:
        """Whether the identity side of ``node`` may allow replacing or deleting the bucket's policy (a filter,
        memoised)."""
        key = (node.key, bucket_arn)
        found = self.rewriters.get(key)
        if found is None:
            if caller_account(node.arn) is None:
                found = True
            else:
                sides = [node.identity, *(((node.boundary,),) if node.boundary is not None else ())]
                found = any(
                    all(any(_may_allow_on(p, action, bucket_arn) for p in side) for side in sides)
                    for action in (REWRITE_BUCKET, DELETE_BUCKET_POLICY)
                )
            self.rewriters[key] = found
        return found

    def _buckets_of(self, policies: Iterable[Policy]) -> tuple[frozenset[str], ...]:
        """Sets of buckets (shared between nodes, one per pattern) the policies may allow a read in."""
        out: list[frozenset[str]] = []
        for policy in policies:
            patterns = allow_patterns(policy, READ_ACTION)
            if patterns is None:
                return (self.all_buckets,)
            out += (self._pattern_buckets(p) for p in patterns)
        return tuple({id(buckets): buckets for buckets in out}.values())

    def _pattern_buckets(self, pattern: str) -> frozenset[str]:
        found = self.pattern_buckets.get(pattern)
        if found is None:
            head = pattern.split("*", 1)[0].split("?", 1)[0]
            slash = head.find("/")
            # A literal head that runs past the bucket name names the one bucket it can be in.
            arns = (head[:slash],) if slash != -1 else self.buckets
            found = self.pattern_buckets[pattern] = frozenset(
                arn for arn in arns if arn in self.buckets and glob_meets_prefix(pattern, f"{arn}/")
            )
        return found

    def _plan(self, index: int) -> list[tuple[Bucket, Policy | None]] | None:
        """The buckets (and policies) of a plain holding; None: every node is asked.

        A store left undecided (a replica whose destination was not read back) may be readable by
        anyone, so its doubt is reported for every node that reaches the read: everyone is asked.
        """
        holding = self.holdings[index]
        if is_table_holding(holding):
            return None
        stores, reasons = self._stores(index)
        points = {(p.account, p.bucket) for p in self.graph.snapshot.access_points}
        if (
            reasons
            or any(s.bucket is None or (s.bucket.account, s.bucket.name) in points or acls_enabled(s.bucket)
                   for s in stores)
            or len(stores) != len(buckets_for(holding, self.graph.snapshot.buckets))
        ):
            return None
        buckets: list[tuple[Bucket, Policy | None]] = []
        for store in stores:
            bucket = store.bucket
            assert bucket is not None
            policy = self.graph.bucket_policy.get(bucket.arn)
            if isinstance(policy, str) or (policy is not None and ANYONE in admitted(policy)):
                return None
            buckets.append((bucket, policy))
        return buckets

    # -- S3 ---------------------------------------------------------------------------------------

    def _stores(self, index: int) -> tuple[list[Store], list[str]]:
        if index in self.stores:
            return self.stores[index]
        holding = self.holdings[index]
        stores: list[Store] = []
        reasons: list[str] = []
        queue = [
            Store(b, b.arn, (_object_pattern(holding, b.arn),))
            for b in buckets_for(holding, self.graph.snapshot.buckets)
        ]
        seen: set[str] = set()
        while queue:
            store = queue.pop(0)
            if store.bucket_arn in seen:
                continue
            seen.add(store.bucket_arn)
            stores.append(store)
            if store.bucket is not None:
                for replica, why in self._replicas(store):
                    if replica is not None:
                        queue.append(replica)
                    reasons += why
        self.stores[index] = (stores, reasons)
        return stores, reasons

    def _replicas(self, store: Store) -> Iterable[tuple[Store | None, list[str]]]:
        source = store.bucket
        assert source is not None
        if source.versioning != "Enabled" or not source.replication_role:
            return
        role = self.graph.nodes.get(source.replication_role)
        for rule in source.replication_rules:
            if not rule.enabled or not _overlaps(rule, store.key_patterns, source.arn):
                continue
            if (source.sse_algorithm or "").startswith("aws:kms") and not rule.sse_kms_objects:
                continue  # S3 replicates SSE-KMS objects only when the rule selects them
            dest = self.buckets.get(rule.destination_bucket)
            dest_account = rule.destination_account or (dest.account if dest else None)
            keys = tuple(f"{rule.destination_bucket}/{p[len(source.arn) + 1 :]}" for p in store.key_patterns)
            note = f"replica of {source.arn} (replication rule {rule.rule_id!r})"
            if dest is None:
                if dest_account in self.graph.party_accounts:
                    yield Store(None, rule.destination_bucket, keys, note), []
                else:
                    yield None, [f"{note}: the destination {rule.destination_bucket} was not read back"]
                continue
            if dest.versioning != "Enabled":
                continue
            if role is None:
                yield None, [f"{note}: the replication role {source.replication_role} was not read back"]
                continue
            ok, why = self._replication_allowed(role, source, dest, store.key_patterns[0], keys[0])
            if ok:
                yield Store(dest, dest.arn, keys, note, rule.replica_kms_key_id), []
            elif why:
                yield None, why

    def _replication_allowed(
        self, role: Node, source: Bucket, dest: Bucket, src_obj: str, dst_obj: str
    ) -> tuple[bool, list[str]]:
        graph = self.graph
        steps = (
            (source, "s3:GetObjectVersionForReplication", src_obj),
            (dest, "s3:ReplicateObject", dst_obj),
        )
        for bucket, action, pattern in steps:
            policy = graph.bucket_policy.get(bucket.arn)
            if isinstance(policy, str):
                return False, [policy]
            obj = concretise(pattern)
            hop = answer(graph, role, action, obj, bucket.account, policy)
            if not isinstance(hop, Hop):
                return False, list(hop or ())
        return True, []

    def _read_objects(self, who: Node, index: int) -> tuple[Found | None, tuple[str, ...]]:
        stores, reasons = self._stores(index)
        undecided = list(reasons)
        for store in stores:
            if store.bucket is None:  # a party's own bucket holds a replica
                obj = store.key_patterns[0].replace("*", "enjoin-probe")
                if who.account in self.graph.party_accounts:
                    return (
                        (Hop(who.arn, READ_ACTION, obj, (), {}, store.note + "; the party owns it"),),
                        None,
                    ), tuple(undecided)
                continue
            found = self._read_bucket(who, store, undecided)
            if found is not None:
                return (found, None), tuple(undecided)
            for point in self.graph.snapshot.access_points:
                if point.bucket == store.bucket.name and point.account == store.bucket.account:
                    found = self._read_access_point(who, store, point, undecided)
                    if found is not None:
                        return (found, None), tuple(undecided)
            found = self._new_access_point(who, store, undecided)
            if found is None:
                found = self._replicate(who, store, undecided)
            if found is not None:
                return (found, None), tuple(undecided)
        return None, tuple(undecided)

    def _read_bucket(self, who: Node, store: Store, undecided: list[str]) -> tuple[Hop, ...] | None:
        bucket = store.bucket
        assert bucket is not None
        policy = self.graph.bucket_policy.get(bucket.arn)
        if isinstance(policy, str):
            undecided.append(policy)
            return None
        # A filter before the engine, implied by could_allow on each object of the bucket: within the
        # account the bucket policy names the caller itself, or its identity side may allow a read in
        # the bucket; across accounts the bucket policy names it in some form and its identity side may.
        if who.account != bucket.account and self._restricts_public(bucket):
            # Block Public Access: with RestrictPublicBuckets, a bucket whose policy is public admits no
            # cross-account principal at all, only service principals and its own account's users.
            return None
        identity = self._identity_reads(who, bucket.arn)
        if who.account == bucket.account:
            if not identity and not (policy is not None and names_caller(admitted(policy), who)):
                return self._rewrite_bucket(who, store, policy, undecided)
        elif not identity:
            return None
        elif policy is None or not policy_may_admit(policy, who):
            return self._read_by_acl(who, store, undecided)
        found = self._read_under(who, store, policy, store.note, undecided)
        if found is not None:
            return found
        if who.account == bucket.account:
            return self._rewrite_bucket(who, store, policy, undecided)
        return self._read_by_acl(who, store, undecided)

    def _acl_policy(self, bucket: Bucket, account: str) -> Policy:
        key = (bucket.arn, account)
        found = self.acl_policies.get(key)
        if found is None:
            found = self.acl_policies[key] = with_grant(bucket, account)
        return found

    def _read_by_acl(self, who: Node, store: Store, undecided: list[str]) -> tuple[Hop, ...] | None:
        """Another account's read that an object ACL granting its account READ would allow: a path where ``who`` may
        write that ACL itself (the bucket policy lets it), otherwise a doubt, since the inventory does not read
        objects' ACLs (:mod:`~enjoin.reach_acl`)."""
        bucket = store.bucket
        assert bucket is not None
        if not acls_enabled(bucket):
            return None
        scratch: list[str] = []
        note = "under the object ACL that grants its account READ"
        found = self._read_under(who, store, self._acl_policy(bucket, who.account), note, scratch)
        if found is not None:
            policy = self.graph.bucket_policy.get(bucket.arn)
            granted = None if isinstance(policy, str) else self._set_acl(who, store, policy, f"account {who.account}",
                                                                         [])
            if granted is not None:
                return (*granted, *found)
            scratch = [doubt(bucket, who.arn, who.account)]
        undecided.extend(r for r in scratch if r not in undecided)
        return None

    def _grant_by_acl(
        self, who: Node, store: Store, policy: Policy | None, undecided: list[str]
    ) -> tuple[Hop, ...] | None:
        """``who`` (of the bucket's account) grants a party account READ in an object's ACL, and the party reads as a
        role it creates in that account (:mod:`~enjoin.reach_acl`)."""
        bucket = store.bucket
        assert bucket is not None
        if who.account != bucket.account or not acls_enabled(bucket):
            return None
        if self._restricts_public(bucket):
            return None  # the party's account is another account, which RestrictPublicBuckets shuts out
        hop = self._set_acl(who, store, policy, "a party's account", undecided)
        if hop is None:
            return None
        for account in sorted(self.graph.party_accounts):
            reader = self.graph.nodes.get(f"arn:aws:iam::{account}:role/{PARTY_CONTROLLED_ROLE}")
            if reader is None:
                continue
            note = f"under the object ACL that grants account {account} READ"
            found = self._read_under(reader, store, self._acl_policy(bucket, account), note, undecided)
            if found is not None:
                return (*hop, *found)
        return None

    def _set_acl(self, who: Node, store: Store, policy: Policy | None, grantee: str,
                 undecided: list[str]) -> tuple[Hop, ...] | None:
        """``who``'s write of an object's ACL (granting ``grantee`` READ), under the bucket policy ``policy``, from
        any account: ``s3:PutObjectAcl``, or ``s3:PutObjectVersionAcl`` naming the version (:mod:`~enjoin.reach_acl`)
        - "null" in a bucket never versioned, otherwise a version id ``s3:ListBucketVersions`` lists."""
        bucket = store.bucket
        assert bucket is not None
        obj = concretise(store.key_patterns[0])
        note = (f"grants {grantee} READ in the object's ACL (ACLs are enabled: ObjectOwnership {bucket.ownership})")
        for action in (PUT_OBJECT_ACL, PUT_OBJECT_VERSION_ACL):
            if not may_act(who, action):
                continue
            hop = answer(self.graph, who, action, obj, bucket.account, policy, _DIRECT,
                         note=note if action == PUT_OBJECT_ACL else f"{note}, naming the object's version")
            if not isinstance(hop, Hop):
                undecided.extend(hop or ())
                continue
            if action == PUT_OBJECT_ACL or bucket.versioning is None:
                return (hop,)
            listed = answer(self.graph, who, LIST_VERSIONS, bucket.arn, bucket.account, policy, _DIRECT,
                            note="lists the objects' version ids (the bucket is versioned)")
            if isinstance(listed, Hop):
                return (listed, hop)
            undecided.extend(listed or ())
        return None

    def _read_under(
        self, who: Node, store: Store, policy: Policy | None, note: str, undecided: list[str]
    ) -> tuple[Hop, ...] | None:
        """``who`` reads an object of the store's bucket under the bucket policy ``policy`` (and decrypts it)."""
        bucket = store.bucket
        assert bucket is not None
        for obj in probes(store.key_patterns, bucket.arn, (policy, *who.identity, who.boundary)):
            hop = answer(self.graph, who, READ_ACTION, obj, bucket.account, policy, _DIRECT, note=note)
            if isinstance(hop, Hop):
                decrypt = self._decrypt(who, store, obj, undecided)
                if decrypt is not None:
                    return (hop, *decrypt)
            elif hop:
                undecided.extend(hop)
        return None

    def _rewrite_bucket(
        self, who: Node, store: Store, policy: Policy | None, undecided: list[str]
    ) -> tuple[Hop, ...] | None:
        """The read after ``who`` replaces the bucket's policy with one admitting itself (:mod:`~enjoin.reach_rewrite`),
        or else grants a party's account READ in an object's ACL (:mod:`~enjoin.reach_acl`)."""
        found = self._rewrite_bucket_policy(who, store, policy, undecided)
        return found if found is not None else self._grant_by_acl(who, store, policy, undecided)

    def _rewrite_bucket_policy(
        self, who: Node, store: Store, policy: Policy | None, undecided: list[str]
    ) -> tuple[Hop, ...] | None:
        bucket = store.bucket
        assert bucket is not None
        named = policy is not None and names_caller(admitted(policy), who)
        if not (named or self._identity_rewrites(who, bucket.arn)):
            return None
        rewrite, written, reasons = rewrite_bucket(self.graph, who, bucket.arn, bucket.account, policy, _DIRECT)
        undecided.extend(reasons)
        if rewrite is None:
            return None
        under = "under the bucket policy it wrote" if written else "with no bucket policy"
        found = self._read_under(who, store, written, store.note or under, undecided)
        return None if found is None else (rewrite, *found)

    def _restricts_public(self, bucket: Bucket) -> bool:
        """RestrictPublicBuckets on a bucket whose policy is certainly public (:mod:`enjoin.s3_public`)."""
        found = self.restricted.get(bucket.arn)
        if found is None:
            settings = bucket.public_access_block or {}
            found = self.restricted[bucket.arn] = bool(settings.get("RestrictPublicBuckets")) and policy_public(
                bucket.policy
            )
        return found

    def _read_access_point(
        self, who: Node, store: Store, point: AccessPoint, undecided: list[str]
    ) -> tuple[Hop, ...] | None:
        """The read through an existing access point of the store's bucket: under its policy, or under the one
        ``who`` would write in its place (:func:`~enjoin.reach_rewrite.rewrite_access_point`)."""
        graph = self.graph
        ap_policy = graph.access_point_policy.get(point.arn)
        bucket_policy = graph.bucket_policy.get(store.bucket_arn)
        if isinstance(ap_policy, str) or isinstance(bucket_policy, str):
            undecided.extend(p for p in (ap_policy, bucket_policy) if isinstance(p, str))
            return None
        found = self._read_through(who, store, point, ap_policy, bucket_policy, undecided)
        if found is None:
            found = self._rewrite_point(who, store, point, ap_policy, bucket_policy, undecided)
        return found

    def _new_access_point(self, who: Node, store: Store, undecided: list[str]) -> tuple[Hop, ...] | None:
        """The read through an access point ``who`` creates for the store's bucket in its own account (with no
        policy, or with the one it then puts there): :func:`~enjoin.reach_rewrite.new_access_points`."""
        bucket = store.bucket
        assert bucket is not None
        bucket_policy = self.graph.bucket_policy.get(bucket.arn)
        if isinstance(bucket_policy, str) or not may_act(who, CREATE_POINT):
            return None  # an unreadable bucket policy is reported by the direct read already
        for created, point in new_access_points(self.graph, who, bucket, undecided):
            found = self._read_through(who, store, point, None, bucket_policy, undecided)
            if found is None:
                found = self._rewrite_point(who, store, point, None, bucket_policy, undecided)
            if found is not None:
                return (created, *found)
        return None

    def _replicate(self, who: Node, store: Store, undecided: list[str]) -> tuple[Hop, ...] | None:
        """The read of a copy in a bucket the party owns, by a replication rule ``who`` writes itself or a Batch
        Operations job it creates (:mod:`~enjoin.reach_replicate`)."""
        bucket = store.bucket
        assert bucket is not None
        if not (may_configure(who) or may_batch(who)):
            return None
        policy = self.graph.bucket_policy.get(bucket.arn)
        if isinstance(policy, str):
            return None  # an unreadable bucket policy is reported by the direct read already
        if self.s3_roles is None:
            self.s3_roles = s3_roles(self.graph)
        obj = concretise(store.key_patterns[0])

        def decrypt(role: Node, o: str) -> tuple[Hop, ...] | None:
            return self._decrypt(role, store, o, undecided)

        roles = self.s3_roles.get((who.account, S3_SERVICE), ())
        if roles and may_configure(who):
            found = replicate_out(self.graph, who, bucket, policy, obj, _DIRECT, roles, decrypt, undecided)
            if found is not None:
                return found
        roles = self.s3_roles.get((who.account, BATCH_SERVICE), ())
        if roles and may_batch(who):
            return batch_copy_out(self.graph, who, bucket, policy, obj, _DIRECT, roles, decrypt, undecided)
        return None

    def _rewrite_point(
        self,
        who: Node,
        store: Store,
        point: AccessPoint,
        ap_policy: Policy | None,
        bucket_policy: Policy | None,
        undecided: list[str],
    ) -> tuple[Hop, ...] | None:
        if not may_act(who, REWRITE_POINT):
            return None
        rewrite, written, reasons = rewrite_access_point(self.graph, who, point, ap_policy)
        undecided.extend(reasons)
        if rewrite is None:
            return None
        found = self._read_through(who, store, point, written, bucket_policy, undecided)
        return None if found is None else (rewrite, *found)

    def _read_through(
        self,
        who: Node,
        store: Store,
        point: AccessPoint,
        ap_policy: Policy | None,
        bucket_policy: Policy | None,
        undecided: list[str],
    ) -> tuple[Hop, ...] | None:
        """``who`` reads an object of the store through ``point`` whose policy is ``ap_policy``: both sides, and the
        decrypt."""
        graph = self.graph
        bucket = store.bucket
        assert bucket is not None
        if who.account != bucket.account and self._restricts_public(bucket):
            # RestrictPublicBuckets "blocks all cross-account access to the access point or bucket": through an
            # access point too, whichever account owns it.
            return None
        arn = point.arn
        context = point_keys(point)
        for obj in probes(store.key_patterns, bucket.arn, (bucket_policy, ap_policy, *who.identity)):
            key = obj[len(bucket.arn) + 1 :]
            via_point = f"{arn}/object/{key}"
            hop = answer(
                graph,
                who,
                READ_ACTION,
                via_point,
                point.account,
                ap_policy,
                context,
                note=f"through access point {arn}",
            )
            if not isinstance(hop, Hop):
                undecided.extend(hop or ())
                continue
            check = self._bucket_side(who, bucket, bucket_policy, obj, via_point, context, undecided)
            if check is None:
                continue
            decrypt = self._decrypt(who, store, obj, undecided)
            if decrypt is not None:
                return (hop, check, *decrypt)
        return None

    def _bucket_side(
        self,
        who: Node,
        bucket: Bucket,
        bucket_policy: Policy | None,
        obj: str,
        via_point: str,
        context: Mapping[str, str | None],
        undecided: list[str],
    ) -> Hop | None:
        """The bucket's side of a request through one of its access points (see the module docstring).

        Asked on the bucket's object. The caller's identity side counts there as it does for a request to
        the bucket, and also where it allowed the request on the access point's ARN (then only the bucket
        policy, SCPs and RCPs may refuse); a caller of another account needs the bucket policy either way.
        """
        graph = self.graph
        note = "the bucket allows it through the access point"
        reasons: tuple[str, ...] = ()
        if who.account == bucket.account:
            check = answer(graph, who, READ_ACTION, obj, bucket.account, bucket_policy, context, note=note)
            if isinstance(check, Hop):
                return check
            reasons = check or ()
            on_point = answer(graph, who, READ_ACTION, via_point, bucket.account, None, context)
            if not isinstance(on_point, Hop):  # the access point policy alone allowed the access point's side
                undecided.extend((*reasons, *(on_point or ())))
                return None
        note += ", its identity policies having allowed it on the access point"
        lenient = answer(
            graph, _delegation_caller(graph, who), READ_ACTION, obj, bucket.account, bucket_policy, context, note=note
        )
        if isinstance(lenient, Hop):
            return lenient
        undecided.extend((*reasons, *(lenient or ())))
        return None

    def _decrypt(self, who: Node, store: Store, obj: str, undecided: list[str]) -> tuple[Hop, ...] | None:
        bucket = store.bucket
        assert bucket is not None
        ref = store.replica_key or (bucket.kms_key_id if (bucket.sse_algorithm or "").startswith("aws:kms") else None)
        if ref is None:
            if not store.replica_key and (bucket.sse_algorithm or "").startswith("aws:kms"):
                # The AWS managed key aws/s3 serves principals of the bucket's own account only.
                return () if who.account == bucket.account else None
            return ()
        key = resolve_key(ref, self.graph.snapshot.keys)
        if key is None:
            undecided.append(f"the KMS key {ref} of {bucket.arn} was not read back")
            return None
        policy = self.graph.key_policy[key.arn]
        if isinstance(policy, str):
            undecided.append(policy)
            return None
        context = {
            "kms:ViaService": f"s3.{bucket.region}.amazonaws.com",
            "kms:EncryptionContext:aws:s3:arn": bucket.arn if bucket.bucket_key_enabled else obj,
        }
        hop = answer(self.graph, who, DECRYPT_ACTION, key.arn, key.account, policy, context)
        if isinstance(hop, Hop):
            return (hop,)
        # The key policy and IAM policies do not allow it: a grant of the key may (enjoin.reach_grants).
        objects = () if bucket.bucket_key_enabled else store.key_patterns
        granted = decrypt_by_grant(self.graph, who, key, context, objects) if key.grants else None
        if isinstance(granted, Hop):
            return (granted,)
        # Or by replacing the key policy, or a grant the caller makes itself (enjoin.reach_rewrite).
        taken, reasons = take_key(self.graph, who, key, policy, context, objects)
        if taken is not None:
            return taken
        undecided.extend((*(hop or ()), *(granted or ()), *reasons))
        return None


def _may_allow_on(policy: Policy, action: str, arn: str) -> bool:
    """Whether an Allow statement of ``policy`` for ``action`` may cover ``arn`` (a filter: unbounded is True)."""
    patterns = allow_patterns(policy, action)
    return patterns is None or any(wildcard(p).fullmatch(arn) for p in patterns)


def _delegation_caller(graph: Graph, who: Node) -> Node:
    """``who`` with its identity side taken as allowing: on the bucket's side of an access-point request
    from another account (its identity was judged on the access point ARN), and to tell whether only the
    documentation's silence denies a same-account one; the bucket policy (and SCPs, RCPs) may refuse."""
    from dataclasses import replace

    from enjoin.reach_graph import ALLOW_ALL

    allow = compile_policy(ALLOW_ALL, label=f"the identity side already allowed on the access point for {who.arn}")
    return replace(who, identity=(allow,), boundary=None)
