"""Reach over hand-built snapshots: role chains, bucket and key policies, probes, undecided steps; and the
filters reach applies before asking the engine, held to the engine's own answers."""

from __future__ import annotations

import itertools
from dataclasses import replace
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from enjoin.config_model import Holding, Party
from enjoin.engine import Decision, PolicyKind, Request, compile_policy, possible
from enjoin.reach import PARTY_CONTROLLED_ROLE, compute_reach
from enjoin.reach_filter import could_allow, glob_meets_prefix
from enjoin.reach_graph import Node, wildcard
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


def allow(action: str | list[str], resource: str, sid: str = "", **extra: Any) -> dict[str, Any]:
    stmt = {"Effect": "Allow", "Action": action, "Resource": resource, **extra}
    return {"Sid": sid, **stmt} if sid else stmt


def trust(principal: str, **extra: Any) -> dict[str, Any]:
    return doc({"Effect": "Allow", "Principal": {"AWS": principal}, "Action": "sts:AssumeRole", **extra})


def role(
    arn: str,
    trust_policy: dict[str, Any],
    *policies: dict[str, Any],
    managed: tuple[str, ...] = (),
    boundary: str | None = None,
) -> Role:
    account, name = arn.split(":")[4], arn.rsplit("/", 1)[1]
    return Role(
        arn,
        name,
        account,
        trust_policy,
        inline_policies=tuple(NamedPolicy(f"p{i}", p) for i, p in enumerate(policies)),
        managed_policy_arns=managed,
        permissions_boundary_arn=boundary,
    )


ICE_ROLE = role(ICE, trust(f"arn:aws:iam::{DHS}:root"), doc(allow("sts:AssumeRole", "*")))


def snapshot(
    *roles: Role,
    bucket_policy: dict[str, Any] | None = None,
    key_policy: dict[str, Any] | None = None,
    policies: tuple[ManagedPolicy, ...] = (),
) -> Snapshot:
    key = Key(
        f"arn:aws:kms:us-east-1:{CMS}:key/k1",
        "k1",
        CMS,
        "us-east-1",
        key_policy
        or doc(
            {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{CMS}:root"}, "Action": "kms:*", "Resource": "*"}
        ),
    )
    bucket = Bucket(
        "arn:aws:s3:::elig", "elig", CMS, "us-east-1", bucket_policy, sse_algorithm="aws:kms", kms_key_id=key.arn
    )
    return Snapshot((CMS, DHS), roles=(ICE_ROLE, *roles), buckets=(bucket,), keys=(key,), policies=policies)


READS = doc(allow("s3:GetObject", "arn:aws:s3:::elig/*", "ReadElig"), allow("kms:Decrypt", "*", "UseKeys"))


def test_no_path_no_reach() -> None:
    reach = compute_reach(
        snapshot(role(BRIDGE, trust(f"arn:aws:iam::{CMS}:root"), READS)), [PARTY], [ELIGIBILITY], "us-east-1"
    )
    assert reach.accesses == ()
    assert reach.undecided == ()


def test_a_two_hop_chain_is_found_with_its_witness_and_statements() -> None:
    snap = snapshot(
        role(
            BRIDGE,
            trust(f"arn:aws:iam::{DHS}:root", Condition={"StringEquals": {"sts:ExternalId": "dhs-2026"}}),
            doc(allow("sts:AssumeRole", INNER, "HopOn")),
        ),
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
    closed_key = doc(
        {
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{CMS}:role/KeyAdmin"},
            "Action": "kms:*",
            "Resource": "*",
        }
    )
    snap = snapshot(role(BRIDGE, trust(f"arn:aws:iam::{DHS}:root"), READS), key_policy=closed_key)
    assert compute_reach(snap, [PARTY], [ELIGIBILITY], "us-east-1").accesses == ()


def test_a_bucket_policy_trusting_the_party_account_is_reached_by_the_party_controlled_role() -> None:
    bucket_policy = doc(
        {
            "Sid": "DhsRead",
            "Effect": "Allow",
            "Principal": {"AWS": DHS},
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::elig/*",
        }
    )
    key_policy = doc(
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{CMS}:root"}, "Action": "kms:*", "Resource": "*"},
        {
            "Sid": "DhsDecrypt",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{DHS}:root"},
            "Action": "kms:Decrypt",
            "Resource": "*",
        },
    )
    (access,) = compute_reach(
        snapshot(bucket_policy=bucket_policy, key_policy=key_policy), [PARTY], [ELIGIBILITY], "us-east-1"
    ).accesses
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
        (BRIDGE, (f"managed policy {missing} attached to {BRIDGE} was not read back",))
    }


def test_party_principals_named_by_pattern_in_another_account() -> None:
    liaison = f"arn:aws:iam::{CMS}:role/IceLiaisonEast"
    party = Party("DHS", principals=(f"arn:aws:iam::{CMS}:role/IceLiaison*",))
    snap = snapshot(role(liaison, trust(f"arn:aws:iam::{CMS}:root"), READS))
    (access,) = compute_reach(snap, [party], [ELIGIBILITY], "us-east-1").accesses
    assert access.path == (liaison, "s3:GetObject")


# --------------------------------------------------------------------------- the filters before the engine

A, B = CMS, DHS
ROLE_ID = "AROAEXAMPLEROLEID0001"
CALLERS = {
    "user": Node(
        f"arn:aws:iam::{A}:user/alice", f"arn:aws:iam::{A}:user/alice", A, "user", (), None, {}, "AIDAEXAMPLEUSERID0001"
    ),
    "role with a path": Node(
        f"arn:aws:iam::{A}:role/team/Runner",
        f"arn:aws:iam::{A}:role/team/Runner",
        A,
        "role",
        (),
        None,
        {"team": "data"},
        f"{ROLE_ID}:enjoin",
    ),
    "role without id": Node(
        f"arn:aws:iam::{B}:role/Visitor", f"arn:aws:iam::{B}:role/Visitor", B, "role", (), None, {}, None
    ),
}
OBJECT = "arn:aws:s3:::elig/exports/x"
IDENTITY = {
    "none": None,
    "exact": allow("s3:GetObject", OBJECT),
    "wildcards": allow("s3:Get*", "arn:aws:s3:::el?g/*"),
    "NotAction": {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"},
    "NotAction excluding": {"Effect": "Allow", "NotAction": ["s3:*", "kms:*", "sts:*"], "Resource": "*"},
    "NotResource": {"Effect": "Allow", "Action": "*", "NotResource": "arn:aws:s3:::other/*"},
    "variable": allow("*", "arn:aws:*:::${aws:username}*"),
    "conditional": allow("*", "*", Condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}}),
    "deny only": {"Effect": "Deny", "Action": "*", "Resource": "*"},
    "elsewhere": allow("s3:GetObject", "arn:aws:s3:::other/*"),
}
BOUNDARY = {"none": None, "s3 and sts": allow(["s3:*", "sts:*"], "*"), "iam only": allow("iam:*", "*")}


def principal_statement(principal: Any, action: str = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Principal": principal, "Action": action, "Resource": "*", **extra}


RESOURCE_POLICY: dict[str, dict[str, Any] | None] = {
    "none": None,
    "account A": doc(principal_statement({"AWS": f"arn:aws:iam::{A}:root"})),
    "account B id": doc(principal_statement({"AWS": B})),
    "role by name": doc(principal_statement({"AWS": f"arn:aws:iam::{A}:role/Runner"})),
    "user": doc(principal_statement({"AWS": f"arn:aws:iam::{A}:user/alice"})),
    "role unique id": doc(principal_statement({"AWS": ROLE_ID})),
    "session": doc(principal_statement({"AWS": f"arn:aws:sts::{A}:assumed-role/Runner/enjoin"})),
    "visitor session": doc(principal_statement({"AWS": f"arn:aws:sts::{B}:assumed-role/Visitor/s1"})),
    "anyone": doc(principal_statement("*")),
    "NotPrincipal": doc(
        {"Effect": "Allow", "NotPrincipal": {"AWS": f"arn:aws:iam::{B}:root"}, "Action": "*", "Resource": "*"}
    ),
    "canonical": doc(principal_statement({"CanonicalUser": "79a59df900b949e55d96a1e698fbaced"})),
    "service only": doc(principal_statement({"Service": "lambda.amazonaws.com"})),
    "other action": doc(principal_statement("*", "s3:PutObject")),
    "deny anyone": doc({"Effect": "Deny", "Principal": "*", "Action": "*", "Resource": "*"}),
}
REQUESTS = [  # action, resource, the resource's account
    ("s3:GetObject", OBJECT, A),
    ("s3:GetObject", OBJECT, B),
    ("kms:Decrypt", f"arn:aws:kms:us-east-1:{A}:key/k1", A),
    ("sts:AssumeRole", f"arn:aws:iam::{A}:role/Target", A),
    ("sts:AssumeRole", f"arn:aws:iam::{B}:role/Target", B),
]


def test_could_allow_refuses_only_what_the_engine_denies_in_every_context() -> None:
    """Every request the filter refuses, the engine's ``possible`` denies (never ALLOW, never undecided)."""
    refused: set[tuple[str, str, str, str, str, str]] = set()
    for (caller_name, caller), (id_name, statement), (b_name, bound), (rp_name, rp_doc), (
        action,
        resource,
        acct,
    ) in itertools.product(CALLERS.items(), IDENTITY.items(), BOUNDARY.items(), RESOURCE_POLICY.items(), REQUESTS):
        who = replace(
            caller,
            identity=() if statement is None else (compile_policy(doc(statement), label=f"identity {id_name}"),),
            boundary=None if bound is None else compile_policy(doc(bound), label="b", kind=PolicyKind.BOUNDARY),
        )
        rp = None if rp_doc is None else compile_policy(rp_doc, label=rp_name, kind=PolicyKind.RESOURCE)
        if could_allow(who, action, resource, acct, rp):
            continue
        refused.add((caller_name, id_name, b_name, rp_name, action, acct))
        request = Request(
            who.arn,
            action,
            resource,
            who.identity,
            who.boundary,
            resource_policy=rp,
            resource_account=acct,
            principal_tags=who.tags,
            principal_id=who.principal_id,
        )
        decision = possible(request).decision
        assert decision in (Decision.IMPLICIT_DENY, Decision.EXPLICIT_DENY), (
            caller_name,
            id_name,
            b_name,
            rp_name,
            action,
            acct,
            decision,
        )
    # It does refuse: a user without identity policies, a trust naming only its account, ...
    assert ("user", "none", "none", "account A", "sts:AssumeRole", A) in refused
    assert ("role with a path", "elsewhere", "none", "none", "s3:GetObject", A) in refused
    assert ("role with a path", "NotAction excluding", "none", "account A", "kms:Decrypt", A) in refused
    assert ("role with a path", "exact", "iam only", "none", "s3:GetObject", A) in refused
    assert ("role without id", "exact", "none", "none", "s3:GetObject", A) in refused  # across accounts
    # ... and lets through what may be allowed without the identity side: a trust naming the role itself.
    assert ("role with a path", "none", "none", "role by name", "sts:AssumeRole", A) not in refused
    assert ("role with a path", "none", "none", "role unique id", "sts:AssumeRole", A) not in refused
    assert ("role without id", "none", "none", "role unique id", "sts:AssumeRole", A) not in refused


@settings(max_examples=300, deadline=None)
@given(st.text("ab/*?", max_size=6), st.text("ab/", max_size=5))
def test_glob_meets_prefix_against_exhaustion(pattern: str, prefix: str) -> None:
    """Some string starting with ``prefix`` matches ``pattern`` (a completion is never longer than it)."""
    matcher = wildcard(pattern)
    expected = any(
        matcher.fullmatch(prefix + "".join(tail))
        for n in range(len(pattern) + 1)
        for tail in itertools.product("ab/", repeat=n)
    )
    assert glob_meets_prefix(pattern, prefix) is expected


def test_a_trust_naming_the_role_without_its_path_or_by_unique_id_is_an_edge() -> None:
    """The trust index names roles as the engine matches them: by account and name, or by unique id."""
    by_name = f"arn:aws:iam::{CMS}:role/ByName"
    by_id = f"arn:aws:iam::{CMS}:role/ById"
    ice = Role(
        f"arn:aws:iam::{DHS}:role/analysts/IceAnalyst",
        "IceAnalyst",
        DHS,
        trust(f"arn:aws:iam::{DHS}:root"),
        role_id="AROAICEANALYSTROLE0001",
        path="/analysts/",
        inline_policies=(NamedPolicy("p", doc(allow("sts:AssumeRole", "*"))),),
    )
    snap = Snapshot(
        (CMS, DHS),
        roles=(
            ice,
            role(by_name, trust(f"arn:aws:iam::{DHS}:role/IceAnalyst"), READS),
            role(by_id, trust("AROAICEANALYSTROLE0001"), READS),
        ),
        buckets=snapshot().buckets,
        keys=snapshot().keys,
    )
    reach = compute_reach(snap, [Party("DHS", principals=(ice.arn,))], [ELIGIBILITY], "us-east-1")
    (access,) = reach.accesses
    assert reach.undecided == ()
    assert access.paths_found == 2
    assert access.path == (ice.arn, "sts:AssumeRole", by_name, "s3:GetObject")
