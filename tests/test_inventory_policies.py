"""Inventory of managed policies for the IAM paths of issue 16: every version of a customer managed policy, and
the AWS managed policies a condition on ``iam:PolicyARN`` / ``iam:PermissionsBoundary`` names; then reach, from
what was read back, through SetDefaultPolicyVersion and through attaching such a policy."""

from __future__ import annotations

import json
from typing import Any

from enjoin.backends.moto import MotoBackend
from enjoin.config_model import Holding, Party
from enjoin.inventory import inventory, named_aws_policies
from enjoin.reach import compute_reach

CMS, DHS = "111111111111", "222222222222"
REGION = "us-east-1"
READ_ONLY = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
CLAIMS = Holding("arn:aws:s3:::claims/*", "medicaid", ("all",), ("all",), ("medical",))


def doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


TRUST = doc({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{CMS}:root"}, "Action": "sts:AssumeRole"})


def test_every_version_of_a_customer_managed_policy_and_set_default_policy_version(moto: MotoBackend) -> None:
    moto.reset()
    iam = moto.client("iam", CMS, REGION)
    moto.client("s3", CMS, REGION).create_bucket(Bucket="claims")
    arn = iam.create_policy(PolicyName="Tools", PolicyDocument=doc(
        {"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"}))["Policy"]["Arn"]
    reads = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::claims/*"}
    iam.create_policy_version(PolicyArn=arn, PolicyDocument=doc(reads), SetAsDefault=False)
    iam.create_role(RoleName="Liaison", AssumeRolePolicyDocument=TRUST)
    iam.attach_role_policy(RoleName="Liaison", PolicyArn=arn)
    iam.put_role_policy(RoleName="Liaison", PolicyName="p", PolicyDocument=doc(
        {"Effect": "Allow", "Action": "iam:SetDefaultPolicyVersion", "Resource": arn}))

    snapshot = inventory(moto, (CMS,), REGION)
    policy = next(p for p in snapshot.policies if p.arn == arn)
    assert [v.version_id for v in policy.other_versions] == ["v2"]
    assert policy.other_versions[0].document["Statement"] == [reads]

    liaison = f"arn:aws:iam::{CMS}:role/Liaison"
    got = compute_reach(snapshot, [Party("DHS", accounts=(DHS,), principals=(liaison,))], [CLAIMS], REGION)
    assert {a.path for a in got.accesses} == {(liaison, "iam:SetDefaultPolicyVersion", arn, "s3:GetObject")}


def test_an_aws_managed_policy_a_condition_names_is_read_and_attachable(moto: MotoBackend) -> None:
    moto.reset()
    iam = moto.client("iam", CMS, REGION)
    moto.client("s3", CMS, REGION).create_bucket(Bucket="claims")
    iam.create_role(RoleName="Liaison", AssumeRolePolicyDocument=TRUST)
    iam.put_role_policy(RoleName="Liaison", PolicyName="p", PolicyDocument=doc({
        "Effect": "Allow", "Action": "iam:AttachRolePolicy", "Resource": f"arn:aws:iam::{CMS}:role/Liaison",
        "Condition": {"ArnEquals": {"iam:PolicyARN": [READ_ONLY, "arn:aws:iam::aws:policy/NoSuchPolicy"]}},
    }))
    snapshot = inventory(moto, (CMS,), REGION)
    arns = {p.arn for p in snapshot.policies}
    assert READ_ONLY in arns  # named, though attached to nobody
    assert "arn:aws:iam::aws:policy/NoSuchPolicy" not in arns  # AWS has none by that name: nothing to read

    liaison = f"arn:aws:iam::{CMS}:role/Liaison"
    got = compute_reach(snapshot, [Party("DHS", accounts=(DHS,), principals=(liaison,))], [CLAIMS], REGION)
    assert {a.path for a in got.accesses} == {(liaison, "iam:AttachRolePolicy", liaison, "s3:GetObject")}
    attach = got.accesses[0].hops[0]
    assert attach.context["iam:PolicyARN"] == READ_ONLY


def test_named_aws_policies_reads_only_literal_aws_arns_under_the_two_keys() -> None:
    document = {"Statement": [
        {"Condition": {"ArnLike": {"iam:PolicyARN": ["arn:aws:iam::aws:policy/Amazon*", READ_ONLY]}}},
        {"Condition": {"StringEquals": {"IAM:PermissionsBoundary": "arn:aws:iam::aws:policy/PowerUserAccess"}}},
        {"Condition": {"StringEquals": {"aws:RequestTag/x": "arn:aws:iam::aws:policy/ReadOnlyAccess"}}},
        {"Condition": {"ArnEquals": {"iam:PolicyARN": f"arn:aws:iam::{CMS}:policy/Mine"}}},
    ]}
    assert named_aws_policies(document) == {READ_ONLY, "arn:aws:iam::aws:policy/PowerUserAccess"}
    assert named_aws_policies({"Statement": {"Condition": "not a mapping"}}) == set()
