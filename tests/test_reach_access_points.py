"""Reads through an S3 access point, one test per combination of the two sides (the table in
:mod:`enjoin.reach_data`'s docstring), over hand-built snapshots."""

from __future__ import annotations

from typing import Any

from enjoin.config_model import Holding, Party
from enjoin.reach import compute_reach
from enjoin.reach_model import Reach
from enjoin.snapshot import AccessPoint, Bucket, NamedPolicy, Role, Snapshot

CMS, DHS = "111111111111", "222222222222"
LIAISON = f"arn:aws:iam::{CMS}:role/IceLiaison"  # of the bucket's account, and the party's by its principals
ICE = f"arn:aws:iam::{DHS}:role/IceAnalyst"
PARTY = Party("DHS", accounts=(DHS,), principals=(LIAISON,))
CHIP = Holding("arn:aws:s3:::chip/*", "chip", ("all",), ("all",), ("ssn",))
BUCKET = "arn:aws:s3:::chip"
POINT = f"arn:aws:s3:us-east-1:{CMS}:accesspoint/verification"
OTHER_POINT = f"arn:aws:s3:us-east-1:{CMS}:accesspoint/other"


def doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(resource: str | list[str], principal: Any = None, sid: str = "", **extra: Any) -> dict[str, Any]:
    stmt: dict[str, Any] = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": resource, **extra}
    if principal is not None:
        stmt["Principal"] = principal
    return {"Sid": sid, **stmt} if sid else stmt


# The bucket policy statements a test combines.
DELEGATE_TO_ACCOUNT = {
    "Sid": "DelegateToAccessPoints",
    "Effect": "Allow",
    "Principal": {"AWS": "*"},
    "Action": "*",
    "Resource": [BUCKET, f"{BUCKET}/*"],
    "Condition": {"StringEquals": {"s3:DataAccessPointAccount": CMS}},
}
DELEGATE_TO_POINT = {
    "Sid": "DelegateToVerification",
    "Effect": "Allow",
    "Principal": "*",
    "Action": "s3:GetObject",
    "Resource": f"{BUCKET}/*",
    "Condition": {"StringEquals": {"s3:DataAccessPointArn": POINT}},
}
# The delegation of AWS's Object Lambda example: the owner account as Principal, which grants nothing within
# the account that the identity policies do not.
DELEGATE_AS_ACCOUNT = {
    **DELEGATE_TO_ACCOUNT,
    "Sid": "DelegateAsAccount",
    "Principal": {"AWS": f"arn:aws:iam::{CMS}:root"},
}
SAME_ACCESS = allow(f"{BUCKET}/*", {"AWS": LIAISON}, "SameAccessAsThePoint")
# Direct requests refused: only a request through an access point carries s3:DataAccessPointArn.
ONLY_THROUGH_POINTS = {
    "Sid": "OnlyThroughAccessPoints",
    "Effect": "Deny",
    "Principal": "*",
    "Action": "s3:*",
    "Resource": [BUCKET, f"{BUCKET}/*"],
    "Condition": {"Null": {"s3:DataAccessPointArn": "true"}},
}
POINT_GRANTS_LIAISON = doc(allow(f"{POINT}/object/*", {"AWS": LIAISON}, "LiaisonVerification"))
POINT_GRANTS_DHS = doc(allow(f"{POINT}/object/*", {"AWS": f"arn:aws:iam::{DHS}:root"}, "DhsVerification"))


def liaison(*policies: dict[str, Any]) -> Role:
    trust = doc({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{CMS}:root"}, "Action": "sts:AssumeRole"})
    return Role(
        LIAISON,
        "IceLiaison",
        CMS,
        trust,
        inline_policies=tuple(NamedPolicy(f"p{i}", p) for i, p in enumerate(policies)),
    )


def ice_analyst() -> Role:
    trust = doc({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{DHS}:root"}, "Action": "sts:AssumeRole"})
    reads = doc({"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"})
    return Role(ICE, "IceAnalyst", DHS, trust, inline_policies=(NamedPolicy("read", reads),))


def reach(
    role: Role,
    bucket_statements: tuple[dict[str, Any], ...],
    point_policy: dict[str, Any] | None,
    *others: Role,
) -> Reach:
    bucket = Bucket(BUCKET, "chip", CMS, "us-east-1", doc(*bucket_statements) if bucket_statements else None)
    point = AccessPoint(POINT, "verification", CMS, "us-east-1", "chip", point_policy)
    snap = Snapshot((CMS, DHS), roles=(role, *others), buckets=(bucket,), access_points=(point,))
    return compute_reach(snap, [PARTY], [CHIP], "us-east-1")


def reads(result: Reach) -> set[tuple[tuple[str, str, str], ...]]:
    """Each access as the (principal, action, resource) of its hops."""
    return {tuple((h.principal, h.action, h.resource) for h in a.hops) for a in result.accesses}


THROUGH_POINT = (
    (LIAISON, "s3:GetObject", f"{POINT}/object/enjoin-probe"),
    (LIAISON, "s3:GetObject", f"{BUCKET}/enjoin-probe"),
)


# --- a caller of the bucket's own account --------------------------------------------------------------


def test_the_point_grants_and_the_bucket_delegates_to_its_account_points() -> None:
    result = reach(liaison(), (ONLY_THROUGH_POINTS, DELEGATE_TO_ACCOUNT), POINT_GRANTS_LIAISON)
    assert reads(result) == {THROUGH_POINT}
    (access,) = result.accesses
    assert [{s.sid for s in h.statements} for h in access.hops] == [
        {"LiaisonVerification"},
        {"DelegateToAccessPoints"},
    ]
    assert result.undecided == ()


def test_the_point_grants_and_the_bucket_names_the_point_arn() -> None:
    result = reach(liaison(), (ONLY_THROUGH_POINTS, DELEGATE_TO_POINT), POINT_GRANTS_LIAISON)
    assert reads(result) == {THROUGH_POINT}
    # Delegation to another access point does not cover this one.
    other = {**DELEGATE_TO_POINT, "Condition": {"StringEquals": {"s3:DataAccessPointArn": OTHER_POINT}}}
    assert reads(reach(liaison(), (ONLY_THROUGH_POINTS, other), POINT_GRANTS_LIAISON)) == set()


def test_the_point_grants_and_the_bucket_grants_the_same_access_in_its_own_policy() -> None:
    # AWS's Jane example: the bucket policy adds the same permission, its Resource the bucket's.
    result = reach(liaison(), (ONLY_THROUGH_POINTS, SAME_ACCESS), POINT_GRANTS_LIAISON)
    assert reads(result) == {THROUGH_POINT}
    assert {s.sid for s in result.accesses[0].hops[1].statements} == {"SameAccessAsThePoint"}


def test_the_point_grants_and_the_identity_allows_the_bucket_object() -> None:
    # Within one account the bucket's side is the union of the identity policies and the bucket policy.
    role = liaison(doc(allow(f"{BUCKET}/*", sid="ReadChip")))
    result = reach(role, (ONLY_THROUGH_POINTS,), POINT_GRANTS_LIAISON)
    assert reads(result) == {THROUGH_POINT}
    assert {s.sid for s in result.accesses[0].hops[1].statements} == {"ReadChip"}


def test_a_grant_by_the_point_policy_alone_does_not_satisfy_the_bucket() -> None:
    # The bucket neither delegates nor names the caller, and the identity policies cover neither ARN:
    # "the underlying bucket must also allow the same access".
    for bucket_statements in ((), (ONLY_THROUGH_POINTS,)):
        result = reach(liaison(), bucket_statements, POINT_GRANTS_LIAISON)
        assert (result.accesses, result.undecided) == ((), ())


def test_an_identity_that_allows_the_point_arn_counts_on_the_bucket_side() -> None:
    # AWS's Object Lambda example: the identity allows only the access point's ARN, and the bucket's
    # delegation names the owner account, which defers to the identity policies; a silent bucket policy too.
    role = liaison(doc(allow(f"{POINT}/object/*", sid="ThroughVerification")))
    for bucket_statements in ((DELEGATE_AS_ACCOUNT,), (ONLY_THROUGH_POINTS, DELEGATE_AS_ACCOUNT), ()):
        result = reach(role, bucket_statements, None)
        assert reads(result) == {THROUGH_POINT}, bucket_statements
        assert result.undecided == ()


def test_an_account_principal_delegation_does_not_carry_a_grant_of_the_point_policy_alone() -> None:
    # The same delegation, but only the access point policy names the caller: the account Principal
    # defers to identity policies that allow nothing here.
    result = reach(liaison(), (ONLY_THROUGH_POINTS, DELEGATE_AS_ACCOUNT), POINT_GRANTS_LIAISON)
    assert (result.accesses, result.undecided) == ((), ())


def test_an_identity_that_allows_the_point_arn_reads_when_the_bucket_delegates() -> None:
    role = liaison(doc(allow(f"{POINT}/object/*", sid="ThroughVerification")))
    result = reach(role, (ONLY_THROUGH_POINTS, DELEGATE_TO_ACCOUNT), None)
    assert reads(result) == {THROUGH_POINT}
    assert [{s.sid for s in h.statements} for h in result.accesses[0].hops] == [
        {"ThroughVerification"},
        {"DelegateToAccessPoints"},
    ]


def test_nothing_allows_the_point_side() -> None:
    # The identity allows the bucket's objects only, the point has no policy, direct reads are refused.
    role = liaison(doc(allow(f"{BUCKET}/*")))
    result = reach(role, (ONLY_THROUGH_POINTS, DELEGATE_TO_ACCOUNT), None)
    assert (result.accesses, result.undecided) == ((), ())


def test_an_explicit_deny_on_the_bucket_side_is_final_and_not_in_doubt() -> None:
    deny_point = {
        "Sid": "NotThroughVerification",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:GetObject",
        "Resource": f"{BUCKET}/*",
        "Condition": {"StringEquals": {"s3:DataAccessPointArn": POINT}},
    }
    role = liaison(doc(allow(f"{POINT}/object/*"), allow(f"{BUCKET}/*")))
    result = reach(role, (ONLY_THROUGH_POINTS, DELEGATE_TO_ACCOUNT, deny_point), POINT_GRANTS_LIAISON)
    assert (result.accesses, result.undecided) == ((), ())


def test_a_point_grant_on_a_prefix_is_probed_under_that_prefix() -> None:
    # The point's object ARN .../object/shared/* stands for the bucket's shared/* objects.
    prefix_grant = doc(allow(f"{POINT}/object/shared/*", {"AWS": LIAISON}, "SharedOnly"))
    result = reach(liaison(), (ONLY_THROUGH_POINTS, DELEGATE_TO_ACCOUNT), prefix_grant)
    assert reads(result) == {
        (
            (LIAISON, "s3:GetObject", f"{POINT}/object/shared/enjoin-probe"),
            (LIAISON, "s3:GetObject", f"{BUCKET}/shared/enjoin-probe"),
        )
    }


# --- a caller of another account -----------------------------------------------------------------------


def test_another_account_reads_where_the_point_grants_it_and_the_bucket_delegates() -> None:
    result = reach(liaison(), (DELEGATE_TO_ACCOUNT,), POINT_GRANTS_DHS, ice_analyst())
    assert {a.hops[0].principal for a in result.accesses} == {ICE}
    assert [(h.action, h.resource) for h in result.accesses[0].hops] == [
        ("s3:GetObject", f"{POINT}/object/enjoin-probe"),
        ("s3:GetObject", f"{BUCKET}/enjoin-probe"),
    ]


def test_another_account_needs_the_bucket_policy_on_the_bucket_side() -> None:
    result = reach(liaison(), (), POINT_GRANTS_DHS, ice_analyst())
    assert (result.accesses, result.undecided) == ((), ())


def test_another_account_needs_the_point_policy_on_the_point_side() -> None:
    result = reach(liaison(), (DELEGATE_TO_ACCOUNT,), None, ice_analyst())
    assert (result.accesses, result.undecided) == ((), ())
