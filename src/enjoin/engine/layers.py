"""How the policy layers combine into a decision (IAM User Guide, "Policy evaluation logic").

This module holds the one statement of the combination rules, written over an abstract three-valued
algebra so that the concrete evaluator (``decide``, values are truth ints) and the existential one
(``possible``, values are symbolic expressions over the free context keys) cannot drift apart.

The rules, for a principal in account A asking for a resource in account B:

- An explicit ``Deny`` in any policy that applies (SCPs, RCPs, identity policies, boundary, session
  policy, resource policy) denies.
- SCPs (the principal's account) and RCPs (the resource's account): every level, root to account,
  must have an applicable ``Allow``. No SCPs or RCPs given means no organization constraint. RCPs
  apply only to the services that support them (S3, STS, KMS, SQS, Secrets Manager are documented);
  for another service the engine cannot tell whether an RCP applies, so an RCP that would deny makes
  the answer UNKNOWN.
- Same account (A = B): the request is allowed by a resource policy that names the user or the exact
  role session (not limited by identity policies, boundary or session policy), or by one that names
  the role ARN when the boundary and session policy (if any) also allow, or by the identity policies
  when the boundary and session policy (if any) also allow. A resource policy that names the account
  delegates to the account's IAM policies: it grants nothing by itself.
- KMS key policies and role trust policies must themselves allow: without a key/trust policy
  statement naming the principal, identity policies grant nothing; naming the account root
  delegates to them.
- Cross account (A != B): the resource policy must allow the principal (in any form, account
  included) AND the identity side (identity policies, boundary, session policy) must allow.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from enjoin.engine.model import StatementRef
from enjoin.engine.truth import FALSE, TRUE, UNKNOWN

V = TypeVar("V")

# Services whose resources RCPs are documented to protect (AWS Organizations User Guide, "Resource
# control policies (RCPs)" > "List of AWS services that support RCPs", at launch).
RCP_SERVICES = frozenset({"s3", "sts", "kms", "sqs", "secretsmanager"})
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


@dataclass(slots=True)
class Layers(Generic[V]):
    """The value of each layer for one request, plus what explains it."""

    same_account: bool
    mandatory: bool  # the resource policy must itself allow (KMS, trust policies)
    rcp_applies: bool  # the action's service is one RCPs are documented to cover
    deny: V  # an explicit deny outside the RCPs
    rcp_deny: V  # an explicit deny in the RCPs
    identity: V
    scp_levels: list[V] = field(default_factory=list)
    rcp_levels: list[V] = field(default_factory=list)
    boundary: V | None = None
    session: V | None = None
    rp_direct: V | None = None
    rp_role: V | None = None
    rp_account: V | None = None
    # Explanation material (concrete evaluation only).
    deny_refs: list[StatementRef] = field(default_factory=list)
    scp_refs: list[StatementRef | None] = field(default_factory=list)
    rcp_refs: list[StatementRef | None] = field(default_factory=list)
    identity_ref: StatementRef | None = None
    boundary_ref: StatementRef | None = None
    session_ref: StatementRef | None = None
    rp_direct_ref: StatementRef | None = None
    rp_role_ref: StatementRef | None = None
    rp_account_ref: StatementRef | None = None
    unknown: list[str] = field(default_factory=list)


def combine(layers: Layers[V], alg: Algebra[V], true: V, false: V, unknown: V) -> tuple[V, V]:
    """The decision: ``(allowed, allowed_ignoring_denies)``; see the module docstring for the rules."""
    and_, or_ = alg.and_, alg.or_
    limits = [x for x in (layers.boundary, layers.session) if x is not None]
    id_side = and_(layers.identity, *limits)
    limit = and_(true, *limits)
    direct = layers.rp_direct if layers.rp_direct is not None else false
    role = layers.rp_role if layers.rp_role is not None else false
    account = layers.rp_account if layers.rp_account is not None else false
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


__all__ = ["FALSE", "TRUE", "TRUTH", "UNKNOWN", "Algebra", "Layers", "combine", "needs_resource_policy"]
