"""Policy grammar: what compile_policy accepts per kind, and how its errors name the place."""

from __future__ import annotations

import json
from typing import Any

import pytest

from enjoin.engine import Decision, PolicyKind, Request, compile_policy, decide
from enjoin.errors import PolicyError

ALLOW = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}


def doc(*statements: dict[str, Any], **top: Any) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements), **top}


@pytest.mark.parametrize(
    ("document", "kind", "message"),
    [
        (
            doc(ALLOW, Extra=1),
            PolicyKind.IDENTITY,
            "p: expected only the keys ['Id', 'Statement', 'Version'] at the top level; found key 'Extra'",
        ),
        (
            {"Version": "2012-10-18", "Statement": [ALLOW]},
            PolicyKind.IDENTITY,
            "p: Version: expected '2012-10-17' or '2008-10-17'; found '2012-10-18'",
        ),
        ({"Version": "2012-10-17"}, PolicyKind.IDENTITY, "p: expected a Statement element; found none"),
        (
            doc({**ALLOW, "Sid": "S", "Effects": "Allow"}),
            PolicyKind.IDENTITY,
            "p: Statement[0] (Sid 'S'): expected only the statement keys",
        ),
        (
            doc({**ALLOW, "Effect": "allow"}),
            PolicyKind.IDENTITY,
            "p: Statement[0].Effect: expected 'Allow' or 'Deny'; found 'allow'",
        ),
        (
            doc({**ALLOW, "NotAction": "s3:*"}),
            PolicyKind.IDENTITY,
            "p: Statement[0]: expected exactly one of Action and NotAction; found both",
        ),
        (
            doc({"Effect": "Allow", "Resource": "*"}),
            PolicyKind.IDENTITY,
            "p: Statement[0]: expected exactly one of Action and NotAction; found neither",
        ),
        (
            doc({**ALLOW, "Action": "GetObject"}),
            PolicyKind.IDENTITY,
            "p: Statement[0].Action: expected '*' or 'service:action' (wildcards allowed); found 'GetObject'",
        ),
        (
            doc({**ALLOW, "Action": []}),
            PolicyKind.IDENTITY,
            "p: Statement[0].Action: expected a string or a non-empty list of strings; found []",
        ),
        (
            doc({**ALLOW, "Resource": "bucket/key"}),
            PolicyKind.IDENTITY,
            "p: Statement[0].Resource: expected '*' or an ARN",
        ),
        (
            doc({**ALLOW, "NotResource": "*"}),
            PolicyKind.IDENTITY,
            "p: Statement[0]: expected at most one of Resource and NotResource; found both",
        ),
        (
            doc({"Effect": "Allow", "Action": "s3:*"}),
            PolicyKind.IDENTITY,
            "p: Statement[0]: expected a Resource or NotResource element; found neither",
        ),
        (
            doc({**ALLOW, "Principal": "*"}),
            PolicyKind.BOUNDARY,
            "p: Statement[0]: expected no Principal or "
            "NotPrincipal (not allowed in boundary policies); found Principal",
        ),
        (
            doc(ALLOW),
            PolicyKind.RESOURCE,
            "p: Statement[0]: expected exactly one of Principal and NotPrincipal in a "
            "resource policy; found neither",
        ),
        (
            doc({**ALLOW, "Principal": {"AWS": "arn:aws:iam::111122223333:role/*"}}),
            PolicyKind.RESOURCE,
            "p: Statement[0].Principal: expected a valid principal; found AWS principal "
            "'arn:aws:iam::111122223333:role/*' (wildcards are not allowed in a principal ARN)",
        ),
        (
            doc({**ALLOW, "Principal": {"Users": "x"}}),
            PolicyKind.RESOURCE,
            "p: Statement[0].Principal: expected a valid principal; found principal type 'Users'",
        ),
        (
            doc({**ALLOW, "Principal": {"AWS": "111122223333"}}),
            PolicyKind.RCP,
            'p: Statement[0].Principal: expected "*" in a resource control policy',
        ),
        (
            doc({**ALLOW, "Condition": {"StringEquals": "x"}}),
            PolicyKind.IDENTITY,
            "p: Statement[0].Condition.StringEquals: expected an object of key -> value(s); found 'x'",
        ),
        (
            doc({**ALLOW, "Condition": {"StringEquals": {"k": {"nested": 1}}}}),
            PolicyKind.IDENTITY,
            "p: Statement[0].Condition.StringEquals.k: expected a string, number or boolean",
        ),
        (
            doc({**ALLOW, "Condition": []}),
            PolicyKind.IDENTITY,
            "p: Statement[0].Condition: expected an object",
        ),
        ("{not json", PolicyKind.IDENTITY, "p: expected a policy document in JSON; found invalid JSON"),
        ("[1]", PolicyKind.IDENTITY, "p: expected a JSON object; found list"),
    ],
)
def test_grammar_errors_name_the_place(document: Any, kind: PolicyKind, message: str) -> None:
    with pytest.raises(PolicyError) as raised:
        compile_policy(document, label="p", kind=kind)
    assert str(raised.value).startswith(message)


def test_what_each_kind_accepts() -> None:
    trust = {
        "Version": "2012-10-17",
        "Statement": {
            "Effect": "Allow",
            "Principal": {"Service": "ec2.amazonaws.com"},
            "Action": "sts:AssumeRole",
        },
    }
    assert len(compile_policy(trust, label="trust", kind=PolicyKind.RESOURCE).statements) == 1
    rcp = doc({**ALLOW, "Principal": "*"})
    assert compile_policy(rcp, label="rcp", kind=PolicyKind.RCP).kind is PolicyKind.RCP
    # Unknown condition operators compile (and evaluate to INDETERMINATE, never to "satisfied").
    odd = compile_policy(doc({**ALLOW, "Condition": {"StringEqualsFoo": {"k": "v"}}}), label="odd")
    result = decide(
        Request(
            principal="arn:aws:iam::111122223333:user/a",
            action="s3:GetObject",
            resource="*",
            identity_policies=(odd,),
        )
    )
    assert result.decision is Decision.INDETERMINATE
    # A policy without Version is the 2008 language.
    assert compile_policy({"Statement": [ALLOW]}, label="old").version == "2008-10-17"


def test_compiled_policies_are_cached_by_content() -> None:
    first = compile_policy(doc(ALLOW), label="p")
    again = compile_policy(json.loads(json.dumps(doc(ALLOW))), label="p")
    assert again is first
    assert compile_policy(json.dumps(doc(ALLOW)), label="p") is first
    assert compile_policy(doc(ALLOW), label="other") is not first
    assert compile_policy(doc({**ALLOW, "Principal": "*"}), label="p", kind=PolicyKind.RESOURCE) is not first
    assert hash(first) == hash(again) and first == again
