"""The reach graph's nodes: principals with their compiled policies, and the requests they make.

Built once from a Snapshot: every user and role with its identity policies (inline, managed, groups'),
boundary, tags and the SCPs of its account; every trust, bucket, access point and key policy compiled;
one party-controlled principal per party account. A node is a principal as it stands, or as a party
that controls it could rewrite it (``variant``): an ``empowered`` role with every identity permission,
a user added to a group. Nothing here decides anything: reach asks the engine.

What is here besides is the cheap, exact test reach runs before asking it (:func:`could_allow`): a
necessary condition for ALLOW read off the compiled policies' own action and resource matchers and the
principals their statements name, so that a request it refuses is one the engine would refuse in every
context (and never one it would find undecidable).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache

from enjoin.engine import ContextValue, Policy, PolicyKind, Request, compile_policy
from enjoin.engine.layers import needs_resource_policy
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

    def empowered(self, node: Node) -> Node:
        """The node with every identity permission (its boundary and SCPs still apply)."""
        return replace(node, key=f"{node.arn}#empowered", identity=(*node.identity, _rewritten()))

    def attached(self, node: Node, documents: Mapping[str, object]) -> Node:
        """The node with these managed policies attached as well."""
        extra = tuple(compile_policy(doc, label=arn) for arn, doc in sorted(documents.items()))  # type: ignore[arg-type]
        key = f"{node.arn}+{'+'.join(sorted(documents))}"
        return replace(node, key=key, identity=(*node.identity, *extra))

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
                    compiled = compile_or_reason(doc, f"{kind} #{i} at level {depth} for account {account}", pkind)
                    if isinstance(compiled, str):
                        raise PolicyError(f"organization {kind}s", "valid policies", compiled)
                    compiled_level.append(compiled)
                compiled_levels.append(tuple(compiled_level))
            target[account] = tuple(compiled_levels)


# --- The necessary condition reach checks before asking the engine ---------------------------------
#
# IAM User Guide, "Policy evaluation logic" (and enjoin.engine.layers, which states the same rules):
# within one account a request is allowed only through the identity side (an identity policy Allow,
# and the permissions boundary's, if any) or through a resource policy statement that names the user,
# the role or one of its sessions; a resource policy that names only the account grants nothing by
# itself. Across accounts both the identity side and a resource policy naming the caller in any form
# must allow. KMS key policies and role trust policies must themselves allow. Every one of these needs
# an Allow statement whose Action covers the action and whose Resource covers the resource: when none
# exists in a layer that must allow, nothing in the request context can change that, so the engine's
# answer is a deny in every context (an Allow formula that is FALSE leaves no "denied either way").
# The statements are found with the compiled policy's own matcher (``Policy.covering``, the engine's);
# a Resource with policy variables counts as covering anything. Principals are compared more loosely
# than the engine does (any session of a role, any unique id when the caller has none), which only
# lets more requests through to the engine.

_ACCOUNT_ID = re.compile(r"\d{12}")
_UNIQUE_ID = re.compile(r"A[A-Z0-9]{3}[A-Z0-9]{12,}")
# The principals the engine decides about; for anything else it answers INDETERMINATE, so no filtering.
_CALLER = re.compile(r"arn:[^:]+:iam::\d{12}:(user|role)/(?:[^/]*/)*[^/]+")
ANYONE = "*"  # a name that may stand for any caller (wildcard, NotPrincipal, what reach does not parse)


def aws_principal_name(value: str) -> str:
    """One ``Principal.AWS`` value in the form :func:`caller_names` gives a caller.

    An account (``123456789012`` or its ``:root`` ARN) stays the account id; a user is ``user:ARN``; a
    role is ``role:ACCOUNT:NAME`` (its path does not matter); an assumed-role session is
    ``session:ACCOUNT:ROLE``; a unique id is ``id:AROA...``; a federated user names no IAM caller
    (``none``); a wildcard or anything else, :data:`ANYONE`.
    """
    if "*" in value or "?" in value:
        return ANYONE
    if _ACCOUNT_ID.fullmatch(value):
        return value
    if _UNIQUE_ID.fullmatch(value):
        return f"id:{value}"
    parts = value.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn":
        return ANYONE
    service, account, resource = parts[2], parts[4], parts[5]
    if service == "iam" and resource == "root":
        return account
    if service == "iam" and resource.startswith("user/"):
        return f"user:{value}"
    if service == "iam" and resource.startswith("role/"):
        return f"role:{account}:{resource.rsplit('/', 1)[1]}"
    if service == "sts" and resource.startswith("assumed-role/"):
        return f"session:{account}:{resource.split('/')[1]}"
    if service == "sts" and resource.startswith("federated-user/"):
        return "none"
    return ANYONE


def listed(value: object) -> list[str]:
    """A policy element that is a string or a list of strings, as a list (anything else: empty)."""
    if isinstance(value, str):
        return [value]
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def raw_statements(policy: Policy) -> list[Mapping[str, object]]:
    """The policy's statements as written, in the order (and with the indices) the engine compiled them."""
    doc = policy.document
    stmts = doc.get("Statement", []) if isinstance(doc, Mapping) else []
    return [s if isinstance(s, Mapping) else {} for s in ([stmts] if isinstance(stmts, Mapping) else stmts)]


@lru_cache(maxsize=65536)
def statement_names(policy: Policy) -> tuple[frozenset[str], ...]:
    """Per statement, the IAM callers its Principal may name (:func:`aws_principal_name` forms)."""
    out: list[frozenset[str]] = []
    for stmt in raw_statements(policy):
        principal = stmt.get("Principal")
        if "NotPrincipal" in stmt or principal == "*":
            out.append(frozenset({ANYONE}))
        elif isinstance(principal, Mapping):
            names = {aws_principal_name(v) for v in listed(principal.get("AWS"))}
            if "CanonicalUser" in principal:
                names.add(ANYONE)  # the engine cannot tell whose account a canonical id is
            out.append(frozenset(names))
        else:
            out.append(frozenset({ANYONE}) if principal is not None else frozenset())
    return tuple(out)


@lru_cache(maxsize=65536)
def caller_names(kind: str, arn: str, principal_id: str | None) -> frozenset[str]:
    """The names by which a resource policy may grant to this caller on its own (not its account)."""
    account = arn_account(arn)
    names = {ANYONE}
    if kind == "user":
        names.add(f"user:{arn}")
    else:
        name = arn.rsplit("/", 1)[1]
        names |= {f"role:{account}:{name}", f"session:{account}:{name}"}
    if principal_id:
        names.add(f"id:{principal_id.split(':', 1)[0]}")
    return frozenset(names)


def names_caller(names: frozenset[str], who: Node) -> bool:
    """Whether a statement naming ``names`` may name ``who`` itself (a user, role or session)."""
    if names & caller_names(who.kind, who.arn, who.principal_id):
        return True
    # Without its unique id the engine cannot rule out that an id names the caller.
    return not who.principal_id and any(n.startswith("id:") for n in names)


def _allows(policy: Policy, action_lower: str, resource: str) -> bool:
    """Whether an Allow statement of the policy covers the action and the resource."""
    statements = policy.statements
    return any(statements[i].allow for i in policy.covering(action_lower, resource))


def identity_may(who: Node, action_lower: str, resource: str) -> bool:
    """Whether the identity side (identity policies and boundary) may allow: an Allow in both."""
    if not any(_allows(p, action_lower, resource) for p in who.identity):
        return False
    return who.boundary is None or _allows(who.boundary, action_lower, resource)


def resource_policy_may(policy: Policy, who: Node, action_lower: str, resource: str) -> tuple[bool, bool]:
    """Whether an Allow statement of a resource policy covering the request may name ``who`` itself,
    and whether one may name it in any form (its account included)."""
    names = statement_names(policy)
    statements = policy.statements
    account = arn_account(who.arn)
    named = False
    for i in policy.covering(action_lower, resource):
        if not statements[i].allow:
            continue
        if names_caller(names[i], who):
            return True, True
        named = named or account in names[i]
    return False, named


def could_allow(who: Node, action: str, resource: str, resource_account: str, resource_policy: Policy | None) -> bool:
    """False only if no request context allows the request (see the comment above): a filter, exact."""
    account = caller_account(who.arn)
    if account is None:
        return True  # the engine's own answer (INDETERMINATE) must be heard
    if resource_policy is not None and resource_policy.kind is not PolicyKind.RESOURCE:
        return True  # the engine reports a misplaced policy as INDETERMINATE
    action_lower, mandatory = _action(action)
    identity = identity_may(who, action_lower, resource)
    alone = named = False
    if resource_policy is not None:
        alone, named = resource_policy_may(resource_policy, who, action_lower, resource)
    if mandatory:
        return alone or (named and identity)
    if account == resource_account:
        return alone or identity
    return named and identity


def arn_account(arn: str) -> str:
    """The account field of an ARN ("" when it has none)."""
    parts = arn.split(":", 5)
    return parts[4] if len(parts) == 6 else ""


@lru_cache(maxsize=65536)
def caller_account(arn: str) -> str | None:
    """The account of a user or role ARN the engine decides about; None for any other principal."""
    return arn.split(":")[4] if _CALLER.fullmatch(arn) else None


@lru_cache(maxsize=4096)
def _action(action: str) -> tuple[str, bool]:
    """The action lower-cased, and whether its resource policy must itself allow (key and trust policies)."""
    action_lower = action.lower()
    return action_lower, needs_resource_policy(action_lower)


def may_act(who: Node, action: str) -> bool:
    """Whether the identity side may allow ``action`` on some resource (a per-principal pre-check).

    True, too, for a principal the engine does not decide about (its answer is INDETERMINATE).
    """
    if caller_account(who.arn) is None:
        return True
    return _side_may_act(who.identity, who.boundary, action.lower())


@lru_cache(maxsize=262144)
def _side_may_act(identity: tuple[Policy, ...], boundary: Policy | None, action_lower: str) -> bool:
    if not any(any(s.allow for s in p.statements_for(action_lower)) for p in identity):
        return False
    return boundary is None or any(s.allow for s in boundary.statements_for(action_lower))


def allow_patterns(policy: Policy, action: str) -> tuple[str, ...] | None:
    """The Resource patterns of the policy's Allow statements covering ``action``: every resource on
    which the policy may allow it matches one. None when that cannot bound them (NotResource, no
    Resource element, policy variables)."""
    return _allow_patterns(policy, action.lower())


@lru_cache(maxsize=262144)
def _allow_patterns(policy: Policy, action_lower: str) -> tuple[str, ...] | None:
    written = raw_statements(policy)
    out: list[str] = []
    for statement in policy.statements_for(action_lower):
        if not statement.allow:
            continue
        raw = written[statement.index]
        if "Resource" not in raw:
            return None
        patterns = listed(raw["Resource"])
        if any("${" in p for p in patterns):
            return None
        out += patterns
    return tuple(out)


def glob_meets_prefix(pattern: str, prefix: str) -> bool:
    """Whether the IAM pattern (``*``, ``?``, case-sensitive) matches some string that starts with ``prefix``.

    The pattern is run as an automaton over ``prefix``; any state still alive at its end can be
    completed (a ``*`` by nothing, a ``?`` by any character, a literal by itself).
    """

    head = len(pattern)
    for wild in ("*", "?"):
        at = pattern.find(wild)
        if at != -1 and at < head:
            head = at
    common = min(head, len(prefix))
    if pattern[:common] != prefix[:common]:
        return False
    if len(prefix) <= head:
        return True  # the literal head covers the prefix; the rest can be completed
    if head == len(pattern):
        return False  # a literal pattern shorter than the prefix
    if pattern[head] == "*":
        return True  # the star takes the rest of the prefix
    return _glob_meets_prefix_slowly(pattern, prefix)


def _glob_meets_prefix_slowly(pattern: str, prefix: str) -> bool:
    def closure(states: set[int]) -> set[int]:
        out = set(states)
        for i in sorted(states):
            while i < len(pattern) and pattern[i] == "*":
                i += 1
                out.add(i)
        return out

    states = closure({0})
    for ch in prefix:
        after: set[int] = set()
        for i in states:
            if i < len(pattern):
                c = pattern[i]
                if c == "*":
                    after.add(i)
                elif c == "?" or c == ch:
                    after.add(i + 1)
        if not after:
            return False
        states = closure(after)
    return True


def identity_resources(who: Node, action: str) -> frozenset[str] | None:
    """The resources on which the identity policies may allow ``action``, when their Allow statements
    name them literally (no wildcard, no policy variable, no NotResource); None when not bounded so.

    A superset, for :func:`identity_may`, of the resources it allows (the boundary may allow fewer).
    None, too, for a principal the engine does not decide about (its answer is INDETERMINATE).
    """
    if caller_account(who.arn) is None:
        return None
    return _literal_resources(who.identity, action.lower())


@lru_cache(maxsize=65536)
def _literal_resources(identity: tuple[Policy, ...], action_lower: str) -> frozenset[str] | None:
    out: set[str] = set()
    for policy in identity:
        written = raw_statements(policy)
        for statement in policy.statements_for(action_lower):
            if not statement.allow:
                continue
            resources = written[statement.index].get("Resource")
            if resources is None:
                return None
            for pattern in listed(resources):
                if "*" in pattern or "?" in pattern or "${" in pattern:
                    return None
                out.add(pattern)
    return frozenset(out)
