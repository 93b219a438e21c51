"""Symbolic evaluation for the existential question: the decision as a formula over free keys.

For ``possible`` the keys the requester controls are FREE. Every statement is evaluated as far as
the fixed keys (principal, resource, the given context) allow; what remains is a formula whose atoms
are conditions on free keys. The layer rules are the same :func:`~enjoin.engine.layers.combine` as
for ``decide``, over this algebra. Constants are the truth ints of :mod:`enjoin.engine.truth`, so a
formula without atoms folds to a constant and the solver is not needed (the fast path).

Formulas are hashable values: the solver's answers are cached by formula.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from enjoin.engine.arn import Caller
from enjoin.engine.conditions import UNKNOWN_VALUE, Condition
from enjoin.engine.context import EvalContext, is_fixed_key
from enjoin.engine.layers import (
    PRINCIPAL_UNKNOWN,
    RCP_SERVICES,
    SESSION_POLICY_FOR_USER,
    Algebra,
    Layers,
    is_trust_action,
    needs_resource_policy,
    principal_strengths,
    wrong_kind,
)
from enjoin.engine.model import Request, StatementRef
from enjoin.engine.policy import Policy, PolicyKind, Statement, as_policy
from enjoin.engine.truth import FALSE, TRUE, UNKNOWN
from enjoin.engine.variables import UnknownVariable, Unresolvable
from enjoin.engine.wildcard import Literal

Pieces = tuple["str | Literal", ...]


@dataclass(frozen=True, slots=True)
class Atom:
    """A condition on one free key, its policy values resolved."""

    key: str  # lower-cased
    key_name: str  # as written in the policy
    operator: str  # as written, for explanations
    family: str
    compare: str
    negated: bool
    qualifier: int
    if_exists: bool
    values: tuple[Pieces, ...]
    null_wants: frozenset[bool]


@dataclass(frozen=True, slots=True)
class And:
    """Kleene conjunction."""

    items: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Or:
    """Kleene disjunction."""

    items: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Not:
    """Kleene negation."""

    item: Expr


Expr = int | Atom | And | Or | Not


def s_and(*items: Expr) -> Expr:
    """Conjunction, simplified: a FALSE item decides, TRUE items vanish."""
    out: list[Expr] = []
    for item in items:
        if isinstance(item, And):
            parts: Sequence[Expr] = item.items
        else:
            parts = (item,)
        for part in parts:
            if part == FALSE and isinstance(part, int):
                return FALSE
            if isinstance(part, int) and part == TRUE:
                continue
            if part not in out:
                out.append(part)
    if not out:
        return TRUE
    if len(out) == 1:
        return out[0]
    return And(tuple(out))


def s_or(*items: Expr) -> Expr:
    """Disjunction, simplified: a TRUE item decides, FALSE items vanish."""
    out: list[Expr] = []
    for item in items:
        parts: Sequence[Expr] = item.items if isinstance(item, Or) else (item,)
        for part in parts:
            if isinstance(part, int):
                if part == TRUE:
                    return TRUE
                if part == FALSE:
                    continue
            if part not in out:
                out.append(part)
    if not out:
        return FALSE
    if len(out) == 1:
        return out[0]
    return Or(tuple(out))


def s_not(item: Expr) -> Expr:
    """Negation, simplified."""
    if isinstance(item, int):
        return 2 - item
    if isinstance(item, Not):
        return item.item
    return Not(item)


SYMBOLIC: Algebra[Expr] = Algebra(s_and, s_or, s_not)


def atoms_of(expr: Expr) -> list[Atom]:
    """Every atom of a formula, in order of first appearance."""
    found: dict[Atom, None] = {}

    def walk(node: Expr) -> None:
        if isinstance(node, Atom):
            found[node] = None
        elif isinstance(node, And | Or):
            for item in node.items:
                walk(item)
        elif isinstance(node, Not):
            walk(node.item)

    walk(expr)
    return list(found)


class FreeContext:
    """The context for ``possible``: fixed keys have values, every other key is free."""

    __slots__ = ("ctx", "reasons")

    def __init__(self, ctx: EvalContext) -> None:
        self.ctx = ctx
        self.reasons: list[str] = []

    def is_free(self, key_lower: str) -> bool:
        """Whether the key is free: not derived from the principal/resource and not given."""
        return not is_fixed_key(key_lower) and key_lower not in self.ctx.given()

    def fixed_lookup(self, key_lower: str) -> object:
        """A fixed key's value; a free key is UNKNOWN_VALUE (a variable naming it cannot be resolved)."""
        if self.is_free(key_lower):
            return UNKNOWN_VALUE
        return self.ctx.lookup(key_lower)

    def applies(self, statement: Statement) -> Expr:
        """The statement's Resource and Condition as a formula over the free keys."""
        lookup = self.fixed_lookup
        try:
            if not statement.resource_matches(self.ctx.request.resource, lookup):
                return FALSE
            parts: list[Expr] = []
            for condition in statement.conditions:
                part = self._condition(statement, condition)
                if part == FALSE and isinstance(part, int):
                    return FALSE
                parts.append(part)
            return s_and(*parts)
        except Unresolvable:
            return FALSE
        except UnknownVariable as unknown:
            self.reasons.append(f"{statement.ref}: {unknown.reason} (a policy variable naming a free key)")
            return UNKNOWN

    def _condition(self, statement: Statement, condition: Condition) -> Expr:
        lookup = self.fixed_lookup
        if condition.unsupported is not None:
            self.reasons.append(f"{statement.ref}: {condition.unsupported}")
            return UNKNOWN
        if not self.is_free(condition.key_lower):
            truth = condition.evaluate(lookup)
            if truth == UNKNOWN:
                self.reasons.append(condition_reason(statement.ref, condition, lookup))
            return truth
        spec = condition.spec
        assert spec is not None
        values = condition.resolved_values(lookup) if condition.family != "null" else ()
        return Atom(
            key=condition.key_lower,
            key_name=condition.key,
            operator=condition.operator,
            family=condition.family,
            compare=spec.compare,
            negated=condition.negated,
            qualifier=condition.qualifier,
            if_exists=condition.if_exists,
            values=values,
            null_wants=condition.null_wants,
        )


def condition_reason(ref: StatementRef, condition: Condition, lookup: Callable[[str], object]) -> str:
    """Why a condition on a fixed key is UNKNOWN."""
    return f"{ref}: {condition.unknown_reason(lookup)}"


def build_layers(request: Request, free: FreeContext) -> Layers[Expr]:
    """Scan every policy of the request and give each layer its formula over the free keys."""
    ctx = free.ctx
    caller = ctx.caller
    action_lower = ctx.action_lower
    denies: list[Expr] = [FALSE, FALSE]  # outside the RCPs, inside them

    def plain(policies: Sequence[Any], slot: int, kind: PolicyKind, label: str) -> Expr:
        allow: Expr = FALSE
        for number, raw in enumerate(policies):
            policy = as_policy(raw, kind, f"{label} #{number}")
            for statement in policy.statements_for(action_lower):
                value = free.applies(statement)
                if statement.allow:
                    allow = s_or(allow, value)
                else:
                    denies[slot] = s_or(denies[slot], value)
        return allow

    layers: Layers[Expr] = Layers(
        caller.account == ctx.resource_account,
        needs_resource_policy(action_lower),
        action_lower.split(":", 1)[0] in RCP_SERVICES,
        FALSE,
        FALSE,
        plain(request.identity_policies, 0, PolicyKind.IDENTITY, "identity policy"),
        None,
        [],
    )
    layers.trust = is_trust_action(action_lower)
    if not caller.is_service_linked:  # SCPs and RCPs do not restrict a service-linked role
        layers.scp_levels = [
            plain(level, 0, PolicyKind.SCP, f"SCP level {n}") for n, level in enumerate(request.scps)
        ]
        layers.rcp_levels = [
            plain(level, 1, PolicyKind.RCP, f"RCP level {n}") for n, level in enumerate(request.rcps)
        ]
    has_boundary = request.permissions_boundary is not None
    if has_boundary:
        layers.boundary = plain(
            (request.permissions_boundary,), 0, PolicyKind.BOUNDARY, "permissions boundary"
        )
    if request.session_policy is not None:
        if caller.is_session:
            layers.session = plain((request.session_policy,), 0, PolicyKind.SESSION, "session policy")
        else:
            layers.session = UNKNOWN
            free.reasons.append(SESSION_POLICY_FOR_USER)
    if request.resource_policy is not None:
        policy = as_policy(request.resource_policy, PolicyKind.RESOURCE, "resource policy")
        if policy.kind is not PolicyKind.RESOURCE:
            layers.rp_direct = UNKNOWN
            free.reasons.append(wrong_kind(policy))
        else:
            _resource_policy(policy, caller, has_boundary, action_lower, free, layers, denies)
    layers.deny, layers.rcp_deny = denies
    return layers


def _resource_policy(
    policy: Policy,
    caller: Caller,
    has_boundary: bool,
    action_lower: str,
    free: FreeContext,
    layers: Layers[Expr],
    denies: list[Expr],
) -> None:
    direct: Expr = FALSE
    role: Expr = FALSE
    account: Expr = FALSE
    for statement in policy.statements_for(action_lower):
        value = free.applies(statement)
        if value == FALSE and isinstance(value, int):
            continue
        named, (by_direct, by_role, by_account) = principal_strengths(statement, caller, has_boundary)
        if UNKNOWN in (named, by_direct, by_role, by_account):
            free.reasons.append(f"{statement.ref}: {PRINCIPAL_UNKNOWN}")
        if statement.allow:
            direct = s_or(direct, s_and(value, by_direct))
            role = s_or(role, s_and(value, by_role))
            account = s_or(account, s_and(value, by_account))
        else:
            denies[0] = s_or(denies[0], s_and(value, named))
    layers.rp_direct, layers.rp_role, layers.rp_account = direct, role, account
