"""The translation of one AWS provider type at a time: a resource added to the reference plan (planned values,
resource change and configuration block, as Terraform writes them) becomes the CloudFormation resource or
property enjoin models, references known only after apply become ``Ref``/``Fn::GetAtt``, and what cannot be
resolved leaves the resource unmodeled, naming the address and the attribute."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from enjoin.config_model import Template
from enjoin.errors import DeployError
from enjoin.iac.cloudformation.classification import Class, load_classification
from enjoin.iac.terraform.classification import load_terraform_classification
from enjoin.iac.terraform.plan import load_plan
from enjoin.iac.terraform.translate import PlanTemplate, translate
from enjoin.pipeline import run_pipeline

ROOT = Path(__file__).resolve().parents[3]
REFERENCE = ROOT / "infra" / "terraform" / "reference" / "plan.json"
CMS, DHS = "111111111111", "222222222222"
PROVIDER = "registry.terraform.io/hashicorp/aws"


def _add(document: dict[str, Any], module: str, rtype: str, name: str, after: dict[str, Any],
         references: dict[str, list[str]] | None = None, index: str | int | None = None) -> str:
    """Add a managed resource to ``module``: an argument named in ``references`` is known only after apply
    (null in ``after``, true in ``after_unknown``) and its expression records those references. With ``index``,
    an instance of a for_each resource (its configuration block is added once, by the first instance)."""
    references = references or {}
    address = f"module.{module}.{rtype}.{name}" + ("" if index is None else f"[{json.dumps(index)}]")
    values = {k: v for k, v in after.items() if k not in references}
    unknown = dict.fromkeys(references, True)
    head = {"address": address, "mode": "managed", "type": rtype, "name": name, "provider_name": PROVIDER}
    if index is not None:
        head["index"] = index
    planned = document["planned_values"]["root_module"]["child_modules"]
    next(m for m in planned if m["address"] == f"module.{module}")["resources"].append(
        head | {"schema_version": 0, "values": values, "sensitive_values": {}})
    document["resource_changes"].append(head | {"module_address": f"module.{module}", "change": {
        "actions": ["create"], "before": None, "after": values | dict.fromkeys(references), "after_unknown": unknown,
        "before_sensitive": False, "after_sensitive": {}}})
    expressions: dict[str, Any] = {k: {"constant_value": v} for k, v in values.items() if v is not None}
    expressions |= {k: {"references": refs} for k, refs in references.items()}
    config = document["configuration"]["root_module"]["module_calls"][module]["module"]["resources"]
    if any(c["address"] == f"{rtype}.{name}" for c in config):
        return address
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


# ---- aws_iam_policy_attachment and the bucket's replication, ACL and website resources ----

_ELIGIBILITY = 'module.data.aws_s3_bucket.store["tmsis-eligibility"]'
_CLAIMS_ALIAS = "arn:aws:kms:us-east-1:111111111111:alias/cms-tmsis-claims"
_ELIGIBILITY_ID = ['aws_s3_bucket.store["tmsis-eligibility"].id', 'aws_s3_bucket.store["tmsis-eligibility"]']


def _rule(**changes: Any) -> dict[str, Any]:
    """A replication rule as the provider plans it (every block of its schema, unset ones empty)."""
    rule: dict[str, Any] = {
        "id": "to-claims", "status": "Enabled", "priority": 1, "prefix": None,
        "filter": [{"prefix": None, "tag": [], "and": [{"prefix": "taf/de/", "tags": {"Share": "yes"}}]}],
        "delete_marker_replication": [{"status": "Disabled"}], "existing_object_replication": [],
        "source_selection_criteria": [{"sse_kms_encrypted_objects": [{"status": "Enabled"}],
                                       "replica_modifications": []}],
        "destination": [{"bucket": "arn:aws:s3:::cms-tmsis-claims", "account": None, "storage_class": "STANDARD",
                         "access_control_translation": [], "metrics": [{"status": "Enabled",
                                                                        "event_threshold": [{"minutes": 15}]}],
                         "replication_time": [], "encryption_configuration": [
                             {"replica_kms_key_id": _CLAIMS_ALIAS}]}]}
    return rule | changes


def test_a_replication_configuration_is_its_buckets_replication(tmp_path: Path) -> None:
    document = _reference()
    _add(document, "data", "aws_s3_bucket_replication_configuration", "eligibility",
         {"bucket": None, "role": "arn:aws:iam::111111111111:role/CmsTmsisIngestPipeline", "token": None,
          "rule": [_rule()]}, {"bucket": _ELIGIBILITY_ID})
    cms = _translated(tmp_path, document)[CMS]
    assert _resource(cms, _ELIGIBILITY)["Properties"]["ReplicationConfiguration"] == {
        "Role": "arn:aws:iam::111111111111:role/CmsTmsisIngestPipeline",
        "Rules": [{"Id": "to-claims", "Status": "Enabled", "Priority": 1,
                   "Filter": {"And": {"Prefix": "taf/de/", "TagFilters": [{"Key": "Share", "Value": "yes"}]}},
                   "DeleteMarkerReplication": {"Status": "Disabled"},
                   "SourceSelectionCriteria": {"SseKmsEncryptedObjects": {"Status": "Enabled"}},
                   # metrics (Replication Time Control) only decides when: left out
                   "Destination": {"Bucket": "arn:aws:s3:::cms-tmsis-claims", "StorageClass": "STANDARD",
                                   "EncryptionConfiguration": {"ReplicaKmsKeyID": _CLAIMS_ALIAS}}}]}
    assert _doubts(cms) == []


def test_a_replication_configuration_per_bucket_resolves_each_instances_references(tmp_path: Path) -> None:
    document = _reference()
    # for_each over two stores: bucket = aws_s3_bucket.store[each.key].id, the destination the archive's ARN.
    archive = _add(document, "data", "aws_s3_bucket", "archive", {"bucket": "cms-archive", "tags": None})
    for key in ("tmsis-eligibility", "tmsis-claims"):
        address = _add(document, "data", "aws_s3_bucket_replication_configuration", "store",
                       {"bucket": None, "role": f"arn:aws:iam::{CMS}:role/CmsTmsisIngestPipeline", "rule": [_rule(
                           filter=[{"prefix": "", "tag": [], "and": []}], source_selection_criteria=[],
                           destination=[{"bucket": None, "account": None}])]},
                       {"bucket": ["aws_s3_bucket.store", "each.key"]}, index=key)
        change = next(c for c in document["resource_changes"] if c["address"] == address)["change"]
        change["after_unknown"]["rule"] = [{"destination": [{"bucket": True}]}]
    config = document["configuration"]["root_module"]["module_calls"]["data"]["module"]["resources"][-1]
    config["for_each_expression"] = {"references": ["aws_s3_bucket.store"]}
    config["expressions"]["rule"] = [{"destination": [{"bucket": {"references": [
        "aws_s3_bucket.archive.arn", "aws_s3_bucket.archive"]}}]}]
    cms = _translated(tmp_path, document)[CMS]
    for key in ("tmsis-eligibility", "tmsis-claims"):
        replication = _resource(cms, f'module.data.aws_s3_bucket.store["{key}"]')["Properties"][
            "ReplicationConfiguration"]
        assert replication["Role"] == f"arn:aws:iam::{CMS}:role/CmsTmsisIngestPipeline"
        assert replication["Rules"][0]["Filter"] == {"Prefix": ""}
        assert replication["Rules"][0]["Destination"] == {"Bucket": {"Fn::GetAtt": [_logical_id(cms, archive), "Arn"]}}
    assert "ReplicationConfiguration" not in _resource(cms, 'module.data.aws_s3_bucket.store["chip-enrollment"]')[
        "Properties"]
    assert _doubts(cms) == []


def test_a_replication_role_known_only_after_apply_elsewhere_puts_the_bucket_in_doubt(tmp_path: Path) -> None:
    document = _reference()
    address = _add(document, "data", "aws_s3_bucket_replication_configuration", "eligibility",
                   {"bucket": None, "role": None, "rule": [_rule()]},
                   {"bucket": _ELIGIBILITY_ID, "role": ["var.replication_role_arn"]})
    odd = _add(document, "data", "aws_s3_bucket_replication_configuration", "claims",
               {"bucket": "cms-tmsis-claims", "role": "arn:aws:iam::111111111111:role/CmsTmsisIngestPipeline",
                "rule": [_rule(destination=[{"bucket": "arn:aws:s3:::cms-chip-enrollment", "mystery": "x"}])]})
    cms = _translated(tmp_path, document)[CMS]
    assert sorted(_doubts(cms)) == [(odd, None, ["buckets"]), (address, None, ["buckets"])]
    reasons = {cms.addresses[d.logical_id]: d.reason for d in cms.declared if d.klass is Class.UNMODELED}
    assert reasons[address].startswith("aws_s3_bucket_replication_configuration left out: role is known only after "
                                       "apply")
    assert reasons[odd].startswith("aws_s3_bucket_replication_configuration left out: rule[0].destination[0].mystery")
    assert "ReplicationConfiguration" not in _resource(cms, _ELIGIBILITY)["Properties"]


def test_a_replication_rule_of_no_status_names_the_plan_address_and_attribute(tmp_path: Path) -> None:
    document = _reference()
    address = _add(document, "data", "aws_s3_bucket_replication_configuration", "eligibility",
                   {"bucket": "cms-tmsis-eligibility", "role": "arn:aws:iam::111111111111:role/R",
                    "rule": [_rule(status="On")]})
    with pytest.raises(DeployError) as error:
        _translated(tmp_path, document)
    assert error.value.where == f"{tmp_path / 'plan.json'}: {address}, attribute rule[0].status"
    assert (error.value.expected, error.value.found) == ("Enabled or Disabled", "'On'")


def test_a_canned_acl_is_access_control_and_a_grant_list_puts_the_bucket_in_doubt(tmp_path: Path) -> None:
    document = _reference()
    _add(document, "data", "aws_s3_bucket_acl", "chip", {"bucket": None, "acl": "public-read",
                                                          "expected_bucket_owner": CMS},
         {"bucket": ['aws_s3_bucket.store["chip-enrollment"].id', 'aws_s3_bucket.store["chip-enrollment"]']})
    grants = _add(document, "data", "aws_s3_bucket_acl", "claims", {"bucket": "cms-tmsis-claims", "acl": None,
                                                                    "access_control_policy": [{
        "grant": [{"grantee": [{"type": "Group", "uri": "http://acs.amazonaws.com/groups/global/AllUsers"}],
                   "permission": "READ"}], "owner": [{"id": "c0ffee"}]}]})
    unknown = _add(document, "data", "aws_s3_bucket_acl", "extract", {"bucket": "cms-dhs-disclosure-extract",
                                                                      "acl": None}, {"acl": ["var.extract_acl"]})
    cms = _translated(tmp_path, document)[CMS]
    assert _resource(cms, _CHIP)["Properties"]["AccessControl"] == "PublicRead"
    claims = 'module.data.aws_s3_bucket.store["tmsis-claims"]'
    assert "AccessControl" not in _resource(cms, claims)["Properties"]
    assert sorted(_doubts(cms)) == sorted([(claims, f"access_control_policy ({grants})", ["self"]),
                                           (unknown, None, ["buckets"])])
    (grant_doubt,) = [d for d in cms.declared if d.prop == f"access_control_policy ({grants})"]
    assert "CloudFormation" in grant_doubt.reason


def test_an_acl_per_store_and_a_website_by_count_merge_into_each_instances_bucket(tmp_path: Path) -> None:
    document = _reference()
    stores = ("tmsis-claims", "chip-enrollment")
    for key in stores:  # for_each = aws_s3_bucket.store: bucket = each.value.id
        _add(document, "data", "aws_s3_bucket_acl", "store", {"bucket": None, "acl": "private"},
             {"bucket": ["aws_s3_bucket.store", "each.key"]}, index=key)
    websites = [_add(document, "data", "aws_s3_bucket_website_configuration", "extract",  # count = 2, one bucket
                     {"bucket": "cms-dhs-disclosure-extract", "index_document": [{"suffix": suffix}]}, index=i)
                for i, suffix in enumerate(("index.html", "home.html"))]
    cms = _translated(tmp_path, document)[CMS]
    for key in stores:
        assert _resource(cms, f'module.data.aws_s3_bucket.store["{key}"]')["Properties"]["AccessControl"] == "Private"
    assert "AccessControl" not in _resource(cms, _ELIGIBILITY)["Properties"]
    # Two resources setting one bucket's website race (Terraform applies them in no set order): the second is
    # left out, and the bucket's holdings are in doubt through it.
    assert _doubts(cms) == [(websites[1], None, ["buckets"])]
    (doubt,) = [d for d in cms.declared if d.klass is Class.UNMODELED]
    assert f"whose WebsiteConfiguration is set by {websites[0]} too" in doubt.reason


def test_an_acl_that_is_not_canned_names_the_plan_address_and_attribute(tmp_path: Path) -> None:
    document = _reference()
    address = _add(document, "data", "aws_s3_bucket_acl", "chip", {"bucket": "cms-chip-enrollment",
                                                                   "acl": "world-readable"})
    with pytest.raises(DeployError) as error:
        _translated(tmp_path, document)
    assert error.value.where == f"{tmp_path / 'plan.json'}: {address}, attribute acl"
    assert error.value.found == "'world-readable'"


def test_a_website_configuration_is_its_buckets_website(tmp_path: Path) -> None:
    document = _reference()
    rules = [{"Condition": {"KeyPrefixEquals": "docs/"}, "Redirect": {"ReplaceKeyPrefixWith": "documents/"}}]
    _add(document, "data", "aws_s3_bucket_website_configuration", "chip", {
        "bucket": "cms-chip-enrollment", "index_document": [{"suffix": "index.html"}],
        "error_document": [{"key": "error.html"}], "redirect_all_requests_to": [], "routing_rule": [],
        "routing_rules": json.dumps(rules), "website_endpoint": None})
    _add(document, "data", "aws_s3_bucket_website_configuration", "claims", {
        "bucket": "cms-tmsis-claims", "routing_rule": [{"condition": [{"key_prefix_equals": "old/",
                                                                       "http_error_code_returned_equals": None}],
                                                        "redirect": [{"replace_key_prefix_with": "new/",
                                                                      "host_name": None}]}]})
    cms = _translated(tmp_path, document)[CMS]
    assert _resource(cms, _CHIP)["Properties"]["WebsiteConfiguration"] == {
        "IndexDocument": "index.html", "ErrorDocument": "error.html", "RoutingRules": [
            {"RoutingRuleCondition": {"KeyPrefixEquals": "docs/"},
             "RedirectRule": {"ReplaceKeyPrefixWith": "documents/"}}]}
    assert _resource(cms, 'module.data.aws_s3_bucket.store["tmsis-claims"]')["Properties"][
        "WebsiteConfiguration"] == {"RoutingRules": [{"RoutingRuleCondition": {"KeyPrefixEquals": "old/"},
                                                      "RedirectRule": {"ReplaceKeyPrefixWith": "new/"}}]}
    assert _doubts(cms) == []


def test_a_website_of_a_bucket_not_in_the_plan_is_in_doubt_and_bad_routing_rules_name_the_attribute(
        tmp_path: Path) -> None:
    document = _reference()
    other = _add(document, "data", "aws_s3_bucket_website_configuration", "other",
                 {"bucket": None, "index_document": [{"suffix": "index.html"}]}, {"bucket": ["var.site_bucket"]})
    assert _doubts(_translated(tmp_path, document)[CMS]) == [(other, None, ["buckets"])]
    bad = _add(document, "data", "aws_s3_bucket_website_configuration", "bad",
               {"bucket": "cms-chip-enrollment", "routing_rules": "[{not json"})
    with pytest.raises(DeployError) as error:
        _translated(tmp_path, document)
    assert error.value.where == f"{tmp_path / 'plan.json'}: {bad}, attribute routing_rules"


def test_a_policy_attachment_is_the_policys_roles_users_and_groups(tmp_path: Path) -> None:
    document = _reference()
    _add(document, "identity", "aws_iam_policy", "chip_readers", {"name": "CmsChipReaders", "path": "/",
                                                                  "policy": json.dumps(_AP_POLICY)})
    _add(document, "identity", "aws_iam_policy_attachment", "chip", {
        "name": "chip-readers", "policy_arn": None, "roles": [None], "users": ["pi-analyst-tnguyen"],
        "groups": [None]},
        {"policy_arn": ["aws_iam_policy.chip_readers.arn", "aws_iam_policy.chip_readers"],
         "roles": ["aws_iam_role.claims_analyst.name", "aws_iam_role.claims_analyst"],
         "groups": ["aws_iam_group.program_integrity.name", "aws_iam_group.program_integrity"]})
    # An AWS managed policy: each entity's ManagedPolicyArns.
    _add(document, "identity", "aws_iam_policy_attachment", "support", {
        "name": "support", "policy_arn": "arn:aws:iam::aws:policy/AWSSupportAccess",
        "roles": ["CmsClaimsAnalyst", "CmsChipAnalyst"], "users": [], "groups": []})
    cms = _translated(tmp_path, document)[CMS]
    policy = _resource(cms, "module.identity.aws_iam_policy.chip_readers")["Properties"]
    assert (policy["Roles"], policy["Users"], policy["Groups"]) == (
        [{"Ref": _logical_id(cms, "module.identity.aws_iam_role.claims_analyst")}],
        [{"Ref": _logical_id(cms, "module.identity.aws_iam_user.nguyen")}],
        [{"Ref": _logical_id(cms, "module.identity.aws_iam_group.program_integrity")}])
    for role in ("claims_analyst", "chip_analyst"):
        arns = _resource(cms, f"module.identity.aws_iam_role.{role}")["Properties"].get("ManagedPolicyArns", [])
        assert "arn:aws:iam::aws:policy/AWSSupportAccess" in arns
    assert _doubts(cms) == []


def test_a_policy_attachment_the_plan_contradicts_or_cannot_resolve_is_unmodeled(tmp_path: Path) -> None:
    document = _reference()
    # tmsis_analyst_read is attached by aws_iam_role_policy_attachment and aws_iam_group_policy_attachment too.
    contested = _add(document, "identity", "aws_iam_policy_attachment", "tmsis", {
        "name": "tmsis", "policy_arn": None, "roles": ["CmsClaimsAnalyst"]},
        {"policy_arn": ["aws_iam_policy.tmsis_analyst_read.arn", "aws_iam_policy.tmsis_analyst_read"]})
    elsewhere = _add(document, "identity", "aws_iam_policy_attachment", "elsewhere", {
        "name": "elsewhere", "policy_arn": "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess", "roles": [None]},
        {"roles": ["var.role_names"]})
    stranger = _add(document, "identity", "aws_iam_policy_attachment", "stranger", {
        "name": "stranger", "policy_arn": "arn:aws:iam::aws:policy/AWSSupportAccess", "users": ["someone-else"]})
    cms = _translated(tmp_path, document)[CMS]
    assert sorted(_doubts(cms)) == sorted([(contested, None, ["all"]), (elsewhere, None, ["all"]),
                                           (stranger, None, ["all"])])
    reasons = {cms.addresses[d.logical_id]: d.reason for d in cms.declared if d.klass is Class.UNMODELED}
    assert "is attached also by module.identity.aws_iam_group_policy_attachment.program_integrity, " \
           "module.identity.aws_iam_role_policy_attachment.medicaid_analyst_tmsis_analyst_read" in reasons[contested]
    assert reasons[elsewhere].startswith("aws_iam_policy_attachment left out: roles is known only after apply")
    assert "names 'someone-else'" in reasons[stranger]
    assert "Roles" not in _resource(cms, "module.identity.aws_iam_policy.tmsis_analyst_read")["Properties"]


def test_a_policy_attachment_whose_roles_are_not_a_list_names_the_plan_address_and_attribute(tmp_path: Path) -> None:
    document = _reference()
    address = _add(document, "identity", "aws_iam_policy_attachment", "odd", {
        "name": "odd", "policy_arn": "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess", "roles": "CmsChipAnalyst"})
    with pytest.raises(DeployError) as error:
        _translated(tmp_path, document)
    assert error.value.where == f"{tmp_path / 'plan.json'}: {address}, attribute roles"
    assert error.value.expected == "a set of aws_iam_role names"



def test_a_policy_attachment_is_judged_as_the_role_policy_attachment_it_replaces(tmp_path: Path) -> None:
    """Variant managed-policy attaches CmsClaimsReconciliation to DhsDisclosureReader by an
    aws_iam_role_policy_attachment; written as an aws_iam_policy_attachment (the policy's Roles, deployed, read back
    and followed by reach) it is judged the same."""
    variant = ROOT / "infra" / "terraform" / "variants" / "managed-policy"
    document = json.loads((variant / "plan.json").read_text())
    old = "module.cross_account.aws_iam_role_policy_attachment.claims_reconciliation"
    document["resource_changes"] = [c for c in document["resource_changes"] if c["address"] != old]
    for module in document["planned_values"]["root_module"]["child_modules"]:
        module["resources"] = [r for r in module["resources"] if r["address"] != old]
    config = document["configuration"]["root_module"]["module_calls"]["cross_account"]["module"]["resources"]
    config[:] = [r for r in config if r["address"] != "aws_iam_role_policy_attachment.claims_reconciliation"]
    _add(document, "cross_account", "aws_iam_policy_attachment", "claims_reconciliation", {
        "name": "claims-reconciliation", "policy_arn": None, "roles": None, "users": [], "groups": []},
        {"policy_arn": ["aws_iam_policy.claims_reconciliation.arn", "aws_iam_policy.claims_reconciliation"],
         "roles": ["aws_iam_role.reader.name", "aws_iam_role.reader"]})
    (tmp_path / "plan.json").write_text(json.dumps(document))
    (tmp_path / "enjoin.yaml").write_text(
        f"extends: {REFERENCE.parents[1] / 'enjoin.yaml'}\nread_outside: [{ROOT}]\n"
        "templates:\n  - {path: plan.json, account: cms, providers: {aws.dhs: dhs}}\n")

    def judged(config: Path) -> dict[str, tuple[str, list[tuple[str, str, list[str]]]]]:
        report = run_pipeline(config).report
        assert report["constructs"]["unmodeled"] == []
        return {c["id"]: (c["verdict"], sorted((f["principal"], f["resource"], sorted(s.get("sid") or "" for s in
                                                                                     f["statements"]))
                                               for f in c["findings"])) for c in report["clauses"]}

    attached = judged(tmp_path / "enjoin.yaml")
    assert attached == judged(variant / "enjoin.yaml")
    assert "VIOLATION" in {verdict for verdict, _ in attached.values()}


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


# ---- Lambda and CloudFront (enjoin.iac.terraform.functions, enjoin.iac.terraform.cloudfront) ----

def _blocks(document: dict[str, Any], address: str, unknown: dict[tuple[str | int, ...], list[str]] | None = None
            ) -> None:
    """Write the nested blocks of a resource added by ``_add`` as Terraform writes them: a block's expressions
    per argument; an argument at a path in ``unknown`` is known only after apply, its expression those references."""
    change = next(c for c in document["resource_changes"] if c["address"] == address)
    local = address.split(".", 2)[2]
    module = address.split(".")[1]
    config = next(c for c in document["configuration"]["root_module"]["module_calls"][module]["module"]["resources"]
                  if c["address"] == local)

    def block(value: Any) -> Any:
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            return [{k: block(v) for k, v in item.items() if v is not None} for item in value]
        return {"constant_value": value}

    config["expressions"] |= {k: block(v) for k, v in change["change"]["after"].items()
                              if isinstance(v, list) and v and all(isinstance(i, dict) for i in v)}
    for path, refs in (unknown or {}).items():
        after, flags = change["change"]["after"], change["change"]["after_unknown"]
        for step in path[:-1]:
            after = after[step]
            flags = flags.setdefault(step, [{} for _ in after] if isinstance(after, list) else {}) if isinstance(
                step, str) else flags[step]
        after[path[-1]] = None
        flags[path[-1]] = True
        # Terraform records an expression per argument, not per element: a map's (variables = {...}) or a list's
        # (trusted_key_groups = [...]) is the whole argument's.
        expressions: Any = config["expressions"]
        for step in path:
            child = expressions[step] if isinstance(expressions, list) else expressions.get(step)
            if isinstance(child, list) or (isinstance(child, dict) and not {"constant_value", "references"} & set(
                    child)):
                expressions = child
                continue
            expressions[step] = {"references": refs}
            break
    planned = next(r for m in document["planned_values"]["root_module"]["child_modules"] for r in m["resources"]
                   if r["address"] == address)
    planned["values"] = {k: v for k, v in change["change"]["after"].items()
                         if change["change"]["after_unknown"].get(k) is not True}


_PIPELINE_ROLE = "module.identity.aws_iam_role.disclosure_pipeline"
_FUNCTION = {"function_name": "cms-dhs-extract-builder", "role": None, "handler": "index.handler",
             "runtime": "python3.12", "timeout": 900, "memory_size": 1024, "filename": "builder.zip",
             "source_code_hash": "3q2+7w==", "publish": False, "layers": [],
             "environment": [{"variables": {"SOURCE_BUCKET": "cms-tmsis-eligibility"}}],
             "tags": {"Disclosure": "dkt-148"}, "tags_all": {"Disclosure": "dkt-148"}}
_ROLE_ARN = {"role": ["aws_iam_role.disclosure_pipeline.arn", "aws_iam_role.disclosure_pipeline"]}


def test_a_lambda_function_runs_as_its_role_with_its_code_and_environment(tmp_path: Path) -> None:
    document = _reference()
    local = _add(document, "identity", "aws_lambda_function", "builder", _FUNCTION, _ROLE_ARN)
    _blocks(document, local)
    s3 = _add(document, "data", "aws_lambda_function", "matcher", {  # in the module of the buckets it names
        "function_name": "cms-matcher", "role": f"arn:aws:iam::{CMS}:role/CmsDhsDisclosurePipeline",
        "handler": "main.handler", "runtime": "python3.12", "s3_bucket": None, "s3_key": "matcher/1.4.0.zip",
        "environment": [{"variables": {"EXTRACT_BUCKET": None}}]},
        {"s3_bucket": ['aws_s3_bucket.store["tmsis-claims"].id', 'aws_s3_bucket.store["tmsis-claims"]']})
    _blocks(document, s3, {("environment", 0, "variables", "EXTRACT_BUCKET"): [
        'aws_s3_bucket.store["dhs-disclosure-extract"].bucket', 'aws_s3_bucket.store["dhs-disclosure-extract"]']})
    image = _add(document, "identity", "aws_lambda_function", "image", {
        "function_name": "cms-image", "role": f"arn:aws:iam::{CMS}:role/CmsDhsDisclosurePipeline",
        "package_type": "Image", "image_uri": f"{CMS}.dkr.ecr.us-east-1.amazonaws.com/builder:1"})
    cms = _translated(tmp_path, document)[CMS]
    properties = _resource(cms, local)["Properties"]
    code = properties.pop("Code")
    assert properties == {
        "FunctionName": "cms-dhs-extract-builder", "Role": {"Fn::GetAtt": [_logical_id(cms, _PIPELINE_ROLE), "Arn"]},
        "Handler": "index.handler", "Runtime": "python3.12", "Timeout": 900, "MemorySize": 1024,
        "Environment": {"Variables": {"SOURCE_BUCKET": "cms-tmsis-eligibility"}},
        "Tags": [{"Key": "Disclosure", "Value": "dkt-148"}]}
    assert set(code) == {"ZipFile"} and "builder.zip" in code["ZipFile"]  # a stand-in: the code is not read
    extract = _logical_id(cms, 'module.data.aws_s3_bucket.store["dhs-disclosure-extract"]')
    assert _resource(cms, s3)["Properties"]["Code"] == {
        "S3Bucket": {"Ref": _logical_id(cms, 'module.data.aws_s3_bucket.store["tmsis-claims"]')},
        "S3Key": "matcher/1.4.0.zip"}
    assert _resource(cms, s3)["Properties"]["Environment"] == {"Variables": {"EXTRACT_BUCKET": {"Ref": extract}}}
    assert _resource(cms, image)["Properties"]["Code"] == {
        "ImageUri": f"{CMS}.dkr.ecr.us-east-1.amazonaws.com/builder:1"}
    assert _doubts(cms) == []


def test_a_lambda_function_whose_role_is_unknown_is_indeterminate_for_roles_and_layers_for_itself(
        tmp_path: Path) -> None:
    document = _reference()
    unknown = _add(document, "identity", "aws_lambda_function", "unknown", _FUNCTION | {"function_name": "other"},
                   {"role": ["var.execution_role_arn"]})
    _blocks(document, unknown)
    layered = _add(document, "identity", "aws_lambda_function", "layered", _FUNCTION | {
        "layers": [f"arn:aws:lambda:us-east-1:{DHS}:layer:matching:3"]}, _ROLE_ARN)
    _blocks(document, layered)
    cms = _translated(tmp_path, document)[CMS]
    assert sorted(_doubts(cms)) == sorted([(unknown, None, ["roles"]), (layered, "layers", ["self"])])
    reasons = {(cms.addresses[d.logical_id], d.prop): d.reason for d in cms.declared if d.klass is Class.UNMODELED}
    assert reasons[(unknown, None)].startswith("aws_lambda_function left out: role is known only after apply")
    assert "var.execution_role_arn" in reasons[(unknown, None)]
    # The argument stays unmodeled with the reason its CloudFormation twin (Layers) has.
    assert reasons[(layered, "layers")] == load_classification().of_property("AWS::Lambda::Function", "Layers").reason


def test_a_lambda_function_with_a_malformed_environment_names_plan_address_and_attribute(tmp_path: Path) -> None:
    document = _reference()
    address = _add(document, "identity", "aws_lambda_function", "builder",
                   _FUNCTION | {"environment": [{"variables": "SOURCE_BUCKET=cms-tmsis-eligibility"}]}, _ROLE_ARN)
    _blocks(document, address)
    with pytest.raises(DeployError) as error:
        _translated(tmp_path, document)
    assert error.value.where == f"{tmp_path / 'plan.json'}: {address}, attribute environment[0].variables"
    assert error.value.expected == "a map of environment variables"


_PERMISSION = {"action": "lambda:InvokeFunction", "function_name": None, "principal": "events.amazonaws.com",
               "source_arn": f"arn:aws:events:us-east-1:{CMS}:rule/cms-dhs-extract-nightly", "source_account": CMS,
               "statement_id": "NightlyInvocation", "qualifier": None, "function_url_auth_type": None}
_BUILDER_NAME = {"function_name": ["aws_lambda_function.builder.function_name", "aws_lambda_function.builder"]}


def test_a_lambda_permission_is_a_statement_on_its_function(tmp_path: Path) -> None:
    document = _reference()
    function = _add(document, "identity", "aws_lambda_function", "builder", _FUNCTION, _ROLE_ARN)
    _blocks(document, function)
    nightly = _add(document, "identity", "aws_lambda_permission", "nightly", _PERMISSION, _BUILDER_NAME)
    by_arn = _add(document, "identity", "aws_lambda_permission", "by_arn", _PERMISSION | {
        "function_name": f"arn:aws:lambda:us-east-1:{CMS}:function:cms-dhs-extract-builder:live",
        "principal": DHS, "source_arn": None, "source_account": None, "function_url_auth_type": "AWS_IAM"})
    cms = _translated(tmp_path, document)[CMS]
    builder = _logical_id(cms, function)
    assert _resource(cms, nightly) == {"Type": "AWS::Lambda::Permission", "Properties": {
        "FunctionName": {"Ref": builder}, "Action": "lambda:InvokeFunction", "Principal": "events.amazonaws.com",
        "SourceArn": f"arn:aws:events:us-east-1:{CMS}:rule/cms-dhs-extract-nightly", "SourceAccount": CMS}}
    # A qualified ARN is CloudFormation's qualified FunctionName; function_url_auth_type only narrows (inert).
    assert _resource(cms, by_arn)["Properties"] == {"FunctionName": {"Fn::Join": [":", [{"Ref": builder}, "live"]]},
                                                    "Action": "lambda:InvokeFunction", "Principal": DHS}
    assert _doubts(cms) == []


def test_a_lambda_permission_with_an_unknown_source_or_another_function_is_indeterminate_for_function_roles(
        tmp_path: Path) -> None:
    document = _reference()
    function = _add(document, "identity", "aws_lambda_function", "builder", _FUNCTION, _ROLE_ARN)
    _blocks(document, function)
    rule = _add(document, "identity", "aws_lambda_permission", "rule", _PERMISSION | {"source_arn": None},
                _BUILDER_NAME | {"source_arn": ["aws_cloudwatch_event_rule.nightly.arn",
                                                "aws_cloudwatch_event_rule.nightly"]})
    other = _add(document, "identity", "aws_lambda_permission", "other", _PERMISSION | {"function_name": "elsewhere"})
    url = _add(document, "identity", "aws_lambda_function_url", "builder",
               {"function_name": "cms-dhs-extract-builder", "authorization_type": "NONE"})
    cms = _translated(tmp_path, document)[CMS]
    assert sorted(_doubts(cms)) == sorted([(rule, None, ["function_roles"]), (other, None, ["function_roles"]),
                                           (url, None, ["function_roles", "roles"])])
    reasons = {cms.addresses[d.logical_id]: d.reason for d in cms.declared if d.klass is Class.UNMODELED}
    assert reasons[rule].startswith("aws_lambda_permission left out: source_arn is known only after apply")
    assert reasons[other] == ("aws_lambda_permission left out: function_name names 'elsewhere', which is not an "
                              f"aws_lambda_function this plan deploys into account {CMS}")
    assert reasons[url] == load_classification().of_type("AWS::Lambda::Url").reason


def test_a_lambda_permission_on_a_malformed_arn_names_plan_address_and_attribute(tmp_path: Path) -> None:
    document = _reference()
    address = _add(document, "identity", "aws_lambda_permission", "bad",
                   _PERMISSION | {"function_name": "arn:aws:s3:::cms-dhs-extract-builder"})
    with pytest.raises(DeployError) as error:
        _translated(tmp_path, document)
    assert error.value.where == f"{tmp_path / 'plan.json'}: {address}, attribute function_name"
    assert error.value.found == "arn:aws:s3:::cms-dhs-extract-builder"


_SITE = 'module.data.aws_s3_bucket.store["chip-enrollment"]'
_ORIGIN = {"origin_id": "chip", "domain_name": None, "origin_path": "", "origin_access_control_id": None,
           "s3_origin_config": [], "custom_header": [], "connection_attempts": 3, "connection_timeout": 10}
_BEHAVIOR = {"target_origin_id": "chip", "viewer_protocol_policy": "redirect-to-https",
             "allowed_methods": ["HEAD", "GET"], "cached_methods": ["HEAD", "GET"], "trusted_key_groups": [],
             "trusted_signers": [], "cache_policy_id": "658327ea-f89d-4fab-a63d-7e88639e58f6", "compress": True}
_DISTRIBUTION = {"enabled": True, "comment": "CHIP enrollment lookups", "origin": [_ORIGIN],
                 "default_cache_behavior": [_BEHAVIOR], "ordered_cache_behavior": [], "price_class": "PriceClass_100",
                 "restrictions": [{"geo_restriction": [{"restriction_type": "none", "locations": []}]}],
                 "viewer_certificate": [{"cloudfront_default_certificate": True}], "retain_on_delete": False,
                 "wait_for_deployment": True, "tags": None}
_OAC = {"name": "chip-enrollment", "description": "", "origin_access_control_origin_type": "s3",
        "signing_behavior": "always", "signing_protocol": "sigv4"}
_DOMAIN = [f"{_SITE.split('.', 2)[2]}.bucket_regional_domain_name", _SITE.split(".", 2)[2]]


def test_a_distribution_serves_its_s3_origins_through_an_oac_or_an_oai(tmp_path: Path) -> None:
    document = _reference()
    oac = _add(document, "data", "aws_cloudfront_origin_access_control", "chip", _OAC)
    oai = _add(document, "data", "aws_cloudfront_origin_access_identity", "legacy", {"comment": "legacy reads"})
    signed = _BEHAVIOR | {"path_pattern": "/signed/*", "target_origin_id": "legacy", "trusted_key_groups": [None]}
    address = _add(document, "data", "aws_cloudfront_distribution", "chip", _DISTRIBUTION | {
        "origin": [_ORIGIN, _ORIGIN | {"origin_id": "legacy", "domain_name": "cms-tmsis-claims.s3.amazonaws.com",
                                       "s3_origin_config": [{"origin_access_identity": None}]}],
        "ordered_cache_behavior": [signed]})
    _blocks(document, address, {
        ("origin", 0, "domain_name"): _DOMAIN,
        ("origin", 0, "origin_access_control_id"): ["aws_cloudfront_origin_access_control.chip.id",
                                                    "aws_cloudfront_origin_access_control.chip"],
        ("origin", 1, "s3_origin_config", 0, "origin_access_identity"): [
            "aws_cloudfront_origin_access_identity.legacy.cloudfront_access_identity_path",
            "aws_cloudfront_origin_access_identity.legacy"],
        ("ordered_cache_behavior", 0, "trusted_key_groups", 0): ["aws_cloudfront_key_group.signers.id",
                                                                 "aws_cloudfront_key_group.signers"]})
    cms = _translated(tmp_path, document)[CMS]
    behavior = {"TargetOriginId": "chip", "ViewerProtocolPolicy": "redirect-to-https",
                "AllowedMethods": ["GET", "HEAD"], "CachedMethods": ["GET", "HEAD"]}
    assert _resource(cms, address) == {"Type": "AWS::CloudFront::Distribution", "Properties": {"DistributionConfig": {
        "Enabled": True, "Comment": "CHIP enrollment lookups",
        "Origins": [{"Id": "chip", "DomainName": {"Fn::GetAtt": [_logical_id(cms, _SITE), "RegionalDomainName"]},
                     "OriginAccessControlId": {"Ref": _logical_id(cms, oac)}},
                    {"Id": "legacy", "DomainName": "cms-tmsis-claims.s3.amazonaws.com", "S3OriginConfig": {
                        "OriginAccessIdentity": {"Fn::Join": ["", ["origin-access-identity/cloudfront/",
                                                                   {"Ref": _logical_id(cms, oai)}]]}}}],
        "DefaultCacheBehavior": behavior,
        # Only whether a behavior names key groups decides (signed URLs only): one known after apply is named.
        "CacheBehaviors": [behavior | {"TargetOriginId": "legacy", "PathPattern": "/signed/*", "TrustedKeyGroups": [
            "(known only after apply: references: aws_cloudfront_key_group.signers.id, "
            "aws_cloudfront_key_group.signers)"]}]}}}
    assert _resource(cms, oac) == {"Type": "AWS::CloudFront::OriginAccessControl", "Properties": {
        "OriginAccessControlConfig": {"Name": "chip-enrollment", "OriginAccessControlOriginType": "s3",
                                      "SigningBehavior": "always", "SigningProtocol": "sigv4"}}}
    assert _resource(cms, oai) == {"Type": "AWS::CloudFront::CloudFrontOriginAccessIdentity", "Properties": {
        "CloudFrontOriginAccessIdentityConfig": {"Comment": "legacy reads"}}}
    assert _doubts(cms) == []


def test_a_distribution_whose_origin_is_unknown_is_indeterminate_for_buckets(tmp_path: Path) -> None:
    document = _reference()
    address = _add(document, "data", "aws_cloudfront_distribution", "chip", _DISTRIBUTION)
    _blocks(document, address, {("origin", 0, "domain_name"): ["var.origin_domain"]})
    oac = _add(document, "data", "aws_cloudfront_origin_access_control", "chip", _OAC | {"description": None})
    cms = _translated(tmp_path, document)[CMS]
    assert _doubts(cms) == [(address, None, ["buckets"])]
    (doubt,) = [d for d in cms.declared if d.klass is Class.UNMODELED]
    assert doubt.reason.startswith("aws_cloudfront_distribution left out: origin[0].domain_name is known only "
                                   "after apply")
    assert "var.origin_domain" in doubt.reason
    assert _resource(cms, oac)["Type"] == "AWS::CloudFront::OriginAccessControl"


def test_malformed_cloudfront_values_name_plan_address_and_attribute(tmp_path: Path) -> None:
    cases = [
        ("aws_cloudfront_distribution", _DISTRIBUTION | {"origin": [_ORIGIN | {"domain_name": "a.s3.amazonaws.com"}],
                                                         "default_cache_behavior": [_BEHAVIOR | {
                                                             "target_origin_id": "claims"}]},
         "default_cache_behavior[0].target_origin_id", "'claims'"),
        ("aws_cloudfront_distribution", _DISTRIBUTION | {"origin": [_ORIGIN | {
            "domain_name": "a.s3.amazonaws.com", "s3_origin_config": [{"origin_access_identity": "E2QWRUHAPOMQZL"}]}]},
         "origin[0].s3_origin_config[0].origin_access_identity", "'E2QWRUHAPOMQZL'"),
        ("aws_cloudfront_origin_access_control", _OAC | {"signing_behavior": "sometimes"}, "signing_behavior",
         "'sometimes'"),
    ]
    for rtype, values, attribute, found in cases:
        document = _reference()
        address = _add(document, "data", rtype, "bad", values)
        _blocks(document, address)
        with pytest.raises(DeployError) as error:
            _translated(tmp_path, document)
        assert error.value.where == f"{tmp_path / 'plan.json'}: {address}, attribute {attribute}", rtype
        assert error.value.found == found


def test_the_lambda_and_cloudfront_arguments_are_classified_as_their_cloudformation_twins() -> None:
    twins = {
        ("aws_lambda_function", "AWS::Lambda::Function"): {
            "function_name": "FunctionName", "role": "Role", "handler": "Handler", "runtime": "Runtime",
            "timeout": "Timeout", "memory_size": "MemorySize", "description": "Description",
            "environment": "Environment", "filename": "Code", "s3_bucket": "Code", "image_uri": "Code",
            "tags": "Tags", "layers": "Layers", "architectures": "Architectures", "kms_key_arn": "KmsKeyArn",
            "vpc_config": "VpcConfig", "dead_letter_config": "DeadLetterConfig", "image_config": "ImageConfig",
            "code_signing_config_arn": "CodeSigningConfigArn", "tracing_config": "TracingConfig",
            "file_system_config": "FileSystemConfigs", "snap_start": "SnapStart", "package_type": "PackageType",
            "reserved_concurrent_executions": "ReservedConcurrentExecutions", "logging_config": "LoggingConfig",
            "ephemeral_storage": "EphemeralStorage"},
        ("aws_lambda_permission", "AWS::Lambda::Permission"): {
            "function_name": "FunctionName", "action": "Action", "principal": "Principal",
            "principal_org_id": "PrincipalOrgID", "source_account": "SourceAccount", "source_arn": "SourceArn",
            "event_source_token": "EventSourceToken", "function_url_auth_type": "FunctionUrlAuthType"},
        ("aws_cloudfront_distribution", "AWS::CloudFront::Distribution"): {
            "origin": "DistributionConfig", "default_cache_behavior": "DistributionConfig", "tags": "Tags"},
        ("aws_cloudfront_origin_access_control", "AWS::CloudFront::OriginAccessControl"): {
            "name": "OriginAccessControlConfig", "signing_behavior": "OriginAccessControlConfig"},
    }
    cfn, types = load_classification(), load_terraform_classification().types
    for (tf, cf), arguments in twins.items():
        assert types[tf].cloudformation == cf
        for argument, prop in arguments.items():
            expected = cfn.of_property(cf, prop)
            assert types[tf].attributes[argument][0] is expected.klass, (tf, argument)
            if expected.klass is Class.UNMODELED:
                assert types[tf].attributes[argument][1] == expected.reason, (tf, argument)
    assert (types["aws_lambda_function_url"].klass, types["aws_lambda_function_url"].reason) == (
        Class.UNMODELED, cfn.of_type("AWS::Lambda::Url").reason)
    assert types["aws_lambda_function_url"].affects == cfn.of_type("AWS::Lambda::Url").affects


@pytest.mark.parametrize(("rtype", "values", "references", "verdicts", "reason"), [
    # Reach does not follow a secret: what the user reads is in doubt, and nothing else (it reads no CHIP data).
    ("aws_iam_access_key", {"user": None, "status": "Active", "pgp_key": None},
     {"user": ["aws_iam_user.rivera.name", "aws_iam_user.rivera"]},
     {"DKT148-FIELDS": "INDETERMINATE", "DKT148-MEDICAL": "INDETERMINATE", "DKT148-POPULATIONS": "INDETERMINATE",
      "DKT148-PROGRAMS": "COMPLIANT", "DKT98-NO-SHARING": "NOT_APPLICABLE"},
     "creates credentials for a user: whoever holds the secret acts with the user's permissions, and reach does not "
     "follow a secret"),
    # aws_organizations_policy and its attachments: test_organization.py (taken onto accounts' levels).
])
def test_an_access_key_or_organisation_policy_in_a_plan_is_judged_as_its_cloudformation_twin(
        tmp_path: Path, rtype: str, values: dict[str, Any], references: dict[str, list[str]], verdicts: dict[str, str],
        reason: str) -> None:
    document = _reference()
    twin = {"aws_iam_access_key": "AWS::IAM::AccessKey", "aws_organizations_policy": "AWS::Organizations::Policy",
            "aws_organizations_policy_attachment": "AWS::Organizations::Policy"}
    assert load_classification().of_type(twin[rtype]).reason == reason
    address = _add(document, "identity", rtype, "added", values, references)
    (tmp_path / "plan.json").write_text(json.dumps(document))
    (tmp_path / "enjoin.yaml").write_text(
        f"extends: {REFERENCE.parents[1] / 'enjoin.yaml'}\nread_outside: [{ROOT}]\n"
        "templates:\n  - {path: plan.json, account: cms, providers: {aws.dhs: dhs}}\n")
    report = run_pipeline(tmp_path / "enjoin.yaml").report
    assert {c["id"]: c["verdict"] for c in report["clauses"]} == verdicts
    where = f"{tmp_path / 'plan.json'}: {address}"
    assert [(c["where"], c["reason"]) for c in report["constructs"]["unmodeled"]] == [(where, reason)]
    for clause in report["clauses"]:
        if clause["verdict"] == "INDETERMINATE":
            assert any(f"{where} (Terraform::{rtype}) is not modeled by enjoin: {reason}" in f["message"]
                       for f in clause["findings"]), clause["id"]


def _portal(document: dict[str, Any], policy: str | None) -> tuple[str, str]:
    """The extract portal of CloudFormation corpus case 050 (tests/data/cfn_corpus/050-cloudfront-oac-holding) in
    the data module: a staging bucket served to every viewer by a distribution through an origin access control,
    whose bucket policy lets cloudfront.amazonaws.com read (``policy``: its JSON, None when known only after apply,
    as it is when the policy names ``aws_cloudfront_distribution.portal.arn``)."""
    _add(document, "data", "aws_s3_bucket", "staging", {"bucket": "cms-disclosure-staging", "force_destroy": False})
    _add(document, "data", "aws_cloudfront_origin_access_control", "portal", _OAC | {
        "name": "cms-disclosure-staging", "description": None})
    distribution = _add(document, "data", "aws_cloudfront_distribution", "portal", _DISTRIBUTION | {
        "comment": "Disclosure extract portal", "origin": [_ORIGIN | {"origin_id": "staging"}],
        "default_cache_behavior": [_BEHAVIOR | {"target_origin_id": "staging"}]})
    _blocks(document, distribution, {
        ("origin", 0, "domain_name"): ["aws_s3_bucket.staging.bucket_regional_domain_name", "aws_s3_bucket.staging"],
        ("origin", 0, "origin_access_control_id"): ["aws_cloudfront_origin_access_control.portal.id",
                                                    "aws_cloudfront_origin_access_control.portal"]})
    bucket_policy = _add(document, "data", "aws_s3_bucket_policy", "staging", {"bucket": None, "policy": policy}, {
        "bucket": ["aws_s3_bucket.staging.id", "aws_s3_bucket.staging"]} | (
        {} if policy else {"policy": ["data.aws_iam_policy_document.staging.json",
                                      "data.aws_iam_policy_document.staging"]}))
    return distribution, bucket_policy


_STAGING_POLICY = {"Version": "2012-10-17", "Statement": [{
    "Sid": "AllowCloudFrontServicePrincipal", "Effect": "Allow", "Principal": {"Service": "cloudfront.amazonaws.com"},
    "Action": "s3:GetObject", "Resource": "arn:aws:s3:::cms-disclosure-staging/*",
    "Condition": {"ArnLike": {"AWS:SourceArn": f"arn:aws:cloudfront::{CMS}:distribution/*"}}}]}


@pytest.mark.parametrize(("policy", "verdicts"), [
    # As corpus case 050 (its policy names the one distribution; a plan knows that ARN only after apply, so this one
    # names the account's distributions): anyone, DHS included, reads the staged files through the portal.
    (json.dumps(_STAGING_POLICY), {"DKT148-FIELDS": "VIOLATION", "DKT148-POPULATIONS": "VIOLATION"}),
    # The policy as the provider's example writes it (the distribution's ARN): known only after apply, in doubt.
    (None, {"DKT148-FIELDS": "INDETERMINATE", "DKT148-POPULATIONS": "INDETERMINATE"}),
])
def test_a_distribution_in_a_plan_serves_its_bucket_as_cloudformation_corpus_case_050(
        tmp_path: Path, policy: str | None, verdicts: dict[str, str]) -> None:
    document = _reference()
    distribution, bucket_policy = _portal(document, policy)
    (tmp_path / "plan.json").write_text(json.dumps(document))
    corpus = ROOT / "tests" / "data" / "cfn_corpus" / "050-cloudfront-oac-holding"
    (tmp_path / "enjoin.yaml").write_text((corpus / "enjoin.yaml").read_text().replace(
        "  - path: template.yaml\n    account: cms\n    parameters:\n      BucketPrefix: \"cms\"\n",
        "  - {path: plan.json, account: cms, providers: {aws.dhs: dhs}}\n"))
    report = run_pipeline(tmp_path / "enjoin.yaml").report
    judged = {c["id"]: c["verdict"] for c in report["clauses"] if c["verdict"] not in ("COMPLIANT", "NOT_APPLICABLE")}
    assert judged == verdicts
    findings = [f for c in report["clauses"] for f in c["findings"]]
    if policy is None:
        where = f"{tmp_path / 'plan.json'}: {bucket_policy}"
        assert {c["where"] for c in report["constructs"]["unmodeled"]} == {where}
        assert all(f["resource"] == where for f in findings)
    else:
        assert report["constructs"]["unmodeled"] == []
        assert all(":distribution/" in json.dumps(f) for f in findings), distribution
