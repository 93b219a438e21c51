"""Policies compiled for one request (``compile_policy(..., scope=(action, resource))``), as
``enjoin decide`` compiles each case's: every statement is checked as before, only those that can
apply are compiled, and the answers (decision and explanation, compiled core and reference) are
those of the whole policies. The quick check of a plain statement reads what the full check reads.
"""

from __future__ import annotations

import copy
import json
import random
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import gen

from enjoin.cli.decide import build_request
from enjoin.engine import PolicyKind, compile_policy, decide
from enjoin.engine.evaluate import decide_reference
from enjoin.engine.policy import _checked_parts, _covers, _names, _plain_parts
from enjoin.engine.wildcard import compile_glob
from enjoin.errors import PolicyError

try:
    from enjoin.engine import _fast
except ImportError:  # the compiled core is not built: its scan has nothing to be held to
    _fast = None  # type: ignore[assignment]


def case_of(sc: gen.Scenario) -> dict[str, Any]:
    """The ``enjoin decide`` case of a generated scenario."""
    case: dict[str, Any] = {
        "principal": sc.principal,
        "action": sc.action,
        "resource": sc.resource,
        "identity_policies": list(sc.identity) + [d for g in sc.groups for d in g],
        "resource_account": sc.resource_account,
        "principal_id": sc.principal_id,
        "principal_tags": dict(sc.tags),
        "context": dict(sc.context),
        "permissions_boundary": sc.boundary,
        "session_policy": sc.session,
        "resource_policy": sc.resource_policy,
    }
    if sc.scps:
        case["scps"] = [list(level) for level in sc.scps]
    return json.loads(json.dumps(case))  # JSON data, as the command reads it


def test_scoped_policies_answer_as_whole_ones() -> None:
    for sc in gen.scenarios(41, 1500):
        case = case_of(sc)
        whole, scoped = build_request(case), build_request(case, scoped=True)
        for evaluate in (decide, decide_reference):
            a, b = evaluate(whole), evaluate(scoped)
            assert (a.decision, list(a.explanation)) == (b.decision, list(b.explanation)), case


def test_a_scoped_policy_keeps_only_what_can_apply_and_its_numbering() -> None:
    doc = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "*"},
            {"Sid": "Other", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/x"},
            {"Sid": "Read", "Effect": "Allow", "Action": "s3:Get*", "Resource": "arn:aws:s3:::b/*"},
            {"Effect": "Deny", "NotAction": "iam:*", "NotResource": "arn:aws:s3:::c/*"},
            {"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::${aws:username}/*"},
        ],
    }
    policy = compile_policy(doc, label="p", scope=("S3:GetObject", "arn:aws:s3:::b/y"))
    assert [(s.index, s.sid) for s in policy.statements] == [(2, "Read"), (3, None), (4, None)]
    assert policy != compile_policy(doc, label="p")


@pytest.mark.parametrize(
    "statement",
    [
        {"Effect": "Allow", "Action": "s3:GetObject"},  # no Resource
        {"Effect": "Allow", "Action": "s3:", "Resource": "*"},
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3"},
        {"Effect": "Permit", "Action": "s3:GetObject", "Resource": "*"},
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"Bool": {"k": {}}}},
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Principal": "*"},
    ],
)
def test_a_scoped_policy_still_checks_every_statement(statement: dict[str, Any]) -> None:
    doc = {"Version": "2012-10-17", "Statement": [statement]}
    with pytest.raises(PolicyError) as whole:
        compile_policy(doc, label="p")
    with pytest.raises(PolicyError) as scoped:
        compile_policy(doc, label="p", scope=("ec2:RunInstances", "arn:aws:ec2:us-east-1:1:instance/i"))
    assert str(scoped.value) == str(whole.value)


def _mutations(rng: random.Random, statement: dict[str, Any]) -> list[Any]:
    """The statement, and copies with one thing wrong or unusual."""
    out: list[Any] = [statement]
    odd: list[Any] = [None, True, 3, 2.5, [], {}, "", ["a"], ("s3:*",), "s3:", ":x", "*"]
    for key in ["Sid", "Effect", "Action", "NotAction", "Resource", "NotResource", "Condition", "Principal", "X"]:
        changed = copy.deepcopy(statement)
        changed[key] = rng.choice(odd)
        out.append(changed)
        dropped = copy.deepcopy(statement)
        dropped.pop(key, None)
        out.append(dropped)
    if "Condition" in statement:
        changed = copy.deepcopy(statement)
        operator = next(iter(changed["Condition"]))
        key = next(iter(changed["Condition"][operator]))
        changed["Condition"][operator][key] = rng.choice(odd)
        out.append(changed)
    out.append([statement])
    return out


def test_the_quick_check_reads_what_the_full_check_reads() -> None:
    rng = random.Random(5)
    seen = 0
    for sc in gen.scenarios(43, 300):
        for kind, doc in sc.policies():
            if kind == "resource":
                continue
            for raw in gen.statements(doc):
                for statement in _mutations(rng, raw):
                    quick = _plain_parts(statement) if statement.__class__ is dict else None
                    try:
                        full = _checked_parts(statement, 0, "p", PolicyKind.IDENTITY)
                    except PolicyError:
                        assert quick is None, statement
                        continue
                    assert quick is None or quick == full, statement
                    seen += quick is not None
    assert seen > 1000


def _comparable(parts: Any) -> Any:
    """Statement parts with the PrincipalSpec (compared by identity) replaced by what it holds."""
    spec = parts[6]
    if spec is None:
        return parts
    held = (spec.wildcard, spec.canonical, spec.accounts, spec.users, spec.roles, spec.sessions, spec.unique_ids)
    return (*parts[:6], held, *parts[7:])


def test_the_quick_check_of_resource_policies_reads_what_the_full_check_reads() -> None:
    """Resource policies' statements (Principal or NotPrincipal, Resource optional) take the quick check too:
    its parts are the full check's, and where the full check refuses, the quick one gives up."""
    rng = random.Random(7)
    seen = principals = 0
    odd_principals: list[Any] = [
        "*",
        {"AWS": "*"},
        {"AWS": ["111122223333", "arn:aws:iam::444455556666:role/path/R"]},
        {"AWS": "arn:aws:iam::111122223333:role/*"},
        {"AWS": "not-an-arn"},
        {"Service": "lambda.amazonaws.com"},
        {"CanonicalUser": "79a59df900b949e55d96a1e698fbaced"},
        {"Federated": ["cognito-identity.amazonaws.com"]},
        {"AWS": []},
        {"AWS": [3]},
        {"Bogus": "x"},
        {},
        ["*"],
        3,
    ]
    for sc in gen.scenarios(53, 300):
        for kind, doc in sc.policies():
            if kind != "resource":
                continue
            for raw in gen.statements(doc):
                variants = _mutations(rng, raw)
                for principal in odd_principals:
                    for key in ("Principal", "NotPrincipal"):
                        changed = {k: v for k, v in raw.items() if k not in ("Principal", "NotPrincipal")}
                        changed[key] = copy.deepcopy(principal)
                        variants.append(changed)
                both = copy.deepcopy(raw)
                both["NotPrincipal"] = "*"
                both["Principal"] = "*"
                variants.append(both)
                for statement in variants:
                    quick = _plain_parts(statement, principals=True) if statement.__class__ is dict else None
                    try:
                        full = _checked_parts(statement, 0, "p", PolicyKind.RESOURCE)
                    except PolicyError:
                        assert quick is None, statement
                        continue
                    assert quick is None or _comparable(quick) == _comparable(full), statement
                    seen += quick is not None
                    principals += quick is not None and quick[6] is not None
    assert seen > 1000 and principals == seen


def test_a_resource_policy_statement_shares_its_principals() -> None:
    def parts(effect: str, account: str, action: str) -> Any:
        statement = {"Effect": effect, "Principal": {"AWS": [account]}, "Action": action}
        return _plain_parts(statement, principals=True)

    first = parts("Allow", "111122223333", "s3:*")
    second = parts("Deny", "111122223333", "sqs:*")
    other = parts("Deny", "444455556666", "sqs:*")
    assert first is not None and second is not None and other is not None
    assert first[6] is second[6] and first[6] is not other[6]
    assert first[4] is None and first[5] == []  # no Resource: a trust policy's statement


def _reference_scan(
    statements: list[Any], action_lower: str, resource: str, variables: bool
) -> list[tuple[int, Any]] | None:
    """What ``policy._compile`` with a scope reads of plain statements, in Python."""
    found = []
    for index, raw in enumerate(statements):
        parts = _plain_parts(raw) if raw.__class__ is dict else None
        if parts is None:
            return None
        if _names(parts[3], parts[2] == "NotAction", action_lower) and _covers(parts[4], parts[5], variables, resource):
            found.append((index, parts))
    return found


@pytest.mark.skipif(_fast is None, reason="the compiled core is not built")
def test_the_compiled_scan_reads_what_the_reference_reads() -> None:
    # Each generated statement, and each of its mutations, alone and after a plain statement, for
    # the scenario's own request and for requests the patterns nearly match (case, one character
    # more or less, another service).
    assert _fast is not None
    rng = random.Random(11)
    kept = given_up = 0
    lead = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::lead/*"}
    for sc in gen.scenarios(47, 300):
        requests = [
            (sc.action.lower(), sc.resource),
            (sc.action.lower()[:-1], sc.resource + "x"),
            ("iam:passrole", sc.resource.upper()),
            (sc.action.lower().replace(":", ":get", 1), sc.resource[:-1]),
        ]
        for kind, doc in sc.policies():
            if kind == "resource":
                continue
            for raw in gen.statements(doc):
                for statement in _mutations(rng, raw):
                    for statements in ([statement], [lead, statement]):
                        for action, resource in requests:
                            for variables in (True, False):
                                quick = _fast.scoped_statements(statements, action, resource, variables)
                                assert quick == _reference_scan(statements, action, resource, variables), statement
                                kept += bool(quick)
                                given_up += quick is None
    assert kept > 1000 and given_up > 1000


@pytest.mark.skipif(_fast is None, reason="the compiled core is not built")
@pytest.mark.parametrize(
    ("pattern", "value", "matches"),
    [
        ("arn:aws:s3:::b/*", "arn:aws:s3:::b/", True),
        ("arn:aws:s3:::b/*", "arn:aws:s3:::b", False),
        ("arn:aws:s3:::b/?", "arn:aws:s3:::b/xy", False),
        ("arn:aws:s3:::*/x*y", "arn:aws:s3:::a/b/xzzyy", True),
        ("arn:aws:s3:::*a*a", "arn:aws:s3:::aaab", False),
        ("arn:aws:s3:::a.b", "arn:aws:s3:::aXb", False),
        ("arn:aws:s3:::**", "arn:aws:s3:::\n", True),
        ("arn:aws:s3:::é*", "arn:aws:s3:::é😀", True),
        ("arn:aws:s3:::😀?", "arn:aws:s3:::😀é", True),
    ],
)
def test_the_compiled_scan_matches_resources_as_globs_do(pattern: str, value: str, matches: bool) -> None:
    assert _fast is not None
    statement = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": pattern}
    found = _fast.scoped_statements([statement], "s3:getobject", value, True)
    assert bool(found) is matches is compile_glob(pattern)(value)
