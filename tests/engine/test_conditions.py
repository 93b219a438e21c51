"""Property tests of the condition operators against Python's own comparisons, and their laws:
missing keys, ...IfExists, ForAllValues/ForAnyValue, negation, Null, several values and keys."""

from __future__ import annotations

import datetime as dt
import ipaddress
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from enjoin.engine import Decision, PolicyKind, Request, compile_policy, decide
from enjoin.engine.conditions import OPERATORS, UNKNOWN_VALUE, Condition, scalar_text
from enjoin.engine.truth import FALSE, TRUE, UNKNOWN
from enjoin.engine.values import equals_ignoring_case, format_date

KEY = "test:Key"


def evaluate(operator: str, values: list[object], value: object) -> int:
    """Evaluate one condition with the key bound to ``value`` (None: absent). Policy values are JSON
    scalars, read as IAM reads them (booleans as "true"/"false")."""
    texts = tuple(scalar_text(v) or "" for v in values)
    condition = Condition(operator, KEY, texts, variables=True)
    return condition.evaluate(lambda key: value if key == KEY.lower() else None)


# --- IP addresses -------------------------------------------------------------------------------

ipv4 = st.integers(0, 2**32 - 1).map(lambda n: str(ipaddress.IPv4Address(n)))
ipv6 = st.integers(0, 2**128 - 1).map(lambda n: str(ipaddress.IPv6Address(n)))
net4 = st.tuples(st.integers(0, 2**32 - 1), st.integers(0, 32)).map(
    lambda t: str(ipaddress.IPv4Network((t[0], t[1]), strict=False))
)
net6 = st.tuples(st.integers(0, 2**128 - 1), st.integers(0, 128)).map(
    lambda t: str(ipaddress.IPv6Network((t[0], t[1]), strict=False))
)


@given(st.one_of(ipv4, ipv6), st.lists(st.one_of(net4, net6), min_size=1, max_size=3))
def test_ip_address_matches_ipaddress_module(address: str, networks: list[str]) -> None:
    parsed = ipaddress.ip_address(address)
    inside = any(
        parsed.version == ipaddress.ip_network(n).version and parsed in ipaddress.ip_network(n)
        for n in networks
    )
    assert evaluate("IpAddress", networks, address) == (TRUE if inside else FALSE)
    assert evaluate("NotIpAddress", networks, address) == (FALSE if inside else TRUE)


@given(ipv4.filter(lambda a: not a.startswith("10.")))
def test_ip_prefix_boundaries(address: str) -> None:
    assert evaluate("IpAddress", ["10.0.0.0/8"], "10.255.255.255") == TRUE
    assert evaluate("IpAddress", ["10.0.0.0/8"], address) == FALSE
    assert evaluate("IpAddress", ["203.0.113.7"], "203.0.113.7") == TRUE  # a bare address is a /32
    assert evaluate("IpAddress", ["0.0.0.0/0"], address) == TRUE
    assert evaluate("IpAddress", ["::/0"], address) == FALSE  # IPv4 is never in an IPv6 range


def test_ip_unreadable_values() -> None:
    assert evaluate("IpAddress", ["10.0.0.0/8"], "not-an-ip") == UNKNOWN
    assert Condition("IpAddress", KEY, ("10.0.0.0/33",), variables=True).unsupported is not None


# --- Numbers ------------------------------------------------------------------------------------

decimals = st.decimals(
    min_value=-(10**6), max_value=10**6, places=3, allow_nan=False, allow_infinity=False
).map(str)
NUMERIC = {
    "NumericEquals": lambda a, b: a == b,
    "NumericNotEquals": lambda a, b: a != b,
    "NumericLessThan": lambda a, b: a < b,
    "NumericLessThanEquals": lambda a, b: a <= b,
    "NumericGreaterThan": lambda a, b: a > b,
    "NumericGreaterThanEquals": lambda a, b: a >= b,
}


@given(st.sampled_from(sorted(NUMERIC)), st.lists(decimals, min_size=1, max_size=3), decimals)
def test_numeric_operators_match_python(operator: str, policy: list[str], value: str) -> None:
    compare = NUMERIC[operator]
    actual = Fraction(value)
    expected = (
        all(compare(actual, Fraction(p)) for p in policy)
        if operator == "NumericNotEquals"
        else any(compare(actual, Fraction(p)) for p in policy)
    )
    assert evaluate(operator, policy, value) == (TRUE if expected else FALSE)


def test_numeric_exactness() -> None:
    assert evaluate("NumericEquals", ["1.10"], "1.1") == TRUE
    assert evaluate("NumericLessThan", ["0.3"], "0.29999999999999999") == TRUE
    assert evaluate("NumericEquals", ["1"], "one") == UNKNOWN


# --- Dates --------------------------------------------------------------------------------------

moments = st.datetimes(min_value=dt.datetime(1971, 1, 1), max_value=dt.datetime(2200, 1, 1)).map(
    lambda d: d.replace(microsecond=0, tzinfo=dt.UTC)
)
DATES = {
    "DateEquals": lambda a, b: a == b,
    "DateNotEquals": lambda a, b: a != b,
    "DateLessThan": lambda a, b: a < b,
    "DateLessThanEquals": lambda a, b: a <= b,
    "DateGreaterThan": lambda a, b: a > b,
    "DateGreaterThanEquals": lambda a, b: a >= b,
}


@given(st.sampled_from(sorted(DATES)), moments, moments, st.booleans(), st.booleans())
def test_date_operators_match_datetime(
    operator: str, policy: dt.datetime, value: dt.datetime, policy_epoch: bool, value_epoch: bool
) -> None:
    def text(moment: dt.datetime, epoch: bool) -> str:
        return str(int(moment.timestamp())) if epoch else moment.strftime("%Y-%m-%dT%H:%M:%SZ")

    expected = DATES[operator](value, policy)
    assert evaluate(operator, [text(policy, policy_epoch)], text(value, value_epoch)) == (
        TRUE if expected else FALSE
    )


def test_date_forms() -> None:
    assert evaluate("DateEquals", ["2024-01-31"], "2024-01-31T00:00:00Z") == TRUE
    assert evaluate("DateEquals", ["2024-01-31T01:00:00+01:00"], "2024-01-31T00:00:00Z") == TRUE
    assert evaluate("DateLessThan", ["2024-01-31T00:00:00Z"], "1706659199") == TRUE
    assert format_date(1706659200 * 10**6) == "2024-01-31T00:00:00Z"
    assert evaluate("DateLessThan", ["2024-01-31"], "yesterday") == UNKNOWN


# --- Strings, Bool, Binary, ARNs -----------------------------------------------------------------

texts = st.text(alphabet="aAbB.*?Kk\u212a", max_size=5)


@given(st.lists(texts, min_size=1, max_size=3), texts)
def test_string_equals_is_exact_and_ignorecase_is_per_character(policy: list[str], value: str) -> None:
    assert evaluate("StringEquals", policy, value) == (TRUE if value in policy else FALSE)
    assert evaluate("StringNotEquals", policy, value) == (FALSE if value in policy else TRUE)
    folded = any(
        len(p) == len(value)
        and all(a.lower() == b.lower() or a.upper() == b.upper() for a, b in zip(p, value, strict=True))
        for p in policy
    )
    assert evaluate("StringEqualsIgnoreCase", policy, value) == (TRUE if folded else FALSE)
    assert evaluate("StringNotEqualsIgnoreCase", policy, value) == (FALSE if folded else TRUE)


def test_ignore_case_examples() -> None:
    assert equals_ignoring_case("ADMIN", "admin")
    assert equals_ignoring_case("\u212a", "k")  # KELVIN SIGN lower-cases to k, as in Java
    assert not equals_ignoring_case("stra\u00dfe", "STRASSE")  # no multi-character folding


def test_string_like_wildcards_and_string_equals_literal_star() -> None:
    assert evaluate("StringLike", ["home/*/doc?.txt"], "home/alice/doc1.txt") == TRUE
    assert evaluate("StringLike", ["home/*/doc?.txt"], "home/alice/doc12.txt") == FALSE
    assert evaluate("StringEquals", ["home/*"], "home/alice") == FALSE
    assert evaluate("StringEquals", ["home/*"], "home/*") == TRUE


@given(st.sampled_from(["true", "TRUE", "True", "false", "FALSE", "yes", ""]))
def test_bool_ignores_ascii_case(value: str) -> None:
    assert evaluate("Bool", ["true"], value) == (TRUE if value.lower() == "true" else FALSE)
    assert evaluate("Bool", [True], value) == (TRUE if value.lower() == "true" else FALSE)


def test_binary_and_arn_operators() -> None:
    assert evaluate("BinaryEquals", ["QmluYXJ5VmFsdWU="], "QmluYXJ5VmFsdWU=") == TRUE
    assert evaluate("BinaryEquals", ["QmluYXJ5VmFsdWU="], "qmluyxj5vmfsdwu=") == FALSE
    role = "arn:aws:iam::111122223333:role/Admin"
    assert evaluate("ArnEquals", ["arn:aws:iam::*:role/Admin"], role) == TRUE
    assert evaluate("ArnLike", ["arn:aws:iam::111122223333:role/*"], role) == TRUE
    assert evaluate("ArnNotLike", ["arn:aws:iam::111122223333:role/*"], role) == FALSE
    assert evaluate("ArnLike", ["arn:aws:iam::111122223333:role/admin"], role) == FALSE  # case-sensitive
    assert evaluate("ArnLike", ["arn:aws:iam::111122223333:role/*"], "not-an-arn") == FALSE
    assert evaluate("ArnLike", ["*"], role) == UNKNOWN  # not an ARN pattern: undocumented


# --- Laws: missing keys, IfExists, set operators, Null, unknown operators ------------------------

BASE_OPERATORS = sorted(name for name, spec in OPERATORS.items() if spec.family != "null")
SAMPLE_VALUES = {
    "string": ("x", "x"),
    "ignorecase": ("x", "X"),
    "like": ("x*", "xy"),
    "numeric": ("5", "5"),
    "date": ("2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z"),
    "bool": ("true", "true"),
    "binary": ("eA==", "eA=="),
    "ip": ("10.0.0.0/8", "10.1.2.3"),
    "arn": ("arn:aws:s3:::b", "arn:aws:s3:::b"),
}


@pytest.mark.parametrize("operator", BASE_OPERATORS)
def test_missing_key_laws(operator: str) -> None:
    spec = OPERATORS[operator]
    policy_value, _ = SAMPLE_VALUES[spec.family]
    # "If the key that you specify in a policy condition is not present in the request context, the
    # values do not match and the condition is false. If the policy condition requires that the key
    # is not matched [...] the condition is true."
    assert evaluate(operator, [policy_value], None) == (TRUE if spec.negated else FALSE)
    assert evaluate(operator + "IfExists", [policy_value], None) == TRUE
    assert evaluate("ForAllValues:" + operator, [policy_value], None) == TRUE
    assert evaluate("ForAllValues:" + operator, [policy_value], ()) == TRUE
    assert evaluate("ForAnyValue:" + operator, [policy_value], None) == FALSE
    assert evaluate("ForAnyValue:" + operator, [policy_value], ()) == FALSE


STRICT_SAMPLES = {
    "numeric": {"lt": "4", "gt": "6"},
    "date": {"lt": "2023-12-31T23:59:59Z", "gt": "2024-01-01T00:00:01Z"},
}


@pytest.mark.parametrize("operator", BASE_OPERATORS)
def test_present_key_laws(operator: str) -> None:
    spec = OPERATORS[operator]
    policy_value, request_value = SAMPLE_VALUES[spec.family]
    if spec.compare in ("lt", "gt"):
        # Strict comparisons: a request value on the right side of the policy value.
        request_value = STRICT_SAMPLES[spec.family][spec.compare]
    plain = evaluate(operator, [policy_value], request_value)
    # ...IfExists on a present key is the operator itself.
    assert evaluate(operator + "IfExists", [policy_value], request_value) == plain
    # A one-element set is the single value.
    assert evaluate("ForAllValues:" + operator, [policy_value], (request_value,)) == plain
    assert evaluate("ForAnyValue:" + operator, [policy_value], (request_value,)) == plain
    # The sample values match: the positive operators are true, the negated ones false.
    assert plain == (FALSE if spec.negated else TRUE)


@settings(max_examples=200)
@given(
    st.sampled_from(["StringEquals", "StringNotEquals", "StringLike", "StringNotLike"]),
    st.lists(st.sampled_from(["a", "b", "c*", "d"]), min_size=1, max_size=3),
    st.lists(st.sampled_from(["a", "b", "cc", "e"]), min_size=1, max_size=4),
)
def test_set_operators_are_all_and_any_of_members(
    operator: str, policy: list[str], members: list[str]
) -> None:
    single = [evaluate(operator, policy, m) for m in members]
    assert evaluate("ForAllValues:" + operator, policy, tuple(members)) == min(single)
    assert evaluate("ForAnyValue:" + operator, policy, tuple(members)) == max(single)
    if len(set(members)) > 1:
        # A plain operator on a multivalued key is undocumented: the engine does not guess.
        assert evaluate(operator, policy, tuple(members)) == UNKNOWN


@given(
    st.lists(st.sampled_from(["a", "b", "c"]), min_size=1, max_size=3), st.sampled_from(["a", "b", "c", "d"])
)
def test_several_values_or_and_negation_nor(policy: list[str], value: str) -> None:
    assert evaluate("StringEquals", policy, value) == (TRUE if value in policy else FALSE)
    assert evaluate("StringNotEquals", policy, value) == (TRUE if all(value != p for p in policy) else FALSE)


def test_null_operator() -> None:
    assert evaluate("Null", ["true"], None) == TRUE
    assert evaluate("Null", ["true"], "x") == FALSE
    assert evaluate("Null", ["false"], "x") == TRUE
    assert evaluate("Null", ["false"], None) == FALSE
    assert evaluate("Null", ["false"], ()) == FALSE
    assert evaluate("Null", [True], None) == TRUE


def test_unknown_operators_and_values_are_unknown_never_satisfied() -> None:
    for operator in ["StringEqualsAnyCase", "stringequals", "NullIfExists", "ForAllValues:Null", "IfExists"]:
        condition = Condition(operator, KEY, ("x",), variables=True)
        assert condition.evaluate(lambda _: "x") == UNKNOWN
        assert operator in (condition.unsupported or "")
    assert evaluate("StringEquals", ["x"], UNKNOWN_VALUE) == UNKNOWN


ACCOUNT = "111122223333"
USER = f"arn:aws:iam::{ACCOUNT}:user/alice"


def allowed(
    condition: dict[str, object], context: dict[str, object], *, version: str = "2012-10-17", **extra: object
) -> Decision:
    policy = compile_policy(
        {
            "Version": version,
            "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": condition}],
        },
        label="p",
        kind=PolicyKind.IDENTITY,
    )
    request = Request(
        principal=extra.pop("principal", USER),  # type: ignore[arg-type]
        action="s3:GetObject",
        resource="arn:aws:s3:::b/k",
        identity_policies=(policy,),
        context=context,  # type: ignore[arg-type]
        **extra,  # type: ignore[arg-type]
    )
    return decide(request).decision


def test_several_keys_and_operators_are_anded() -> None:
    condition = {
        "StringEquals": {"aws:RequestedRegion": "us-east-1", "s3:prefix": "a"},
        "Bool": {"aws:SecureTransport": "true"},
    }
    full = {"aws:RequestedRegion": "us-east-1", "s3:prefix": "a", "aws:SecureTransport": "true"}
    assert allowed(condition, full) is Decision.ALLOW
    for key in full:
        partial = {k: v for k, v in full.items() if k != key}
        assert allowed(condition, partial) is Decision.IMPLICIT_DENY


def test_condition_key_names_are_case_insensitive() -> None:
    assert allowed(
        {"StringEquals": {"AWS:REQUESTEDREGION": "us-east-1"}}, {"aws:requestedregion": "us-east-1"}
    ) is (Decision.ALLOW)
    # ...but values are case-sensitive.
    assert allowed(
        {"StringEquals": {"aws:RequestedRegion": "US-EAST-1"}}, {"aws:RequestedRegion": "us-east-1"}
    ) is (Decision.IMPLICIT_DENY)


def test_policy_variables() -> None:
    mine = {"StringLike": {"s3:prefix": "home/${aws:username}/*"}}
    assert allowed(mine, {"s3:prefix": "home/alice/x"}) is Decision.ALLOW
    assert allowed(mine, {"s3:prefix": "home/bob/x"}) is Decision.IMPLICIT_DENY
    # The 2008 version treats ${...} literally.
    assert allowed(mine, {"s3:prefix": "home/alice/x"}, version="2008-10-17") is Decision.IMPLICIT_DENY
    assert allowed(mine, {"s3:prefix": "home/${aws:username}/x"}, version="2008-10-17") is Decision.ALLOW
    # A role session has no aws:username: the statement is invalid (it does not apply).
    role = f"arn:aws:iam::{ACCOUNT}:role/R"
    assert allowed(mine, {"s3:prefix": "home/R/x"}, principal=role) is Decision.IMPLICIT_DENY
    # ...unless the variable has a default value.
    with_default = {"StringLike": {"s3:prefix": "home/${aws:username, 'nobody'}/*"}}
    assert allowed(with_default, {"s3:prefix": "home/nobody/x"}, principal=role) is Decision.ALLOW
    # Tags as variables, and the special variables ${*} ${?} ${$} stand for themselves literally.
    tagged = {"StringEquals": {"s3:prefix": "${aws:PrincipalTag/team}-${*}${?}${$}"}}
    assert allowed(tagged, {"s3:prefix": "blue-*?$"}, principal_tags={"team": "blue"}) is Decision.ALLOW
    like = {"StringLike": {"s3:prefix": "a${*}"}}
    assert allowed(like, {"s3:prefix": "a*"}) is Decision.ALLOW
    assert allowed(like, {"s3:prefix": "abc"}) is Decision.IMPLICIT_DENY
    # aws:userid is unknown unless the request gives principal_id: fail closed.
    ids = {"StringEquals": {"aws:userid": "AIDAEXAMPLE"}}
    assert allowed(ids, {}) is Decision.INDETERMINATE
    assert allowed(ids, {}, principal_id="AIDAEXAMPLE") is Decision.ALLOW


def test_policy_variables_in_resources() -> None:
    policy = compile_policy(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/${aws:username}/*"}
            ],
        },
        label="p",
    )

    def ask(resource: str) -> Decision:
        return decide(
            Request(principal=USER, action="s3:GetObject", resource=resource, identity_policies=(policy,))
        ).decision

    assert ask("arn:aws:s3:::b/alice/doc") is Decision.ALLOW
    assert ask("arn:aws:s3:::b/bob/doc") is Decision.IMPLICIT_DENY
