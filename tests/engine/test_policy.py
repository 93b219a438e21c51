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


# ---- parts shared between statements (policy._condition, _RESOURCE_TEMPLATES, _action_set, ...)


def _doc(sid: str, effect: str, ip: str, resource: str) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "Other", "Effect": "Allow", "Action": "sqs:*", "Resource": "*"},
            {
                "Sid": sid,
                "Effect": effect,
                "Action": ["s3:GetObject", "S3:PutObject"],
                "Resource": resource,
                "Condition": {"IpAddress": {"aws:SourceIp": ip}},
            },
        ],
    }


def test_statements_of_different_policies_share_their_compiled_parts() -> None:
    """Two policies that repeat a condition, a resource list and an action list compile them once; each
    statement keeps its own policy, index, Sid and effect, and each request is decided on its own values."""
    a = compile_policy(_doc("A", "Allow", "10.0.0.0/8", "arn:aws:s3:::claims/*"), label="first")
    b = compile_policy(_doc("B", "Deny", "10.0.0.0/8", "arn:aws:s3:::claims/*"), label="second")
    c = compile_policy(_doc("C", "Allow", "192.0.2.0/24", "arn:aws:s3:::claims/*"), label="third")
    sa, sb, sc = a.statements[1], b.statements[1], c.statements[1]
    assert sa.conditions[0] is sb.conditions[0]
    assert sa.conditions[0] is not sc.conditions[0]
    assert sa.resource_templates is sb.resource_templates is sc.resource_templates
    assert sa.actions is sb.actions and sa.action_patterns == ("s3:getobject", "s3:putobject")
    assert (sa.ref.policy, sa.ref.index, sa.ref.sid, sa.effect) == ("first", 1, "A", "Allow")
    assert (sb.ref.policy, sb.ref.index, sb.ref.sid, sb.effect) == ("second", 1, "B", "Deny")

    def ask(policy: Any, ip: str) -> Decision:
        return decide(
            Request(
                principal="arn:aws:iam::111122223333:role/Reader",
                action="s3:GetObject",
                resource="arn:aws:s3:::claims/2026/file.csv",
                identity_policies=(policy,),
                context={"aws:SourceIp": ip},
            )
        ).decision

    assert ask(a, "10.1.2.3") is Decision.ALLOW
    assert ask(a, "192.0.2.7") is Decision.IMPLICIT_DENY
    assert ask(c, "192.0.2.7") is Decision.ALLOW
    assert ask(c, "10.1.2.3") is Decision.IMPLICIT_DENY
    assert ask(b, "10.1.2.3") is Decision.EXPLICIT_DENY


def test_a_variable_resource_and_the_2008_version_are_not_confused() -> None:
    """The same resource text compiles to a template with a variable under 2012-10-17 and to literal text under
    2008-10-17: the memo keys the version."""
    text = "arn:aws:s3:::claims/${aws:username}/*"
    new = compile_policy(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": text}]},
        label="new",
    )
    old = compile_policy(
        {"Version": "2008-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": text}]},
        label="old",
    )
    assert new.statements[0].resources is None  # decided per request
    assert old.statements[0].resources is not None
    user = "arn:aws:iam::111122223333:user/alice"

    def ask(policy: Any, resource: str) -> Decision:
        request = Request(principal=user, action="s3:GetObject", resource=resource, identity_policies=(policy,))
        return decide(request).decision

    assert ask(new, "arn:aws:s3:::claims/alice/x") is Decision.ALLOW
    assert ask(old, "arn:aws:s3:::claims/alice/x") is Decision.IMPLICIT_DENY
    assert ask(old, "arn:aws:s3:::claims/${aws:username}/x") is Decision.ALLOW


def test_the_shared_parts_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    from enjoin.engine import policy

    monkeypatch.setattr(policy, "_PARTS_LIMIT", 50)
    for n in range(300):
        doc = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": f"s3:Get{n}",
                    "Resource": f"arn:aws:s3:::b{n}/*",
                    "Condition": {"StringEquals": {"aws:PrincipalTag/team": f"t{n}"}},
                }
            ],
        }
        compile_policy(doc, label=f"p{n}")
    assert len(policy._CONDITIONS) <= 51
    assert len(policy._RESOURCE_TEMPLATES) <= 51
    assert len(policy._LOWERED_ACTIONS) <= 51
    assert len(policy._ACTION_SETS) <= 51
    assert len(policy._RESOURCE_SETS) <= 51
