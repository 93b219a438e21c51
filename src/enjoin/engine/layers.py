"""How the policy layers combine into a decision (IAM User Guide, "Policy evaluation logic").

This module holds the one statement of the combination rules, written over an abstract three-valued
algebra so that the concrete evaluator (``decide``, values are truth ints) and the existential one
(``possible``, values are symbolic expressions over the free context keys) cannot drift apart.

The rules, for a principal in account A asking for a resource in account B:

- An explicit ``Deny`` in any policy that applies (SCPs, RCPs, identity policies, boundary, session
  policy, resource policy) denies.
- SCPs (the principal's account) and RCPs (the resource's account): every level, root to account,
  must have an applicable ``Allow``. No SCPs or RCPs given means no organization constraint; neither
  restricts a service-linked role (the callers build the layers without them). RCPs
  apply only to the services that support them, the AWS Organizations User Guide's list, kept as
  reviewed data in ``rcp_services.json`` (62 services, DynamoDB among them); for another service the
  engine cannot tell whether an RCP applies (AWS adds services to the list), so an RCP that would
  deny makes the answer UNKNOWN.
- Same account (A = B): the request is allowed by a resource policy that names the user or the exact
  role session (not limited by identity policies, boundary or session policy), or by one that names
  the role ARN when the boundary and session policy (if any) also allow, or by the identity policies
  when the boundary and session policy (if any) also allow. A resource policy that names the account
  delegates to the account's IAM policies: it grants nothing by itself.
- KMS key policies and role trust policies must themselves allow: without a key/trust policy
  statement naming the principal, identity policies grant nothing; naming the account root
  delegates to them. A trust policy naming the caller directly is still capped by the caller's
  permissions boundary (IAM User Guide, "Update a role trust policy", Notes).
- Cross account (A != B): the resource policy must allow the principal (in any form, account
  included) AND the identity side (identity policies, boundary, session policy) must allow.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Generic, TypeVar

from enjoin.engine.arn import Caller
from enjoin.engine.model import StatementRef
from enjoin.engine.policy import Policy, Statement
from enjoin.engine.truth import FALSE, TRUE, UNKNOWN

V = TypeVar("V")


@dataclass(frozen=True, slots=True)
class RcpService:
    """One row of ``rcp_services.json``: a service RCPs apply to, as the AWS page lists it."""

    prefix: str  # the prefix of the service's IAM actions, lower case: "dynamodb"
    name: str  # the service's name on the page: "Amazon DynamoDB"
    citation: str  # the page and section that list it


def _read_rcp_services() -> tuple[RcpService, ...]:
    """The rows of ``rcp_services.json`` (package data beside this module), in the page's order.

    JSON, not YAML: importing the engine needs nothing outside the standard library (z3 is loaded
    only when the solver runs), and ``json`` is loaded already (policy documents are JSON)."""
    text = resources.files("enjoin.engine").joinpath("rcp_services.json").read_text(encoding="utf-8")
    return tuple(RcpService(row["prefix"], row["name"], row["citation"]) for row in json.loads(text)["services"])


# Services whose actions RCPs are documented to apply to (AWS Organizations User Guide, "Resource
# control policies (RCPs)" > "List of AWS services that support RCPs"), by action prefix. The
# compiled core reads RCP_SERVICES once, at its import.
RCP_SERVICE_ROWS = _read_rcp_services()
RCP_SERVICES = frozenset(row.prefix for row in RCP_SERVICE_ROWS)

# Actions whose resource policy is the role's trust policy, which must itself allow.
TRUST_ACTIONS = frozenset(
    {
        "sts:assumerole",
        "sts:assumerolewithsaml",
        "sts:assumerolewithwebidentity",
        "sts:tagsession",
        "sts:setsourceidentity",
    }
)


def is_trust_action(action_lower: str) -> bool:
    """Whether the action's resource policy is a role trust policy."""
    return action_lower in TRUST_ACTIONS


def needs_resource_policy(action_lower: str) -> bool:
    """Whether the action's resource policy must itself allow (KMS key policies, role trust policies)."""
    return action_lower.startswith("kms:") or action_lower in TRUST_ACTIONS


@dataclass(slots=True)
class Algebra(Generic[V]):
    """Three-valued connectives over some value type."""

    and_: Callable[..., V]
    or_: Callable[..., V]
    not_: Callable[[V], V]


def _t_and(*values: int) -> int:
    return min(values)


def _t_or(*values: int) -> int:
    return max(values)


def _t_not(value: int) -> int:
    return 2 - value


TRUTH: Algebra[int] = Algebra(_t_and, _t_or, _t_not)


class Layers(Generic[V]):
    """The value of each layer for one request, plus what explains it.

    Optional layers and explanation material default to class attributes, so that building one per
    decision (on the hot path) sets only what the request has.
    """

    # Optional layers: None when the request has no such policy.
    boundary: V | None = None
    session: V | None = None
    rp_direct: V | None = None
    rp_role: V | None = None
    rp_account: V | None = None
    # One value per organization level, root first (empty: no organization policies).
    scp_levels: Sequence[V] = ()
    rcp_levels: Sequence[V] = ()
    # A role trust policy: even a grant naming the caller is capped by its permissions boundary.
    trust = False
    # Explanation material (concrete evaluation only).
    scp_refs: Sequence[StatementRef | None] = ()
    rcp_refs: Sequence[StatementRef | None] = ()
    boundary_ref: StatementRef | None = None
    session_ref: StatementRef | None = None
    rp_direct_ref: StatementRef | None = None
    rp_role_ref: StatementRef | None = None
    rp_account_ref: StatementRef | None = None
    unknown: Sequence[str] = ()

    def __init__(
        self,
        same_account: bool,
        mandatory: bool,
        rcp_applies: bool,
        deny: V,
        rcp_deny: V,
        identity: V,
        identity_ref: StatementRef | None,
        deny_refs: list[StatementRef],
    ) -> None:
        self.same_account = same_account
        self.mandatory = mandatory  # the resource policy must itself allow (KMS, trust policies)
        self.rcp_applies = rcp_applies  # the action's service is one RCPs are documented to cover
        self.deny = deny  # an explicit deny outside the RCPs
        self.rcp_deny = rcp_deny  # an explicit deny in the RCPs
        self.identity = identity
        self.identity_ref = identity_ref
        self.deny_refs = deny_refs


def combine(layers: Layers[V], alg: Algebra[V], true: V, false: V, unknown: V) -> tuple[V, V]:
    """The decision: ``(allowed, allowed_ignoring_denies)``; see the module docstring for the rules."""
    and_, or_ = alg.and_, alg.or_
    limits = [x for x in (layers.boundary, layers.session) if x is not None]
    id_side = and_(layers.identity, *limits)
    limit = and_(true, *limits)
    direct = layers.rp_direct if layers.rp_direct is not None else false
    role = layers.rp_role if layers.rp_role is not None else false
    account = layers.rp_account if layers.rp_account is not None else false
    if layers.trust:
        # "If a user is listed as the principal in a role's trust policy but cannot assume the role,
        # check the user's permissions boundary": the boundary caps even a direct grant. Whether a
        # session policy does is not documented: it can only make the answer unknown.
        caps = [] if layers.boundary is None else [layers.boundary]
        if layers.session is not None:
            caps.append(or_(layers.session, unknown))
        direct = and_(direct, *caps)
    if layers.same_account:
        via_account = and_(account, id_side) if layers.mandatory else id_side
        allowed = or_(direct, and_(role, limit), via_account)
    else:
        allowed = and_(or_(direct, role, account), id_side)
    guards = list(layers.scp_levels)
    if layers.rcp_applies:
        guards.extend(layers.rcp_levels)
        deny = or_(layers.deny, layers.rcp_deny)
    else:
        # The engine does not know whether RCPs cover this service: an RCP can only make it unknown.
        guards.extend(or_(level, unknown) for level in layers.rcp_levels)
        deny = or_(layers.deny, and_(layers.rcp_deny, unknown))
    allow_part = and_(*guards, allowed) if guards else allowed
    return and_(alg.not_(deny), allow_part), allow_part


def combine_truth(layers: Layers[int]) -> tuple[int, int]:
    """:func:`combine` for truth values, unrolled for the decision hot path (tests hold the two equal)."""
    boundary = TRUE if layers.boundary is None else layers.boundary
    session = TRUE if layers.session is None else layers.session
    limit = boundary if boundary < session else session
    id_side = layers.identity if layers.identity < limit else limit
    direct = layers.rp_direct or FALSE
    role = layers.rp_role or FALSE
    account = layers.rp_account or FALSE
    if layers.trust:
        direct = min(direct, boundary, max(session, UNKNOWN))
    if layers.same_account:
        via_account = min(account, id_side) if layers.mandatory else id_side
        allowed = max(direct, min(role, limit), via_account)
    else:
        allowed = min(max(direct, role, account), id_side)
    deny = layers.deny
    guard = TRUE
    if layers.scp_levels:
        guard = min(layers.scp_levels)
    if layers.rcp_levels:
        if layers.rcp_applies:
            guard = min(guard, *layers.rcp_levels)
            deny = max(deny, layers.rcp_deny)
        else:
            guard = min(guard, *(max(level, UNKNOWN) for level in layers.rcp_levels))
            deny = max(deny, min(layers.rcp_deny, UNKNOWN))
    allow_part = min(guard, allowed)
    return min(2 - deny, allow_part), allow_part


def principal_strengths(
    statement: Statement, caller: Caller, has_boundary: bool
) -> tuple[int, tuple[int, int, int]]:
    """Whether a resource-policy statement's Principal/NotPrincipal names the caller, and how
    strongly: ``(named, (direct, role, account))``, each three-valued."""
    spec = statement.principal
    assert spec is not None
    if statement.principal_negated:
        if not statement.allow and has_boundary:
            # A Deny with NotPrincipal always applies to a principal with a permissions boundary.
            return TRUE, (TRUE, FALSE, FALSE)
        named = 2 - spec.exempts(caller)
        return named, (named, FALSE, FALSE)
    match = spec.match(caller)
    return match.any, (match.direct, match.role, match.account)


SESSION_POLICY_FOR_USER = (
    "a session policy was given for an IAM user; session policies apply to role sessions "
    "(and to federated user sessions, which the engine does not support)"
)
PRINCIPAL_UNKNOWN = "whether its principal names the caller is unknown"


def wrong_kind(policy: Policy) -> str:
    """The reason given when the resource policy was compiled with another kind."""
    return (
        f"resource_policy {policy.label} was compiled as a {policy.kind.value} policy; "
        "a resource policy must be compiled with kind RESOURCE"
    )
