"""The existential question: every ALLOW comes with a witness that decide() confirms, and every
"never" is checked by brute force over grids of contexts."""

from __future__ import annotations

import dataclasses
import importlib
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from enjoin.engine import Decision, PolicyKind, Possibility, Request, compile_policy, decide, possible
from enjoin.engine.model import ContextValue

A = "111111111111"
USER = f"arn:aws:iam::{A}:user/alice"
OBJECT = "arn:aws:s3:::data/records.csv"


def policy(*statements: dict[str, Any], kind: PolicyKind = PolicyKind.IDENTITY) -> Any:
    return compile_policy({"Version": "2012-10-17", "Statement": list(statements)}, label="p", kind=kind)


def allow_if(condition: dict[str, Any], action: str = "s3:GetObject") -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": "*", "Condition": condition}


def deny_if(condition: dict[str, Any], action: str = "s3:GetObject") -> dict[str, Any]:
    return {"Effect": "Deny", "Action": action, "Resource": "*", "Condition": condition}


def request(*statements: dict[str, Any], context: dict[str, ContextValue] | None = None, **fields: Any) -> Request:
    return Request(
        principal=fields.pop("principal", USER),
        action="s3:GetObject",
        resource=OBJECT,
        identity_policies=(policy(*statements),),
        context=context or {},
        **fields,
    )


def confirmed(found: Possibility, req: Request) -> dict[str, ContextValue]:
    """The witness of an ALLOW, after checking it independently with decide()."""
    assert found.decision is Decision.ALLOW
    assert found.witness is not None and found.result is not None
    assert decide(dataclasses.replace(req, context=found.witness)).decision is Decision.ALLOW
    return dict(found.witness)


def test_no_free_key_is_the_fast_path() -> None:
    req = request({"Effect": "Allow", "Action": "s3:*", "Resource": "*"})
    assert confirmed(possible(req), req) == {}
    tagged = request(allow_if({"StringEquals": {"aws:PrincipalTag/team": "x"}}), principal_tags={"team": "y"})
    assert possible(tagged).decision is Decision.IMPLICIT_DENY
    assert possible(request({"Effect": "Deny", "Action": "s3:*", "Resource": "*"})).decision is Decision.IMPLICIT_DENY
    denied = request(
        {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
        {"Effect": "Deny", "Action": "*", "Resource": "*"},
    )
    assert possible(denied).decision is Decision.EXPLICIT_DENY


def test_ip_witness_respects_allow_and_deny() -> None:
    req = request(
        allow_if({"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}),
        deny_if({"NotIpAddress": {"aws:SourceIp": ["10.20.0.0/16", "2001:db8::/32"]}}),
    )
    witness = confirmed(possible(req), req)
    address = witness["aws:SourceIp"]
    assert isinstance(address, str) and address.startswith("10.20.")


def test_contradictions_are_never_allowed() -> None:
    explicit = request(
        allow_if({"Bool": {"aws:SecureTransport": "true"}}),
        deny_if({"Bool": {"aws:SecureTransport": "true"}}),
    )
    assert possible(explicit).decision is Decision.EXPLICIT_DENY
    dates = request(
        allow_if(
            {
                "DateLessThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"},
                "DateGreaterThan": {"aws:CurrentTime": "2021-01-01"},
            }
        )
    )
    assert possible(dates).decision is Decision.IMPLICIT_DENY
    # aws:EpochTime and aws:CurrentTime are the same instant.
    linked = request(
        allow_if(
            {
                "DateGreaterThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"},
                "DateLessThan": {"aws:EpochTime": "1861920000"},
            }
        )
    )
    assert possible(linked).decision is Decision.IMPLICIT_DENY
    null = request(allow_if({"Null": {"s3:prefix": "true"}, "StringEquals": {"s3:prefix": "a"}}))
    assert possible(null).decision is Decision.IMPLICIT_DENY
    sets = request(
        allow_if(
            {
                "ForAllValues:StringEquals": {"aws:TagKeys": ["a", "b"]},
                "ForAnyValue:StringEquals": {"aws:TagKeys": "c"},
            }
        )
    )
    assert possible(sets).decision is Decision.IMPLICIT_DENY


def test_given_context_is_held_fixed() -> None:
    statement = allow_if({"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}})
    assert possible(request(statement, context={"aws:SourceIp": "192.0.2.1"})).decision is Decision.IMPLICIT_DENY
    req = request(statement, context={"aws:SourceIp": "10.1.1.1"})
    assert confirmed(possible(req), req) == {"aws:SourceIp": "10.1.1.1"}


def test_principal_keys_cannot_be_chosen() -> None:
    """A principal key is never free: absent from the case it is absent, and supplied in the
    context it is fixed at that value (the search does not move it)."""
    condition = allow_if({"StringEquals": {"aws:PrincipalOrgID": "o-123"}})
    assert possible(request(condition)).decision is Decision.IMPLICIT_DENY
    other = request(condition, context={"aws:PrincipalOrgID": "o-999"})
    assert possible(other).decision is Decision.IMPLICIT_DENY
    same = request(condition, context={"aws:PrincipalOrgID": "o-123"})
    assert confirmed(possible(same), same) == {"aws:PrincipalOrgID": "o-123"}


def test_missing_keys_are_part_of_the_search() -> None:
    req = request(
        allow_if({"ForAllValues:StringEquals": {"aws:TagKeys": ["a"]}, "Null": {"aws:SourceVpce": "true"}})
    )
    witness = confirmed(possible(req), req)
    assert "aws:SourceVpce" not in witness
    any_value = request(allow_if({"ForAnyValue:StringLike": {"aws:TagKeys": "team-*"}}))
    keys = confirmed(possible(any_value), any_value)["aws:TagKeys"]
    assert isinstance(keys, tuple) and any(k.startswith("team-") for k in keys)
    negated = request(allow_if({"StringNotEquals": {"aws:RequestedRegion": "us-east-1"}}))
    assert possible(negated).decision is Decision.ALLOW


def test_numbers_between_decimals_and_strings_with_dots() -> None:
    numbers = request(
        allow_if(
            {
                "NumericGreaterThan": {"aws:MultiFactorAuthAge": "1.5"},
                "NumericLessThan": {"aws:MultiFactorAuthAge": "1.6"},
            }
        )
    )
    age = confirmed(possible(numbers), numbers)["aws:MultiFactorAuthAge"]
    assert isinstance(age, str) and 1.5 < float(age) < 1.6
    dots = request(allow_if({"StringLike": {"s3:prefix": "a.b*"}, "StringNotEquals": {"s3:prefix": "a.b"}}))
    prefix = confirmed(possible(dots), dots)["s3:prefix"]
    assert isinstance(prefix, str) and prefix.startswith("a.b") and prefix != "a.b"
    arns = request(allow_if({"ArnLike": {"aws:SourceArn": "arn:aws:sns:*:111111111111:topic-?"}}))
    source = confirmed(possible(arns), arns)["aws:SourceArn"]
    assert isinstance(source, str) and source.startswith("arn:aws:sns:")
    cased = request(allow_if({"StringEqualsIgnoreCase": {"aws:RequestedRegion": "EU-\u212a"}}))
    confirmed(possible(cased), cased)


def test_unsupported_elements_make_it_indeterminate() -> None:
    odd = request(allow_if({"StringEqualsFancy": {"s3:prefix": "a"}}))
    assert possible(odd).decision is Decision.INDETERMINATE
    mixed = request(allow_if({"StringEquals": {"s3:max-keys": "10"}, "NumericLessThan": {"s3:max-keys": "5"}}))
    assert possible(mixed).decision is Decision.INDETERMINATE
    # ...but only when they matter.
    settled = request(
        {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
        allow_if({"StringEqualsFancy": {"s3:prefix": "a"}}),
    )
    assert possible(settled).decision is Decision.ALLOW


def test_resource_policy_and_boundary_with_free_keys() -> None:
    bucket = compile_policy(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": USER},
                    "Action": "s3:GetObject",
                    "Resource": "arn:aws:s3:::data/*",
                    "Condition": {"StringEquals": {"aws:SourceVpce": "vpce-1"}},
                },
                {
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "s3:*",
                    "Resource": "arn:aws:s3:::data/*",
                    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                },
            ],
        },
        label="bucket",
        kind=PolicyKind.RESOURCE,
    )
    req = Request(principal=USER, action="s3:GetObject", resource=OBJECT, resource_policy=bucket)
    witness = confirmed(possible(req), req)
    assert witness["aws:SourceVpce"] == "vpce-1"
    assert witness.get("aws:SecureTransport", "true").lower() != "false"


# --- Brute force: "never" is never wrong, "allowed" always has a witness --------------------------

IP_VALUES = ["10.0.0.1", "10.20.3.4", "192.0.2.1", "2001:db8::1", None]
PREFIX_VALUES = ["", "a", "a.b", "aXb", "home/alice/x", "b", None]
AGE_VALUES = ["0", "1.5", "1.55", "3600", "3601", None]
BOOL_VALUES = ["true", "false", "TRUE", None]
TAG_VALUES: list[Any] = [(), ("a",), ("b",), ("a", "b"), ("c",), ("a", "c"), None]

CONDITIONS = [
    {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}},
    {"NotIpAddress": {"aws:SourceIp": "10.20.0.0/16"}},
    {"IpAddressIfExists": {"aws:SourceIp": ["192.0.2.0/24", "2001:db8::/32"]}},
    {"StringLike": {"s3:prefix": ["a*", "home/${aws:username}/*"]}},
    {"StringNotEquals": {"s3:prefix": "a.b"}},
    {"StringEquals": {"s3:prefix": ["", "b"]}},
    {"Null": {"s3:prefix": "false"}},
    {"NumericLessThanEquals": {"aws:MultiFactorAuthAge": "3600"}},
    {"NumericGreaterThan": {"aws:MultiFactorAuthAge": "1.5"}},
    {"Bool": {"aws:SecureTransport": "true"}},
    {"BoolIfExists": {"aws:SecureTransport": "false"}},
    {"ForAllValues:StringEquals": {"aws:TagKeys": ["a", "b"]}},
    {"ForAnyValue:StringEquals": {"aws:TagKeys": ["c"]}},
    {"ForAnyValue:StringNotEquals": {"aws:TagKeys": ["a"]}},
    {"Null": {"aws:TagKeys": "true"}},
]
KEYS = {
    "aws:SourceIp": IP_VALUES,
    "s3:prefix": PREFIX_VALUES,
    "aws:MultiFactorAuthAge": AGE_VALUES,
    "aws:SecureTransport": BOOL_VALUES,
    "aws:TagKeys": TAG_VALUES,
}

statement_strategy = st.tuples(
    st.sampled_from(["Allow", "Allow", "Deny"]),
    st.lists(st.sampled_from(range(len(CONDITIONS))), min_size=0, max_size=3, unique=True),
)


def build(statements: list[tuple[str, list[int]]]) -> Request:
    docs = []
    for effect, picks in statements:
        condition: dict[str, Any] = {}
        for pick in picks:
            for operator, body in CONDITIONS[pick].items():
                condition.setdefault(operator, {}).update(body)
        statement: dict[str, Any] = {"Effect": effect, "Action": "s3:GetObject", "Resource": "*"}
        if condition:
            statement["Condition"] = condition
        docs.append(statement)
    return Request(principal=USER, action="s3:GetObject", resource=OBJECT, identity_policies=(policy(*docs),))


contexts = st.fixed_dictionaries({key: st.sampled_from(values) for key, values in KEYS.items()}).map(
    lambda d: {k: v for k, v in d.items() if v is not None}
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(statement_strategy, min_size=1, max_size=4), st.lists(contexts, min_size=1, max_size=25))
def test_possible_agrees_with_brute_force(statements: list[tuple[str, list[int]]], grid: list[dict[str, Any]]) -> None:
    req = build(statements)
    found = possible(req)
    concrete = [decide(dataclasses.replace(req, context=context)).decision for context in grid]
    if found.decision is Decision.ALLOW:
        confirmed(found, req)
    elif found.decision in (Decision.IMPLICIT_DENY, Decision.EXPLICIT_DENY):
        # No context allows: not one of the grid's.
        assert Decision.ALLOW not in concrete
    # The solver models every operator used here: it never gives up on them.
    assert found.decision is not Decision.INDETERMINATE
    if Decision.ALLOW in concrete:
        assert found.decision is Decision.ALLOW


# --- The engine's own solver and z3 agree on random formulas -------------------------------------

from enjoin.engine import regions, solver  # noqa: E402
from enjoin.engine.conditions import FOR_ALL, FOR_ANY, OPERATORS, PLAIN  # noqa: E402
from enjoin.engine.symbolic import Atom, Expr, s_and, s_not, s_or  # noqa: E402
from enjoin.engine.wildcard import Literal  # noqa: E402

ATOM_SHAPES: list[tuple[str, str, list[str]]] = [
    ("s3:prefix", "StringEquals", ["a", "a.b", ""]),
    ("s3:prefix", "StringLike", ["a*", "*b", "a?b", "*.*"]),
    ("s3:prefix", "StringNotLike", ["a*b*", "?"]),
    ("s3:prefix", "StringEqualsIgnoreCase", ["AB", "k"]),
    ("s3:prefix", "Null", ["true", "false"]),
    ("aws:SourceArn", "ArnLike", ["arn:aws:sns:*:1:t-?", "arn:aws:*:*:*:*"]),
    ("aws:SourceArn", "ArnNotEquals", ["arn:aws:sns:us-east-1:1:t-1"]),
    ("aws:SecureTransport", "Bool", ["true", "false"]),
    ("aws:MultiFactorAuthAge", "NumericLessThan", ["10", "1.5"]),
    ("aws:MultiFactorAuthAge", "NumericGreaterThanEquals", ["1.25", "3"]),
    ("aws:MultiFactorAuthAge", "NumericNotEquals", ["3"]),
    ("aws:CurrentTime", "DateGreaterThan", ["2024-01-01T00:00:00Z", "2030-01-01"]),
    ("aws:EpochTime", "DateLessThanEquals", ["1893456000", "1704067200"]),
    ("aws:SourceIp", "IpAddress", ["10.0.0.0/8", "10.20.0.0/16", "2001:db8::/32"]),
    ("aws:SourceIp", "NotIpAddress", ["10.20.30.0/24", "0.0.0.0/1"]),
    ("aws:TagKeys", "ForAllValues:StringLike", ["a*", "b"]),
    ("aws:TagKeys", "ForAnyValue:StringEquals", ["a", "c"]),
    ("aws:TagKeys", "ForAnyValue:StringNotEquals", ["a"]),
    ("aws:TagKeys", "Null", ["false"]),
]


@st.composite
def atoms(draw: st.DrawFn) -> Atom:
    key, operator, pool = draw(st.sampled_from(ATOM_SHAPES))
    if_exists = operator not in ("Null",) and "ForA" not in operator and draw(st.booleans())
    base = operator.split(":")[-1]
    qualifier = FOR_ALL if operator.startswith("ForAll") else FOR_ANY if operator.startswith("ForAny") else PLAIN
    spec = OPERATORS[base]
    values = draw(st.lists(st.sampled_from(pool), min_size=1, max_size=2, unique=True))
    return Atom(
        key=key.lower(),
        key_name=key,
        operator=operator + ("IfExists" if if_exists else ""),
        family=spec.family,
        compare=spec.compare,
        negated=spec.negated,
        qualifier=qualifier,
        if_exists=if_exists,
        values=tuple((v,) for v in values) if spec.family != "null" else (),
        null_wants=frozenset(v == "true" for v in values) if spec.family == "null" else frozenset(),
    )


formulas: st.SearchStrategy[Expr] = st.recursive(
    atoms(),
    lambda children: st.one_of(
        st.lists(children, min_size=2, max_size=3).map(lambda xs: s_and(*xs)),
        st.lists(children, min_size=2, max_size=3).map(lambda xs: s_or(*xs)),
        children.map(s_not),
    ),
    max_leaves=6,
)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(formulas, formulas)
def test_own_solver_agrees_with_z3(allow: Expr, deny: Expr) -> None:
    final = s_and(s_not(deny), allow)
    ours = regions.solve(final, allow)
    theirs = solver.solve(final, allow)
    assert ours is not None, "every atom here is within the own solver's reach"
    assert (ours.status, ours.note if ours.status == "deny" else "") == (
        theirs.status,
        theirs.note if theirs.status == "deny" else "",
    )
    _ = Literal  # the resolved values of these atoms are plain text


def test_z3_fallback_witnesses_are_confirmed(monkeypatch: pytest.MonkeyPatch) -> None:
    """With the own solver out of the way, z3 answers the same and its witnesses are confirmed too."""
    # The package exports the function possible(), which hides the module of the same name.
    possible_module = importlib.import_module("enjoin.engine.possible")

    requests = [
        request(
            allow_if({"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}),
            deny_if({"NotIpAddress": {"aws:SourceIp": ["10.20.0.0/16"]}}),
        ),
        request(allow_if({"StringLike": {"s3:prefix": "a.b*"}, "StringNotEquals": {"s3:prefix": "a.b"}})),
        request(
            allow_if(
                {
                    "ForAnyValue:StringLike": {"aws:TagKeys": "team-*"},
                    "NumericLessThan": {"aws:MultiFactorAuthAge": "1.5"},
                }
            )
        ),
        request(
            allow_if(
                {
                    "DateGreaterThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"},
                    "DateLessThan": {"aws:EpochTime": "1861920000"},
                }
            )
        ),
        request(
            allow_if({"Bool": {"aws:SecureTransport": "true"}}),
            deny_if({"Bool": {"aws:SecureTransport": "true"}}),
        ),
    ]
    own = [possible(r).decision for r in requests]
    monkeypatch.setattr(possible_module, "solve_exactly", lambda final, allow_part: None)
    with_z3 = [possible(r) for r in requests]
    assert (
        [p.decision for p in with_z3]
        == own
        == [
            Decision.ALLOW,
            Decision.ALLOW,
            Decision.ALLOW,
            Decision.IMPLICIT_DENY,
            Decision.EXPLICIT_DENY,
        ]
    )
    for found, req in zip(with_z3, requests, strict=True):
        if found.decision is Decision.ALLOW:
            confirmed(found, req)


def test_a_key_given_as_none_is_held_absent() -> None:
    needs_vpce = allow_if({"StringEquals": {"aws:SourceVpce": "vpce-1"}})
    assert possible(request(needs_vpce, context={"aws:SourceVpce": None})).decision is Decision.IMPLICIT_DENY
    free = request(needs_vpce)
    assert confirmed(possible(free), free) == {"aws:SourceVpce": "vpce-1"}
    absent_ok = allow_if({"Null": {"aws:SourceVpce": "true"}})
    held = request(absent_ok, context={"aws:SourceVpce": None})
    found = possible(held)
    assert found.decision is Decision.ALLOW and found.witness == {}
    assert decide(held).decision is Decision.ALLOW


@pytest.mark.parametrize("solver_name", ["own", "z3"])
def test_boolean_keys_take_only_true_or_false(monkeypatch: pytest.MonkeyPatch, solver_name: str) -> None:
    """aws:MultiFactorAuthPresent is "true", "false" or absent in a real request: a deny of all
    three leaves no context (a witness such as "" would be a value AWS never sends), and an allow
    of anything but "true" is witnessed by "false" or by the key's absence."""
    if solver_name == "z3":
        possible_module = importlib.import_module("enjoin.engine.possible")
        monkeypatch.setattr(possible_module, "solve_exactly", lambda final, allow_part: None)
    key = "aws:MultiFactorAuthPresent"
    every_way_denied = request(
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
        deny_if({"Bool": {key: "true"}}),
        deny_if({"Bool": {key: "false"}}),
        deny_if({"Null": {key: "true"}}),
    )
    assert possible(every_way_denied).decision is Decision.EXPLICIT_DENY
    not_true = request(allow_if({"StringNotEquals": {key: "true"}}), deny_if({"Null": {key: "true"}}))
    assert confirmed(possible(not_true), not_true)[key] == "false"
    secure = request(
        allow_if({"StringNotLike": {"aws:SecureTransport": ["t*"]}}), deny_if({"Null": {"aws:SecureTransport": "true"}})
    )
    assert confirmed(possible(secure), secure)["aws:SecureTransport"] == "false"


@pytest.mark.parametrize("solver_name", ["own", "z3"])
def test_keys_aws_always_sends_are_never_absent_in_a_witness(monkeypatch: pytest.MonkeyPatch, solver_name: str) -> None:
    """aws:CurrentTime (and aws:EpochTime, the same instant) and aws:SecureTransport are always in
    the request context (AWS global condition context keys, Availability): an allow that needs one
    of them missing is never allowed, a deny on its presence always applies, and an ...IfExists
    allow needs a value that passes. A key AWS may leave out (aws:SourceIp) may still be absent."""
    if solver_name == "z3":
        possible_module = importlib.import_module("enjoin.engine.possible")
        monkeypatch.setattr(possible_module, "solve_exactly", lambda final, allow_part: None)
    for key in ("aws:CurrentTime", "aws:EpochTime", "aws:SecureTransport"):
        assert possible(request(allow_if({"Null": {key: "true"}}))).decision is Decision.IMPLICIT_DENY, key
        everything = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}
        present_denied = request(everything, deny_if({"Null": {key: "false"}}))
        assert possible(present_denied).decision is Decision.EXPLICIT_DENY, key
    before = request(allow_if({"DateLessThanIfExists": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}}))
    witness = confirmed(possible(before), before)
    assert str(witness["aws:CurrentTime"]) < "2020"
    no_ip = request(allow_if({"Null": {"aws:SourceIp": "true"}}))
    assert "aws:SourceIp" not in confirmed(possible(no_ip), no_ip)
    # The first try gives the keys a condition tests a fixed value (TLS, the order's date); when
    # that does not allow, the search finds one that does.
    tls = request(allow_if({"Bool": {"aws:SecureTransport": "true"}}))
    assert confirmed(possible(tls), tls)["aws:SecureTransport"] == "true"
    plain = request(allow_if({"Bool": {"aws:SecureTransport": "false"}}))
    assert confirmed(possible(plain), plain)["aws:SecureTransport"] == "false"
    epoch = request(allow_if({"NumericLessThan": {"aws:EpochTime": "1000"}}))
    assert int(str(confirmed(possible(epoch), epoch)["aws:EpochTime"])) < 1000
    # An instant given as aws:CurrentTime only: aws:EpochTime is the same instant, not a free key.
    late = request(
        allow_if({"DateGreaterThan": {"aws:EpochTime": "2030-01-01T00:00:00Z"}}),
        context={"aws:CurrentTime": "2026-03-01T00:00:00Z"},
    )
    assert possible(late).decision is not Decision.ALLOW


def test_never_allowed_is_certain_even_when_the_kind_of_deny_is_not() -> None:
    """A certain explicit deny with an allow on an unreadable condition: INDETERMINATE (explicit or
    implicit cannot be told) but never allowed; an allow that an unreadable deny may block is not."""
    odd = {"StringEqualsFancy": {"aws:RequestedRegion": "us-east-1"}}
    everything = {"Effect": "Deny", "Action": "s3:GetObject", "Resource": "*"}
    either = possible(request(allow_if(odd), everything))
    assert (either.decision, either.never_allowed) == (Decision.INDETERMINATE, True)
    maybe = possible(request({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}, deny_if(odd)))
    assert (maybe.decision, maybe.never_allowed) == (Decision.INDETERMINATE, False)
    assert possible(request(everything)).never_allowed is True
    assert possible(request(allow_if({"Bool": {"aws:SecureTransport": "true"}}))).never_allowed is False
    assert possible(request()).never_allowed is True
