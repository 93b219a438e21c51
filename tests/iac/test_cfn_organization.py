"""AWS::Organizations::Policy in a CloudFormation template (enjoin.iac.cloudformation.organization): an SCP or RCP
whose TargetIds are account ids joins those accounts' levels, as the Terraform plan's aws_organizations_policy does;
what cannot be taken is named."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from enjoin.errors import DeployError
from enjoin.iac.cloudformation.classification import Class
from enjoin.iac.cloudformation.organization import template_policies
from enjoin.iac.cloudformation.template import load_template
from enjoin.pipeline import run_pipeline

ROOT = Path(__file__).resolve().parents[2]
CMS = "111111111111"
READER = f"arn:aws:iam::{CMS}:role/DhsDisclosureReader"
GUARDRAILS = json.loads((ROOT / "infra" / "reference" / "scp" / "cms-data-guardrails.json").read_text())
DENY = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*"}]}


def _template(tmp_path: Path, **props: Any) -> Path:
    body = {"AWSTemplateFormatVersion": "2010-09-09",
            "Parameters": {"Member": {"Type": "String", "Default": CMS}},
            "Resources": {"Guard": {"Type": "AWS::Organizations::Policy",
                                    "Properties": {"Name": "Guard", "Type": "SERVICE_CONTROL_POLICY",
                                                   "Content": DENY, "TargetIds": [CMS]} | props}}}
    path = tmp_path / "org.yaml"
    path.write_text(yaml.safe_dump(body, sort_keys=False))
    return path


def _classified(tmp_path: Path, **props: Any) -> tuple[tuple[Any, ...], tuple[Class, str]]:
    taken, classes = template_policies(load_template(_template(tmp_path, **props)), {"Member": CMS})
    return taken, classes["Guard"]


def test_an_scp_on_an_account_is_taken_with_content_as_object_or_string(tmp_path: Path) -> None:
    for content in (DENY, json.dumps(DENY)):
        taken, (klass, _) = _classified(tmp_path, Content=content)
        assert [(p.kind, p.account, p.document, p.policy) for p in taken] == [("scps", CMS, DENY, "Guard")]
        assert klass is Class.INERT


def test_a_target_given_by_a_parameter_is_resolved(tmp_path: Path) -> None:
    taken, _ = _classified(tmp_path, TargetIds=[{"Ref": "Member"}], Type="RESOURCE_CONTROL_POLICY")
    assert [(p.kind, p.account) for p in taken] == [("rcps", CMS)]


@pytest.mark.parametrize(("targets", "named"), [(["ou-ab12-34cd56ef"], "ou-ab12-34cd56ef"), ([CMS, "r-ab12"], "r-ab12"),
                                                ([{"Ref": "DataOu"}], '{"Ref": "DataOu"}')])
def test_an_ou_root_or_unknown_target_is_indeterminate_naming_it(tmp_path: Path, targets: list[Any], named: str
                                                                 ) -> None:
    taken, (klass, reason) = _classified(tmp_path, TargetIds=targets)
    assert taken == () and klass is Class.UNMODELED and named in reason


def test_content_computed_by_an_intrinsic_function_is_indeterminate(tmp_path: Path) -> None:
    taken, (klass, reason) = _classified(tmp_path, Content={"Fn::Sub": json.dumps(DENY)})
    assert taken == () and klass is Class.UNMODELED and "Content" in reason


def test_a_tag_policy_is_inert(tmp_path: Path) -> None:
    taken, (klass, reason) = _classified(tmp_path, Type="TAG_POLICY", Content={"tags": {}})
    assert taken == () and klass is Class.INERT and "TAG_POLICY" in reason


def test_malformed_content_is_an_error_naming_template_resource_and_property(tmp_path: Path) -> None:
    with pytest.raises(DeployError) as caught:
        _classified(tmp_path, Content='{"Statement": [}')
    assert str(tmp_path / "org.yaml") in caught.value.where
    assert "resource Guard" in caught.value.where and "Content" in caught.value.where


def _config(tmp_path: Path, variant: Path, document: dict[str, Any]) -> Path:
    """The CloudFormation variant with the guardrails SCP in a template of its own rather than in enjoin.yaml."""
    base = yaml.safe_load(variant.read_text())
    templates = [t | {"path": str((variant.parent / t["path"]).resolve())} for t in base["templates"]]
    org = {"AWSTemplateFormatVersion": "2010-09-09", "Resources": {"CmsDataGuardrails": {
        "Type": "AWS::Organizations::Policy", "Properties": {
            "Name": "CmsDataGuardrails", "Type": "SERVICE_CONTROL_POLICY", "Content": document, "TargetIds": [CMS]}}}}
    (tmp_path / "organization.yaml").write_text(yaml.safe_dump(org, sort_keys=False))
    config = {"extends": str(ROOT / "enjoin.yaml"), "read_outside": [str(ROOT)],
              "templates": [*templates, {"path": "organization.yaml", "account": "cms"}],
              "organization": {"scps": [{"path": str(ROOT / "infra/reference/scp/full-aws-access.json"),
                                         "targets": ["cms"]}]}}
    (tmp_path / "enjoin.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    return tmp_path / "enjoin.yaml"


def test_the_scp_in_a_template_is_judged_as_in_enjoin_yaml_and_keeps_the_lookalike_compliant(tmp_path: Path) -> None:
    reference = {c["id"]: c["verdict"] for c in run_pipeline(ROOT / "enjoin.yaml").report["clauses"]}
    (tmp_path / "ref").mkdir()
    result = run_pipeline(_config(tmp_path / "ref", ROOT / "enjoin.yaml", GUARDRAILS))
    assert {c["id"]: c["verdict"] for c in result.report["clauses"]} == reference
    assert result.snapshot.organization.scp_names[CMS][1][-1] == (
        "organization.yaml: CmsDataGuardrails (attached by CmsDataGuardrails.TargetIds)")
    narrowed = json.loads(json.dumps(GUARDRAILS))
    narrowed["Statement"].append({"Sid": "DisclosureReaderReadsOnlyTheExtract", "Effect": "Deny",
                                  "Action": "s3:GetObject", "NotResource": "arn:aws:s3:::cms-dhs-disclosure-extract/*",
                                  "Condition": {"ArnLike": {"aws:PrincipalArn": READER}}})
    (tmp_path / "lookalike").mkdir()
    variant = ROOT / "infra" / "variants" / "direct-grant" / "enjoin.yaml"
    result = run_pipeline(_config(tmp_path / "lookalike", variant, narrowed))
    assert {c["id"]: c["verdict"] for c in result.report["clauses"]} == reference
    assert run_pipeline(variant).report["verdict"] == "VIOLATION"  # without the template's SCP
