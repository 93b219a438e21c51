"""The SAM transform: expanded with AWS's translator; other transforms refused with how to get around them."""

from __future__ import annotations

from pathlib import Path

import pytest

from enjoin.errors import DeployError
from enjoin.iac.cloudformation.sam import SAM, expand, transforms
from enjoin.iac.cloudformation.template import load_template

FUNCTION = """AWSTemplateFormatVersion: "2010-09-09"
Transform: {transform}
Resources:
  Reader:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.13
      Handler: app.handler
      CodeUri: ./src
      Policies:
        - S3ReadPolicy: {{BucketName: cms-data}}
"""


def _template(tmp_path: Path, transform: str) -> Path:
    path = tmp_path / "t.yaml"
    path.write_text(FUNCTION.format(transform=transform), encoding="utf-8")
    return path


def test_a_sam_function_becomes_a_function_and_its_generated_role(tmp_path: Path) -> None:
    template = load_template(_template(tmp_path, SAM))
    processed = expand(template, {}, "us-east-1")
    types = {lid: r["Type"] for lid, r in processed.resources.items()}
    assert types == {"Reader": "AWS::Lambda::Function", "ReaderRole": "AWS::IAM::Role"}
    assert processed.lines == {"Reader": 4, "ReaderRole": 4}  # a generated resource has its origin's line
    policy = processed.resources["ReaderRole"]["Properties"]["Policies"][0]["PolicyDocument"]
    assert {"s3:GetObject"} <= set(policy["Statement"][0]["Action"])
    code = processed.resources["Reader"]["Properties"]["Code"]
    assert code == {"S3Bucket": "enjoin-local-code", "S3Key": "Reader"}  # a local CodeUri is not read


@pytest.mark.parametrize("transform", ["AWS::LanguageExtensions", "[AWS::LanguageExtensions, " + SAM + "]"])
def test_other_transforms_are_refused_naming_them(tmp_path: Path, transform: str) -> None:
    template = load_template(_template(tmp_path, transform))
    with pytest.raises(DeployError) as info:
        expand(template, {}, "us-east-1")
    assert info.value.where == f"{tmp_path / 't.yaml'}: Transform"
    assert info.value.found.startswith("AWS::LanguageExtensions")
    assert "TemplateStage Processed" in info.value.expected


def test_include_is_named_by_its_name(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(
        "Transform: {Name: AWS::Include, Parameters: {Location: s3://b/k}}\nResources:\n  B: {Type: AWS::S3::Bucket}\n",
        encoding="utf-8",
    )
    assert transforms(load_template(path)) == ["AWS::Include"]


def test_a_foreach_loop_loads_and_its_transform_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(
        "Transform: AWS::LanguageExtensions\n"
        "Resources:\n"
        "  Fn::ForEach::Buckets:\n"
        "    - Name\n"
        "    - [A, B]\n"
        "    - Bucket${Name}: {Type: AWS::S3::Bucket}\n",
        encoding="utf-8",
    )
    template = load_template(path)
    with pytest.raises(DeployError) as info:
        expand(template, {}, "us-east-1")
    assert info.value.found == "AWS::LanguageExtensions"
