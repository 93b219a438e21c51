"""Object ACLs on a bucket whose ACLs are enabled (enjoin.reach_acl), over hand-built snapshots.

The claims bucket of CMS holds medicaid data; its Object Ownership is each test's. DHS assumes Steward, a role of CMS;
in its own account DHS can create a role with any policy (reach's party-controlled role), so another account's read
that an object ACL would allow is open to it.
"""

from __future__ import annotations

from typing import Any

from enjoin.reach import compute_reach
from enjoin.reach_model import Reach
from enjoin.snapshot import Bucket, Key, NamedPolicy, Role, Snapshot
from reach_common import BUCKET, CLAIMS, CMS, DHS, ENABLE_IAM, KEY, PARTY, REGION, STEWARD, TRUST_DHS, allow, doc

PARTY_ROLE = f"arn:aws:iam::{DHS}:role/enjoin-party-controlled"


CMS_ONLY = doc({"Effect": "Deny", "Principal": "*", "Action": "s3:GetObject", "Resource": f"{BUCKET}/*",
                "Condition": {"StringNotEquals": {"aws:PrincipalAccount": CMS}}})


def reach(ownership: str | None, steward: dict[str, Any] | None = None, *,
          bucket_policy: dict[str, Any] | None = None, key_policy: dict[str, Any] | None = None,
          versioning: str | None = None) -> Reach:
    roles = (Role(STEWARD, "Steward", CMS, TRUST_DHS,
                  inline_policies=(NamedPolicy("p", steward),) if steward else ()),)
    kms = key_policy is not None
    bucket = Bucket(BUCKET, "claims", CMS, REGION, bucket_policy, ownership=ownership, versioning=versioning,
                    sse_algorithm="aws:kms" if kms else "AES256", kms_key_id=KEY if kms else None)
    keys = (Key(KEY, "k1", CMS, REGION, key_policy),) if key_policy is not None else ()
    snap = Snapshot((CMS, DHS), roles=roles, buckets=(bucket,), keys=keys)
    return compute_reach(snap, [PARTY], [CLAIMS], REGION)


def reasons(found: Reach) -> list[str]:
    return [r for u in found.undecided for r in u.reasons]


def test_acls_enabled_leave_another_accounts_read_undecided_naming_the_bucket_and_its_setting() -> None:
    for ownership in ("ObjectWriter", "BucketOwnerPreferred"):
        found = reach(ownership)
        assert found.accesses == ()
        assert any(f"{BUCKET} has ACLs enabled (ObjectOwnership {ownership})" in r and DHS in r
                   for r in reasons(found)), ownership


def test_no_acl_doubt_where_acls_are_disabled_or_the_read_is_refused_anyway() -> None:
    cases = {
        "BucketOwnerEnforced": reach("BucketOwnerEnforced"),
        "ownership not read (a gap says so elsewhere)": reach(None),
        "the bucket policy denies every other account": reach("ObjectWriter", bucket_policy=CMS_ONLY),
        "the key opens to CMS only": reach("ObjectWriter", key_policy=doc(ENABLE_IAM)),
    }
    for why, found in cases.items():
        assert found.accesses == (), why
        assert found.undecided == (), why


def test_a_role_that_may_put_an_object_acl_grants_dhs_the_read() -> None:
    found = reach("ObjectWriter", doc(allow("s3:PutObjectAcl", f"{BUCKET}/*")))
    assert len(found.accesses) == 1
    (access,) = found.accesses
    assert [(h.principal, h.action) for h in access.hops[1:]] == [
        (STEWARD, "s3:PutObjectAcl"), (PARTY_ROLE, "s3:GetObject")]
    assert "ObjectAclGrantsReadToTheAccount" in {s.sid for s in access.hops[2].statements}
    # ACLs disabled: the same permission grants nothing.
    assert reach("BucketOwnerEnforced", doc(allow("s3:PutObjectAcl", f"{BUCKET}/*"))).accesses == ()
    # A bucket policy that keeps every other account out refuses the read the ACL would allow.
    assert reach("ObjectWriter", doc(allow("s3:PutObjectAcl", f"{BUCKET}/*")), bucket_policy=CMS_ONLY).accesses == ()


def test_another_account_the_bucket_policy_lets_write_acls_grants_itself_and_reads() -> None:
    writes = {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{DHS}:root"}, "Action": "s3:PutObjectAcl",
              "Resource": f"{BUCKET}/*"}
    found = reach("ObjectWriter", bucket_policy=doc(writes))
    (access,) = found.accesses
    assert [(h.principal, h.action) for h in access.hops] == [
        (PARTY_ROLE, "s3:PutObjectAcl"), (PARTY_ROLE, "s3:GetObject")]
    assert found.undecided == ()
    # ACLs disabled: the ACL it writes grants nothing.
    assert reach("BucketOwnerEnforced", bucket_policy=doc(writes)).accesses == ()


def test_put_object_version_acl_names_the_null_version_of_a_bucket_never_versioned() -> None:
    found = reach("ObjectWriter", doc(allow("s3:PutObjectVersionAcl", f"{BUCKET}/*")))
    (access,) = found.accesses
    assert [h.action for h in access.hops[1:]] == ["s3:PutObjectVersionAcl", "s3:GetObject"]


def test_put_object_version_acl_in_a_versioned_bucket_needs_the_version_ids() -> None:
    versioned = reach("ObjectWriter", doc(allow("s3:PutObjectVersionAcl", f"{BUCKET}/*")), versioning="Enabled")
    assert versioned.accesses == ()
    assert any("has ACLs enabled" in r for r in reasons(versioned))  # still a doubt: an ACL may grant DHS
    listing = doc(allow("s3:PutObjectVersionAcl", f"{BUCKET}/*"), allow("s3:ListBucketVersions", BUCKET))
    (access,) = reach("ObjectWriter", listing, versioning="Enabled").accesses
    assert [h.action for h in access.hops[1:]] == ["s3:ListBucketVersions", "s3:PutObjectVersionAcl",
                                                 "s3:GetObject"]
