"""CloudFormation template loading (short-form tags) and intrinsic resolution."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest

from enjoin.errors import DeployError
from enjoin.iac.cloudformation.template import (
    CfnTemplate,
    Scope,
    evaluate_conditions,
    load_template,
    resolve,
    substitute,
)

REFERENCE = Path(__file__).resolve().parents[1] / "infra" / "reference"


def write(tmp_path: Path, text: str, name: str = "t.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_short_form_tags_become_long_form(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """AWSTemplateFormatVersion: 2010-09-09
Resources:
  Bucket:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: !Sub "${Prefix}-data"
      Tags:
        - {Key: a, Value: !Ref Prefix}
        - {Key: b, Value: !GetAtt Key.Arn}
        - {Key: c, Value: !ImportValue other-stack-Export}
        - {Key: d, Value: !Join ["-", [x, !Select [0, !Split [",", "p,q"]]]]}
        - {Key: e, Value: !If [IsProd, yes-prod, !Ref AWS::NoValue]}
        - {Key: f, Value: !GetAtt Db.Endpoint.Address}
        - {Key: g, Value: !Sub ["${X}", {X: !Ref Prefix}]}
""",
    )
    template = load_template(path)
    assert template.body["AWSTemplateFormatVersion"] == "2010-09-09"  # a string, not a date
    props = template.resources["Bucket"]["Properties"]
    assert props["BucketName"] == {"Fn::Sub": "${Prefix}-data"}
    assert props["Tags"] == [
        {"Key": "a", "Value": {"Ref": "Prefix"}},
        {"Key": "b", "Value": {"Fn::GetAtt": ["Key", "Arn"]}},
        {"Key": "c", "Value": {"Fn::ImportValue": "other-stack-Export"}},
        {
            "Key": "d",
            "Value": {"Fn::Join": ["-", ["x", {"Fn::Select": [0, {"Fn::Split": [",", "p,q"]}]}]]},
        },
        {"Key": "e", "Value": {"Fn::If": ["IsProd", "yes-prod", {"Ref": "AWS::NoValue"}]}},
        {"Key": "f", "Value": {"Fn::GetAtt": ["Db", "Endpoint.Address"]}},
        {"Key": "g", "Value": {"Fn::Sub": ["${X}", {"X": {"Ref": "Prefix"}}]}},
    ]
    assert template.lines == {"Bucket": 3}


def test_reference_templates_load_with_resource_lines() -> None:
    template = load_template(REFERENCE / "cms-cross-account.yaml")
    assert set(template.resources) == {"DhsDisclosureReaderRole", "IceLiaisonRole"}
    assert set(template.parameters) == {"DhsAccountId", "DisclosureExternalId"}
    text = (REFERENCE / "cms-cross-account.yaml").read_text().splitlines()
    assert text[template.lines["IceLiaisonRole"] - 1] == "  IceLiaisonRole:"
    assert template.where("IceLiaisonRole", "Policies").endswith(
        f"line {template.lines['IceLiaisonRole']}: resource IceLiaisonRole, property Policies"
    )


def test_json_template(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '{\n "Resources": {\n  "Topic": {"Type": "AWS::S3::Bucket",'
        ' "Properties": {"BucketName": {"Ref": "N"}}}\n }\n}\n',
        "t.json",
    )
    template = load_template(path)
    assert template.resources == {
        "Topic": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": {"Ref": "N"}}}
    }
    assert template.lines == {"Resources": 2, "Topic": 3}


@pytest.mark.parametrize(
    ("text", "name", "where", "expected"),
    [
        ("Resources: [unclosed\n", "bad.yaml", "bad.yaml: line 2", "a YAML template"),
        ('{"Resources": }', "bad.json", "bad.json: line 1", "a JSON template"),
        ("Description: nothing\n", "empty.yaml", "empty.yaml: Resources", "a non-empty mapping of resources"),
        (
            "Resources:\n  X: {Properties: {}}\n",
            "notype.yaml",
            "notype.yaml: line 2: resource X",
            "a resource with a Type",
        ),
    ],
)
def test_malformed_templates(tmp_path: Path, text: str, name: str, where: str, expected: str) -> None:
    path = write(tmp_path, text, name)
    with pytest.raises(DeployError) as info:
        load_template(path)
    assert info.value.where == f"{tmp_path}/{where}"
    assert info.value.expected == expected


def test_missing_template_file(tmp_path: Path) -> None:
    with pytest.raises(DeployError) as info:
        load_template(tmp_path / "absent.yaml")
    assert (info.value.where, info.value.found) == (str(tmp_path / "absent.yaml"), "no such file")


# --- resolution ---------------------------------------------------------------------------------


def scope_for(body: dict[str, Any], **overrides: Any) -> Scope:
    template = CfnTemplate(Path("t.yaml"), body)
    attrs = {("Role", "Arn"): "arn:aws:iam::111111111111:role/R", ("Key", "Arn"): "arn:aws:kms:k"}

    def attribute(resource: str, name: str) -> Any:
        return attrs[(resource, name)]

    scope = Scope(
        template=template,
        parameters=overrides.get("parameters", {"Stage": "prod", "Names": ["a", "b"]}),
        pseudo={"AWS::AccountId": "111111111111", "AWS::Region": "us-east-1", "AWS::Partition": "aws"},
        refs={"Role": "R", "Key": "k-1"},
        attribute=attribute,
        imports={"shared-BucketArn": "arn:aws:s3:::shared"},
    )
    conditions = evaluate_conditions(template, scope)
    return Scope(
        scope.template, scope.parameters, scope.pseudo, scope.refs, scope.attribute, scope.imports, conditions
    )


CONDITIONS = {
    "Conditions": {
        "IsProd": {"Fn::Equals": [{"Ref": "Stage"}, "prod"]},
        "IsTest": {"Fn::Not": [{"Condition": "IsProd"}]},
        "Both": {"Fn::And": [{"Condition": "IsProd"}, {"Fn::Equals": ["a", "a"]}]},
        "Either": {"Fn::Or": [{"Condition": "IsTest"}, {"Fn::Equals": ["a", "b"]}]},
    },
    "Mappings": {"Env": {"prod": {"Cidr": "10.0.0.0/8"}}},
}


def test_conditions() -> None:
    scope = scope_for(CONDITIONS)
    assert dict(scope.conditions) == {"IsProd": True, "IsTest": False, "Both": True, "Either": False}
    test_scope = scope_for(CONDITIONS, parameters={"Stage": "test"})
    assert dict(test_scope.conditions) == {"IsProd": False, "IsTest": True, "Both": False, "Either": True}


def test_resolve_every_supported_intrinsic() -> None:
    scope = scope_for(CONDITIONS)
    value = {
        "ref_param": {"Ref": "Stage"},
        "ref_list": {"Ref": "Names"},
        "ref_resource": {"Ref": "Role"},
        "ref_pseudo": {"Ref": "AWS::AccountId"},
        "removed": {"Ref": "AWS::NoValue"},
        "sub": {
            "Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/${Role} ${Role.Arn} ${!Literal}"
        },
        "sub_vars": {"Fn::Sub": ["${B}/*", {"B": {"Fn::ImportValue": "shared-BucketArn"}}]},
        "getatt": {"Fn::GetAtt": ["Key", "Arn"]},
        "getatt_dotted": {"Fn::GetAtt": "Role.Arn"},
        "join": {"Fn::Join": [",", [{"Ref": "Stage"}, "x"]]},
        "select": {"Fn::Select": ["1", {"Ref": "Names"}]},
        "split": {"Fn::Split": ["/", "a/b"]},
        "if": {"Fn::If": ["IsProd", "p", {"Ref": "AWS::NoValue"}]},
        "if_false": {"Fn::If": ["IsTest", "t", {"Ref": "AWS::NoValue"}]},
        "map": {"Fn::FindInMap": ["Env", {"Ref": "Stage"}, "Cidr"]},
        "b64": {"Fn::Base64": "hi"},
        "list": ["a", {"Ref": "AWS::NoValue"}, {"Ref": "AWS::Region"}],
    }
    assert resolve(value, scope) == {
        "ref_param": "prod",
        "ref_list": ["a", "b"],
        "ref_resource": "R",
        "ref_pseudo": "111111111111",
        "sub": "arn:aws:iam::111111111111:role/R arn:aws:iam::111111111111:role/R ${Literal}",
        "sub_vars": "arn:aws:s3:::shared/*",
        "getatt": "arn:aws:kms:k",
        "getatt_dotted": "arn:aws:iam::111111111111:role/R",
        "join": "prod,x",
        "select": "b",
        "split": ["a", "b"],
        "if": "p",
        "map": "10.0.0.0/8",
        "b64": base64.b64encode(b"hi").decode(),
        "list": ["a", "us-east-1"],
    }


@pytest.mark.parametrize(
    ("value", "expected", "found"),
    [
        ({"Ref": "Nope"}, "Ref to a parameter, a resource or a pseudo parameter", "'Nope'"),
        ({"Fn::GetAtt": ["Role", "RoleId"]}, "Fn::GetAtt of a known resource attribute", "Role.RoleId"),
        ({"Fn::ImportValue": "missing"}, "Fn::ImportValue of an exported name", "'missing'"),
        ({"Fn::If": ["Undefined", 1, 2]}, "Fn::If naming a defined condition", "'Undefined'"),
        (
            {"Fn::Transform": {"Name": "AWS::Include"}},
            "an intrinsic function enjoin resolves (see enjoin.iac.cloudformation.template)",
            "Fn::Transform",
        ),
        ({"Fn::Cidr": ["10.0.0.0/24", 300, 8]}, "Fn::Cidr [ip block, count, cidr bits] that fits", None),
        ({"Fn::Sub": "${Missing}"}, "Ref to a parameter, a resource or a pseudo parameter", "'Missing'"),
    ],
)
def test_unresolvable_intrinsics_are_errors(value: Any, expected: str, found: str | None) -> None:
    with pytest.raises(DeployError) as info:
        resolve({"Prop": value}, scope_for(CONDITIONS), "resource R")
    assert (info.value.where, info.value.expected) == ("t.yaml: resource R", expected)
    if found is not None:
        assert info.value.found == found


def test_get_azs_and_cidr_resolve_as_cloudformation_documents() -> None:
    scope = scope_for(CONDITIONS)
    assert resolve({"Fn::Select": [1, {"Fn::GetAZs": ""}]}, scope) == "us-east-1b"
    assert resolve({"Fn::Cidr": ["10.0.0.0/16", 3, 8]}, scope) == ["10.0.0.0/24", "10.0.1.0/24", "10.0.2.0/24"]


def test_choose_takes_each_branch_and_removes_no_value() -> None:
    from enjoin.iac.cloudformation.template import choose

    body = {
        "Properties": {"Fn::If": ["Prod", {"A": 1, "B": {"Ref": "AWS::NoValue"}}, {"Ref": "AWS::NoValue"}]},
        "List": ["x", {"Fn::If": ["Prod", "y", {"Ref": "AWS::NoValue"}]}],
    }
    assert choose(body, {"Prod": True}) == {"Properties": {"A": 1}, "List": ["x", "y"]}
    assert choose(body, {"Prod": False}) == {"List": ["x"]}
    with pytest.raises(DeployError, match="Fn::If naming a defined condition"):
        choose({"Fn::If": ["Nope", 1, 2]}, {}, "t.yaml: resource R")


def test_condition_cycle_is_an_error() -> None:
    with pytest.raises(DeployError) as info:
        scope_for({"Conditions": {"A": {"Condition": "B"}, "B": {"Condition": "A"}}})
    assert info.value.where == "t.yaml: Conditions"


def test_substitute_replaces_only_the_given_resources() -> None:
    refs = {"Point": "org-point", "Provider": "arn:aws:iam::111111111111:saml-provider/p"}

    def attribute(resource: str, name: str) -> str:
        if (resource, name) == ("Point", "Arn"):
            return "arn:aws:s3:us-east-1:111111111111:accesspoint/org-point"
        raise KeyError(name)

    value = {
        "ref": {"Ref": "Point"},
        "other": {"Ref": "Bucket"},
        "getatt": {"Fn::GetAtt": ["Point", "Arn"]},
        "getatt_dotted": {"Fn::GetAtt": "Point.Arn"},
        "unknown_attribute": {"Fn::GetAtt": ["Point", "Alias"]},
        "sub": {"Fn::Sub": "${Point}/${Point.Arn}/${Point.Alias}/${Bucket}/${!Point}"},
        "sub_vars": {"Fn::Sub": ["${Point}-${X}", {"Point": "shadowed", "X": {"Ref": "Provider"}}]},
        "nested": [{"Principal": {"Federated": {"Ref": "Provider"}}}],
    }
    assert substitute(value, refs, attribute) == {
        "ref": "org-point",
        "other": {"Ref": "Bucket"},
        "getatt": "arn:aws:s3:us-east-1:111111111111:accesspoint/org-point",
        "getatt_dotted": "arn:aws:s3:us-east-1:111111111111:accesspoint/org-point",
        "unknown_attribute": {"Fn::GetAtt": ["Point", "Alias"]},
        "sub": {
            "Fn::Sub": "org-point/arn:aws:s3:us-east-1:111111111111:accesspoint/org-point"
            "/${Point.Alias}/${Bucket}/${!Point}"
        },
        "sub_vars": {"Fn::Sub": ["${Point}-${X}", {"Point": "shadowed", "X": refs["Provider"]}]},
        "nested": [{"Principal": {"Federated": refs["Provider"]}}],
    }


def test_physical_ids_and_attributes_of_the_types_moto_skips() -> None:
    from enjoin.iac.cloudformation.types import attribute, name_in, physical_id_of

    cms, region = "111111111111", "us-east-1"
    assert name_in({"DatabaseInput": {"Name": "taf"}}, "DatabaseInput.Name") == "taf"
    assert name_in({"DatabaseInput": {}}, "DatabaseInput.Name") is None
    assert name_in({"Name": "x"}, None) is None
    ids = {
        rtype: physical_id_of(rtype, "Logical", "stack", name, props, cms, region)
        for rtype, name, props in (
            ("AWS::IAM::SAMLProvider", "DHS-PIV", {}),
            ("AWS::IAM::OIDCProvider", None, {"Url": "https://token.actions.githubusercontent.com"}),
            ("AWS::S3::AccessPoint", None, {}),
            ("AWS::Glue::Table", "people", {}),
            ("AWS::LakeFormation::PrincipalPermissions", None, {}),
        )
    }
    assert ids == {
        "AWS::IAM::SAMLProvider": "arn:aws:iam::111111111111:saml-provider/DHS-PIV",
        "AWS::IAM::OIDCProvider": f"arn:aws:iam::{cms}:oidc-provider/token.actions.githubusercontent.com",
        "AWS::S3::AccessPoint": "stack-logical",
        "AWS::Glue::Table": "people",
        "AWS::LakeFormation::PrincipalPermissions": "stack-Logical",
    }
    point = "arn:aws:s3:us-east-1:111111111111:accesspoint/p"
    assert attribute("AWS::S3::AccessPoint", "p", {}, "Arn", cms, region) == point
    assert (
        attribute(
            "AWS::S3::AccessPoint", "p", {"VpcConfiguration": {"VpcId": "v"}}, "NetworkOrigin", cms, region
        )
        == "VPC"
    )
    assert attribute("AWS::Lambda::Function", "f", {}, "Arn", cms, region) == (
        "arn:aws:lambda:us-east-1:111111111111:function:f"
    )
    assert (
        attribute("AWS::IAM::SAMLProvider", ids["AWS::IAM::SAMLProvider"], {}, "Arn", cms, region)
        == (ids["AWS::IAM::SAMLProvider"])
    )
    with pytest.raises(KeyError):
        attribute("AWS::S3::AccessPoint", "p", {}, "Alias", cms, region)  # random in AWS: not computed
