"""The existential question: ``possible(request) -> Possibility``.

Is there ANY request context under which the request is allowed? Keys derived from the principal
and the resource (see :mod:`enjoin.engine.context`) and keys present in ``request.context`` are held
fixed; every other key is free, including being absent (but for the keys AWS always sends:
``keyplan.ALWAYS_PRESENT``). The request's policies are evaluated
symbolically (:mod:`enjoin.engine.symbolic`): when no statement that matters tests a free key the
formula folds to a constant and the answer needs no solver (the fast path); otherwise the engine's
own exact solver decides it (:mod:`enjoin.engine.regions`: per-key regions, automata for strings),
and z3 (:mod:`enjoin.engine.solver`) when that one declines (too many states or combinations). Both
cache their answers by formula, and tests hold them to the same answers.

An ALLOW is never returned on the solver's word alone: the witness context is evaluated with
:func:`~enjoin.engine.evaluate.decide`, and unless that concrete evaluation gives ALLOW the answer
is INDETERMINATE. Before any of this, the request is decided concretely with the keys given and no
other: when that allows it, it is the witness, and no symbolic work is done. (A key AWS always sends
that a condition tests and the request does not give is given a fixed value in that try.)
"""

from __future__ import annotations

import dataclasses
import functools

from enjoin.engine import values as vals
from enjoin.engine.arn import parse_caller
from enjoin.engine.context import EvalContext, account_of_resource
from enjoin.engine.evaluate import decide
from enjoin.engine.keyplan import ALWAYS_PRESENT, TIME_KEYS
from enjoin.engine.layers import combine
from enjoin.engine.model import ContextValue, Decision, Outcome, Possibility, Request
from enjoin.engine.policy import Policy
from enjoin.engine.regions import solve as solve_exactly
from enjoin.engine.symbolic import SYMBOLIC, Expr, FreeContext, atoms_of, build_layers
from enjoin.engine.truth import FALSE, TRUE, UNKNOWN


def possible(request: Request) -> Possibility:
    """Answer the existential question for ``request`` (its ``context`` holds the fixed keys)."""
    caller = parse_caller(request.principal, request.principal_id)
    if isinstance(caller, str):
        return Possibility(Decision.INDETERMINATE, explanation=(f"Cannot decide: {caller}.",))
    request = _one_instant(request)
    # The cheapest witness first: the keys given and no other (but for the keys AWS always sends
    # that a condition tests, at fixed values). A concrete ALLOW there is the answer (and its own
    # proof); anything else needs the symbolic search over the free keys.
    given: dict[str, ContextValue] = {k: v for k, v in request.context.items() if v is not None}
    tried = _first_context(request, given)
    if tried is not None:
        first = decide(request if tried == request.context else dataclasses.replace(request, context=tried))
        if first.decision is Decision.ALLOW:
            what = f"{request.action} on {request.resource} by {request.principal}"
            lines = (
                f"ALLOW is possible: {what}.",
                f"It is allowed with the keys given (and those AWS always sends) and no other present: {tried!r}.",
            )
            return Possibility(Decision.ALLOW, witness=tried, result=first, explanation=(*lines, *first.explanation))
    action_lower = request.action.lower()
    ctx = EvalContext(request, caller, action_lower, account_of_resource(request, caller))
    free = FreeContext(ctx)
    layers = build_layers(request, free)
    final, allow_part = combine(layers, SYMBOLIC, TRUE, FALSE, UNKNOWN)
    outcome = _fast(final, allow_part)
    if outcome is None:
        outcome = solve_exactly(final, allow_part)
    if outcome is None:
        # z3 (and its import, a tenth of a second) only for the formulas the engine's own solver declines.
        from enjoin.engine.solver import solve

        outcome = solve(final, allow_part)
    return _answer(request, outcome, final, free.reasons)


# The condition keys AWS always sends (keyplan.ALWAYS_PRESENT, with aws:EpochTime beside
# aws:CurrentTime), and the values the first try gives them when a condition tests one that the
# request leaves out: a request over TLS, at the instant the order in force took effect.
_ALWAYS_SENT = frozenset({*ALWAYS_PRESENT, *TIME_KEYS})
_FIRST_TRY = {
    "aws:SecureTransport": "true",
    "aws:CurrentTime": "2026-01-06T00:00:00Z",
    "aws:EpochTime": "1767657600",  # the same instant
}


def _first_context(request: Request, given: dict[str, ContextValue]) -> dict[str, ContextValue] | None:
    """The context of the first try: ``given``, plus the keys AWS always sends that a condition of
    the request's policies tests and the request leaves out. None when there is no such try: a policy
    given as a document (not looked into), or an instant given as one time key but not the other."""
    missing = _ALWAYS_SENT - {key.lower() for key in request.context}  # a key held absent is given
    if not missing:
        return given
    tested: set[str] = set()
    policies = [*request.identity_policies, request.permissions_boundary, request.session_policy]
    policies += [p for level in (*request.scps, *request.rcps) for p in level]
    policies.append(request.resource_policy)
    for policy in policies:
        if policy is None:
            continue
        if not isinstance(policy, Policy):
            return None
        tested |= missing & _condition_keys(policy)
    if not tested:
        return given
    filled = dict(given)
    if "aws:securetransport" in tested:
        filled["aws:SecureTransport"] = _FIRST_TRY["aws:SecureTransport"]
    if tested & set(TIME_KEYS):
        if len(missing & set(TIME_KEYS)) < len(TIME_KEYS):
            return None  # one of the two is given: the search keeps them one instant
        filled["aws:CurrentTime"] = _FIRST_TRY["aws:CurrentTime"]
        filled["aws:EpochTime"] = _FIRST_TRY["aws:EpochTime"]
    return filled


def _one_instant(request: Request) -> Request:
    """aws:CurrentTime and aws:EpochTime are one instant: when the request gives one of them, the
    other is fixed to the same instant (not left free for the search to move)."""
    times = {key.lower(): key for key in request.context if key.lower() in TIME_KEYS}
    if len(times) != 1:
        return request
    (key,) = times.values()
    value = request.context[key]
    micros = vals.parse_date(value) if isinstance(value, str) else None
    if micros is None:
        return request  # unreadable: the concrete evaluation reports it
    other = "aws:EpochTime" if key.lower() == "aws:currenttime" else "aws:CurrentTime"
    same = vals.format_date(micros, epoch=other == "aws:EpochTime")
    return dataclasses.replace(request, context={**request.context, other: same})


@functools.lru_cache(maxsize=4096)
def _condition_keys(policy: Policy) -> frozenset[str]:
    return frozenset(c.key_lower for st in policy.statements for c in st.conditions)


def _fast(final: Expr, allow_part: Expr) -> Outcome | None:
    """The answer without a solver, when the formulas are constants."""
    if not isinstance(final, int):
        return None
    if final == TRUE:
        return Outcome("allow", {})
    if final == UNKNOWN:
        return Outcome("unknown")
    if isinstance(allow_part, int):
        if allow_part == TRUE:
            return Outcome("deny", note="explicit")
        if allow_part == FALSE:
            return Outcome("deny", note="implicit")
        return Outcome("deny", note="either")
    return None


def _answer(request: Request, outcome: Outcome, final: Expr, reasons: list[str]) -> Possibility:
    what = f"{request.action} on {request.resource} by {request.principal}"
    free_keys = sorted({atom.key_name for atom in atoms_of(final)}) if not isinstance(final, int) else []
    if outcome.status == "allow":
        # A key fixed as absent (None) is simply left out: decide() reads a missing key as absent.
        witness: dict[str, ContextValue] = {k: v for k, v in request.context.items() if v is not None}
        witness.update(outcome.witness or {})
        result = decide(dataclasses.replace(request, context=witness))
        if result.decision is not Decision.ALLOW:
            return Possibility(
                Decision.INDETERMINATE,
                explanation=(
                    f"INDETERMINATE: {what}.",
                    f"The solver proposed the context {witness!r}, but the concrete evaluation gave "
                    f"{result.decision.value}; the engine does not answer ALLOW on the solver's word.",
                    *result.explanation,
                ),
            )
        lines = [f"ALLOW is possible: {what}."]
        if free_keys:
            lines.append(
                f"A context under which it is allowed (free keys: {', '.join(free_keys)}): {witness!r}."
            )
        else:
            lines.append(
                "No statement that matters tests a key the requester controls: "
                "it is allowed in every context."
            )
        return Possibility(
            Decision.ALLOW, witness=witness, result=result, explanation=(*lines, *result.explanation)
        )
    if outcome.status == "deny" and outcome.note in ("explicit", "implicit"):
        decision = Decision.EXPLICIT_DENY if outcome.note == "explicit" else Decision.IMPLICIT_DENY
        base = decide(request)
        lines = [f"{decision.value} in every context: {what}."]
        if free_keys:
            lines.append(f"No value of the free keys ({', '.join(free_keys)}), nor their absence, allows it.")
        if decision is Decision.EXPLICIT_DENY:
            lines.append("Every context that an Allow would admit is denied explicitly.")
        lines.append("With the given context:")
        return Possibility(decision, explanation=(*lines, *base.explanation), never_allowed=True)
    lines = [f"INDETERMINATE: {what}."]
    if outcome.status == "deny":
        lines.append("No context allows it, but whether it is denied explicitly or implicitly depends on:")
    else:
        lines.append("Whether some context allows it depends on what the engine cannot evaluate:")
    details = list(dict.fromkeys(reasons))
    if outcome.note and outcome.note not in ("either",):
        details.append(outcome.note)
    lines += [f"- {d}" for d in details] or ["- an unsupported element"]
    # "deny" means the allow formula is FALSE in every context: never allowed, whatever the deny's kind.
    return Possibility(Decision.INDETERMINATE, explanation=tuple(lines), never_allowed=outcome.status == "deny")
