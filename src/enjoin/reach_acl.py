"""Object ACLs: on a bucket whose ACLs are enabled, an object's ACL can grant another account READ.

S3 Object Ownership decides whether ACLs count at all ("Controlling ownership of objects and disabling ACLs for your
bucket", https://docs.aws.amazon.com/AmazonS3/latest/userguide/about-object-ownership.html): with
``BucketOwnerEnforced`` they are disabled and "no longer affect permissions"; with ``BucketOwnerPreferred`` or
``ObjectWriter`` (and on a bucket without the setting, which behaves as ``ObjectWriter``) they are enabled.

An ACL grants an account (its canonical user), not a principal: a grant of READ to another account is a resource-side
allowance of ``s3:GetObject`` on the object to that account, whose own identity policies must then allow the read, as
for a bucket policy naming the account ("How Amazon S3 authorizes a request for an object operation",
https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-auth-workflow-object-operation.html; "Access
control list (ACL) overview", https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html). Reach decides
the read of another account's principal under the bucket policy with that allowance added: the bucket policy's Denies,
the caller's identity policies, boundary, SCPs and RCPs still decide, and so does the KMS side.

Two things follow, both decided per holding and party:

- Within the bucket's account, a principal allowed ``s3:PutObjectAcl`` on the holding's objects grants a party's
  account READ in an object's ACL (an ACL that names one account is not public, so Block Public Access does not refuse
  it); the party then reads as a role it creates in its own account: a path, decided hop by hop. A principal of
  another account that the bucket policy allows to write the ACL (objects the bucket's account owns are governed by
  its bucket policy) grants its own account, and reads. ``s3:PutObjectVersionAcl`` (PutObjectAcl naming a version)
  will do as well: naming the version "null" in a bucket never versioned, or a version id that
  ``s3:ListBucketVersions`` lists ("Access control list (ACL) overview"; API_PutObjectAcl, versionId).
- What the objects' ACLs say today the inventory does not read (an ACL is per object: reading every one is reading the
  data's index). So where another account's principal would read under such a grant, what the holding's bucket holds
  is INDETERMINATE for it, the reason naming the bucket and its setting, unless a path is found another way.
"""

from __future__ import annotations

from enjoin.engine import Policy, PolicyKind, compile_policy
from enjoin.reach_model import READ_ACTION
from enjoin.snapshot import Bucket, Document

ACLS_ENABLED = frozenset({"ObjectWriter", "BucketOwnerPreferred"})
PUT_OBJECT_ACL = "s3:PutObjectAcl"
# PutObjectAcl naming a versionId is authorized as s3:PutObjectVersionAcl; the id of an object in a bucket never
# versioned is "null", otherwise it is listed by ListObjectVersions (s3:ListBucketVersions).
PUT_OBJECT_VERSION_ACL = "s3:PutObjectVersionAcl"
LIST_VERSIONS = "s3:ListBucketVersions"
ACL_GRANT_SID = "ObjectAclGrantsReadToTheAccount"


def acls_enabled(bucket: Bucket) -> bool:
    """Whether objects' ACLs count on ``bucket`` (None: ownership not read, left to the gap that says so)."""
    return bucket.ownership in ACLS_ENABLED


def doubt(bucket: Bucket, who: str, account: str) -> str:
    """The reason a read by ``who`` (of ``account``) is undecided for want of the objects' ACLs."""
    return (f"{bucket.arn} has ACLs enabled (ObjectOwnership {bucket.ownership}): an object's ACL may grant account "
            f"{account} READ, under which {who} would read it; the inventory does not read objects' ACLs "
            "(BucketOwnerEnforced disables them)")


def with_grant(bucket: Bucket, account: str) -> Policy:
    """The bucket policy with one more statement: what an object ACL granting ``account`` READ allows."""
    written: Document = dict(bucket.policy) if bucket.policy else {"Version": "2012-10-17", "Statement": []}
    statements = written.get("Statement", [])
    statements = [statements] if isinstance(statements, dict) else list(statements)
    partition = bucket.arn.split(":")[1]
    statements.append({"Sid": ACL_GRANT_SID, "Effect": "Allow",
                       "Principal": {"AWS": f"arn:{partition}:iam::{account}:root"},
                       "Action": READ_ACTION, "Resource": f"{bucket.arn}/*"})
    return compile_policy({**written, "Statement": statements},
                          label=f"bucket policy of {bucket.arn} with an object ACL granting {account} READ",
                          kind=PolicyKind.RESOURCE)
