"""Reading a Terraform plan in JSON and translating it: kinds, versions, errors, modules, count and for_each,
aliased providers, data sources and values known only after apply. No deployment here (see test_twins.py)."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest

from enjoin.config_model import Template
from enjoin.errors import DeployError
from enjoin.iac.cloudformation.classification import Class
from enjoin.iac.intake import load_entry
from enjoin.iac.terraform.plan import SUPPORTED_MAJORS, is_plan, load_plan, sniff
from enjoin.iac.terraform.translate import PlanTemplate, translate

ROOT = Path(__file__).resolve().parents[3]
REFERENCE = ROOT / "infra" / "terraform" / "reference" / "plan.json"
CMS, DHS = "111111111111", "222222222222"
ENTRY = Template(path=REFERENCE, account=CMS, providers={"aws.dhs": DHS})


def _plan() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(REFERENCE.read_text())
    return loaded


def _write(tmp_path: Path, document: Any, name: str = "plan.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(document) if not isinstance(document, str) else document)
    return path


def _templates(path: Path, **entry: Any) -> dict[str, PlanTemplate]:
    given = Template(path=path, account=CMS, providers=entry.get("providers", {"aws.dhs": DHS}))
    return dict(translate(load_plan(path), given))


def _change(document: dict[str, Any], address: str) -> dict[str, Any]:
    found: dict[str, Any] = next(c for c in document["resource_changes"] if c["address"] == address)
    return found


def test_the_kind_is_recognised_from_the_content(tmp_path: Path) -> None:
    assert is_plan(_plan())
    assert sniff(REFERENCE) is not None
    assert sniff(ROOT / "infra" / "reference" / "cms-identity.yaml") is None
    template = _write(tmp_path, {"AWSTemplateFormatVersion": "2010-09-09", "Resources": {}}, "t.json")
    assert sniff(template) is None  # a CloudFormation template in JSON
    pairs = load_entry(ENTRY)
    assert [(e.account, type(t).__name__) for e, t in pairs] == [(CMS, "PlanTemplate"), (DHS, "PlanTemplate")]


def test_the_reference_translates_into_what_the_cloudformation_reference_declares() -> None:
    templates = dict(translate(load_plan(REFERENCE), ENTRY))
    types = {a: {lid: r["Type"] for lid, r in t.resources.items()} for a, t in templates.items()}
    modeled = {a: sorted({t for t in ts.values() if t.startswith("AWS::")}) for a, ts in types.items()}
    assert modeled == {
        CMS: ["AWS::IAM::Group", "AWS::IAM::GroupPolicy", "AWS::IAM::ManagedPolicy", "AWS::IAM::Role",
              "AWS::IAM::RolePolicy", "AWS::IAM::User", "AWS::IAM::UserPolicy", "AWS::IAM::UserToGroupAddition",
              "AWS::KMS::Alias", "AWS::KMS::Key", "AWS::S3::Bucket", "AWS::S3::BucketPolicy"],
        DHS: ["AWS::IAM::ManagedPolicy", "AWS::IAM::Role", "AWS::IAM::RolePolicy", "AWS::S3::Bucket"],
    }
    unmodeled = [d for t in templates.values() for d in t.declared if d.klass is Class.UNMODELED]
    assert unmodeled == []
    cms = templates[CMS]
    by_address = {v: k for k, v in cms.addresses.items()}
    # for_each instances, and the split bucket resources merged into their bucket through a dynamic key
    claims = cms.resources[by_address['module.data.aws_s3_bucket.store["tmsis-claims"]']]["Properties"]
    key = by_address['module.data.aws_kms_key.store["tmsis-claims"]']
    assert claims["BucketEncryption"] == {"ServerSideEncryptionConfiguration": [{
        "ServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": {"Fn::GetAtt": [key, "Arn"]}},
        "BucketKeyEnabled": True}]}
    assert claims["PublicAccessBlockConfiguration"] == dict.fromkeys(
        ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"), True)
    assert claims["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    assert claims["VersioningConfiguration"] == {"Status": "Enabled"}
    # attachments merged into the role; the unknown policy_arn resolved to the policy's Ref
    ingest = cms.resources[by_address["module.identity.aws_iam_role.ingest"]]["Properties"]
    assert ingest["ManagedPolicyArns"] == [
        {"Ref": by_address["module.identity.aws_iam_policy.data_lake_ingest"]},
        "arn:aws:iam::aws:policy/service-role/AWSGlueServiceRole",
    ]
    assert ingest["PermissionsBoundary"] == {"Ref": by_address["module.identity.aws_iam_policy.boundary"]}
    # the aliased provider's module goes to DHS
    assert set(templates[DHS].addresses.values()) >= {"module.dhs.aws_iam_role.analyst",
                                                      "module.dhs.aws_s3_bucket.case_files"}
    # data sources (read at plan time, in prior_state) are read, not listed: they create nothing
    assert [a for a in cms.addresses.values() if re.sub(r"^(module\.\w+\.)*", "", a).startswith("data.")] == []
    assert [d for d in cms.declared if d.klass is Class.INERT] == []


def test_a_value_known_only_after_apply_in_a_policy_leaves_the_resource_unmodeled(tmp_path: Path) -> None:
    document = _plan()
    change = _change(document, "module.cross_account.aws_iam_role_policy.reader")["change"]
    change["after"]["policy"] = None
    change["after_unknown"]["policy"] = True  # a deferred aws_iam_policy_document (read_because_config_unknown)
    cms = _templates(_write(tmp_path, document))[CMS]
    doubts = [d for d in cms.declared if d.klass is Class.UNMODELED]
    assert [(cms.addresses[d.logical_id], d.prop, sorted(d.affects)) for d in doubts] == [
        ("module.cross_account.aws_iam_role_policy.reader", None, ["all"])]
    assert "policy is known only after apply" in doubts[0].reason
    assert "data.aws_iam_policy_document.reader.json" in doubts[0].reason
    assert cms.where(doubts[0].logical_id).endswith(": module.cross_account.aws_iam_role_policy.reader")


def test_a_bucket_reference_that_does_not_name_one_bucket_is_not_guessed(tmp_path: Path) -> None:
    document = _plan()
    address = 'module.data.aws_s3_bucket_policy.store["tmsis-claims"]'
    config = document["configuration"]["root_module"]["module_calls"]["data"]["module"]["resources"]
    policy = next(r for r in config if r["type"] == "aws_s3_bucket_policy")
    policy["expressions"]["bucket"] = {"references": ["aws_s3_bucket.store", "var.suffix", "each.key"]}
    cms = _templates(_write(tmp_path, document))[CMS]
    doubts = [d for d in cms.declared if d.klass is Class.UNMODELED]
    assert {cms.addresses[d.logical_id] for d in doubts} == {
        f'module.data.aws_s3_bucket_policy.store["{k}"]'
        for k in ("tmsis-eligibility", "tmsis-claims", "chip-enrollment", "dhs-disclosure-extract")}
    assert {tuple(sorted(d.affects)) for d in doubts} == {("buckets",)}  # only the holdings of their buckets
    assert address in {cms.addresses[d.logical_id] for d in doubts}


def _each_value(document: dict[str, Any], for_each: list[str]) -> None:
    """The stores' bucket policies written as ``for_each = <for_each>`` with ``bucket = each.value.id``."""
    config = document["configuration"]["root_module"]["module_calls"]["data"]["module"]["resources"]
    policy = next(r for r in config if r["type"] == "aws_s3_bucket_policy")
    policy["for_each_expression"] = {"references": for_each}
    policy["expressions"]["bucket"] = {"references": ["each.value.id", "each.value"]}  # as Terraform records it


def test_each_value_of_a_for_each_over_a_resource_is_its_instance_of_the_same_key(tmp_path: Path) -> None:
    """for_each = aws_s3_bucket.store; bucket = each.value.id: the idiom of the split bucket resources."""
    expected = _templates(_write(tmp_path, _plan(), "given.json"))[CMS]
    document = _plan()
    _each_value(document, ["aws_s3_bucket.store"])
    cms = _templates(_write(tmp_path, document))[CMS]
    assert [d for d in cms.declared if d.klass is Class.UNMODELED] == []
    policies = {k: v for k, v in cms.resources.items() if v["Type"] == "AWS::S3::BucketPolicy"}
    assert len(policies) == 4
    assert policies == {k: v for k, v in expected.resources.items() if v["Type"] == "AWS::S3::BucketPolicy"}


@pytest.mark.parametrize("for_each", [
    ["aws_s3_bucket.store", "var.extra"],  # a for expression over more than the stores: keys may be others'
    ['aws_s3_bucket.store["tmsis-claims"]'],  # one instance: its value is a bucket, not the stores
    ["aws_kms_key.store"],  # the keys' instances: each.value.id would be a key id
])
def test_each_value_is_not_followed_when_the_for_each_is_not_exactly_the_buckets(tmp_path: Path,
                                                                                 for_each: list[str]) -> None:
    document = _plan()
    _each_value(document, for_each)
    cms = _templates(_write(tmp_path, document))[CMS]
    doubts = {cms.addresses[d.logical_id] for d in cms.declared if d.klass is Class.UNMODELED}
    if for_each == ["aws_kms_key.store"]:  # followed to a key, which is no bucket: refused, never taken as one
        assert doubts and all("aws_s3_bucket_policy" in a for a in doubts)
        return
    assert doubts == {f'module.data.aws_s3_bucket_policy.store["{k}"]'
                      for k in ("tmsis-eligibility", "tmsis-claims", "chip-enrollment", "dhs-disclosure-extract")}


def test_count_instances_and_a_type_outside_the_classification(tmp_path: Path) -> None:
    document = _plan()
    module = document["planned_values"]["root_module"]["child_modules"][0]
    for index in (0, 1):
        address = f"module.identity.aws_iam_access_key.rotation[{index}]"
        resource = {"address": address, "mode": "managed", "type": "aws_iam_access_key", "name": "rotation",
                    "index": index, "provider_name": "registry.terraform.io/hashicorp/aws", "schema_version": 0,
                    "values": {"user": "pi-analyst-tnguyen", "status": "Active"}, "sensitive_values": {}}
        module["resources"].append(resource)
    address = "module.identity.aws_sagemaker_domain.studio"
    module["resources"].append({"address": address, "mode": "managed", "type": "aws_sagemaker_domain",
                                "name": "studio", "provider_name": "registry.terraform.io/hashicorp/aws",
                                "schema_version": 0, "values": {"domain_name": "x"}, "sensitive_values": {}})
    module["resources"].append({"address": "module.identity.random_id.suffix", "mode": "managed", "type": "random_id",
                                "name": "suffix", "provider_name": "registry.terraform.io/hashicorp/random",
                                "schema_version": 0, "values": {"byte_length": 4}, "sensitive_values": {}})
    cms = _templates(_write(tmp_path, document))[CMS]
    listed = {cms.addresses[d.logical_id]: d for d in cms.declared if d.prop is None}
    keys = [listed[f"module.identity.aws_iam_access_key.rotation[{i}]"] for i in (0, 1)]
    assert {(d.klass, tuple(d.affects)) for d in keys} == {(Class.UNMODELED, ("users",))}
    studio = listed["module.identity.aws_sagemaker_domain.studio"]
    assert (studio.klass, tuple(studio.affects)) == (Class.UNMODELED, ("all",))
    assert "does not name this type" in studio.reason
    # another provider's resource creates nothing in AWS
    assert listed["module.identity.random_id.suffix"].klass is Class.INERT


def test_an_argument_the_classification_does_not_name_puts_its_resource_in_doubt(tmp_path: Path) -> None:
    document = _plan()
    change = _change(document, "module.cross_account.aws_iam_role.reader")["change"]
    change["after"]["assume_role_policy_extra"] = "x"
    cms = _templates(_write(tmp_path, document))[CMS]
    doubts = [(cms.addresses[d.logical_id], d.prop, tuple(d.affects)) for d in cms.declared
              if d.klass is Class.UNMODELED]
    assert doubts == [("module.cross_account.aws_iam_role.reader", "assume_role_policy_extra", ("self",))]


def test_an_aliased_provider_without_an_account_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(DeployError) as error:
        _templates(REFERENCE, providers={})
    assert error.value.expected == (
        "an account for provider configuration aws.dhs in the templates entry's providers: (mapped: none)")
    assert error.value.where.endswith("plan.json: module.dhs.aws_s3_bucket.case_files, attribute provider")


@pytest.mark.parametrize(
    ("change", "where", "expected"),
    [
        (lambda d: d.update(format_version="2.0"), "format_version",
         f"a format_version enjoin reads ({', '.join(m + '.x' for m in SUPPORTED_MAJORS)})"),
        (lambda d: d["resource_changes"][0]["change"].update(actions="create"),
         'module.identity.aws_iam_policy.boundary, change.actions', "a list of actions (create, read, ...)"),
        (lambda d: d["planned_values"]["root_module"]["child_modules"][0]["resources"].pop(0),
         "module.identity.aws_iam_policy.boundary", "the instance in planned_values too (it is created or kept)"),
    ],
)
def test_errors_name_the_plan_the_address_and_the_attribute(tmp_path: Path, change: Any, where: str,
                                                            expected: str) -> None:
    document = copy.deepcopy(_plan())
    change(document)
    path = _write(tmp_path, document)
    with pytest.raises(DeployError) as error:
        load_plan(path)
    assert error.value.where.endswith(f"plan.json: {where}")
    assert error.value.expected == expected
    assert "\n" not in str(error.value)


def test_a_policy_that_is_not_json_names_the_address_and_attribute(tmp_path: Path) -> None:
    document = _plan()
    _change(document, "module.cross_account.aws_iam_role_policy.reader")["change"]["after"]["policy"] = "{not json"
    with pytest.raises(DeployError) as error:
        _templates(_write(tmp_path, document))
    assert error.value.where.endswith("plan.json: module.cross_account.aws_iam_role_policy.reader, attribute policy")
    assert error.value.expected == "a policy document in JSON"


def test_malformed_json_is_one_line(tmp_path: Path) -> None:
    path = _write(tmp_path, '{"format_version": "1.2", "planned_values": {')
    with pytest.raises(DeployError) as error:
        load_plan(path)
    assert error.value.where.endswith("plan.json: line 1")
    assert error.value.expected == "a Terraform plan in JSON"


def test_parameters_are_refused_for_a_plan() -> None:
    with pytest.raises(DeployError) as error:
        load_entry(Template(path=REFERENCE, account=CMS, parameters={"Stage": "prod"}, providers={"aws.dhs": DHS}))
    assert error.value.expected == "no parameters for a Terraform plan (its variables are in the plan)"


def test_the_readme_entry_names_the_reference_plan(tmp_path: Path) -> None:
    import re

    import yaml

    from enjoin.config import load

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Terraform: judging a plan"):]
    block = re.search(r"^```yaml\n(.*?)^```", section, re.S | re.M)
    assert block is not None
    config = ROOT / ".readme-terraform.yaml"
    config.write_text("extends: enjoin.yaml\n" + block.group(1), encoding="utf-8")
    try:
        (entry,) = load(config).templates
    finally:
        config.unlink()
    assert (entry.path, entry.account, entry.providers) == (REFERENCE, CMS, {"aws.dhs": DHS})
    assert yaml.safe_load(block.group(1))["templates"][0]["providers"] == {"aws.dhs": "dhs"}
    assert [e.account for e, _ in load_entry(entry)] == [CMS, DHS]


def test_the_translation_does_not_depend_on_the_order_of_the_plan(tmp_path: Path) -> None:
    document = _plan()
    document["resource_changes"].reverse()  # a role before the policy its boundary names, a user before its groups
    reordered = _templates(_write(tmp_path, document))
    def attached_as_a_set(body: dict[str, Any]) -> dict[str, Any]:  # attachments are merged in plan order
        for resource in body["Resources"].values():
            arns = resource.get("Properties", {}).get("ManagedPolicyArns")
            if arns:
                arns.sort(key=json.dumps)
        return body

    for account, template in dict(translate(load_plan(REFERENCE), ENTRY)).items():
        assert attached_as_a_set(reordered[account].body) == attached_as_a_set(template.body)
        assert [d for d in reordered[account].declared if d.klass is Class.UNMODELED] == []


def test_a_policy_is_placed_at_its_address_and_its_line_in_the_plan() -> None:
    cms = dict(translate(load_plan(REFERENCE), ENTRY))[CMS]
    by_address = {v: k for k, v in cms.addresses.items()}
    lines = REFERENCE.read_text().splitlines()
    place = cms.policy_place(by_address["module.cross_account.aws_iam_role_policy.reader"], ("PolicyDocument",))
    assert place is not None
    assert (place.resource, place.expression) == ("module.cross_account.aws_iam_role_policy.reader",
                                                  "policy = data.aws_iam_policy_document.reader.json")
    assert lines[place.line - 1].lstrip().startswith('"policy": "{') and place.statements == (place.line,) * 2
    key = 'module.data.aws_kms_key.store["tmsis-claims"]'
    place = cms.policy_place(by_address[key], ("KeyPolicy",))
    assert place is not None and (place.resource, place.expression) == (
        key, "policy = data.aws_iam_policy_document.key[each.key]")
    trust = cms.policy_place(by_address["module.cross_account.aws_iam_role.reader"], ("AssumeRolePolicyDocument",))
    assert trust is not None and lines[trust.line - 1].lstrip().startswith('"assume_role_policy": ')
