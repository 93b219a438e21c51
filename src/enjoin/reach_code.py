"""Code a role runs, fetched from S3 at every run: whoever may write the object runs code as the role.

The ``{code}`` rows of ``reach_compute.yaml`` (a Glue job's script and the modules, JARs and wheels its arguments
name: :func:`enjoin.inventory_compute.job_code`). Unlike the other takeovers, the request is not made to the
compute's service but to S3, so it is decided against the object's bucket, and the writer may be of any account:

- ``s3:PutObject`` on the object, under the bucket policy, in the bucket's account ("How Amazon S3 authorizes a
  request for an object operation"). A writer of another account is refused outright where Block Public Access's
  RestrictPublicBuckets applies to a public bucket policy, as for reads (:meth:`enjoin.reach_data.Reader`).
- The writer chooses the object's encryption (API_PutObject, ``x-amz-server-side-encryption``): SSE-S3 needs no key;
  where the bucket policy refuses that, the bucket's own KMS key, for which S3 asks ``kms:GenerateDataKey`` of the
  writer ("Using server-side encryption with AWS KMS keys"), decided under the key policy with ``kms:ViaService``.
  The AWS managed key ``aws/s3`` serves its own account only.
- On a bucket whose ACLs are enabled (Object Ownership ObjectWriter or BucketOwnerPreferred), an object a writer of
  another account uploads belongs to the writer, and the bucket's account reads it only under the
  ``bucket-owner-full-control`` canned ACL; the writer sends it (``s3:x-amz-acl``), which a bucket policy may require
  ("Policy examples for ACLs").
- The job's role must then read the object (``s3:GetObject``, and ``kms:Decrypt`` when it is under KMS): a script
  its own role cannot read never runs.

The role's trust must still admit the row's service (the service assumes it when the job runs). A bucket the
inventory does not hold (another account's, not configured) cannot be decided: what the role reads is then in doubt
for a party whose principal may write there by its own identity policies (a :class:`~enjoin.reach_compute.Split`).
"""

from __future__ import annotations

from collections.abc import Mapping

from enjoin.reach_acl import acls_enabled
from enjoin.reach_compute import Split, Way
from enjoin.reach_data import resolve_key
from enjoin.reach_edges import Edge, Outcome, answer
from enjoin.reach_filter import may_act
from enjoin.reach_graph import Graph, Node
from enjoin.reach_model import DECRYPT_ACTION, READ_ACTION, Hop
from enjoin.s3_public import policy_public
from enjoin.snapshot import Bucket, Compute

WRITE_ACTION = "s3:PutObject"
GENERATE_ACTION = "kms:GenerateDataKey"
OWNER_ACL = "bucket-owner-full-control"


def probe(code: str) -> str:
    """The object a request is asked on: the ARN itself, or an object under a folder (``.../*``)."""
    return code[:-1] + "enjoin-probe.py" if code.endswith("/*") else code


def _bucket(graph: Graph, obj: str) -> Bucket | None:
    name = obj.split(":::", 1)[-1].split("/", 1)[0]
    return next((b for b in graph.snapshot.buckets if b.name == name), None)


def _key(graph: Graph, bucket: Bucket) -> tuple[str, str] | str | None:
    """The bucket's KMS key (ARN, account) a writer choosing KMS uses; None for the AWS managed key; a reason when it
    cannot be read."""
    if not bucket.kms_key_id:
        return None
    key = resolve_key(bucket.kms_key_id, graph.snapshot.keys)
    if key is None:
        return f"the KMS key {bucket.kms_key_id} of {bucket.arn} was not read back"
    return key.arn, key.account


def _written(graph: Graph, who: Node, bucket: Bucket, obj: str, note: str) -> list[Hop] | tuple[str, ...] | None:
    """``who``'s write of ``obj`` with an encryption it chooses: the hops (the write, and the key's data key when
    under KMS), the reasons it cannot be decided, or None."""
    policy = graph.bucket_policy.get(bucket.arn)
    if isinstance(policy, str):
        return (policy,)
    other = who.account != bucket.account
    if other and bool((bucket.public_access_block or {}).get("RestrictPublicBuckets")) and policy_public(bucket.policy):
        return None
    fixed: dict[str, str | None] = {"s3:x-amz-acl": OWNER_ACL} if other and acls_enabled(bucket) else {}
    undecided: list[str] = []
    plain = answer(graph, who, WRITE_ACTION, obj, bucket.account, policy,
                   {**fixed, "s3:x-amz-server-side-encryption": "AES256"}, note=note)
    if isinstance(plain, Hop):
        return [plain]
    undecided += plain or ()
    key = _key(graph, bucket)
    if isinstance(key, str):
        return (*undecided, key)
    if key is None and other:
        return tuple(undecided) or None  # aws/s3 serves the bucket's account only
    kms = answer(graph, who, WRITE_ACTION, obj, bucket.account, policy,
                 {**fixed, "s3:x-amz-server-side-encryption": "aws:kms",
                  **({"s3:x-amz-server-side-encryption-aws-kms-key-id": key[0]} if key else {})}, note=note)
    if not isinstance(kms, Hop):
        return (*undecided, *(kms or ())) or None
    if key is None:
        return [kms]
    data_key = _data_key(graph, who, bucket, obj, key[0], key[1])
    if isinstance(data_key, Hop):
        return [kms, data_key]
    return (*undecided, *(data_key or ())) or None


def _data_key(graph: Graph, who: Node, bucket: Bucket, obj: str, key_arn: str, account: str,
              action: str = GENERATE_ACTION) -> Hop | tuple[str, ...] | None:
    policy = graph.key_policy.get(key_arn)
    if isinstance(policy, str):
        return (policy,)
    context: Mapping[str, str | None] = {
        "kms:ViaService": f"s3.{bucket.region}.amazonaws.com",
        "kms:EncryptionContext:aws:s3:arn": bucket.arn if bucket.bucket_key_enabled else obj,
    }
    return answer(graph, who, action, key_arn, account, policy, context)


def _run(graph: Graph, role: Node, bucket: Bucket, obj: str, kms: bool,
         note: str) -> list[Hop] | tuple[str, ...] | None:
    """The role's read of the object it runs (and its decryption, when written under KMS)."""
    policy = graph.bucket_policy.get(bucket.arn)
    if isinstance(policy, str):
        return (policy,)
    read = answer(graph, role, READ_ACTION, obj, bucket.account, policy, note=note)
    if not isinstance(read, Hop):
        return read
    key = _key(graph, bucket) if kms else None
    if isinstance(key, str):
        return (key,)
    if key is None:
        return [read]
    decrypt = _data_key(graph, role, bucket, obj, key[0], key[1], DECRYPT_ACTION)
    return [read, decrypt] if isinstance(decrypt, Hop) else decrypt


def write_code(graph: Graph, way: Way, who: Node, compute: Compute, role: Node,
               roles: Mapping[str, frozenset[str]]) -> Outcome | Split:
    """``who`` writes an object ``compute`` runs at every run, which then runs as ``role``: an edge, a doubt about
    what the role reads (a bucket not inventoried, a request the engine cannot decide), or None."""
    if not compute.code or not may_act(who, WRITE_ACTION) or way.service not in roles.get(role.arn, ()):
        return None
    trust = graph.trust.get(role.arn)
    if isinstance(trust, str):
        return (trust,)
    reasons: list[str] = []
    for code in compute.code:
        obj = probe(code)
        note = f"{way.id}: {compute.arn} runs {code} as {role.arn} at every run"
        bucket = _bucket(graph, obj)
        if bucket is None:
            # Another account's bucket, not inventoried: only who's own side can be asked (as of a bucket of its
            # own account, where its identity policies alone decide).
            hop = answer(graph, who, WRITE_ACTION, obj, who.account, None, note=note)
            if hop is not None:
                reasons.append(f"{who.arn} may write {code}, which {compute.arn} runs as {role.arn} at every run "
                               f"({way.id}), by its own policies; the bucket is not in the inventory, so whether "
                               "its policy admits the write cannot be decided")
                reasons += hop if isinstance(hop, tuple) else ()
            continue
        written = _written(graph, who, bucket, obj, note)
        if not isinstance(written, list):
            reasons += written or ()
            continue
        kms = any(h.context.get("s3:x-amz-server-side-encryption") == "aws:kms" for h in written)
        ran = _run(graph, role, bucket, obj, kms, f"{compute.arn} fetches {code} to run it")
        if isinstance(ran, list):
            return Edge(role, (*written, *ran))
        reasons += ran or ()
    if reasons:
        return Split(role, (), WRITE_ACTION, (f"{way.id}: {way.how}", *reasons))
    return None
