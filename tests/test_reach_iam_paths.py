"""Reach through the IAM paths of issue 16 item 2, over hand-built snapshots: each path found with its hops, and
each look-alike (the second permission missing, a boundary the creation must set, a version that reads nothing)
not reached."""

from __future__ import annotations

from typing import Any

from enjoin.config_model import Holding, Party
from enjoin.reach import compute_reach
from enjoin.snapshot import ManagedPolicy, NamedPolicy, Organization, PolicyVersion, Role, Snapshot

CMS, DHS = "111111111111", "222222222222"
LIAISON = f"arn:aws:iam::{CMS}:role/IceLiaison"
PARTY = Party("DHS", accounts=(DHS,), principals=(LIAISON,))
CLAIMS = Holding("arn:aws:s3:::claims/*", "medicaid", ("all",), ("all",), ("medical",))
POLICY = f"arn:aws:iam::{CMS}:policy/LiaisonTools"
BOUNDARY = f"arn:aws:iam::{CMS}:policy/NoData"
ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"


def doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action: str | list[str], resource: str = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


READS = doc(allow("s3:GetObject", "arn:aws:s3:::claims/*"))
LISTS = doc(allow("s3:ListAllMyBuckets"))


def liaison(*policies: dict[str, Any], managed: tuple[str, ...] = ()) -> Role:
    trust = doc({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{CMS}:root"}, "Action": "sts:AssumeRole"})
    inline = tuple(NamedPolicy(f"p{i}", p) for i, p in enumerate(policies))
    return Role(LIAISON, "IceLiaison", CMS, trust, inline_policies=inline, managed_policy_arns=managed)


def reach(*roles: Role, policies: tuple[ManagedPolicy, ...] = (), org: Organization | None = None) -> Any:
    from enjoin.snapshot import Bucket

    snap = Snapshot(
        (CMS, DHS),
        roles=roles,
        policies=policies,
        buckets=(Bucket("arn:aws:s3:::claims", "claims", CMS, "us-east-1"),),
        organization=org or Organization(),
    )
    return compute_reach(snap, [PARTY], [CLAIMS], "us-east-1")


def paths(result: Any) -> set[tuple[str, ...]]:
    return {a.path for a in result.accesses}


def tools(*versions: dict[str, Any]) -> ManagedPolicy:
    return ManagedPolicy(POLICY, "LiaisonTools", LISTS,
                         tuple(PolicyVersion(f"v{i + 2}", d) for i, d in enumerate(versions)))


# -- SetDefaultPolicyVersion


def test_set_default_policy_version_to_a_version_that_reads() -> None:
    got = reach(liaison(doc(allow("iam:SetDefaultPolicyVersion", POLICY)), managed=(POLICY,)),
                policies=(tools(READS),))
    assert paths(got) == {(LIAISON, "iam:SetDefaultPolicyVersion", POLICY, "s3:GetObject")}
    assert not got.undecided


def test_set_default_policy_version_where_no_version_reads() -> None:
    got = reach(liaison(doc(allow("iam:SetDefaultPolicyVersion", POLICY)), managed=(POLICY,)),
                policies=(tools(doc(allow("s3:ListBucket", "arn:aws:s3:::claims"))),))
    assert paths(got) == set()


def test_set_default_policy_version_on_another_policy_is_no_path() -> None:
    other = f"arn:aws:iam::{CMS}:policy/Other"
    got = reach(liaison(doc(allow("iam:SetDefaultPolicyVersion", other)), managed=(POLICY,)),
                policies=(tools(READS),))
    assert paths(got) == set()


def test_a_policy_with_versions_the_principal_does_not_have_is_no_path() -> None:
    got = reach(liaison(doc(allow("iam:SetDefaultPolicyVersion", POLICY))), policies=(tools(READS),))
    assert paths(got) == set()


# -- CreateRole / CreateUser, a policy for it, then acting as it


APP = f"arn:aws:iam::{CMS}:role/app-*"  # not the liaison itself: it could attach to itself otherwise
CREATE_AND_ADMIN = doc(allow(["iam:CreateRole", "iam:AttachRolePolicy", "sts:AssumeRole"], APP))
APP_ROLE = f"arn:aws:iam::{CMS}:role/app-enjoin-probe"


def test_create_role_attach_administrator_and_assume_it() -> None:
    got = reach(liaison(CREATE_AND_ADMIN))
    assert paths(got) == {(LIAISON, "iam:CreateRole", APP_ROLE, "iam:AttachRolePolicy", APP_ROLE,
                           "sts:AssumeRole", APP_ROLE, "s3:GetObject")}
    access = next(a for a in got.accesses if a.path[1] == "iam:CreateRole")
    attach = next(h for h in access.hops if h.action == "iam:AttachRolePolicy")
    assert attach.context["iam:PolicyARN"] == ADMIN


def test_create_role_without_a_way_to_give_it_policies_is_no_path() -> None:
    got = reach(liaison(doc(allow(["iam:CreateRole", "sts:AssumeRole"], APP))))
    assert paths(got) == set()


def test_create_role_only_with_a_boundary_that_reads_nothing() -> None:
    bounded = doc(
        allow("iam:CreateRole", APP, Condition={"StringEquals": {"iam:PermissionsBoundary": BOUNDARY}}),
        allow(["iam:PutRolePolicy", "sts:AssumeRole"], APP),
    )
    got = reach(liaison(bounded), policies=(ManagedPolicy(BOUNDARY, "NoData", LISTS),))
    assert paths(got) == set()
    assert not got.undecided


def test_create_role_only_with_a_boundary_that_reads() -> None:
    bounded = doc(
        allow("iam:CreateRole", APP, Condition={"StringEquals": {"iam:PermissionsBoundary": BOUNDARY}}),
        allow(["iam:PutRolePolicy", "sts:AssumeRole"], APP),
    )
    got = reach(liaison(bounded), policies=(ManagedPolicy(BOUNDARY, "NoData", READS),))
    assert {p[1:4] for p in paths(got)} == {("iam:CreateRole", APP_ROLE, "iam:PutRolePolicy")}
    create = next(h for a in got.accesses for h in a.hops if h.action == "iam:CreateRole")
    assert create.context["iam:PermissionsBoundary"] == BOUNDARY


def test_attach_limited_to_a_policy_that_reads_nothing() -> None:
    limited = doc(
        allow(["iam:CreateRole", "sts:AssumeRole"], APP),
        allow("iam:AttachRolePolicy", APP, Condition={"ArnEquals": {"iam:PolicyARN": POLICY}}),
    )
    got = reach(liaison(limited), policies=(ManagedPolicy(POLICY, "LiaisonTools", LISTS),))
    assert paths(got) == set()


def test_create_role_denied_by_an_scp() -> None:
    deny = doc({"Effect": "Deny", "Action": "iam:CreateRole", "Resource": "*"},
               {"Effect": "Allow", "Action": "*", "Resource": "*"})
    got = reach(liaison(CREATE_AND_ADMIN), org=Organization(scps={CMS: ((deny,),)}))
    assert paths(got) == set()


def test_create_user_put_user_policy_and_an_access_key() -> None:
    user = doc(allow(["iam:CreateUser", "iam:PutUserPolicy", "iam:CreateAccessKey"], f"arn:aws:iam::{CMS}:user/*"))
    got = reach(liaison(user))
    new = f"arn:aws:iam::{CMS}:user/enjoin-probe"
    assert paths(got) == {(LIAISON, "iam:CreateUser", new, "iam:PutUserPolicy", new, "iam:CreateAccessKey", new,
                           "s3:GetObject")}


def test_create_role_names_only_what_the_policy_allows() -> None:
    named = doc(allow(["iam:CreateRole", "iam:PutRolePolicy", "sts:AssumeRole"], f"arn:aws:iam::{CMS}:role/etl-*"))
    got = reach(liaison(named))
    created = {p[2] for p in paths(got)}
    assert created == {f"arn:aws:iam::{CMS}:role/etl-enjoin-probe"}


# -- attaching: a policy the caller writes, and AWS managed policies the snapshot does not hold


def test_create_policy_then_attach_it_is_any_permission() -> None:
    mine = f"arn:aws:iam::{CMS}:policy/liaison-*"
    writes = doc(
        allow("iam:CreatePolicy", mine),
        allow("iam:AttachRolePolicy", LIAISON, Condition={"ArnLike": {"iam:PolicyARN": mine}}),
    )
    got = reach(liaison(writes))
    new = f"arn:aws:iam::{CMS}:policy/liaison-enjoin-probe"
    assert paths(got) == {(LIAISON, "iam:CreatePolicy", new, "iam:AttachRolePolicy", LIAISON, "s3:GetObject")}


def test_create_policy_without_attaching_it_is_no_path() -> None:
    writes = doc(
        allow("iam:CreatePolicy", "*"),
        allow("iam:AttachRolePolicy", LIAISON, Condition={"ArnEquals": {"iam:PolicyARN": POLICY}}),
    )
    got = reach(liaison(writes), policies=(ManagedPolicy(POLICY, "LiaisonTools", LISTS),))
    assert paths(got) == set()
    assert not got.undecided


def test_attaching_aws_managed_policies_by_a_pattern_is_undecided_not_compliant() -> None:
    pattern = doc(allow("iam:AttachRolePolicy", LIAISON,
                        Condition={"ArnLike": {"iam:PolicyARN": "arn:aws:iam::aws:policy/AmazonS3*"}}))
    got = reach(liaison(pattern))
    assert paths(got) == set()
    reasons = " ".join(r for u in got.undecided for r in u.reasons)
    assert "AWS managed policies whose documents were not read" in reasons
    assert "AmazonS3enjoin-probe" in reasons


def test_attaching_every_aws_managed_policy_but_administrator_is_undecided() -> None:
    but_admin = doc(
        allow("iam:AttachRolePolicy", LIAISON),
        {"Effect": "Deny", "Action": "iam:AttachRolePolicy", "Resource": "*",
         "Condition": {"ArnEquals": {"iam:PolicyARN": ADMIN}}},
    )
    got = reach(liaison(but_admin))
    assert paths(got) == set()
    assert any("whose documents were not read" in r for u in got.undecided for r in u.reasons)


def test_attaching_only_known_policies_is_decided() -> None:
    known = doc(allow("iam:AttachRolePolicy", LIAISON,
                      Condition={"ArnEquals": {"iam:PolicyARN": POLICY}}))
    got = reach(liaison(known), policies=(ManagedPolicy(POLICY, "LiaisonTools", READS),))
    assert paths(got) == {(LIAISON, "iam:AttachRolePolicy", LIAISON, "s3:GetObject")}
    assert not got.undecided


# -- iam:PermissionsBoundary on requests about an existing user or role: the boundary it has, or absent


def delegated(target_boundary: str | None) -> Any:
    """The delegated-administrator pattern of AWS's boundary examples: the liaison may put any inline policy on a
    role only if that role has the NoData boundary."""
    reader = Role(f"arn:aws:iam::{CMS}:role/Reader", "Reader", CMS, doc({
        "Effect": "Allow", "Principal": {"AWS": LIAISON}, "Action": "sts:AssumeRole"}),
        permissions_boundary_arn=target_boundary)
    admin = doc(
        allow("iam:PutRolePolicy", f"arn:aws:iam::{CMS}:role/Reader",
              Condition={"StringEquals": {"iam:PermissionsBoundary": BOUNDARY}}),
        allow("sts:AssumeRole", f"arn:aws:iam::{CMS}:role/Reader"),
    )
    boundary = ManagedPolicy(BOUNDARY, "NoData", READS)  # the boundary allows the read: only the key decides
    return reach(liaison(admin), reader, policies=(boundary,))


def test_a_rewrite_conditioned_on_the_target_s_boundary_applies_to_a_target_that_has_it() -> None:
    reader = f"arn:aws:iam::{CMS}:role/Reader"
    got = delegated(BOUNDARY)
    assert paths(got) == {(LIAISON, "iam:PutRolePolicy", reader, "sts:AssumeRole", reader, "s3:GetObject")}


def test_a_rewrite_conditioned_on_the_target_s_boundary_does_not_apply_to_a_target_without_one() -> None:
    assert paths(delegated(None)) == set()


# -- an access key for a user at the quota of two needs one deleted first


def test_create_access_key_for_a_user_with_two_keys_needs_delete_access_key() -> None:
    from enjoin.snapshot import Bucket, User

    user = f"arn:aws:iam::{CMS}:user/analyst"
    reads = User(user, "analyst", CMS, inline_policies=(NamedPolicy("r", READS),), access_keys=2)
    only_create = doc(allow("iam:CreateAccessKey", user))
    bucket = Bucket("arn:aws:s3:::claims", "claims", CMS, "us-east-1")
    snap = Snapshot((CMS, DHS), roles=(liaison(only_create),), users=(reads,), buckets=(bucket,))
    assert {a.path for a in compute_reach(snap, [PARTY], [CLAIMS], "us-east-1").accesses} == set()
    both = doc(allow(["iam:CreateAccessKey", "iam:DeleteAccessKey"], user))
    snap = Snapshot((CMS, DHS), roles=(liaison(both),), users=(reads,), buckets=snap.buckets)
    assert {a.path for a in compute_reach(snap, [PARTY], [CLAIMS], "us-east-1").accesses} == {
        (LIAISON, "iam:DeleteAccessKey", user, "iam:CreateAccessKey", user, "s3:GetObject")}
