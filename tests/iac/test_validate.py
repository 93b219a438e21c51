"""enjoin.iac.cloudformation.validate: templates CloudFormation would refuse are refused before deploying.

Each template is small and written here; each test names the exact rules found and, for the blocking one,
its line, resource and property.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from enjoin.errors import DeployError, TemplateRejected
from enjoin.iac.cloudformation.validate import (
    CFN_LINT_VERSION,
    OWN_RULES,
    Problem,
    cfn_lint_rule_ids,
    check,
    lint_rules,
    validate,
)

TRUST = """\
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: {Service: lambda.amazonaws.com}
            Action: sts:AssumeRole
"""


def _write(tmp_path: Path, text: str, name: str = "template.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _line(text: str, needle: str) -> int:
    """The 1-based line of the first occurrence of ``needle``."""
    index = text.index(needle)
    return text.count("\n", 0, index) + 1


def _blocking(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.blocking]


def _rules(problems: list[Problem], blocking: bool | None = None) -> list[str]:
    return [p.rule for p in problems if blocking is None or p.blocking is blocking]


def _rejected(path: Path, text: str, **kwargs: Any) -> TemplateRejected:
    with pytest.raises(TemplateRejected) as caught:
        check(path, text, **kwargs)
    return caught.value


# ---------------------------------------------------------------------------------------------
# What cfn-lint finds
# ---------------------------------------------------------------------------------------------


def test_circular_depends_on_is_refused_at_each_resource(tmp_path: Path) -> None:
    text = """\
Resources:
  First:
    Type: AWS::SNS::Topic
    DependsOn: Second
  Second:
    Type: AWS::SNS::Topic
    DependsOn: First
"""
    path = _write(tmp_path, text)
    problems = validate(path, text)
    assert _rules(problems) == ["E3004", "E3004"]
    first, second = problems
    assert (first.line, first.resource, first.path, first.blocking) == (2, "First", ("Resources", "First"), True)
    assert (second.line, second.resource) == (5, "Second")
    assert first.where(path) == f"{path}: line 2: resource First"
    error = _rejected(path, text)
    assert error.where == f"{path}: line 2: resource First"
    assert error.found.startswith("E3004: Circular Dependencies for resource First")
    assert error.found.endswith("(and 1 more: E3004)")


def test_unknown_property_names_resource_and_property(tmp_path: Path) -> None:
    text = """\
Resources:
  Topic:
    Type: AWS::SNS::Topic
    Properties:
      TopicName: orders
      Colour: blue
"""
    path = _write(tmp_path, text)
    problems = validate(path, text)
    assert _rules(problems) == ["E3002"]
    (problem,) = problems
    assert (problem.line, problem.resource, problem.property, problem.blocking) == (6, "Topic", "Colour", True)
    assert problem.where(path) == f"{path}: line 6: resource Topic, property Colour"
    assert "'Colour' was unexpected" in problem.message


def test_ref_to_a_missing_resource(tmp_path: Path) -> None:
    text = """\
Resources:
  Topic:
    Type: AWS::SNS::Topic
    Properties:
      TopicName: !Ref Nowhere
"""
    path = _write(tmp_path, text)
    problems = validate(path, text)
    assert _rules(problems) == ["E1020"]
    (problem,) = problems
    assert (problem.line, problem.resource, problem.property, problem.blocking) == (5, "Topic", "TopicName.Ref", True)
    assert "'Nowhere' is not one of" in problem.message


def test_misspelt_condition_operator_in_an_inline_policy(tmp_path: Path) -> None:
    text = f"""\
Resources:
  Reader:
    Type: AWS::IAM::Role
    Properties:
{TRUST}      Policies:
        - PolicyName: read
          PolicyDocument:
            Version: "2012-10-17"
            Statement:
              - Effect: Allow
                Action: s3:GetObject
                Resource: arn:aws:s3:::eligibility/*
                Condition:
                  StringEqualz: {{"aws:PrincipalAccount": "123456789012"}}
"""
    path = _write(tmp_path, text)
    problems = validate(path, text)
    assert _rules(problems, blocking=True) == ["E3510"]
    (problem,) = _blocking(problems)
    assert problem.line == _line(text, "StringEqualz")
    assert problem.resource == "Reader"
    assert problem.property == "Policies[0].PolicyDocument.Statement[0].Condition.StringEqualz"
    assert "'StringEqualz' does not match" in problem.message


def test_arn_with_its_colons_missing_in_a_bucket_policy(tmp_path: Path) -> None:
    text = """\
Resources:
  Bucket:
    Type: AWS::S3::Bucket
  Policy:
    Type: AWS::S3::BucketPolicy
    Properties:
      Bucket: !Ref Bucket
      PolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: {AWS: "arn:aws:iam::123456789012:root"}
            Action: s3:GetObject
            Resource: arn aws s3 eligibility/*
"""
    path = _write(tmp_path, text)
    problems = validate(path, text)
    assert _rules(problems, blocking=True) == ["E3514"]
    (problem,) = _blocking(problems)
    assert (problem.line, problem.resource) == (14, "Policy")
    assert problem.property == "PolicyDocument.Statement[0].Resource"


def test_warning_only_template_is_accepted(tmp_path: Path) -> None:
    text = """\
Resources:
  Bucket:
    Type: AWS::S3::Bucket
    Properties:
      AccessControl: Private
"""
    path = _write(tmp_path, text)
    problems = check(path, text)
    assert _rules(problems) == ["W3045"]
    assert problems[0].blocking is False
    assert problems[0].where(path) == f"{path}: line 5: resource Bucket, property AccessControl"


def test_template_metadata_cannot_switch_off_a_blocking_rule(tmp_path: Path) -> None:
    text = """\
Metadata:
  cfn-lint:
    config:
      ignore_checks: [E3004]
Resources:
  First:
    Type: AWS::SNS::Topic
    DependsOn: Second
    Metadata:
      cfn-lint:
        config:
          ignore_checks: [E3004]
  Second:
    Type: AWS::SNS::Topic
    DependsOn: First
"""
    path = _write(tmp_path, text)
    assert _rules(validate(path, text), blocking=True) == ["E3004", "E3004"]


def test_unparsable_template(tmp_path: Path) -> None:
    text = "Resources:\n  A:\n    Type: [unclosed\n"
    path = _write(tmp_path, text)
    problems = validate(path, text)
    assert _rules(problems) == ["E0000"]
    assert problems[0].blocking and problems[0].line is not None


# ---------------------------------------------------------------------------------------------
# TemplateRejected
# ---------------------------------------------------------------------------------------------


def test_template_rejected_message_format(tmp_path: Path) -> None:
    text = """\
Resources:
  Topic:
    Type: AWS::SNS::Topic
    Properties:
      Colour: blue
  First:
    Type: AWS::SNS::Topic
    DependsOn: Second
  Second:
    Type: AWS::SNS::Topic
    DependsOn: First
"""
    path = _write(tmp_path, text)
    error = _rejected(path, text)
    assert isinstance(error, DeployError)
    assert error.where == f"{path}: line 5: resource Topic, property Colour"
    assert error.expected == f"a template CloudFormation accepts (cfn-lint {CFN_LINT_VERSION})"
    assert error.found == "E3002: Additional properties are not allowed ('Colour' was unexpected) (and 2 more: E3004)"
    assert str(error) == f"{error.where}: expected {error.expected}; found {error.found}"
    assert [p.rule for p in error.problems if isinstance(p, Problem)] == ["E3002", "E3004", "E3004"]


# ---------------------------------------------------------------------------------------------
# IAM-POLICY-SIZE
# ---------------------------------------------------------------------------------------------


def _document(size: int, principal: dict[str, Any] | None = None) -> dict[str, Any]:
    """A policy document of exactly ``size`` characters as compact JSON, none of them white space."""
    statement: dict[str, Any] = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::lake/"}
    if principal is not None:
        statement["Principal"] = principal
    document = {"Version": "2012-10-17", "Statement": [statement]}
    statement["Resource"] += "x" * (size - len(json.dumps(document, separators=(",", ":"))))
    assert len(json.dumps(document, separators=(",", ":"))) == size
    return document


def _role_template(size: int) -> str:
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
    role = {"AssumeRolePolicyDocument": trust, "Policies": [{"PolicyName": "read", "PolicyDocument": _document(size)}]}
    return json.dumps({"Resources": {"Reader": {"Type": "AWS::IAM::Role", "Properties": role}}}, indent=2)


def test_inline_role_policy_over_10240_characters_is_refused(tmp_path: Path) -> None:
    text = _role_template(10_241)
    path = _write(tmp_path, text, "role.json")
    problems = validate(path, text)
    assert _rules(problems) == ["IAM-POLICY-SIZE"]
    (problem,) = problems
    assert (problem.line, problem.resource) == (_line(text, '"PolicyDocument"'), "Reader")
    assert problem.property == "Policies[0].PolicyDocument"
    assert "10,241 characters" in problem.message and "10,240" in problem.message
    assert _rejected(path, text).found.startswith("IAM-POLICY-SIZE: The inline policies of role Reader total 10,241")


def test_inline_role_policy_of_10240_characters_is_accepted(tmp_path: Path) -> None:
    text = _role_template(10_240)
    path = _write(tmp_path, text, "role.json")
    assert validate(path, text) == []


def test_white_space_in_a_policy_is_not_counted(tmp_path: Path) -> None:
    # The same 10,240 characters, with a space in each of 50 words of the Resource: IAM does not count it.
    text = _role_template(10_240).replace("xxxxx", "xxxx x", 50)
    path = _write(tmp_path, text, "role.json")
    assert _rules(validate(path, text), blocking=True) == []


def test_inline_policies_of_a_role_are_added_up(tmp_path: Path) -> None:
    document = json.dumps(_document(6_000))
    text = f"""\
Resources:
  Reader:
    Type: AWS::IAM::Role
    Properties:
{TRUST}  Extra:
    Type: AWS::IAM::Policy
    Properties:
      PolicyName: extra
      Roles: [!Ref Reader]
      PolicyDocument: {document}
  More:
    Type: AWS::IAM::RolePolicy
    Properties:
      PolicyName: more
      RoleName: !Ref Reader
      PolicyDocument: {document}
"""
    path = _write(tmp_path, text)
    problems = _blocking(validate(path, text))
    assert _rules(problems) == ["IAM-POLICY-SIZE"]
    assert problems[0].resource == "Extra"
    assert "role Reader total 12,000 characters" in problems[0].message


def test_policy_size_with_intrinsics_counts_their_shortest_value(tmp_path: Path) -> None:
    # "${AWS::Region}" as written is 14 characters but resolves to 9 (us-east-1): at 10,236 + 9 = 10,245
    # characters the policy is too large; the text as written would have been 10,250.
    document = _document(10_236)
    document["Statement"][0]["Resource"] = {"Fn::Sub": document["Statement"][0]["Resource"] + "${AWS::Region}"}
    role = json.loads(_role_template(200))
    role["Resources"]["Reader"]["Properties"]["Policies"][0]["PolicyDocument"] = document
    text = json.dumps(role, indent=2)
    path = _write(tmp_path, text, "role.json")
    problems = _blocking(validate(path, text))
    assert _rules(problems) == ["IAM-POLICY-SIZE"]
    assert "10,245 characters" in problems[0].message
    # A stack's name can be as short as one character: counted as nothing, a lower bound, said so.
    document["Statement"][0]["Resource"] = {"Fn::Join": ["", [{"Ref": "AWS::StackName"}, "x" * 10_300]]}
    text = json.dumps(role, indent=2)
    assert "at least" in _blocking(validate(path, text))[0].message


def test_bucket_policy_over_20_kb_is_refused_and_20_kb_accepted(tmp_path: Path) -> None:
    for size, refused in ((20_481, True), (20_480, False)):
        principal = {"AWS": "arn:aws:iam::123456789012:root"}
        resources = {
            "Lake": {"Type": "AWS::S3::Bucket"},
            "LakePolicy": {
                "Type": "AWS::S3::BucketPolicy",
                "Properties": {"Bucket": {"Ref": "Lake"}, "PolicyDocument": _document(size, principal)},
            },
        }
        text = json.dumps({"Resources": resources}, indent=2)
        path = _write(tmp_path, text, "lake.json")
        problems = validate(path, text)
        if not refused:
            assert problems == []
            continue
        assert _rules(problems) == ["IAM-POLICY-SIZE"]
        (problem,) = problems
        assert (problem.line, problem.resource, problem.property) == (
            _line(text, '"PolicyDocument"'),
            "LakePolicy",
            "PolicyDocument",
        )
        assert "20,481 bytes" in problem.message


def test_trust_policy_over_the_default_quota(tmp_path: Path) -> None:
    statement = {
        "Sid": "",
        "Effect": "Allow",
        "Principal": {"Service": "lambda.amazonaws.com"},
        "Action": "sts:AssumeRole",
    }
    trust = {"Version": "2012-10-17", "Statement": [statement]}
    statement["Sid"] = "x" * (2_049 - len(json.dumps(trust, separators=(",", ":"))))
    assert len(json.dumps(trust, separators=(",", ":"))) == 2_049
    role = {"Resources": {"Reader": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": trust}}}}
    text = json.dumps(role, indent=2)
    path = _write(tmp_path, text, "role.json")
    problems = _blocking(validate(path, text))
    assert _rules(problems) == ["IAM-POLICY-SIZE"]
    assert problems[0].property == "AssumeRolePolicyDocument"
    assert "2,049 characters" in problems[0].message and "4,096" in problems[0].message


# ---------------------------------------------------------------------------------------------
# S3-ACL-OWNERSHIP, S3-ACL-PUBLIC-BLOCKED
# ---------------------------------------------------------------------------------------------


def _bucket(properties: str) -> str:
    return "Resources:\n  Logs:\n    Type: AWS::S3::Bucket\n    Properties:\n" + properties


def test_acl_with_ownership_object_writer_is_accepted(tmp_path: Path) -> None:
    text = _bucket(
        """\
      AccessControl: LogDeliveryWrite
      OwnershipControls:
        Rules: [{ObjectOwnership: ObjectWriter}]
"""
    )
    path = _write(tmp_path, text)
    assert _rules(validate(path, text)) == ["W3045"]


def test_acl_with_ownership_bucket_owner_enforced_is_refused(tmp_path: Path) -> None:
    text = _bucket(
        """\
      AccessControl: LogDeliveryWrite
      OwnershipControls:
        Rules: [{ObjectOwnership: BucketOwnerEnforced}]
"""
    )
    path = _write(tmp_path, text)
    problems = validate(path, text)
    assert _rules(problems) == ["W3045", "S3-ACL-OWNERSHIP"]
    problem = _blocking(problems)[0]
    assert (problem.line, problem.resource, problem.property) == (5, "Logs", "AccessControl")
    assert "BucketOwnerEnforced" in problem.message


def test_acl_without_ownership_controls_is_cfn_lints_e3045_only(tmp_path: Path) -> None:
    text = _bucket("      AccessControl: LogDeliveryWrite\n")
    path = _write(tmp_path, text)
    assert _rules(validate(path, text), blocking=True) == ["E3045"]


def test_owner_acls_are_accepted_with_acls_disabled(tmp_path: Path) -> None:
    for acl in ("Private", "BucketOwnerFullControl", "BucketOwnerRead"):
        text = _bucket(
            f"""\
      AccessControl: {acl}
      OwnershipControls:
        Rules: [{{ObjectOwnership: BucketOwnerEnforced}}]
"""
        )
        path = _write(tmp_path, text)
        assert _rules(validate(path, text), blocking=True) == [], acl


def test_public_acl_with_public_access_unblocked_is_accepted(tmp_path: Path) -> None:
    text = _bucket(
        """\
      AccessControl: PublicRead
      OwnershipControls:
        Rules: [{ObjectOwnership: ObjectWriter}]
      PublicAccessBlockConfiguration:
        BlockPublicAcls: false
        BlockPublicPolicy: false
        IgnorePublicAcls: false
        RestrictPublicBuckets: false
"""
    )
    path = _write(tmp_path, text)
    assert _rules(validate(path, text)) == ["W3045"]


def test_public_acl_without_public_access_block_is_refused(tmp_path: Path) -> None:
    text = _bucket(
        """\
      AccessControl: PublicRead
      OwnershipControls:
        Rules: [{ObjectOwnership: ObjectWriter}]
"""
    )
    path = _write(tmp_path, text)
    problems = validate(path, text)
    assert _rules(problems) == ["W3045", "S3-ACL-PUBLIC-BLOCKED"]
    problem = _blocking(problems)[0]
    assert (problem.line, problem.resource, problem.property) == (5, "Logs", "AccessControl")
    assert "no PublicAccessBlockConfiguration" in problem.message


def test_public_acl_with_block_public_acls_true_is_refused(tmp_path: Path) -> None:
    text = _bucket(
        """\
      AccessControl: AuthenticatedRead
      OwnershipControls:
        Rules: [{ObjectOwnership: BucketOwnerPreferred}]
      PublicAccessBlockConfiguration:
        BlockPublicAcls: "true"
"""
    )
    path = _write(tmp_path, text)
    assert _rules(validate(path, text), blocking=True) == ["S3-ACL-PUBLIC-BLOCKED"]


def test_acl_chosen_by_an_unknown_condition(tmp_path: Path) -> None:
    template = """\
Parameters:
  Public:
    Type: String
Conditions:
  IsPublic: !Equals [!Ref Public, "yes"]
Resources:
  Logs:
    Type: AWS::S3::Bucket
    Properties:
      AccessControl: !If [IsPublic, {when_true}, {when_false}]
      OwnershipControls:
        Rules: [{{ObjectOwnership: ObjectWriter}}]
"""
    # One possibility is accepted: not refused.
    text = template.format(when_true="PublicRead", when_false="Private")
    path = _write(tmp_path, text)
    assert _rules(validate(path, text), blocking=True) == []
    # Every possibility is refused: refused.
    text = template.format(when_true="PublicRead", when_false="PublicReadWrite")
    assert _rules(validate(path, text), blocking=True) == ["S3-ACL-PUBLIC-BLOCKED"]
    # The parameter's value decides the condition.
    text = template.format(when_true="PublicRead", when_false="Private")
    assert _rules(validate(path, text, parameters={"Public": "yes"}), blocking=True) == ["S3-ACL-PUBLIC-BLOCKED"]
    assert _rules(validate(path, text, parameters={"Public": "no"}), blocking=True) == []


# ---------------------------------------------------------------------------------------------
# S3-POLICY-PUBLIC-BLOCKED
# ---------------------------------------------------------------------------------------------


def _policy_template(statement: str, bucket_properties: str = "", bucket_ref: str = "!Ref Lake") -> str:
    return f"""\
Resources:
  Lake:
    Type: AWS::S3::Bucket
{bucket_properties}  LakePolicy:
    Type: AWS::S3::BucketPolicy
    Properties:
      Bucket: {bucket_ref}
      PolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Action: s3:GetObject
            Resource: !Sub "arn:${{AWS::Partition}}:s3:::${{Lake}}/*"
{statement}"""


def _anyone(condition: str) -> str:
    """A statement's principal ``*`` limited by one condition (``Operator: {key: value}``)."""
    return f'            Principal: "*"\n            Condition:\n              {condition}\n'


UNBLOCKED = """\
    Properties:
      PublicAccessBlockConfiguration:
        BlockPublicAcls: true
        BlockPublicPolicy: false
        IgnorePublicAcls: true
        RestrictPublicBuckets: true
"""


def test_public_bucket_policy_on_a_bucket_blocking_public_policies_is_refused(tmp_path: Path) -> None:
    text = _policy_template('            Principal: "*"\n')
    path = _write(tmp_path, text)
    problems = validate(path, text)
    assert _rules(problems) == ["S3-POLICY-PUBLIC-BLOCKED"]
    (problem,) = problems
    assert (problem.line, problem.resource, problem.property) == (11, "LakePolicy", "PolicyDocument.Statement[0]")
    assert "bucket Lake blocks public policies" in problem.message


def test_public_bucket_policy_variants(tmp_path: Path) -> None:
    public = [
        '            Principal: {AWS: "*"}\n',
        '            Principal: {Federated: "graph.facebook.com"}\n',
        '            Principal: {AWS: ["arn:aws:iam::123456789012:root", "*"]}\n',
        _anyone('StringLike: {"aws:SourceVpc": "vpc-*"}'),
        _anyone('IpAddress: {"aws:SourceIp": "0.0.0.0/1"}'),
        _anyone('StringEqualsIfExists: {"aws:SourceVpce": "vpce-1a2b3c4d"}'),
        _anyone('StringEquals: {"aws:UserAgent": "curl"}'),
    ]
    for statement in public:
        text = _policy_template(statement)
        path = _write(tmp_path, text)
        assert _rules(validate(path, text), blocking=True) == ["S3-POLICY-PUBLIC-BLOCKED"], statement


def test_non_public_bucket_policies_are_accepted(tmp_path: Path) -> None:
    non_public = [
        '            Principal: {AWS: "arn:aws:iam::123456789012:root"}\n',
        "            Principal: {AWS: !Sub 'arn:aws:iam::${AWS::AccountId}:root'}\n",
        '            Principal: {Service: "cloudtrail.amazonaws.com"}\n',
        _anyone('StringEquals: {"aws:SourceVpc": "vpc-91237329"}'),
        _anyone('StringEquals: {"aws:PrincipalOrgID": "o-abc123"}'),
        _anyone('IpAddress: {"aws:SourceIp": "203.0.113.0/24"}'),
        _anyone('StringEquals: {"aws:SourceAccount": !Ref AWS::AccountId}'),
        _anyone('StringLike: {"aws:userid": "AROAEXAMPLEID:*"}'),
    ]
    for statement in non_public:
        text = _policy_template(statement)
        path = _write(tmp_path, text)
        assert _rules(validate(path, text), blocking=True) == [], statement


def test_public_bucket_policy_accepted_when_public_policies_are_not_blocked(tmp_path: Path) -> None:
    text = _policy_template('            Principal: "*"\n', bucket_properties=UNBLOCKED)
    path = _write(tmp_path, text)
    assert _rules(validate(path, text), blocking=True) == []


def test_public_bucket_policy_on_a_bucket_not_of_the_template_is_not_flagged(tmp_path: Path) -> None:
    text = _policy_template('            Principal: "*"\n', bucket_ref="someone-elses-bucket").replace(
        "${Lake}", "someone-elses-bucket"
    )
    path = _write(tmp_path, text)
    assert _rules(validate(path, text), blocking=True) == []


def test_public_bucket_policy_naming_the_bucket_by_its_name(tmp_path: Path) -> None:
    named = "    Properties:\n      BucketName: eligibility-lake\n"
    text = _policy_template('            Principal: "*"\n', bucket_properties=named, bucket_ref="eligibility-lake")
    path = _write(tmp_path, text)
    assert _rules(validate(path, text), blocking=True) == ["S3-POLICY-PUBLIC-BLOCKED"]


# ---------------------------------------------------------------------------------------------
# Parameters
# ---------------------------------------------------------------------------------------------

PARAMETERS = """\
Parameters:
  Stage:
    Type: String
    AllowedValues: [dev, prod]
  Prefix:
    Type: String
    AllowedPattern: "[a-z]+"
    MaxLength: 10
  Retention:
    Type: Number
    Default: 7
    MinValue: 1
    MaxValue: 3
Resources:
  Topic:
    Type: AWS::SNS::Topic
    Properties:
      TopicName: !Sub "${Prefix}-${Stage}-${Retention}"
"""


def test_parameter_values_cloudformation_refuses(tmp_path: Path) -> None:
    path = _write(tmp_path, PARAMETERS)
    problems = validate(path, PARAMETERS, parameters={"Stage": "qa", "Prefix": "Lake_1", "Retention": "2"})
    assert _rules(problems) == ["E2900", "PARAM-VALUE", "E2015"]
    assert _rules(problems, blocking=True) == ["E2900", "PARAM-VALUE"]
    allowed, pattern = _blocking(problems)
    assert allowed.path == ("Parameters", "Stage") and "'qa' is not one of" in allowed.message
    assert pattern.line == _line(PARAMETERS, "  Prefix:") and pattern.resource is None
    assert pattern.where(path) == f"{path}: line 5: Parameters.Prefix"
    assert "does not match AllowedPattern" in pattern.message


def test_a_default_outside_its_constraints_does_not_block_when_a_value_is_given(tmp_path: Path) -> None:
    path = _write(tmp_path, PARAMETERS)
    problems = validate(path, PARAMETERS, parameters={"Stage": "dev", "Prefix": "lake", "Retention": "3"})
    assert _rules(problems) == ["E2015"]  # the Default 7 is above MaxValue 3, but is not used here
    assert problems[0].path == ("Parameters", "Retention", "Default")
    assert problems[0].blocking is False
    assert _rules(validate(path, PARAMETERS, parameters={"Stage": "dev", "Prefix": "lake"}), blocking=True) == ["E2015"]


def test_parameter_numbers_lengths_and_missing_values(tmp_path: Path) -> None:
    path = _write(tmp_path, PARAMETERS)
    problems = validate(path, PARAMETERS, parameters={"Stage": "dev", "Prefix": "abcdefghijk", "Retention": "ten"})
    messages = [p.message for p in problems if p.rule == "PARAM-VALUE"]
    assert messages == [
        "Parameter Prefix: 'abcdefghijk' is longer than MaxLength 10",
        "Parameter Retention: 'ten' is not a number",
    ]
    problems = validate(path, PARAMETERS, parameters={"Prefix": "lake", "Retention": "2"})
    assert _rules(problems, blocking=True) == ["PARAM-VALUE"]  # E2900 names only one parameter without a value
    assert _blocking(problems)[0].message == "Parameter Stage has no Default and no value was given for it"
    problems = validate(path, PARAMETERS, parameters={"Stage": "dev", "Retention": "2"})
    assert _rules(problems, blocking=True) == ["E2900"]  # the one E2900 names: not repeated
    assert "'Prefix' is a required property" in _blocking(problems)[0].message


def test_no_parameters_given_checks_no_values(tmp_path: Path) -> None:
    path = _write(tmp_path, PARAMETERS)
    assert _rules(validate(path, PARAMETERS), blocking=True) == ["E2015"]


# ---------------------------------------------------------------------------------------------
# lint_rules.yaml
# ---------------------------------------------------------------------------------------------


def test_every_error_rule_of_the_installed_cfn_lint_has_a_row() -> None:
    rows = lint_rules()
    installed = cfn_lint_rule_ids()
    missing = sorted(r for r in installed if r.startswith("E") and r not in rows)
    assert not missing, (
        f"cfn-lint {CFN_LINT_VERSION} has E rules that lint_rules.yaml does not review (they block until it "
        f"does): {', '.join(f'{r} ({installed[r]})' for r in missing)}"
    )


def test_every_row_names_a_rule_and_has_a_reason() -> None:
    rows = lint_rules()
    installed = cfn_lint_rule_ids()
    unknown = sorted(r for r in rows if r not in installed and r not in OWN_RULES)
    assert not unknown, f"lint_rules.yaml names rules cfn-lint {CFN_LINT_VERSION} does not have: {unknown}"
    assert not [r for r in rows if not r.startswith("E") and r not in OWN_RULES], "W and I rules need no row"
    assert all(row.reason.strip() for row in rows.values())
    assert set(OWN_RULES) <= set(rows)
    assert all(rows[r].block for r in OWN_RULES)


def test_rules_set_not_to_block() -> None:
    rows = lint_rules()
    assert sorted(r for r, row in rows.items() if not row.block) == [
        "E0002",
        "E0003",
        "E0100",
        "E0200",
        "E1029",
        "E3009",
        "E3040",
        "E3049",
        "E4001",
    ]
