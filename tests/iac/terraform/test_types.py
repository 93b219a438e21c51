"""The translation of one AWS provider type at a time: a resource added to the reference plan (planned values,
resource change and configuration block, as Terraform writes them) becomes the CloudFormation resource or
property enjoin models, references known only after apply become ``Ref``/``Fn::GetAtt``, and what cannot be
resolved leaves the resource unmodeled, naming the address and the attribute."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from enjoin.config_model import Template
from enjoin.iac.cloudformation.classification import Class
from enjoin.iac.terraform.plan import load_plan
from enjoin.iac.terraform.translate import PlanTemplate, translate

ROOT = Path(__file__).resolve().parents[3]
REFERENCE = ROOT / "infra" / "terraform" / "reference" / "plan.json"
CMS, DHS = "111111111111", "222222222222"
PROVIDER = "registry.terraform.io/hashicorp/aws"


def _add(document: dict[str, Any], module: str, rtype: str, name: str, after: dict[str, Any],
         references: dict[str, list[str]] | None = None) -> str:
    """Add a managed resource to ``module``: an argument named in ``references`` is known only after apply
    (null in ``after``, true in ``after_unknown``) and its expression records those references."""
    references = references or {}
    address = f"module.{module}.{rtype}.{name}"
    values = {k: v for k, v in after.items() if k not in references}
    unknown = dict.fromkeys(references, True)
    head = {"address": address, "mode": "managed", "type": rtype, "name": name, "provider_name": PROVIDER}
    planned = document["planned_values"]["root_module"]["child_modules"]
    next(m for m in planned if m["address"] == f"module.{module}")["resources"].append(
        head | {"schema_version": 0, "values": values, "sensitive_values": {}})
    document["resource_changes"].append(head | {"module_address": f"module.{module}", "change": {
        "actions": ["create"], "before": None, "after": values | dict.fromkeys(references), "after_unknown": unknown,
        "before_sensitive": False, "after_sensitive": {}}})
    expressions: dict[str, Any] = {k: {"constant_value": v} for k, v in values.items() if v is not None}
    expressions |= {k: {"references": refs} for k, refs in references.items()}
    config = document["configuration"]["root_module"]["module_calls"][module]["module"]["resources"]
    config.append({"address": f"{rtype}.{name}", "mode": "managed", "type": rtype, "name": name,
                   "provider_config_key": "aws", "expressions": expressions, "schema_version": 0})
    return address


def _translated(tmp_path: Path, document: dict[str, Any]) -> dict[str, PlanTemplate]:
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(document))
    return dict(translate(load_plan(path), Template(path=path, account=CMS, providers={"aws.dhs": DHS})))


def _resource(template: PlanTemplate, address: str) -> dict[str, Any]:
    by_address = {v: k for k, v in template.addresses.items()}
    found: dict[str, Any] = template.resources[by_address[address]]
    return found


def _logical_id(template: PlanTemplate, address: str) -> str:
    return {v: k for k, v in template.addresses.items()}[address]


def _doubts(template: PlanTemplate) -> list[tuple[str, str | None, list[str]]]:
    return [(template.addresses[d.logical_id], d.prop, sorted(d.affects)) for d in template.declared
            if d.klass is Class.UNMODELED]


def _reference() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(REFERENCE.read_text())
    return loaded


def test_an_instance_profile_carries_its_role(tmp_path: Path) -> None:
    document = _reference()
    address = _add(document, "cross_account", "aws_iam_instance_profile", "reader",
                   {"name": "DhsDisclosureReaderProfile", "path": "/", "role": None, "name_prefix": None},
                   {"role": ["aws_iam_role.reader.name", "aws_iam_role.reader"]})
    literal = _add(document, "identity", "aws_iam_instance_profile", "ingest",
                   {"name": "CmsIngestProfile", "path": "/pipelines/", "role": "CmsTmsisIngestPipeline"})
    cms = _translated(tmp_path, document)[CMS]
    assert _resource(cms, address) == {"Type": "AWS::IAM::InstanceProfile", "Properties": {
        "InstanceProfileName": "DhsDisclosureReaderProfile",
        "Roles": [{"Ref": _logical_id(cms, "module.cross_account.aws_iam_role.reader")}]}}
    assert _resource(cms, literal)["Properties"] == {"InstanceProfileName": "CmsIngestProfile",
                                                     "Path": "/pipelines/", "Roles": ["CmsTmsisIngestPipeline"]}
    assert _doubts(cms) == []


def test_an_instance_profile_whose_role_is_not_in_the_plan_is_unmodeled(tmp_path: Path) -> None:
    document = _reference()
    address = _add(document, "cross_account", "aws_iam_instance_profile", "other",
                   {"name": "OtherProfile", "path": "/", "role": None, "tags": {"Owner": "x"}},
                   {"role": ["var.role_name"]})
    cms = _translated(tmp_path, document)[CMS]
    assert _doubts(cms) == [(address, None, ["roles"])]
    (doubt,) = [d for d in cms.declared if d.klass is Class.UNMODELED]
    assert doubt.reason.startswith("aws_iam_instance_profile left out: role is known only after apply")


def test_identity_providers_become_their_cloudformation_twins(tmp_path: Path) -> None:
    document = _reference()
    metadata = "<md:EntityDescriptor entityID=\"https://idp.example\"/>"
    saml = _add(document, "identity", "aws_iam_saml_provider", "piv",
                {"name": "DHS-ICE-PIV", "saml_metadata_document": metadata, "tags": {"Owner": "dhs"}})
    oidc = _add(document, "identity", "aws_iam_openid_connect_provider", "ci",
                {"url": "https://token.actions.githubusercontent.com", "client_id_list": ["sts.amazonaws.com"],
                 "thumbprint_list": [], "tags": {"Owner": "ci"}})
    cms = _translated(tmp_path, document)[CMS]
    assert _resource(cms, saml) == {"Type": "AWS::IAM::SAMLProvider", "Properties": {
        "Name": "DHS-ICE-PIV", "SamlMetadataDocument": metadata}}  # tags are inert, as the CloudFormation Tags
    assert _resource(cms, oidc) == {"Type": "AWS::IAM::OIDCProvider", "Properties": {
        "Url": "https://token.actions.githubusercontent.com", "ClientIdList": ["sts.amazonaws.com"],
        "Tags": [{"Key": "Owner", "Value": "ci"}]}}
    assert _doubts(cms) == []



_AP_POLICY = {"Version": "2012-10-17", "Statement": [{
    "Sid": "DhsEligibilityVerification", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{DHS}:root"},
    "Action": "s3:GetObject",
    "Resource": f"arn:aws:s3:us-east-1:{CMS}:accesspoint/chip-eligibility-verification/object/*"}]}
_BLOCK = {"block_public_acls": True, "block_public_policy": True, "ignore_public_acls": True,
          "restrict_public_buckets": False}
_CHIP = 'module.data.aws_s3_bucket.store["chip-enrollment"]'


def test_an_access_point_opens_its_bucket_under_its_policy(tmp_path: Path) -> None:
    document = _reference()
    address = _add(document, "data", "aws_s3_access_point", "verification", {
        "name": "chip-eligibility-verification", "bucket": None, "policy": json.dumps(_AP_POLICY),
        "public_access_block_configuration": [_BLOCK], "vpc_configuration": [{"vpc_id": "vpc-0abc"}]},
        {"bucket": ['aws_s3_bucket.store["chip-enrollment"].id', 'aws_s3_bucket.store["chip-enrollment"]']})
    cms = _translated(tmp_path, document)[CMS]
    assert _resource(cms, address) == {"Type": "AWS::S3::AccessPoint", "Properties": {
        "Name": "chip-eligibility-verification", "Bucket": {"Ref": _logical_id(cms, _CHIP)}, "Policy": _AP_POLICY,
        "PublicAccessBlockConfiguration": {"BlockPublicAcls": True, "BlockPublicPolicy": True,
                                           "IgnorePublicAcls": True, "RestrictPublicBuckets": False},
        "VpcConfiguration": {"VpcId": "vpc-0abc"}}}
    assert _doubts(cms) == []


def test_an_access_point_policy_of_its_own_merges_into_the_access_point(tmp_path: Path) -> None:
    document = _reference()
    address = _add(document, "data", "aws_s3_access_point", "verification",
                   {"name": "chip-eligibility-verification", "bucket": "cms-chip-enrollment", "policy": "{}"})
    _add(document, "data", "aws_s3control_access_point_policy", "verification",
         {"access_point_arn": None, "policy": json.dumps(_AP_POLICY)},
         {"access_point_arn": ["aws_s3_access_point.verification.arn", "aws_s3_access_point.verification"]})
    cms = _translated(tmp_path, document)[CMS]
    assert _resource(cms, address)["Properties"] == {"Name": "chip-eligibility-verification",
                                                     "Bucket": "cms-chip-enrollment", "Policy": _AP_POLICY}
    merged = _logical_id(cms, "module.data.aws_s3control_access_point_policy.verification")
    assert merged not in cms.resources  # merged into the access point: no construct of its own
    assert _doubts(cms) == []


def test_an_access_point_in_another_account_or_unknown_bucket_is_unmodeled(tmp_path: Path) -> None:
    document = _reference()
    other = _add(document, "data", "aws_s3_access_point", "other", {
        "name": "elsewhere", "bucket": "cms-chip-enrollment", "account_id": DHS})
    unknown = _add(document, "data", "aws_s3_access_point", "unknown", {"name": "unknown", "bucket": None},
                   {"bucket": ["var.bucket"]})
    owner = _add(document, "data", "aws_s3_access_point", "owner", {
        "name": "owner", "bucket": "cms-chip-enrollment", "bucket_account_id": DHS})
    cms = _translated(tmp_path, document)[CMS]
    assert sorted(_doubts(cms)) == sorted([(other, None, ["buckets"]), (unknown, None, ["buckets"]),
                                           (owner, "bucket_account_id", ["self"])])


def test_a_login_profile_gives_its_user_a_password(tmp_path: Path) -> None:
    document = _reference()
    _add(document, "identity", "aws_iam_user_login_profile", "nguyen",
         {"user": None, "pgp_key": "keybase:tnguyen", "password_length": 24, "password_reset_required": True},
         {"user": ["aws_iam_user.nguyen.name", "aws_iam_user.nguyen"]})
    cms = _translated(tmp_path, document)[CMS]
    user = _resource(cms, "module.identity.aws_iam_user.nguyen")["Properties"]
    # The generated password is not in the plan: a stand-in, since reach needs only that there is one.
    assert set(user["LoginProfile"]) == {"Password", "PasswordResetRequired"}
    assert user["LoginProfile"]["PasswordResetRequired"] is True
    assert "LoginProfile" not in _resource(cms, "module.identity.aws_iam_user.rivera")["Properties"]
    assert _doubts(cms) == []


def test_a_login_profile_of_a_user_not_in_the_plan_is_unmodeled_and_an_access_key_stays_unmodeled(
        tmp_path: Path) -> None:
    document = _reference()
    profile = _add(document, "identity", "aws_iam_user_login_profile", "other", {"user": "someone-else"})
    # AWS::IAM::AccessKey is unmodeled too: reach does not follow a secret.
    key = _add(document, "identity", "aws_iam_access_key", "rivera", {"user": "pi-analyst-mrivera", "status": "Active"})
    cms = _translated(tmp_path, document)[CMS]
    assert sorted(_doubts(cms)) == [(key, None, ["users"]), (profile, None, ["users"])]
