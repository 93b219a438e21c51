"""The compiled core of the concrete decision (``enjoin.engine._fast``) against the reference.

``enjoin.engine.decide`` is the compiled core when it is built; the Python reference
(``evaluate.decide_reference``) is the specification it is held to. The core either answers with a
Result EQUAL to the reference's (decision, every explanation sentence, the statements that allowed
or denied), or hands the request over (``decide_core`` returns None), which it must do whenever
anything evaluates to UNKNOWN. These tests check both on the conformance corpus and on generated
workloads, and the core's wildcard matcher against the reference's on random patterns.
"""

from __future__ import annotations

import dataclasses
import os
import sys
import types
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from enjoin.engine import Decision, PolicyKind, Request, compile_policy, evaluate
from enjoin.engine.evaluate import decide_reference
from enjoin.engine.wildcard import Literal, compile_glob

sys.path.insert(0, str(Path(__file__).parent))

from gen import PolicyCache, scenarios, to_request
from test_corpus import CASES, build_request

PURE = bool(os.environ.get("ENJOIN_PURE_PYTHON"))

if not PURE:
    from enjoin.engine import _fast


def test_the_core_is_built_and_used() -> None:
    """A build that lost the compiled module must fail here, not run silently slower."""
    if PURE:
        assert evaluate.decide is decide_reference
        return
    assert evaluate.CORE is not None
    assert evaluate.decide is _fast.decide


pytestmark_core = pytest.mark.skipif(PURE, reason="ENJOIN_PURE_PYTHON is set: the core is not loaded")

CONCRETE = [c for c in CASES if not c.any_context and c.expect != "ERROR" and not c.case_format_error]


@pytestmark_core
def test_core_equals_reference_on_the_corpus() -> None:
    """Every concrete corpus case: the core's Result is the reference's, or the core hands it over."""
    answered = []
    handed_over = []
    for case in CONCRETE:
        request = build_request(case)
        reference = decide_reference(request)
        core = _fast.decide_core(request)
        if core is None:
            handed_over.append((case.id, reference.decision))
            continue
        assert core == reference, case.id
        assert core.decision is not Decision.INDETERMINATE, case.id
        answered.append(case.id)
    # The core answers the bulk of the corpus itself; what it hands over includes every
    # INDETERMINATE case (it never answers one).
    assert len(answered) > 0.7 * len(CONCRETE)
    indeterminate = {c.id for c in CONCRETE if decide_reference(build_request(c)).decision is Decision.INDETERMINATE}
    assert indeterminate <= {name for name, _ in handed_over}


@pytestmark_core
def test_core_equals_reference_on_generated_cases() -> None:
    """3,000 generated scenarios (the differential generator: wildcards, NotAction, NotResource,
    conditions of every family, boundaries, session policies, SCPs, resource policies), each with
    its own context and again with an empty one."""
    cache = PolicyCache()
    answered = 0
    total = 0
    for scenario in scenarios(20261123, 3000):
        for context in (None, {}):
            request = to_request(scenario, cache, context)
            total += 1
            reference = decide_reference(request)
            core = _fast.decide_core(request)
            if core is None:
                continue
            answered += 1
            assert core == reference, (scenario, context)
    assert answered > 0.8 * total


@pytestmark_core
def test_the_core_hands_over_what_it_cannot_decide_two_valued() -> None:
    """A condition on an unknown value (aws:userid of a role without principal_id) is UNKNOWN: the
    core hands the request over and ``decide`` gives the reference's INDETERMINATE."""
    request = _userid_request()
    assert _fast.decide_core(request) is None
    assert evaluate.decide(request) == decide_reference(request)
    assert evaluate.decide(request).decision is Decision.INDETERMINATE
    known = dataclasses.replace(request, principal_id="AROAEXAMPLEID1234567:alice")
    assert _fast.decide_core(known) == decide_reference(known)
    assert decide_reference(known).decision is Decision.ALLOW


def _userid_request() -> Request:
    """An allow conditioned on aws:userid, asked by a role whose session (so userid) is unknown."""
    policy = compile_policy(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "s3:GetObject",
                    "Resource": "*",
                    "Condition": {"StringLike": {"aws:userid": "AROA*:alice"}},
                }
            ],
        },
        label="userid",
        kind=PolicyKind.IDENTITY,
    )
    return Request(
        principal="arn:aws:iam::111111111111:role/Analyst",
        action="s3:GetObject",
        resource="arn:aws:s3:::b/k",
        identity_policies=(policy,),
    )


@pytestmark_core
def test_allowed_by_names_each_statement_reference_once() -> None:
    """Two statements whose references are equal (the same label, index, Sid and effect: a policy
    attached as identity policy and as boundary under one name) are named once, as the reference's
    ``dict.fromkeys`` does; different ones each once, in the reference's order."""
    document = {
        "Version": "2012-10-17",
        "Statement": [{"Sid": "Read", "Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
    }
    same_identity = compile_policy(document, label="shared", kind=PolicyKind.IDENTITY)
    same_boundary = compile_policy(document, label="shared", kind=PolicyKind.BOUNDARY)
    other_boundary = compile_policy(document, label="other", kind=PolicyKind.BOUNDARY)
    for boundary, named in ((same_boundary, 1), (other_boundary, 2)):
        request = Request(
            principal="arn:aws:iam::111111111111:user/u",
            action="s3:GetObject",
            resource="arn:aws:s3:::b/k",
            identity_policies=(same_identity,),
            permissions_boundary=boundary,
        )
        core = _fast.decide_core(request)
        assert core is not None and core == decide_reference(request)
        assert core.decision is Decision.ALLOW and len(core.allowed_by) == named


@pytestmark_core
@pytest.mark.parametrize("mapping", [dict, types.MappingProxyType])
@pytest.mark.parametrize(
    ("context", "expected"),
    [
        ({"aws:SourceIp": "10.0.0.1"}, "ALLOW"),
        ({"AWS:SOURCEIP": "10.0.0.1"}, "ALLOW"),
        ({"aws:SourceIp": "10.0.0.1", "aws:sourceip": "192.0.2.1"}, "IMPLICIT_DENY"),  # the last wins
        ({"aws:sourceip": "192.0.2.1", "aws:SourceIp": "10.0.0.1"}, "ALLOW"),
        ({"aws:SourceIpX": "10.0.0.1"}, "IMPLICIT_DENY"),
        ({}, "IMPLICIT_DENY"),
    ],
)
def test_context_keys_are_found_whatever_their_case(mapping: Any, context: dict[str, str], expected: str) -> None:
    """Context keys are case-insensitive: the core reads the context in place, finding the key as
    the reference's lower-cased dict would (of two spellings, the later one)."""
    request = _one_statement(
        _allow({"Resource": "*", "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}}),
        resource="arn:aws:s3:::b/k",
        context=mapping(context),
    )
    core = _fast.decide_core(request)
    assert core is not None and core == decide_reference(request)
    assert core.decision.value == expected


# --------------------------------------------------------------------------- policy variables

# Templates with policy variables whose keys are present, absent, multivalued or unknown, with and
# without defaults, and the special variables; the keys and operators below make every outcome of
# the reference's ``variables.resolve`` reachable: a value, an invalid statement, an unknown one.
VARIABLE_TEXTS = st.sampled_from(
    [
        "home/${aws:username}/*",
        "${aws:username}",
        "${aws:username, 'nobody'}*",
        "${aws:PrincipalTag/team}-*",
        "${aws:PrincipalTag/missing, 'none'}",
        "${aws:PrincipalTag/missing}",
        "${aws:userid}",
        "team-${aws:RequestTag/project}",
        "${aws:TagKeys}",
        "a${*}b${?}${$}",
        "literal",
        "*",
    ]
)
VARIABLE_OPERATORS = st.sampled_from(
    [
        ("StringLike", "s3:prefix"),
        ("StringEquals", "s3:prefix"),
        ("StringNotLike", "s3:prefix"),
        ("StringEqualsIgnoreCase", "s3:prefix"),
        ("StringLikeIfExists", "s3:delimiter"),
        ("ForAnyValue:StringLike", "aws:TagKeys"),
        ("ForAllValues:StringEquals", "aws:TagKeys"),
        ("StringEquals", "aws:PrincipalTag/team"),
        ("ArnLike", "aws:SourceArn"),
    ]
)


@st.composite
def variable_statements(draw: Any) -> dict[str, Any]:
    statement: dict[str, Any] = {"Effect": draw(st.sampled_from(["Allow", "Allow", "Deny"])), "Action": "s3:*"}
    resource = draw(st.one_of(st.just("*"), VARIABLE_TEXTS.map(lambda t: f"arn:aws:s3:::b/{t}")))
    statement["NotResource" if draw(st.booleans()) and resource != "*" else "Resource"] = resource
    conditions: dict[str, dict[str, Any]] = {}
    for operator, key in draw(st.lists(VARIABLE_OPERATORS, max_size=3, unique=True)):
        values = draw(st.lists(VARIABLE_TEXTS, min_size=1, max_size=2))
        if operator == "ArnLike":
            values = [f"arn:aws:sns:*:111111111111:{v}" for v in values] + draw(
                st.sampled_from([[], ["x:${aws:username}"]])
            )
        conditions.setdefault(operator, {})[key] = values
    if conditions:
        statement["Condition"] = conditions
    return statement


VARIABLE_CONTEXTS = st.fixed_dictionaries(
    {},
    optional={
        "s3:prefix": st.sampled_from(
            ["home/alice/x", "alice", "home/bob/", "ops-1", "literal", "a*b?$", "HOME/ALICE/x"]
        ),
        "aws:RequestTag/project": st.sampled_from(["x", "ops"]),
        "aws:TagKeys": st.sampled_from([[], ["team"], ["team", "owner"], ["alice"]]),
        "aws:SourceArn": st.sampled_from(
            ["arn:aws:sns:us-east-1:111111111111:alice", "arn:aws:sns:us-east-1:111111111111:literal"]
        ),
    },
)


@pytestmark_core
@settings(max_examples=700, deadline=None)
@given(
    st.lists(variable_statements(), min_size=1, max_size=3),
    st.sampled_from(["arn:aws:iam::111111111111:user/alice", "arn:aws:iam::111111111111:role/ops"]),
    st.sampled_from([None, "AIDAEXAMPLE1", "AROAEXAMPLE2:ops"]),
    st.sampled_from([{}, {"team": "ops"}, {"Team": "alice"}]),
    VARIABLE_CONTEXTS,
    st.sampled_from(
        ["arn:aws:s3:::b/home/alice/x", "arn:aws:s3:::b/alice", "arn:aws:s3:::b/ops-1", "arn:aws:s3:::b/a*b?$"]
    ),
)
def test_policy_variables_in_the_core_equal_the_reference(
    statements: list[dict[str, Any]],
    principal: str,
    principal_id: str | None,
    tags: dict[str, str],
    context: dict[str, Any],
    resource: str,
) -> None:
    """Variables in condition values and in Resource/NotResource are resolved by the core as the
    reference resolves them: a present key, a default, an absent key (the statement is invalid), a
    multivalued or unknown key (the outcome is unknown, so the core hands the request over)."""
    policy = compile_policy({"Version": "2012-10-17", "Statement": statements}, label="vars", kind=PolicyKind.IDENTITY)
    request = Request(
        principal=principal,
        action="s3:GetObject",
        resource=resource,
        identity_policies=(policy,),
        principal_id=principal_id,
        principal_tags=tags,
        context={k: tuple(v) if isinstance(v, list) else v for k, v in context.items()},
    )
    reference = decide_reference(request)
    core = _fast.decide_core(request)
    if core is not None:
        assert core == reference
    assert evaluate.decide(request) == reference


def _one_statement(statement: dict[str, Any], **fields: Any) -> Request:
    policy = compile_policy({"Version": "2012-10-17", "Statement": [statement]}, label="vars", kind=PolicyKind.IDENTITY)
    fields.setdefault("principal", "arn:aws:iam::111111111111:user/alice")
    fields.setdefault("action", "s3:GetObject")
    return Request(identity_policies=(policy,), **fields)


def _allow(where: dict[str, Any]) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": "s3:GetObject", **where}


@pytestmark_core
@pytest.mark.parametrize(
    ("statement", "fields", "expected"),
    [
        # The variable's value: the user's name, in Resource and in a condition.
        (
            _allow({"Resource": "arn:aws:s3:::b/home/${aws:username}/*"}),
            {"resource": "arn:aws:s3:::b/home/alice/x"},
            "ALLOW",
        ),
        (
            _allow({"Resource": "arn:aws:s3:::b/home/${aws:username}/*"}),
            {"resource": "arn:aws:s3:::b/home/bob/x"},
            "IMPLICIT_DENY",
        ),
        (
            _allow({"NotResource": "arn:aws:s3:::b/home/${aws:username}/*"}),
            {"resource": "arn:aws:s3:::b/home/bob/x"},
            "ALLOW",
        ),
        (
            _allow({"Resource": "*", "Condition": {"StringLike": {"s3:prefix": "home/${aws:username}/*"}}}),
            {"resource": "arn:aws:s3:::b", "context": {"s3:prefix": "home/alice/docs"}},
            "ALLOW",
        ),
        # StringEquals compares literally: its * is a character, not a wildcard.
        (
            _allow({"Resource": "*", "Condition": {"StringEquals": {"s3:prefix": "home/${aws:username}/*"}}}),
            {"resource": "arn:aws:s3:::b", "context": {"s3:prefix": "home/alice/docs"}},
            "IMPLICIT_DENY",
        ),
        (
            _allow({"Resource": "*", "Condition": {"StringEquals": {"s3:prefix": "home/${aws:username}/*"}}}),
            {"resource": "arn:aws:s3:::b", "context": {"s3:prefix": "home/alice/*"}},
            "ALLOW",
        ),
        # Operators the core leaves to the reference's matcher, with the variables' texts put in.
        (
            _allow({"Resource": "*", "Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:sns:*:*:${aws:username}"}}}),
            {"resource": "arn:aws:s3:::b", "context": {"aws:SourceArn": "arn:aws:sns:us-east-1:111111111111:alice"}},
            "ALLOW",
        ),
        (
            _allow({"Resource": "*", "Condition": {"StringEqualsIgnoreCase": {"s3:prefix": "home/${aws:username}"}}}),
            {"resource": "arn:aws:s3:::b", "context": {"s3:prefix": "HOME/ALICE"}},
            "ALLOW",
        ),
        # A role has no aws:username: the statement is invalid, unless the variable has a default.
        (
            _allow({"Resource": "arn:aws:s3:::b/home/${aws:username}/*"}),
            {"principal": "arn:aws:iam::111111111111:role/ops", "resource": "arn:aws:s3:::b/home/ops/x"},
            "IMPLICIT_DENY",
        ),
        (
            {
                "Effect": "Deny",
                "Action": "s3:*",
                "Resource": "*",
                "Condition": {"StringNotEquals": {"s3:prefix": "${aws:username}"}},
            },
            {
                "principal": "arn:aws:iam::111111111111:role/ops",
                "resource": "arn:aws:s3:::b",
                "context": {"s3:prefix": "x"},
            },
            "IMPLICIT_DENY",
        ),
        (
            _allow({"Resource": "arn:aws:s3:::b/home/${aws:username, 'shared'}/*"}),
            {"principal": "arn:aws:iam::111111111111:role/ops", "resource": "arn:aws:s3:::b/home/shared/x"},
            "ALLOW",
        ),
        # A value is matched literally: a * in a tag is not a wildcard; ${*} is a literal *.
        (
            _allow({"Resource": "arn:aws:s3:::b/${aws:PrincipalTag/team}"}),
            {"resource": "arn:aws:s3:::b/anything", "principal_tags": {"team": "*"}},
            "IMPLICIT_DENY",
        ),
        (_allow({"Resource": "arn:aws:s3:::b/a${*}"}), {"resource": "arn:aws:s3:::b/a*"}, "ALLOW"),
        (_allow({"Resource": "arn:aws:s3:::b/a${*}"}), {"resource": "arn:aws:s3:::b/ab"}, "IMPLICIT_DENY"),
        # ...IfExists on an absent key is true without resolving the variables.
        (
            _allow({"Resource": "*", "Condition": {"StringEqualsIfExists": {"s3:prefix": "${aws:PrincipalTag/none}"}}}),
            {"resource": "arn:aws:s3:::b"},
            "ALLOW",
        ),
        # A single-valued multivalued key stands for its value.
        (
            _allow({"Resource": "*", "Condition": {"StringEquals": {"s3:prefix": "${aws:TagKeys}"}}}),
            {"resource": "arn:aws:s3:::b", "context": {"s3:prefix": "team", "aws:TagKeys": ("team",)}},
            "ALLOW",
        ),
    ],
)
def test_the_core_resolves_policy_variables_itself(
    statement: dict[str, Any], fields: dict[str, Any], expected: str
) -> None:
    """Each outcome of resolving a variable, answered by the core (not handed over), as the reference."""
    request = _one_statement(statement, **fields)
    core = _fast.decide_core(request)
    assert core is not None
    assert core == decide_reference(request)
    assert core.decision.value == expected


@pytestmark_core
@settings(max_examples=400, deadline=None)
@given(
    st.sampled_from(
        [
            "arn:aws:iam::111111111111:user/alice",
            "arn:aws:iam::111111111111:user/eng/bob",
            "arn:aws:iam::222222222222:role/ops",
            "arn:aws:sts::222222222222:assumed-role/ops/session-1",
        ]
    ),
    st.sampled_from([None, "AIDAEXAMPLE1", "AROAEXAMPLE2", "AROAEXAMPLE2:session-1"]),
    st.dictionaries(
        st.sampled_from(["team", "Team", "TEAM", "cost-center"]), st.sampled_from(["x", "Y", ""]), max_size=3
    ),
    st.dictionaries(st.sampled_from(["env", "Env", "owner"]), st.sampled_from(["prod", "p"]), max_size=2),
    st.sampled_from([None, "", "o-abc123"]),
    st.sampled_from([(), ("o-abc123/r-1/ou-1/",), ("o-a/r-1/", "o-a/r-1/ou-2/")]),
    st.sampled_from(["kms:decrypt", "s3:getobject", "kmsx:thing"]),
    st.sampled_from(["111111111111", "333333333333"]),
    st.dictionaries(
        st.sampled_from(
            [
                "aws:userid",
                "AWS:UserId",
                "aws:PrincipalOrgID",
                "aws:PrincipalOrgPaths",
                "aws:PrincipalTag/team",
                "aws:PrincipalTag/owner",
                "aws:PrincipalArn",
                "aws:ResourceTag/env",
                "aws:PrincipalType",
            ]
        ),
        st.sampled_from(
            [
                None,
                "AROAEXAMPLE2:session-1",
                "o-given",
                ("o-given/r-1/",),
                "arn:aws:iam::222222222222:role/path/ops",
                "arn:aws:iam::111111111111:user/alice",
            ]
        ),
        max_size=4,
    ),
)
def test_the_core_derives_the_keys_the_reference_derives(
    principal: str,
    principal_id: str | None,
    tags: dict[str, str],
    resource_tags: dict[str, str],
    org_id: str | None,
    org_paths: tuple[str, ...],
    action_lower: str,
    resource_account: str,
    context: dict[str, Any],
) -> None:
    """The core computes each derived key alone: every key ``context.derive`` gives has the same
    value (and type), and a key it does not give is absent; a principal key the case leaves open
    is read from the context alike."""
    from enjoin.engine.arn import parse_caller
    from enjoin.engine.context import derive

    request = Request(
        principal=principal,
        action=action_lower,
        resource="*",
        principal_id=principal_id,
        principal_tags=tags,
        resource_tags=resource_tags,
        principal_org_id=org_id,
        principal_org_paths=org_paths,
        context=context,
    )
    caller = parse_caller(principal, principal_id)
    if isinstance(caller, str):
        return
    expected = derive(request, caller, action_lower, resource_account)
    absent = [
        "aws:principaltag/absent",
        "aws:principaltag/team",
        "aws:principaltag/owner",
        "aws:resourcetag/absent",
        "aws:sourceip",
        "aws:principalservicename",
    ]
    for key in [*expected, *absent]:
        got = _fast.derived_value(request, caller, action_lower, resource_account, key)
        assert got == expected.get(key) and type(got) is type(expected.get(key)), key


# --------------------------------------------------------------------------- the wildcard matcher

ALPHABET = "ab.:/*?é"
texts = st.text(alphabet="ab.:/é", max_size=8)
patterns = st.lists(
    st.one_of(st.text(alphabet=ALPHABET, max_size=6), st.builds(Literal, st.text(alphabet=ALPHABET, max_size=3))),
    min_size=1,
    max_size=3,
).map(tuple)


@pytestmark_core
@settings(max_examples=600, deadline=None)
@given(patterns, texts)
def test_core_glob_equals_the_reference_glob(pattern: tuple[str | Literal, ...], value: str) -> None:
    """Escape first, then translate: the core's matcher agrees with ``wildcard.compile_glob``."""
    assert _fast.Patterns([pattern]).matches(value) is compile_glob(pattern)(value)


@pytestmark_core
@settings(max_examples=300, deadline=None)
@given(st.lists(patterns, min_size=1, max_size=4), texts)
def test_core_pattern_lists_match_when_any_pattern_does(
    pattern_list: list[tuple[str | Literal, ...]], value: str
) -> None:
    assert _fast.Patterns(pattern_list).matches(value) is any(compile_glob(p)(value) for p in pattern_list)


def test_decide_many_answers_each_request_in_order() -> None:
    """A batch is decided grouped by principal, but each result is the one ``decide`` gives, in the
    input's order (principals interleaved; a request the core hands over included)."""
    from enjoin.engine import decide_many

    cache = PolicyCache()
    requests = [to_request(s, cache) for s in scenarios(7, 400)]
    requests.insert(17, _userid_request())
    assert len({r.principal for r in requests}) > 1
    expected = [decide_reference(r) for r in requests]
    assert expected[17].decision is Decision.INDETERMINATE
    assert decide_many(requests) == expected
    assert decide_many(iter(requests)) == expected
    assert decide_many([]) == []


@pytestmark_core
def test_literal_prefixes_and_suffixes_in_place() -> None:
    """Resources that are one literal prefix are compared in the policy's own buffer; with
    NotResource, with text beyond one byte a character on either side, and shorter values."""
    resources = [
        ("Resource", "arn:aws:s3:::data/*"),
        ("NotResource", "arn:aws:s3:::data/*"),
        ("Resource", "arn:aws:s3:::*.csv"),
        ("NotResource", "arn:aws:s3:::*.csv"),
        ("Resource", "arn:aws:s3:::dätä/*"),
        ("Resource", "arn:aws:s3:::ルート/*"),
        ("Resource", ["arn:aws:s3:::data/*", "arn:aws:s3:::*.parquet"]),
        ("Resource", ["arn:aws:s3:::data/*", "arn:aws:s3:::other/*"]),
    ]
    statements = [
        {"Sid": f"S{i}", "Effect": "Allow", "Action": "s3:GetObject", key: value}
        for i, (key, value) in enumerate(resources)
    ]
    policy = compile_policy({"Version": "2012-10-17", "Statement": statements}, label="fixed", kind=PolicyKind.IDENTITY)
    values = [
        "arn:aws:s3:::data/x.csv",
        "arn:aws:s3:::data/",
        "arn:aws:s3:::dat",
        "arn:aws:s3:::x.csv",
        "arn:aws:s3:::.csv",
        "arn:aws:s3",
        "arn:aws:s3:::dätä/k",
        "arn:aws:s3:::ルート/k.csv",
        "arn:aws:s3:::other/k.parquet",
        "arn:aws:s3:::data/ルート",
    ]
    for resource in values:
        for index in range(len(statements)):
            single = compile_policy(
                {"Version": "2012-10-17", "Statement": [statements[index]]}, label=f"s{index}", kind=PolicyKind.IDENTITY
            )
            request = Request(
                principal="arn:aws:iam::111111111111:user/u",
                action="s3:GetObject",
                resource=resource,
                identity_policies=(single,),
            )
            assert _fast.decide_core(request) == decide_reference(request), (resource, statements[index])
        request = Request(
            principal="arn:aws:iam::111111111111:user/u",
            action="s3:GetObject",
            resource=resource,
            identity_policies=(policy,),
        )
        core = _fast.decide_core(request)
        assert core == decide_reference(request), resource
        assert core is not None


@pytestmark_core
def test_covering_equals_the_generated_scanner() -> None:
    """``Policy.covering`` (the core) names the same statements as ``Policy.scan`` (the reference's
    generated scanner), for every policy of 1,000 generated scenarios and a spread of requests."""
    cache = PolicyCache()
    requests = [to_request(s, cache) for s in scenarios(99, 1000)]
    pairs = sorted({(r.action.lower(), r.resource) for r in requests})
    policies = {p for r in requests for p in (*r.identity_policies, r.permissions_boundary, r.resource_policy) if p}
    compared = 0
    for policy in policies:
        for action, resource in pairs[:: max(1, len(pairs) // 40)]:
            assert tuple(policy.covering(action, resource)) == tuple(policy.scan(action, resource)), policy
            compared += 1
    assert compared > 1000


@pytestmark_core
def test_a_policy_of_more_than_64_statements() -> None:
    """Past 64 statements the core lists statements instead of masking them: the same answers."""
    statements = [
        {
            "Sid": f"S{i}",
            "Effect": "Allow",
            "Action": f"s3:Get{'*' if i % 3 else 'Object'}",
            "Resource": f"arn:aws:s3:::b{i}/*",
        }
        for i in range(70)
    ] + [{"Sid": "Late", "Effect": "Deny", "NotAction": "s3:List*", "Resource": "arn:aws:s3:::b69/secret*"}]
    policy = compile_policy({"Version": "2012-10-17", "Statement": statements}, label="long", kind=PolicyKind.IDENTITY)
    answered = []
    for action in ("s3:GetObject", "s3:GetObjectTagging", "s3:ListBucket", "ec2:StartInstances"):
        for resource in (
            "arn:aws:s3:::b0/k",
            "arn:aws:s3:::b68/k",
            "arn:aws:s3:::b69/secret.csv",
            "arn:aws:s3:::b70/k",
        ):
            request = Request(
                principal="arn:aws:iam::111111111111:user/u",
                action=action,
                resource=resource,
                identity_policies=(policy,),
            )
            core = _fast.decide_core(request)
            assert core == decide_reference(request), (action, resource)
            answered.append(core.decision if core else None)
    assert {Decision.ALLOW, Decision.EXPLICIT_DENY, Decision.IMPLICIT_DENY} <= set(answered)


@pytestmark_core
def test_a_core_result_writes_its_explanation_when_first_read() -> None:
    """The core's results defer their sentences (``model.DeferredResult``): unwritten until read, then
    the reference's words exactly; equal, hashed and pickled as the plain Result; still frozen."""
    import pickle

    from enjoin.engine.model import DeferredResult, Result

    policy = compile_policy(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Sid": "Read", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"},
                {"Sid": "NoSecrets", "Effect": "Deny", "Action": "s3:*", "Resource": "arn:aws:s3:::b/secret/*"},
            ],
        },
        label="reader",
        kind=PolicyKind.IDENTITY,
    )
    decisions = set()
    for action, key in (("s3:GetObject", "open"), ("s3:GetObject", "secret/x"), ("s3:PutObject", "open")):
        request = Request(
            principal="arn:aws:iam::111111111111:user/u",
            action=action,
            resource=f"arn:aws:s3:::b/{key}",
            identity_policies=(policy,),
        )
        core = _fast.decide_core(request)
        reference = decide_reference(request)
        assert type(core) is DeferredResult and type(reference) is Result
        assert core._writer is not None  # nothing written yet
        decisions.add(core.decision)
        assert core.explanation == reference.explanation and core.explanation[0].startswith(core.decision.value)
        assert core._writer is None
        assert core == reference and reference == core and hash(core) == hash(reference)
        assert pickle.loads(pickle.dumps(core)) == reference
        with pytest.raises(dataclasses.FrozenInstanceError):
            core.explanation = ()  # type: ignore[misc]
    assert decisions == {Decision.ALLOW, Decision.EXPLICIT_DENY, Decision.IMPLICIT_DENY}


@pytestmark_core
def test_results_leave_nothing_for_the_garbage_collector() -> None:
    """A batch keeps every result it answers: the core's results and their tuples of references are
    left out of the collector's generations (nothing in them can close a cycle), and a result no
    longer holds the request's lower-cased context. The results are unchanged."""
    import gc
    import tracemalloc

    cache = PolicyCache()
    requests = [to_request(s, cache) for s in scenarios(11, 400)]
    requests = [r for r in requests if _fast.decide_core(r) is not None]
    assert len(requests) > 300 and all(r.context for r in requests)
    _fast.decide_many(requests)  # what a first sight keeps (memos, callers, matchers) is not counted
    gc.collect()
    gc.disable()
    tracemalloc.start()
    try:
        tracked = len(gc.get_objects())
        held = tracemalloc.get_traced_memory()[0]
        results = _fast.decide_many(requests)
        held = (tracemalloc.get_traced_memory()[0] - held) / len(results)
        tracked = len(gc.get_objects()) - tracked
    finally:
        tracemalloc.stop()
        gc.enable()
    assert tracked < len(results) // 20, f"{tracked} objects tracked for {len(results)} results"
    assert gc.is_tracked(results)  # the batch's list is the caller's: tracked as any other
    # About 250 bytes a result (the result, its writer, its tuples); when results kept their whole
    # run and the lower-cased context, about 670.
    assert held < 400, f"{held:.0f} bytes held a result"
    assert {Decision.ALLOW, Decision.EXPLICIT_DENY, Decision.IMPLICIT_DENY} <= {r.decision for r in results}
    for request, result in zip(requests, results, strict=True):
        assert not gc.is_tracked(result)
        assert not gc.is_tracked(result.allowed_by) and not gc.is_tracked(result.denied_by)
        assert result == decide_reference(request)


@pytestmark_core
def test_resource_answers_found_by_index_equal_the_patterns() -> None:
    """A resource's memo is filled from the indexes of exact ARNs, literal prefixes and the literal
    heads of wildcard patterns when it is made, and lists compiled after that are tested when first
    asked: every combination of Resource and NotResource, exact, prefix, "*" and glob, asked before
    and after, answers as the reference."""
    resources = [f"arn:aws:s3:::idx-{b}/{k}" for b in ("a", "ab", "b") for k in ("x", "dir/y", "")]
    shapes = [
        "arn:aws:s3:::idx-a/x",
        "arn:aws:s3:::idx-a*",
        "arn:aws:s3:::idx-a/*",
        "arn:aws:s3:::idx-*",
        "*",
        ["arn:aws:s3:::idx-b/x", "arn:aws:s3:::idx-ab/*"],
        ["arn:aws:s3:::idx-zz", "*"],
        "arn:aws:s3:::idx-?/x",
        "arn:aws:s3:::*/dir/*",
        # Wildcards inside, after a literal head long enough to be indexed (tested when a memo is made).
        "arn:aws:s3:::idx-ab/d?r/*",
        "arn:aws:s3:::idx-ab/?",
        ["arn:aws:s3:::idx-a/x", "arn:aws:s3:::idx-ab/di?/y"],
        ["arn:aws:s3:::idx-ab/?", "arn:aws:s3:::*/y"],
    ]

    def policy(index: int, shape: object, key: str) -> Any:
        document = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", key: shape}]}
        return compile_policy(document, label=f"idx{index}{key}", kind=PolicyKind.IDENTITY)

    def check(policies: list[Any]) -> int:
        allowed = 0
        for resource in resources:
            for compiled in policies:
                request = Request(
                    principal="arn:aws:iam::111111111111:user/u",
                    action="s3:GetObject",
                    resource=resource,
                    identity_policies=(compiled,),
                )
                core = _fast.decide_core(request)
                assert core is not None and core == decide_reference(request), (resource, compiled.label)
                allowed += core.decision is Decision.ALLOW
        return allowed

    early = [policy(i, shape, key) for i, shape in enumerate(shapes) for key in ("Resource", "NotResource")]
    first = check(early)  # makes the resources' memos
    # The same shapes as new lists (an extra ARN no resource has): numbered after the memos were made.
    later = [[*(shape if isinstance(shape, list) else [shape]), "arn:aws:s3:::idx-none"] for shape in shapes]
    late = [policy(i + 100, shape, key) for i, shape in enumerate(later) for key in ("NotResource", "Resource")]
    second = check(late)
    assert 0 < first < len(early) * len(resources) and 0 < second < len(late) * len(resources)


@pytestmark_core
def test_the_core_reads_only_requests_of_the_request_class_in_place() -> None:
    """The core reads Request's slots at their offsets; a request of any other class (a subclass
    could make an attribute a property) is handed to the reference whole."""
    import dataclasses

    class Subclass(Request):
        __slots__ = ()

    policy = compile_policy(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]},
        label="get",
        kind=PolicyKind.IDENTITY,
    )
    plain = Request(
        principal="arn:aws:iam::111111111111:user/u",
        action="s3:GetObject",
        resource="arn:aws:s3:::b/k",
        identity_policies=(policy,),
    )
    assert _fast.decide_core(plain).decision is Decision.ALLOW
    other = Subclass(**{f.name: getattr(plain, f.name) for f in dataclasses.fields(plain)})
    assert _fast.decide_core(other) is None
    assert evaluate.decide(other) == decide_reference(other) == decide_reference(plain)


_IP_BLOCKS = ["10.0.0.0/8", "10.1.2.3/32", "192.0.2.0/24", "0.0.0.0/0", "203.0.113.7", "2001:db8::/32", "172.16.0.0/12"]
_IP_POLICIES = {
    (operator, blocks): compile_policy(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "s3:GetObject",
                    "Resource": "*",
                    "Condition": {operator: {"aws:SourceIp": list(blocks)}},
                }
            ],
        },
        label=f"{operator} {blocks}",
        kind=PolicyKind.IDENTITY,
    )
    for operator in ("IpAddress", "NotIpAddress", "IpAddressIfExists")
    for blocks in (tuple(_IP_BLOCKS[:2]), tuple(_IP_BLOCKS[2:4]), tuple(_IP_BLOCKS[4:]), ("10.0.0.0/8",))
}
_octet = st.one_of(st.integers(0, 300).map(str), st.sampled_from(["00", "01", "007", "", "1a", " 1", "255", "256"]))
_ip_text = st.one_of(
    st.tuples(_octet, _octet, _octet, _octet).map(".".join),
    st.lists(_octet, min_size=1, max_size=6).map(".".join),
    st.sampled_from(["2001:db8::1", "::ffff:10.0.0.1", "10.0.0.1/8", "", "10.0.0.1 ", "\u0661\u0660.0.0.1"]),
)


@pytestmark_core
@settings(max_examples=400, deadline=None)
@given(value=_ip_text)
def test_ipv4_addresses_in_c_equal_the_reference(value: str) -> None:
    """IpAddress in C (IPv4 values written as ``ipaddress`` accepts them; anything else goes to the
    reference's matcher): the same decision as the reference for well-formed and malformed values."""
    for policy in _IP_POLICIES.values():
        request = Request(
            principal="arn:aws:iam::111111111111:user/u",
            action="s3:GetObject",
            resource="arn:aws:s3:::b/k",
            identity_policies=(policy,),
            context={"aws:SourceIp": value},
        )
        assert evaluate.decide(request) == decide_reference(request), (value, policy.label)


@pytestmark_core
def test_once_a_layer_allows_its_later_allow_statements_are_not_evaluated() -> None:
    """After an Allow statement applies, the core skips the layer's later Allow statements (OR is
    TRUE whatever they are; the first is already known): even one the engine cannot evaluate leaves
    the answer decided, as the reference decides it. Deny statements are still all evaluated, and
    an unknown Allow before the first that applies still hands the request over."""
    known = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}
    unknown = {
        "Effect": "Allow",
        "Action": "s3:GetObject",
        "Resource": "*",
        "Condition": {"NoSuchOperator": {"aws:SourceIp": "10.0.0.0/8"}},
    }
    deny = {
        "Effect": "Deny",
        "Action": "s3:*",
        "Resource": "*",
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }

    def request(statements: list[dict[str, object]], tls: str) -> Request:
        document = {"Version": "2012-10-17", "Statement": statements}
        policy = compile_policy(document, label="p", kind=PolicyKind.IDENTITY)
        return Request(
            principal="arn:aws:iam::111111111111:user/u",
            action="s3:GetObject",
            resource="arn:aws:s3:::b/k",
            identity_policies=(policy,),
            context={"aws:SecureTransport": tls},
        )

    after = request([known, unknown], "true")
    assert _fast.decide_core(after) == decide_reference(after)
    assert decide_reference(after).decision is Decision.ALLOW
    denied = request([known, unknown, deny], "false")
    assert _fast.decide_core(denied) == decide_reference(denied)
    assert decide_reference(denied).decision is Decision.EXPLICIT_DENY
    before = request([unknown, known], "true")
    assert _fast.decide_core(before) is None
    assert evaluate.decide(before) == decide_reference(before)
    # A deny that applies settles the identity layer too: an unknown Allow after it is moot...
    settled = request([deny, unknown], "false")
    assert _fast.decide_core(settled) == decide_reference(settled)
    assert decide_reference(settled).decision is Decision.EXPLICIT_DENY
    # ...but not in an RCP, whose deny does not count for a service RCPs do not govern (EC2).
    policy = compile_policy({"Version": "2012-10-17", "Statement": [known | {"Action": "ec2:*"}]}, label="id")
    rcp = compile_policy(
        {
            "Version": "2012-10-17",
            "Statement": [
                deny | {"Action": "ec2:*", "Principal": "*"},
                unknown | {"Action": "ec2:*", "Principal": "*"},
            ],
        },
        label="rcp",
        kind=PolicyKind.RCP,
    )
    outside = Request(
        principal="arn:aws:iam::111111111111:user/u",
        action="ec2:StartInstances",
        resource="arn:aws:ec2:us-east-1:111111111111:instance/i-1",
        identity_policies=(policy,),
        rcps=((rcp,),),
        context={"aws:SecureTransport": "false"},
    )
    assert _fast.decide_core(outside) is None
    assert evaluate.decide(outside) == decide_reference(outside)
