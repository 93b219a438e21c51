"""The Terraform classification file: every row reasoned, every modeled row translated into what the
CloudFormation classification models, and every type of issue #15's list classified."""

from __future__ import annotations

from pathlib import Path

import pytest

from enjoin.errors import DeployError
from enjoin.iac.cloudformation.classification import Class, load_classification
from enjoin.iac.terraform.classification import classification_of, load_terraform_classification
from enjoin.iac.terraform.translate import _APPLIED, _BUILDERS, _MERGED
from enjoin.yamlload import parse_yaml

# The types of issue #15, item 3 (aws_s3_bucket's split resources, the inert ones among them).
ISSUE_TYPES = {
    "aws_iam_role", "aws_iam_role_policy", "aws_iam_role_policy_attachment", "aws_iam_policy", "aws_iam_user",
    "aws_iam_user_policy", "aws_iam_user_policy_attachment", "aws_iam_user_group_membership",
    "aws_iam_user_login_profile", "aws_iam_group", "aws_iam_group_policy", "aws_iam_group_membership",
    "aws_iam_instance_profile", "aws_iam_saml_provider", "aws_iam_openid_connect_provider", "aws_s3_bucket",
    "aws_s3_bucket_policy", "aws_s3_bucket_public_access_block", "aws_s3_bucket_server_side_encryption_configuration",
    "aws_s3_bucket_versioning", "aws_s3_bucket_replication_configuration", "aws_s3_bucket_ownership_controls",
    "aws_s3_bucket_acl", "aws_s3_bucket_website_configuration", "aws_s3_bucket_lifecycle_configuration",
    "aws_s3_bucket_logging", "aws_s3_bucket_cors_configuration", "aws_s3_bucket_notification", "aws_s3_access_point",
    "aws_kms_key", "aws_kms_alias", "aws_kms_key_policy", "aws_kms_grant", "aws_organizations_policy",
    "aws_organizations_policy_attachment", "aws_lakeformation_permissions", "aws_lakeformation_resource",
    "aws_glue_catalog_database", "aws_glue_catalog_table", "aws_lambda_function", "aws_lambda_permission",
    "aws_cloudfront_distribution", "aws_cloudfront_origin_access_control",
}


def test_every_type_of_the_issue_is_classified() -> None:
    types = load_terraform_classification().types
    assert sorted(t for t in ISSUE_TYPES if t not in types) == []


def test_every_row_has_a_reason_and_modeled_rows_a_translation() -> None:
    cfn = load_classification()
    for name, entry in load_terraform_classification().types.items():
        assert entry.reason, name
        if entry.klass is Class.MODELED:
            target = entry.cloudformation
            if entry.merge is not None:
                target = load_terraform_classification().types[entry.merge.into].cloudformation
                assert entry.merge.property in _MERGED or entry.merge.value, name
                assert cfn.of_property(str(target), entry.merge.property).klass is Class.MODELED, name
            elif entry.applied is not None:  # no CloudFormation type: deploy makes the API call after the stack
                assert entry.applied in _APPLIED and target is None, name
            else:
                assert target in _BUILDERS, name
            if entry.applied is None:
                assert cfn.of_type(str(target)).klass is Class.MODELED, name
            assert all(reason for _, reason in entry.attributes.values()), name
        else:
            assert not entry.attributes, name


def test_the_inert_split_bucket_resources_match_cloudformation() -> None:
    cfn = load_classification()
    twins = {"aws_s3_bucket_lifecycle_configuration": "LifecycleConfiguration",
             "aws_s3_bucket_logging": "LoggingConfiguration", "aws_s3_bucket_cors_configuration": "CorsConfiguration",
             "aws_s3_bucket_notification": "NotificationConfiguration",
             "aws_s3_bucket_accelerate_configuration": "AccelerateConfiguration"}
    types = load_terraform_classification().types
    for tf, prop in twins.items():
        assert types[tf].klass is Class.INERT and cfn.of_property("AWS::S3::Bucket", prop).klass is Class.INERT, tf


def test_a_type_outside_the_file_is_unmodeled_and_a_data_source_inert() -> None:
    classification = load_terraform_classification()
    outside = classification.of("managed", "aws_sagemaker_domain")
    assert (outside.klass, outside.affects, outside.named) == (Class.UNMODELED, frozenset({"all"}), False)
    assert classification.of("data", "aws_iam_policy_document").klass is Class.INERT


@pytest.mark.parametrize(
    ("text", "key", "expected"),
    [
        ("types:\n  aws_x: {class: inert}\n", "types.aws_x.reason", "a one-line reason"),
        ("types:\n  aws_x: {class: unmodeled, reason: r}\n", "types.aws_x.affects",
         "affects on a modeled or unmodeled type, and only there"),
        ("types:\n  aws_x: {class: modeled, reason: r, affects: [all]}\n", "types.aws_x",
         "a modeled type with one of cloudformation:, merge: or applied:"),
        ("types:\n  x: {class: inert, reason: r}\n", "types.x", "an AWS provider resource type (aws_...)"),
    ],
)
def test_mistakes_in_the_file_name_the_key(text: str, key: str, expected: str) -> None:
    with pytest.raises(DeployError) as error:
        classification_of(parse_yaml(text, Path("classification.yaml"), DeployError))
    assert key in error.value.where and error.value.expected == expected
