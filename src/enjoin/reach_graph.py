"""The reach graph's nodes: principals with their compiled policies, and the requests they make.

Built once from a Snapshot: every user and role with its identity policies (inline, managed, groups'),
boundary, tags and the SCPs of its account; every trust, bucket, access point and key policy compiled;
one party-controlled principal per party account. A node is a principal as it stands, or as a party
that controls it could rewrite it (``variant``): an ``empowered`` role with every identity permission,
a user added to a group. Nothing here decides anything: reach asks the engine (after the exact
necessary condition of :mod:`enjoin.reach_filter`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache

from enjoin.engine import ContextValue, Policy, PolicyKind, Request, compile_policy
from enjoin.errors import PolicyError
from enjoin.snapshot import Group, NamedPolicy, Snapshot

PARTY_CONTROLLED_ROLE = "enjoin-party-controlled"
ALLOW_ALL = {
    "Version": "2012-10-17",
    "Statement": [{"Sid": "AnyPermission", "Effect": "Allow", "Action": "*", "Resource": "*"}],
}


@dataclass(frozen=True, slots=True)
class Node:
    """A principal as reach uses it. ``key`` names the node; ``arn`` is what requests carry."""

    key: str
    arn: str
    account: str
    kind: str  # "user" | "role"
    identity: tuple[Policy, ...]
    boundary: Policy | None
    tags: Mapping[str, str]
    principal_id: str | None
    problems: tuple[str, ...] = ()  # why its requests cannot be decided (policies not read back...)
    synthetic: bool = False  # the party-controlled principal of a party account
    group_arns: tuple[str, ...] = ()
    managed_arns: tuple[str, ...] = ()  # customer managed policies attached to it or its groups
    login_profile: bool | None = None  # a user's console password (None: not read, either is possible)
    boundary_arn: str | None = None  # the managed policy set as its permissions boundary
    access_keys: int | None = None  # a user's access keys, active or not (None: not read)
    own_managed_arns: tuple[str, ...] = ()  # the managed policies attached to it, not through a group


@dataclass(slots=True)
class Graph:
    """The compiled snapshot."""

    snapshot: Snapshot
    region: str
    party_accounts: frozenset[str]
    nodes: dict[str, Node] = field(default_factory=dict)
    trust: dict[str, Policy | str] = field(default_factory=dict)  # role arn -> trust policy or a problem
    scps: dict[str, tuple[tuple[Policy, ...], ...]] = field(default_factory=dict)
    rcps: dict[str, tuple[tuple[Policy, ...], ...]] = field(default_factory=dict)
    bucket_policy: dict[str, Policy | str | None] = field(default_factory=dict)
    key_policy: dict[str, Policy | str] = field(default_factory=dict)
    access_point_policy: dict[str, Policy | str | None] = field(default_factory=dict)
    repository_policy: dict[str, Policy | str | None] = field(default_factory=dict)  # ECR repository arn -> policy
    groups: dict[str, Group] = field(default_factory=dict)
    group_policies: dict[str, tuple[tuple[Policy, ...], tuple[str, ...]]] = field(default_factory=dict)

    def request(
        self,
        who: Node,
        action: str,
        resource: str,
        resource_account: str,
        resource_policy: Policy | None,
        context: Mapping[str, ContextValue | None] | None = None,
    ) -> Request:
        return Request(
            principal=who.arn,
            action=action,
            resource=resource,
            identity_policies=who.identity,
            permissions_boundary=who.boundary,
            scps=self.scps.get(who.account, ()),
            rcps=self.rcps.get(resource_account, ()),
            resource_policy=resource_policy,
            resource_account=resource_account,
            principal_tags=who.tags,
            principal_id=who.principal_id,
            principal_org_id=self.snapshot.organization.org_id,
            context=dict(context or {}),
        )

    def empowered(self, node: Node, dropped: frozenset[str] = frozenset()) -> Node:
        """The node with every identity permission (its boundary and SCPs still apply), without its identity
        policies labelled in ``dropped``: those the caller wrote over (an inline policy put again under its name, a
        managed policy given a new default version), whose Denies are gone with them."""
        kept = tuple(p for p in node.identity if p.label not in dropped)
        key = f"{node.key}#empowered" + (f"-without:{','.join(sorted(dropped))}" if dropped else "")
        return replace(node, key=key, identity=(*kept, _rewritten()))

    def without(self, node: Node, dropped: frozenset[str]) -> Node:
        """The node without its identity policies labelled in ``dropped`` (deleted, detached, or left with a group
        it was removed from), nothing added."""
        kept = tuple(p for p in node.identity if p.label not in dropped)
        return replace(node, key=f"{node.key}#without:{','.join(sorted(dropped))}", identity=kept)

    def attached(self, node: Node, documents: Mapping[str, object]) -> Node:
        """The node with these managed policies attached as well."""
        extra = tuple(compile_policy(doc, label=arn) for arn, doc in sorted(documents.items()))  # type: ignore[arg-type]
        key = f"{node.key}+{'+'.join(sorted(documents))}"
        return replace(node, key=key, identity=(*node.identity, *extra))

    def bounded(self, node: Node, arn: str | None, document: object | None) -> Node:
        """The node with its permissions boundary deleted (``arn`` None) or replaced by managed policy ``arn``."""
        if arn is None or document is None:
            return replace(node, key=f"{node.key}#unbounded", boundary=None, boundary_arn=None)
        boundary = compile_policy(document, label=f"{arn} as the permissions boundary")  # type: ignore[arg-type]
        return replace(node, key=f"{node.key}#boundary={arn}", boundary=boundary, boundary_arn=arn)

    def versioned(self, node: Node, arn: str, version_id: str, document: object) -> Node:
        """The node with another version of the managed policy ``arn`` (its own or a group's) made the default."""
        label = f"{arn} (version {version_id})"
        replacement = compile_or_reason(document, label, PolicyKind.IDENTITY)
        kept = tuple(p for p in node.identity if p.label != arn)
        if isinstance(replacement, str):
            return replace(node, key=f"{node.key}#{arn}={version_id}", identity=kept,
                           problems=(*node.problems, replacement))
        return replace(node, key=f"{node.key}#{arn}={version_id}", identity=(*kept, replacement))

    def joined(self, node: Node, group_arn: str) -> Node:
        """A user node added to a group: the group's policies join its own."""
        policies, problems = self.group_policies.get(group_arn, ((), (f"group {group_arn} was not read back",)))
        return replace(
            node,
            key=f"{node.key}+{group_arn}",
            identity=(*node.identity, *policies),
            problems=(*node.problems, *problems),
            group_arns=(*node.group_arns, group_arn),
        )


def denies(policy: Policy) -> bool:
    """Whether an identity policy has a Deny statement (what writing over it, or removing it, can lift)."""
    return any(not s.allow for s in policy.statements)


@lru_cache(maxsize=1)
def _rewritten() -> Policy:
    return compile_policy(ALLOW_ALL, label="a policy the party writes on the principal it can rewrite")


def compile_or_reason(document: object, label: str, kind: PolicyKind) -> Policy | str:
    """Compile a document, or say why it cannot be (the reason becomes an INDETERMINATE)."""
    try:
        return compile_policy(document, label=label, kind=kind)  # type: ignore[arg-type]
    except PolicyError as exc:
        return f"{label} is not valid policy grammar: {exc}"


@lru_cache(maxsize=8192)
def wildcard(pattern: str) -> re.Pattern[str]:
    """``*`` and ``?`` as in IAM, everything else literal (escape first, then translate)."""
    return re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern), re.DOTALL)


class _Compiler:
    def __init__(self, snapshot: Snapshot) -> None:
        self.managed = {p.arn: p for p in snapshot.policies}

    def managed_policies(self, arns: Sequence[str], owner: str, problems: list[str]) -> list[Policy]:
        out: list[Policy] = []
        for arn in arns:
            if arn not in self.managed:
                problems.append(f"managed policy {arn} attached to {owner} was not read back")
                continue
            self._add(compile_or_reason(self.managed[arn].document, arn, PolicyKind.IDENTITY), out, problems)
        return out

    def inline(self, policies: Iterable[NamedPolicy], owner: str, problems: list[str]) -> list[Policy]:
        out: list[Policy] = []
        for pol in policies:
            label = f"inline policy {pol.name} of {owner}"
            self._add(compile_or_reason(pol.document, label, PolicyKind.IDENTITY), out, problems)
        return out

    def boundary(self, arn: str | None, owner: str, problems: list[str]) -> Policy | None:
        if arn is None:
            return None
        if arn not in self.managed:
            problems.append(f"permissions boundary {arn} of {owner} was not read back")
            return None
        compiled = compile_or_reason(self.managed[arn].document, f"permissions boundary {arn}", PolicyKind.BOUNDARY)
        if isinstance(compiled, str):
            problems.append(compiled)
            return None
        return compiled

    @staticmethod
    def _add(compiled: Policy | str, out: list[Policy], problems: list[str]) -> None:
        if isinstance(compiled, str):
            problems.append(compiled)
        else:
            out.append(compiled)


def build_graph(snapshot: Snapshot, party_accounts: Iterable[str], region: str) -> Graph:
    """Compile every policy of the snapshot once."""
    graph = Graph(snapshot, region, frozenset(party_accounts))
    comp = _Compiler(snapshot)
    graph.groups = {g.arn: g for g in snapshot.groups}
    for group in snapshot.groups:
        problems: list[str] = []
        policies = comp.inline(group.inline_policies, f"group {group.arn}", problems)
        policies += comp.managed_policies(group.managed_policy_arns, f"group {group.arn}", problems)
        graph.group_policies[group.arn] = (tuple(policies), tuple(problems))
    for user in snapshot.users:
        problems = []
        identity = comp.inline(user.inline_policies, user.arn, problems)
        identity += comp.managed_policies(user.managed_policy_arns, user.arn, problems)
        managed = list(user.managed_policy_arns)
        for garn in user.group_arns:
            group_policies, group_problems = graph.group_policies.get(
                garn, ((), (f"group {garn} of {user.arn} was not read back",))
            )
            identity += group_policies
            problems += group_problems
            if garn in graph.groups:
                managed += graph.groups[garn].managed_policy_arns
        graph.nodes[user.arn] = Node(
            user.arn,
            user.arn,
            user.account,
            "user",
            tuple(identity),
            comp.boundary(user.permissions_boundary_arn, user.arn, problems),
            dict(user.tags),
            user.user_id or None,
            tuple(problems),
            group_arns=tuple(user.group_arns),
            managed_arns=tuple(managed),
            login_profile=user.login_profile,
            boundary_arn=user.permissions_boundary_arn,
            access_keys=user.access_keys,
            own_managed_arns=tuple(user.managed_policy_arns),
        )
    for role in snapshot.roles:
        problems = []
        identity = comp.inline(role.inline_policies, role.arn, problems)
        identity += comp.managed_policies(role.managed_policy_arns, role.arn, problems)
        graph.nodes[role.arn] = Node(
            role.arn,
            role.arn,
            role.account,
            "role",
            tuple(identity),
            comp.boundary(role.permissions_boundary_arn, role.arn, problems),
            dict(role.tags),
            f"{role.role_id}:enjoin" if role.role_id else None,
            tuple(problems),
            managed_arns=tuple(role.managed_policy_arns),
            boundary_arn=role.permissions_boundary_arn,
            own_managed_arns=tuple(role.managed_policy_arns),
        )
        graph.trust[role.arn] = compile_or_reason(role.trust_policy, f"trust policy of {role.arn}", PolicyKind.RESOURCE)
    for account in sorted(graph.party_accounts):
        arn = f"arn:aws:iam::{account}:role/{PARTY_CONTROLLED_ROLE}"
        label = f"identity policies the party may give a role it creates in {account}"
        graph.nodes[arn] = Node(
            arn,
            arn,
            account,
            "role",
            (compile_policy(ALLOW_ALL, label=label),),
            None,
            {},
            None,
            synthetic=True,
        )
    _organization(snapshot, graph)
    for bucket in snapshot.buckets:
        graph.bucket_policy[bucket.arn] = (
            None
            if bucket.policy is None
            else compile_or_reason(bucket.policy, f"bucket policy of {bucket.arn}", PolicyKind.RESOURCE)
        )
    for point in snapshot.access_points:
        graph.access_point_policy[point.arn] = (
            None
            if point.policy is None
            else compile_or_reason(point.policy, f"access point policy of {point.arn}", PolicyKind.RESOURCE)
        )
    for key in snapshot.keys:
        graph.key_policy[key.arn] = compile_or_reason(key.policy, f"key policy of {key.arn}", PolicyKind.RESOURCE)
    for repository in snapshot.repositories:
        graph.repository_policy[repository.arn] = (
            None
            if repository.policy is None
            else compile_or_reason(repository.policy, f"repository policy of {repository.arn}", PolicyKind.RESOURCE)
        )
    return graph


def _organization(snapshot: Snapshot, graph: Graph) -> None:
    org = snapshot.organization
    for kind, source, target in (("SCP", org.scps, graph.scps), ("RCP", org.rcps, graph.rcps)):
        pkind = PolicyKind.SCP if kind == "SCP" else PolicyKind.RCP
        for account, levels in source.items():
            compiled_levels: list[tuple[Policy, ...]] = []
            for depth, level in enumerate(levels):
                compiled_level: list[Policy] = []
                for i, doc in enumerate(level):
                    name = org.name(kind.lower() + "s", account, depth, i)
                    label = (
                        f"{kind} {name} (level {depth} of account {account})"
                        if name
                        else f"{kind} #{i} at level {depth} for account {account}"
                    )
                    compiled = compile_or_reason(doc, label, pkind)
                    if isinstance(compiled, str):
                        raise PolicyError(f"organization {kind}s", "valid policies", compiled)
                    compiled_level.append(compiled)
                compiled_levels.append(tuple(compiled_level))
            target[account] = tuple(compiled_levels)
