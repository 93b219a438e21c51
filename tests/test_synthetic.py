"""The synthetic organisation generator: deterministic, exact sizes, JSON round trip, and reach on a tiny
generated organisation against an exhaustive search of its own (every pair of principals asked of the
engine's ``possible``, no index, no memo)."""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import pytest

from enjoin.config_model import Holding, Party
from enjoin.engine import Decision, Policy, PolicyKind, Request, compile_policy, decide, possible
from enjoin.errors import ConfigError
from enjoin.reach import PARTY_CONTROLLED_ROLE, compute_reach
from enjoin.snapshot import Role, Snapshot
from enjoin.synthetic import (
    OrgSpec,
    account_id,
    count_trust_relationships,
    generate,
    question_from_json,
    question_to_json,
)

SMALL = OrgSpec(accounts=4, roles_per_account=30, trusts=250, buckets=23, holdings=5, party_accounts=1, seed=7)


# --------------------------------------------------------------------------- the generator itself


def test_same_seed_same_snapshot() -> None:
    first, second = generate(SMALL), generate(SMALL)
    assert first.snapshot == second.snapshot
    assert first.snapshot.to_json() == second.snapshot.to_json()
    assert (first.parties, first.holdings) == (second.parties, second.holdings)


def test_another_seed_another_snapshot() -> None:
    assert generate(SMALL).snapshot.to_json() != generate(replace(SMALL, seed=8)).snapshot.to_json()


@pytest.mark.parametrize(
    "spec",
    [
        SMALL,
        OrgSpec(accounts=7, roles_per_account=13, trusts=91, buckets=7, holdings=0, party_accounts=2, seed=3),
        OrgSpec(
            accounts=1,
            roles_per_account=50,
            trusts=333,
            buckets=12,
            holdings=12,
            party_accounts=0,
            party_roles=4,
            seed=5,
        ),
    ],
)
def test_exact_sizes(spec: OrgSpec) -> None:
    org = generate(spec)
    snap = org.snapshot
    agency = [account_id(i, False) for i in range(spec.accounts - spec.party_accounts)]
    party = [account_id(i, True) for i in range(spec.party_accounts)]
    assert snap.accounts == tuple(agency + party)
    assert len(snap.roles) == spec.accounts * spec.roles_per_account
    assert len({r.arn for r in snap.roles}) == len(snap.roles)
    assert {a: sum(r.account == a for r in snap.roles) for a in snap.accounts} == dict.fromkeys(
        snap.accounts, spec.roles_per_account
    )
    assert len(snap.buckets) == spec.buckets
    assert len({b.name for b in snap.buckets}) == spec.buckets
    assert count_trust_relationships(snap) == spec.trusts
    assert len(org.holdings) == spec.holdings
    holding_buckets = {h.resource.removeprefix("arn:aws:s3:::").removesuffix("/*") for h in org.holdings}
    assert holding_buckets <= {b.name for b in snap.buckets if b.account in agency}
    assert set(snap.organization.scps) == set(agency)  # the party's accounts stand outside the organisation
    assert len(snap.users) == spec.accounts * spec.users_per_account
    if spec.party_roles:
        assert org.parties == (Party("DHS", principals=(f"arn:aws:iam::{agency[0]}:role/dhs-*",)),)
        assert sorted(r.name for r in snap.roles if r.name.startswith("dhs-")) == [
            f"dhs-{n:03d}" for n in range(1, spec.party_roles + 1)
        ]
    else:
        assert org.parties == (Party("DHS", accounts=tuple(party)),)


def test_count_trust_relationships_counts_every_named_principal() -> None:
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": ["lambda.amazonaws.com", "ec2.amazonaws.com"]},
                "Action": "sts:AssumeRole",
            },
            {
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::111111111111:root"},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"sts:ExternalId": "x"}},
            },
            {
                "Effect": "Deny",
                "Principal": {"AWS": "arn:aws:iam::222222222222:root"},
                "Action": "sts:AssumeRole",
            },
            {"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"},
        ],
    }
    role = Role("arn:aws:iam::111111111111:role/r", "r", "111111111111", trust)
    assert count_trust_relationships(Snapshot(("111111111111",), roles=(role,))) == 4


def test_json_round_trip() -> None:
    org = generate(SMALL)
    assert Snapshot.from_json(org.snapshot.to_json()) == org.snapshot
    parties, holdings, region = question_from_json(question_to_json(org))
    assert (parties, holdings, region) == (org.parties, org.holdings, "us-east-1")


def test_generated_policies_use_what_the_issue_asks_for() -> None:
    """Wildcards, NotAction, the four condition keys, account roots with an ExternalId, services, KMS."""
    text = generate(replace(SMALL, condition_rate=0.5)).snapshot.to_json()
    for needle in (
        '"NotAction"',
        '"aws:SourceIp"',
        '"aws:PrincipalTag/',
        '"sts:ExternalId"',
        '"aws:MultiFactorAuthPresent"',
        '"Service": "lambda.amazonaws.com"',
        ':root"',
        '"s3:Get*"',
        '"aws:kms"',
        '"kms:ViaService"',
        '"CrossAccountRead"',
        '"arn:aws:iam::aws:policy/PowerUserAccess"',
    ):
        assert needle in text, needle


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"trusts": 10}, "at least one trust relationship per role"),
        ({"party_accounts": 4}, "0 <= party_accounts < accounts"),
        ({"party_accounts": 0}, "a party: party_accounts or party_roles > 0"),
        ({"holdings": 19}, "0 <= holdings <= buckets of the agency's accounts"),  # 18 of the 23 are
        ({"buckets": 3}, "at least one bucket per account"),
    ],
)
def test_impossible_specs_are_refused(change: dict[str, Any], expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        generate(replace(SMALL, **change))
    assert caught.value.expected == expected
    assert caught.value.where == "OrgSpec"


# --------------------------------------------------------------------------- reach against brute force

ALLOW_ALL = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


@dataclass(frozen=True)
class Who:
    arn: str
    account: str
    identity: tuple[Policy, ...]
    boundary: Policy | None
    tags: dict[str, str]
    principal_id: str | None


class Brute:
    """Reach by exhaustion: every principal against every role, every reachable principal against every
    holding, each step one call of ``possible``."""

    def __init__(self, snap: Snapshot, party_accounts: tuple[str, ...]) -> None:
        self.snap = snap
        managed = {p.arn: p.document for p in snap.policies}
        groups = {g.arn: g for g in snap.groups}

        def identity(owner: Any, *holders: Any) -> tuple[Policy, ...]:
            """The identity policies of ``owner``: its own, then those of its groups (``holders``)."""
            docs = []
            for holder in (owner, *holders):
                docs += [p.document for p in holder.inline_policies]
                docs += [managed[a] for a in holder.managed_policy_arns]
            return tuple(compile_policy(d, label=f"{owner.arn} #{i}") for i, d in enumerate(docs))

        def boundary(arn: str | None) -> Policy | None:
            return None if arn is None else compile_policy(managed[arn], label=arn, kind=PolicyKind.BOUNDARY)

        self.who = {
            u.arn: Who(
                u.arn,
                u.account,
                identity(u, *(groups[g] for g in u.group_arns)),
                boundary(u.permissions_boundary_arn),
                u.tags,
                u.user_id,
            )
            for u in snap.users
        }
        self.who |= {
            r.arn: Who(
                r.arn,
                r.account,
                identity(r),
                boundary(r.permissions_boundary_arn),
                r.tags,
                f"{r.role_id}:brute",
            )
            for r in snap.roles
        }
        for acct in party_accounts:
            arn = f"arn:aws:iam::{acct}:role/{PARTY_CONTROLLED_ROLE}"
            self.who[arn] = Who(arn, acct, (compile_policy(ALLOW_ALL, label="party"),), None, {}, None)
        self.trust = {r.arn: compile_policy(r.trust_policy, label=r.arn, kind=PolicyKind.RESOURCE) for r in snap.roles}
        self.scps = {
            a: tuple(tuple(compile_policy(d, label=f"scp {a}", kind=PolicyKind.SCP) for d in level) for level in levels)
            for a, levels in snap.organization.scps.items()
        }

    def request(
        self,
        who: Who,
        action: str,
        resource: str,
        account: str,
        policy: Any,
        context: Mapping[str, Any] | None = None,
    ) -> Request:
        return Request(
            who.arn,
            action,
            resource,
            who.identity,
            who.boundary,
            scps=self.scps.get(who.account, ()),
            resource_policy=policy,
            resource_account=account,
            principal_tags=who.tags,
            principal_id=who.principal_id,
            principal_org_id=self.snap.organization.org_id,
            context=dict(context or {}),
        )

    def distances(self, starts: list[str]) -> dict[str, int]:
        dist = dict.fromkeys(starts, 0)
        queue = deque(starts)
        while queue:
            arn = queue.popleft()
            for role in self.snap.roles:
                if role.arn in dist:
                    continue
                ask = self.request(self.who[arn], "sts:AssumeRole", role.arn, role.account, self.trust[role.arn])
                answer = possible(ask)
                assert answer.decision is not Decision.INDETERMINATE, answer.explanation
                if answer.decision is Decision.ALLOW:
                    dist[role.arn] = dist[arn] + 1
                    queue.append(role.arn)
        return dist

    def read_hops(self, arn: str, holding: Holding) -> int | None:
        """How many hops reading takes ``arn`` (1, or 2 with a customer managed key), None if it cannot."""
        name = holding.resource.removeprefix("arn:aws:s3:::").removesuffix("/*")
        bucket = next(b for b in self.snap.buckets if b.name == name)
        policy = None if bucket.policy is None else compile_policy(bucket.policy, label=name, kind=PolicyKind.RESOURCE)
        who = self.who[arn]
        prefixes = {"", "exports/"}  # the generator grants whole buckets or their exports/ prefix
        for obj in sorted(f"{bucket.arn}/{p}enjoin-probe" for p in prefixes):
            if possible(self.request(who, "s3:GetObject", obj, bucket.account, policy)).decision is not Decision.ALLOW:
                continue
            if bucket.sse_algorithm != "aws:kms":
                return 1
            if bucket.kms_key_id is None:  # aws/s3 serves its own account only
                if who.account == bucket.account:
                    return 1
                continue
            key = next(k for k in self.snap.keys if bucket.kms_key_id in (k.arn, k.key_id, *k.aliases))
            context = {
                "kms:ViaService": f"s3.{bucket.region}.amazonaws.com",
                "kms:EncryptionContext:aws:s3:arn": bucket.arn if bucket.bucket_key_enabled else obj,
            }
            key_policy = compile_policy(key.policy, label=key.arn, kind=PolicyKind.RESOURCE)
            if (
                possible(self.request(who, "kms:Decrypt", key.arn, key.account, key_policy, context)).decision
                is Decision.ALLOW
            ):
                return 2
        return None


# Tiny organisations (no AdministratorAccess or PowerUserAccess: the brute force follows role assumptions only,
# and without IAM permissions, or those to replace a bucket or key policy, reach has no rewrite edges either)
# whose seeds give both reached and unreached holdings and paths of up to five hops.
TINY = [
    OrgSpec(
        accounts=3,
        roles_per_account=roles,
        trusts=trusts,
        buckets=12,
        holdings=6,
        party_accounts=1,
        users_per_account=1,
        managed_per_account=4,
        admin_rate=0.0,
        power_rate=0.0,
        share_rate=0.15,
        condition_rate=rate,
        seed=seed,
    )
    for roles, trusts, seed, rate in (
        (8, 40, 2, 0.3),
        (8, 40, 8, 0.6),
        (8, 40, 4, 0.0),
        (10, 60, 5, 0.0),
        (10, 60, 3, 0.3),
    )
]


@pytest.mark.parametrize("spec", TINY, ids=lambda s: f"seed{s.seed}-conditions{s.condition_rate}")
def test_reach_matches_brute_force(spec: OrgSpec) -> None:
    org = generate(spec)
    snap, (party,) = org.snapshot, org.parties
    brute = Brute(snap, party.accounts)
    starts = sorted(a for a, w in brute.who.items() if w.account in party.accounts)
    dist = brute.distances(starts)
    shortest: dict[str, int] = {}
    for holding in org.holdings:
        lengths = [d + hops for arn, d in dist.items() if (hops := brute.read_hops(arn, holding)) is not None]
        if lengths:
            shortest[holding.resource] = min(lengths)

    reach = compute_reach(snap, [party], org.holdings, org.region)
    assert reach.undecided == ()
    assert {a.holding.resource: len(a.hops) for a in reach.accesses} == shortest
    assert 0 < len(shortest) < len(org.holdings)  # the seeds give both reached and unreached holdings
    for access in reach.accesses:
        assert access.start in starts
        for hop in access.hops:  # every hop, replayed concretely under its witness context, is allowed
            who = brute.who[hop.principal]
            if hop.action == "sts:AssumeRole":
                role = next(r for r in snap.roles if r.arn == hop.resource)
                ask = brute.request(who, hop.action, hop.resource, role.account, brute.trust[role.arn], hop.context)
            elif hop.action == "s3:GetObject":
                bucket = next(b for b in snap.buckets if hop.resource.startswith(f"{b.arn}/"))
                policy = (
                    None
                    if bucket.policy is None
                    else compile_policy(bucket.policy, label=bucket.name, kind=PolicyKind.RESOURCE)
                )
                ask = brute.request(who, hop.action, hop.resource, bucket.account, policy, hop.context)
            else:
                key = next(k for k in snap.keys if k.arn == hop.resource)
                ask = brute.request(
                    who,
                    hop.action,
                    key.arn,
                    key.account,
                    compile_policy(key.policy, label=key.arn, kind=PolicyKind.RESOURCE),
                    hop.context,
                )
            assert decide(ask).decision is Decision.ALLOW, (hop, decide(ask).explanation)


# --------------------------------------------------------------------------- reach's shortcuts change no answer

# Organisations with IAM rewrites (administrators, power users), conditions, users and, in the single account,
# one party per ``dhs-*`` role (the benchmark's comparison with PMapper) plus the party of them all.
SHORTCUT_ORGS = {
    "organisation": OrgSpec(
        accounts=4,
        roles_per_account=25,
        trusts=250,
        buckets=20,
        holdings=6,
        party_accounts=1,
        admin_rate=0.06,
        power_rate=0.06,
        share_rate=0.08,
        condition_rate=0.3,
        seed=12,
    ),
    "single account": OrgSpec(
        accounts=1,
        roles_per_account=70,
        trusts=210,
        buckets=18,
        holdings=7,
        party_accounts=0,
        party_roles=4,
        users_per_account=3,
        admin_rate=0.04,
        condition_rate=0.3,
        seed=3,
    ),
}


def _always(*_: Any) -> bool:
    return True


def _unbounded(*_: Any) -> None:
    return None


# Each shortcut, and how to take it away: every filter answering "maybe", every bound "unbounded".
SHORTCUTS: dict[str, list[tuple[str, str, Any]]] = {
    "could_allow before the engine": [("enjoin.reach_edges", "could_allow", _always)],
    "identity bounds on roles to assume and IAM targets": [
        ("enjoin.reach", "identity_resources", _unbounded),
        ("enjoin.reach", "may_act", _always),
    ],
    "identity bounds on the buckets read": [("enjoin.reach_data.Reader", "_identity_reads", _always)],
}
SHORTCUTS["all of them"] = [patch for patches in SHORTCUTS.values() for patch in patches] + [
    ("enjoin.reach_edges", "may_act", _always)
]


def _answers(reach: Any) -> tuple[Any, ...]:
    """Everything a Reach says, hop by hop (statements, witness contexts, notes), comparably."""

    def hops(path: tuple[Any, ...]) -> tuple[Any, ...]:
        return tuple((h.principal, h.action, h.resource, h.statements, tuple(h.context.items()), h.note) for h in path)

    return (
        tuple((a.party, a.holding, a.start, hops(a.hops), a.paths_found, a.fields) for a in reach.accesses),
        tuple((u.party, u.holding, u.principal, u.action, u.resource, u.reasons, hops(u.via)) for u in reach.undecided),
        reach.holdings_without_store,
    )


def _question(org: Any) -> list[Party]:
    if org.spec.party_accounts:
        return list(org.parties)
    roles = [r.arn for r in org.snapshot.roles if r.name.startswith("dhs-")]
    return [Party(arn, principals=(arn,)) for arn in roles] + list(org.parties)


@pytest.mark.parametrize("shortcut", sorted(SHORTCUTS))
@pytest.mark.parametrize("name", sorted(SHORTCUT_ORGS))
def test_reach_without_a_shortcut_gives_the_same_answers(
    name: str, shortcut: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    org = generate(SHORTCUT_ORGS[name])
    parties = _question(org)
    quick = compute_reach(org.snapshot, parties, org.holdings, org.region)
    for target, attribute, replacement in SHORTCUTS[shortcut]:
        monkeypatch.setattr(f"{target}.{attribute}", replacement)
    slow = compute_reach(org.snapshot, parties, org.holdings, org.region)
    assert _answers(quick) == _answers(slow)
    # the question is not trivial: paths through several principals, some through a rewrite (IAM, or a bucket
    # or key policy)
    assert max(len(a.hops) for a in quick.accesses) >= 3
    rewrites = {"s3:PutBucketPolicy", "s3:DeleteBucketPolicy", "kms:PutKeyPolicy", "kms:CreateGrant"}
    assert any(h.action.startswith("iam:") or h.action in rewrites for a in quick.accesses for h in a.hops)
