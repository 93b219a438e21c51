"""Replication a principal configures itself: a bucket's new objects copied into a bucket the party owns.

A principal that may replace a bucket's replication configuration, and pass a role that S3 may assume, has S3 copy
every object written from then on into a bucket of its choosing. Reach follows it after the ways the bucket's
policies allow as they are, each request decided by the engine with its witness.

What AWS documents, and what reach does with it:

- ``PutBucketReplication`` (https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketReplication.html) needs
  ``s3:PutReplicationConfiguration`` on the source bucket and ``iam:PassRole`` of the replication role ("Setting
  up permissions for live replication",
  https://docs.aws.amazon.com/AmazonS3/latest/userguide/setting-repl-config-perm-overview.html). The first is
  decided against the bucket policy in place, on the bucket itself (no access point keys), from any account: the
  bucket owner "can grant it to others", and where AWS refuses another account, reach over-reports, never the
  reverse. The role is passed with ``iam:PassedToService`` ``s3.amazonaws.com`` and is one of the caller's account
  whose trust policy admits that service (IAM has no cross-account PassRole).
- Replication needs versioning on the source bucket: where it is not enabled, the caller must also be allowed
  ``s3:PutBucketVersioning`` on it. The destination must be versioned too; the party owns it and enables it.
- The replication role must be allowed ``s3:GetObjectVersionForReplication`` on the source's objects (identity,
  bucket policy, SCPs, RCPs) and ``s3:ReplicateObject`` on the destination's. The destination is a bucket of a
  party account: one the snapshot holds there, or one the party creates under a name the role's policies allow
  (bucket names are global, so a name some bucket of another account already bears is not the party's to take).
  Its bucket policy is the party's to write: reach writes one admitting the role.
- An SSE-KMS object is replicated only when the rule selects SSE-KMS objects, which then needs a replica key:
  the role must decrypt with the source's key as S3 calls it (key policy, grants, IAM) and encrypt with a key of
  the party's account, whose key policy the party writes to admit the role
  ("Replicating encrypted objects", https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-config-for-kms-objects.html).
- Live replication copies objects written after the configuration: the holding's future records. Copying the
  existing ones needs S3 Batch Replication, which reach does not follow; the hop says so.

S3 Batch Operations copies the objects that exist ("Granting permissions for Batch Operations",
https://docs.aws.amazon.com/AmazonS3/latest/userguide/batch-ops-iam-role-policies.html): the caller needs
``s3:CreateJob`` (no resource type; ``s3:RequestJobOperation`` ``S3PutObjectCopy``) and ``iam:PassRole`` of a role of
its account trusting ``batchoperations.s3.amazonaws.com``, passed to that service. The role must read the source
objects (``s3:GetObject``, and decrypt them) and ``s3:PutObject`` into a party bucket as above; the copy may be
written with SSE-S3, so no party key is needed. "Regardless of the operation, Amazon S3 needs permissions to read
your manifest object": the caller puts the manifest in a party bucket the role may read (its bucket policy the
party's), or in the source bucket where the caller may write there. Where the role may only list the source bucket,
S3's manifest generator could list it instead; which permissions the generator needs beyond that AWS's pages do not
settle, so that is a doubt: what the copy would reach is INDETERMINATE, naming the role and the question.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass

from enjoin.engine import Policy
from enjoin.reach_compute import trusted_services
from enjoin.reach_edges import answer, resource_names
from enjoin.reach_filter import may_act
from enjoin.reach_graph import Graph, Node
from enjoin.reach_model import READ_ACTION, Hop
from enjoin.reach_rewrite import own_policy
from enjoin.snapshot import Bucket

PUT_REPLICATION = "s3:PutReplicationConfiguration"
PUT_VERSIONING = "s3:PutBucketVersioning"
READ_FOR_REPLICATION = "s3:GetObjectVersionForReplication"
REPLICATE = "s3:ReplicateObject"
ENCRYPT = "kms:Encrypt"
S3_SERVICE = "s3.amazonaws.com"
_PARTY_WRITES = "WrittenByThePartyForTheCopyRole"  # the Sid of the policies reach writes for the party
BATCH_SERVICE = "batchoperations.s3.amazonaws.com"
CREATE_JOB = "s3:CreateJob"
MANIFEST = "enjoin-manifest.csv"  # the key of the manifest the caller would write


@dataclass(frozen=True, slots=True)
class Copier:
    """How S3 copies an object as a role: what it asks on the source and on the destination, and whether an SSE-KMS
    object needs a key of the party's to be written."""

    service: str  # the service principal the role trusts
    read: str
    write: str
    seals: bool
    what: str  # what the copy is called in the hops


REPLICATION = Copier(S3_SERVICE, READ_FOR_REPLICATION, REPLICATE, True, "replica")
BATCH_COPY = Copier(BATCH_SERVICE, "s3:GetObject", "s3:PutObject", False, "copy")
# "General purpose bucket naming rules": 3-63 lowercase letters, digits, dots and hyphens, a letter or digit at
# each end.
_BUCKET_NAME = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")

# The source's decrypt for a role, as S3 calls it: (role, object ARN) -> its hops, or None (reasons appended).
Decrypt = Callable[[Node, str], "tuple[Hop, ...] | None"]


def may_configure(who: Node) -> bool:
    """A filter: whether ``who``'s identity side may allow configuring replication and passing a role at all."""
    return may_act(who, PUT_REPLICATION) and may_act(who, "iam:PassRole")


def s3_roles(graph: Graph) -> dict[tuple[str, str], tuple[Node, ...]]:
    """Per (account, service), the roles whose trust policy lets S3 (``s3.amazonaws.com``) or S3 Batch Operations
    (``batchoperations.s3.amazonaws.com``) assume them: what a caller may pass to them."""
    out: dict[tuple[str, str], list[Node]] = {}
    for arn, services in trusted_services(graph).items():
        role = graph.nodes.get(arn)
        if role is None:
            continue
        for service in {S3_SERVICE, BATCH_SERVICE} & services:
            out.setdefault((role.account, service), []).append(role)
    return {key: tuple(roles) for key, roles in out.items()}


def replicate_out(graph: Graph, who: Node, source: Bucket, policy: Policy | None, obj: str,
                  direct: Mapping[str, str | None], roles: Iterable[Node], decrypt: Decrypt,
                  undecided: list[str]) -> tuple[Hop, ...] | None:
    """The hops by which ``who`` has S3 copy ``obj`` (an object of ``source``, whose bucket policy is ``policy``)
    into a bucket the party owns, ending with the party's read of the replica; None where it cannot. ``roles``
    are those of ``who``'s account that S3 may assume (:func:`s3_roles`)."""
    if not graph.party_accounts or not may_configure(who):
        return None
    configure = answer(graph, who, PUT_REPLICATION, source.arn, source.account, policy, direct,
                       note="replaces the bucket's replication configuration with a rule copying new objects into a "
                            "bucket the party owns; existing objects would need S3 Batch Replication")
    if not isinstance(configure, Hop):
        undecided.extend(configure or ())
        return None
    setup = [configure]
    if source.versioning != "Enabled":
        versioning = answer(graph, who, PUT_VERSIONING, source.arn, source.account, policy, direct,
                            note="enables versioning, which replication needs")
        if not isinstance(versioning, Hop):
            undecided.extend(versioning or ())
            return None
        setup.append(versioning)
    for role in roles:
        passed = _pass(REPLICATION, graph, who, role, undecided)
        if passed is None:
            continue
        copied = _copy(REPLICATION, graph, role, source, policy, obj, direct, decrypt, undecided)
        if copied is not None:
            return (*setup, passed, *copied)
    return None


def may_batch(who: Node) -> bool:
    """A filter: whether ``who``'s identity side may allow creating a Batch Operations job and passing a role."""
    return may_act(who, CREATE_JOB) and may_act(who, "iam:PassRole")


def batch_copy_out(graph: Graph, who: Node, source: Bucket, policy: Policy | None, obj: str,
                   direct: Mapping[str, str | None], roles: Iterable[Node], decrypt: Decrypt,
                   undecided: list[str]) -> tuple[Hop, ...] | None:
    """The hops by which ``who`` has S3 Batch Operations copy the existing ``obj`` into a bucket the party owns,
    ending with the party's read of the copy; None where it cannot (a doubt goes to ``undecided``). ``roles`` are
    those of ``who``'s account that Batch Operations may assume."""
    if not graph.party_accounts or not may_batch(who):
        return None
    create = answer(graph, who, CREATE_JOB, "*", who.account, None, {"s3:RequestJobOperation": "S3PutObjectCopy"},
                    note="creates an S3 Batch Operations job copying existing objects into a bucket the party owns")
    if not isinstance(create, Hop):
        undecided.extend(create or ())
        return None
    for role in roles:
        passed = _pass(BATCH_COPY, graph, who, role, undecided)
        if passed is None:
            continue
        copied = _copy(BATCH_COPY, graph, role, source, policy, obj, direct, decrypt, undecided)
        if copied is None:
            continue
        manifest = _manifest(graph, who, role, source, policy, direct, undecided)
        if manifest is not None:
            return (create, passed, *manifest, *copied)
    return None


def _manifest(graph: Graph, who: Node, role: Node, source: Bucket, policy: Policy | None,
              direct: Mapping[str, str | None], undecided: list[str]) -> tuple[Hop, ...] | None:
    """The job role's read of the manifest: in a bucket of the party's, or in the source bucket where ``who`` may
    write it. Where the role may only list the source bucket (the manifest generator), a doubt."""
    partition = role.arn.split(":")[1]
    for account, bucket in _destinations(graph, role, partition):
        manifest = f"arn:{partition}:s3:::{bucket}/{MANIFEST}"
        written = own_policy(role.arn, "s3:GetObject", f"arn:{partition}:s3:::{bucket}/*",
                             f"bucket policy of arn:{partition}:s3:::{bucket} as the party would write it for "
                             f"{role.arn}", _PARTY_WRITES)
        read = answer(graph, role, "s3:GetObject", manifest, account, written, direct,
                      note=f"Batch Operations reads the manifest the party put in its bucket {bucket}")
        if isinstance(read, Hop):
            return (read,)
        undecided.extend(read or ())
    manifest = f"{source.arn}/{MANIFEST}"
    put = answer(graph, who, "s3:PutObject", manifest, source.account, policy, direct,
                 note="writes the job's manifest into the source bucket")
    if isinstance(put, Hop):
        read = answer(graph, role, "s3:GetObject", manifest, source.account, policy, direct,
                      note="Batch Operations reads the manifest")
        if isinstance(read, Hop):
            return (put, read)
    listing = answer(graph, role, "s3:ListBucket", source.arn, source.account, policy, direct)
    if isinstance(listing, Hop) or listing:
        undecided.append(
            f"{who.arn} may create an S3 Batch Operations job copying {source.arn} into a bucket the party owns as "
            f"{role.arn}, whose manifest S3's generator could list from the bucket ({role.arn} may s3:ListBucket "
            "it); which permissions the generator needs beyond that AWS's pages do not settle")
    return None


def _pass(copier: Copier, graph: Graph, who: Node, role: Node, undecided: list[str]) -> Hop | None:
    """``who``'s iam:PassRole of ``role`` to the copier's service (``iam:PassedToService``), or None."""
    passed = answer(graph, who, "iam:PassRole", role.arn, who.account, None, {"iam:PassedToService": copier.service},
                    note=f"passes the role the {copier.what} is made as to {copier.service}")
    if isinstance(passed, Hop):
        return passed
    undecided.extend(passed or ())
    return None


def _copy(copier: Copier, graph: Graph, role: Node, source: Bucket, policy: Policy | None, obj: str,
          direct: Mapping[str, str | None], decrypt: Decrypt, undecided: list[str]) -> tuple[Hop, ...] | None:
    """The role's side: read the source object (and decrypt it), then write it, as the party's destination admits,
    into a bucket of a party account; the party's read of the copy last."""
    read = answer(graph, role, copier.read, obj, source.account, policy, direct,
                  note=f"S3 reads the object as {role.arn}")
    if not isinstance(read, Hop):
        undecided.extend(read or ())
        return None
    kms = (source.sse_algorithm or "").startswith("aws:kms")
    opened: tuple[Hop, ...] = ()
    if kms:
        decrypted = decrypt(role, obj)
        if decrypted is None:
            return None
        opened = decrypted
    key = obj[len(source.arn) + 1:]
    partition = role.arn.split(":")[1]
    for account, bucket in _destinations(graph, role, partition):
        sealed: tuple[Hop, ...] = ()
        if kms and copier.seals:
            replica_key = f"arn:{partition}:kms:{source.region}:{account}:key/enjoin-probe"
            written_key = own_policy(role.arn, ENCRYPT, "*", f"key policy of {replica_key}, the party's replica "
                                     f"key, as the party would write it for {role.arn}", _PARTY_WRITES)
            encrypt = answer(graph, role, ENCRYPT, replica_key, account, written_key,
                             {"kms:ViaService": f"s3.{source.region}.amazonaws.com"},
                             note="encrypts the replica with a key of the party's")
            if not isinstance(encrypt, Hop):
                undecided.extend(encrypt or ())
                continue
            sealed = (encrypt,)
        replica = f"arn:{partition}:s3:::{bucket}/{key}"
        written = own_policy(role.arn, copier.write, f"arn:{partition}:s3:::{bucket}/*",
                             f"bucket policy of arn:{partition}:s3:::{bucket} as the party would write it for "
                             f"{role.arn}", _PARTY_WRITES)
        replicate = answer(graph, role, copier.write, replica, account, written, direct,
                           note=f"S3 writes the {copier.what} into {bucket}, a bucket of the party's account {account}")
        if not isinstance(replicate, Hop):
            undecided.extend(replicate or ())
            continue
        owner = Hop(f"arn:{partition}:iam::{account}:root", READ_ACTION, replica, (), {},
                    f"the {copier.what} of {obj} in the party's own bucket {bucket}")
        return (read, *opened, *sealed, replicate, owner)
    return None


def _destinations(graph: Graph, role: Node, partition: str) -> Iterator[tuple[str, str]]:
    """(party account, bucket name) pairs to try: the snapshot's buckets of party accounts, then the names the
    role's policies allow that no bucket of another account bears."""
    accounts = sorted(graph.party_accounts)
    taken = {b.name: b.account for b in graph.snapshot.buckets}
    seen: set[tuple[str, str]] = set()
    for bucket in graph.snapshot.buckets:
        if bucket.account in graph.party_accounts:
            seen.add((bucket.account, bucket.name))
            yield bucket.account, bucket.name
    prefix = f"arn:{partition}:s3:::"
    for candidate in resource_names(role, prefix, ":::"):
        name = candidate[len(prefix):].split("/", 1)[0]
        if name in taken or not _BUCKET_NAME.fullmatch(name):
            continue
        for account in accounts:
            if (account, name) not in seen:
                seen.add((account, name))
                yield account, name
