"""Access points a principal creates, or whose policy it replaces, to read a bucket (enjoin.reach_rewrite).

DHS assumes Steward, a role of CMS (the bucket's account); DhsReader is a role of DHS itself. The claims bucket holds
medicaid data, encrypted with SSE-S3 so that only the S3 sides count. Each test gives the bucket a policy (or
none), its access points (or none), and the principals what they may do.
"""

from __future__ import annotations

from typing import Any

from enjoin.reach import compute_reach
from enjoin.reach_model import Reach
from enjoin.snapshot import AccessPoint, Bucket, NamedPolicy, Organization, Role, Snapshot
from reach_common import (
    BUCKET,
    CLAIMS,
    CMS,
    DHS,
    DHS_READER,
    PARTY,
    REGION,
    STEWARD,
    TRUST_DHS,
    allow,
    deny,
    doc,
    steps,
)

CMS_POINTS = f"arn:aws:s3:{REGION}:{CMS}:accesspoint/"
DHS_POINTS = f"arn:aws:s3:{REGION}:{DHS}:accesspoint/"


def delegate(account: str = CMS, **condition: Any) -> dict[str, Any]:
    """A bucket policy delegating access control to the access points of ``account`` (AWS's pattern)."""
    return doc({"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "*", "Resource": [BUCKET, f"{BUCKET}/*"],
                "Condition": {"StringEquals": {"s3:DataAccessPointAccount": account, **condition}}})


def reach(steward: dict[str, Any] | None = None, *, bucket_policy: dict[str, Any] | None = None,
          points: tuple[AccessPoint, ...] = (), dhs_reader: dict[str, Any] | None = None,
          scp: dict[str, Any] | None = None, restrict_public: bool = False) -> Reach:
    roles = [Role(STEWARD, "Steward", CMS, TRUST_DHS,
                  inline_policies=(NamedPolicy("p", steward),) if steward else ())]
    if dhs_reader is not None:
        roles.append(Role(DHS_READER, "DhsReader", DHS, doc(), inline_policies=(NamedPolicy("p", dhs_reader),)))
    block = {"RestrictPublicBuckets": True} if restrict_public else None
    bucket = Bucket(BUCKET, "claims", CMS, REGION, bucket_policy, sse_algorithm="AES256", public_access_block=block)
    organization = Organization(scps={CMS: ((scp,),)}) if scp else Organization()
    snap = Snapshot((CMS, DHS), roles=tuple(roles), buckets=(bucket,), access_points=points,
                    organization=organization)
    return compute_reach(snap, [PARTY], [CLAIMS], REGION)


CREATE_AND_READ = doc(
    allow("s3:CreateAccessPoint", f"{CMS_POINTS}*"),
    allow("s3:GetObject", f"{CMS_POINTS}*/object/*"),
)


def test_a_role_that_may_create_an_access_point_reads_a_bucket_that_delegates_to_its_account() -> None:
    found = reach(CREATE_AND_READ, bucket_policy=delegate())
    assert found.undecided == ()
    (path,) = steps(found)
    point = f"{CMS_POINTS}enjoin-probe"
    assert path[1:] == [
        (STEWARD, "s3:CreateAccessPoint", point),
        (STEWARD, "s3:GetObject", f"{point}/object/enjoin-probe"),
        (STEWARD, "s3:GetObject", f"{BUCKET}/enjoin-probe"),
    ]
    (access,) = found.accesses
    assert "creates access point enjoin-probe" in access.hops[1].note
    # The request carries the new access point's keys, which the delegation's condition reads.
    assert access.hops[3].context["s3:DataAccessPointAccount"] == CMS


def test_no_access_point_path_where_aws_refuses_a_step() -> None:
    lockdown = doc({**deny("s3:GetObject", f"{BUCKET}/*"), "Principal": "*",
                    "Condition": {"ArnNotEquals": {"aws:PrincipalArn": "arn:aws:iam::111111111111:role/Owner"}}})
    cases = {
        "the bucket policy denies the read to all but its owner role": reach(CREATE_AND_READ, bucket_policy=lockdown),
        "create allowed, the read on none": reach(doc(allow("s3:CreateAccessPoint", f"{CMS_POINTS}*")),
                                                  bucket_policy=delegate()),
        "the read allowed, create on none": reach(doc(allow("s3:GetObject", f"{CMS_POINTS}*/object/*")),
                                                  bucket_policy=delegate()),
        # The names it may create and the names it may read through do not meet.
        "create and read on different names": reach(doc(
            allow("s3:CreateAccessPoint", f"{CMS_POINTS}sandbox-*"),
            allow("s3:GetObject", f"{CMS_POINTS}reports-*/object/*"),
        ), bucket_policy=delegate()),
        "an SCP denies creating access points": reach(CREATE_AND_READ, bucket_policy=delegate(),
                                                      scp=doc(allow("*", "*"), deny("s3:CreateAccessPoint", "*"))),
        # The Region of the bucket is the access point's: one elsewhere is no access point for it.
        "create allowed in another Region only": reach(doc(
            allow("s3:CreateAccessPoint", f"arn:aws:s3:eu-west-1:{CMS}:accesspoint/*"),
            allow("s3:GetObject", "arn:aws:s3:*:*:accesspoint/*/object/*"),
        ), bucket_policy=delegate()),
    }
    for why, found in cases.items():
        assert found.accesses == (), why
        assert found.undecided == (), why


def test_the_names_its_policies_allow_are_tried() -> None:
    found = reach(doc(
        allow("s3:CreateAccessPoint", f"{CMS_POINTS}reports-*"),
        allow("s3:GetObject", f"{CMS_POINTS}reports-*/object/*"),
    ), bucket_policy=delegate())
    (path,) = steps(found)
    assert path[1] == (STEWARD, "s3:CreateAccessPoint", f"{CMS_POINTS}reports-enjoin-probe")


def test_a_bucket_open_to_vpc_access_points_only_is_read_through_one_the_caller_creates_in_a_vpc() -> None:
    vpc_only = doc({**deny("s3:GetObject", f"{BUCKET}/*"), "Principal": "*",
                    "Condition": {"StringNotEquals": {"s3:AccessPointNetworkOrigin": "VPC"}}})
    (access,) = reach(CREATE_AND_READ, bucket_policy=vpc_only).accesses
    assert "(VPC)" in access.hops[1].note
    assert access.hops[3].context["s3:AccessPointNetworkOrigin"] == "VPC"
    # A creation allowed for Internet access points only opens no such bucket.
    internet_only = doc(
        allow("s3:CreateAccessPoint", f"{CMS_POINTS}*",
              Condition={"StringEquals": {"s3:AccessPointNetworkOrigin": "Internet"}}),
        allow("s3:GetObject", f"{CMS_POINTS}*/object/*"),
    )
    assert reach(internet_only, bucket_policy=vpc_only).accesses == ()


def test_a_new_access_point_without_a_read_allowance_is_opened_by_the_policy_its_creator_puts_on_it() -> None:
    found = reach(doc(allow(["s3:CreateAccessPoint", "s3:PutAccessPointPolicy"], f"{CMS_POINTS}*")),
                  bucket_policy=delegate())
    (path,) = steps(found)
    point = f"{CMS_POINTS}enjoin-probe"
    assert [action for _, action, _ in path[1:]] == [
        "s3:CreateAccessPoint", "s3:PutAccessPointPolicy", "s3:GetObject", "s3:GetObject"]
    assert path[3] == (STEWARD, "s3:GetObject", f"{point}/object/enjoin-probe")
    (access,) = found.accesses
    written = f"access point policy of {point} as {STEWARD} would write it"
    assert [s.policy for s in access.hops[3].statements] == [written]


def test_a_same_account_creator_reads_a_bucket_without_a_policy_as_aws_example_for_object_lambda_has_it() -> None:
    """The identity's allowance on the access point counts on the bucket's side when the bucket policy is silent
    (the third row of enjoin.reach_data's table): creating the access point is enough."""
    found = reach(CREATE_AND_READ)
    assert len(found.accesses) == 1


def test_dhs_creates_an_access_point_in_its_own_account_for_a_bucket_that_delegates_to_it() -> None:
    """In its own account the party may do anything (it can create a role with any policy there): a bucket that
    delegates to DHS's access points is DHS's to read."""
    own = doc(allow("s3:CreateAccessPoint", f"{DHS_POINTS}*"), allow("s3:GetObject", f"{DHS_POINTS}*/object/*"))
    found = reach(bucket_policy=delegate(DHS), dhs_reader=own)
    assert [a.start for a in found.accesses] == [DHS_READER]
    (path,) = steps(found)
    assert path == [
        (DHS_READER, "s3:CreateAccessPoint", f"{DHS_POINTS}enjoin-probe"),
        (DHS_READER, "s3:GetObject", f"{DHS_POINTS}enjoin-probe/object/enjoin-probe"),
        (DHS_READER, "s3:GetObject", f"{BUCKET}/enjoin-probe"),
    ]
    # Delegated to CMS's access points only, DHS's own access point gets nothing from the bucket.
    assert reach(bucket_policy=delegate(CMS), dhs_reader=own).accesses == ()
    # Without a bucket policy, another account gets nothing either.
    assert reach(dhs_reader=own).accesses == ()
    # A public bucket policy opens the bucket to DHS's access point, unless RestrictPublicBuckets "blocks all
    # cross-account access to the access point or bucket".
    public = doc({**allow("s3:GetObject", f"{BUCKET}/*"), "Principal": "*"})
    assert len(reach(bucket_policy=public, dhs_reader=own).accesses) == 1
    restricted = reach(bucket_policy=public, dhs_reader=own, restrict_public=True)
    # Only Steward, of the bucket's own account, still reads (under the public policy), and not through DHS's
    # access point.
    assert [(h.principal, h.action) for a in restricted.accesses for h in a.hops[1:]] == [(STEWARD, "s3:GetObject")]


RECONCILIATION = AccessPoint(f"{CMS_POINTS}reconciliation", "reconciliation", CMS, REGION, "claims",
                             doc({**allow("s3:GetObject", f"{CMS_POINTS}reconciliation/object/*"),
                                  "Principal": {"AWS": f"arn:aws:iam::{CMS}:role/Reconciler"}}))


def test_a_role_that_may_replace_an_existing_access_point_policy_reads_through_it() -> None:
    steward = doc(allow("s3:PutAccessPointPolicy", f"{CMS_POINTS}reconciliation"))
    found = reach(steward, bucket_policy=delegate(), points=(RECONCILIATION,))
    (path,) = steps(found)
    assert path[1:] == [
        (STEWARD, "s3:PutAccessPointPolicy", RECONCILIATION.arn),
        (STEWARD, "s3:GetObject", f"{RECONCILIATION.arn}/object/enjoin-probe"),
        (STEWARD, "s3:GetObject", f"{BUCKET}/enjoin-probe"),
    ]
    (access,) = found.accesses
    assert "replaces the access point policy" in access.hops[1].note


def test_no_access_point_rewrite_where_aws_refuses_it_or_the_bucket_does_not_follow() -> None:
    steward = doc(allow("s3:PutAccessPointPolicy", f"{CMS_POINTS}reconciliation"))
    guarded = AccessPoint(RECONCILIATION.arn, RECONCILIATION.name, CMS, REGION, "claims", doc(
        *RECONCILIATION.policy["Statement"],  # type: ignore[index]
        {**deny("s3:PutAccessPointPolicy", RECONCILIATION.arn), "Principal": "*"}))
    cases = {
        # The access point policy alone names the caller: the bucket neither delegates nor grants it.
        "the bucket does not delegate": reach(steward, points=(RECONCILIATION,)),
        "the access point policy denies replacing it": reach(steward, bucket_policy=delegate(), points=(guarded,)),
        "another access point only": reach(doc(allow("s3:PutAccessPointPolicy", f"{CMS_POINTS}sandbox-*")),
                                           bucket_policy=delegate(), points=(RECONCILIATION,)),
        "reading its policy only": reach(doc(allow("s3:GetAccessPointPolicy", f"{CMS_POINTS}*")),
                                         bucket_policy=delegate(), points=(RECONCILIATION,)),
    }
    for why, found in cases.items():
        assert found.accesses == (), why
        assert found.undecided == (), why
