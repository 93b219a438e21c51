"""Reach over hand-built snapshots: role chains, bucket and key policies, probes, undecided steps."""

from __future__ import annotations

from typing import Any

from enjoin.config_model import Holding, Party
from enjoin.reach import PARTY_CONTROLLED_ROLE, compute_reach
from enjoin.snapshot import Bucket, Key, ManagedPolicy, NamedPolicy, Role, Snapshot

CMS, DHS = "111111111111", "222222222222"
ICE = f"arn:aws:iam::{DHS}:role/IceAnalyst"
BRIDGE = f"arn:aws:iam::{CMS}:role/Bridge"
INNER = f"arn:aws:iam::{CMS}:role/Inner"
PARTY = Party("DHS", accounts=(DHS,))
ELIGIBILITY = Holding("arn:aws:s3:::elig/*", "medicaid", ("all",), ("all",), ("ssn",))
SYNTHETIC = f"arn:aws:iam::{DHS}:role/{PARTY_CONTROLLED_ROLE}"


def doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action: str, resource: str, sid: str = "", **extra: Any) -> dict[str, Any]:
    stmt = {"Effect": "Allow", "Action": action, "Resource": resource, **extra}
    return {"Sid": sid, **stmt} if sid else stmt


def trust(principal: str, **extra: Any) -> dict[str, Any]:
    return doc({"Effect": "Allow", "Principal": {"AWS": principal}, "Action": "sts:AssumeRole", **extra})


def role(arn: str, trust_policy: dict[str, Any], *policies: dict[str, Any], managed: tuple[str, ...] = (),
         boundary: str | None = None) -> Role:
    account, name = arn.split(":")[4], arn.rsplit("/", 1)[1]
    return Role(arn, name, account, trust_policy,
                inline_policies=tuple(NamedPolicy(f"p{i}", p) for i, p in enumerate(policies)),
                managed_policy_arns=managed, permissions_boundary_arn=boundary)


ICE_ROLE = role(ICE, trust(f"arn:aws:iam::{DHS}:root"), doc(allow("sts:AssumeRole", "*")))


def snapshot(*roles: Role, bucket_policy: dict[str, Any] | None = None, key_policy: dict[str, Any] | None = None,
             policies: tuple[ManagedPolicy, ...] = ()) -> Snapshot:
    key = Key(f"arn:aws:kms:us-east-1:{CMS}:key/k1", "k1", CMS, "us-east-1",
              key_policy or doc({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{CMS}:root"},
                                 "Action": "kms:*", "Resource": "*"}))
    bucket = Bucket("arn:aws:s3:::elig", "elig", CMS, "us-east-1", bucket_policy,
                    sse_algorithm="aws:kms", kms_key_id=key.arn)
    return Snapshot((CMS, DHS), roles=(ICE_ROLE, *roles), buckets=(bucket,), keys=(key,), policies=policies)


READS = doc(allow("s3:GetObject", "arn:aws:s3:::elig/*", "ReadElig"), allow("kms:Decrypt", "*", "UseKeys"))


def test_no_path_no_reach() -> None:
    reach = compute_reach(snapshot(role(BRIDGE, trust(f"arn:aws:iam::{CMS}:root"), READS)), [PARTY],
                          [ELIGIBILITY], "us-east-1")
    assert reach.accesses == ()
    assert reach.undecided == ()


def test_a_two_hop_chain_is_found_with_its_witness_and_statements() -> None:
    snap = snapshot(
        role(BRIDGE, trust(f"arn:aws:iam::{DHS}:root",
                           Condition={"StringEquals": {"sts:ExternalId": "dhs-2026"}}),
             doc(allow("sts:AssumeRole", INNER, "HopOn"))),
        role(INNER, trust(BRIDGE), READS),
    )
    (access,) = compute_reach(snap, [PARTY], [ELIGIBILITY], "us-east-1").accesses
    assert access.start == ICE
    assert access.path == (ICE, "sts:AssumeRole", BRIDGE, "sts:AssumeRole", INNER, "s3:GetObject")
    assert [h.action for h in access.hops] == ["sts:AssumeRole", "sts:AssumeRole", "s3:GetObject", "kms:Decrypt"]
    assert access.hops[0].context.get("sts:ExternalId") == "dhs-2026"
    assert {s.sid for s in access.read.statements} == {"ReadElig"}
    # only Inner reads it, whichever of the party's principals the chain starts from
    assert access.paths_found == 1


def test_a_key_policy_that_does_not_open_the_key_blocks_the_read() -> None:
    closed_key = doc({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{CMS}:role/KeyAdmin"},
                      "Action": "kms:*", "Resource": "*"})
    snap = snapshot(role(BRIDGE, trust(f"arn:aws:iam::{DHS}:root"), READS), key_policy=closed_key)
    assert compute_reach(snap, [PARTY], [ELIGIBILITY], "us-east-1").accesses == ()


def test_a_bucket_policy_trusting_the_party_account_is_reached_by_the_party_controlled_role() -> None:
    bucket_policy = doc({"Sid": "DhsRead", "Effect": "Allow", "Principal": {"AWS": DHS},
                         "Action": "s3:GetObject", "Resource": "arn:aws:s3:::elig/*"})
    key_policy = doc({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{CMS}:root"}, "Action": "kms:*",
                      "Resource": "*"},
                     {"Sid": "DhsDecrypt", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{DHS}:root"},
                      "Action": "kms:Decrypt", "Resource": "*"})
    (access,) = compute_reach(snapshot(bucket_policy=bucket_policy, key_policy=key_policy), [PARTY],
                              [ELIGIBILITY], "us-east-1").accesses
    assert access.start == SYNTHETIC
    assert access.path == (SYNTHETIC, "s3:GetObject")
    assert {s.sid for h in access.hops for s in h.statements} >= {"DhsRead", "DhsDecrypt"}


def test_a_grant_on_part_of_the_holding_is_found_by_probing_the_policy_patterns() -> None:
    partial = doc(allow("s3:GetObject", "arn:aws:s3:::elig/exports/2026/*"), allow("kms:Decrypt", "*"))
    snap = snapshot(role(BRIDGE, trust(f"arn:aws:iam::{DHS}:root"), partial))
    (access,) = compute_reach(snap, [PARTY], [ELIGIBILITY], "us-east-1").accesses
    assert access.read.resource == "arn:aws:s3:::elig/exports/2026/enjoin-probe"


def test_a_managed_policy_that_was_not_read_back_is_undecided_not_ignored() -> None:
    missing = f"arn:aws:iam::{CMS}:policy/Gone"
    snap = snapshot(role(BRIDGE, trust(f"arn:aws:iam::{DHS}:root"), managed=(missing,)))
    reach = compute_reach(snap, [PARTY], [ELIGIBILITY], "us-east-1")
    assert reach.accesses == ()
    assert {(u.principal, u.reasons) for u in reach.undecided} == {
        (BRIDGE, (f"managed policy {missing} attached to {BRIDGE} was not read back",))}


def test_party_principals_named_by_pattern_in_another_account() -> None:
    liaison = f"arn:aws:iam::{CMS}:role/IceLiaisonEast"
    party = Party("DHS", principals=(f"arn:aws:iam::{CMS}:role/IceLiaison*",))
    snap = snapshot(role(liaison, trust(f"arn:aws:iam::{CMS}:root"), READS))
    (access,) = compute_reach(snap, [party], [ELIGIBILITY], "us-east-1").accesses
    assert access.path == (liaison, "s3:GetObject")
