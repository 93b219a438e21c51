"""Replication a principal configures itself (enjoin.reach_replicate), over hand-built snapshots.

DHS assumes Steward, a role of CMS (the bucket's account). The claims bucket is versioned and holds medicaid data;
Replicator is a CMS role that S3 may assume, allowed to read the claims for replication and to write replicas into
any ``*-replica`` bucket. Steward's own policies never allow s3:GetObject: what it may do instead is each test's
subject.
"""

from __future__ import annotations

from typing import Any

from enjoin.reach import compute_reach
from enjoin.reach_model import Reach
from enjoin.snapshot import Bucket, Key, NamedPolicy, Role, Snapshot
from reach_common import (
    BUCKET,
    CLAIMS,
    CMS,
    DHS,
    ENABLE_IAM,
    KEY,
    PARTY,
    REGION,
    STEWARD,
    TRUST_DHS,
    allow,
    deny,
    doc,
    steps,
)

REPLICATOR = f"arn:aws:iam::{CMS}:role/Replicator"


CONFIGURE = doc(allow("s3:PutReplicationConfiguration", BUCKET), allow("iam:PassRole", REPLICATOR))
REPLICATE = doc(
    allow("s3:GetObjectVersionForReplication", f"{BUCKET}/*"),
    allow("s3:ReplicateObject", "arn:aws:s3:::*-replica/*"),
)
S3_TRUST = doc({"Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"}, "Action": "sts:AssumeRole"})


def reach(steward: dict[str, Any] | None = CONFIGURE, *, replicator: dict[str, Any] | None = REPLICATE,
          trust: dict[str, Any] = S3_TRUST, bucket_policy: dict[str, Any] | None = None,
          versioning: str | None = "Enabled", kms: bool = False,
          others: tuple[Bucket, ...] = ()) -> Reach:
    roles = [Role(STEWARD, "Steward", CMS, TRUST_DHS,
                  inline_policies=(NamedPolicy("p", steward),) if steward else ())]
    if replicator is not None:
        roles.append(Role(REPLICATOR, "Replicator", CMS, trust, inline_policies=(NamedPolicy("p", replicator),)))
    bucket = Bucket(BUCKET, "claims", CMS, REGION, bucket_policy, versioning=versioning,
                    sse_algorithm="aws:kms" if kms else "AES256", kms_key_id=KEY if kms else None)
    keys = (Key(KEY, "k1", CMS, REGION, doc(ENABLE_IAM)),) if kms else ()
    snap = Snapshot((CMS, DHS), roles=tuple(roles), buckets=(bucket, *others), keys=keys)
    return compute_reach(snap, [PARTY], [CLAIMS], REGION)


def test_a_role_that_may_configure_replication_has_new_claims_copied_into_a_bucket_dhs_owns() -> None:
    found = reach()
    assert found.undecided == ()
    (path,) = steps(found)
    replica = "arn:aws:s3:::enjoin-probe-replica/enjoin-probe"
    assert path[1:] == [
        (STEWARD, "s3:PutReplicationConfiguration", BUCKET),
        (STEWARD, "iam:PassRole", REPLICATOR),
        (REPLICATOR, "s3:GetObjectVersionForReplication", f"{BUCKET}/enjoin-probe"),
        (REPLICATOR, "s3:ReplicateObject", replica),
        (f"arn:aws:iam::{DHS}:root", "s3:GetObject", replica),
    ]
    (access,) = found.accesses
    assert "existing objects would need S3 Batch Replication" in access.hops[1].note
    assert "WrittenByThePartyForTheCopyRole" in {s.sid for s in access.hops[4].statements}
    assert access.hops[2].context == {"iam:PassedToService": "s3.amazonaws.com"}
    # The destination's policy is the party's to write: the statement it would write lets the replica in.
    written = "bucket policy of arn:aws:s3:::enjoin-probe-replica as the party would write it for " + REPLICATOR
    assert written in {s.policy for s in access.hops[4].statements}


def test_no_replication_path_where_a_step_is_refused() -> None:
    cases = {
        "PassRole to Lambda only": reach(doc(
            allow("s3:PutReplicationConfiguration", BUCKET),
            allow("iam:PassRole", REPLICATOR,
                  Condition={"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}}),
        )),
        "no PassRole": reach(doc(allow("s3:PutReplicationConfiguration", BUCKET))),
        "the bucket policy denies configuring replication": reach(bucket_policy=doc(
            {**deny("s3:PutReplicationConfiguration", BUCKET), "Principal": "*"})),
        "the bucket policy denies the replication role its read": reach(bucket_policy=doc(
            {**deny("s3:GetObjectVersionForReplication", f"{BUCKET}/*"), "Principal": "*"})),
        "the role may write replicas only into a bucket CMS already has": reach(
            replicator=doc(allow("s3:GetObjectVersionForReplication", f"{BUCKET}/*"),
                           allow("s3:ReplicateObject", "arn:aws:s3:::cms-archive/*")),
            others=(Bucket("arn:aws:s3:::cms-archive", "cms-archive", CMS, REGION, None),)),
        "no role S3 may assume": reach(trust=doc(
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"})),
        "versioning suspended, and no PutBucketVersioning": reach(versioning="Suspended"),
        # SSE-KMS objects need a replica key the role may encrypt with.
        "SSE-KMS, the role may decrypt but not encrypt": reach(
            replicator=doc(*REPLICATE["Statement"], allow("kms:Decrypt", KEY)), kms=True),
    }
    for why, found in cases.items():
        assert found.accesses == (), why
        assert found.undecided == (), why


def test_a_bucket_without_versioning_is_replicated_by_a_caller_that_may_enable_it() -> None:
    steward = doc(*CONFIGURE["Statement"], allow("s3:PutBucketVersioning", BUCKET))
    (path,) = steps(reach(steward, versioning=None))
    assert [action for _, action, _ in path[1:4]] == [
        "s3:PutReplicationConfiguration", "s3:PutBucketVersioning", "iam:PassRole"]


def test_sse_kms_objects_are_replicated_where_the_role_decrypts_them_and_encrypts_with_a_party_key() -> None:
    replicator = doc(*REPLICATE["Statement"], allow("kms:Decrypt", KEY), allow("kms:Encrypt", "*"))
    (path,) = steps(reach(replicator=replicator, kms=True))
    assert [(p, a) for p, a, _ in path[3:6]] == [
        (REPLICATOR, "s3:GetObjectVersionForReplication"), (REPLICATOR, "kms:Decrypt"), (REPLICATOR, "kms:Encrypt")]
    assert path[5][2] == f"arn:aws:kms:{REGION}:{DHS}:key/enjoin-probe"


def test_an_existing_bucket_of_dhs_is_a_destination_too() -> None:
    ice = Bucket("arn:aws:s3:::ice-case-files", "ice-case-files", DHS, REGION, None)
    replicator = doc(allow("s3:GetObjectVersionForReplication", f"{BUCKET}/*"), allow("s3:ReplicateObject", "*"))
    (path,) = steps(reach(replicator=replicator, others=(ice,)))
    assert path[-2] == (REPLICATOR, "s3:ReplicateObject", "arn:aws:s3:::ice-case-files/enjoin-probe")


# --- S3 Batch Operations: the existing objects copied by a job the caller creates -----------------------------

BATCH_TRUST = doc({"Effect": "Allow", "Principal": {"Service": "batchoperations.s3.amazonaws.com"},
                   "Action": "sts:AssumeRole"})
START_JOB = doc(allow("s3:CreateJob", "*"), allow("iam:PassRole", REPLICATOR))
COPY_OUT = doc(
    allow("s3:GetObject", [f"{BUCKET}/*", "arn:aws:s3:::*-exports/*"]),
    allow("s3:PutObject", "arn:aws:s3:::*-exports/*"),
)


def test_a_batch_job_the_caller_creates_copies_existing_claims_into_a_bucket_dhs_owns() -> None:
    found = reach(START_JOB, replicator=COPY_OUT, trust=BATCH_TRUST)
    assert found.undecided == ()
    (path,) = steps(found)
    copy = "arn:aws:s3:::enjoin-probe-exports/enjoin-probe"
    assert path[1:] == [
        (STEWARD, "s3:CreateJob", "*"),
        (STEWARD, "iam:PassRole", REPLICATOR),
        (REPLICATOR, "s3:GetObject", "arn:aws:s3:::enjoin-probe-exports/enjoin-manifest.csv"),
        (REPLICATOR, "s3:GetObject", f"{BUCKET}/enjoin-probe"),
        (REPLICATOR, "s3:PutObject", copy),
        (f"arn:aws:iam::{DHS}:root", "s3:GetObject", copy),
    ]
    (access,) = found.accesses
    assert access.hops[1].context == {"s3:RequestJobOperation": "S3PutObjectCopy"}
    assert access.hops[2].context == {"iam:PassedToService": "batchoperations.s3.amazonaws.com"}


def test_a_manifest_the_caller_writes_into_the_source_bucket_serves_too() -> None:
    steward = doc(*START_JOB["Statement"], allow("s3:PutObject", f"{BUCKET}/*"))
    replicator = doc(allow("s3:GetObject", f"{BUCKET}/*"), allow("s3:PutObject", "arn:aws:s3:::*-exports/*"))
    (path,) = steps(reach(steward, replicator=replicator, trust=BATCH_TRUST))
    assert path[3:5] == [(STEWARD, "s3:PutObject", f"{BUCKET}/enjoin-manifest.csv"),
                         (REPLICATOR, "s3:GetObject", f"{BUCKET}/enjoin-manifest.csv")]


def test_a_job_whose_manifest_only_the_generator_could_list_is_a_doubt() -> None:
    replicator = doc(allow(["s3:GetObject", "s3:ListBucket"], [BUCKET, f"{BUCKET}/*"]),
                     allow("s3:PutObject", "arn:aws:s3:::*-exports/*"))
    found = reach(START_JOB, replicator=replicator, trust=BATCH_TRUST)
    assert found.accesses == ()
    assert any("manifest S3's generator could list" in r for u in found.undecided for r in u.reasons)


def test_no_batch_copy_where_a_step_is_refused() -> None:
    cases = {
        "PassRole to S3 replication, not Batch Operations": reach(doc(
            allow("s3:CreateJob", "*"),
            allow("iam:PassRole", REPLICATOR,
                  Condition={"StringEquals": {"iam:PassedToService": "s3.amazonaws.com"}})),
            replicator=COPY_OUT, trust=BATCH_TRUST),
        "jobs that only tag objects": reach(doc(
            allow("s3:CreateJob", "*", Condition={"StringEquals": {"s3:RequestJobOperation": "S3PutObjectTagging"}}),
            allow("iam:PassRole", REPLICATOR)), replicator=COPY_OUT, trust=BATCH_TRUST),
        "the role trusts S3 replication only": reach(START_JOB, replicator=COPY_OUT),
        "the role may not read the claims": reach(START_JOB, trust=BATCH_TRUST, replicator=doc(
            allow("s3:GetObject", "arn:aws:s3:::*-exports/*"), allow("s3:PutObject", "arn:aws:s3:::*-exports/*"))),
    }
    for why, found in cases.items():
        assert found.accesses == (), why
        assert found.undecided == (), why


def test_a_batch_copy_of_sse_kms_objects_needs_the_source_key_only() -> None:
    replicator = doc(*COPY_OUT["Statement"], allow("kms:Decrypt", KEY))
    (path,) = steps(reach(START_JOB, replicator=replicator, trust=BATCH_TRUST, kms=True))
    # After the manifest: the source object, its key, the copy (SSE-S3 at the party's: no key of the party's).
    assert [a for _, a, _ in path[4:8]] == ["s3:GetObject", "kms:Decrypt", "s3:PutObject", "s3:GetObject"]
