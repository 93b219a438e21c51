"""Reach: which holdings each party can read, by which path, with the engine's witness for every hop.

The graph's nodes are the principals of the Snapshot (users and roles) and the data stores the config
declares as holdings; its edges are the ways one principal comes to act as another (sts:AssumeRole:
the trust policy and the caller's permissions) and the reads of a store (s3:GetObject, and for
SSE-KMS-encrypted buckets kms:Decrypt on the bucket's key as S3 would call it). Every edge is decided by
the engine's existential question (``possible``): some request context allows it. Anything the engine
cannot decide, and anything the Snapshot cannot tell (a managed policy that was not read back, a key that
is not inventoried), is recorded as :class:`Undecided`, never dropped.

A party administers its own accounts: besides the principals that exist there, enjoin adds one
principal per party account with every identity permission (``PARTY_CONTROLLED_ROLE``), standing for
whatever role the party's administrators can create; a resource policy that trusts the party's account
is thereby reached without depending on the party's current identity policies.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from enjoin.config_model import Holding, Party
from enjoin.engine import (
    ContextValue,
    Decision,
    Policy,
    PolicyKind,
    Request,
    StatementRef,
    compile_policy,
    possible,
)
from enjoin.errors import PolicyError
from enjoin.snapshot import Bucket, Key, Snapshot

PARTY_CONTROLLED_ROLE = "enjoin-party-controlled"
_ALLOW_ALL = {"Version": "2012-10-17", "Statement": [{"Sid": "PartyAdministersItsOwnAccount",
                                                       "Effect": "Allow", "Action": "*", "Resource": "*"}]}
ASSUME_ACTION = "sts:AssumeRole"
READ_ACTION = "s3:GetObject"
DECRYPT_ACTION = "kms:Decrypt"


@dataclass(frozen=True, slots=True)
class Hop:
    """One step a path takes: ``principal`` performs ``action`` on ``resource``."""

    principal: str
    action: str
    resource: str
    statements: tuple[StatementRef, ...]  # the Allow statements the engine found granting it
    context: Mapping[str, ContextValue]  # the witness context under which it is allowed


@dataclass(frozen=True, slots=True)
class Access:
    """A party reaches a holding: the shortest path found, and how many distinct paths reach it."""

    party: str
    holding: Holding
    start: str  # the party's principal the path starts from
    hops: tuple[Hop, ...]  # role assumptions, then the read (s3:GetObject, then kms:Decrypt if encrypted)
    paths_found: int

    @property
    def principal(self) -> str:
        """The principal that performs the read."""
        return self.read.principal

    @property
    def read(self) -> Hop:
        return next(h for h in self.hops if h.action == READ_ACTION)

    @property
    def path(self) -> tuple[str, ...]:
        """Principals and the actions between them, ending with the read action (the report's ``path``)."""
        out: list[str] = [self.start]
        for hop in self.hops:
            if hop.action == ASSUME_ACTION:
                out += [hop.action, hop.resource]
        out.append(READ_ACTION)
        return tuple(out)


@dataclass(frozen=True, slots=True)
class Undecided:
    """A step whose outcome could not be decided: the holding may or may not be reached."""

    party: str
    holding: Holding | None  # None: a role assumption, which puts every holding in doubt
    principal: str
    action: str
    resource: str
    reasons: tuple[str, ...]
    via: tuple[Hop, ...] = ()  # the decided hops that led to the principal


@dataclass(frozen=True, slots=True)
class Reach:
    """Everything the parties reach."""

    accesses: tuple[Access, ...]
    undecided: tuple[Undecided, ...]
    holdings_without_store: tuple[Holding, ...] = ()  # holdings whose resource is not a kind reach can read yet


@dataclass(frozen=True, slots=True)
class _Principal:
    arn: str
    account: str
    identity: tuple[Policy, ...]
    boundary: Policy | None
    tags: Mapping[str, str]
    principal_id: str | None
    problems: tuple[str, ...] = ()  # why requests from it cannot be decided (missing policies...)
    synthetic: bool = False


@dataclass(slots=True)
class _Graph:
    snapshot: Snapshot
    region: str
    principals: dict[str, _Principal] = field(default_factory=dict)
    trust: dict[str, Policy | str] = field(default_factory=dict)  # role arn -> trust policy or problem
    scps: dict[str, tuple[tuple[Policy, ...], ...]] = field(default_factory=dict)
    rcps: dict[str, tuple[tuple[Policy, ...], ...]] = field(default_factory=dict)
    bucket_policy: dict[str, Policy | str | None] = field(default_factory=dict)
    key_policy: dict[str, Policy | str] = field(default_factory=dict)


def _compile(document: object, label: str, kind: PolicyKind) -> Policy | str:
    """Compile a document, or say why it cannot be (the reason becomes an INDETERMINATE)."""
    try:
        return compile_policy(document, label=label, kind=kind)  # type: ignore[arg-type]
    except PolicyError as exc:
        return f"{label} is not valid policy grammar: {exc}"


def _build(snapshot: Snapshot, party_accounts: Iterable[str], region: str) -> _Graph:
    graph = _Graph(snapshot, region)
    managed = {p.arn: p for p in snapshot.policies}
    groups = {g.arn: g for g in snapshot.groups}

    def managed_policies(arns: Sequence[str], owner: str, problems: list[str]) -> list[Policy]:
        out: list[Policy] = []
        for arn in arns:
            if arn not in managed:
                problems.append(f"managed policy {arn} attached to {owner} was not read back")
                continue
            compiled = _compile(managed[arn].document, arn, PolicyKind.IDENTITY)
            if isinstance(compiled, str):
                problems.append(compiled)
            else:
                out.append(compiled)
        return out

    def inline(policies: Iterable[object], owner: str, problems: list[str]) -> list[Policy]:
        out: list[Policy] = []
        for pol in policies:
            compiled = _compile(pol.document, f"inline policy {pol.name} of {owner}",  # type: ignore[attr-defined]
                                PolicyKind.IDENTITY)
            if isinstance(compiled, str):
                problems.append(compiled)
            else:
                out.append(compiled)
        return out

    def boundary(arn: str | None, owner: str, problems: list[str]) -> Policy | None:
        if arn is None:
            return None
        if arn not in managed:
            problems.append(f"permissions boundary {arn} of {owner} was not read back")
            return None
        compiled = _compile(managed[arn].document, f"permissions boundary {arn}", PolicyKind.BOUNDARY)
        if isinstance(compiled, str):
            problems.append(compiled)
            return None
        return compiled

    for user in snapshot.users:
        problems: list[str] = []
        identity = inline(user.inline_policies, user.arn, problems)
        identity += managed_policies(user.managed_policy_arns, user.arn, problems)
        for garn in user.group_arns:
            group = groups.get(garn)
            if group is None:
                problems.append(f"group {garn} of {user.arn} was not read back")
                continue
            identity += inline(group.inline_policies, f"group {group.arn}", problems)
            identity += managed_policies(group.managed_policy_arns, f"group {group.arn}", problems)
        graph.principals[user.arn] = _Principal(
            user.arn, user.account, tuple(identity), boundary(user.permissions_boundary_arn, user.arn, problems),
            dict(user.tags), user.user_id or None, tuple(problems))
    for role in snapshot.roles:
        problems = []
        identity = inline(role.inline_policies, role.arn, problems)
        identity += managed_policies(role.managed_policy_arns, role.arn, problems)
        graph.principals[role.arn] = _Principal(
            role.arn, role.account, tuple(identity), boundary(role.permissions_boundary_arn, role.arn, problems),
            dict(role.tags), f"{role.role_id}:enjoin" if role.role_id else None, tuple(problems))
        graph.trust[role.arn] = _compile(role.trust_policy, f"trust policy of {role.arn}", PolicyKind.RESOURCE)
    for account in party_accounts:
        arn = f"arn:aws:iam::{account}:role/{PARTY_CONTROLLED_ROLE}"
        graph.principals[arn] = _Principal(
            arn, account, (compile_policy(_ALLOW_ALL, label=f"identity policies the party may give {arn}"),),
            None, {}, None, synthetic=True)

    org = snapshot.organization
    for kind, source, target in (("SCP", org.scps, graph.scps), ("RCP", org.rcps, graph.rcps)):
        pkind = PolicyKind.SCP if kind == "SCP" else PolicyKind.RCP
        for account, levels in source.items():
            compiled_levels: list[tuple[Policy, ...]] = []
            for depth, level in enumerate(levels):
                compiled_level: list[Policy] = []
                for i, doc in enumerate(level):
                    compiled = _compile(doc, f"{kind} #{i} at level {depth} for account {account}", pkind)
                    if isinstance(compiled, str):
                        raise PolicyError(f"organization {kind}s", "valid policies", compiled)
                    compiled_level.append(compiled)
                compiled_levels.append(tuple(compiled_level))
            target[account] = tuple(compiled_levels)
    for bucket in snapshot.buckets:
        graph.bucket_policy[bucket.arn] = (None if bucket.policy is None else _compile(
            bucket.policy, f"bucket policy of {bucket.arn}", PolicyKind.RESOURCE))
    for key in snapshot.keys:
        graph.key_policy[key.arn] = _compile(key.policy, f"key policy of {key.arn}", PolicyKind.RESOURCE)
    return graph


def _request(graph: _Graph, who: _Principal, action: str, resource: str, resource_account: str,
             resource_policy: Policy | None, context: Mapping[str, ContextValue] | None = None) -> Request:
    return Request(
        principal=who.arn, action=action, resource=resource,
        identity_policies=who.identity, permissions_boundary=who.boundary,
        scps=graph.scps.get(who.account, ()), rcps=graph.rcps.get(resource_account, ()),
        resource_policy=resource_policy, resource_account=resource_account,
        principal_tags=who.tags, principal_id=who.principal_id,
        principal_org_id=graph.snapshot.organization.org_id,
        context=dict(context or {}),
    )


def _hop(who: _Principal, action: str, resource: str, answer: object) -> Hop:
    witness = answer.witness or {}  # type: ignore[attr-defined]
    result = answer.result  # type: ignore[attr-defined]
    return Hop(who.arn, action, resource, tuple(result.allowed_by) if result else (), dict(witness))


def _in_party(arn: str, account: str, party: Party) -> bool:
    if account in party.accounts:
        return True
    return any(_wildcard(p).fullmatch(arn) for p in party.principals)


@lru_cache(maxsize=4096)
def _wildcard(pattern: str) -> re.Pattern[str]:
    """``*`` and ``?`` as in IAM, everything else literal (escape first, then translate)."""
    parts = (".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in pattern)
    return re.compile("".join(parts), re.DOTALL)


def _trust_may_admit(trust: Policy, who: _Principal) -> bool:
    """A cheap filter before asking the engine: could any Allow statement's Principal name ``who``?

    Only a filter: NotPrincipal, unfamiliar shapes and wildcards all pass through to the engine.
    """
    for stmt in trust.document.get("Statement", []) if isinstance(trust.document, Mapping) else []:
        if not isinstance(stmt, Mapping) or stmt.get("Effect") != "Allow":
            continue
        if "NotPrincipal" in stmt or "Principal" not in stmt:
            return True
        principal = stmt["Principal"]
        if principal == "*":
            return True
        values = principal.get("AWS", []) if isinstance(principal, Mapping) else []
        for value in [values] if isinstance(values, str) else values:
            if not isinstance(value, str):
                return True
            if value in ("*", who.account, f"arn:aws:iam::{who.account}:root", who.arn):
                return True
            if "*" in value or "?" in value:
                return True
    return False


def _probes(pattern: str, bucket: Bucket, policies: Iterable[Policy | None]) -> list[str]:
    """Object ARNs of ``bucket`` inside the holding ``pattern`` to ask about.

    The holding covers every object its pattern matches; a policy may allow only some of them. The
    probes are the holding pattern and every Resource/NotResource pattern of the policies that bear on
    the read, each instantiated (``*`` -> a probe name, ``?`` -> ``x``) and kept when inside the holding.
    """
    base = pattern if "/" in pattern.split(":::", 1)[-1] else f"{pattern}/*"
    base = base.replace(f"arn:aws:s3:::{pattern.split(':::', 1)[-1].split('/', 1)[0]}", bucket.arn, 1)
    candidates = [base]
    for policy in policies:
        if policy is None or not isinstance(policy.document, Mapping):
            continue
        statements = policy.document.get("Statement", [])
        for stmt in [statements] if isinstance(statements, Mapping) else statements:
            if not isinstance(stmt, Mapping):
                continue
            for key in ("Resource", "NotResource"):
                values = stmt.get(key, [])
                for value in [values] if isinstance(values, str) else values:
                    if isinstance(value, str) and value.startswith("arn:aws:s3:::") and "/" in value:
                        candidates.append(value)
    holding_re = _wildcard(base)
    bucket_re = _wildcard(f"{bucket.arn}/*")
    out: list[str] = []
    for cand in candidates:
        concrete = cand.replace("*", "enjoin-probe").replace("?", "x")
        if holding_re.fullmatch(concrete) and bucket_re.fullmatch(concrete) and concrete not in out:
            out.append(concrete)
    return out


def buckets_for(holding: Holding, buckets: Sequence[Bucket]) -> list[Bucket]:
    rest = holding.resource.split(":::", 1)[-1]
    name_pattern = _wildcard(rest.split("/", 1)[0])
    return [b for b in buckets if name_pattern.fullmatch(b.name)]


def is_s3_holding(holding: Holding) -> bool:
    return holding.resource.startswith("arn:aws:s3:::")


def _resolve_key(bucket: Bucket, keys: Sequence[Key]) -> Key | None:
    ref = bucket.kms_key_id
    if ref is None:
        return None
    for key in keys:
        if ref in (key.arn, key.key_id) or ref in key.aliases:
            return key
        if ref.startswith("alias/") and any(a.endswith(f":{ref}") for a in key.aliases):
            return key
    return None


class _Reader:
    """Decides, with memo, whether one principal can read one holding's objects."""

    def __init__(self, graph: _Graph) -> None:
        self.graph = graph
        self.memo: dict[tuple[str, int], tuple[list[Hop], list[str]] | None] = {}

    def read(self, who: _Principal, holding: Holding, index: int) -> tuple[list[Hop] | None, list[str]]:
        """The read hops if ``who`` can read some object of the holding; else None; and undecided reasons."""
        key = (who.arn, index)
        if key in self.memo:
            cached = self.memo[key]
            return (None, []) if cached is None else (cached[0] or None, cached[1])
        hops, reasons = self._read(who, holding)
        self.memo[key] = (hops or [], reasons)
        return hops, reasons

    def _read(self, who: _Principal, holding: Holding) -> tuple[list[Hop] | None, list[str]]:
        graph = self.graph
        reasons: list[str] = []
        for bucket in buckets_for(holding, graph.snapshot.buckets):
            policy = graph.bucket_policy.get(bucket.arn)
            if isinstance(policy, str):
                reasons.append(policy)
                continue
            for obj in _probes(holding.resource, bucket, (policy, *who.identity, who.boundary)):
                answer = possible(_request(graph, who, READ_ACTION, obj, bucket.account, policy))
                if answer.decision is Decision.INDETERMINATE:
                    reasons.append(f"{READ_ACTION} on {obj}: " + "; ".join(answer.explanation))
                    continue
                if answer.decision is not Decision.ALLOW:
                    continue
                read = _hop(who, READ_ACTION, obj, answer)
                if not (bucket.sse_algorithm or "").startswith("aws:kms"):
                    return [read], reasons
                decrypt, why = self._decrypt(who, bucket, obj)
                if decrypt is not None:
                    return [read, decrypt], reasons
                reasons.extend(why)
        return None, reasons

    def _decrypt(self, who: _Principal, bucket: Bucket, obj: str) -> tuple[Hop | None, list[str]]:
        graph = self.graph
        if bucket.kms_key_id is None:
            # The AWS managed key aws/s3: its key policy lets principals of the bucket's own account use it
            # through S3, and no one else.
            if who.account == bucket.account:
                return Hop(who.arn, DECRYPT_ACTION, f"aws/s3 key of account {bucket.account}", (), {}), []
            return None, []
        key = _resolve_key(bucket, graph.snapshot.keys)
        if key is None:
            return None, [f"the KMS key {bucket.kms_key_id} of {bucket.arn} was not read back"]
        policy = graph.key_policy[key.arn]
        if isinstance(policy, str):
            return None, [policy]
        encryption_context = bucket.arn if bucket.bucket_key_enabled else obj
        context = {"kms:ViaService": f"s3.{bucket.region}.amazonaws.com",
                   "kms:EncryptionContext:aws:s3:arn": encryption_context}
        answer = possible(_request(graph, who, DECRYPT_ACTION, key.arn, key.account, policy, context))
        if answer.decision is Decision.INDETERMINATE:
            return None, [f"{DECRYPT_ACTION} on {key.arn}: " + "; ".join(answer.explanation)]
        if answer.decision is not Decision.ALLOW:
            return None, []
        hop = _hop(who, DECRYPT_ACTION, key.arn, answer)
        return Hop(hop.principal, hop.action, hop.resource, hop.statements, {**context, **hop.context}), []


def compute_reach(snapshot: Snapshot, parties: Sequence[Party], holdings: Sequence[Holding],
                  region: str) -> Reach:
    """Every holding each party reaches, with its shortest path, and whatever could not be decided."""
    party_accounts = sorted({a for p in parties for a in p.accounts})
    graph = _build(snapshot, party_accounts, region)
    reader = _Reader(graph)
    roles = [graph.principals[r.arn] for r in snapshot.roles]
    edge_memo: dict[tuple[str, str], Hop | None | tuple[str, ...]] = {}

    def assume(who: _Principal, role: _Principal) -> Hop | None | tuple[str, ...]:
        memo_key = (who.arn, role.arn)
        if memo_key in edge_memo:
            return edge_memo[memo_key]
        trust = graph.trust[role.arn]
        outcome: Hop | None | tuple[str, ...]
        if isinstance(trust, str):
            outcome = (trust,)
        elif who.arn == role.arn or not _trust_may_admit(trust, who):
            outcome = None
        else:
            answer = possible(_request(graph, who, ASSUME_ACTION, role.arn, role.account, trust))
            if answer.decision is Decision.ALLOW:
                outcome = _hop(who, ASSUME_ACTION, role.arn, answer)
            elif answer.decision is Decision.INDETERMINATE:
                outcome = (f"{ASSUME_ACTION} on {role.arn}: " + "; ".join(answer.explanation),)
            else:
                outcome = None
        edge_memo[memo_key] = outcome
        return outcome

    s3_holdings = [(i, h) for i, h in enumerate(holdings) if is_s3_holding(h)]
    accesses: list[Access] = []
    undecided: list[Undecided] = []
    for party in parties:
        starts = [p for p in graph.principals.values() if _in_party(p.arn, p.account, party)]
        best: dict[int, tuple[str, list[Hop]]] = {}
        counts: dict[int, int] = {}
        for start in sorted(starts, key=lambda p: (p.synthetic, p.arn)):
            # Breadth first: the first time a principal is met, its path is a shortest one.
            paths: dict[str, list[Hop]] = {start.arn: []}
            queue = deque([start])
            while queue:
                who = queue.popleft()
                via = paths[who.arn]
                if who.problems:
                    undecided.append(Undecided(party.name, None, who.arn, "*", "*", who.problems, tuple(via)))
                    continue
                for index, holding in s3_holdings:
                    hops, reasons = reader.read(who, holding, index)
                    if hops is not None:
                        counts[index] = counts.get(index, 0) + 1
                        if index not in best or len(via) + len(hops) < len(best[index][1]):
                            best[index] = (start.arn, via + hops)
                    elif reasons:
                        undecided.append(Undecided(party.name, holding, who.arn, READ_ACTION, holding.resource,
                                                   tuple(reasons), tuple(via)))
                for role in roles:
                    if role.arn in paths:
                        continue
                    edge = assume(who, role)
                    if edge is None:
                        continue
                    if isinstance(edge, tuple):
                        undecided.append(Undecided(party.name, None, who.arn, ASSUME_ACTION, role.arn, edge,
                                                   tuple(via)))
                        continue
                    paths[role.arn] = [*via, edge]
                    queue.append(role)
        for index, (start_arn, hops) in sorted(best.items()):
            accesses.append(Access(party.name, holdings[index], start_arn, tuple(hops), counts[index]))
    return Reach(tuple(accesses), tuple(undecided),
                 tuple(h for h in holdings if not is_s3_holding(h)))

