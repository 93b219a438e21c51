"""The concrete question: ``decide(request) -> Result``.

The request's policies are scanned once, layer by layer: each policy's generated scanner
(:mod:`enjoin.engine.codegen`) names the statements that cover the action and resource, and only
those with conditions (or policy variables in Resource) are evaluated further, three-valued; the
resource policy's statements are also matched against the principal. The layers are combined by
:func:`enjoin.engine.layers.combine_truth`, and the outcome is explained in sentences that name the
policy and the statement (Sid or index) that allowed or denied, or the layer that failed to allow.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from enjoin.engine import policy as policy_module
from enjoin.engine.arn import Caller, parse_caller
from enjoin.engine.context import EvalContext, account_of_resource
from enjoin.engine.layers import (
    PRINCIPAL_UNKNOWN,
    RCP_SERVICES,
    SESSION_POLICY_FOR_USER,
    Layers,
    combine_truth,
    is_trust_action,
    needs_resource_policy,
    principal_strengths,
    wrong_kind,
)
from enjoin.engine.model import Decision, Request, Result, StatementRef
from enjoin.engine.policy import Policy, PolicyKind, Statement, as_policy
from enjoin.engine.truth import FALSE, TRUE, UNKNOWN


def _scan(
    policies: Sequence[Any],
    kind: PolicyKind,
    label: str,
    action_lower: str,
    resource: str,
    lookup: Callable[[str], object],
    deny_refs: list[StatementRef],
    unknown: list[Statement],
) -> tuple[int, StatementRef | None, int]:
    """The concrete scan of one layer: ``(allow, first allowing statement, deny)``.

    Each policy's generated scanner names the statements that cover the action and resource; only
    those with conditions (or policy variables in Resource) are evaluated further.
    """
    allow = FALSE
    deny = FALSE
    ref = None
    for number, policy in enumerate(policies):
        if type(policy) is not Policy:
            policy = as_policy(policy, kind, f"{label} #{number}")
        hits = policy.scan(action_lower, resource)
        if not hits:
            continue
        statements = policy.statements
        for index in hits:
            statement = statements[index]
            if not statement.dynamic:
                truth = TRUE
            elif statement.plain:
                truth = TRUE
                for condition in statement.conditions:
                    value = condition.evaluate(lookup)
                    if value == FALSE:
                        break
                    if value == UNKNOWN:
                        truth = UNKNOWN
                else:
                    value = truth
                if value == FALSE:
                    continue
            else:
                truth = statement.check(resource, lookup)
                if truth == FALSE:
                    continue
            if truth == UNKNOWN:
                unknown.append(statement)
            if statement.allow:
                if truth > allow:
                    allow = truth
                if truth == TRUE and ref is None:
                    ref = statement.ref
            else:
                if truth > deny:
                    deny = truth
                if truth == TRUE:
                    deny_refs.append(statement.ref)
    return allow, ref, deny


def decide_reference(request: Request) -> Result:
    """Answer the concrete question in Python: the reference the compiled core is held to."""
    caller = parse_caller(request.principal, request.principal_id)
    if type(caller) is str:
        return Result(Decision.INDETERMINATE, (f"Cannot decide: {caller}.",), unsupported=(caller,))
    assert isinstance(caller, Caller)
    action_lower = request.action.lower()
    resource = request.resource
    resource_account = account_of_resource(request, caller)
    ctx = EvalContext(request, caller, action_lower, resource_account)
    lookup = ctx.lookup
    unknown: list[Statement] = []
    deny_refs: list[StatementRef] = []
    identity, identity_ref, deny = _scan(
        request.identity_policies,
        PolicyKind.IDENTITY,
        "identity policy",
        action_lower,
        resource,
        lookup,
        deny_refs,
        unknown,
    )
    layers: Layers[int] = Layers(
        caller.account == resource_account,
        needs_resource_policy(action_lower),
        action_lower.partition(":")[0] in RCP_SERVICES,
        FALSE,
        FALSE,
        identity,
        identity_ref,
        deny_refs,
    )
    if action_lower.startswith("sts:"):
        layers.trust = is_trust_action(action_lower)
    reasons: list[str] = []
    # SCPs and RCPs do not restrict a service-linked role (module docstring of layers).
    organization = (request.scps or request.rcps) and not caller.is_service_linked
    if organization and request.scps:
        layers.scp_levels, layers.scp_refs, scp_deny = _scan_levels(
            request.scps, PolicyKind.SCP, "SCP", action_lower, resource, lookup, deny_refs, unknown
        )
        deny = max(deny, scp_deny)
    if organization and request.rcps:
        layers.rcp_levels, layers.rcp_refs, layers.rcp_deny = _scan_levels(
            request.rcps, PolicyKind.RCP, "RCP", action_lower, resource, lookup, deny_refs, unknown
        )
    has_boundary = request.permissions_boundary is not None
    if has_boundary:
        allow, layers.boundary_ref, level_deny = _scan(
            (request.permissions_boundary,),
            PolicyKind.BOUNDARY,
            "permissions boundary",
            action_lower,
            resource,
            lookup,
            deny_refs,
            unknown,
        )
        layers.boundary = allow
        deny = max(deny, level_deny)
    if request.session_policy is not None:
        if caller.is_session:
            allow, layers.session_ref, level_deny = _scan(
                (request.session_policy,),
                PolicyKind.SESSION,
                "session policy",
                action_lower,
                resource,
                lookup,
                deny_refs,
                unknown,
            )
            layers.session = allow
            deny = max(deny, level_deny)
        else:
            layers.session = UNKNOWN
            reasons.append(SESSION_POLICY_FOR_USER)
    principal_unknown: set[Statement] = set()
    if request.resource_policy is not None:
        policy = as_policy(request.resource_policy, PolicyKind.RESOURCE, "resource policy")
        if policy.kind is not PolicyKind.RESOURCE:
            layers.rp_direct = UNKNOWN
            reasons.append(wrong_kind(policy))
        else:
            rp_deny = _scan_resource_policy(
                policy,
                caller,
                has_boundary,
                action_lower,
                resource,
                lookup,
                layers,
                unknown,
                principal_unknown,
            )
            deny = max(deny, rp_deny)
    layers.deny = deny
    if unknown or reasons:
        for statement in unknown:
            if statement in principal_unknown:
                reasons.append(f"{statement.ref}: {PRINCIPAL_UNKNOWN}")
            else:
                reasons.append(statement.unknown_reason(resource, lookup))
        layers.unknown = reasons
    final, allow_part = combine_truth(layers)
    return explain(request, layers, final, allow_part)


def _scan_resource_policy(
    policy: Policy,
    caller: Caller,
    has_boundary: bool,
    action_lower: str,
    resource: str,
    lookup: Callable[[str], object],
    layers: Layers[int],
    unknown: list[Statement],
    principal_unknown: set[Statement],
) -> int:
    """The concrete scan of the resource policy; returns its deny value."""
    direct = role = account = deny = FALSE
    statements = policy.statements
    for index in policy.scan(action_lower, resource):
        statement = statements[index]
        truth = statement.check(resource, lookup) if statement.dynamic else TRUE
        if truth == FALSE:
            continue
        named, (by_direct, by_role, by_account) = principal_strengths(statement, caller, has_boundary)
        if statement.allow:
            d, r, a = min(truth, by_direct), min(truth, by_role), min(truth, by_account)
            if d > direct:
                direct = d
                if d == TRUE:
                    layers.rp_direct_ref = statement.ref
            if r > role:
                role = r
                if r == TRUE:
                    layers.rp_role_ref = statement.ref
            if a > account:
                account = a
                if a == TRUE:
                    layers.rp_account_ref = statement.ref
            outcome = max(d, r, a)
        else:
            outcome = min(truth, named)
            if outcome > deny:
                deny = outcome
            if outcome == TRUE:
                layers.deny_refs.append(statement.ref)
        if outcome == UNKNOWN:
            unknown.append(statement)
            if truth != UNKNOWN:
                principal_unknown.add(statement)
    layers.rp_direct, layers.rp_role, layers.rp_account = direct, role, account
    return deny


def explain(request: Request, layers: Layers[int], final: int, allow_part: int) -> Result:
    """Turn the layer values into a Result with sentences a person can read."""
    what = f"{request.action} on {request.resource} by {request.principal}"
    exempt = _organization_exemption(request)
    if layers.deny == TRUE or (layers.rcp_deny == TRUE and layers.rcp_applies):
        refs = tuple(layers.deny_refs)
        lines = [f"EXPLICIT_DENY: {what}."]
        lines += [f"Denied by {ref}." for ref in refs]
        lines.append("An explicit deny overrides every allow.")
        return Result(Decision.EXPLICIT_DENY, (*lines, *exempt), denied_by=refs)
    if final == TRUE:
        refs = _allowed_by(layers)
        lines = [f"ALLOW: {what}."] + [f"Allowed by {ref}." for ref in refs]
        return Result(Decision.ALLOW, (*lines, *exempt), allowed_by=refs)
    if final == FALSE and _effective_deny(layers) == FALSE:
        lines = [f"IMPLICIT_DENY: {what}.", *_why_not(request, layers)]
        return Result(Decision.IMPLICIT_DENY, (*lines, *exempt))
    reasons = tuple(dict.fromkeys([*layers.unknown, *_rcp_coverage(request, layers)])) or (
        "an element the engine does not support could change the answer",
    )
    lines = [f"INDETERMINATE: {what}."]
    if final == FALSE:
        lines.append("It is denied either way, but whether explicitly or implicitly depends on:")
    else:
        lines.append("The answer depends on what the engine cannot evaluate:")
    lines += [f"- {reason}" for reason in reasons]
    return Result(Decision.INDETERMINATE, tuple(lines), unsupported=reasons)


def _organization_exemption(request: Request) -> tuple[str, ...]:
    """The sentence saying the request's SCPs and RCPs were not applied, when its principal is a
    service-linked role (nothing when it has none or is not one)."""
    if not (request.scps or request.rcps):
        return ()
    caller = parse_caller(request.principal, request.principal_id)
    if isinstance(caller, str) or not caller.is_service_linked:
        return ()
    return (
        f"{request.principal} is a service-linked role: SCPs and RCPs do not restrict it, "
        "and the request's organization policies were not applied.",
    )


def _rcp_coverage(request: Request, layers: Layers[int]) -> tuple[str, ...]:
    """The reason the request's RCPs leave the answer open: they would deny it (a Deny, or a level
    without an Allow) on a service the engine does not know RCPs to cover (nothing otherwise)."""
    if layers.rcp_applies or not layers.rcp_levels:
        return ()
    if layers.rcp_deny == FALSE and all(level == TRUE for level in layers.rcp_levels):
        return ()
    service = request.action.partition(":")[0].lower()
    return (
        f"whether RCPs cover {service}: the RCPs would deny {request.action}, but {service} is not among the "
        f"{len(RCP_SERVICES)} services the engine knows RCPs to cover (rcp_services.json, from the AWS "
        "Organizations User Guide's list of AWS services that support RCPs)",
    )


def _effective_deny(layers: Layers[int]) -> int:
    """The explicit-deny value of all layers (an RCP deny on a service RCPs may not cover is unknown)."""
    if layers.rcp_applies:
        return max(layers.deny, layers.rcp_deny)
    return max(layers.deny, min(layers.rcp_deny, UNKNOWN))


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


_LABELS: dict[tuple[Any, ...], str] = {}


def _label(policies: Iterable[Any]) -> str:
    """The labels of some policies, for an explanation (memoised: the same sets recur)."""
    key = tuple(policies)
    found = _LABELS.get(key)
    if found is None:
        labels = [p.label if isinstance(p, Policy) else "(document)" for p in key]
        found = ", ".join(labels) if labels else "(none)"
        if len(_LABELS) > 4096:
            _LABELS.clear()
        _LABELS[key] = found
    return found


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
                f"No statement of the {kind} {rp_label} that names the principal or its account applies: "
                "identity policies cannot grant it on their own."
            )
            return lines
    if not layers.same_account and not named:
        lines.append(
            f"Cross-account request: the resource policy ({rp_label if rp is not None else 'none'}) must "
            f"allow the principal of account {request.principal.split(':')[4]}, "
            "and no statement naming it applies."
        )
        return lines
    if identity_fails:
        if request.identity_policies:
            lines.append(
                f"No identity policy ({_label(request.identity_policies)}) allows {action} on {request.resource}."
            )
        else:
            lines.append("The principal has no identity policies.")
    if boundary_fails:
        lines.append(f"The permissions boundary ({_label([request.permissions_boundary])}) does not allow {action}.")
    if session_fails:
        lines.append(f"The session policy ({_label([request.session_policy])}) does not allow {action}.")
    if layers.same_account and not layers.mandatory:
        if rp is None:
            lines.append("There is no resource policy.")
        elif not named:
            lines.append(f"No statement of the resource policy {rp_label} that names the principal applies.")
    if not lines:
        lines.append("No combination of the policies allows it.")
    return lines


def _scan_levels(
    levels: Any,
    kind: PolicyKind,
    name: str,
    action_lower: str,
    resource: str,
    lookup: Any,
    deny_refs: Any,
    unknown: Any,
) -> tuple[list[Any], list[Any], Any]:
    """Scan organization policies level by level (SCPs or RCPs): each level's allow and refs, and the worst deny."""
    allows: list[Any] = []
    refs: list[Any] = []
    worst = FALSE
    for number, level in enumerate(levels):
        allow, ref, level_deny = _scan(
            level, kind, f"{name} level {number}", action_lower, resource, lookup, deny_refs, unknown
        )
        allows.append(allow)
        refs.append(ref)
        worst = max(worst, level_deny)
    return allows, refs, worst


def _bind_core() -> Callable[[Request], Result] | None:
    """The compiled core's ``decide`` (see :mod:`enjoin.engine._fast`), bound to this module's helpers;
    None when it is not built or ``ENJOIN_PURE_PYTHON`` is set."""
    if os.environ.get("ENJOIN_PURE_PYTHON"):
        return None
    try:
        from enjoin.engine import _fast
    except ImportError:
        return None
    _fast.bind(decide_reference, explain)
    policy_module.CORE_COMPILER = _fast.FastPolicy
    policy_module.SCOPED_SCAN = _fast.scoped_statements
    return _fast.decide


CORE = _bind_core()


def decide_many(requests: Iterable[Request]) -> list[Result]:
    """:func:`decide` for each request, results in the same order.

    The compiled core visits them grouped by principal (whose requests share policies, which then
    stay in the processor's caches); the answers are those of one ``decide`` per request.
    """
    if CORE is None:
        return [decide_reference(request) for request in requests]
    from enjoin.engine import _fast

    return _fast.decide_many(requests)


decide: Callable[[Request], Result] = CORE or decide_reference
"""Answer the concrete question: is this request, with this context, allowed? (The compiled core
when it is built, else the reference; the two give equal results.)"""
