"""The translation of Lake Formation, Glue Data Catalog and Athena types (enjoin.iac.terraform.lake): each added to
the reference plan as Terraform writes it becomes its CloudFormation twin; a value known only after apply is a
``Ref``/``Fn::GetAtt`` when it names a resource the plan deploys, and otherwise leaves the resource unmodeled for
the holdings it can affect, naming the address and the attribute; a malformed value is an error naming the plan
file, the address and the attribute."""

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

ROOT = Path(__file__).resolve().parents[3]
REFERENCE = ROOT / "infra" / "terraform" / "reference" / "plan.json"
CMS, DHS = "111111111111", "222222222222"
PROVIDER = "registry.terraform.io/hashicorp/aws"
READER = ["aws_iam_role.reader.arn", "aws_iam_role.reader"]


def _plan() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(REFERENCE.read_text())
    return loaded


def _add(document: dict[str, Any], rtype: str, name: str, after: dict[str, Any],
         references: dict[str, list[str]] | None = None, module: str = "cross_account") -> str:
    """A managed resource of ``module``: an argument in ``references`` is known only after apply."""
    references = references or {}
    address = f"module.{module}.{rtype}.{name}"
    values = {k: v for k, v in after.items() if k not in references}
    head = {"address": address, "mode": "managed", "type": rtype, "name": name, "provider_name": PROVIDER}
    planned = document["planned_values"]["root_module"]["child_modules"]
    next(m for m in planned if m["address"] == f"module.{module}")["resources"].append(
        head | {"schema_version": 0, "values": values, "sensitive_values": {}})
    document["resource_changes"].append(head | {"module_address": f"module.{module}", "change": {
        "actions": ["create"], "before": None, "after": values | dict.fromkeys(references),
        "after_unknown": dict.fromkeys(references, True), "before_sensitive": False, "after_sensitive": {}}})
    expressions: dict[str, Any] = {k: {"constant_value": v} for k, v in values.items() if v is not None}
    expressions |= {k: {"references": refs} for k, refs in references.items()}
    document["configuration"]["root_module"]["module_calls"][module]["module"]["resources"].append(
        {"address": f"{rtype}.{name}", "mode": "managed", "type": rtype, "name": name, "provider_config_key": "aws",
         "expressions": expressions, "schema_version": 0})
    return address


def _cms(tmp_path: Path, document: dict[str, Any]) -> PlanTemplate:
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(document))
    return dict(translate(load_plan(path), Template(path=path, account=CMS, providers={"aws.dhs": DHS})))[CMS]


def _resource(template: PlanTemplate, address: str) -> Any:
    return template.resources[{v: k for k, v in template.addresses.items()}[address]]


def _doubts(template: PlanTemplate) -> dict[tuple[str, str | None], tuple[list[str], str]]:
    return {(template.addresses[d.logical_id], d.prop): (sorted(d.affects), d.reason) for d in template.declared
            if d.klass is Class.UNMODELED}


def _grant(**blocks: Any) -> dict[str, Any]:
    after: dict[str, Any] = {"principal": None, "permissions": ["SELECT"], "permissions_with_grant_option": [],
                             "catalog_resource": False}
    for block in ("database", "table", "table_with_columns", "data_location", "lf_tag", "lf_tag_policy",
                  "data_cells_filter"):
        after[block] = blocks.get(block, [])
    return after


def _catalog(document: dict[str, Any]) -> tuple[str, str]:
    """A database taf and its table demographic_eligibility (database_name known only after apply)."""
    database = _add(document, "aws_glue_catalog_database", "taf", {
        "name": "taf", "catalog_id": CMS, "description": "TAF", "location_uri": "s3://cms-tmsis-eligibility/taf/",
        "parameters": None, "create_table_default_permission": [], "target_database": [], "tags": None})
    table = _add(document, "aws_glue_catalog_table", "de", {
        "name": "demographic_eligibility", "database_name": None, "catalog_id": CMS, "table_type": "EXTERNAL_TABLE",
        "parameters": {"classification": "parquet"}, "retention": 0, "partition_keys": [
            {"name": "submtg_state_cd", "type": "string", "comment": ""}],
        "storage_descriptor": [{"location": "s3://cms-tmsis-eligibility/taf/de/", "input_format": None,
                                "output_format": None, "compressed": False, "additional_locations": [],
                                "schema_reference": [], "ser_de_info": [],
                                "columns": [{"name": "msis_ident_num", "type": "string", "comment": ""},
                                            {"name": "ssn_num", "type": "string", "comment": "SSN"}]}],
        "open_table_format_input": [], "view_original_text": None},
        {"database_name": ["aws_glue_catalog_database.taf.name", "aws_glue_catalog_database.taf"]})
    return database, table


def test_a_column_grant_names_the_role_it_refers_to_and_the_catalog_it_deploys(tmp_path: Path) -> None:
    document = _plan()
    database, table = _catalog(document)
    grant = _add(document, "aws_lakeformation_permissions", "columns", _grant(table_with_columns=[{
        "catalog_id": None, "database_name": "taf", "name": "demographic_eligibility", "wildcard": False,
        "column_names": ["msis_ident_num", "ssn_num"], "excluded_column_names": []}]), {"principal": READER})
    everything = _add(document, "aws_lakeformation_permissions", "all_but_ssn", _grant(table_with_columns=[{
        "catalog_id": CMS, "database_name": "taf", "name": "demographic_eligibility", "wildcard": True,
        "column_names": [], "excluded_column_names": ["ssn_num"]}]) | {"principal": "IAM_ALLOWED_PRINCIPALS"})
    cms = _cms(tmp_path, document)
    reader = {"Fn::GetAtt": ["CrossAccountAwsIamRoleReader", "Arn"]}
    assert _resource(cms, grant) == {"Type": "AWS::LakeFormation::PrincipalPermissions", "Properties": {
        "Principal": {"DataLakePrincipalIdentifier": reader}, "Permissions": ["SELECT"],
        "PermissionsWithGrantOption": [], "Resource": {"TableWithColumns": {
            "CatalogId": CMS, "DatabaseName": "taf", "Name": "demographic_eligibility",
            "ColumnNames": ["msis_ident_num", "ssn_num"]}}}}
    assert _resource(cms, everything)["Properties"]["Resource"] == {"TableWithColumns": {
        "CatalogId": CMS, "DatabaseName": "taf", "Name": "demographic_eligibility",
        "ColumnWildcard": {"ExcludedColumnNames": ["ssn_num"]}}}
    assert _resource(cms, database) == {"Type": "AWS::Glue::Database", "Properties": {
        "CatalogId": CMS, "DatabaseInput": {
            "Name": "taf", "Description": "TAF", "LocationUri": "s3://cms-tmsis-eligibility/taf/"}}}
    assert _resource(cms, table) == {"Type": "AWS::Glue::Table", "Properties": {
        "CatalogId": CMS, "DatabaseName": {"Ref": "CrossAccountAwsGlueCatalogDatabaseTaf"}, "TableInput": {
            "Name": "demographic_eligibility", "TableType": "EXTERNAL_TABLE",
            "Parameters": {"classification": "parquet"},
            "StorageDescriptor": {"Location": "s3://cms-tmsis-eligibility/taf/de/", "Columns": [
                {"Name": "msis_ident_num", "Type": "string"},
                {"Name": "ssn_num", "Type": "string", "Comment": "SSN"}]},
            "PartitionKeys": [{"Name": "submtg_state_cd", "Type": "string"}]}}}
    assert _doubts(cms) == {}


def test_a_grant_the_translation_cannot_resolve_is_indeterminate_for_tables_naming_the_address(
        tmp_path: Path) -> None:
    document = _plan()
    _catalog(document)
    # A table name known only after apply from something that is no table of the plan, and an LF-tag grant.
    unknown = _add(document, "aws_lakeformation_permissions", "unknown_table", _grant(table=[{
        "catalog_id": CMS, "database_name": "taf", "name": "demographic_eligibility", "wildcard": False}]),
        {"principal": READER})
    document["resource_changes"][-1]["change"]["after"]["table"][0]["name"] = None
    document["resource_changes"][-1]["change"]["after_unknown"]["table"] = [{"name": True}]
    document["configuration"]["root_module"]["module_calls"]["cross_account"]["module"]["resources"][-1][
        "expressions"]["table"] = [{"name": {"references": ["random_pet.table.id", "random_pet.table"]}}]
    tagged = _add(document, "aws_lakeformation_permissions", "tagged", _grant(lf_tag=[
        {"key": "sensitivity", "values": ["low"], "catalog_id": CMS}]), {"principal": READER})
    cms = _cms(tmp_path, document)
    doubts = _doubts(cms)
    assert set(doubts) == {(unknown, None), (tagged, None)}
    assert doubts[(unknown, None)][0] == ["tables"]
    assert "table[0].name is known only after apply" in doubts[(unknown, None)][1]
    assert doubts[(tagged, None)] == (["tables"], "aws_lakeformation_permissions left out: lf_tag is a grant on an "
                                      "LF-tag, which reaches every database, table and column the tag is attached to")
    assert cms.where(_logical(cms, unknown)) == f"{tmp_path / 'plan.json'}: {unknown}"


def _logical(template: PlanTemplate, address: str) -> str:
    return {v: k for k, v in template.addresses.items()}[address]


@pytest.mark.parametrize(("rtype", "after", "attribute", "expected"), [
    ("aws_lakeformation_permissions", _grant(database=[{"name": "taf", "catalog_id": CMS}]) | {
        "principal": "arn:aws:iam::111111111111:role/DhsDisclosureReader", "permissions": "SELECT"},
     "permissions", "a list of names (strings)"),
    ("aws_lakeformation_permissions", _grant(database=[{"name": "taf", "catalog_id": CMS}]) | {"principal": 7},
     "principal", "a principal: an ARN, IAM_ALLOWED_PRINCIPALS or ACCOUNT:IAMPrincipals"),
    ("aws_lakeformation_data_lake_settings", {"admins": ["arn:aws:iam::111111111111:role/A", 3]}, "admins",
     "a list of names (strings)"),
])
def test_a_malformed_value_is_an_error_naming_the_plan_the_address_and_the_attribute(
        tmp_path: Path, rtype: str, after: dict[str, Any], attribute: str, expected: str) -> None:
    document = _plan()
    address = _add(document, rtype, "bad", after)
    with pytest.raises(DeployError) as error:
        _cms(tmp_path, document)
    assert error.value.where == f"{tmp_path / 'plan.json'}: {address}, attribute {attribute}"
    assert error.value.expected == expected


def test_the_settings_without_default_blocks_carry_empty_defaults_and_the_administrators_arn(
        tmp_path: Path) -> None:
    document = _plan()
    settings = _add(document, "aws_lakeformation_data_lake_settings", "this", {
        "admins": None, "create_database_default_permissions": None, "create_table_default_permissions": None,
        "trusted_resource_owners": [], "allow_external_data_filtering": False,
        "allow_full_table_external_data_access": None}, {"admins": READER})
    document["resource_changes"][-1]["change"]["after_unknown"] |= {
        "create_database_default_permissions": True, "create_table_default_permissions": True,
        "allow_full_table_external_data_access": True}
    filtering = _add(document, "aws_lakeformation_data_lake_settings", "filtering", {
        "admins": [], "allow_external_data_filtering": True, "create_table_default_permissions": [
            {"principal": "IAM_ALLOWED_PRINCIPALS", "permissions": ["ALL"]}]})
    cms = _cms(tmp_path, document)
    assert _resource(cms, settings)["Properties"] == {
        "Admins": [{"DataLakePrincipalIdentifier": {"Fn::GetAtt": ["CrossAccountAwsIamRoleReader", "Arn"]}}],
        "CreateDatabaseDefaultPermissions": [], "CreateTableDefaultPermissions": []}
    assert _resource(cms, filtering)["Properties"]["CreateTableDefaultPermissions"] == [
        {"Principal": {"DataLakePrincipalIdentifier": "IAM_ALLOWED_PRINCIPALS"}, "Permissions": ["ALL"]}]
    assert {k: v[0] for k, v in _doubts(cms).items()} == {(filtering, "allow_external_data_filtering"): ["self"]}


def test_a_registered_location_reads_as_its_role_and_hybrid_access_is_in_doubt(tmp_path: Path) -> None:
    document = _plan()
    location = _add(document, "aws_lakeformation_resource", "eligibility", {
        "arn": "arn:aws:s3:::cms-tmsis-eligibility", "role_arn": None, "use_service_linked_role": False,
        "hybrid_access_enabled": True}, {"role_arn": READER})
    by_name = _add(document, "aws_lakeformation_resource", "by_name", {
        "arn": "arn:aws:s3:::cms-tmsis-claims", "role_arn": None},
        {"role_arn": ["aws_iam_role.reader.name", "aws_iam_role.reader"]})
    cms = _cms(tmp_path, document)
    assert _resource(cms, location) == {"Type": "AWS::LakeFormation::Resource", "Properties": {
        "ResourceArn": "arn:aws:s3:::cms-tmsis-eligibility",
        "RoleArn": {"Fn::GetAtt": ["CrossAccountAwsIamRoleReader", "Arn"]}, "UseServiceLinkedRole": False}}
    doubts = _doubts(cms)
    assert set(doubts) == {(location, "hybrid_access_enabled"), (by_name, None)}
    assert doubts[(location, "hybrid_access_enabled")][0] == ["self"]
    assert doubts[(by_name, None)] == (
        ["tables"], "aws_lakeformation_resource left out: role_arn refers to a role by its name, not its ARN")


def test_a_workgroup_keeps_its_result_location_and_an_execution_role_leaves_it_unmodeled(tmp_path: Path) -> None:
    document = _plan()

    def config(role: str | None) -> list[dict[str, Any]]:
        return [{"enforce_workgroup_configuration": True, "execution_role": role, "result_configuration": [{
            "output_location": "s3://cms-athena-query-results/x/", "acl_configuration": [],
            "encryption_configuration": [{"encryption_option": "SSE_S3", "kms_key_arn": None}]}]}]
    plain = _add(document, "aws_athena_workgroup", "plain", {"name": "x", "state": "ENABLED",
                                                               "configuration": config(None), "tags": None})
    spark = _add(document, "aws_athena_workgroup", "spark", {"name": "y", "configuration": config(
        "arn:aws:iam::111111111111:role/CmsMedicaidAnalyst")})
    cms = _cms(tmp_path, document)
    assert _resource(cms, plain)["Properties"] == {"Name": "x", "WorkGroupConfiguration": {
        "EnforceWorkGroupConfiguration": True, "ResultConfiguration": {
            "OutputLocation": "s3://cms-athena-query-results/x/", "EncryptionConfiguration": {
                "EncryptionOption": "SSE_S3"}}}}
    assert {k: v[0] for k, v in _doubts(cms).items()} == {(spark, None): ["buckets"]}


def test_each_argument_is_classified_as_its_cloudformation_twin() -> None:
    """A translated argument's twin is modeled, an inert one's inert; a flag whose twin is unmodeled is read by the
    builder, which makes it an unmodeled argument when on (the tests above)."""
    twins = {
        ("aws_lakeformation_permissions", "AWS::LakeFormation::PrincipalPermissions"): {
            "principal": "Principal", "permissions": "Permissions",
            "permissions_with_grant_option": "PermissionsWithGrantOption", "catalog_id": "Catalog",
            "database": "Resource", "table": "Resource", "table_with_columns": "Resource", "data_location": "Resource"},
        ("aws_lakeformation_resource", "AWS::LakeFormation::Resource"): {
            "arn": "ResourceArn", "role_arn": "RoleArn", "use_service_linked_role": "UseServiceLinkedRole",
            "hybrid_access_enabled": "HybridAccessEnabled", "with_federation": "WithFederation"},
        ("aws_lakeformation_data_lake_settings", "AWS::LakeFormation::DataLakeSettings"): {
            "admins": "Admins", "read_only_admins": "ReadOnlyAdmins",
            "create_database_default_permissions": "CreateDatabaseDefaultPermissions",
            "create_table_default_permissions": "CreateTableDefaultPermissions",
            "trusted_resource_owners": "TrustedResourceOwners",
            "allow_external_data_filtering": "AllowExternalDataFiltering",
            "allow_full_table_external_data_access": "AllowFullTableExternalDataAccess"},
        ("aws_glue_catalog_database", "AWS::Glue::Database"): {
            "name": "DatabaseInput", "catalog_id": "CatalogId", "location_uri": "DatabaseInput",
            "create_table_default_permission": "DatabaseInput"},
        ("aws_glue_catalog_table", "AWS::Glue::Table"): {
            "name": "TableInput", "database_name": "DatabaseName", "catalog_id": "CatalogId",
            "storage_descriptor": "TableInput", "partition_keys": "TableInput"},
        ("aws_athena_workgroup", "AWS::Athena::WorkGroup"): {
            "name": "Name", "description": "Description", "state": "State", "configuration": "WorkGroupConfiguration",
            "tags": "Tags"},
    }
    cfn, types = load_classification(), load_terraform_classification().types
    for (tf, cf), arguments in twins.items():
        assert types[tf].cloudformation == cf
        for argument, prop in arguments.items():
            klass, reason = types[tf].attributes[argument]
            expected = cfn.of_property(cf, prop).klass
            if expected is Class.UNMODELED:
                assert klass is Class.MODELED and reason.startswith("read: on"), (tf, argument)
            else:
                assert klass is expected, (tf, argument)
    # Arguments the classification leaves out, so that a value puts the resource's own holdings in doubt.
    for tf, argument in (("aws_lakeformation_data_lake_settings", "external_data_filtering_allow_list"),
                         ("aws_lakeformation_data_lake_settings", "authorized_session_tag_value_list"),
                         ("aws_lakeformation_data_lake_settings", "parameters"),
                         ("aws_glue_catalog_database", "target_database"),
                         ("aws_glue_catalog_table", "open_table_format_input")):
        assert argument not in types[tf].attributes, (tf, argument)
