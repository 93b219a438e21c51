"""TemplateLines: the line of a value by key path, and of each statement of a policy document, in YAML and JSON."""

from __future__ import annotations

from pathlib import Path

from enjoin.iac.cloudformation.lines import TemplateLines
from enjoin.iac.cloudformation.template import load_template

YAML = """\
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          Effect: Allow
          Principal: {Service: lambda.amazonaws.com}
          Action: sts:AssumeRole
      Policies:
        - PolicyName: Read
          PolicyDocument:
            Statement:
              - Sid: A
                Effect: Allow
                Action: s3:GetObject
                Resource: "*"
              - Effect: Allow
                Action: s3:ListBucket
                Resource: !Sub "arn:${AWS::Partition}:s3:::b"
        - PolicyName: Maybe
          PolicyDocument:
            Statement:
              - !If [Prod, {Effect: Allow, Action: "s3:*", Resource: "*"}, !Ref AWS::NoValue]
              - {Effect: Allow, Action: "s3:GetObject", Resource: "*"}
"""
JSON = """{
  "Resources": {
    "Policy": {
      "Type": "AWS::IAM::ManagedPolicy",
      "Properties": {
        "PolicyDocument": {
          "Statement": [
            {"Sid": "One", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
            {"Sid": "Two", "Effect": "Allow", "Action": "s3:PutObject", "Resource": "*"}
          ]
        }
      }
    }
  }
}
"""
ROLE = ("Resources", "Role", "Properties")


def test_lines_of_statements_in_yaml(tmp_path: Path) -> None:
    (tmp_path / "t.yaml").write_text(YAML)
    lines = TemplateLines(load_template(tmp_path / "t.yaml"))
    assert lines.line(("Resources", "Role")) == 3
    assert lines.statement_lines((*ROLE, "Policies", 0, "PolicyDocument")) == (14, 18)
    # a lone statement (a mapping, not a list) is statement 0
    assert lines.statement_lines((*ROLE, "AssumeRolePolicyDocument")) == (7,)
    # a conditional item may drop out when deployed: which deployed index is which is unknown, so none is given
    assert lines.statement_lines((*ROLE, "Policies", 1, "PolicyDocument")) == ()
    assert lines.line((*ROLE, "Policies", 2)) is None
    assert lines.line((*ROLE, "NoSuchKey")) is None


def test_lines_of_statements_in_json(tmp_path: Path) -> None:
    (tmp_path / "t.json").write_text(JSON)
    lines = TemplateLines(load_template(tmp_path / "t.json"))
    assert lines.statement_lines(("Resources", "Policy", "Properties", "PolicyDocument")) == (8, 9)
