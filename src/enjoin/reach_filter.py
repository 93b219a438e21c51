"""The exact, cheap test reach runs before asking the engine: :func:`could_allow`, and the bounds it rests on.

A necessary condition for ALLOW read off the compiled policies' own action and resource matchers and the
principals their statements name, so that a request it refuses is one the engine would refuse in every
context (and never one it would find undecidable). Also the per-principal bounds that narrow whom a
principal may assume, rewrite or read (:func:`may_act`, :func:`identity_resources`, :func:`allow_patterns`,
:func:`glob_meets_prefix`).

IAM User Guide, "Policy evaluation logic" (and enjoin.engine.layers, which states the same rules):
within one account a request is allowed only through the identity side (an identity policy Allow,
and the permissions boundary's, if any) or through a resource policy statement that names the user,
the role or one of its sessions; a resource policy that names only the account grants nothing by
itself. Across accounts both the identity side and a resource policy naming the caller in any form
must allow. KMS key policies and role trust policies must themselves allow. Every one of these needs
an Allow statement whose Action covers the action and whose Resource covers the resource: when none
exists in a layer that must allow, nothing in the request context can change that, so the engine's
answer is a deny in every context (an Allow formula that is FALSE leaves no "denied either way").
The statements are found with the compiled policy's own matcher (``Policy.covering``, the engine's);
a Resource with policy variables counts as covering anything. Principals are compared more loosely
than the engine does (any session of a role, any unique id when the caller has none), which only
lets more requests through to the engine.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache

from enjoin.engine import Policy, PolicyKind
from enjoin.engine.layers import needs_resource_policy
from enjoin.reach_graph import Node

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
