"""The concrete question: ``decide(request) -> Result``.

The request's policies are scanned once, layer by layer (each statement that names the action is
tested on its resource, principal and conditions, three-valued), the layers are combined by
:func:`enjoin.engine.layers.combine`, and the outcome is explained in sentences that name the
policy and the statement (Sid or index) that allowed or denied, or the layer that failed to allow.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

from enjoin.engine.arn import Caller, parse_caller
from enjoin.engine.context import EvalContext, account_of_resource
from enjoin.engine.layers import TRUTH, Algebra, Layers, combine, needs_resource_policy
from enjoin.engine.model import Decision, Request, Result, StatementRef
from enjoin.engine.policy import Policy, PolicyKind, Statement, compile_policy
from enjoin.engine.truth import FALSE, TRUE, UNKNOWN

V = TypeVar("V")

# Called for a statement whose outcome is UNKNOWN, with an extra reason when the principal is the cause.
OnUnknown = Callable[[Statement, "str | None"], None]


def as_policy(value: Any, kind: PolicyKind, label: str) -> Policy:
    """A compiled policy as is; a document (mapping or JSON text) compiled with ``label``."""
    if isinstance(value, Policy):
        return value
    return compile_policy(value, label=label, kind=kind)


def _policies(values: Iterable[Any], kind: PolicyKind, label: str) -> tuple[Policy, ...]:
    return tuple(as_policy(v, kind, f"{label} #{i}") for i, v in enumerate(values))


def build_layers(
    request: Request,
    ctx: EvalContext,
    applies: Callable[[Statement], V],
    alg: Algebra[V],
    on_unknown: OnUnknown,
) -> Layers[V]:
    """Scan every policy of the request and give each layer its (three-valued or symbolic) value."""
    caller = ctx.caller
    action_lower = ctx.action_lower
    or_, and_ = alg.or_, alg.and_
    denies: list[Any] = [FALSE, FALSE]  # outside the RCPs, inside them
    deny_refs: list[StatementRef] = []

    def plain(policies: Sequence[Policy], slot: int) -> tuple[Any, StatementRef | None]:
        allow: Any = FALSE
        ref = None
        for policy in policies:
            for statement in policy.statements_for(action_lower):
                truth = applies(statement)
                if truth == FALSE:
                    continue
                if truth == UNKNOWN:
                    on_unknown(statement, None)
                if statement.allow:
                    allow = or_(allow, truth)
                    if ref is None and truth == TRUE:
                        ref = statement.ref
                else:
                    denies[slot] = or_(denies[slot], truth)
                    if truth == TRUE:
                        deny_refs.append(statement.ref)
        return allow, ref

    same_account = caller.account == ctx.resource_account
    identity, identity_ref = plain(_policies(request.identity_policies, PolicyKind.IDENTITY, "identity policy"), 0)
    layers: Layers[Any] = Layers(
        same_account=same_account,
        mandatory=needs_resource_policy(action_lower),
        rcp_applies=action_lower.split(":", 1)[0] in _rcp_services(),
        deny=FALSE,
        rcp_deny=FALSE,
        identity=identity,
        identity_ref=identity_ref,
        deny_refs=deny_refs,
    )
    for number, level in enumerate(request.scps):
        allow, ref = plain(_policies(level, PolicyKind.SCP, f"SCP level {number}"), 0)
        layers.scp_levels.append(allow)
        layers.scp_refs.append(ref)
    for number, level in enumerate(request.rcps):
        allow, ref = plain(_policies(level, PolicyKind.RCP, f"RCP level {number}"), 1)
        layers.rcp_levels.append(allow)
        layers.rcp_refs.append(ref)
    has_boundary = request.permissions_boundary is not None
    if has_boundary:
        boundary = as_policy(request.permissions_boundary, PolicyKind.BOUNDARY, "permissions boundary")
        layers.boundary, layers.boundary_ref = plain((boundary,), 0)
    if request.session_policy is not None:
        session = as_policy(request.session_policy, PolicyKind.SESSION, "session policy")
        if caller.is_session:
            layers.session, layers.session_ref = plain((session,), 0)
        else:
            layers.session = UNKNOWN
            layers.unknown.append(
                "a session policy was given for an IAM user; session policies apply to role sessions "
                "(and to federated user sessions, which the engine does not support)"
            )
    if request.resource_policy is not None:
        resource_policy = as_policy(request.resource_policy, PolicyKind.RESOURCE, "resource policy")
        if resource_policy.kind is not PolicyKind.RESOURCE:
            layers.rp_direct = UNKNOWN
            layers.unknown.append(
                f"resource_policy {resource_policy.label} was compiled as a {resource_policy.kind.value} "
                "policy; a resource policy must be compiled with kind RESOURCE"
            )
        else:
            _scan_resource_policy(resource_policy, caller, has_boundary, action_lower, applies, alg, layers, denies, on_unknown)
    layers.deny, layers.rcp_deny = denies
    return layers


def _scan_resource_policy(
    policy: Policy,
    caller: Caller,
    has_boundary: bool,
    action_lower: str,
    applies: Callable[[Statement], Any],
    alg: Algebra[Any],
    layers: Layers[Any],
    denies: list[Any],
    on_unknown: OnUnknown,
) -> None:
    or_, and_ = alg.or_, alg.and_
    direct: Any = FALSE
    role: Any = FALSE
    account: Any = FALSE
    for statement in policy.statements_for(action_lower):
        truth = applies(statement)
        if truth == FALSE:
            continue
        spec = statement.principal
        assert spec is not None
        if statement.principal_negated:
            if not statement.allow and has_boundary:
                # A Deny with NotPrincipal always applies to a principal with a permissions boundary.
                named = TRUE
            else:
                named = 2 - spec.exempts(caller)
            by = (named, FALSE, FALSE)
        else:
            match = spec.match(caller)
            by = (match.direct, match.role, match.account)
            named = match.any
        if statement.allow:
            values = (and_(truth, by[0]), and_(truth, by[1]), and_(truth, by[2]))
            direct, role, account = or_(direct, values[0]), or_(role, values[1]), or_(account, values[2])
            if values[0] == TRUE and layers.rp_direct_ref is None:
                layers.rp_direct_ref = statement.ref
            if values[1] == TRUE and layers.rp_role_ref is None:
                layers.rp_role_ref = statement.ref
            if values[2] == TRUE and layers.rp_account_ref is None:
                layers.rp_account_ref = statement.ref
            outcome = max(values, key=_rank)
        else:
            outcome = and_(truth, named)
            denies[0] = or_(denies[0], outcome)
            if outcome == TRUE:
                layers.deny_refs.append(statement.ref)
        if outcome == UNKNOWN:
            on_unknown(statement, None if truth == UNKNOWN else "whether its principal names the caller is unknown")
    layers.rp_direct, layers.rp_role, layers.rp_account = direct, role, account


def _rank(value: Any) -> int:
    return value if isinstance(value, int) else UNKNOWN


def _rcp_services() -> frozenset[str]:
    from enjoin.engine.layers import RCP_SERVICES

    return RCP_SERVICES


def decide(request: Request) -> Result:
    """Answer the concrete question: is this request, with this context, allowed?"""
    caller = parse_caller(request.principal, request.principal_id)
    if isinstance(caller, str):
        return Result(Decision.INDETERMINATE, (f"Cannot decide: {caller}.",), unsupported=(caller,))
    action_lower = request.action.lower()
    ctx = EvalContext(request, caller, action_lower, account_of_resource(request, caller))
    lookup = ctx.lookup
    resource = request.resource
    unknown: list[str] = []

    def applies(statement: Statement) -> int:
        return statement.applies(resource, lookup)

    def on_unknown(statement: Statement, extra: str | None) -> None:
        unknown.append(f"{statement.ref}: {extra}" if extra else statement.unknown_reason(resource, lookup))

    layers = build_layers(request, ctx, applies, TRUTH, on_unknown)
    layers.unknown.extend(unknown)
    final, allow_part = combine(layers, TRUTH, TRUE, FALSE, UNKNOWN)
    return explain(request, layers, final, allow_part)


def explain(request: Request, layers: Layers[int], final: int, allow_part: int) -> Result:
    """Turn the layer values into a Result with sentences a person can read."""
    what = f"{request.action} on {request.resource} by {request.principal}"
    if layers.deny == TRUE or (layers.rcp_deny == TRUE and layers.rcp_applies):
        refs = tuple(layers.deny_refs)
        lines = [f"EXPLICIT_DENY: {what}."]
        lines += [f"Denied by {ref}." for ref in refs]
        lines.append("An explicit deny overrides every allow.")
        return Result(Decision.EXPLICIT_DENY, tuple(lines), denied_by=refs)
    if final == TRUE:
        refs = _allowed_by(layers)
        lines = [f"ALLOW: {what}."] + [f"Allowed by {ref}." for ref in refs]
        return Result(Decision.ALLOW, tuple(lines), allowed_by=refs)
    if final == FALSE:
        lines = [f"IMPLICIT_DENY: {what}."] + _why_not(request, layers)
        return Result(Decision.IMPLICIT_DENY, tuple(lines))
    reasons = tuple(dict.fromkeys(layers.unknown)) or ("an element the engine does not support could change the answer",)
    lines = [f"INDETERMINATE: {what}."]
    if allow_part == FALSE:
        lines.append("It is denied either way, but whether explicitly or implicitly depends on:")
    else:
        lines.append("The answer depends on what the engine cannot evaluate:")
    lines += [f"- {reason}" for reason in reasons]
    return Result(Decision.INDETERMINATE, tuple(lines), unsupported=reasons)


def _allowed_by(layers: Layers[int]) -> tuple[StatementRef, ...]:
    refs: list[StatementRef | None] = list(layers.scp_refs)
    if layers.rcp_applies:
        refs.extend(layers.rcp_refs)
    limits: list[StatementRef | None] = []
    if layers.boundary is not None:
        limits.append(layers.boundary_ref)
    if layers.session is not None:
        limits.append(layers.session_ref)
    if layers.same_account:
        if layers.rp_direct == TRUE:
            refs.append(layers.rp_direct_ref)
        elif layers.rp_role == TRUE and all(x is not None for x in limits):
            refs += [layers.rp_role_ref, *limits]
        else:
            if layers.mandatory:
                refs.append(layers.rp_account_ref)
            refs += [layers.identity_ref, *limits]
    else:
        refs.append(layers.rp_direct_ref or layers.rp_role_ref or layers.rp_account_ref)
        refs += [layers.identity_ref, *limits]
    return tuple(dict.fromkeys(r for r in refs if r is not None))


def _label(policies: Iterable[Any]) -> str:
    labels = [p.label if isinstance(p, Policy) else "(document)" for p in policies]
    return ", ".join(labels) if labels else "(none)"


def _why_not(request: Request, layers: Layers[int]) -> list[str]:
    action = request.action
    lines: list[str] = []
    for number, value in enumerate(layers.scp_levels):
        if value == FALSE:
            lines.append(
                f"No SCP at organization level {number} ({_label(request.scps[number])}) allows {action}: "
                "every level from the root to the account must allow."
            )
    if layers.rcp_applies:
        for number, value in enumerate(layers.rcp_levels):
            if value == FALSE:
                lines.append(
                    f"No RCP at organization level {number} ({_label(request.rcps[number])}) allows {action} "
                    "on the resource: every level must allow."
                )
    if lines:
        return lines
    boundary_fails = layers.boundary == FALSE
    session_fails = layers.session == FALSE
    identity_fails = layers.identity == FALSE
    rp = request.resource_policy
    rp_label = rp.label if isinstance(rp, Policy) else "the resource policy"
    named = layers.rp_direct == TRUE or layers.rp_role == TRUE or layers.rp_account == TRUE
    if layers.mandatory:
        kind = "key policy" if action.lower().startswith("kms:") else "trust policy"
        if rp is None:
            lines.append(f"There is no {kind}: {action} must be allowed by the {kind}, and nothing else can grant it.")
            return lines
        if not named:
            lines.append(
                f"The {kind} {rp_label} neither allows the principal nor delegates to its account: "
                "identity policies cannot grant it on their own."
            )
            return lines
    if not layers.same_account and not named:
        lines.append(
            f"Cross-account request: the resource policy ({rp_label if rp is not None else 'none'}) must allow the "
            f"principal of account {request.principal.split(':')[4]}, and it does not."
        )
        return lines
    if identity_fails:
        lines.append(f"No identity policy ({_label(request.identity_policies)}) allows {action} on {request.resource}.")
    if boundary_fails:
        lines.append(f"The permissions boundary ({_label([request.permissions_boundary])}) does not allow {action}.")
    if session_fails:
        lines.append(f"The session policy ({_label([request.session_policy])}) does not allow {action}.")
    if layers.same_account and not layers.mandatory and rp is not None and not named:
        lines.append(f"The resource policy {rp_label} does not allow the principal either.")
    elif layers.same_account and rp is None and not layers.mandatory:
        lines.append("There is no resource policy.")
    if not lines:
        lines.append("No combination of the policies allows it.")
    return lines


def principal_context_keys(_: Mapping[str, Any]) -> None:  # pragma: no cover - kept out of the API
    """Placeholder removed."""
