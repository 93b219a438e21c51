"""Property tests of the wildcard matchers: actions, resources, StringLike and the ARN operators."""

from __future__ import annotations

import functools
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from enjoin.engine import Decision, PolicyKind, Request, compile_policy, decide
from enjoin.engine.wildcard import GlobSet, Literal, arn_regex_source, compile_arn_pattern, compile_glob
from enjoin.errors import PolicyError

ALPHABET = "ab.:/*?-X"
patterns = st.text(alphabet=ALPHABET, max_size=8)
values = st.text(alphabet="ab.:/-Xc*?", max_size=10)


def reference_glob(pattern: str, value: str) -> bool:
    """A reference matcher written independently: dynamic programming over the pattern."""

    @functools.cache
    def match(i: int, j: int) -> bool:
        if i == len(pattern):
            return j == len(value)
        ch = pattern[i]
        if ch == "*":
            return match(i + 1, j) or (j < len(value) and match(i, j + 1))
        if j == len(value):
            return False
        if ch == "?":
            return match(i + 1, j + 1)
        return ch == value[j] and match(i + 1, j + 1)

    return match(0, 0)


@given(patterns, values)
def test_glob_equals_reference(pattern: str, value: str) -> None:
    assert compile_glob(pattern)(value) == reference_glob(pattern, value)


@given(st.lists(patterns, max_size=4), values)
def test_globset_is_any_of_its_patterns(pattern_list: list[str], value: str) -> None:
    assert GlobSet(pattern_list).match(value) == any(reference_glob(p, value) for p in pattern_list)


@given(st.text(alphabet="ab.", min_size=1, max_size=6), st.data())
def test_a_dot_matches_only_a_dot(pattern: str, data: st.DataObject) -> None:
    # Replace every '.' of the pattern by another character: the matcher must refuse it.
    if "." not in pattern:
        return
    other = data.draw(st.sampled_from("abXy-"))
    value = pattern.replace(".", other)
    assert compile_glob(pattern)(pattern)
    assert not compile_glob(pattern)(value)


def test_escaping_regex_metacharacters() -> None:
    for pattern in ["a+b", "a(b)", "[ab]", "a|b", "a^b$", "a\\b", "a{2}"]:
        assert compile_glob(pattern)(pattern)
        assert not compile_glob(pattern)("aab" if pattern != "a{2}" else "aa")


def test_literal_pieces_are_not_wildcards() -> None:
    matcher = compile_glob(("arn:aws:s3:::b/", Literal("*"), "/x*"))
    assert matcher("arn:aws:s3:::b/*/xyz")
    assert not matcher("arn:aws:s3:::b/anything/xyz")


def reference_arn(pattern: str, value: str) -> bool:
    """Component by component, as the ARN operators are documented."""
    pattern_parts = pattern.split(":", 5)
    value_parts = value.split(":", 5)
    if len(pattern_parts) != 6 or len(value_parts) != 6:
        return False
    return all(reference_glob(p, v) for p, v in zip(pattern_parts, value_parts, strict=True))


arn_components = st.text(alphabet="ab*?-", max_size=3)
arn_values = st.text(alphabet="ab-:", max_size=3)


@given(st.lists(arn_components, min_size=6, max_size=6), st.lists(arn_values, min_size=6, max_size=6))
def test_arn_matcher_is_componentwise(pattern_parts: list[str], value_parts: list[str]) -> None:
    # Only the last component of a value may hold colons.
    value_parts = [p.replace(":", "") for p in value_parts[:5]] + [value_parts[5]]
    pattern = ":".join(pattern_parts)
    value = ":".join(value_parts)
    matcher = compile_arn_pattern(pattern)
    assert matcher is not None
    assert matcher(value) == reference_arn(pattern, value)


def test_arn_wildcard_does_not_cross_a_component() -> None:
    matcher = compile_arn_pattern("arn:aws:iam::*:role/Admin")
    assert matcher is not None
    assert matcher("arn:aws:iam::111122223333:role/Admin")
    # A whole-string glob would let '*' swallow "111122223333:extra"; the ARN operators do not.
    assert not matcher("arn:aws:iam::111122223333:extra:role/Admin")
    assert compile_arn_pattern("*") is None
    assert arn_regex_source("arn:aws:s3:::my.bucket") == re.escape("arn:aws:s3:::my.bucket")


ACCOUNT = "111122223333"
USER = f"arn:aws:iam::{ACCOUNT}:user/alice"


def _decide(action_patterns: list[str], resources: list[str], action: str, resource: str) -> Decision:
    policy = compile_policy(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": action_patterns, "Resource": resources}],
        },
        label="p",
        kind=PolicyKind.IDENTITY,
    )
    return decide(
        Request(principal=USER, action=action, resource=resource, identity_policies=(policy,))
    ).decision


@settings(max_examples=60)
@given(st.sampled_from(["s3:GetObject", "S3:getobject", "s3:GETOBJECT", "S3:Get*", "s3:g?tobject"]))
def test_actions_match_case_insensitively(pattern: str) -> None:
    assert _decide([pattern], ["*"], "s3:GetObject", "arn:aws:s3:::b/k") is Decision.ALLOW
    assert _decide([pattern], ["*"], "S3:GETOBJECT", "arn:aws:s3:::b/k") is Decision.ALLOW


def test_resources_match_case_sensitively_and_dots_literally() -> None:
    assert (
        _decide(["s3:*"], ["arn:aws:s3:::My.Bucket/*"], "s3:GetObject", "arn:aws:s3:::My.Bucket/k")
        is Decision.ALLOW
    )
    assert (
        _decide(["s3:*"], ["arn:aws:s3:::My.Bucket/*"], "s3:GetObject", "arn:aws:s3:::my.bucket/k")
        is Decision.IMPLICIT_DENY
    )
    assert (
        _decide(["s3:*"], ["arn:aws:s3:::My.Bucket/*"], "s3:GetObject", "arn:aws:s3:::MyXBucket/k")
        is Decision.IMPLICIT_DENY
    )


def test_service_prefix_must_match_in_full() -> None:
    assert _decide(["s3:Get*"], ["*"], "s3control:GetJob", "*") is Decision.IMPLICIT_DENY
    assert _decide(["s3*:*"], ["*"], "s3control:GetJob", "*") is Decision.ALLOW
    with pytest.raises(PolicyError, match=r"Statement\[0\]\.Action: expected '\*' or 'service:action'"):
        _decide(["s3*"], ["*"], "s3control:GetJob", "*")
    assert _decide(["*"], ["*"], "ec2:DescribeInstances", "*") is Decision.ALLOW
    # KMS is the exception: without a key policy nothing grants kms:* (see test_evaluate).
    assert _decide(["*"], ["*"], "kms:Decrypt", "*") is Decision.IMPLICIT_DENY


def test_partitions_and_regions_are_literal_components() -> None:
    resource = "arn:aws-us-gov:dynamodb:us-gov-west-1:111122223333:table/T"
    assert _decide(["dynamodb:*"], ["arn:aws:dynamodb:*:*:table/T"], "dynamodb:GetItem", resource) is (
        Decision.IMPLICIT_DENY
    )
    assert _decide(["dynamodb:*"], ["arn:aws-us-gov:dynamodb:*:*:table/T"], "dynamodb:GetItem", resource) is (
        Decision.ALLOW
    )
    assert _decide(
        ["dynamodb:*"], ["arn:aws-us-gov:dynamodb:us-gov-east-1:*:table/T"], "dynamodb:GetItem", resource
    ) is (Decision.IMPLICIT_DENY)


# --- The generated per-policy scanner equals matching statement by statement ----------------------

action_patterns = st.sampled_from(
    ["*", "s3:*", "s3:get*", "s3:getobject", "s3:g?tobject", "sqs:*", "*:getobject", "s3:*tag*"]
)
resource_patterns = st.sampled_from(
    [
        "*",
        "arn:aws:s3:::b/*",
        "arn:aws:s3:::b.c/*",
        "arn:aws:s3:::b?c/k",
        "arn:aws:s3:::*/k",
        "arn:aws:s3:::b/k",
        "arn:aws:*:*:*:*",
    ]
)
statements = st.fixed_dictionaries(
    {
        "effect": st.sampled_from(["Allow", "Deny"]),
        "not_action": st.booleans(),
        "actions": st.lists(action_patterns, min_size=1, max_size=3),
        "resource": st.sampled_from(["Resource", "NotResource", None]),
        "resources": st.lists(resource_patterns, min_size=1, max_size=3),
    }
)
requests = st.tuples(
    st.sampled_from(
        ["s3:GetObject", "s3:PutObjectTagging", "sqs:SendMessage", "S3:GETOBJECT", "ec2:RunInstances"]
    ),
    st.sampled_from(
        ["arn:aws:s3:::b/k", "arn:aws:s3:::b.c/x", "arn:aws:s3:::bxc/k", "arn:aws:sqs:us-east-1:1:q", "*"]
    ),
)


@settings(max_examples=300)
@given(st.lists(statements, min_size=1, max_size=6), requests)
def test_generated_scanner_equals_statement_by_statement(
    raw: list[dict[str, Any]], request: tuple[str, str]
) -> None:
    docs = []
    for item in raw:
        statement: dict[str, Any] = {"Effect": item["effect"], "Principal": "*"}
        statement["NotAction" if item["not_action"] else "Action"] = item["actions"]
        if item["resource"] is not None:
            statement[item["resource"]] = item["resources"]
        docs.append(statement)
    policy = compile_policy({"Version": "2012-10-17", "Statement": docs}, label="p", kind=PolicyKind.RESOURCE)
    action, resource = request
    expected = []
    for index, item in enumerate(raw):
        names = any(reference_glob(p, action.lower()) for p in item["actions"]) != item["not_action"]
        covers = True
        if item["resource"] is not None:
            covers = any(reference_glob(p, resource) for p in item["resources"]) != (
                item["resource"] == "NotResource"
            )
        if names and covers:
            expected.append(index)
    assert policy.scan(action.lower(), resource) == expected
