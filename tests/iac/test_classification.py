"""The classification of CloudFormation resource types: the data against cfn-lint's schemas, and its loader."""

from __future__ import annotations

import textwrap
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from cfnlint.schema import PROVIDER_SCHEMA_MANAGER  # type: ignore[import-untyped]  # cfn-lint ships no type information

from enjoin.errors import DeployError
from enjoin.iac.cloudformation.classification import (
    AFFECTS,
    CUSTOM_PATTERN,
    Class,
    Classification,
    Entry,
    load_classification,
)

REGION = "us-east-1"

# The services whose every resource type the file must classify.
SERVICES = frozenset(
    [
        "IAM",
        "S3",
        "KMS",
        "Lambda",
        "Logs",
        "SNS",
        "SQS",
        "CloudWatch",
        "Events",
        "Scheduler",
        "SSM",
        "SecretsManager",
        "Route53",
        "CertificateManager",
        "CloudFront",
        "ApiGateway",
        "ApiGatewayV2",
        "ElasticLoadBalancing",
        "ElasticLoadBalancingV2",
        "AutoScaling",
        "ApplicationAutoScaling",
        "EC2",
        "ECS",
        "ECR",
        "EKS",
        "RDS",
        "DynamoDB",
        "ElastiCache",
        "EFS",
        "CodeBuild",
        "CodePipeline",
        "CodeCommit",
        "CodeDeploy",
        "CodeStarConnections",
        "Glue",
        "Athena",
        "LakeFormation",
        "StepFunctions",
        "Kinesis",
        "KinesisFirehose",
        "CloudTrail",
        "Config",
        "GuardDuty",
        "SecurityHub",
        "WAFv2",
        "Cognito",
        "SES",
        "Backup",
        "SageMaker",
        "EMR",
        "Batch",
        "DataSync",
        "Transfer",
        "Redshift",
        "OpenSearchService",
        "Elasticsearch",
        "AppSync",
        "CloudFormation",
        "ServiceCatalog",
        "Organizations",
        "SSO",
        "AccessAnalyzer",
        "Macie",
        "Inspector",
        "InspectorV2",
        "Budgets",
        "RAM",
        "ResourceGroups",
        "XRay",
        "Cloud9",
        "AmazonMQ",
        "MSK",
        "DocDB",
        "Neptune",
        "Detective",
        "FMS",
        "NetworkFirewall",
        "DMS",
        "Amplify",
        "AppConfig",
        "AppRunner",
        "S3ObjectLambda",
        "S3Outposts",
        "S3Express",
        "Pipes",
        "CE",
        "Synthetics",
        "KinesisAnalyticsV2",
        "QuickSight",
    ]
)

# The types enjoin models, exactly.
MODELED = frozenset(
    [
        "AWS::IAM::Role",
        "AWS::IAM::User",
        "AWS::IAM::Group",
        "AWS::IAM::Policy",
        "AWS::IAM::ManagedPolicy",
        "AWS::IAM::RolePolicy",
        "AWS::IAM::UserPolicy",
        "AWS::IAM::GroupPolicy",
        "AWS::IAM::UserToGroupAddition",
        "AWS::IAM::InstanceProfile",
        "AWS::IAM::ServiceLinkedRole",
        "AWS::IAM::SAMLProvider",
        "AWS::IAM::OIDCProvider",
        "AWS::S3::Bucket",
        "AWS::S3::BucketPolicy",
        "AWS::S3::AccessPoint",
        "AWS::KMS::Key",
        "AWS::KMS::Alias",
        "AWS::Lambda::Function",
        "AWS::Lambda::Permission",
        "AWS::Glue::Database",
        "AWS::Glue::Table",
        "AWS::LakeFormation::DataLakeSettings",
        "AWS::LakeFormation::Resource",
        "AWS::LakeFormation::Permissions",
        "AWS::LakeFormation::PrincipalPermissions",
        "AWS::Athena::WorkGroup",
        "AWS::CloudFront::Distribution",
        "AWS::CloudFront::CloudFrontOriginAccessIdentity",
        "AWS::CloudFront::OriginAccessControl",
        "AWS::EC2::Instance",
        "AWS::SageMaker::NotebookInstance",
        "AWS::SageMaker::NotebookInstanceLifecycleConfig",
        "AWS::CodeBuild::Project",
        "AWS::Glue::DevEndpoint",
        "AWS::Glue::Job",
        "AWS::CloudFormation::StackSet",
        "AWS::Batch::ComputeEnvironment",
        "AWS::Batch::JobQueue",
        "AWS::ECS::TaskDefinition",
        "AWS::Batch::JobDefinition",
        "AWS::ECR::Repository",
    ]
)


@cache
def schema_types() -> frozenset[str]:
    return frozenset(PROVIDER_SCHEMA_MANAGER.get_resource_types(REGION))


@cache
def schema(rtype: str) -> dict[str, Any]:
    found: dict[str, Any] = PROVIDER_SCHEMA_MANAGER.get_resource_schema(REGION, rtype).schema
    return found


def writable(rtype: str) -> frozenset[str]:
    """The top-level properties of ``rtype`` that are not read-only."""
    read_only = {p.removeprefix("/properties/") for p in schema(rtype).get("readOnlyProperties", [])}
    return frozenset(p for p in schema(rtype).get("properties", {}) if p not in read_only)


@pytest.fixture(scope="module")
def classification() -> Classification:
    return load_classification()


# ---- the data against the schemas ----


def test_every_named_type_exists_in_the_schemas(classification: Classification) -> None:
    unknown = sorted(t for t in classification.types if t != CUSTOM_PATTERN and t not in schema_types())
    assert not unknown, f"types the cfn-lint {REGION} schemas do not list: {', '.join(unknown)}"


def test_every_named_property_exists_and_is_not_read_only(classification: Classification) -> None:
    wrong = []
    for rtype, props in classification.properties.items():
        allowed = writable(rtype)
        for prop in props:
            if prop not in allowed:
                what = "read-only" if prop in schema(rtype).get("properties", {}) else "not in the schema"
                wrong.append(f"{rtype}.{prop} ({what})")
    assert not wrong, "properties that cannot be classified: " + ", ".join(sorted(wrong))


def test_every_modeled_type_classifies_every_writable_property(classification: Classification) -> None:
    missing = []
    for rtype, entry in classification.types.items():
        if entry.klass is Class.MODELED:
            named = classification.properties.get(rtype, {})
            missing += [f"{rtype}.{p}" for p in sorted(writable(rtype) - set(named))]
    assert not missing, "properties of modeled types the file does not classify: " + ", ".join(missing)


def test_every_type_of_the_listed_services_is_classified(classification: Classification) -> None:
    listed = {t for t in schema_types() if t.startswith("AWS::") and t.split("::")[1] in SERVICES}
    missing = sorted(listed - set(classification.types))
    assert not missing, "types to classify (new in cfn-lint's schemas?): " + ", ".join(missing)
    assert CUSTOM_PATTERN in classification.types
    assert "AWS::CloudFormation::CustomResource" in classification.types


def test_the_modeled_types_are_exactly_those_enjoin_models(classification: Classification) -> None:
    modeled = {t for t, e in classification.types.items() if e.klass is Class.MODELED}
    assert modeled == MODELED, f"extra: {sorted(modeled - MODELED)}; missing: {sorted(MODELED - modeled)}"


def test_every_row_is_well_formed(classification: Classification) -> None:
    entries = [(t, e) for t, e in classification.types.items()]
    entries += [(f"{t}.{p}", e) for t, props in classification.properties.items() for p, e in props.items()]
    bad = [
        name
        for name, e in entries
        if not e.named
        or not e.reason.strip()
        or (e.klass is Class.UNMODELED) != bool(e.affects)
        or not e.affects <= AFFECTS
    ]
    assert not bad, "malformed rows: " + ", ".join(bad)


# ---- rows that matter ----


@pytest.mark.parametrize(
    ("rtype", "klass", "affects"),
    [
        ("AWS::IAM::AccessKey", Class.UNMODELED, {"users"}),
        ("AWS::RAM::ResourceShare", Class.UNMODELED, {"all"}),
        ("AWS::SNS::Topic", Class.INERT, set()),
        ("AWS::EC2::Instance", Class.MODELED, set()),
        ("AWS::SageMaker::NotebookInstanceLifecycleConfig", Class.MODELED, set()),
        ("AWS::EC2::LaunchTemplate", Class.UNMODELED, {"roles"}),
        ("AWS::EC2::VPCEndpoint", Class.INERT, set()),
        ("AWS::S3::StorageLens", Class.INERT, set()),
        ("AWS::S3::MultiRegionAccessPoint", Class.UNMODELED, {"buckets"}),
        ("AWS::SSO::PermissionSet", Class.UNMODELED, {"all"}),
        ("AWS::Organizations::Policy", Class.UNMODELED, {"all"}),
        ("AWS::Cognito::IdentityPoolRoleAttachment", Class.UNMODELED, {"roles"}),
        ("AWS::CloudFormation::Stack", Class.UNMODELED, {"all"}),
        ("AWS::CloudFormation::CustomResource", Class.UNMODELED, {"service_token"}),
        ("AWS::KMS::ReplicaKey", Class.UNMODELED, {"keys"}),
        ("AWS::LakeFormation::TagAssociation", Class.UNMODELED, {"tables"}),
        ("AWS::Glue::MLTransform", Class.UNMODELED, {"roles"}),
        ("AWS::Glue::Job", Class.MODELED, set()),
        ("AWS::CloudFormation::StackSet", Class.MODELED, set()),
        ("AWS::KinesisFirehose::DeliveryStream", Class.UNMODELED, {"roles", "buckets"}),
        ("AWS::Lambda::Url", Class.UNMODELED, {"roles", "function_roles"}),
        ("AWS::Events::Rule", Class.UNMODELED, {"roles"}),
        ("AWS::S3::Bucket", Class.MODELED, set()),
        ("AWS::IAM::Role", Class.MODELED, set()),
    ],
)
def test_important_types(classification: Classification, rtype: str, klass: Class, affects: set[str]) -> None:
    entry = classification.of_type(rtype)
    assert (entry.klass, set(entry.affects), entry.named) == (klass, affects, True), entry.reason


@pytest.mark.parametrize(
    ("rtype", "prop", "klass", "affects"),
    [
        ("AWS::S3::Bucket", "LifecycleConfiguration", Class.INERT, set()),
        ("AWS::S3::Bucket", "AccessControl", Class.MODELED, set()),
        ("AWS::S3::Bucket", "AbacStatus", Class.UNMODELED, {"self"}),
        ("AWS::IAM::User", "LoginProfile", Class.MODELED, set()),
        ("AWS::Lambda::Function", "VpcConfig", Class.INERT, set()),
        ("AWS::Lambda::Permission", "FunctionUrlAuthType", Class.INERT, set()),
        ("AWS::Lambda::Function", "Layers", Class.UNMODELED, {"self"}),
        ("AWS::LakeFormation::DataLakeSettings", "Admins", Class.MODELED, set()),
        ("AWS::Glue::Job", "Command", Class.MODELED, set()),
        ("AWS::CloudFormation::StackSet", "StackInstancesGroup", Class.UNMODELED, {"all"}),
        ("AWS::CloudFormation::StackSet", "AutoDeployment", Class.UNMODELED, {"all"}),
    ],
)
def test_important_properties(
    classification: Classification, rtype: str, prop: str, klass: Class, affects: set[str]
) -> None:
    entry = classification.of_property(rtype, prop)
    assert (entry.klass, set(entry.affects), entry.named) == (klass, affects, True), entry.reason


def test_organisation_policies_point_to_the_module_that_takes_them(classification: Classification) -> None:
    reason = classification.of_type("AWS::Organizations::Policy").reason
    assert "enjoin.iac.cloudformation.organization classifies each resource" in reason


# ---- lookups fail closed ----


def test_a_type_the_file_does_not_name_is_unmodeled_and_affects_all(classification: Classification) -> None:
    entry = classification.of_type("AWS::NoSuch::Thing")
    assert entry == Entry(Class.UNMODELED, "enjoin's classification does not name this type", frozenset({"all"}), False)
    assert classification.of_property("AWS::NoSuch::Thing", "Anything") == entry


def test_custom_types_take_the_pattern_entry(classification: Classification) -> None:
    pattern = classification.types[CUSTOM_PATTERN]
    assert classification.of_type("Custom::AnythingAtAll") is pattern
    assert classification.of_property("Custom::AnythingAtAll", "ServiceToken") is pattern
    assert pattern.affects == {"service_token"}


def test_custom_resource_falls_back_to_the_pattern(tmp_path: Path) -> None:
    c = load(tmp_path, 'Custom::*: {class: unmodeled, affects: [service_token], reason: "runs a function"}')
    assert c.of_type("AWS::CloudFormation::CustomResource") is c.types[CUSTOM_PATTERN]
    assert c.of_type("Custom::Mine") is c.types[CUSTOM_PATTERN]
    bare = load(tmp_path, 'AWS::SNS::Topic: {class: inert, reason: "a topic"}')
    assert bare.of_type("Custom::Mine").named is False
    assert bare.of_type("Custom::Mine").affects == {"all"}


def test_a_property_the_file_does_not_name_is_unmodeled_and_affects_itself(classification: Classification) -> None:
    entry = classification.of_property("AWS::S3::Bucket", "SomeFutureProperty")
    assert entry == Entry(
        Class.UNMODELED, "enjoin's classification does not name this property", frozenset({"self"}), False
    )


def test_properties_of_types_not_modeled_take_the_type_entry(classification: Classification) -> None:
    assert classification.of_property("AWS::SNS::Topic", "TopicName") is classification.types["AWS::SNS::Topic"]
    transform = classification.types["AWS::Glue::MLTransform"]
    assert classification.of_property("AWS::Glue::MLTransform", "Role") is transform


def test_the_packaged_file_is_read_once(classification: Classification) -> None:
    assert load_classification() is classification


# ---- the loader's checks ----


def load(tmp_path: Path, types: str) -> Classification:
    """Load a classification file whose ``types:`` mapping is ``types`` (dedented, indented under it)."""
    path = tmp_path / "classification.yaml"
    path.write_text("# a test file\ntypes:\n" + textwrap.indent(textwrap.dedent(types).strip() + "\n", "  "))
    return load_classification(path)


def fails(tmp_path: Path, types: str) -> DeployError:
    with pytest.raises(DeployError) as caught:
        load(tmp_path, types)
    return caught.value


def at(tmp_path: Path, line: int) -> str:
    return f"{tmp_path / 'classification.yaml'}:{line}: "


def test_an_unknown_class_is_an_error(tmp_path: Path) -> None:
    exc = fails(
        tmp_path,
        """
        AWS::SNS::Topic: {class: inert, reason: "a topic"}
        AWS::SQS::Queue: {class: inret, reason: "a queue"}
        """,
    )
    assert exc.where == at(tmp_path, 4) + "types['AWS::SQS::Queue'].class"
    assert "modeled, inert, unmodeled" in exc.expected
    assert "'inret'" in exc.found and "did you mean 'inert'" in exc.found


def test_a_missing_reason_is_an_error(tmp_path: Path) -> None:
    exc = fails(
        tmp_path,
        """
        AWS::SNS::Topic:
          class: inert
        """,
    )
    assert exc.where == at(tmp_path, 3) + "types['AWS::SNS::Topic']"
    assert "'reason'" in exc.expected
    assert exc.found == "only the keys class"


def test_an_empty_reason_is_an_error(tmp_path: Path) -> None:
    exc = fails(tmp_path, 'AWS::SNS::Topic: {class: inert, reason: "  "}')
    assert exc.where == at(tmp_path, 3) + "types['AWS::SNS::Topic'].reason"
    assert exc.expected == "a one-line reason"


def test_affects_missing_on_an_unmodeled_entry_is_an_error(tmp_path: Path) -> None:
    exc = fails(
        tmp_path,
        """
        AWS::SNS::Topic: {class: inert, reason: "a topic"}

        AWS::EC2::Instance: {class: unmodeled, reason: "runs code as a role"}
        """,
    )
    assert exc.where == at(tmp_path, 5) + "types['AWS::EC2::Instance']"
    assert "affects" in exc.expected and "unmodeled" in exc.expected
    assert exc.found == "no affects"


def test_affects_on_an_inert_entry_is_an_error(tmp_path: Path) -> None:
    exc = fails(tmp_path, 'AWS::SNS::Topic: {class: inert, affects: [roles], reason: "a topic"}')
    assert exc.where == at(tmp_path, 3) + "types['AWS::SNS::Topic'].affects"
    assert exc.expected == "no affects on an inert entry (affects is for unmodeled ones)"
    assert "roles" in exc.found


def test_affects_on_a_modeled_property_is_an_error(tmp_path: Path) -> None:
    exc = fails(
        tmp_path,
        """
        AWS::S3::Bucket:
          class: modeled
          reason: "the store"
          properties:
            BucketName: {class: modeled, reason: "its name", affects: [self]}
        """,
    )
    assert exc.where == at(tmp_path, 7) + "types['AWS::S3::Bucket'].properties.BucketName.affects"
    assert exc.expected.startswith("no affects on a modeled entry")


def test_an_unknown_affects_value_is_an_error(tmp_path: Path) -> None:
    exc = fails(
        tmp_path,
        """
        AWS::EC2::Instance:
          class: unmodeled
          reason: "runs code as a role"
          affects:
            - role
        """,
    )
    assert exc.where == at(tmp_path, 7) + "types['AWS::EC2::Instance'].affects[0]"
    assert "a value of affects, one of:" in exc.expected
    assert "'role'" in exc.found and "did you mean 'roles'" in exc.found


def test_empty_affects_is_an_error(tmp_path: Path) -> None:
    exc = fails(tmp_path, 'AWS::EC2::Instance: {class: unmodeled, affects: [], reason: "runs code"}')
    assert exc.where == at(tmp_path, 3) + "types['AWS::EC2::Instance'].affects"
    assert exc.found == "an empty list"


def test_all_with_other_values_is_an_error(tmp_path: Path) -> None:
    exc = fails(
        tmp_path,
        """
        AWS::SNS::Topic: {class: inert, reason: "a topic"}
        AWS::RAM::ResourceShare: {class: unmodeled, affects: [roles, all], reason: "shares resources"}
        """,
    )
    assert exc.where == at(tmp_path, 4) + "types['AWS::RAM::ResourceShare'].affects"
    assert exc.expected.startswith("all alone")
    assert exc.found == "all with roles"


def test_self_on_a_type_is_an_error(tmp_path: Path) -> None:
    exc = fails(tmp_path, 'AWS::EC2::Instance: {class: unmodeled, affects: [self], reason: "runs code"}')
    assert exc.where == at(tmp_path, 3) + "types['AWS::EC2::Instance'].affects"
    assert exc.found == "self on a type"


def test_properties_under_a_type_not_modeled_are_an_error(tmp_path: Path) -> None:
    exc = fails(
        tmp_path,
        """
        AWS::SNS::Topic:
          class: inert
          reason: "a topic"
          properties:
            TopicName: {class: inert, reason: "its name"}
        """,
    )
    assert exc.where == at(tmp_path, 6) + "types['AWS::SNS::Topic'].properties"
    assert exc.expected == "properties only under a modeled type"
    assert exc.found == "properties under an inert type"


def test_a_type_entry_that_is_not_a_mapping_is_an_error(tmp_path: Path) -> None:
    exc = fails(
        tmp_path,
        """
        AWS::SNS::Topic: {class: inert, reason: "a topic"}
        AWS::SQS::Queue: inert
        """,
    )
    assert exc.where == at(tmp_path, 4) + "types['AWS::SQS::Queue']"
    assert exc.expected.startswith("a resource type entry (a mapping")
    assert exc.found == "the string 'inert'"


def test_a_property_entry_that_is_not_a_mapping_is_an_error(tmp_path: Path) -> None:
    exc = fails(
        tmp_path,
        """
        AWS::S3::Bucket:
          class: modeled
          reason: "the store"
          properties:
            BucketName: {class: modeled, reason: "its name"}
            Tags: [modeled]
        """,
    )
    assert exc.where == at(tmp_path, 8) + "types['AWS::S3::Bucket'].properties.Tags"
    assert exc.expected.startswith("a property entry (a mapping")
    assert exc.found == "a list of 1 item"


def test_an_unknown_key_in_an_entry_is_an_error(tmp_path: Path) -> None:
    exc = fails(tmp_path, 'AWS::SNS::Topic: {class: inert, reasons: "a topic", reason: "a topic"}')
    assert exc.where == at(tmp_path, 3) + "types['AWS::SNS::Topic'].reasons"
    assert "did you mean 'reason'" in exc.found


def test_a_type_named_twice_is_an_error(tmp_path: Path) -> None:
    exc = fails(
        tmp_path,
        """
        AWS::SNS::Topic: {class: inert, reason: "a topic"}
        AWS::SNS::Topic: {class: inert, reason: "a topic again"}
        """,
    )
    assert exc.where == at(tmp_path, 4) + "types['AWS::SNS::Topic']"
    assert "first at line 3" in exc.found


def test_a_malformed_type_name_is_an_error(tmp_path: Path) -> None:
    exc = fails(tmp_path, 'SNS::Topic: {class: inert, reason: "a topic"}')
    assert exc.where == at(tmp_path, 3) + "types['SNS::Topic']"
    assert exc.expected.startswith("a resource type")


def test_a_file_without_types_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "classification.yaml"
    path.write_text("kinds: {}\n")
    with pytest.raises(DeployError) as caught:
        load_classification(path)
    assert caught.value.where == f"{path}:1: kinds"


def test_a_small_file_loads(tmp_path: Path) -> None:
    c = load(
        tmp_path,
        """
        AWS::S3::Bucket:
          class: modeled
          reason: "the store"
          properties:
            BucketName: {class: modeled, reason: "its name"}
            LifecycleConfiguration: {class: inert, reason: "expiry"}
            AbacStatus: {class: unmodeled, affects: [self], reason: "tag-based access"}
        AWS::EC2::Instance: {class: unmodeled, affects: [roles, buckets], reason: "runs code as a role"}
        """,
    )
    assert c.of_type("AWS::EC2::Instance") == Entry(
        Class.UNMODELED, "runs code as a role", frozenset({"roles", "buckets"}), True
    )
    assert c.of_property("AWS::S3::Bucket", "BucketName").klass is Class.MODELED
    assert c.of_property("AWS::S3::Bucket", "LifecycleConfiguration").affects == frozenset()
    assert c.of_property("AWS::S3::Bucket", "AbacStatus").affects == {"self"}
    assert c.of_property("AWS::S3::Bucket", "Tags").named is False
