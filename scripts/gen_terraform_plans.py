"""Write infra/terraform/: the reference platform as a Terraform plan in JSON, and its variants.

Terraform cannot run here (no provider downloads), so this script writes what ``terraform show -json plan.bin``
prints for the configuration described below, field by field as HashiCorp's "JSON Output Format" documents it:
``format_version``, ``terraform_version``, ``variables``, ``planned_values`` (root_module and child_modules, each
resource with address, mode, type, name, index, provider_name, schema_version, values, sensitive_values),
``resource_changes`` (change.actions, before, after, after_unknown, before_sensitive, after_sensitive),
``prior_state`` (the data sources read at plan time) and ``configuration`` (provider_config, root_module with
resources, expressions as constant_value or references, module_calls). Values AWS computes (ARNs, ids, key ids)
are unknown at plan time, as Terraform plans them: omitted from planned_values, null in ``after``, true in
``after_unknown``; arguments that name them record the references Terraform records.

The configuration is the platform of infra/reference/ (see infra/README.md) as a Terraform user would write it:
modules identity, data (keys, buckets and their split resources, bucket policies, for_each over the stores),
cross_account, and dhs (with the aliased provider aws.dhs). Policies are aws_iam_policy_document data sources
whose JSON is known at plan time because every ARN in them is built from names and account ids. A key's ARN is
known only after apply (a policy with it is judged INDETERMINATE: see tests/iac/terraform/), so where the
CloudFormation reference imports one into an identity policy, the plan grants the key's use in its key policy
(the disclosure roles) or writes ``key/*`` with ``kms:ViaService`` (the variants' added statements).

Run from the repository root: ``python3 scripts/gen_terraform_plans.py``; tests/iac/terraform/test_material.py
checks the files are what it writes.
"""

from __future__ import annotations

import copy
import hashlib
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "infra" / "terraform"
CMS, DHS = "111111111111", "222222222222"
PROVIDER = "registry.terraform.io/hashicorp/aws"
REGION = "us-east-1"
EXTERNAL_ID = "cms-dhs-iaa-2025-0147-ice"

# Attributes the AWS provider computes for each type: unknown in a plan that creates the resource.
COMPUTED = {
    "aws_iam_role": ["arn", "id", "unique_id", "create_date", "inline_policy", "managed_policy_arns"],
    "aws_iam_role_policy": ["id"],
    "aws_iam_role_policy_attachment": ["id"],
    "aws_iam_policy": ["arn", "id", "policy_id", "attachment_count"],
    "aws_iam_user": ["arn", "id", "unique_id"],
    "aws_iam_user_policy": ["id"],
    "aws_iam_group": ["arn", "id", "unique_id"],
    "aws_iam_group_policy": ["id"],
    "aws_iam_group_policy_attachment": ["id"],
    "aws_iam_group_membership": ["id"],
    "aws_s3_bucket": ["arn", "id", "bucket_domain_name", "bucket_regional_domain_name", "hosted_zone_id", "region",
                      "acceleration_status", "request_payer"],
    "aws_s3_bucket_policy": ["id"],
    "aws_s3_bucket_public_access_block": ["id"],
    "aws_s3_bucket_server_side_encryption_configuration": ["id"],
    "aws_s3_bucket_versioning": ["id"],
    "aws_s3_bucket_ownership_controls": ["id"],
    "aws_iam_instance_profile": ["arn", "id", "unique_id", "create_date"],
    "aws_iam_saml_provider": ["arn", "id", "valid_until"],
    "aws_iam_openid_connect_provider": ["arn", "id"],
    "aws_s3_access_point": ["alias", "arn", "domain_name", "endpoints", "has_public_access_policy", "id",
                            "network_origin", "account_id"],
    "aws_kms_key": ["arn", "id", "key_id"],
    "aws_kms_alias": ["arn", "id", "target_key_arn"],
    "aws_kms_grant": ["id", "grant_id", "grant_token"],
    "aws_lambda_function": ["arn", "id", "invoke_arn", "qualified_arn", "qualified_invoke_arn", "version",
                            "last_modified", "source_code_size", "code_sha256", "signing_job_arn",
                            "signing_profile_version_arn"],
    "aws_lambda_permission": ["id"],
    "aws_glue_catalog_database": ["arn", "id"],
    "aws_glue_catalog_table": ["arn", "id"],
    "aws_athena_workgroup": ["arn", "id"],
    "aws_lakeformation_resource": ["id", "last_modified"],
    "aws_lakeformation_permissions": ["id"],
    "aws_lakeformation_data_lake_settings": ["id"],
    "aws_organizations_policy": ["arn", "id"],
    "aws_organizations_policy_attachment": ["id"],
}


@dataclass
class Res:
    """One resource block and its instances: {index or None: (values, references of the unknown arguments)}."""

    mode: str
    type: str
    name: str
    instances: dict[Any, dict[str, Any]]
    refs: dict[str, list[str]] = field(default_factory=dict)  # argument -> references (its value: unknown or known)
    unknown: dict[Any, dict[str, Any]] = field(default_factory=dict)  # index -> after_unknown of the arguments
    for_each: list[str] | None = None  # the for_each expression's references


@dataclass
class Mod:
    name: str
    resources: list[Res]
    arguments: dict[str, Any] = field(default_factory=dict)  # variable -> constant or {"references": [...]}
    provider: str = "aws"
    outputs: dict[str, list[str]] = field(default_factory=dict)


def doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def policy_data(name: str, documents: dict[Any, dict[str, Any]]) -> Res:
    """An aws_iam_policy_document read at plan time: its arguments and its computed json."""
    instances = {}
    for index, document in documents.items():
        text = json.dumps(document, indent=2)
        instances[index] = {"id": hashlib.sha256(text.encode()).hexdigest()[:10], "json": text,
                            "version": document.get("Version"), "statement": [_statement(s) for s in
                                                                              document["Statement"]]}
    return Res("data", "aws_iam_policy_document", name, instances)


def _statement(s: dict[str, Any]) -> dict[str, Any]:
    def listed(v: Any) -> list[Any]:
        return v if isinstance(v, list) else [v]

    out: dict[str, Any] = {"sid": s.get("Sid", ""), "effect": s["Effect"]}
    for key, arg in (("Action", "actions"), ("NotAction", "not_actions"), ("Resource", "resources"),
                     ("NotResource", "not_resources")):
        out[arg] = listed(s[key]) if key in s else []
    principal = s.get("Principal")
    if principal == "*":
        out["principals"] = [{"type": "*", "identifiers": ["*"]}]
    elif principal:
        out["principals"] = [{"type": k, "identifiers": listed(v)} for k, v in principal.items()]
    else:
        out["principals"] = []
    out["not_principals"] = []
    out["condition"] = [{"test": test, "variable": var, "values": listed(vals)}
                        for test, pairs in s.get("Condition", {}).items() for var, vals in pairs.items()]
    return out


def ref(*parts: str) -> list[str]:
    """A reference and the shorter ones Terraform adds for it (a.b["k"].c -> a.b["k"].c, a.b["k"], a.b)."""
    found = []
    text = parts[0]
    found.append(text)
    while True:
        cut = max(text.rfind("."), text.rfind("["))
        if cut <= 0 or (text[:cut].count(".") < 1 and not text.startswith(("var.", "module."))):
            break
        text = text[:cut]
        if text in ("data",) or text.count(".") == 0:
            break
        found.append(text)
    return found + list(parts[1:])


# ---- the reference platform ----------------------------------------------------------------------------------

STORES = ["tmsis-eligibility", "tmsis-claims", "chip-enrollment", "dhs-disclosure-extract"]
ROLE = f"arn:aws:iam::{CMS}:role/"


def identity_module() -> Mod:
    admin = ["kms:Create*", "kms:Describe*", "kms:Enable*", "kms:List*", "kms:Put*", "kms:Update*", "kms:Revoke*",
             "kms:Disable*", "kms:Get*", "kms:TagResource", "kms:UntagResource", "kms:ScheduleKeyDeletion",
             "kms:CancelKeyDeletion"]
    s3 = "arn:aws:s3:::cms-"
    docs = {
        "boundary": doc({"Sid": "DataLakeWorkloads", "Effect": "Allow", "Action": [
            "s3:GetObject", "s3:PutObject", "s3:ListBucket", "s3:GetBucketLocation", "kms:Decrypt", "kms:Encrypt",
            "kms:GenerateDataKey", "kms:DescribeKey", "glue:*", "logs:CreateLogGroup", "logs:CreateLogStream",
            "logs:PutLogEvents", "cloudwatch:PutMetricData"], "Resource": "*"},
            {"Sid": "NoIdentityChanges", "Effect": "Deny", "Action": ["iam:*", "sts:AssumeRole", "organizations:*"],
             "Resource": "*"}),
        "tmsis_analyst_read": doc(
            {"Sid": "ListTmsisBuckets", "Effect": "Allow", "Action": ["s3:ListBucket", "s3:GetBucketLocation"],
             "Resource": [s3 + "tmsis-eligibility", s3 + "tmsis-claims"]},
            {"Sid": "ReadTmsisObjects", "Effect": "Allow", "Action": "s3:GetObject",
             "Resource": [s3 + "tmsis-eligibility/*", s3 + "tmsis-claims/*"]}),
        "chip_analyst_read": doc({"Sid": "ReadChipEnrollment", "Effect": "Allow",
                                  "Action": ["s3:ListBucket", "s3:GetObject"],
                                  "Resource": [s3 + "chip-enrollment", s3 + "chip-enrollment/*"]}),
        "data_lake_ingest": doc({"Sid": "WriteSubmissions", "Effect": "Allow",
                                 "Action": ["s3:PutObject", "s3:ListBucket"],
                                 "Resource": [f"{s3}{b}{t}" for b in STORES[:3] for t in ("", "/*")]}),
        "key_admin": doc({"Sid": "AdministerKeys", "Effect": "Allow", "Action": admin, "Resource": "*"}),
        "build_extract": doc(
            {"Sid": "ReadEligibility", "Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"],
             "Resource": [s3 + "tmsis-eligibility", s3 + "tmsis-eligibility/*"]},
            {"Sid": "WriteExtract", "Effect": "Allow", "Action": "s3:PutObject",
             "Resource": s3 + "dhs-disclosure-extract/*"}),
        "read_claims": doc({"Sid": "ReadClaimsObjects", "Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"],
                            "Resource": [s3 + "tmsis-claims", s3 + "tmsis-claims/*"]}),
        "decrypt_through_s3": doc({"Sid": "DecryptThroughS3Only", "Effect": "Allow", "Action": "kms:Decrypt",
                                   "Resource": f"arn:aws:kms:{REGION}:{CMS}:key/*",
                                   "Condition": {"StringEquals": {"kms:ViaService": f"s3.{REGION}.amazonaws.com"}}}),
        "rivera_credentials": doc({"Sid": "OwnPasswordAndKeys", "Effect": "Allow", "Action": [
            "iam:ChangePassword", "iam:GetUser", "iam:CreateAccessKey", "iam:ListAccessKeys"],
            "Resource": f"arn:aws:iam::{CMS}:user/pi-analyst-mrivera"}),
    }
    root_mfa = doc({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{CMS}:root"}, "Action": "sts:AssumeRole",
                    "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}})
    root = doc({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{CMS}:root"}, "Action": "sts:AssumeRole"})
    trusts = {
        "account_mfa": root_mfa, "account": root,
        "glue": doc({"Effect": "Allow", "Principal": {"Service": "glue.amazonaws.com"}, "Action": "sts:AssumeRole"}),
        "lambda": doc({"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                       "Action": "sts:AssumeRole"}),
    }
    resources = [policy_data(k, {None: v}) for k, v in docs.items()]
    resources.append(policy_data("trust", trusts))
    policies = {"boundary": "CmsWorkloadBoundary", "tmsis_analyst_read": "CmsTmsisAnalystRead",
                "chip_analyst_read": "CmsChipAnalystRead", "data_lake_ingest": "CmsDataLakeIngest"}
    for key, name in policies.items():
        resources.append(managed("aws_iam_policy", key, {"name": name, "path": "/", "description": "",
                                                         "policy": json.dumps(docs[key], indent=2), "tags": None},
                                 refs={"policy": ref(f"data.aws_iam_policy_document.{key}.json")}))
    roles = {  # name, role name, trust, boundary, stage owner
        "key_admin": ("CmsKmsKeyAdministrator", "account_mfa", False, "cms-oit-security", 3600),
        "ingest": ("CmsTmsisIngestPipeline", "glue", True, "cms-data-engineering", 3600),
        "disclosure_pipeline": ("CmsDhsDisclosurePipeline", "lambda", True, "cms-data-engineering", 3600),
        "medicaid_analyst": ("CmsMedicaidAnalyst", "account_mfa", False, "cms-cmcs-analytics", 3600),
        "claims_analyst": ("CmsClaimsAnalyst", "account", False, "cms-cpi", 3600),
        "chip_analyst": ("CmsChipAnalyst", "account_mfa", False, "cms-cmcs-analytics", 3600),
    }
    for key, (name, trust, bounded, owner, duration) in roles.items():
        values = {"name": name, "path": "/", "description": "", "max_session_duration": duration,
                  "assume_role_policy": json.dumps(trusts[trust], indent=2), "force_detach_policies": False,
                  "permissions_boundary": None, "tags": {"Stage": "prod", "Owner": owner},
                  "tags_all": {"Stage": "prod", "Owner": owner}}
        refs = {"assume_role_policy": ref(f'data.aws_iam_policy_document.trust["{trust}"].json')}
        unknown: dict[str, Any] = {}
        if bounded:
            refs["permissions_boundary"] = ref("aws_iam_policy.boundary.arn")
            unknown["permissions_boundary"] = True
        resources.append(managed("aws_iam_role", key, values, refs=refs, unknown=unknown))
    inline = {"key_admin": ("KmsKeyAdministration", "key_admin"),
              "disclosure_pipeline": ("BuildDisclosureExtract", "build_extract"),
              "claims_analyst": ("ReadClaims", "read_claims")}
    for role, (name, document) in inline.items():
        resources.append(managed("aws_iam_role_policy", role, {"name": name, "role": None,
                                                              "policy": json.dumps(docs[document], indent=2)},
                                 refs={"role": ref(f"aws_iam_role.{role}.name"),
                                       "policy": ref(f"data.aws_iam_policy_document.{document}.json")},
                                 unknown={"role": True}))
    attachments = {
        "ingest": [("data_lake_ingest", None), ("glue", "arn:aws:iam::aws:policy/service-role/AWSGlueServiceRole")],
        "disclosure_pipeline": [("lambda", "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")],
        "medicaid_analyst": [("tmsis_analyst_read", None), ("read_only", "arn:aws:iam::aws:policy/ReadOnlyAccess")],
        "chip_analyst": [("chip_analyst_read", None)],
    }
    for role, pairs in attachments.items():
        for policy, arn in pairs:
            refs = {"role": ref(f"aws_iam_role.{role}.name")}
            if arn is None:
                refs["policy_arn"] = ref(f"aws_iam_policy.{policy}.arn")
            resources.append(managed("aws_iam_role_policy_attachment", f"{role}_{policy}",
                                     {"role": None, "policy_arn": arn}, refs=refs,
                                     unknown={"role": True} | ({"policy_arn": True} if arn is None else {})))
    resources.append(managed("aws_iam_group", "program_integrity", {"name": "CmsProgramIntegrity", "path": "/"}))
    resources.append(managed("aws_iam_group_policy_attachment", "program_integrity",
                             {"group": None, "policy_arn": None},
                             refs={"group": ref("aws_iam_group.program_integrity.name"),
                                   "policy_arn": ref("aws_iam_policy.tmsis_analyst_read.arn")},
                             unknown={"group": True, "policy_arn": True}))
    resources.append(managed("aws_iam_group_policy", "program_integrity", {
        "name": "DecryptDataLakeThroughS3", "group": None, "policy": json.dumps(docs["decrypt_through_s3"], indent=2)},
        refs={"group": ref("aws_iam_group.program_integrity.name"),
              "policy": ref("data.aws_iam_policy_document.decrypt_through_s3.json")}, unknown={"group": True}))
    for key, name in (("rivera", "pi-analyst-mrivera"), ("nguyen", "pi-analyst-tnguyen")):
        resources.append(managed("aws_iam_user", key, {"name": name, "path": "/", "force_destroy": False,
                                                       "permissions_boundary": None,
                                                       "tags": {"Division": "program-integrity"},
                                                       "tags_all": {"Division": "program-integrity"}}))
    resources.append(managed("aws_iam_user_policy", "rivera", {
        "name": "ManageOwnCredentials", "user": None, "policy": json.dumps(docs["rivera_credentials"], indent=2)},
        refs={"user": ref("aws_iam_user.rivera.name"),
              "policy": ref("data.aws_iam_policy_document.rivera_credentials.json")}, unknown={"user": True}))
    resources.append(managed("aws_iam_group_membership", "program_integrity", {
        "name": "program-integrity-analysts", "group": None, "users": [None, None]},
        refs={"group": ref("aws_iam_group.program_integrity.name"),
              "users": [*ref("aws_iam_user.rivera.name"), *ref("aws_iam_user.nguyen.name")]},
        unknown={"group": True, "users": [True, True]}))
    return Mod("identity", resources, {"account_id": CMS})


def data_module() -> Mod:
    admin = ["kms:Create*", "kms:Describe*", "kms:Enable*", "kms:List*", "kms:Put*", "kms:Update*", "kms:Revoke*",
             "kms:Disable*", "kms:Get*", "kms:Delete*", "kms:TagResource", "kms:UntagResource",
             "kms:ScheduleKeyDeletion", "kms:CancelKeyDeletion"]
    use = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"]

    def key_doc(ident: str, *extra: dict[str, Any]) -> dict[str, Any]:
        return {"Version": "2012-10-17", "Id": ident, "Statement": [
            {"Sid": "EnableIamPolicies", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{CMS}:root"},
             "Action": "kms:*", "Resource": "*"},
            {"Sid": "AllowKeyAdministration", "Effect": "Allow", "Principal": {"AWS": ROLE + "CmsKmsKeyAdministrator"},
             "Action": admin, "Resource": "*"}, *extra]}

    keys = {
        "tmsis-eligibility": ("T-MSIS eligibility files (TAF DE) at rest.", "PII-PHI", key_doc(
            "cms-tmsis-eligibility-key",
            {"Sid": "AllowUseByPipelines", "Effect": "Allow", "Principal": {"AWS": [
                ROLE + "CmsTmsisIngestPipeline", ROLE + "CmsDhsDisclosurePipeline"]}, "Action": use, "Resource": "*"},
            {"Sid": "AllowDecryptByAnalysts", "Effect": "Allow", "Principal": {"AWS": ROLE + "CmsMedicaidAnalyst"},
             "Action": ["kms:Decrypt", "kms:DescribeKey"], "Resource": "*"})),
        "tmsis-claims": ("T-MSIS claims files (TAF IP/LT/OT/RX) at rest.", "PII-PHI", key_doc(
            "cms-tmsis-claims-key",
            {"Sid": "AllowUseByIngest", "Effect": "Allow", "Principal": {"AWS": ROLE + "CmsTmsisIngestPipeline"},
             "Action": use, "Resource": "*"},
            {"Sid": "AllowDecryptByAnalysts", "Effect": "Allow", "Principal": {"AWS": [
                ROLE + "CmsMedicaidAnalyst", ROLE + "CmsClaimsAnalyst"]},
             "Action": ["kms:Decrypt", "kms:DescribeKey"], "Resource": "*"})),
        "dhs-disclosure-extract": ("DHS disclosure extract (Dkt. 148 permitted fields) at rest.", "PII", key_doc(
            "cms-dhs-disclosure-extract-key",
            {"Sid": "AllowEncryptByDisclosurePipeline", "Effect": "Allow",
             "Principal": {"AWS": ROLE + "CmsDhsDisclosurePipeline"},
             "Action": ["kms:Encrypt", "kms:GenerateDataKey*", "kms:DescribeKey"], "Resource": "*"},
            # The key's ARN is known only after apply: the disclosure roles are granted its use here, not in
            # their own policies (the CloudFormation reference's DecryptExtractThroughS3 statements).
            {"Sid": "AllowDecryptByDisclosureRoles", "Effect": "Allow",
             "Principal": {"AWS": [ROLE + "DhsDisclosureReader", ROLE + "IceLiaison"]}, "Action": "kms:Decrypt",
             "Resource": "*", "Condition": {"StringEquals": {"kms:ViaService": f"s3.{REGION}.amazonaws.com"}}})),
    }

    def bucket_doc(store: str, *extra: dict[str, Any], kms: bool = True) -> dict[str, Any]:
        arn = f"arn:aws:s3:::cms-{store}"
        statements = [{"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
                       "Resource": [arn, arn + "/*"], "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]
        if kms:
            statements.append({"Sid": "DenyUploadsWithoutKms", "Effect": "Deny", "Principal": "*",
                               "Action": "s3:PutObject", "Resource": arn + "/*",
                               "Condition": {"StringNotEquals": {"s3:x-amz-server-side-encryption": "aws:kms"}}})
        return doc(*statements, *extra)

    policies = {
        "tmsis-eligibility": bucket_doc("tmsis-eligibility"),
        "tmsis-claims": bucket_doc("tmsis-claims"),
        "chip-enrollment": bucket_doc("chip-enrollment", kms=False),
        "dhs-disclosure-extract": bucket_doc("dhs-disclosure-extract", {
            "Sid": "ReadOnlyByDisclosureRoles", "Effect": "Deny", "Principal": "*", "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::cms-dhs-disclosure-extract/*",
            "Condition": {"ArnNotLike": {"aws:PrincipalArn": [
                ROLE + "DhsDisclosureReader", ROLE + "IceLiaison*", ROLE + "CmsDhsDisclosurePipeline"]}}}),
    }
    tags = {"tmsis-eligibility": ("PII-PHI", "medicaid"), "tmsis-claims": ("PII-PHI", "medicaid"),
            "chip-enrollment": ("PII-PHI", "chip"), "dhs-disclosure-extract": ("PII", "medicaid")}
    resources = [policy_data("key", {k: v[2] for k, v in keys.items()}),
                 policy_data("bucket", policies)]
    resources.append(Res("managed", "aws_kms_key", "store", {
        k: {"description": d, "enable_key_rotation": True, "policy": json.dumps(p, indent=2),
            "deletion_window_in_days": 30, "is_enabled": True, "key_usage": "ENCRYPT_DECRYPT",
            "customer_master_key_spec": "SYMMETRIC_DEFAULT", "multi_region": False,
            "bypass_policy_lockout_safety_check": False,
            "tags": {"DataClassification": c, "Stage": "prod"}, "tags_all": {"DataClassification": c, "Stage": "prod"}}
        for k, (d, c, p) in keys.items()}, refs={"policy": ["data.aws_iam_policy_document.key", "each.key"]},
        unknown={k: {} for k in keys}, for_each=["local.keys"]))
    resources.append(Res("managed", "aws_kms_alias", "store", {k: {"name": f"alias/cms-{k}", "target_key_id": None}
                                                               for k in keys},
                         refs={"target_key_id": ["aws_kms_key.store", "each.key"]},
                         unknown={k: {"target_key_id": True} for k in keys}, for_each=["aws_kms_key.store"]))
    resources.append(Res("managed", "aws_s3_bucket", "store", {
        k: {"bucket": f"cms-{k}", "force_destroy": False, "object_lock_enabled": False,
            "tags": {"DataClassification": tags[k][0], "Program": tags[k][1], "Stage": "prod"}
            | ({"Disclosure": "dkt-148"} if k == "dhs-disclosure-extract" else {}),
            "tags_all": {"DataClassification": tags[k][0], "Program": tags[k][1], "Stage": "prod"}
            | ({"Disclosure": "dkt-148"} if k == "dhs-disclosure-extract" else {})}
        for k in STORES}, refs={"bucket": ["var.bucket_prefix", "each.key"]}, unknown={k: {} for k in STORES},
        for_each=["local.stores"]))
    split = {k: {"bucket": None} for k in STORES}
    by_bucket = {"bucket": ["aws_s3_bucket.store", "each.key"]}
    bucket_unknown = {k: {"bucket": True} for k in STORES}
    resources.append(Res("managed", "aws_s3_bucket_public_access_block", "store", {
        k: v | {"block_public_acls": True, "block_public_policy": True, "ignore_public_acls": True,
                "restrict_public_buckets": True} for k, v in split.items()}, refs=by_bucket,
        unknown=bucket_unknown, for_each=["aws_s3_bucket.store"]))
    resources.append(Res("managed", "aws_s3_bucket_ownership_controls", "store", {
        k: v | {"rule": [{"object_ownership": "BucketOwnerEnforced"}]} for k, v in split.items()}, refs=by_bucket,
        unknown=bucket_unknown, for_each=["aws_s3_bucket.store"]))
    resources.append(Res("managed", "aws_s3_bucket_versioning", "store", {
        k: v | {"versioning_configuration": [{"status": "Enabled", "mfa_delete": None}], "expected_bucket_owner": None,
                "mfa": None} for k, v in split.items()}, refs=by_bucket, unknown=bucket_unknown,
        for_each=["aws_s3_bucket.store"]))
    sse = {}
    sse_unknown = {}
    for k in STORES:
        kms = k in keys
        sse[k] = {"bucket": None, "expected_bucket_owner": None, "rule": [{
            "apply_server_side_encryption_by_default": [{"sse_algorithm": "aws:kms" if kms else "AES256",
                                                         "kms_master_key_id": None}],
            "bucket_key_enabled": kms}]}
        sse_unknown[k] = {"bucket": True} | ({"rule": [{"apply_server_side_encryption_by_default": [
            {"kms_master_key_id": True}]}]} if kms else {})
    resources.append(Res("managed", "aws_s3_bucket_server_side_encryption_configuration", "store", sse,
                         refs=by_bucket | {"rule.0.apply_server_side_encryption_by_default.0.kms_master_key_id":
                                           ["aws_kms_key.store", "each.key"]},
                         unknown=sse_unknown, for_each=["aws_s3_bucket.store"]))
    resources.append(Res("managed", "aws_s3_bucket_policy", "store", {
        k: {"bucket": None, "policy": json.dumps(p, indent=2)} for k, p in policies.items()},
        refs=by_bucket | {"policy": ["data.aws_iam_policy_document.bucket", "each.key"]}, unknown=bucket_unknown,
        for_each=["aws_s3_bucket.store"]))
    return Mod("data", resources, {"account_id": CMS, "bucket_prefix": "cms"})


def cross_account_module() -> Mod:
    extract = "arn:aws:s3:::cms-dhs-disclosure-extract"
    docs = {
        "reader": doc({"Sid": "ListExtract", "Effect": "Allow", "Action": ["s3:ListBucket", "s3:GetBucketLocation"],
                       "Resource": extract},
                      {"Sid": "ReadExtractObjects", "Effect": "Allow", "Action": "s3:GetObject",
                       "Resource": extract + "/*"}),
        "liaison": doc({"Sid": "ReadExtract", "Effect": "Allow", "Action": ["s3:ListBucket", "s3:GetObject"],
                        "Resource": [extract, extract + "/*"]}),
        "reader_trust": doc({"Sid": "IceRolesWithExternalId", "Effect": "Allow",
                             "Principal": {"AWS": f"arn:aws:iam::{DHS}:root"}, "Action": "sts:AssumeRole",
                             "Condition": {"StringEquals": {"sts:ExternalId": EXTERNAL_ID},
                                           "ArnLike": {"aws:PrincipalArn": [f"arn:aws:iam::{DHS}:role/IceAnalyst",
                                                                            f"arn:aws:iam::{DHS}:role/IceEnforcement"]}}}),
        "liaison_trust": doc({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{CMS}:root"},
                              "Action": "sts:AssumeRole",
                              "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}),
    }
    resources = [policy_data(k, {None: v}) for k, v in docs.items()]
    for key, name, tags in (("reader", "DhsDisclosureReader", {"Disclosure": "dkt-148", "Counterparty": "dhs-ice"}),
                            ("liaison", "IceLiaison", {"Disclosure": "dkt-148"})):
        resources.append(managed("aws_iam_role", key, {
            "name": name, "path": "/", "description": "", "max_session_duration": 3600,
            "assume_role_policy": json.dumps(docs[f"{key}_trust"], indent=2), "force_detach_policies": False,
            "permissions_boundary": None, "tags": tags, "tags_all": tags},
            refs={"assume_role_policy": ref(f"data.aws_iam_policy_document.{key}_trust.json")}))
        resources.append(managed("aws_iam_role_policy", key, {
            "name": "ReadDisclosureExtract", "role": None, "policy": json.dumps(docs[key], indent=2)},
            refs={"role": ref(f"aws_iam_role.{key}.name"), "policy": ref(f"data.aws_iam_policy_document.{key}.json")},
            unknown={"role": True}))
    return Mod("cross_account", resources, {"dhs_account_id": DHS, "external_id": EXTERNAL_ID})


def dhs_module() -> Mod:
    bucket = "arn:aws:s3:::dhs-ice-case-files"
    reader = f"arn:aws:iam::{CMS}:role/DhsDisclosureReader"
    mfa = doc({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{DHS}:root"}, "Action": "sts:AssumeRole",
               "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}})
    docs = {
        "case_files": doc({"Sid": "CaseFiles", "Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject",
                                                                              "s3:ListBucket"],
                           "Resource": [bucket, bucket + "/*"]}),
        "analyst": doc({"Sid": "AssumeCmsDisclosureReader", "Effect": "Allow", "Action": "sts:AssumeRole",
                        "Resource": reader},
                       {"Sid": "DecryptSharedPartnerData", "Effect": "Allow", "Action": "kms:Decrypt",
                        "Resource": "arn:aws:kms:*:*:key/*",
                        "Condition": {"StringLike": {"kms:ViaService": "s3.*.amazonaws.com"}}}),
        "enforcement": doc({"Sid": "AssumeCmsDisclosureReader", "Effect": "Allow", "Action": "sts:AssumeRole",
                            "Resource": reader}),
        "trust": mfa,
    }
    resources = [policy_data(k, {None: v}) for k, v in docs.items()]
    resources.append(managed("aws_s3_bucket", "case_files", {
        "bucket": "dhs-ice-case-files", "force_destroy": False, "object_lock_enabled": False,
        "tags": {"Component": "ice-ero"}, "tags_all": {"Component": "ice-ero"}},
        refs={"bucket": ref("var.case_files_bucket")}))
    by_bucket = {"bucket": ref("aws_s3_bucket.case_files.id")}
    resources.append(managed("aws_s3_bucket_public_access_block", "case_files", {
        "bucket": None, "block_public_acls": True, "block_public_policy": True, "ignore_public_acls": True,
        "restrict_public_buckets": True}, refs=by_bucket, unknown={"bucket": True}))
    resources.append(managed("aws_s3_bucket_ownership_controls", "case_files", {
        "bucket": None, "rule": [{"object_ownership": "BucketOwnerEnforced"}]}, refs=by_bucket,
        unknown={"bucket": True}))
    resources.append(managed("aws_s3_bucket_server_side_encryption_configuration", "case_files", {
        "bucket": None, "expected_bucket_owner": None, "rule": [{"apply_server_side_encryption_by_default": [
            {"sse_algorithm": "AES256", "kms_master_key_id": None}], "bucket_key_enabled": False}]},
        refs=by_bucket, unknown={"bucket": True}))
    resources.append(managed("aws_iam_policy", "case_files", {
        "name": "IceCaseFilesAccess", "path": "/", "description": "Read and write ICE case files.",
        "policy": json.dumps(docs["case_files"], indent=2), "tags": None},
        refs={"policy": ref("data.aws_iam_policy_document.case_files.json")}))
    for key, name, component, managed_arns in (
        ("analyst", "IceAnalyst", "ice-hsi", ["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"]),
        ("enforcement", "IceEnforcement", "ice-ero", []),
    ):
        resources.append(managed("aws_iam_role", key, {
            "name": name, "path": "/", "description": "", "max_session_duration": 3600,
            "assume_role_policy": json.dumps(mfa, indent=2), "force_detach_policies": False,
            "permissions_boundary": None, "tags": {"Component": component}, "tags_all": {"Component": component}},
            refs={"assume_role_policy": ref("data.aws_iam_policy_document.trust.json")}))
        resources.append(managed("aws_iam_role_policy", key, {
            "name": "ObtainCmsDisclosure", "role": None, "policy": json.dumps(docs[key], indent=2)},
            refs={"role": ref(f"aws_iam_role.{key}.name"), "policy": ref(f"data.aws_iam_policy_document.{key}.json")},
            unknown={"role": True}))
        resources.append(managed("aws_iam_role_policy_attachment", f"{key}_case_files", {"role": None,
                                                                                       "policy_arn": None},
                                 refs={"role": ref(f"aws_iam_role.{key}.name"),
                                       "policy_arn": ref("aws_iam_policy.case_files.arn")},
                                 unknown={"role": True, "policy_arn": True}))
        for arn in managed_arns:
            resources.append(managed("aws_iam_role_policy_attachment", f"{key}_s3_read_only", {
                "role": None, "policy_arn": arn}, refs={"role": ref(f"aws_iam_role.{key}.name")},
                unknown={"role": True}))
    return Mod("dhs", resources, {"cms_disclosure_role_arn": reader, "case_files_bucket": "dhs-ice-case-files"},
               provider="aws.dhs")


def managed(rtype: str, name: str, values: dict[str, Any], *, refs: dict[str, list[str]] | None = None,
            unknown: dict[str, Any] | None = None) -> Res:
    return Res("managed", rtype, name, {None: values}, refs or {}, {None: unknown or {}})


def reference() -> list[Mod]:
    return [identity_module(), data_module(), cross_account_module(), dhs_module()]


# ---- writing the plan ---------------------------------------------------------------------------------------

def _address(module: Mod, res: Res, index: Any) -> str:
    prefix = "data." if res.mode == "data" else ""
    key = "" if index is None else f"[{json.dumps(index)}]"
    return f"module.{module.name}.{prefix}{res.type}.{res.name}{key}"


def _values(res: Res, index: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """(after, after_unknown) of one instance: computed attributes unknown (null), arguments as given."""
    after = copy.deepcopy(res.instances[index])
    unknown = copy.deepcopy(res.unknown.get(index, {}))
    if res.mode == "managed":
        for attribute in COMPUTED.get(res.type, ["id"]):
            if attribute not in after or after[attribute] is None:
                after[attribute] = None
                unknown[attribute] = True
    return after, unknown


def _planned(after: dict[str, Any], unknown: dict[str, Any]) -> dict[str, Any]:
    """planned_values omit what is unknown."""
    return {k: v for k, v in after.items() if unknown.get(k) is not True}


def _expressions(res: Res, module: Mod) -> dict[str, Any]:
    first = res.instances[next(iter(res.instances))]
    expressions: dict[str, Any] = {}
    nested = {k.split(".")[0] for k in res.refs if "." in k}
    for attribute, value in first.items():
        if attribute in ("id", "json", "tags_all") or attribute in COMPUTED.get(res.type, []):
            continue
        if attribute in res.refs:
            expressions[attribute] = {"references": res.refs[attribute]}
        elif attribute in nested and isinstance(value, list):
            expressions[attribute] = [_block(v, f"{attribute}.{i}", res.refs) for i, v in enumerate(value)]
        elif res.type == "aws_iam_policy_document" and attribute == "statement":
            expressions[attribute] = [_block(s, "", {}) for s in value]
        elif value is not None:
            expressions[attribute] = {"constant_value": value}
    return expressions


def _block(value: dict[str, Any], at: str, refs: dict[str, list[str]]) -> dict[str, Any]:
    block: dict[str, Any] = {}
    for key, item in value.items():
        path = f"{at}.{key}" if at else key
        if path in refs:
            block[key] = {"references": refs[path]}
        elif isinstance(item, list) and item and isinstance(item[0], dict):
            block[key] = [_block(v, f"{path}.{i}", refs) for i, v in enumerate(item)]
        elif item is not None and item != "":
            block[key] = {"constant_value": item}
    return block


def plan(modules: list[Mod]) -> dict[str, Any]:
    planned_modules, changes, prior_modules, calls = [], [], [], {}
    for module in modules:
        planned, prior, config_resources = [], [], []
        for res in module.resources:
            for index in res.instances:
                after, unknown = _values(res, index)
                entry: dict[str, Any] = {"address": _address(module, res, index), "mode": res.mode,
                                         "type": res.type, "name": res.name}
                if index is not None:
                    entry["index"] = index
                entry |= {"provider_name": PROVIDER, "schema_version": 0}
                if res.mode == "data":
                    prior.append(entry | {"values": after, "sensitive_values": {}})
                    continue
                planned.append(entry | {"values": _planned(after, unknown), "sensitive_values": {}})
                change = {"address": entry["address"], "module_address": f"module.{module.name}"}
                change |= {k: v for k, v in entry.items() if k != "address" and k != "schema_version"}
                change["change"] = {"actions": ["create"], "before": None, "after": after, "after_unknown": unknown,
                                    "before_sensitive": False, "after_sensitive": {}}
                changes.append(change)
            config: dict[str, Any] = {"address": ("data." if res.mode == "data" else "") + f"{res.type}.{res.name}",
                                      "mode": res.mode, "type": res.type, "name": res.name,
                                      "provider_config_key": module.provider,
                                      "expressions": _expressions(res, module), "schema_version": 0}
            if res.for_each:
                config["for_each_expression"] = {"references": res.for_each}
            config_resources.append(config)
        planned_modules.append({"resources": planned, "address": f"module.{module.name}"})
        if prior:
            prior_modules.append({"resources": prior, "address": f"module.{module.name}"})
        arguments = {k: {"constant_value": v} if not isinstance(v, dict) else v for k, v in module.arguments.items()}
        call: dict[str, Any] = {"source": f"./modules/{module.name}", "expressions": arguments,
                                "module": {"resources": config_resources,
                                           "variables": {k: {} for k in module.arguments}}}
        if module.outputs:
            call["module"]["outputs"] = {k: {"expression": {"references": v}} for k, v in module.outputs.items()}
        if module.provider != "aws":
            call["providers"] = {"aws": module.provider}  # documentation only: resources carry the key
        calls[module.name] = call
    return {
        "format_version": "1.2",
        "terraform_version": "1.9.8",
        "variables": {"dhs_account_id": {"value": DHS}, "disclosure_external_id": {"value": EXTERNAL_ID}},
        "planned_values": {"root_module": {"child_modules": planned_modules}},
        "resource_changes": changes,
        "prior_state": {"format_version": "1.0", "terraform_version": "1.9.8",
                        "values": {"root_module": {"child_modules": prior_modules}}},
        "configuration": {
            "provider_config": {
                "aws": {"name": "aws", "full_name": PROVIDER, "expressions": {"region": {"constant_value": REGION}}},
                "aws.dhs": {"name": "aws", "full_name": PROVIDER, "alias": "dhs", "expressions": {
                    "region": {"constant_value": REGION},
                    "assume_role": [{"role_arn": {"constant_value": f"arn:aws:iam::{DHS}:role/TerraformDeploy"}}]}},
            },
            "root_module": {"module_calls": calls,
                            "variables": {"dhs_account_id": {}, "disclosure_external_id": {"sensitive": True}}},
        },
        "timestamp": "2026-01-15T12:00:00Z",
        "errored": False,
    }


# ---- variants ---------------------------------------------------------------------------------------------------

def _find(modules: list[Mod], module: str, rtype: str, name: str) -> Res:
    mod = next(m for m in modules if m.name == module)
    return next(r for r in mod.resources if r.type == rtype and r.name == name)


def _edit_document(modules: list[Mod], module: str, data_name: str, consumer: tuple[str, str] | None,
                   change: Callable[[dict[str, Any]], None], index: Any = None) -> None:
    """Change a policy document and every value computed from it (the data source's json, its consumer's)."""
    data = _find(modules, module, "aws_iam_policy_document", data_name)
    document = json.loads(data.instances[index]["json"])
    change(document)
    data.instances[index] = policy_data(data_name, {index: document}).instances[index]
    if consumer is not None:
        res = _find(modules, module, *consumer)
        attribute = "policy"
        res.instances[index][attribute] = json.dumps(document, indent=2)


def _statement_add(statement: dict[str, Any]) -> Callable[[dict[str, Any]], None]:
    return lambda document: document["Statement"].append(statement)


Variant = tuple[str, list[Mod]] | tuple[str, list[Mod], str]


def variants() -> dict[str, Variant]:
    found: dict[str, Variant] = {}

    mods = reference()
    _edit_document(mods, "cross_account", "reader", ("aws_iam_role_policy", "reader"), _statement_add(
        {"Sid": "ReconcileAgainstEligibility", "Effect": "Allow", "Action": ["s3:GetObject", "kms:Decrypt"],
         "Resource": ["arn:aws:s3:::cms-tmsis-eligibility/*", f"arn:aws:kms:{REGION}:{CMS}:key/*"]}))
    found["direct-grant"] = ("DhsDisclosureReader (assumable by DHS) is also granted the T-MSIS eligibility files, "
                             "\"to reconcile the extract\".", mods)

    mods = reference()
    _edit_document(mods, "cross_account", "reader", ("aws_iam_role_policy", "reader"), _statement_add(
        {"Sid": "ClaimsReconciliationHandOff", "Effect": "Allow", "Action": "sts:AssumeRole",
         "Resource": ROLE + "CmsClaimsAnalyst"}))
    found["role-chain-two-hop"] = ("DhsDisclosureReader may assume CmsClaimsAnalyst: DHS -> DhsDisclosureReader -> "
                                   "CmsClaimsAnalyst -> claims.", mods)

    mods = reference()
    _edit_document(mods, "data", "bucket", ("aws_s3_bucket_policy", "store"), _statement_add(
        {"Sid": "DhsEligibilityVerification", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{DHS}:root"},
         "Action": ["s3:GetObject", "s3:ListBucket"],
         "Resource": ["arn:aws:s3:::cms-chip-enrollment", "arn:aws:s3:::cms-chip-enrollment/*"]}),
        index="chip-enrollment")
    found["bucket-policy-dhs-account"] = ("the CHIP bucket policy grants the DHS account read access, \"for SAVE "
                                          "eligibility verification\".", mods)

    mods = reference()
    _edit_document(mods, "data", "bucket", ("aws_s3_bucket_policy", "store"), _statement_add(
        {"Sid": "JointFraudTaskForce", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{DHS}:root"},
         "Action": "s3:GetObject", "Resource": "arn:aws:s3:::cms-tmsis-claims/*"}), index="tmsis-claims")

    def open_key(document: dict[str, Any]) -> None:
        document["Statement"].append({"Sid": "JointFraudTaskForce", "Effect": "Allow",
                                      "Principal": {"AWS": f"arn:aws:iam::{DHS}:root"}, "Action": "kms:Decrypt",
                                      "Resource": "*"})
    _edit_document(mods, "data", "key", ("aws_kms_key", "store"), open_key, index="tmsis-claims")
    found["kms-key-policy-opens"] = ("claims are shared with the DHS account for a joint task force: the bucket "
                                     "policy and the claims key policy both open to it.", mods)

    mods = reference()
    cross = next(m for m in mods if m.name == "cross_account")
    reconcile = doc({"Sid": "ReadClaims", "Effect": "Allow", "Action": "s3:GetObject",
                     "Resource": "arn:aws:s3:::cms-tmsis-claims/*"},
                    {"Sid": "DecryptClaimsThroughS3", "Effect": "Allow", "Action": "kms:Decrypt",
                     "Resource": f"arn:aws:kms:{REGION}:{CMS}:key/*",
                     "Condition": {"StringEquals": {"kms:ViaService": f"s3.{REGION}.amazonaws.com"}}})
    cross.resources.append(policy_data("claims_reconciliation", {None: reconcile}))
    cross.resources.append(managed("aws_iam_policy", "claims_reconciliation", {
        "name": "CmsClaimsReconciliation", "path": "/", "description": "Read claims to reconcile disclosures.",
        "policy": json.dumps(reconcile, indent=2), "tags": None},
        refs={"policy": ref("data.aws_iam_policy_document.claims_reconciliation.json")}))
    cross.resources.append(managed("aws_iam_role_policy_attachment", "claims_reconciliation", {
        "role": None, "policy_arn": None}, refs={"role": ref("aws_iam_role.reader.name"),
                                                 "policy_arn": ref("aws_iam_policy.claims_reconciliation.arn")},
        unknown={"role": True, "policy_arn": True}))
    found["managed-policy"] = ("a customer managed policy that reads the claims files is attached to "
                               "DhsDisclosureReader.", mods)

    mods = reference()

    def broaden(document: dict[str, Any]) -> None:
        statements = document["Statement"]
        statements[1]["Resource"] = "arn:aws:s3:::cms-*/*"
        statements.insert(2, {"Sid": "NothingButTheExtract", "Effect": "Deny", "Action": "s3:GetObject",
                              "NotResource": "arn:aws:s3:::cms-dhs-disclosure-extract/*"})
    _edit_document(mods, "cross_account", "reader", ("aws_iam_role_policy", "reader"), broaden)
    found["lookalike-explicit-deny"] = ("DhsDisclosureReader reads cms-*/*, but an explicit Deny keeps it to the "
                                        "extract.", mods)
    found.update(policy_variants())
    found.update(detailee_variants())
    found.update(federation_variants())
    found.update(access_point_variants())
    found.update(replication_variants())
    return found


def _module(modules: list[Mod], name: str) -> Mod:
    return next(m for m in modules if m.name == name)


def role_policy(modules: list[Mod], key: str, name: str, document: dict[str, Any], role: str = "reader",
                module: str = "cross_account") -> None:
    """An aws_iam_role_policy (and the aws_iam_policy_document it is written with) granting a role of ``module``:
    the Terraform form of a variant's AWS::IAM::Policy naming the role."""
    mod = _module(modules, module)
    mod.resources.append(policy_data(key, {None: document}))
    mod.resources.append(managed("aws_iam_role_policy", key, {
        "name": name, "role": None, "policy": json.dumps(document, indent=2)},
        refs={"role": ref(f"aws_iam_role.{role}.name"), "policy": ref(f"data.aws_iam_policy_document.{key}.json")},
        unknown={"role": True}))


def _bucket_statement(index: str, statement: dict[str, Any]) -> Callable[[list[Mod]], None]:
    def edit(modules: list[Mod]) -> None:
        _edit_document(modules, "data", "bucket", ("aws_s3_bucket_policy", "store"), _statement_add(statement),
                       index=index)
    return edit


ACCOUNT_ROLE = f"arn:aws:iam::{CMS}:role/"
READER = ACCOUNT_ROLE + "DhsDisclosureReader"
DHS_ROOT = f"arn:aws:iam::{DHS}:root"
VIA_S3 = {"StringEquals": {"kms:ViaService": f"s3.{REGION}.amazonaws.com"}}
DETAILEES = ("parties:\n  DHS:\n    principals:\n      - \"arn:aws:iam::111111111111:role/IceLiaison*\"\n"
             "      - \"arn:aws:iam::111111111111:user/ice-*\"     # ICE staff detailed to CMS\n")


def policy_variants() -> dict[str, Variant]:
    """The variants whose CloudFormation twin changes, or adds, a policy document only."""
    found: dict[str, Variant] = {}

    def reader_doc(change: Callable[[dict[str, Any]], None]) -> list[Mod]:
        mods = reference()
        _edit_document(mods, "cross_account", "reader", ("aws_iam_role_policy", "reader"), change)
        return mods

    def objects(resource: str) -> Callable[[dict[str, Any]], None]:
        return lambda document: document["Statement"][1].update(Resource=resource)

    found["wildcard-resource"] = ("DhsDisclosureReader reads objects of arn:aws:s3:::cms-*/* instead of the extract "
                                  "bucket only.", reader_doc(objects("arn:aws:s3:::cms-*/*")))
    # The twin's NotResource also names the claims key's ARN, which a plan knows only after apply (a statement with
    # it is INDETERMINATE): without it the role may decrypt with the claims key, which reads nothing without
    # s3:GetObject on the claims objects, still excluded.
    found["not-resource"] = ("DhsDisclosureReader is meant to be kept away from claims with NotResource, which "
                             "allows everything else.", reader_doc(_statement_add({
                                 "Sid": "EverythingButClaims", "Effect": "Allow",
                                 "Action": ["s3:GetObject", "kms:Decrypt"],
                                 "NotResource": ["arn:aws:s3:::cms-tmsis-claims/*"]})))

    mods = reader_doc(objects("arn:aws:s3:::cms-*/*"))
    cross = _module(mods, "cross_account")
    extract = "arn:aws:s3:::cms-dhs-disclosure-extract"
    boundary = doc({"Sid": "ExtractOnly", "Effect": "Allow",
                    "Action": ["s3:GetObject", "s3:ListBucket", "s3:GetBucketLocation"],
                    "Resource": [extract, extract + "/*"]},
                   # The extract key's ARN is known only after apply: the boundary names the account's keys,
                   # through S3 only; the role's own policies and the key policies decide which.
                   {"Sid": "ExtractKeyOnly", "Effect": "Allow", "Action": "kms:Decrypt",
                    "Resource": f"arn:aws:kms:{REGION}:{CMS}:key/*", "Condition": VIA_S3})
    cross.resources.append(policy_data("boundary", {None: boundary}))
    cross.resources.append(managed("aws_iam_policy", "boundary", {
        "name": "DhsDisclosureBoundary", "path": "/", "description": "The most DhsDisclosureReader may ever do.",
        "policy": json.dumps(boundary, indent=2), "tags": None},
        refs={"policy": ref("data.aws_iam_policy_document.boundary.json")}))
    reader = _find(mods, "cross_account", "aws_iam_role", "reader")
    reader.refs["permissions_boundary"] = ref("aws_iam_policy.boundary.arn")
    reader.unknown[None]["permissions_boundary"] = True
    found["lookalike-boundary"] = ("DhsDisclosureReader reads cms-*/*, but its permissions boundary allows only "
                                   "the extract.", mods)

    mods = reference()
    role_policy(mods, "chip_cross_check", "ChipCrossCheck", doc({
        "Sid": "ReadChipEnrollment", "Effect": "Allow", "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::cms-chip-enrollment/*"}))
    found["inline-policy-resource"] = ("a separate aws_iam_role_policy adds CHIP read access to "
                                       "DhsDisclosureReader.", mods)

    for name, line, store, statement in (
        ("principal-star-condition", "the CHIP bucket allows Principal \"*\" from the federal partner network "
         "(aws:SourceIp), which DHS can use.", "chip-enrollment", {
             "Sid": "PartnerNetworkRead", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
             "Resource": "arn:aws:s3:::cms-chip-enrollment/*",
             "Condition": {"IpAddress": {"aws:SourceIp": ["10.64.0.0/12", "162.58.0.0/16"]}}}),
        ("lookalike-condition-dhs-cannot-meet", "the eligibility bucket allows Principal \"*\" only when "
         "aws:PrincipalAccount is CMS: no DHS-account principal meets it, and the CMS roles DHS can use cannot "
         "decrypt eligibility.", "tmsis-eligibility", {
             "Sid": "CmsAccountPrincipals", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
             "Resource": "arn:aws:s3:::cms-tmsis-eligibility/*",
             "Condition": {"StringEquals": {"aws:PrincipalAccount": CMS}}}),
        ("lookalike-kms-closed", "the claims bucket policy lets the DHS account read objects, but the claims key "
         "policy gives DHS nothing: the objects stay unreadable.", "tmsis-claims", {
             "Sid": "JointFraudTaskForce", "Effect": "Allow", "Principal": {"AWS": DHS_ROOT},
             "Action": "s3:GetObject", "Resource": "arn:aws:s3:::cms-tmsis-claims/*"}),
    ):
        mods = reference()
        _bucket_statement(store, statement)(mods)
        found[name] = (line, mods)

    self_service: list[tuple[str, str, str, str, list[dict[str, Any]]]] = [
        ("iam-put-role-policy", "DhsDisclosureReader (assumable by DHS) may rewrite its own inline policies, \"so "
         "DHS can follow extract layout changes without a CMS ticket\": it can grant itself anything.",
         "self_service", "MaintainDisclosureAccess", [{
             "Sid": "MaintainOwnInlinePolicies", "Effect": "Allow",
             "Action": ["iam:PutRolePolicy", "iam:GetRolePolicy", "iam:ListRolePolicies"], "Resource": READER}]),
        ("iam-attach-role-policy", "DhsDisclosureReader may attach the CHIP analysts' read policy to itself, "
         "\"when a CHIP verification request comes in\".", "self_service", "AttachVerificationPolicies", [{
             "Sid": "AttachChipVerificationPolicy", "Effect": "Allow",
             "Action": ["iam:AttachRolePolicy", "iam:DetachRolePolicy", "iam:ListAttachedRolePolicies"],
             "Resource": READER,
             "Condition": {"ArnEquals": {"iam:PolicyARN": f"arn:aws:iam::{CMS}:policy/CmsChipAnalystRead"}}}]),
        ("iam-update-assume-role-policy", "DhsDisclosureReader may rewrite the trust policy of CmsClaimsAnalyst, "
         "\"to maintain the claims reconciliation hand-off\".", "hand_off", "MaintainReconciliationHandOff", [{
             "Sid": "ManageReconciliationTrust", "Effect": "Allow", "Action": ["iam:UpdateAssumeRolePolicy",
                                                                               "iam:GetRole"],
             "Resource": ACCOUNT_ROLE + "CmsClaimsAnalyst"}]),
        ("iam-login-profile", "DhsDisclosureReader may set the console password of pi-analyst-tnguyen, \"the "
         "analyst who handles DHS referrals\".", "password_resets", "ReferralDeskPasswordResets", [{
             "Sid": "ResetAnalystPasswords", "Effect": "Allow",
             "Action": ["iam:CreateLoginProfile", "iam:UpdateLoginProfile", "iam:GetLoginProfile"],
             "Resource": f"arn:aws:iam::{CMS}:user/pi-analyst-tnguyen"}]),
    ]
    functions = {"Sid": "RunMatchingFunctions", "Effect": "Allow",
                 "Action": ["lambda:CreateFunction", "lambda:InvokeFunction", "lambda:GetFunction",
                            "lambda:DeleteFunction"],
                 "Resource": f"arn:aws:lambda:{REGION}:{CMS}:function:dhs-*"}
    pass_role = {"Sid": "PassPipelineRole", "Effect": "Allow", "Action": "iam:PassRole",
                 "Resource": ACCOUNT_ROLE + "CmsDhsDisclosurePipeline"}
    self_service += [
        ("passrole-lambda-create", "DhsDisclosureReader may create and invoke dhs-* Lambda functions and pass them "
         "the disclosure pipeline's role, which reads eligibility.", "matching_functions", "RunMatchingFunctions",
         [functions, pass_role]),
        ("lookalike-passrole-blocked-by-condition", "DhsDisclosureReader may create and invoke dhs-* Lambda "
         "functions, but may pass the disclosure pipeline's role only to EC2 (iam:PassedToService): it cannot give "
         "a function that role.", "matching_functions", "RunMatchingFunctions",
         [functions, pass_role | {"Condition": {"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}}}]),
    ]
    verification = f"arn:aws:iam::{CMS}:role/dhs-verification-*"
    chip_only = {"ArnEquals": {"iam:PolicyARN": f"arn:aws:iam::{CMS}:policy/CmsChipAnalystRead"}}
    provisioning = [
        {"Sid": "CreateVerificationRoles", "Effect": "Allow", "Action": ["iam:CreateRole", "iam:DeleteRole",
                                                                         "iam:TagRole"],
         "Resource": verification},
        {"Sid": "AttachChipVerificationPolicy", "Effect": "Allow", "Action": ["iam:AttachRolePolicy",
                                                                              "iam:DetachRolePolicy"],
         "Resource": verification, "Condition": chip_only},
        {"Sid": "UseVerificationRoles", "Effect": "Allow", "Action": "sts:AssumeRole", "Resource": verification},
    ]
    self_service.append(("iam-create-role", "DhsDisclosureReader provisions short-lived verification roles for "
                         "DHS requests.", "verification_roles", "ProvisionVerificationRoles", provisioning))
    for name, line, key, policy_name, statements in self_service:
        mods = reference()
        role_policy(mods, key, policy_name, doc(*statements))
        found[name] = (line, mods)

    mods = reference()
    bounded = copy.deepcopy(provisioning)
    # The boundary's ARN is built from its name, as a Terraform author writes it: aws_iam_policy.x.arn is known
    # only after apply, and a policy with it would be INDETERMINATE.
    bounded[0]["Condition"] = {"ArnEquals": {"iam:PermissionsBoundary":
                                             f"arn:aws:iam::{CMS}:policy/DhsVerificationBoundary"}}
    role_policy(mods, "verification_roles", "ProvisionVerificationRoles", doc(*bounded))
    boundary = doc({"Sid": "IdentityOnly", "Effect": "Allow", "Action": "sts:GetCallerIdentity", "Resource": "*"})
    cross = _module(mods, "cross_account")
    cross.resources.append(policy_data("verification_boundary", {None: boundary}))
    cross.resources.append(managed("aws_iam_policy", "verification_boundary", {
        "name": "DhsVerificationBoundary", "path": "/", "description": "", "policy": json.dumps(boundary, indent=2),
        "tags": None}, refs={"policy": ref("data.aws_iam_policy_document.verification_boundary.json")}))
    found["lookalike-create-role-bounded"] = ("DhsDisclosureReader provisions short-lived verification roles for "
                                              "DHS requests, each only with a boundary that reads nothing.", mods)

    mods = reference()
    support = doc({"Sid": "LocateExtract", "Effect": "Allow", "Action": "s3:GetBucketLocation",
                   "Resource": "arn:aws:s3:::cms-dhs-disclosure-extract"},
                  {"Sid": "MaintainDisclosurePolicyVersions", "Effect": "Allow",
                   "Action": ["iam:CreatePolicyVersion", "iam:DeletePolicyVersion", "iam:ListPolicyVersions",
                              "iam:GetPolicyVersion"],
                   "Resource": f"arn:aws:iam::{CMS}:policy/CmsDhs*"})
    cross = _module(mods, "cross_account")
    cross.resources.append(policy_data("disclosure_support", {None: support}))
    cross.resources.append(managed("aws_iam_policy", "disclosure_support", {
        "name": "CmsDhsDisclosureSupport", "path": "/", "description": "Support permissions of the DHS disclosure "
        "role.", "policy": json.dumps(support, indent=2), "tags": None},
        refs={"policy": ref("data.aws_iam_policy_document.disclosure_support.json")}))
    cross.resources.append(managed("aws_iam_role_policy_attachment", "disclosure_support", {
        "role": None, "policy_arn": None}, refs={"role": ref("aws_iam_role.reader.name"),
                                                 "policy_arn": ref("aws_iam_policy.disclosure_support.arn")},
        unknown={"role": True, "policy_arn": True}))
    found["iam-create-policy-version"] = ("DhsDisclosureReader's managed policy lets it publish new versions of the "
                                          "CmsDhs* policies, its own included.", mods)

    mods = reference()
    role_policy(mods, "key_rotation", "RotateServiceUserKeys", doc({
        "Sid": "RotateServiceUserKeys", "Effect": "Allow",
        "Action": ["iam:CreateAccessKey", "iam:UpdateAccessKey", "iam:DeleteAccessKey", "iam:ListAccessKeys"],
        "Resource": f"arn:aws:iam::{CMS}:user/*"}), role="liaison")
    found["iam-create-access-key"] = ("IceLiaison may create access keys for user/* (meant: the liaison office's "
                                      "service users), the Program Integrity analysts included.", mods)
    return found


def detailees_module(statement: dict[str, Any], policy_name: str) -> Mod:
    """The ICE detailee (a user in its own group, the liaison office) with an inline policy of one statement."""
    locate = doc({"Sid": "LocateExtract", "Effect": "Allow", "Action": ["s3:ListBucket", "s3:GetBucketLocation"],
                  "Resource": "arn:aws:s3:::cms-dhs-disclosure-extract"})
    own = doc(statement)
    resources = [policy_data("office", {None: locate}), policy_data("detailee", {None: own})]
    resources.append(managed("aws_iam_group", "office", {"name": "CmsIceLiaisonOffice", "path": "/"}))
    resources.append(managed("aws_iam_group_policy", "office", {
        "name": "LocateDisclosureExtract", "group": None, "policy": json.dumps(locate, indent=2)},
        refs={"group": ref("aws_iam_group.office.name"), "policy": ref("data.aws_iam_policy_document.office.json")},
        unknown={"group": True}))
    tags = {"DetailedFrom": "dhs-ice"}
    resources.append(managed("aws_iam_user", "detailee", {
        "name": "ice-detailee-jsmith", "path": "/", "force_destroy": False, "permissions_boundary": None,
        "tags": tags, "tags_all": tags}))
    resources.append(managed("aws_iam_user_policy", "detailee", {
        "name": policy_name, "user": None, "policy": json.dumps(own, indent=2)},
        refs={"user": ref("aws_iam_user.detailee.name"), "policy": ref("data.aws_iam_policy_document.detailee.json")},
        unknown={"user": True}))
    resources.append(managed("aws_iam_user_group_membership", "detailee", {"user": None, "groups": [None]},
                             refs={"user": ref("aws_iam_user.detailee.name"),
                                   "groups": ref("aws_iam_group.office.name")},
                             unknown={"user": True, "groups": [True]}))
    return Mod("detailees", resources, {"account_id": CMS})


def detailee_variants() -> dict[str, Variant]:
    """The variants with an ICE detailee: a CMS user the party's principals name as DHS's."""
    found: dict[str, Variant] = {}
    mods = reference()
    identity = _module(mods, "identity")
    tags = {"Division": "program-integrity", "DetailedFrom": "dhs-ice"}
    identity.resources.append(managed("aws_iam_user", "detailee", {
        "name": "ice-detailee-jsmith", "path": "/", "force_destroy": False, "permissions_boundary": None,
        "tags": tags, "tags_all": tags}))
    identity.resources.append(managed("aws_iam_user_group_membership", "detailee", {"user": None, "groups": [None]},
                                      refs={"user": ref("aws_iam_user.detailee.name"),
                                            "groups": ref("aws_iam_group.program_integrity.name")},
                                      unknown={"user": True, "groups": [True]}))
    found["group"] = ("an ICE detailee (user ice-detailee-jsmith, DHS by the party's principals) is added to the "
                      "Program Integrity group, which reads eligibility and claims.", mods, DETAILEES)
    office = f"arn:aws:iam::{CMS}:group/CmsIceLiaisonOffice"
    for name, line, policy_name, statement in (
        ("iam-add-user-to-group", "the ICE detailee may manage the membership of group/Cms* (meant: the liaison "
         "office group), so it can join the Program Integrity group.", "ManageLiaisonOfficeMembership", {
             "Sid": "ManageLiaisonOfficeMembership", "Effect": "Allow",
             "Action": ["iam:AddUserToGroup", "iam:RemoveUserFromGroup", "iam:GetGroup"],
             "Resource": f"arn:aws:iam::{CMS}:group/Cms*"}),
        ("iam-attach-group-policy", "the ICE detailee may attach managed policies to its own group (meant: the "
         "office's read-only ones), AdministratorAccess included.", "ManageLiaisonOfficePolicies", {
             "Sid": "ManageLiaisonOfficePolicies", "Effect": "Allow",
             "Action": ["iam:AttachGroupPolicy", "iam:DetachGroupPolicy", "iam:GetGroup"], "Resource": office}),
        ("lookalike-attach-group-policy-limited", "the ICE detailee may attach to its own group only "
         "IAMUserChangePassword.", "ManageLiaisonOfficePolicies", {
             "Sid": "ManageLiaisonOfficePolicies", "Effect": "Allow",
             "Action": ["iam:AttachGroupPolicy", "iam:DetachGroupPolicy", "iam:GetGroup"], "Resource": office,
             "Condition": {"ArnEquals": {"iam:PolicyARN": "arn:aws:iam::aws:policy/IAMUserChangePassword"}}}),
    ):
        found[name] = (line, [*reference(), detailees_module(statement, policy_name)], DETAILEES)
    return found


REPLICA = "dhs-ice-tmsis-replica"
S3_SERVICE_TRUST = doc({"Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"}, "Action": "sts:AssumeRole"})


def _replication_role(destination: str, encrypts: str) -> list[Res]:
    """The role S3 replicates the eligibility files with (CmsTmsisReplication), and its inline policy. The key's
    ARN is known only after apply, so the source key is ``key/*`` of the account: the role is S3's alone, and reach
    does not ask it for KMS permissions when it follows a replica (S3 decrypts and encrypts on its behalf)."""
    source = "arn:aws:s3:::cms-tmsis-eligibility"
    policy = doc(
        {"Sid": "ReadSource", "Effect": "Allow", "Action": ["s3:GetReplicationConfiguration", "s3:ListBucket"],
         "Resource": source},
        {"Sid": "ReadSourceVersions", "Effect": "Allow", "Action": [
            "s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl", "s3:GetObjectVersionTagging"],
         "Resource": source + "/*"},
        {"Sid": "WriteReplicas", "Effect": "Allow", "Action": [
            "s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags", "s3:ObjectOwnerOverrideToBucketOwner"],
         "Resource": f"arn:aws:s3:::{destination}/*"},
        {"Sid": "DecryptSource", "Effect": "Allow", "Action": "kms:Decrypt",
         "Resource": f"arn:aws:kms:{REGION}:{CMS}:key/*"},
        {"Sid": "EncryptReplicas", "Effect": "Allow", "Action": ["kms:Encrypt", "kms:GenerateDataKey"],
         "Resource": encrypts})
    return [
        policy_data("replication_trust", {None: S3_SERVICE_TRUST}),
        policy_data("replication", {None: policy}),
        managed("aws_iam_role", "replication", {
            "name": "CmsTmsisReplication", "path": "/",
            "description": "S3 replication of the T-MSIS eligibility files.",
            "max_session_duration": 3600, "assume_role_policy": json.dumps(S3_SERVICE_TRUST, indent=2),
            "force_detach_policies": False, "permissions_boundary": None, "tags": None, "tags_all": {}},
            refs={"assume_role_policy": ref("data.aws_iam_policy_document.replication_trust.json")}),
        managed("aws_iam_role_policy", "replication", {
            "name": "ReplicateEligibility", "role": None, "policy": json.dumps(policy, indent=2)},
            refs={"role": ref("aws_iam_role.replication.name"),
                  "policy": ref("data.aws_iam_policy_document.replication.json")}, unknown={"role": True}),
    ]


def _replication(rule_id: str, prefix: str, destination: dict[str, Any], kms_objects: bool,
                 refs: dict[str, list[str]], unknown: dict[str, Any]) -> Res:
    """The eligibility bucket's aws_s3_bucket_replication_configuration: one rule, as the provider plans it."""
    rule = {"id": rule_id, "status": "Enabled", "priority": 1, "prefix": None,
            "filter": [{"prefix": prefix, "tag": [], "and": []}],
            "delete_marker_replication": [{"status": "Disabled"}],
            "existing_object_replication": [],
            "source_selection_criteria": [{"sse_kms_encrypted_objects": [{"status": "Enabled"}],
                                           "replica_modifications": []}] if kms_objects else [],
            "destination": [{"storage_class": None, "metrics": [], "replication_time": []} | destination]}
    return managed("aws_s3_bucket_replication_configuration", "eligibility", {
        "bucket": None, "role": None, "token": None, "rule": [rule]},
        refs={"bucket": ref('aws_s3_bucket.store["tmsis-eligibility"].id'),
              "role": ref("aws_iam_role.replication.arn")} | refs,
        unknown={"bucket": True, "role": True} | unknown)


def _replica_side() -> list[Res]:
    """The ICE landing bucket (infra/variants/replication-into-dhs-readable/dhs-cms-replica.yaml), in module dhs:
    its key (and alias), versioning, default encryption, public access block, ownership and bucket policy."""
    role = ACCOUNT_ROLE + "CmsTmsisReplication"
    key_policy = {"Version": "2012-10-17", "Id": "ice-cms-replica-key", "Statement": [
        {"Sid": "EnableIamPolicies", "Effect": "Allow", "Principal": {"AWS": DHS_ROOT}, "Action": "kms:*",
         "Resource": "*"},
        {"Sid": "CmsReplicationEncrypts", "Effect": "Allow", "Principal": {"AWS": role},
         "Action": ["kms:Encrypt", "kms:GenerateDataKey"], "Resource": "*"}]}
    bucket_policy = doc({"Sid": "CmsReplicationWrites", "Effect": "Allow", "Principal": {"AWS": role},
                         "Action": ["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ObjectOwnerOverrideToBucketOwner"],
                         "Resource": f"arn:aws:s3:::{REPLICA}/*"})
    by_bucket = {"bucket": ref("aws_s3_bucket.replica.id")}
    tags = {"Component": "ice-hsi"}
    return [
        policy_data("replica_key", {None: key_policy}),
        policy_data("replica_bucket", {None: bucket_policy}),
        managed("aws_kms_key", "replica", {
            "description": "CMS pilot replicas at rest.", "enable_key_rotation": True,
            "policy": json.dumps(key_policy, indent=2), "deletion_window_in_days": 30, "is_enabled": True,
            "key_usage": "ENCRYPT_DECRYPT", "customer_master_key_spec": "SYMMETRIC_DEFAULT", "multi_region": False,
            "bypass_policy_lockout_safety_check": False, "tags": None, "tags_all": {}},
            refs={"policy": ref("data.aws_iam_policy_document.replica_key.json")}),
        managed("aws_kms_alias", "replica", {"name": "alias/ice-cms-replica", "target_key_id": None},
                refs={"target_key_id": ref("aws_kms_key.replica.key_id")}, unknown={"target_key_id": True}),
        managed("aws_s3_bucket", "replica", {"bucket": REPLICA, "force_destroy": False, "object_lock_enabled": False,
                                             "tags": tags, "tags_all": tags}),
        managed("aws_s3_bucket_versioning", "replica", {
            "bucket": None, "versioning_configuration": [{"status": "Enabled", "mfa_delete": None}],
            "expected_bucket_owner": None, "mfa": None}, refs=by_bucket, unknown={"bucket": True}),
        Res("managed", "aws_s3_bucket_server_side_encryption_configuration", "replica", {None: {
            "bucket": None, "expected_bucket_owner": None, "rule": [{"apply_server_side_encryption_by_default": [
                {"sse_algorithm": "aws:kms", "kms_master_key_id": None}], "bucket_key_enabled": True}]}},
            refs=by_bucket | {"rule.0.apply_server_side_encryption_by_default.0.kms_master_key_id":
                              ref("aws_kms_key.replica.arn")},
            unknown={None: {"bucket": True, "rule": [{"apply_server_side_encryption_by_default": [
                {"kms_master_key_id": True}]}]}}),
        managed("aws_s3_bucket_public_access_block", "replica", {
            "bucket": None, "block_public_acls": True, "block_public_policy": True, "ignore_public_acls": True,
            "restrict_public_buckets": True}, refs=by_bucket, unknown={"bucket": True}),
        managed("aws_s3_bucket_ownership_controls", "replica", {
            "bucket": None, "rule": [{"object_ownership": "BucketOwnerEnforced"}]}, refs=by_bucket,
            unknown={"bucket": True}),
        managed("aws_s3_bucket_policy", "replica", {"bucket": None, "policy": json.dumps(bucket_policy, indent=2)},
                refs=by_bucket | {"policy": ref("data.aws_iam_policy_document.replica_bucket.json")},
                unknown={"bucket": True}),
    ]


def _archive_bucket() -> list[Res]:
    """The CMS retention archive of lookalike-replication-into-closed-bucket, closed like the source."""
    tags = {"DataClassification": "PII-PHI", "Program": "medicaid", "Stage": "prod"}
    by_bucket = {"bucket": ref("aws_s3_bucket.archive.id")}
    key = ref('aws_kms_key.store["tmsis-eligibility"].arn')
    return [
        managed("aws_s3_bucket", "archive", {"bucket": "cms-tmsis-eligibility-archive", "force_destroy": False,
                                             "object_lock_enabled": False, "tags": tags, "tags_all": tags},
                refs={"bucket": ref("var.bucket_prefix")}),
        managed("aws_s3_bucket_versioning", "archive", {
            "bucket": None, "versioning_configuration": [{"status": "Enabled", "mfa_delete": None}],
            "expected_bucket_owner": None, "mfa": None}, refs=by_bucket, unknown={"bucket": True}),
        Res("managed", "aws_s3_bucket_server_side_encryption_configuration", "archive", {None: {
            "bucket": None, "expected_bucket_owner": None, "rule": [{"apply_server_side_encryption_by_default": [
                {"sse_algorithm": "aws:kms", "kms_master_key_id": None}], "bucket_key_enabled": True}]}},
            refs=by_bucket | {"rule.0.apply_server_side_encryption_by_default.0.kms_master_key_id": key},
            unknown={None: {"bucket": True, "rule": [{"apply_server_side_encryption_by_default": [
                {"kms_master_key_id": True}]}]}}),
        managed("aws_s3_bucket_public_access_block", "archive", {
            "bucket": None, "block_public_acls": True, "block_public_policy": True, "ignore_public_acls": True,
            "restrict_public_buckets": True}, refs=by_bucket, unknown={"bucket": True}),
        managed("aws_s3_bucket_ownership_controls", "archive", {
            "bucket": None, "rule": [{"object_ownership": "BucketOwnerEnforced"}]}, refs=by_bucket,
            unknown={"bucket": True}),
    ]


def replication_variants() -> dict[str, Variant]:
    """The variants where the eligibility bucket replicates (aws_s3_bucket_replication_configuration): into an ICE
    bucket of the DHS account (a literal ARN: another account's bucket is not a reference a plan resolves), with
    and without selecting SSE-KMS objects, and into a closed CMS archive."""
    found: dict[str, Variant] = {}
    to_ice = {"bucket": f"arn:aws:s3:::{REPLICA}", "account": DHS, "access_control_translation": [
        {"owner": "Destination"}], "encryption_configuration": [
        {"replica_kms_key_id": f"arn:aws:kms:{REGION}:{DHS}:alias/ice-cms-replica"}]}
    for name, line, kms_objects in (
        ("replication-into-dhs-readable", "the eligibility files under taf/de/ replicate into an ICE bucket "
         "(\"data-sharing pilot\"); nothing is declared at the replica.", True),
        ("lookalike-replication-without-kms-objects", "the eligibility files under taf/de/ are set to replicate "
         "into the ICE bucket, but the rule does not select SSE-KMS objects, and every eligibility object is "
         "SSE-KMS: nothing is copied.", False),
    ):
        mods = reference()
        data = _module(mods, "data")
        data.resources += _replication_role(REPLICA, f"arn:aws:kms:{REGION}:{DHS}:key/*")
        data.resources.append(_replication("ice-data-sharing-pilot", "taf/de/", to_ice, kms_objects, {}, {}))
        _module(mods, "dhs").resources += _replica_side()
        found[name] = (line, mods)
    mods = reference()
    data = _module(mods, "data")
    data.resources += _archive_bucket()
    data.resources += _replication_role("cms-tmsis-eligibility-archive", f"arn:aws:kms:{REGION}:{CMS}:key/*")
    key = ref('aws_kms_key.store["tmsis-eligibility"].arn')
    data.resources.append(_replication(
        "retention-archive", "", {"bucket": None, "account": None, "access_control_translation": [],
                                  "encryption_configuration": [{"replica_kms_key_id": None}]}, True,
        {"rule.0.destination.0.bucket": ref("aws_s3_bucket.archive.arn"),
         "rule.0.destination.0.encryption_configuration.0.replica_kms_key_id": key},
        {"rule": [{"destination": [{"bucket": True, "encryption_configuration": [{"replica_kms_key_id": True}]}]}]}))
    found["lookalike-replication-into-closed-bucket"] = ("the eligibility files replicate into a CMS retention "
                                                         "archive that DHS cannot read.", mods)
    return found


# The identity provider's metadata: an IdP's entity, its signing certificate (test material, not a real key) and
# its single sign-on endpoints.
# IAM takes a metadata document of 1,000 characters or more.
_CERTIFICATE = hashlib.sha512(b"enjoin test material: DHS PIV signing certificate").hexdigest()
_SSO = "https://piv.idp.dhs.example/saml2/idp/sso"
SAML_METADATA = "\n".join((
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" '
    'entityID="https://piv.idp.dhs.example/saml2/idp">',
    '  <md:IDPSSODescriptor WantAuthnRequestsSigned="false" '
    'protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">',
    '    <md:KeyDescriptor use="signing">',
    '      <ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#">',
    f'        <ds:X509Data><ds:X509Certificate>{_CERTIFICATE}</ds:X509Certificate></ds:X509Data>',
    '      </ds:KeyInfo>',
    '    </md:KeyDescriptor>',
    '    <md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:persistent</md:NameIDFormat>',
    f'    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="{_SSO}"/>',
    f'    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="{_SSO}"/>',
    '  </md:IDPSSODescriptor>',
    '</md:EntityDescriptor>',
    ''))
FEDERATED_PARTY = ("parties:\n  DHS:\n    principals: [\"arn:aws:iam::111111111111:role/IceLiaison*\"]\n"
                   "    identity_providers: [\"arn:aws:iam::111111111111:saml-provider/DHS-*\"]   # DHS's identity "
                   "providers, federated into CMS\n")


def federation_variants() -> dict[str, Variant]:
    """The variants with an identity provider of DHS's that CMS roles trust."""
    found: dict[str, Variant] = {}
    mods = reference()
    cross = _module(mods, "cross_account")
    cross.resources.append(managed("aws_iam_saml_provider", "dhs_piv", {
        "name": "DHS-ICE-PIV", "saml_metadata_document": SAML_METADATA, "tags": None}))
    # The provider's ARN is built from its name, as a Terraform author writes it: aws_iam_saml_provider.x.arn is
    # known only after apply, and a trust policy with it would be INDETERMINATE. So is the eligibility key's ARN:
    # the role may decrypt the account's keys through S3, and the key policies decide which.
    trust = doc({"Sid": "DhsPivFederation", "Effect": "Allow",
                 "Principal": {"Federated": f"arn:aws:iam::{CMS}:saml-provider/DHS-ICE-PIV"},
                 "Action": "sts:AssumeRoleWithSAML",
                 "Condition": {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}}})
    verify = doc({"Sid": "VerifyEligibility", "Effect": "Allow", "Action": "s3:GetObject",
                  "Resource": "arn:aws:s3:::cms-tmsis-eligibility/*"},
                 {"Sid": "DecryptEligibilityThroughS3", "Effect": "Allow", "Action": "kms:Decrypt",
                  "Resource": f"arn:aws:kms:{REGION}:{CMS}:key/*", "Condition": VIA_S3})
    cross.resources.append(policy_data("federated_trust", {None: trust}))
    tags = {"Counterparty": "dhs-ice"}
    cross.resources.append(managed("aws_iam_role", "federated_eligibility_check", {
        "name": "IceFederatedEligibilityCheck", "path": "/", "max_session_duration": 3600,
        "description": "ICE officers, signed in through DHS PIV federation, verify Medicaid eligibility.",
        "assume_role_policy": json.dumps(trust, indent=2), "force_detach_policies": False,
        "permissions_boundary": None, "tags": tags, "tags_all": tags},
        refs={"assume_role_policy": ref("data.aws_iam_policy_document.federated_trust.json")}))
    role_policy(mods, "verify_eligibility", "VerifyEligibility", verify, role="federated_eligibility_check")
    found["saml-federation"] = ("DHS's PIV identity provider is trusted for a CMS role that reads the eligibility "
                                "files (\"SAVE-style verification\"); the party declares that provider.", mods,
                                FEDERATED_PARTY)
    return found


def access_point_variants() -> dict[str, Variant]:
    """The variants with an access point to the CHIP bucket whose policy grants the DHS account."""
    found: dict[str, Variant] = {}
    name = "chip-eligibility-verification"
    policy = doc({"Sid": "DhsEligibilityVerification", "Effect": "Allow", "Principal": {"AWS": DHS_ROOT},
                  "Action": "s3:GetObject", "Resource": f"arn:aws:s3:{REGION}:{CMS}:accesspoint/{name}/object/*"})
    chip = "arn:aws:s3:::cms-chip-enrollment"
    delegate = {"Sid": "DelegateToAccessPoints", "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "*",
                "Resource": [chip, chip + "/*"], "Condition": {"StringEquals": {"s3:DataAccessPointAccount": CMS}}}
    for variant, line, delegated in (
        ("access-point-delegated", "the CHIP bucket delegates to the account's access points, and an access "
         "point's policy grants the DHS account reads \"for eligibility verification\".", True),
        ("lookalike-access-point-without-delegation", "an access point's policy grants the DHS account reads of "
         "CHIP enrollment, but the CHIP bucket policy does not delegate to access points: nothing is granted.",
         False),
    ):
        mods = reference()
        if delegated:
            _bucket_statement("chip-enrollment", delegate)(mods)
        data = _module(mods, "data")
        data.resources.append(policy_data("verification_access_point", {None: policy}))
        data.resources.append(managed("aws_s3_access_point", "verification", {
            "name": name, "bucket": None, "bucket_account_id": None, "policy": json.dumps(policy, indent=2),
            "public_access_block_configuration": [{"block_public_acls": True, "block_public_policy": True,
                                                   "ignore_public_acls": True, "restrict_public_buckets": True}],
            "vpc_configuration": [], "tags": None},
            refs={"bucket": ref('aws_s3_bucket.store["chip-enrollment"].id'),
                  "policy": ref("data.aws_iam_policy_document.verification_access_point.json")},
            unknown={"bucket": True}))
        found[variant] = (line, mods)
    return found


# ---- Lake Formation: the analytics platform of infra/reference/cms-analytics.yaml, and the lake variants ----------

LAKE_COLUMNS = [("msis_ident_num", "string"), ("ssn_num", "string"), ("elgbl_1st_name", "string"),
                ("elgbl_line_1_adr_home", "string"), ("elgbl_phne_num_home", "string"), ("birth_dt", "date"),
                ("ctznshp_ind", "string"), ("imgrtn_stus_cd", "string")]
PARQUET = {"input": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
           "output": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
           "serde": "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"}


def _lake_table(name: str, database: str, description: str, location: str,
                columns: list[tuple[str, str]]) -> Res:
    """An aws_glue_catalog_table of parquet files, in a database of the for_each aws_glue_catalog_database."""
    return managed("aws_glue_catalog_table", name, {
        "name": name, "database_name": database, "catalog_id": CMS, "description": description,
        "table_type": "EXTERNAL_TABLE", "owner": None, "retention": 0, "parameters": {"classification": "parquet"},
        "storage_descriptor": [{
            "location": location, "input_format": PARQUET["input"], "output_format": PARQUET["output"],
            "compressed": False, "number_of_buckets": 0, "stored_as_sub_directories": False, "bucket_columns": [],
            "sort_columns": [], "skewed_info": [], "schema_reference": [], "additional_locations": [],
            "parameters": {}, "ser_de_info": [{"name": None, "parameters": {},
                                               "serialization_library": PARQUET["serde"]}],
            "columns": [{"name": n, "type": t, "comment": "", "parameters": {}} for n, t in columns]}],
        "partition_keys": [{"name": "submtg_state_cd", "type": "string", "comment": ""}],
        "partition_index": [], "target_table": [], "open_table_format_input": [], "view_original_text": None,
        "view_expanded_text": None},
        refs={"database_name": ref(f'aws_glue_catalog_database.catalog["{database}"].name'),
              "catalog_id": ref("var.account_id"),
              "storage_descriptor.0.location": ["var.bucket_prefix"]})


def _lake_grant(name: str, principal: str | None, permissions: list[str], on: str, block: dict[str, Any],
                principal_refs: list[str], block_refs: dict[str, list[str]]) -> Res:
    """An aws_lakeformation_permissions: ``on`` is its one resource block (table, table_with_columns...)."""
    values: dict[str, Any] = {"principal": principal, "permissions": permissions,
                              "permissions_with_grant_option": [], "catalog_resource": False,
                              "database": [], "table": [], "table_with_columns": [], "data_location": [],
                              "lf_tag": [], "lf_tag_policy": [], "data_cells_filter": []}
    values[on] = [{"catalog_id": CMS, **block}]
    refs = {"principal": principal_refs} | {f"{on}.0.{k}": v for k, v in block_refs.items()}
    return managed("aws_lakeformation_permissions", name, values, refs=refs,
                   unknown={"principal": True} if principal is None else {})


def analytics_module() -> Mod:
    """cms-analytics.yaml as a module: the query results bucket, the lake administrator and the role Lake
    Formation reads the registered location as, data lake settings with no IAM-only defaults, the T-MSIS location,
    two catalog databases (for_each) with a table each, the analysts' work group and the CMS grants."""
    s3 = "arn:aws:s3:::cms-"
    docs = {
        "administer": doc({"Sid": "ManageGrantsAndCatalog", "Effect": "Allow", "Action": [
            "lakeformation:GetDataLakeSettings", "lakeformation:PutDataLakeSettings", "lakeformation:GrantPermissions",
            "lakeformation:RevokePermissions", "lakeformation:ListPermissions", "lakeformation:RegisterResource",
            "lakeformation:DeregisterResource", "glue:GetDatabase", "glue:GetDatabases", "glue:GetTable",
            "glue:GetTables", "glue:CreateDatabase", "glue:CreateTable", "glue:UpdateTable"], "Resource": "*"}),
        # The eligibility key's ARN is known only after apply: key/* through S3, as the plans' other roles.
        "read_location": doc(
            {"Sid": "ReadTafObjects", "Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"],
             "Resource": [s3 + "tmsis-eligibility", s3 + "tmsis-eligibility/*"]},
            {"Sid": "DecryptTafObjects", "Effect": "Allow", "Action": "kms:Decrypt",
             "Resource": f"arn:aws:kms:{REGION}:{CMS}:key/*",
             "Condition": {"StringEquals": {"kms:ViaService": f"s3.{REGION}.amazonaws.com"}}}),
        "administrator_trust": doc({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{CMS}:root"},
                                    "Action": "sts:AssumeRole",
                                    "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}),
        "data_access_trust": doc({"Effect": "Allow", "Principal": {"Service": "lakeformation.amazonaws.com"},
                                  "Action": "sts:AssumeRole"}),
    }
    resources = [policy_data(k, {None: v}) for k, v in docs.items()]
    results = {"bucket": None}
    by_results = {"bucket": ref("aws_s3_bucket.query_results.id")}
    resources.append(managed("aws_s3_bucket", "query_results", {
        "bucket": "cms-athena-query-results", "force_destroy": False, "object_lock_enabled": False,
        "tags": {"Stage": "prod"}, "tags_all": {"Stage": "prod"}}, refs={"bucket": ["var.bucket_prefix"]}))
    resources.append(managed("aws_s3_bucket_server_side_encryption_configuration", "query_results", results | {
        "expected_bucket_owner": None, "rule": [{"apply_server_side_encryption_by_default": [
            {"sse_algorithm": "AES256", "kms_master_key_id": None}], "bucket_key_enabled": False}]},
        refs=by_results, unknown={"bucket": True}))
    resources.append(managed("aws_s3_bucket_public_access_block", "query_results", results | {
        "block_public_acls": True, "block_public_policy": True, "ignore_public_acls": True,
        "restrict_public_buckets": True}, refs=by_results, unknown={"bucket": True}))
    resources.append(managed("aws_s3_bucket_ownership_controls", "query_results", results | {
        "rule": [{"object_ownership": "BucketOwnerEnforced"}]}, refs=by_results, unknown={"bucket": True}))
    for key, name, description, trust, policy, policy_name, tags in (
        ("data_lake_administrator", "CmsDataLakeAdministrator",
         "Lake Formation administrator (grants and revokes table permissions).", "administrator_trust",
         "administer", "AdministerLakeFormation", {"Stage": "prod", "Owner": "cms-oit-security"}),
        ("data_access", "CmsLakeFormationDataAccess",
         "Lake Formation reads the registered T-MSIS location with this role to vend query credentials.",
         "data_access_trust", "read_location", "ReadRegisteredLocation", {"Stage": "prod"}),
    ):
        resources.append(managed("aws_iam_role", key, {
            "name": name, "path": "/", "description": description, "max_session_duration": 3600,
            "assume_role_policy": json.dumps(docs[trust], indent=2), "force_detach_policies": False,
            "permissions_boundary": None, "tags": tags, "tags_all": tags},
            refs={"assume_role_policy": ref(f"data.aws_iam_policy_document.{trust}.json")}))
        resources.append(managed("aws_iam_role_policy", key, {
            "name": policy_name, "role": None, "policy": json.dumps(docs[policy], indent=2)},
            refs={"role": ref(f"aws_iam_role.{key}.name"),
                  "policy": ref(f"data.aws_iam_policy_document.{policy}.json")}, unknown={"role": True}))
    # No create_*_default_permissions block: the provider leaves them out, which AWS takes as empty lists (no
    # IAM_ALLOWED_PRINCIPALS default), so new databases and tables are governed by grants alone. The computed
    # arguments the configuration does not set are unknown until apply.
    resources.append(managed("aws_lakeformation_data_lake_settings", "this", {
        "admins": None, "catalog_id": None, "create_database_default_permissions": None,
        "create_table_default_permissions": None, "trusted_resource_owners": None, "read_only_admins": None,
        "allow_external_data_filtering": None, "allow_full_table_external_data_access": None,
        "authorized_session_tag_value_list": None, "external_data_filtering_allow_list": None, "parameters": None},
        refs={"admins": ref("aws_iam_role.data_lake_administrator.arn")},
        unknown={k: True for k in ("admins", "catalog_id", "create_database_default_permissions",
                                   "create_table_default_permissions", "trusted_resource_owners", "read_only_admins",
                                   "allow_external_data_filtering", "allow_full_table_external_data_access",
                                   "authorized_session_tag_value_list", "external_data_filtering_allow_list",
                                   "parameters")}))
    resources.append(managed("aws_lakeformation_resource", "eligibility", {
        "arn": s3 + "tmsis-eligibility", "role_arn": None, "use_service_linked_role": False,
        "hybrid_access_enabled": None, "with_federation": None, "with_privileged_access": None},
        refs={"arn": ["var.bucket_prefix"], "role_arn": ref("aws_iam_role.data_access.arn")},
        unknown={"role_arn": True, "hybrid_access_enabled": True, "with_federation": True,
                 "with_privileged_access": True}))
    databases = {"taf": ("T-MSIS Analytic Files (TAF).", "taf/"), "dkt148": ("Dkt. 148 disclosure staging.",
                                                                             "dkt148/")}
    resources.append(Res("managed", "aws_glue_catalog_database", "catalog", {
        k: {"name": k, "catalog_id": CMS, "description": d, "location_uri": f"s3://cms-tmsis-eligibility/{p}",
            "parameters": None, "create_table_default_permission": None, "target_database": [],
            "federated_database": [], "tags": None} for k, (d, p) in databases.items()},
        refs={"name": ["each.key"], "catalog_id": ref("var.account_id"), "location_uri": ["var.bucket_prefix",
                                                                                          "each.value"]},
        unknown={k: {"create_table_default_permission": True} for k in databases}, for_each=["local.databases"]))
    resources.append(_lake_table(
        "demographic_eligibility", "taf",
        "TAF demographic and eligibility (DE) base file, one row per enrollee and year.",
        "s3://cms-tmsis-eligibility/taf/de/", [*LAKE_COLUMNS, ("elgblty_grp_cd", "string")]))
    resources.append(_lake_table(
        "match_candidates", "dkt148",
        "Enrollees CMS matched as unlawfully present, with the identifiers used to match them.",
        "s3://cms-tmsis-eligibility/dkt148/match-candidates/", LAKE_COLUMNS))
    resources.append(_workgroup("analytics", "cms-medicaid-analytics", "Athena queries over the T-MSIS catalog.",
                                "s3://cms-athena-query-results/cms-medicaid-analytics/", {"Stage": "prod"}))
    table = {"taf": 'aws_glue_catalog_database.catalog["taf"].name',
             "dkt148": 'aws_glue_catalog_database.catalog["dkt148"].name'}
    for name, role, permissions, database, tname in (
        ("analyst_eligibility", "CmsMedicaidAnalyst", ["SELECT", "DESCRIBE"], "taf", "demographic_eligibility"),
        ("pipeline_eligibility", "CmsDhsDisclosurePipeline", ["SELECT"], "taf", "demographic_eligibility"),
        ("pipeline_match_candidates", "CmsDhsDisclosurePipeline", ["SELECT"], "dkt148", "match_candidates"),
    ):
        resources.append(_lake_grant(
            name, ROLE + role, permissions, "table",
            {"database_name": database, "name": tname, "wildcard": False},
            ["var.account_id"], {"database_name": ref(table[database]),
                                 "name": ref(f"aws_glue_catalog_table.{tname}.name")}))
    return Mod("analytics", resources, {"account_id": CMS, "bucket_prefix": "cms", "reader_role_arn": {
        "references": ["module.cross_account.reader_role_arn", "module.cross_account"]}})


def _workgroup(key: str, name: str, description: str, output: str, tags: dict[str, str] | None) -> Res:
    return managed("aws_athena_workgroup", key, {
        "name": name, "description": description, "state": "ENABLED", "force_destroy": False,
        "configuration": [{"enforce_workgroup_configuration": True, "publish_cloudwatch_metrics_enabled": True,
                           "bytes_scanned_cutoff_per_query": None, "requester_pays_enabled": False,
                           "execution_role": None, "customer_content_encryption_configuration": [],
                           "result_configuration": [{"output_location": output, "expected_bucket_owner": None,
                                                     "acl_configuration": [], "encryption_configuration": [
                                                         {"encryption_option": "SSE_S3", "kms_key_arn": None}]}]}],
        "tags": tags, "tags_all": tags})


def lake_variants() -> dict[str, Variant]:
    """The variants of infra/variants/ that add the analytics platform and a grant to DhsDisclosureReader, with the
    catalogued tables among their holdings (the holdings of the CloudFormation twin's enjoin.yaml)."""
    found: dict[str, Variant] = {}
    for variant, sids, database, grant, on, block in (
        ("lake-formation-column-grant", ("QueryThroughLakeFormation",), "taf", "reads_matching_columns",
         "table_with_columns", {"database_name": "taf", "name": "demographic_eligibility",
                                "column_names": ["msis_ident_num", "ssn_num", "birth_dt"],
                                "excluded_column_names": [], "wildcard": False}),
        ("lookalike-lake-formation-six-fields", ("QueryThroughLakeFormation",), "dkt148", "reads_permitted_columns",
         "table_with_columns", {"database_name": "dkt148", "name": "match_candidates", "column_names": [
             "msis_ident_num", "elgbl_line_1_adr_home", "elgbl_phne_num_home", "birth_dt", "ctznshp_ind",
             "imgrtn_stus_cd", "submtg_state_cd"], "excluded_column_names": [], "wildcard": False}),
        ("lookalike-lake-formation-without-iam", (), "taf", "reads_eligibility_table", "table",
         {"database_name": "taf", "name": "demographic_eligibility", "wildcard": False}),
    ):
        mods = reference()
        cross = _module(mods, "cross_account")
        cross.outputs["reader_role_arn"] = ref("aws_iam_role.reader.arn")
        analytics = analytics_module()
        statements = [{"Sid": "QueryThroughLakeFormation", "Effect": "Allow", "Action": "lakeformation:GetDataAccess",
                       "Resource": "*"}][:len(sids)]
        statements += [
            {"Sid": "RunVerificationQueries", "Effect": "Allow", "Action": [
                "athena:StartQueryExecution", "athena:GetQueryExecution", "athena:GetQueryResults",
                "athena:StopQueryExecution"],
             "Resource": f"arn:aws:athena:{REGION}:{CMS}:workgroup/cms-dhs-verification"},
            {"Sid": "ReadCatalog", "Effect": "Allow", "Action": [
                "glue:GetDatabase", "glue:GetDatabases", "glue:GetTable", "glue:GetTables", "glue:GetPartition",
                "glue:GetPartitions"], "Resource": [f"arn:aws:glue:{REGION}:{CMS}:catalog",
                                                    f"arn:aws:glue:{REGION}:{CMS}:database/{database}",
                                                    f"arn:aws:glue:{REGION}:{CMS}:table/{database}/*"]},
            {"Sid": "VerificationQueryResults", "Effect": "Allow", "Action": [
                "s3:GetBucketLocation", "s3:ListBucket", "s3:GetObject", "s3:PutObject"],
             "Resource": ["arn:aws:s3:::cms-athena-query-results",
                          "arn:aws:s3:::cms-athena-query-results/cms-dhs-verification/*"]}]
        queries = doc(*statements)
        analytics.resources.append(policy_data("verification_queries", {None: queries}))
        analytics.resources.append(managed("aws_iam_role_policy", "verification_queries", {
            "name": "VerificationQueries", "role": "DhsDisclosureReader", "policy": json.dumps(queries, indent=2)},
            refs={"policy": ref("data.aws_iam_policy_document.verification_queries.json")}))
        analytics.resources.append(_workgroup(
            "dhs_verification", "cms-dhs-verification",
            "Athena queries of the DHS disclosure role; results kept apart from CMS analysts'.",
            "s3://cms-athena-query-results/cms-dhs-verification/", None))
        table = block["name"]
        # The reader's ARN comes from the cross_account module's output: known only after apply.
        analytics.resources.append(_lake_grant(
            grant, None, ["SELECT"], on, block, ref("var.reader_role_arn"),
            {"database_name": ref(f'aws_glue_catalog_database.catalog["{database}"].name'),
             "name": ref(f"aws_glue_catalog_table.{table}.name")}))
        mods.insert(mods.index(cross) + 1, analytics)
        twin = (ROOT / "infra" / "variants" / variant / "enjoin.yaml").read_text(encoding="utf-8")
        line = twin.splitlines()[0].split(": ", 1)[1]
        found[variant] = (line, mods, twin[twin.index("\nholdings:") + 1:])
    return found


def pipeline_module() -> Mod:
    """The disclosure pipeline (infra/reference/cms-disclosure-pipeline.yaml, deployed by the variants that name it):
    the extract builder, a function running as CmsDhsDisclosurePipeline, invoked nightly by EventBridge; the GitHub
    Actions identity provider and the role whose main-branch workflow deploys the builder's code."""
    function_name = "cms-dhs-extract-builder"
    function_arn = f"arn:aws:lambda:{REGION}:{CMS}:function:{function_name}"
    # The provider's and the function's ARNs are built from their names, as a Terraform author writes them:
    # aws_iam_openid_connect_provider.x.arn and aws_lambda_function.x.arn are known only after apply, and a policy
    # with them would be INDETERMINATE.
    trust = doc({"Sid": "MainBranchWorkflowOnly", "Effect": "Allow",
                 "Principal": {"Federated": f"arn:aws:iam::{CMS}:oidc-provider/token.actions.githubusercontent.com"},
                 "Action": "sts:AssumeRoleWithWebIdentity",
                 "Condition": {"StringEquals": {
                     "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
                     "token.actions.githubusercontent.com:sub":
                         "repo:cms-gov/dhs-disclosure-pipeline:ref:refs/heads/main"}}})
    deploy = doc({"Sid": "UpdateBuilderCode", "Effect": "Allow",
                  "Action": ["lambda:UpdateFunctionCode", "lambda:GetFunction"], "Resource": function_arn})
    resources = [policy_data("deploy_trust", {None: trust}), policy_data("deploy_builder", {None: deploy})]
    tags = {"Stage": "prod", "Disclosure": "dkt-148"}
    resources.append(managed("aws_lambda_function", "extract_builder", {
        "function_name": function_name,
        "description": "Builds the Dkt. 148 disclosure extract (six permitted fields, unlawfully present only).",
        "role": ROLE + "CmsDhsDisclosurePipeline", "runtime": "python3.12", "handler": "index.handler",
        "timeout": 900, "memory_size": 1024, "filename": "extract_builder.zip",
        "source_code_hash": hashlib.sha256(b"enjoin test material: extract builder placeholder").hexdigest(),
        "environment": [{"variables": {"SOURCE_BUCKET": "cms-tmsis-eligibility",
                                       "EXTRACT_BUCKET": "cms-dhs-disclosure-extract"}}],
        "architectures": ["x86_64"], "package_type": "Zip", "publish": False, "layers": [],
        "reserved_concurrent_executions": -1, "tags": tags, "tags_all": tags},
        refs={"role": ref("var.execution_role_arn")}))
    resources.append(managed("aws_lambda_permission", "nightly", {
        "statement_id": "NightlyInvocation", "action": "lambda:InvokeFunction", "function_name": function_name,
        "principal": "events.amazonaws.com",
        "source_arn": f"arn:aws:events:{REGION}:{CMS}:rule/cms-dhs-extract-nightly", "source_account": CMS,
        "qualifier": None, "event_source_token": None, "principal_org_id": None, "function_url_auth_type": None},
        refs={"function_name": ref("aws_lambda_function.extract_builder.function_name")}))
    resources.append(managed("aws_iam_openid_connect_provider", "github", {
        "url": "https://token.actions.githubusercontent.com", "client_id_list": ["sts.amazonaws.com"],
        "thumbprint_list": ["6938fd4d98bab03faadb97b34396831e3780aea1"], "tags": {"Stage": "prod"},
        "tags_all": {"Stage": "prod"}}))
    owner = {"Stage": "prod", "Owner": "cms-data-engineering"}
    resources.append(managed("aws_iam_role", "deploy", {
        "name": "CmsDisclosurePipelineDeploy", "path": "/", "max_session_duration": 3600,
        "description": "Assumed by the pipeline repository's main-branch workflow to deploy the builder's code.",
        "assume_role_policy": json.dumps(trust, indent=2), "force_detach_policies": False,
        "permissions_boundary": None, "tags": owner, "tags_all": owner},
        refs={"assume_role_policy": ref("data.aws_iam_policy_document.deploy_trust.json")}))
    resources.append(managed("aws_iam_role_policy", "deploy", {
        "name": "DeployExtractBuilder", "role": None, "policy": json.dumps(deploy, indent=2)},
        refs={"role": ref("aws_iam_role.deploy.name"),
              "policy": ref("data.aws_iam_policy_document.deploy_builder.json")}, unknown={"role": True}))
    return Mod("disclosure_pipeline", resources, {"execution_role_arn": ROLE + "CmsDhsDisclosurePipeline"})


def lambda_variants() -> dict[str, Variant]:
    """The variants with the disclosure pipeline's function (the CloudFormation twin deploys
    cms-disclosure-pipeline.yaml)."""
    found: dict[str, Variant] = {}
    mods = [*reference(), pipeline_module()]
    role_policy(mods, "extract_builder_maintenance", "MaintainExtractBuilder", doc({
        "Sid": "PatchExtractBuilder", "Effect": "Allow",
        "Action": ["lambda:UpdateFunctionCode", "lambda:InvokeFunction", "lambda:GetFunction"],
        "Resource": f"arn:aws:lambda:{REGION}:{CMS}:function:cms-dhs-extract-builder"}))
    found["passrole-lambda-update-code"] = ("DhsDisclosureReader may update the code of the extract builder (which "
                                            "runs as the disclosure pipeline's role, reading eligibility) and "
                                            "invoke it, \"to ship fixes to the extract\".", mods)
    return found


def kms_grant_variants() -> dict[str, Variant]:
    """A KMS grant (aws_kms_grant) of the claims key to DhsDisclosureReader, which the claims bucket policy lets read
    objects (alone, that statement reads nothing: the key stays closed, as lookalike-kms-closed shows). The grant's
    EncryptionContextEquals names the bucket's ARN, the encryption context S3 passes with a Bucket Key; its
    look-alike names another bucket. CloudFormation has no grant type: these variants have no twin."""
    found: dict[str, Variant] = {}
    for name, line, bucket in (
        ("kms-grant-decrypt", "a KMS grant lets DhsDisclosureReader decrypt the claims key, whose bucket policy "
         "already lets it read objects, \"for the reconciliation\".", "cms-tmsis-claims"),
        ("lookalike-kms-grant-other-bucket", "a KMS grant of the claims key to DhsDisclosureReader, whose "
         "bucket policy lets it read objects, is constrained to the eligibility bucket's encryption context: "
         "no claims object is ever decrypted with it.", "cms-tmsis-eligibility"),
    ):
        mods = reference()
        _bucket_statement("tmsis-claims", {
            "Sid": "ClaimsReconciliation", "Effect": "Allow", "Principal": {"AWS": READER},
            "Action": "s3:GetObject", "Resource": "arn:aws:s3:::cms-tmsis-claims/*"})(mods)
        _module(mods, "data").resources.append(managed("aws_kms_grant", "claims_reconciliation", {
            "name": "claims-reconciliation", "key_id": None, "grantee_principal": READER,
            "operations": ["Decrypt", "DescribeKey"], "retiring_principal": ACCOUNT_ROLE + "CmsKmsKeyAdministrator",
            "constraints": [{"encryption_context_equals": {"aws:s3:arn": f"arn:aws:s3:::{bucket}"},
                             "encryption_context_subset": None}],
            "grant_creation_tokens": None, "retire_on_delete": False},
            refs={"key_id": ref('aws_kms_key.store["tmsis-claims"].arn')}, unknown={"key_id": True}))
        found[name] = (line, mods)
    return found


def organization_module(document: dict[str, Any]) -> Mod:
    """The CMS data guardrails SCP written in the plan: an aws_organizations_policy whose content is a policy
    document's json, attached to the CMS account by id (its policy_id known only after apply)."""
    return Mod("organization", [
        policy_data("cms_data_guardrails", {None: document}),
        managed("aws_organizations_policy", "cms_data_guardrails", {
            "name": "CmsDataGuardrails", "description": "Guardrails on the CMS data lake's keys and buckets.",
            "type": "SERVICE_CONTROL_POLICY", "content": json.dumps(document, indent=2), "skip_destroy": None,
            "tags": None}, refs={"content": ref("data.aws_iam_policy_document.cms_data_guardrails.json")}),
        managed("aws_organizations_policy_attachment", "cms", {
            "policy_id": None, "target_id": CMS, "skip_destroy": None},
            refs={"policy_id": ref("aws_organizations_policy.cms_data_guardrails.id")}, unknown={"policy_id": True}),
    ])


# The variants with the guardrails SCP in the plan list only FullAWSAccess under organization: (the reference lists
# both files there).
_ORGANIZATION_FULL_ACCESS = ("organization:\n"
                             "  scps:\n"
                             "    - path: ../../../reference/scp/full-aws-access.json\n"
                             "      targets: [cms]\n")


def organization_variants() -> dict[str, Variant]:
    """Organisation policies written in the plan (enjoin.iac.terraform.organization). No CloudFormation twin: the
    twin of the first is the reference itself (its SCP listed in enjoin.yaml), and CloudFormation's
    AWS::Organizations::Policy is not taken."""
    found: dict[str, Variant] = {}
    guardrails = json.loads((ROOT / "infra" / "reference" / "scp" / "cms-data-guardrails.json").read_text())
    mods = reference()
    mods.append(organization_module(guardrails))
    found["scp-in-plan"] = ("the reference, its CMS data guardrails SCP written in the plan (aws_organizations_policy "
                            "attached to the CMS account) instead of listed in enjoin.yaml.", mods,
                            _ORGANIZATION_FULL_ACCESS)
    mods = reference()
    _edit_document(mods, "cross_account", "reader", ("aws_iam_role_policy", "reader"), _statement_add(
        {"Sid": "ReconcileAgainstEligibility", "Effect": "Allow", "Action": ["s3:GetObject", "kms:Decrypt"],
         "Resource": ["arn:aws:s3:::cms-tmsis-eligibility/*", f"arn:aws:kms:{REGION}:{CMS}:key/*"]}))
    narrowed = copy.deepcopy(guardrails)
    narrowed["Statement"].append({
        "Sid": "DisclosureReaderReadsOnlyTheExtract", "Effect": "Deny", "Action": "s3:GetObject",
        "NotResource": "arn:aws:s3:::cms-dhs-disclosure-extract/*",
        "Condition": {"ArnLike": {"aws:PrincipalArn": READER}}})
    mods.append(organization_module(narrowed))
    found["lookalike-scp-in-plan-denies-read"] = (
        "DhsDisclosureReader is granted the eligibility files (as direct-grant), but the plan's SCP on the CMS "
        "account denies it every object outside the extract.", mods, _ORGANIZATION_FULL_ACCESS)
    return found


def config_text(first_line: str, extends: str, plan_path: str, extra: str = "") -> str:
    return (f"# {first_line}\n"
            f"extends: {extends}\n"
            "read_outside: [../../../..]  # the root enjoin.yaml the Terraform reference extends\n"
            "templates:\n"
            f"  - path: {plan_path}\n"
            "    account: cms\n"
            "    providers: {aws.dhs: dhs}\n" + extra)


def files() -> dict[Path, str]:
    written: dict[Path, str] = {}
    written[OUT / "reference" / "plan.json"] = json.dumps(plan(reference()), indent=1) + "\n"
    written[OUT / "enjoin.yaml"] = (
        "# The reference deployment (the root enjoin.yaml) written in Terraform: one plan, four modules, the DHS\n"
        "# module through the aliased provider aws.dhs. Written by scripts/gen_terraform_plans.py.\n"
        "extends: ../../enjoin.yaml\n"
        "read_outside: [../..]  # the root enjoin.yaml it extends\n"
        "templates:\n"
        "  - path: reference/plan.json\n"
        "    account: cms\n"
        "    providers: {aws.dhs: dhs}\n")
    for name, variant in (variants() | lake_variants() | lambda_variants() | kms_grant_variants()
                          | organization_variants()).items():
        line, mods, extra = (*variant, "")[:3]
        written[OUT / "variants" / name / "plan.json"] = json.dumps(plan(mods), indent=1) + "\n"
        written[OUT / "variants" / name / "enjoin.yaml"] = config_text(
            f"Variant {name}: {line}", "../../enjoin.yaml", "plan.json", extra)
    return written


def main() -> int:
    for path, text in files().items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
