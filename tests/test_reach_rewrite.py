"""Rewriting a resource's own policy to admit oneself (enjoin.reach_rewrite), over hand-built snapshots.

DHS assumes Steward, a role of CMS (the bucket's and key's account). The claims bucket's policy and the key's
policy admit no one but the account; Steward's own policies never allow s3:GetObject or kms:Decrypt. What it may do
instead (replace the bucket policy, replace the key policy, grant itself the key) is each test's subject. DhsReader
is a role of DHS itself, for the cross-account cases.
"""

from __future__ import annotations

from typing import Any

from enjoin.reach import compute_reach
from enjoin.reach_model import Reach
from enjoin.snapshot import Bucket, Key, NamedPolicy, Organization, Role, Snapshot
from reach_common import (
    BUCKET,
    CLAIMS,
    CMS,
    DHS,
    DHS_READER,
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


def reach(steward: dict[str, Any] | None = None, *, bucket_policy: dict[str, Any] | None = None,
          key_policy: dict[str, Any] | None = None, kms: bool = False, dhs_reader: dict[str, Any] | None = None,
          scp: dict[str, Any] | None = None) -> Reach:
    roles = [Role(STEWARD, "Steward", CMS, TRUST_DHS,
                  inline_policies=(NamedPolicy("p", steward),) if steward else ())]
    if dhs_reader is not None:
        roles.append(Role(DHS_READER, "DhsReader", DHS, doc(), inline_policies=(NamedPolicy("p", dhs_reader),)))
    bucket = Bucket(BUCKET, "claims", CMS, REGION, bucket_policy,
                    sse_algorithm="aws:kms" if kms else "AES256", kms_key_id=KEY if kms else None)
    keys = (Key(KEY, "k1", CMS, REGION, key_policy or doc(ENABLE_IAM)),) if kms else ()
    organization = Organization(scps={CMS: ((scp,),)}) if scp else Organization()
    snap = Snapshot((CMS, DHS), roles=tuple(roles), buckets=(bucket,), keys=keys, organization=organization)
    return compute_reach(snap, [PARTY], [CLAIMS], REGION)


def test_a_role_that_may_replace_the_bucket_policy_reads_under_the_policy_it_writes() -> None:
    found = reach(doc(allow("s3:PutBucketPolicy", BUCKET)))
    assert found.undecided == ()
    (path,) = steps(found)
    assert path[1:] == [(STEWARD, "s3:PutBucketPolicy", BUCKET), (STEWARD, "s3:GetObject", f"{BUCKET}/enjoin-probe")]
    (access,) = found.accesses
    assert "replaces the bucket policy" in access.hops[1].note
    # The statement it wrote allows the read.
    assert [s.policy for s in access.hops[2].statements] == [f"bucket policy of {BUCKET} as {STEWARD} would rewrite it"]


def test_no_rewrite_where_aws_refuses_the_put_bucket_policy() -> None:
    cases = {
        "another bucket only": reach(doc(allow("s3:PutBucketPolicy", "arn:aws:s3:::sandbox-*"))),
        "the bucket policy denies it": reach(doc(allow("s3:PutBucketPolicy", BUCKET)), bucket_policy=doc(
            {**deny("s3:PutBucketPolicy", BUCKET), "Principal": "*"})),
        "an SCP denies it": reach(doc(allow("s3:PutBucketPolicy", BUCKET)),
                                  scp=doc(allow("*", "*"), deny("s3:PutBucketPolicy", "*"))),
        "its own policy denies the read it would grant itself": reach(doc(
            allow("s3:PutBucketPolicy", BUCKET), deny("s3:GetObject", f"{BUCKET}/*"))),
        "only reading the policy": reach(doc(allow("s3:GetBucketPolicy", BUCKET))),
    }
    for case, found in cases.items():
        assert (found.accesses, found.undecided) == ((), ()), case


def test_another_account_cannot_replace_the_bucket_policy_even_where_the_policy_allows_it() -> None:
    """PutBucketPolicy: the caller must belong to the bucket owner's account."""
    grants_dhs = doc({**allow("s3:PutBucketPolicy", BUCKET), "Principal": {"AWS": DHS_READER}})
    found = reach(bucket_policy=grants_dhs, dhs_reader=doc(allow(["s3:PutBucketPolicy", "s3:GetObject"], "*")))
    assert (found.accesses, found.undecided) == ((), ())


def test_an_sse_kms_bucket_needs_the_key_side_too_which_a_key_policy_rewrite_gives() -> None:
    rewrite_bucket = allow("s3:PutBucketPolicy", BUCKET)
    assert steps(reach(doc(rewrite_bucket), kms=True)) == []
    found = reach(doc(rewrite_bucket, allow("kms:PutKeyPolicy", KEY)), kms=True)
    (path,) = steps(found)
    assert [a for _, a, _ in path[1:]] == ["s3:PutBucketPolicy", "s3:GetObject", "kms:PutKeyPolicy", "kms:Decrypt"]
    # A key policy that no longer delegates to IAM refuses the PutKeyPolicy the role's own policy allows.
    closed = doc({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{CMS}:role/KeyAdmin"}, "Action": "kms:*",
                  "Resource": "*"})
    assert steps(reach(doc(rewrite_bucket, allow("kms:PutKeyPolicy", KEY)), kms=True, key_policy=closed)) == []


def test_a_grant_the_caller_makes_itself_opens_the_key_across_accounts() -> None:
    """DhsReader (DHS) reads the bucket by its policy; the key lets DHS create grants, not decrypt."""
    bucket_policy = doc({**allow("s3:GetObject", f"{BUCKET}/*"), "Principal": {"AWS": DHS_READER}})
    dhs_root = {"AWS": f"arn:aws:iam::{DHS}:root"}
    lets_dhs_grant = doc(ENABLE_IAM, {**allow("kms:CreateGrant", "*"), "Principal": dhs_root})
    reader = doc(allow(["s3:GetObject", "kms:CreateGrant"], "*"))
    found = reach(bucket_policy=bucket_policy, key_policy=lets_dhs_grant, kms=True, dhs_reader=reader)
    (path,) = [p for p in steps(found) if p[0][0] == DHS_READER]
    assert [a for _, a, _ in path] == ["s3:GetObject", "kms:CreateGrant", "kms:Decrypt"]
    (access,) = [a for a in found.accesses if a.hops[0].principal == DHS_READER]
    assert access.hops[1].context["kms:GranteePrincipal"] == DHS_READER
    assert "enjoin-self-grant" in " ".join(str(s) for s in access.hops[2].statements)
    # The usual statement for AWS services' grants (kms:GrantIsForAWSResource true) lets no caller grant itself.
    for_services = doc(ENABLE_IAM, {**allow("kms:CreateGrant", "*"), "Principal": dhs_root,
                                    "Condition": {"Bool": {"kms:GrantIsForAWSResource": "true"}}})
    found = reach(bucket_policy=bucket_policy, key_policy=for_services, kms=True, dhs_reader=reader)
    assert [p for p in steps(found) if p[0][0] == DHS_READER] == []


def test_deleting_a_bucket_policy_whose_denies_keep_a_role_out_lets_its_own_policy_read() -> None:
    only_ingest = doc({**deny("s3:GetObject", f"{BUCKET}/*"), "Principal": "*",
                       "Condition": {"ArnNotEquals": {"aws:PrincipalArn": f"arn:aws:iam::{CMS}:role/Ingest"}}})
    reads = allow("s3:GetObject", f"{BUCKET}/*")
    assert steps(reach(doc(reads), bucket_policy=only_ingest)) == []
    found = reach(doc(reads, allow("s3:DeleteBucketPolicy", BUCKET)), bucket_policy=only_ingest)
    (path,) = steps(found)
    assert path[1:] == [(STEWARD, "s3:DeleteBucketPolicy", BUCKET), (STEWARD, "s3:GetObject", f"{BUCKET}/enjoin-probe")]
    assert found.accesses[0].hops[2].note == "with no bucket policy"
    # Deleting it and having no read of its own reaches nothing.
    assert steps(reach(doc(allow("s3:DeleteBucketPolicy", BUCKET)), bucket_policy=only_ingest)) == []
