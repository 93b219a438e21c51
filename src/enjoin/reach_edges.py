"""The ways one principal comes to act as another, each decided by the engine's existential question.

- ``sts:AssumeRole``: the role's trust policy and the caller's permissions (ExternalId and other
  conditions the caller controls are free; cross-account rules and SCPs apply).
- ``sts:AssumeRoleWithSAML`` / ``AssumeRoleWithWebIdentity``: a role whose trust policy admits an
  identity provider of the party belongs to the party (the provider asserts whatever it likes).
- ``iam:UpdateAssumeRolePolicy`` on a role: the caller rewrites its trust to name itself, then assumes it.
- ``iam:CreateAccessKey``, ``iam:CreateLoginProfile``, ``iam:UpdateLoginProfile`` on a user: the caller
  gets the user's credentials. A console password is created only for a user without one and changed only
  for a user with one (:func:`take_credentials`).
- ``iam:PutRolePolicy`` / ``PutUserPolicy``, ``iam:CreatePolicyVersion`` on a managed policy the
  principal has, ``iam:PutGroupPolicy`` on its group: the principal, once the party also acts as it, has
  any identity permission (its boundary and SCPs still bind); ``iam:AttachRolePolicy`` /
  ``AttachUserPolicy`` add the managed policies ``iam:PolicyARN`` lets the caller attach (AWS's
  AdministratorAccess among the candidates), and ``iam:AttachGroupPolicy`` on a group it belongs to;
  ``iam:AddUserToGroup`` adds a group's policies; ``iam:Delete*PermissionsBoundary`` lifts its boundary, and
  ``iam:Put*PermissionsBoundary`` replaces it with a managed policy ``iam:PermissionsBoundary`` allows;
  ``iam:CreatePolicy`` then an Attach of the policy written; ``iam:SetDefaultPolicyVersion`` on a customer
  managed policy it has makes another of its versions the one in force.
- ``iam:CreateRole`` / ``iam:CreateUser``, a policy for the new principal, then assuming it (under a trust the
  caller wrote) or an access key of it (:func:`create_principal`).
- ``lambda:UpdateFunctionCode`` on a function that runs as a role: the caller's code runs as that role. Passing a
  role to a service that runs code (Lambda, EC2, CloudFormation, CodeBuild, Glue, SageMaker, ECS, Step Functions,
  Auto Scaling) is :mod:`enjoin.reach_compute`, from its table.

IAM has no resource policies, so every IAM and Lambda rewrite above is a same-account edge.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from functools import lru_cache

from enjoin.engine import Decision, Policy, PolicyKind, compile_policy, possible
from enjoin.reach_filter import (
    ANYONE,
    arn_account,
    caller_names,
    could_allow,
    listed,
    may_act,
    names_caller,
    raw_statements,
    resource_policy_may,
    statement_names,
)
from enjoin.reach_graph import Graph, Node, compile_or_reason, denies, wildcard
from enjoin.reach_model import ASSUME_ACTION, Hop
from enjoin.snapshot import Function

FEDERATED_ACTIONS = ("sts:AssumeRoleWithSAML", "sts:AssumeRoleWithWebIdentity")


@dataclass(frozen=True, slots=True)
class Edge:
    """The party, acting as the source, can act as ``target`` after ``hops``."""

    target: Node
    hops: tuple[Hop, ...]


Outcome = Edge | tuple[str, ...] | None  # an edge, the reasons it could not be decided, or no edge


def answer(
    graph: Graph,
    who: Node,
    action: str,
    resource: str,
    account: str,
    policy: Policy | None,
    context: Mapping[str, str | None] | None = None,
    note: str = "",
) -> Hop | tuple[str, ...] | None:
    """A hop if some context allows the request, the reasons if undecided, None if never allowed.

    Requests that fail :func:`~enjoin.reach_filter.could_allow` (no statement that could allow them) are
    answered None without the engine: it would deny them in every context.
    """
    if not could_allow(who, action, resource, account, policy):
        return None
    request = graph.request(who, action, resource, account, policy, context)
    result = possible(request)
    if result.decision is Decision.ALLOW:
        statements = tuple(result.result.allowed_by) if result.result else ()
        fixed = {k: v for k, v in (context or {}).items() if v is not None}
        witness = {**fixed, **(result.witness or {})}
        concrete = graph.request(who, action, resource, account, policy, witness)
        return Hop(who.arn, action, resource, statements, witness, note, concrete)
    if result.decision is Decision.INDETERMINATE and not result.never_allowed:
        return (f"{who.arn} {action} {resource}: " + " ".join(result.explanation),)
    return None  # never allowed (denied explicitly, implicitly, or either way)


@lru_cache(maxsize=65536)
def admitted(policy: Policy) -> frozenset[str]:
    """The callers an Allow statement's Principal may name (:func:`~enjoin.reach_filter.aws_principal_name` forms)."""
    names: set[str] = set()
    for stmt, stmt_names in zip(policy.statements, statement_names(policy), strict=True):
        if stmt.allow:
            names |= stmt_names
    return frozenset(names)


def policy_may_admit(policy: Policy, who: Node) -> bool:
    """Could an Allow statement of this resource policy name ``who`` (itself or its account)?"""
    names = admitted(policy)
    return arn_account(who.arn) in names or names_caller(names, who)


class TrustIndex:
    """Which roles' trust policies could admit a principal: by name, by account, or any (wildcards)."""

    def __init__(self, graph: Graph) -> None:
        self.by_name: dict[str, list[str]] = {}
        self.anyone: list[str] = []
        self.by_id: list[str] = []  # roles whose trust names unique ids: any caller without one may match
        self.federated: dict[str, list[tuple[str, str]]] = {}  # provider ARN -> (role, action)
        self.positions: dict[str, dict[str, int]] = {}  # account -> role -> place among those trusting it
        for role_arn, trust in graph.trust.items():
            if isinstance(trust, str):
                self.anyone.append(role_arn)  # undecidable: let the engine path report it
                continue
            names = admitted(trust)
            for stmt in raw_statements(trust):
                principal = stmt.get("Principal")
                if stmt.get("Effect") != "Allow" or not isinstance(principal, Mapping):
                    continue
                actions = [a.lower() for a in listed(stmt.get("Action"))]
                for provider in listed(principal.get("Federated")):
                    for fed in FEDERATED_ACTIONS:
                        if any(wildcard(a).fullmatch(fed.lower()) for a in actions):
                            self.federated.setdefault(provider, []).append((role_arn, fed))
            if ANYONE in names:
                self.anyone.append(role_arn)
            if any(n.startswith("id:") for n in names):
                self.by_id.append(role_arn)
            for name in names - {ANYONE}:
                self.by_name.setdefault(name, []).append(role_arn)

    def candidates(self, who: Node, bounded: frozenset[str] | None = None) -> list[str]:
        """Roles whose trust may name ``who``: itself (user, role, session, unique id), its account, anyone.

        ``bounded``: the roles ``who``'s identity policies may allow it to assume, when they name them
        literally (:func:`~enjoin.reach_filter.identity_resources`). A trust that names only the account
        delegates to those policies, so the roles it alone admits are kept only when bounded allows them.
        The order is the same either way (by name, by account, anyone).
        """
        names = caller_names(who.kind, who.arn, who.principal_id)
        own = [n for prefix in ("user:", "role:", "session:", "id:") for n in sorted(names) if n.startswith(prefix)]
        by_itself = [role for name in own for role in self.by_name.get(name, ())]
        anyone = [*self.anyone, *(() if who.principal_id else self.by_id)]
        account = arn_account(who.arn)
        by_account = self.by_name.get(account, [])
        if bounded is not None and by_account:
            position = self.positions.get(account)
            if position is None:
                position = self.positions[account] = {role: i for i, role in enumerate(by_account)}
            # Still in the account's place: the roles the identity names, and those admitting it otherwise.
            kept = {role for role in (*bounded, *by_itself, *anyone) if role in position}
            by_account = sorted(kept, key=position.__getitem__)
        seen = dict.fromkeys((*by_itself, *by_account, *anyone))
        return [arn for arn in seen if arn != who.arn]


def assume(graph: Graph, who: Node, role: Node) -> Outcome:
    trust = graph.trust[role.arn]
    if isinstance(trust, str):
        return (trust,)
    hop = answer(graph, who, ASSUME_ACTION, role.arn, role.account, trust)
    return Edge(role, (hop,)) if isinstance(hop, Hop) else hop


@lru_cache(maxsize=65536)
def _trust_naming(arn: str) -> Policy:
    """The trust policy a principal that may rewrite a role's trust writes: one naming itself."""
    document = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": arn}, "Action": ASSUME_ACTION}],
    }
    return compile_policy(document, label=f"the trust policy {arn} may write", kind=PolicyKind.RESOURCE)


def rewrite_trust(graph: Graph, who: Node, role: Node) -> Outcome:
    """iam:UpdateAssumeRolePolicy on a role of its own account, then assume it under the new trust."""
    if who.account != role.account or not may_act(who, "iam:UpdateAssumeRolePolicy"):
        return None
    update = answer(graph, who, "iam:UpdateAssumeRolePolicy", role.arn, role.account, None)
    if not isinstance(update, Hop):
        return update
    new_trust = _trust_naming(who.arn)
    hop = answer(graph, who, ASSUME_ACTION, role.arn, role.account, new_trust)
    return Edge(role, (update, hop)) if isinstance(hop, Hop) else hop


def _credential_steps(user: Node) -> tuple[tuple[str, ...], ...]:
    """The request sequences that give the caller credentials of ``user``, as the user stands.

    - ``iam:CreateAccessKey``. A user has at most two access keys, active or not ("IAM and AWS STS quotas":
      https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html): for a user with two, the
      caller must first delete one (``iam:DeleteAccessKey``). Where the keys were not read (``None``), the
      creation alone is offered (a user at the quota may then be reported reachable, never the reverse).
    - ``iam:CreateLoginProfile`` for a user without a console password: for a user with one it "was
      rejected because it attempted to create a resource that already exists" (EntityAlreadyExists,
      https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateLoginProfile.html), unless the caller
      first deletes it (``iam:DeleteLoginProfile``,
      https://docs.aws.amazon.com/IAM/latest/APIReference/API_DeleteLoginProfile.html).
    - ``iam:UpdateLoginProfile`` for a user with a console password: it "changes the password"
      (https://docs.aws.amazon.com/IAM/latest/APIReference/API_UpdateLoginProfile.html) and answers
      NoSuchEntity for a user that has none (GetLoginProfile: "If the user does not exist or does not have
      a password, the operation returns a 404 (NoSuchEntity) error").

    A user whose login profile was not read (``None``: a snapshot saved before enjoin read it) may be
    either, so every sequence is offered.
    """
    full = user.access_keys is not None and user.access_keys >= 2
    key = ("iam:DeleteAccessKey", "iam:CreateAccessKey") if full else ("iam:CreateAccessKey",)
    steps: list[tuple[str, ...]] = [key]
    if user.login_profile is not True:
        steps.append(("iam:CreateLoginProfile",))
    if user.login_profile is not False:
        steps += [("iam:UpdateLoginProfile",), ("iam:DeleteLoginProfile", "iam:CreateLoginProfile")]
    return tuple(steps)


def take_credentials(graph: Graph, who: Node, user: Node) -> Outcome:
    """New credentials for a user of its own account: an access key, or a console password."""
    if who.account != user.account:
        return None
    undecided: list[str] = []
    for steps in _credential_steps(user):
        if not all(may_act(who, action) for action in steps):
            continue
        hops: list[Hop] = []
        for action in steps:
            hop = answer(graph, who, action, user.arn, user.account, None)
            if not isinstance(hop, Hop):
                undecided += hop or ()
                break
            hops.append(hop)
        else:
            return Edge(user, tuple(hops))
    return tuple(undecided) or None


def resource_names(who: Node, prefix: str, marker: str, default: str = "enjoin-probe") -> list[str]:
    """Concrete ARNs ``prefix + name`` to ask about for a resource the caller would name itself.

    A policy may allow only some names (``function:dhs-*``): every Resource pattern of the caller's
    identity policies that names this kind of resource is instantiated (``*`` -> ``enjoin-probe``) and
    kept when the pattern matches it, after ``prefix + default``.
    """
    out = [prefix + default]
    for policy in who.identity:
        for stmt in raw_statements(policy):
            for pattern in listed(stmt.get("Resource")):
                if marker not in pattern:
                    continue
                name = pattern.split(marker, 1)[1].replace("*", "enjoin-probe").replace("?", "x")
                candidate = prefix + name
                if wildcard(pattern).fullmatch(candidate) and candidate not in out:
                    out.append(candidate)
    return out


_FUNCTION_POLICIES: dict[tuple[str, str], Policy | str] = {}


def function_policy(function: Function) -> Policy | str | None:
    """The function's resource-based policy, compiled (None: it has none; a string: why it cannot be read).

    Lambda's resource-based policies (AddPermission's statements, or a whole document written with
    PutResourcePolicy) may allow any principal Lambda's actions on the function: within one account such a grant
    naming the caller allows a request without its own identity policies, and across accounts it lets the caller's
    identity policies allow it (IAM's policy evaluation logic)."""
    if function.policy is None:
        return None
    key = (function.arn, repr(function.policy))
    if key not in _FUNCTION_POLICIES:
        if len(_FUNCTION_POLICIES) > 4096:
            _FUNCTION_POLICIES.clear()
        _FUNCTION_POLICIES[key] = compile_or_reason(function.policy, f"resource policy of {function.arn}",
                                                    PolicyKind.RESOURCE)
    return _FUNCTION_POLICIES[key]


def may_change_function(who: Node, function: Function, action: str) -> bool:
    """Whether ``who`` could possibly be allowed ``action`` on the function (a pre-check; :func:`answer` then decides
    exactly): within its account by its identity side or by an Allow of the function's resource policy that may name
    it, from another account by both (the Allow naming it or its account)."""
    policy = function_policy(function)
    identity = may_act(who, action)
    if isinstance(policy, str):  # it cannot be read: whoever it might admit is heard (the request is then undecided)
        return who.account == function.account or identity
    if policy is None:
        return who.account == function.account and identity
    itself, named = resource_policy_may(policy, who, action.lower(), function.arn)
    if who.account == function.account:
        return identity or itself
    return identity and named


def function_answer(graph: Graph, who: Node, action: str, function: Function, note: str = "",
                    context: Mapping[str, str | None] | None = None) -> Hop | tuple[str, ...] | None:
    """:func:`answer` for a request on an existing function, under its resource-based policy."""
    policy = function_policy(function)
    if isinstance(policy, str):
        return (f"{who.arn} {action} {function.arn}: {policy}",)
    return answer(graph, who, action, function.arn, function.account, policy, context, note=note)


def update_function_code(graph: Graph, who: Node, function: Function, role: Node) -> Outcome:
    """Replace the code of a function that runs as ``role`` (its triggers then run the caller's code), as the
    caller's identity policies or the function's resource policy allow."""
    if not may_change_function(who, function, "lambda:UpdateFunctionCode"):
        return None
    hop = function_answer(graph, who, "lambda:UpdateFunctionCode", function, note=f"the function runs as {role.arn}")
    return Edge(role, (hop,)) if isinstance(hop, Hop) else hop


ADMINISTRATOR = "arn:aws:iam::aws:policy/AdministratorAccess"
# What a principal must possibly be allowed before reach asks whether it can rewrite another.
REWRITE_ACTIONS = (
    "iam:PutRolePolicy",
    "iam:PutUserPolicy",
    "iam:PutGroupPolicy",
    "iam:CreatePolicyVersion",
    "iam:SetDefaultPolicyVersion",
    "iam:AttachRolePolicy",
    "iam:AttachUserPolicy",
    "iam:AttachGroupPolicy",
    "iam:AddUserToGroup",
    "iam:DeleteRolePermissionsBoundary",
    "iam:PutRolePermissionsBoundary",
    "iam:DeleteUserPermissionsBoundary",
    "iam:PutUserPermissionsBoundary",
    # Removing a policy whose Deny stands between the target and a holding (unguard).
    "iam:DeleteRolePolicy",
    "iam:DeleteUserPolicy",
    "iam:DeleteGroupPolicy",
    "iam:DetachRolePolicy",
    "iam:DetachUserPolicy",
    "iam:DetachGroupPolicy",
    "iam:RemoveUserFromGroup",
)
# Removing a boundary, or replacing it with a managed policy the caller may choose (iam:PermissionsBoundary).
_BOUNDARY_ACTIONS = {
    "role": ("iam:DeleteRolePermissionsBoundary", "iam:PutRolePermissionsBoundary"),
    "user": ("iam:DeleteUserPermissionsBoundary", "iam:PutUserPermissionsBoundary"),
}


def _boundary_key(target: Node, on: str) -> dict[str, str | None]:
    """``iam:PermissionsBoundary`` of a request on a user or role: the boundary it has, absent when it has none or
    when the request is on something else (a group, a policy). "IAM condition context keys": the key "filters
    access if the specified policy is set as the permissions boundary on the IAM entity (user or role)"; the
    Service Authorization Reference lists it for Put/Attach/Delete/Detach of a user's or role's policies."""
    return {"iam:PermissionsBoundary": target.boundary_arn if on == target.arn else None}


def _attachable(
    graph: Graph, who: Node, action: str, target: Node, resource: str | None = None, before: tuple[Hop, ...] = ()
) -> Iterable[Outcome]:
    """``iam:Attach*Policy`` gives the target the policies the caller may attach (``iam:PolicyARN``).

    ``resource`` is what the attachment is asked on: the target itself, or a group it belongs to; ``before`` the
    hops that already changed the target (its boundary removed). Yields the edge to the target with every known
    policy the caller may attach (all permissions when AdministratorAccess, or a policy the caller writes with
    ``iam:CreatePolicy``, is among them), and why the rest is undecided (AWS managed policies not read).
    """
    on = resource or target.arn
    keys = _boundary_key(target, on)
    if answer(graph, who, action, on, target.account, None, keys) is None:
        return  # not even with a policy of the caller's choosing
    candidates = [ADMINISTRATOR] + [p.arn for p in graph.snapshot.policies if p.arn != ADMINISTRATOR]
    allowed: list[Hop] = []
    undecided: list[str] = []
    for arn in candidates:
        hop = answer(graph, who, action, on, target.account, None, {**keys, "iam:PolicyARN": arn})
        if isinstance(hop, Hop):
            if arn == ADMINISTRATOR:  # the AWS managed policy that allows every action
                yield Edge(graph.empowered(target), (*before, hop))
                return
            allowed.append(hop)
        elif hop:
            undecided += hop
    created = _create_and_attach(graph, who, action, on, target, before)
    if isinstance(created, Edge):
        yield created
        return
    undecided += created or ()
    undecided += _unread_aws_policies(graph, who, action, on, target, {*candidates})
    if allowed:
        documents = {p.arn: p.document for p in graph.snapshot.policies}
        arns = [str(h.context.get("iam:PolicyARN")) for h in allowed]
        yield Edge(graph.attached(target, {arn: documents[arn] for arn in arns}), (*before, *allowed))
    if undecided:
        yield tuple(undecided)


def _create_and_attach(
    graph: Graph, who: Node, action: str, on: str, target: Node, before: tuple[Hop, ...]
) -> Outcome:
    """``iam:CreatePolicy`` of a customer managed policy the caller writes, then attaching it: any permission.

    IAM API Reference, CreatePolicy, asked on the new policy's ARN (``arn:aws:iam::account:policy/name``).
    """
    if not may_act(who, "iam:CreatePolicy"):
        return None
    partition = who.arn.split(":")[1]
    prefix = f"arn:{partition}:iam::{target.account}:policy/"
    known = {p.arn for p in graph.snapshot.policies}
    undecided: list[str] = []
    for arn in (a for a in resource_names(who, prefix, ":policy/") if a not in known):
        create = answer(graph, who, "iam:CreatePolicy", arn, target.account, None, note=f"writes {arn}")
        if not isinstance(create, Hop):
            undecided += create or ()
            continue
        keys = {**_boundary_key(target, on), "iam:PolicyARN": arn}
        attach = answer(graph, who, action, on, target.account, None, keys)
        if isinstance(attach, Hop):
            return Edge(graph.empowered(target), (*before, create, attach))
        undecided += attach or ()
    return tuple(undecided) or None


_AWS_POLICY = "iam::aws:policy/"


def _unread_aws_policies(graph: Graph, who: Node, action: str, on: str, target: Node, known: set[str]) -> list[str]:
    """Why the attachment stays undecided when the caller may attach an AWS managed policy enjoin has not read.

    The inventory reads the AWS managed policies attached to principals or named literally in a condition on
    ``iam:PolicyARN``; a pattern (``arn:aws:iam::aws:policy/Amazon*``), or an allowance of every name but a few,
    lets the caller attach others, whose documents (AWS's, over a thousand) are not in the snapshot.
    """
    partition = who.arn.split(":")[1]
    probes = [f"arn:{partition}:{_AWS_POLICY}enjoin-probe"]
    for policy in who.identity:
        for stmt in raw_statements(policy):
            condition = stmt.get("Condition")
            for block in condition.values() if isinstance(condition, Mapping) else ():
                for key, values in block.items() if isinstance(block, Mapping) else ():
                    if str(key).lower() != "iam:policyarn":
                        continue
                    for value in listed(values):
                        text = str(value)
                        if _AWS_POLICY in text and any(c in text for c in "*?"):
                            probes.append(text.replace("*", "enjoin-probe").replace("?", "x"))
    for probe in dict.fromkeys(p for p in probes if p not in known):
        keys = {**_boundary_key(target, on), "iam:PolicyARN": probe}
        hop = answer(graph, who, action, on, target.account, None, keys)
        if isinstance(hop, Hop) or hop:
            return [
                f"{who.arn} {action} {on}: it may attach AWS managed policies whose documents were not read (such "
                f"as {probe}); the inventory reads those attached to a principal or named in a condition on "
                "iam:PolicyARN, and any other could read a holding"
            ]
    return []


def unbound(graph: Graph, who: Node, target: Node) -> Outcome:
    """The target without its permissions boundary: deleted, or replaced by a managed policy the caller may set.

    IAM API Reference, DeleteRolePermissionsBoundary / PutRolePermissionsBoundary (and the user ones); the
    ``iam:PermissionsBoundary`` condition key names the policy a Put may set ("IAM condition context keys").
    AdministratorAccess as the boundary bounds nothing. None when the target has no boundary.
    """
    if target.boundary is None or target.kind not in _BOUNDARY_ACTIONS:
        return None
    delete, put = _BOUNDARY_ACTIONS[target.kind]
    undecided: list[str] = []
    if may_act(who, delete):
        hop = answer(graph, who, delete, target.arn, target.account, None, _boundary_key(target, target.arn))
        if isinstance(hop, Hop):
            return Edge(graph.bounded(target, None, None), (hop,))
        undecided += hop or ()
    if may_act(who, put):
        documents = {p.arn: p.document for p in graph.snapshot.policies}
        for arn in [ADMINISTRATOR, *sorted(a for a in documents if a != ADMINISTRATOR)]:
            hop = answer(graph, who, put, target.arn, target.account, None, {"iam:PermissionsBoundary": arn})
            if isinstance(hop, Hop):
                if arn == ADMINISTRATOR:
                    return Edge(graph.bounded(target, None, None), (hop,))
                return Edge(graph.bounded(target, arn, documents[arn]), (hop,))
            undecided += hop or ()
    return tuple(undecided) or None


_ROLE_REWRITES = ("iam:PutRolePolicy",)
_USER_REWRITES = ("iam:PutUserPolicy",)
_GROUP_REWRITES = ("iam:PutGroupPolicy",)


def empower(graph: Graph, who: Node, target: Node) -> Iterable[Outcome]:
    """Ways ``who`` can give ``target`` (both acted as by the party) more identity permissions.

    An inline policy (Put*Policy) or a new version of a customer managed policy it has can say anything:
    every identity permission. Attach*Policy (on the target, or AttachGroupPolicy on a group it belongs to) adds
    only the managed policies the caller may attach. A boundary the caller may delete or replace is lifted first
    (:func:`unbound`), and what follows is given to the unbounded target.
    """
    if who.account != target.account or target.synthetic or "#" in target.key or "+" in target.key:
        return
    before: tuple[Hop, ...] = ()
    freed = unbound(graph, who, target)
    if isinstance(freed, Edge):
        # The boundary goes first; whatever the caller then gives the target is bounded by nothing (or by less).
        yield freed
        before, target = freed.hops, freed.target
    elif freed:
        yield freed
    yield from _empower(graph, who, target, before)


def _routes(graph: Graph, target: Node) -> dict[str, set[str]]:
    """Each identity policy of the target (by label) -> where it has it from: its own ARN (an inline policy of its
    own, a managed policy attached to it) or a group's (the group's inline policy, a managed policy attached to the
    group). A managed policy attached to the user and to its group, or to two of its groups, has several."""
    direct = set(target.own_managed_arns)
    routes: dict[str, set[str]] = {}
    for policy in target.identity:
        label = policy.label
        found = routes.setdefault(label, set())
        if label.startswith("inline policy "):
            found.add(target.arn if label.endswith(f" of {target.arn}") else label.rsplit(" of group ", 1)[-1])
            continue
        if label in direct:
            found.add(target.arn)
        for group_arn in target.group_arns:
            group = graph.groups.get(group_arn)
            if group is not None and label in group.managed_policy_arns:
                found.add(group_arn)
    return routes


def _guards(graph: Graph, target: Node) -> list[tuple[Policy, str, str]]:
    """The target's identity policies that have a Deny, once per route it has each by (:func:`_routes`): ("inline",
    the target's ARN or a group's), or ("managed", the target's ARN or a group's)."""
    guards = {p.label: p for p in target.identity if denies(p)}
    if not guards:
        return []
    routes = _routes(graph, target)
    return [(policy, "inline" if label.startswith("inline policy ") else "managed", owner)
            for label, policy in guards.items() for owner in sorted(routes.get(label, ()))]


# Removing a policy from a role or user: deleting an inline one, detaching a managed one (iam:PolicyARN).
_REMOVE = {"role": ("iam:DeleteRolePolicy", "iam:DetachRolePolicy"), "user": ("iam:DeleteUserPolicy",
                                                                          "iam:DetachUserPolicy")}


def unguard(graph: Graph, who: Node, target: Node, before: tuple[Hop, ...] = ()) -> Outcome:
    """The target without the identity policies whose Denies the caller may remove, nothing added.

    IAM API Reference: DeleteRolePolicy / DeleteUserPolicy delete an inline policy (asked on the role or user, with
    ``iam:PermissionsBoundary``), DetachRolePolicy / DetachUserPolicy a managed one (``iam:PolicyARN`` the policy),
    DeleteGroupPolicy and DetachGroupPolicy a group's (asked on the group), and RemoveUserFromGroup takes every policy
    of the group away from the user (asked on the group). A Deny in any identity policy refuses a request whatever
    Allows there are ("Policy evaluation logic"), so a target a Deny keeps from a holding reads it once the policy
    is gone, if its other policies allow. None when the target has no Deny the caller may remove.
    """
    hops, dropped, undecided = _removals(graph, who, target, frozenset())
    if dropped:
        return Edge(graph.without(target, dropped), (*before, *hops))
    return undecided or None


def _removals(graph: Graph, who: Node, target: Node, kept: frozenset[str]
              ) -> tuple[tuple[Hop, ...], frozenset[str], tuple[str, ...]]:
    """The requests by which the caller removes the target's policies with a Deny (but those labelled in ``kept``,
    gone already), the labels of the policies that go, and what leaves the others undecided (:func:`unguard`)."""
    if target.kind not in _REMOVE:
        return (), frozenset(), ()
    guards = [g for g in _guards(graph, target) if g[0].label not in kept]
    if not guards:
        return (), frozenset(), ()
    delete, detach = _REMOVE[target.kind]
    routes = _routes(graph, target)
    hops: list[Hop] = []
    removed: set[tuple[str, str]] = set()  # (policy label, where the target has it from)
    undecided: list[str] = []
    for policy, kind, owner in guards:
        if (policy.label, owner) in removed:
            continue
        ways: list[tuple[str, dict[str, str | None], set[tuple[str, str]]]] = []
        on_group = owner != target.arn
        if kind == "inline":
            ways.append(("iam:DeleteGroupPolicy" if on_group else delete, {}, {(policy.label, owner)}))
        else:
            ways.append(("iam:DetachGroupPolicy" if on_group else detach, {"iam:PolicyARN": policy.label},
                         {(policy.label, owner)}))
        if on_group and target.kind == "user":
            ways.append(("iam:RemoveUserFromGroup", {}, {(label, owner) for label, found in routes.items()
                                                         if owner in found}))
        for action, keys, removes in ways:
            if not may_act(who, action):
                continue
            note = f"removes {policy.label}, whose Deny applies to {target.arn}"
            if action == "iam:RemoveUserFromGroup":
                note = f"takes {target.arn} out of {owner}, and with it {policy.label}, whose Deny applies to it"
            hop = answer(graph, who, action, owner, target.account, None,
                         {**_boundary_key(target, owner), **keys}, note=note)
            if isinstance(hop, Hop):
                hops.append(hop)
                removed |= removes
                break
            undecided += hop or ()
    # A policy goes only when every way the target has it is removed (a managed policy attached to the user and to
    # its group stays with one detachment).
    dropped = frozenset(label for label, found in routes.items() if found and label not in kept
                        and all((label, o) in removed for o in found))
    return tuple(hops), dropped, tuple(undecided)


def _overwritten(graph: Graph, target: Node, action: str, resource: str) -> frozenset[str]:
    """The target's policies with a Deny that a request writing a policy replaces. PutRolePolicy "Adds or updates an
    inline policy document" (IAM API Reference; PutUserPolicy and PutGroupPolicy alike): the caller names the policy,
    so it may name one in place and update it, and the request is asked on the role, user or group whatever the name.
    CreatePolicyVersion with SetAsDefault makes a new default version of a customer managed policy, in place of what
    it said."""
    out = set()
    for policy, kind, owner in _guards(graph, target):
        if action == "iam:CreatePolicyVersion":
            if kind == "managed" and policy.label == resource:
                out.add(policy.label)
        elif kind == "inline" and owner == resource:
            out.add(policy.label)
    return frozenset(out)


def _empower(graph: Graph, who: Node, target: Node, before: tuple[Hop, ...]) -> Iterable[Outcome]:
    direct = _ROLE_REWRITES if target.kind == "role" else _USER_REWRITES
    requests = [(a, target.arn) for a in direct]
    requests += [("iam:CreatePolicyVersion", arn) for arn in target.managed_arns if ":aws:policy/" not in arn]
    requests += [(a, g) for g in target.group_arns for a in _GROUP_REWRITES]
    hops: list[Hop] = []
    dropped: set[str] = set()
    guarded = bool(_guards(graph, target))
    for action, resource in requests:
        if not may_act(who, action):
            continue
        drops = _overwritten(graph, target, action, resource) if guarded else frozenset()
        if hops and not drops - dropped:
            continue  # written already, and this one lifts no Deny more
        hop = answer(graph, who, action, resource, target.account, None, _boundary_key(target, resource))
        if isinstance(hop, Hop):
            hops.append(hop)
            dropped |= drops
            if not guarded:
                break
        elif hop:
            yield hop
    if hops:
        # Writing a policy gives every permission; writing over the policies whose Denies stand in the way lifts those
        # too, and removing the others (each request that lifts one more is in the witness).
        removals, removed, undecided = _removals(graph, who, target, frozenset(dropped)) if guarded else ((), (), ())
        yield Edge(graph.empowered(target, frozenset(dropped) | frozenset(removed)), (*before, *hops, *removals))
        if undecided:
            yield undecided
        return
    if guarded:
        # Without a rewrite, Denies the caller may remove go first: the target may read with what it has, or with
        # what it is then given.
        cleared = unguard(graph, who, target, before)
        if isinstance(cleared, Edge):
            yield cleared
            before, target = cleared.hops, cleared.target
        elif cleared:
            yield cleared
    yield from _other_versions(graph, who, target, before)
    attach = "iam:AttachRolePolicy" if target.kind == "role" else "iam:AttachUserPolicy"
    if may_act(who, attach):
        yield from _attachable(graph, who, attach, target, before=before)
    if may_act(who, "iam:AttachGroupPolicy"):
        for group_arn in target.group_arns:
            yield from _attachable(graph, who, "iam:AttachGroupPolicy", target, group_arn, before)
    if target.kind == "user" and may_act(who, "iam:AddUserToGroup"):
        for group in graph.snapshot.groups:
            if group.account != target.account or group.arn in target.group_arns:
                continue
            hop = answer(
                graph,
                who,
                "iam:AddUserToGroup",
                group.arn,
                group.account,
                None,
                _boundary_key(target, group.arn),
                note=f"adds {target.arn} to the group",
            )
            if isinstance(hop, Hop):
                yield Edge(graph.joined(target, group.arn), (*before, hop))
            elif hop:
                yield hop


def _other_versions(graph: Graph, who: Node, target: Node, before: tuple[Hop, ...]) -> Iterable[Outcome]:
    """``iam:SetDefaultPolicyVersion`` on a customer managed policy the target has (itself or through a group):
    any version the policy keeps becomes the one in force for every principal it is attached to.

    IAM API Reference, SetDefaultPolicyVersion ("Sets the specified version of the specified policy as the
    policy's default (operative) version. This operation affects all users, groups, and roles that the policy is
    attached to"), asked on the policy's ARN. AWS managed policies cannot be changed by an account.
    """
    if not may_act(who, "iam:SetDefaultPolicyVersion"):
        return
    versions = {p.arn: p.other_versions for p in graph.snapshot.policies if p.other_versions}
    for arn in dict.fromkeys(target.managed_arns):
        if arn not in versions or ":aws:policy/" in arn:
            continue
        hop = answer(graph, who, "iam:SetDefaultPolicyVersion", arn, target.account, None, _boundary_key(target, arn))
        if not isinstance(hop, Hop):
            if hop:
                yield hop
            continue
        for version in versions[arn]:
            noted = replace(hop, note=f"makes version {version.version_id} of {arn} the default")
            yield Edge(graph.versioned(target, arn, version.version_id, version.document), (*before, noted))


# Creating a principal: the action, its ARN's marker, the inline and managed policy actions on it, and how the
# caller then acts as it (assuming it under a trust that names the caller, or an access key of the user).
_CREATE = {
    "role": ("iam:CreateRole", ":role/", "iam:PutRolePolicy", "iam:AttachRolePolicy", ASSUME_ACTION),
    "user": ("iam:CreateUser", ":user/", "iam:PutUserPolicy", "iam:AttachUserPolicy", "iam:CreateAccessKey"),
}
CREATE_ACTIONS = tuple(c[0] for c in _CREATE.values())


def create_principal(graph: Graph, who: Node) -> Iterable[Outcome]:
    """A role or user the caller creates in its own account, gives policies, and then acts as.

    IAM API Reference: CreateRole (the caller writes the trust policy: one naming itself) and CreateUser are
    asked on the new principal's ARN, with ``iam:PermissionsBoundary`` the boundary the request sets, absent when
    it sets none ("IAM condition context keys"); a policy may require one, and the new principal is then bounded
    by it. PutRolePolicy / PutUserPolicy give it any identity permission; AttachRolePolicy / AttachUserPolicy the
    managed policies ``iam:PolicyARN`` lets the caller attach (:func:`_attachable`). The caller then assumes the
    role (sts:AssumeRole under the trust it wrote) or creates an access key of the user. Tags the creation must
    carry (``aws:RequestTag/...`` in the witness) are the new principal's tags. SCPs of the account bind it.
    Yields the edge (at most one per kind) and why what was not decided was not.
    """
    if who.synthetic:
        return
    partition = who.arn.split(":")[1]
    documents = {p.arn: p.document for p in graph.snapshot.policies}
    boundaries: list[str | None] = [None, ADMINISTRATOR, *sorted(a for a in documents if a != ADMINISTRATOR)]
    taken = {n.arn for n in graph.nodes.values()}
    for kind, (create, marker, put, attach, use) in _CREATE.items():
        if not may_act(who, create) or not (may_act(who, put) or may_act(who, attach)) or not may_act(who, use):
            continue
        prefix = f"arn:{partition}:iam::{who.account}{marker}"
        undecided: list[str] = []
        for arn in (a for a in resource_names(who, prefix, marker) if a not in taken):
            made = None
            for boundary in boundaries:
                note = f"creates {arn}" + (f" with the permissions boundary {boundary}" if boundary else "")
                hop = answer(graph, who, create, arn, who.account, None, {"iam:PermissionsBoundary": boundary}, note)
                if isinstance(hop, Hop):
                    made = (hop, boundary)
                    break
                undecided += hop or ()
            if made is None:
                continue
            hop, boundary = made
            new = _new_principal(graph, kind, arn, who.account, hop, boundary, documents.get(boundary or ""))
            outcomes = list(_give_and_use(graph, who, new, (hop,), put, attach, use))
            for outcome in outcomes:
                if isinstance(outcome, Edge):
                    yield outcome
                elif outcome:
                    undecided += outcome
            if any(isinstance(o, Edge) for o in outcomes):
                break
        if undecided:
            yield tuple(undecided)


def _new_principal(
    graph: Graph, kind: str, arn: str, account: str, created: Hop, boundary: str | None, document: object | None
) -> Node:
    tags = {k.split("/", 1)[1]: str(v) for k, v in created.context.items()
            if k.lower().startswith("aws:requesttag/") and isinstance(v, str)}
    node = Node(f"{arn}#created", arn, account, kind, (), None, tags, None, boundary_arn=boundary)
    if boundary is None or boundary == ADMINISTRATOR:
        return node  # AdministratorAccess as the boundary bounds nothing
    if document is None:
        return replace(node, problems=(f"the permissions boundary {boundary} was not read back",))
    return graph.bounded(node, boundary, document)


def _give_and_use(
    graph: Graph, who: Node, new: Node, before: tuple[Hop, ...], put: str, attach: str, use: str
) -> Iterable[Outcome]:
    """Policies for the new principal (inline, or the managed ones the caller may attach), then the caller uses it."""
    given: list[Edge] = []
    if may_act(who, put):
        hop = answer(graph, who, put, new.arn, new.account, None, _boundary_key(new, new.arn))
        if isinstance(hop, Hop):
            given.append(Edge(graph.empowered(new), (*before, hop)))
        elif hop:
            yield hop
    if not given and may_act(who, attach):
        for attached in _attachable(graph, who, attach, new, before=before):
            if isinstance(attached, Edge):
                given.append(attached)
            elif attached:
                yield attached
    if not given:
        return
    trust = _trust_naming(who.arn) if use == ASSUME_ACTION else None
    hop = answer(graph, who, use, new.arn, new.account, trust, note=f"acts as the principal it created, {new.arn}")
    if isinstance(hop, Hop):
        yield Edge(given[0].target, (*given[0].hops, hop))
    elif hop:
        yield hop
