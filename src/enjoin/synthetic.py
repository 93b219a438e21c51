"""Seeded synthetic AWS organisations, for benchmarks and consistency tests of reach.

:func:`generate` turns an :class:`OrgSpec` into a :class:`SyntheticOrg`: a :class:`~enjoin.snapshot.Snapshot`
(roles, users, groups, managed policies, buckets, KMS keys, SCPs), the party (DHS-like) and the holdings
to ask about. The same spec (seed included) always gives an equal snapshot; the requested sizes are
exact: ``accounts * roles_per_account`` roles, ``buckets`` buckets, ``holdings`` holdings and ``trusts``
trust relationships (:func:`count_trust_relationships`).

What makes it realistic (each share is drawn from the seed):

- roles of recognisable kinds: service execution roles trusted by ``lambda.amazonaws.com`` and friends,
  application roles, analysts trusted by their account with MFA, cross-account ETL roles, auditors and
  vendors trusted by an account root with an ``sts:ExternalId``, administrators and power users with the
  AWS managed policies, and data-sharing roles that trust the party's accounts (the leaks to find);
- inline and managed policies with wildcard actions and resources, ``NotAction``, explicit denies,
  conditions on ``aws:SourceIp``, ``aws:PrincipalTag``, ``aws:MultiFactorAuthPresent``,
  ``aws:SecureTransport`` and ``kms:ViaService``; permissions boundaries on some roles;
- bucket policies that deny plain HTTP, require a principal tag, or grant reads to roles and roots of
  other accounts; SSE-KMS with customer managed keys whose key policies delegate to IAM and grant
  decryption to other accounts through S3; SCPs on every account of the organisation.

The party's accounts stand outside the organisation. With ``party_accounts=0`` and ``party_roles>0`` the
party is instead the roles named ``dhs-*`` of the agency's accounts, which makes a single-account
organisation (what PMapper can analyse) possible.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from enjoin.config_model import Holding, Party
from enjoin.errors import ConfigError
from enjoin.snapshot import Bucket, Key, NamedPolicy, Organization, Role, Snapshot, User
from enjoin.synthetic_policies import (
    AWS_MANAGED,
    PARTY_PREFIX,
    Names,
    bucket_policy,
    customer_managed,
    identity_statements,
    key_policy,
    scps,
    trust_policy,
    users_and_groups,
)

ORG_ID = "o-enjoinsynth1"
ROOT_ID = "r-synth"
SERVICES = ("lambda.amazonaws.com", "ecs-tasks.amazonaws.com", "ec2.amazonaws.com", "glue.amazonaws.com")
# Role kinds of agency accounts and their weights; "admin", "power" and "share" weights come from the spec.
KINDS = {"svc": 30, "app": 25, "analyst": 12, "etl": 10, "audit": 5, "vendor": 5}
BUCKET_KINDS = ("tmsis", "claims", "etl", "reports", "logs", "web", "backup", "archive")
FIELDS = (
    "medicaid_id",
    "address",
    "phone",
    "date_of_birth",
    "citizenship_status",
    "immigration_status",
    "ssn",
    "name",
    "medical",
)


@dataclass(frozen=True, slots=True)
class OrgSpec:
    """How big and how tangled an organisation to generate.

    Attributes:
        accounts: every account, the party's included.
        roles_per_account: roles in each account.
        trusts: trust relationships over all roles (principals named by trust policies' Allow statements);
            at least one per role.
        buckets: buckets over all accounts, dealt round-robin.
        holdings: buckets of the agency's accounts declared as holdings.
        party_accounts: accounts the party administers (outside the organisation).
        party_roles: roles named ``dhs-*`` in the first agency account that belong to the party by ARN.
        users_per_account: human users per account (in one group).
        managed_per_account: customer managed policies per agency account.
        condition_rate: share of statements that carry a condition.
        assume_rate: share of roles allowed to call sts:AssumeRole on roles that trust them.
        admin_rate: share of agency roles with AdministratorAccess.
        power_rate: share of agency roles with PowerUserAccess.
        share_rate: share of agency roles that trust the party (data-sharing roles).
        seed: the random seed.
        region: the region of every bucket and key.
    """

    accounts: int = 50
    roles_per_account: int = 100
    trusts: int = 20_000
    buckets: int = 2_000
    holdings: int = 100
    party_accounts: int = 1
    party_roles: int = 0
    users_per_account: int = 2
    managed_per_account: int = 8
    condition_rate: float = 0.3
    assume_rate: float = 0.15
    admin_rate: float = 0.02
    power_rate: float = 0.03
    share_rate: float = 0.01
    seed: int = 1
    region: str = "us-east-1"


@dataclass(frozen=True, slots=True)
class SyntheticOrg:
    """A generated organisation and the question to ask of it."""

    spec: OrgSpec
    snapshot: Snapshot
    parties: tuple[Party, ...]
    holdings: tuple[Holding, ...]
    region: str


@dataclass(slots=True)
class _Draft:
    """A role while it is being generated."""

    arn: str
    name: str
    account: str
    kind: str
    trust: list[tuple[str, str | None]] = field(default_factory=list)  # (principal, condition kind)
    can_assume: bool = False


def account_id(index: int, party: bool) -> str:
    """The 12-digit id of the ``index``-th agency account (1000...) or party account (9000...)."""
    return f"{9 if party else 1}{index:011d}"


def _check(spec: OrgSpec) -> None:
    roles = spec.accounts * spec.roles_per_account
    agency = spec.accounts - spec.party_accounts
    agency_buckets = sum(1 for n in range(spec.buckets) if n % max(1, spec.accounts) < agency)
    rules = {
        "accounts >= 1 and roles_per_account >= 1": spec.accounts >= 1 and spec.roles_per_account >= 1,
        "0 <= party_accounts < accounts": 0 <= spec.party_accounts < spec.accounts,
        "at least one trust relationship per role": spec.trusts >= roles,
        "0 <= party_roles <= roles_per_account": 0 <= spec.party_roles <= spec.roles_per_account,
        "a party: party_accounts or party_roles > 0": spec.party_accounts > 0 or spec.party_roles > 0,
        "at least one bucket per account": spec.buckets >= spec.accounts,
        "0 <= holdings <= buckets of the agency's accounts": 0 <= spec.holdings <= agency_buckets,
    }
    for expected, ok in rules.items():
        if not ok:
            found = ", ".join(
                f"{k}={getattr(spec, k)}"
                for k in ("accounts", "party_accounts", "roles_per_account", "party_roles", "trusts")
            )
            raise ConfigError("OrgSpec", expected, f"{found}, buckets={spec.buckets}, holdings={spec.holdings}")


def generate(spec: OrgSpec) -> SyntheticOrg:
    """Generate the organisation ``spec`` describes; equal specs give equal results."""
    _check(spec)
    rng = random.Random(spec.seed)
    agency = [account_id(i, False) for i in range(spec.accounts - spec.party_accounts)]
    party = [account_id(i, True) for i in range(spec.party_accounts)]
    names = Names(spec.region, rng)
    drafts = _drafts(spec, rng, agency, party)
    bucket_names = _bucket_names(spec, agency, party)
    users, groups = users_and_groups(agency + party, spec.users_per_account, names)
    _deal_trusts(spec, rng, drafts, users, agency, party)
    trusted_by: dict[str, list[str]] = {}  # principal (role ARN or account root) -> roles it may assume
    for draft in drafts:
        for principal, _ in draft.trust:
            trusted_by.setdefault(principal, []).append(draft.arn)

    keys = [_key(spec, rng, acct, n, drafts, names) for acct in agency for n in range(2)]
    keys_of = {acct: [k for k in keys if k.account == acct] for acct in agency}
    managed = [*AWS_MANAGED.values()]
    managed_of: dict[str, list[str]] = {}
    for acct in agency:
        docs = customer_managed(rng, acct, bucket_names[acct], spec.managed_per_account, spec.condition_rate, names)
        managed += docs
        managed_of[acct] = [p.arn for p in docs if not p.name.startswith("boundary")]
    roles = [_role(spec, rng, d, bucket_names, keys_of, managed_of, trusted_by, names) for d in drafts]
    buckets = [
        _bucket(spec, rng, acct, name, keys_of, drafts, names) for acct in agency + party for name in bucket_names[acct]
    ]
    org = Organization(
        ORG_ID,
        scps={acct: scps(acct) for acct in agency},
        paths={acct: f"{ORG_ID}/{ROOT_ID}/ou-synth-{int(acct) % 4}/" for acct in agency},
    )
    snapshot = Snapshot(
        tuple(agency + party),
        users=tuple(users),
        groups=tuple(groups),
        roles=tuple(roles),
        policies=tuple(managed),
        buckets=tuple(buckets),
        keys=tuple(keys),
        organization=org,
    )
    holdings = _holdings(spec, rng, agency, bucket_names)
    principals = (f"arn:aws:iam::{agency[0]}:role/{PARTY_PREFIX}*",) if spec.party_roles else ()
    parties = (Party("DHS", accounts=tuple(party), principals=principals),)
    return SyntheticOrg(spec, snapshot, parties, holdings, spec.region)


def _drafts(spec: OrgSpec, rng: random.Random, agency: list[str], party: list[str]) -> list[_Draft]:
    weights = {
        **KINDS,
        "admin": 100 * spec.admin_rate,
        "power": 100 * spec.power_rate,
        "share": 100 * spec.share_rate,
    }
    kinds, shares = list(weights), list(weights.values())
    out: list[_Draft] = []
    for acct in agency + party:
        counts: dict[str, int] = {}
        for n in range(spec.roles_per_account):
            if acct in party:
                kind = "party"
            elif acct == agency[0] and n < spec.party_roles:
                kind = "dhs"
            else:
                kind = rng.choices(kinds, shares)[0]
            counts[kind] = counts.get(kind, 0) + 1
            prefix = {"party": "ice-analyst", "dhs": PARTY_PREFIX.rstrip("-")}.get(kind, kind)
            path = "/service-role/" if kind == "svc" else "/"
            name = f"{prefix}-{counts[kind]:03d}"
            out.append(_Draft(f"arn:aws:iam::{acct}:role{path}{name}", name, acct, kind))
    for draft in out:
        draft.can_assume = draft.kind in ("party", "dhs") or (
            draft.kind in ("app", "etl", "analyst", "power", "share") and rng.random() < spec.assume_rate
        )
    return out


def _bucket_names(spec: OrgSpec, agency: list[str], party: list[str]) -> dict[str, list[str]]:
    accounts = agency + party
    out: dict[str, list[str]] = {a: [] for a in accounts}
    for n in range(spec.buckets):
        acct = accounts[n % len(accounts)]
        label = f"p{party.index(acct):02d}" if acct in party else f"a{agency.index(acct):02d}"
        kind = BUCKET_KINDS[(n // len(accounts)) % len(BUCKET_KINDS)]
        out[acct].append(f"{label}-{kind}-{n:05d}")
    return out


def _deal_trusts(
    spec: OrgSpec,
    rng: random.Random,
    drafts: list[_Draft],
    users: list[User],
    agency: list[str],
    party: list[str],
) -> None:
    """Give every role at least one trusted principal and deal the rest so the total is ``spec.trusts``."""
    counts = [1] * len(drafts)
    for _ in range(spec.trusts - len(drafts)):
        counts[rng.randrange(len(drafts))] += 1
    roles_of: dict[str, list[_Draft]] = {}
    for d in drafts:
        roles_of.setdefault(d.account, []).append(d)
    users_of: dict[str, list[str]] = {}
    for u in users:
        users_of.setdefault(u.account, []).append(u.arn)
    for draft, count in zip(drafts, counts, strict=True):
        seen: set[str] = set()
        for principal, condition in _candidates(rng, draft, roles_of, users_of, agency, party):
            if principal in seen:
                continue
            seen.add(principal)
            draft.trust.append((principal, condition))
            if len(draft.trust) == count:
                break


def _candidates(
    rng: random.Random,
    draft: _Draft,
    roles_of: Mapping[str, list[_Draft]],
    users_of: Mapping[str, list[str]],
    agency: list[str],
    party: list[str],
) -> Iterator[tuple[str, str | None]]:
    """An endless stream of principals ``draft``'s trust policy might name, with a condition kind."""
    acct = draft.account
    others = [a for a in agency if a != acct] or [acct]
    root = f"arn:aws:iam::{acct}:root"
    first = {
        "svc": (SERVICES[rng.randrange(len(SERVICES))], None),
        "analyst": (root, "mfa"),
        "admin": (root, "mfa"),
        "audit": (f"arn:aws:iam::{agency[0]}:root", "external_id"),
        "vendor": (f"arn:aws:iam::{others[rng.randrange(len(others))]}:root", "external_id"),
        "share": (f"arn:aws:iam::{party[rng.randrange(len(party))]}:root", "external_id")
        if party
        else (_pick(rng, roles_of[acct][: max(1, len(roles_of[acct]))], "dhs"), None),
        "party": (root, None),
        "dhs": (root, None),
    }.get(draft.kind, (root, None))
    yield first
    while True:
        roll = rng.random()
        if roll < 0.40:
            yield root, rng.choice((None, None, "mfa", "tag"))
        elif roll < 0.50:
            yield _pick(rng, roles_of[acct]), rng.choice((None, None, "tag", "source_ip"))
        elif roll < 0.75:
            other = others[rng.randrange(len(others))]
            yield _pick(rng, roles_of[other]), rng.choice((None, None, "external_id", "mfa"))
        elif roll < 0.85:
            yield f"arn:aws:iam::{others[rng.randrange(len(others))]}:root", "external_id"
        elif roll < 0.93 and users_of.get(acct):
            yield users_of[acct][rng.randrange(len(users_of[acct]))], rng.choice((None, "mfa"))
        else:
            yield SERVICES[rng.randrange(len(SERVICES))], None


def _pick(rng: random.Random, drafts: Sequence[_Draft], kind: str | None = None) -> str:
    pool = [d for d in drafts if d.kind == kind] if kind else drafts
    pool = pool or drafts
    return pool[rng.randrange(len(pool))].arn


def _role(
    spec: OrgSpec,
    rng: random.Random,
    draft: _Draft,
    bucket_names: Mapping[str, list[str]],
    keys_of: Mapping[str, list[Key]],
    managed_of: Mapping[str, list[str]],
    trusted_by: Mapping[str, list[str]],
    names: Names,
) -> Role:
    acct = draft.account
    may_assume = [*trusted_by.get(draft.arn, ()), *trusted_by.get(f"arn:aws:iam::{acct}:root", ())]
    statements, attached = identity_statements(
        rng,
        draft.kind,
        acct,
        bucket_names,
        keys_of,
        may_assume if draft.can_assume else [],
        spec.condition_rate,
        names,
    )
    inline = (NamedPolicy(f"{draft.kind}-inline", {"Version": "2012-10-17", "Statement": statements}),)
    own_managed = managed_of.get(acct, [])
    if own_managed and draft.kind in ("app", "etl", "analyst", "svc", "share"):
        attached += rng.sample(own_managed, min(len(own_managed), rng.randrange(0, 3)))
    boundary: str | None = f"arn:aws:iam::{acct}:policy/boundary-app"
    if draft.kind != "app" or spec.managed_per_account == 0 or rng.random() >= 0.1:
        boundary = None
    tags = {
        "team": rng.choice(("data", "ops", "web", "finance")),
        "data-class": "medicaid" if rng.random() < 0.15 else rng.choice(("public", "internal")),
    }
    return Role(
        draft.arn,
        draft.name,
        acct,
        trust_policy(rng, draft.trust, spec.condition_rate, names),
        role_id=names.unique_id("AROA"),
        path=draft.arn.split(":role", 1)[1].rsplit("/", 1)[0] + "/",
        tags=tags,
        inline_policies=inline,
        managed_policy_arns=tuple(attached),
        permissions_boundary_arn=boundary,
    )


def _key(spec: OrgSpec, rng: random.Random, acct: str, n: int, drafts: list[_Draft], names: Names) -> Key:
    key_id = names.uuid()
    arn = f"arn:aws:kms:{spec.region}:{acct}:key/{key_id}"
    grantees = [d.arn for d in drafts if d.account != acct and d.kind in ("etl", "share", "vendor")]
    chosen = rng.sample(grantees, min(len(grantees), rng.randrange(0, 4)))
    return Key(
        arn,
        key_id,
        acct,
        spec.region,
        key_policy(acct, chosen, spec.region),
        aliases=(f"arn:aws:kms:{spec.region}:{acct}:alias/data-{n}",),
    )


def _bucket(
    spec: OrgSpec,
    rng: random.Random,
    acct: str,
    name: str,
    keys_of: Mapping[str, list[Key]],
    drafts: list[_Draft],
    names: Names,
) -> Bucket:
    roll = rng.random()
    keys = keys_of.get(acct, [])
    if roll < 0.3 and keys:
        key = keys[rng.randrange(len(keys))]
        sse, key_ref = "aws:kms", rng.choice((key.arn, key.key_id, key.aliases[0]))
    elif roll < 0.4:
        sse, key_ref = "aws:kms", None
    elif roll < 0.9:
        sse, key_ref = "AES256", None
    else:
        sse, key_ref = None, None
    readers = [d.arn for d in drafts if d.account != acct and d.kind in ("etl", "vendor", "share", "party")]
    return Bucket(
        f"arn:aws:s3:::{name}",
        name,
        acct,
        spec.region,
        policy=bucket_policy(rng, name, readers, spec.condition_rate, names),
        sse_algorithm=sse,
        kms_key_id=key_ref,
        bucket_key_enabled=rng.random() < 0.5,
        tags={"data-class": "medicaid" if "tmsis" in name or "claims" in name else "internal"},
    )


def _holdings(
    spec: OrgSpec, rng: random.Random, agency: list[str], bucket_names: Mapping[str, list[str]]
) -> tuple[Holding, ...]:
    pool = [n for a in agency for n in bucket_names[a]]
    medicaid = [n for n in pool if "-tmsis-" in n or "-claims-" in n]
    rest = [n for n in pool if n not in set(medicaid)]
    chosen = rng.sample(medicaid, min(spec.holdings, len(medicaid))) + rng.sample(
        rest, max(0, spec.holdings - len(medicaid))
    )
    out = []
    for name in sorted(chosen):
        fields = tuple(sorted(rng.sample(FIELDS, rng.randrange(2, 6))))
        out.append(
            Holding(
                f"arn:aws:s3:::{name}/*",
                "medicaid",
                ("all",),
                ("all",),
                fields,
                where=f"synthetic holding {name}",
            )
        )
    return tuple(out)


def count_trust_relationships(snapshot: Snapshot) -> int:
    """Principals named by the Allow statements of every role's trust policy (``"*"`` counts one)."""
    total = 0
    for role in snapshot.roles:
        statements = role.trust_policy.get("Statement", [])
        for stmt in [statements] if isinstance(statements, Mapping) else statements:
            if stmt.get("Effect") != "Allow":
                continue
            principal = stmt.get("Principal", {})
            if principal == "*":
                total += 1
                continue
            for values in principal.values():
                total += 1 if isinstance(values, str) else len(values)
    return total


def question_to_json(org: SyntheticOrg) -> str:
    """The parties, holdings and region of ``org`` as JSON (the snapshot saves itself)."""
    return json.dumps(
        {
            "region": org.region,
            "parties": [asdict(p) for p in org.parties],
            "holdings": [asdict(h) for h in org.holdings],
        },
        indent=1,
        sort_keys=True,
    )


def question_from_json(text: str) -> tuple[tuple[Party, ...], tuple[Holding, ...], str]:
    """Read back what :func:`question_to_json` wrote."""
    data = json.loads(text)

    def fields(item: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in item.items()}
        columns = item.get("columns")
        if isinstance(columns, dict):
            out["columns"] = {c: tuple(f) for c, f in columns.items()}
        return out

    parties = tuple(Party(**fields(p)) for p in data["parties"])
    holdings = tuple(Holding(**fields(h)) for h in data["holdings"])
    return parties, holdings, str(data["region"])
