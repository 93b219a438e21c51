"""``enjoin decide FILE [--any-context]``: formats in, JSON lines out, malformed cases reported."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from enjoin.cli import main

A = "111111111111"
ALLOW_S3 = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
BOUNDARY_EC2 = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "ec2:*", "Resource": "*"}],
}
GOOD = {
    "name": "identity allows",
    "principal": f"arn:aws:iam::{A}:user/alice",
    "identity_policies": [ALLOW_S3],
    "action": "s3:GetObject",
    "resource": "arn:aws:s3:::bucket/key",
}
CAPPED = {
    "name": "boundary caps identity allow",
    "principal": f"arn:aws:iam::{A}:role/Analyst",
    "principal_tags": {"team": "x"},
    "identity_policies": [ALLOW_S3],
    "permissions_boundary": BOUNDARY_EC2,
    "session_policy": None,
    "scps": [[{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}]],
    "rcps": [],
    "resource_policy": None,
    "resource_account": A,
    "action": "s3:GetObject",
    "resource": "arn:aws:s3:::bucket/key",
    "context": {"aws:SourceIp": "10.0.0.1", "aws:SecureTransport": "true"},
    "resource_tags": {"class": "phi"},
    "principal_org_id": "o-123",
    "principal_org_paths": ["o-123/r-1/"],
    "principal_id": "AROAEXAMPLE:s1",
}
TLS_ONLY = {
    "name": "tls only",
    "principal": f"arn:aws:iam::{A}:user/alice",
    "identity_policies": [
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "s3:GetObject",
                    "Resource": "*",
                    "Condition": {"Bool": {"aws:SecureTransport": "true"}},
                }
            ],
        }
    ],
    "action": "s3:GetObject",
    "resource": "arn:aws:s3:::bucket/key",
}


def run(
    tmp_path: Path, text: str, *args: str, capsys: pytest.CaptureFixture[str]
) -> tuple[int, list[dict[str, Any]], list[str]]:
    path = tmp_path / "cases.json"
    path.write_text(text, encoding="utf-8")
    code = main(["decide", str(path), *args])
    captured = capsys.readouterr()
    lines = [json.loads(line) for line in captured.out.splitlines()]
    return code, lines, captured.err.splitlines()


def test_one_object(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(tmp_path, json.dumps(GOOD, indent=2), capsys=capsys)
    assert (code, err) == (0, [])
    assert [(o["name"], o["decision"]) for o in out] == [("identity allows", "ALLOW")]
    assert set(out[0]) == {"name", "decision", "explanation"}
    assert any("statement #0 of identity_policies[0]" in line for line in out[0]["explanation"])


def test_array_of_cases_in_order(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(tmp_path, json.dumps([GOOD, CAPPED, TLS_ONLY]), capsys=capsys)
    assert (code, err) == (0, [])
    assert [(o["name"], o["decision"]) for o in out] == [
        ("identity allows", "ALLOW"),
        ("boundary caps identity allow", "IMPLICIT_DENY"),
        ("tls only", "IMPLICIT_DENY"),
    ]


def test_json_lines_with_malformed_cases(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad_effect = {
        **GOOD,
        "name": "bad effect",
        "identity_policies": [{"Statement": [{"Effect": "allow", "Action": "*", "Resource": "*"}]}],
    }
    unknown_key = {**GOOD, "name": "typo", "contxt": {}}
    missing = {"name": "no action", "principal": GOOD["principal"], "resource": GOOD["resource"]}
    lines = [
        json.dumps(GOOD),
        json.dumps(bad_effect),
        "{not json",
        "",
        json.dumps(unknown_key),
        json.dumps(missing),
        json.dumps(TLS_ONLY),
    ]
    code, out, err = run(tmp_path, "\n".join(lines) + "\n", capsys=capsys)
    assert code == 1
    assert [o["name"] for o in out] == ["identity allows", "tls only"]
    at = f"enjoin decide: {tmp_path / 'cases.json'}: case"
    assert err == [
        f"{at} 'bad effect', #1, line 2: identity_policies[0]: Statement[0].Effect: "
        "expected 'Allow' or 'Deny'; found 'allow'",
        f"{at} #2, line 3: invalid JSON (Expecting property name enclosed in double quotes at column 2)",
        f"{at} 'typo', #3, line 5: key 'contxt': expected one of action, context, "
        "identity_policies, name, permissions_boundary, principal, principal_id, principal_org_id, "
        "principal_org_paths, principal_tags, rcps, resource, resource_account, resource_policy, "
        "resource_tags, scps, session_policy; found 'contxt'",
        f"{at} 'no action', #4, line 6: action: expected the key 'action' (required); found nothing",
    ]


def test_grammar_errors_name_the_statement_and_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    identity_with_principal = {
        **GOOD,
        "name": "principal in identity policy",
        "identity_policies": [
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Sid": "X", "Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}
                ],
            }
        ],
    }
    both = {
        **GOOD,
        "name": "both",
        "scps": [[{"Statement": [{"Effect": "Allow", "Action": "*", "NotAction": "s3:*", "Resource": "*"}]}]],
    }
    bad_arn = {
        **GOOD,
        "name": "bad arn",
        "resource_policy": {
            "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "bucket/*"}]
        },
    }
    code, out, err = run(tmp_path, json.dumps([identity_with_principal, both, bad_arn]), capsys=capsys)
    assert (code, out) == (1, [])
    assert [line.split(": ", 2)[2] for line in err] == [
        "case 'principal in identity policy', #0: identity_policies[0]: Statement[0] (Sid 'X'): expected no "
        "Principal or NotPrincipal (not allowed in identity policies); found Principal",
        "case 'both', #1: scps[0][0]: Statement[0]: expected exactly one of Action and NotAction; found both",
        "case 'bad arn', #2: resource_policy: Statement[0].Resource: expected '*' or an ARN "
        "(arn:partition:service:region:account:resource); found 'bucket/*'",
    ]


def test_any_context_adds_witness(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    held_absent = {**TLS_ONLY, "name": "tls held absent", "context": {"aws:SecureTransport": None}}
    code, out, err = run(
        tmp_path, json.dumps([TLS_ONLY, CAPPED, held_absent]), "--any-context", capsys=capsys
    )
    assert (code, err) == (0, [])
    assert [(o["name"], o["decision"], o["witness"]) for o in out] == [
        ("tls only", "ALLOW", {"aws:SecureTransport": "true"}),
        ("boundary caps identity allow", "IMPLICIT_DENY", None),
        ("tls held absent", "IMPLICIT_DENY", None),
    ]


def test_stdin_and_usage(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(json.dumps(GOOD)))
    assert main(["decide", "-"]) == 0
    assert json.loads(capsys.readouterr().out)["decision"] == "ALLOW"
    assert main(["decide"]) == 2
    assert "usage: enjoin decide FILE" in capsys.readouterr().err
    assert main(["decide", "/nonexistent/cases.json"]) == 2
    assert "cannot read the file" in capsys.readouterr().err
    assert main(["decide", "--help"]) == 0
    help_text = capsys.readouterr().out
    for key in ["resource_tags", "principal_org_id", "principal_org_paths", "principal_id", "--any-context"]:
        assert key in help_text


def test_installed_command(tmp_path: Path) -> None:
    command = shutil.which("enjoin")
    assert command is not None, "the enjoin console script is not installed (pip install -e .)"
    path = tmp_path / "cases.jsonl"
    path.write_text(
        json.dumps(GOOD) + "\n" + json.dumps({**GOOD, "name": "oops", "extra": 1}) + "\n", encoding="utf-8"
    )
    done = subprocess.run(
        [command, "decide", str(path)], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 1
    assert [json.loads(line)["decision"] for line in done.stdout.splitlines()] == ["ALLOW"]
    assert done.stderr.startswith(f"enjoin decide: {path}: case 'oops', #1, line 2: key 'extra'")


def test_a_context_that_contradicts_the_principal_is_malformed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A principal key the case fixes (by the principal's ARN, principal_id, principal_org_id...)
    given another value in "context": one error line naming the case and the key, exit 1; a
    supplied value that agrees, or that fills what the case leaves open, is answered."""
    user = GOOD["principal"]
    session = f"arn:aws:sts::{A}:assumed-role/Analyst/s1"

    def with_context(name: str, context: dict[str, Any], **fields: Any) -> str:
        return json.dumps({**GOOD, "name": name, "context": context, **fields})

    lines = [
        with_context("arn", {"aws:PrincipalArn": f"arn:aws:iam::{A}:user/bob"}),
        with_context("account", {"aws:PrincipalAccount": "222222222222"}),
        with_context("username", {"aws:username": "bob"}),
        with_context("type", {"aws:PrincipalType": "AssumedRole"}),
        with_context("userid", {"aws:userid": "AIDAOTHER"}, principal_id="AIDAALICE"),
        with_context("session userid", {"aws:userid": "AROAEXAMPLE:s2"}, principal=session),
        with_context("service", {"aws:PrincipalIsAWSService": "true"}),
        with_context("org", {"aws:PrincipalOrgID": "o-other"}, principal_org_id="o-123"),
        with_context(
            "agrees",
            {
                "aws:PrincipalArn": user,
                "aws:PrincipalType": "User",
                "aws:userid": "AIDAALICE",
                "aws:PrincipalIsAWSService": "false",
            },
            principal_id="AIDAALICE",
        ),
        with_context("fills", {"aws:userid": "AROAEXAMPLE:s1", "aws:PrincipalOrgID": "o-123"}, principal=session),
    ]
    for args in ((), ("--any-context",)):
        code, out, err = run(tmp_path, "\n".join(lines) + "\n", *args, capsys=capsys)
        assert code == 1
        assert [(o["name"], o["decision"]) for o in out] == [("agrees", "ALLOW"), ("fills", "ALLOW")]
        at = f"enjoin decide: {tmp_path / 'cases.json'}: case"
        assert err == [
            f"{at} 'arn', #0, line 1: context.aws:PrincipalArn: expected '{user}', as the principal "
            f"{user} fixes it; found 'arn:aws:iam::{A}:user/bob'",
            f"{at} 'account', #1, line 2: context.aws:PrincipalAccount: expected '{A}', as the principal "
            f"{user} fixes it; found '222222222222'",
            f"{at} 'username', #2, line 3: context.aws:username: expected 'alice', as the principal "
            f"{user} fixes it; found 'bob'",
            f"{at} 'type', #3, line 4: context.aws:PrincipalType: expected 'User', as the principal "
            f"{user} fixes it; found 'AssumedRole'",
            f"{at} 'userid', #4, line 5: context.aws:userid: expected 'AIDAALICE', as principal_id gives it; "
            "found 'AIDAOTHER'",
            f"{at} 'session userid', #5, line 6: context.aws:userid: expected ROLEID:s1, as {session} fixes "
            "the session name; found 'AROAEXAMPLE:s2'",
            f"{at} 'service', #6, line 7: context.aws:PrincipalIsAWSService: expected 'false': the principal "
            f"{user} is not an AWS service principal; found 'true'",
            f"{at} 'org', #7, line 8: context.aws:PrincipalOrgID: expected 'o-123', as principal_org_id "
            "gives it; found 'o-other'",
        ]
