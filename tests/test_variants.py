"""Every violating variant of the reference platform fails with exactly its clauses; look-alikes pass.

Each variant under infra/variants/ extends the root enjoin.yaml and changes one thing (see the first
line of its enjoin.yaml and the lines marked VARIANT in its templates). Semantics (ORDER.md and the
case file): under Dkt. 98 (2025-08-12 to 2026-01-05) any plaintiff-state Medicaid data reaching DHS
breaks DKT98-NO-SHARING. Under Dkt. 148, for Medicaid data of plaintiff states, a reached holding
breaks DKT148-FIELDS when it holds a field outside the six (ssn, sex, race_ethnicity, medical,
eligibility... are forbidden), DKT148-MEDICAL when it holds ``medical`` or ``eligibility``,
DKT148-POPULATIONS when it may hold a protected population (``all`` does). The case scopes those
three clauses to Medicaid (``programs: [medicaid]``); data of another CMS program (CHIP) breaks
DKT148-PROGRAMS, and only it.

What the reference holds: eligibility (ssn, sex, race, eligibility...; all populations; Medicaid),
claims (medical; all populations; Medicaid), CHIP enrollment (CHIP, SSE-S3), the extract (the six
fields; unlawfully_present; Medicaid). Eligibility and claims are SSE-KMS: reaching them needs
kms:Decrypt on their keys too; CHIP does not.

The variants of "Reach at organisation scale" reach through one edge each: an IAM rewrite (a role
that may rewrite its own policies gets any permission the resource side allows: eligibility and
claims, whose key policies delegate to IAM, and CHIP; a rewrite of another role's trust policy, or a
user's group, password or access key, gets that principal's reads), iam:PassRole into Lambda or new
code for a function (the function's role reads), SAML federation (a role trusting a provider the party
declares belongs to the party), S3 replication (the replica counts as the source holding's data), an
access point (granting only where the bucket policy delegates to access points), a Lake Formation
column grant (reaching only the granted columns' fields: the TAF table, whose ``elgblty_grp_cd`` column
would break DKT148-MEDICAL, is granted without it). Their deployed state is asserted field by field in
:func:`test_variant_snapshot`, whatever reach makes of it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

import pytest
import yaml

from enjoin.backends.moto import MotoBackend
from enjoin.config import load
from enjoin.engine import Decision, decide
from enjoin.judgment import Verdict
from enjoin.pipeline import PipelineResult, judge_snapshot, snapshot_of
from enjoin.reach_compute import ways as compute_ways
from enjoin.snapshot import AccessPoint, IdentityProvider, LakeFormationGrant, ReplicationRule, Role, Snapshot, User

ROOT = Path(__file__).resolve().parents[1]
VARIANTS = ROOT / "infra" / "variants"
CMS_ROLE = "arn:aws:iam::111111111111:role/"
DHS_ROLE = "arn:aws:iam::222222222222:role/"
ELIGIBILITY, CLAIMS, CHIP, EXTRACT = (
    "cms-tmsis-eligibility",
    "cms-tmsis-claims",
    "cms-chip-enrollment",
    "cms-dhs-disclosure-extract",
)
MEDICAID_PII = frozenset({"DKT148-FIELDS", "DKT148-MEDICAL", "DKT148-POPULATIONS"})
PROGRAMS = frozenset({"DKT148-PROGRAMS"})
CMS_USER = "arn:aws:iam::111111111111:user/"
TAF_TABLE = "arn:aws:glue:us-east-1:111111111111:table/taf/demographic_eligibility"
MATCH_TABLE = "arn:aws:glue:us-east-1:111111111111:table/dkt148/match_candidates"


class Expected(NamedTuple):  # not a dataclass: tests/test_meta.py loads this file without sys.modules
    clauses: frozenset[str]  # the clause ids whose verdict is VIOLATION
    buckets: frozenset[str]  # the stores of the holdings the findings reach: bucket names, table ARNs
    hop: str  # a principal that must appear on a finding's path (findings give the shortest witness)
    sid: str  # a statement (Sid) that must appear among a finding's statements
    reason: str


CASES: dict[str, Expected] = {
    "direct-grant": Expected(
        MEDICAID_PII,
        frozenset({ELIGIBILITY}),
        CMS_ROLE + "DhsDisclosureReader",
        "ReconcileAgainstEligibility",
        "eligibility reached: ssn etc. (FIELDS), eligibility field (MEDICAL), all populations (POPULATIONS)",
    ),
    "wildcard-resource": Expected(
        PROGRAMS,
        frozenset({CHIP}),
        CMS_ROLE + "DhsDisclosureReader",
        "ReadExtractObjects",
        "cms-*/* matches every store, but only CHIP (SSE-S3) needs no key the role lacks: PROGRAMS",
    ),
    "not-resource": Expected(
        MEDICAID_PII | PROGRAMS,
        frozenset({ELIGIBILITY, CHIP}),
        CMS_ROLE + "DhsDisclosureReader",
        "EverythingButClaims",
        "NotResource claims allows eligibility (object and key) and CHIP: the Medicaid clauses and PROGRAMS",
    ),
    "bucket-policy-dhs-account": Expected(
        PROGRAMS,
        frozenset({CHIP}),
        DHS_ROLE + "IceAnalyst",
        "DhsEligibilityVerification",
        "the DHS account reads CHIP (its analysts may s3:Get* anywhere): PROGRAMS",
    ),
    "principal-star-condition": Expected(
        PROGRAMS,
        frozenset({CHIP}),
        CMS_ROLE + "IceLiaison",
        "PartnerNetworkRead",
        "aws:SourceIp is a condition the party can satisfy: it reads CHIP (shortest witness: IceLiaison)",
    ),
    "role-chain-two-hop": Expected(
        MEDICAID_PII,
        frozenset({CLAIMS}),
        CMS_ROLE + "CmsClaimsAnalyst",
        "ClaimsReconciliationHandOff",
        "IceAnalyst -> DhsDisclosureReader -> CmsClaimsAnalyst reads claims: medical (FIELDS, MEDICAL), all",
    ),
    "managed-policy": Expected(
        MEDICAID_PII,
        frozenset({CLAIMS}),
        CMS_ROLE + "DhsDisclosureReader",
        "ReadClaims",
        "the attached managed policy reads and decrypts claims: medical (FIELDS, MEDICAL), all populations",
    ),
    "group": Expected(
        MEDICAID_PII,
        frozenset({ELIGIBILITY, CLAIMS}),
        "arn:aws:iam::111111111111:user/ice-detailee-jsmith",
        "ReadTmsisObjects",
        "the ICE detailee's group reads eligibility and claims (key policies delegate to IAM)",
    ),
    "kms-key-policy-opens": Expected(
        MEDICAID_PII,
        frozenset({CLAIMS}),
        DHS_ROLE + "IceAnalyst",
        "JointFraudTaskForce",
        "bucket policy and key policy both open claims to the DHS account: medical, all populations",
    ),
    "inline-policy-resource": Expected(
        PROGRAMS,
        frozenset({CHIP}),
        CMS_ROLE + "DhsDisclosureReader",
        "ReadChipEnrollment",
        "an AWS::IAM::Policy resource gives DhsDisclosureReader CHIP: PROGRAMS",
    ),
    "extract-forbidden-field": Expected(
        frozenset({"DKT148-FIELDS"}),
        frozenset({EXTRACT}),
        CMS_ROLE + "IceLiaison",
        "ReadExtract",
        "the extract (reached as designed) is declared with ssn: FIELDS only",
    ),
    "extract-forbidden-population": Expected(
        frozenset({"DKT148-POPULATIONS"}),
        frozenset({EXTRACT}),
        CMS_ROLE + "IceLiaison",
        "ReadExtract",
        "the extract is declared to hold citizens: POPULATIONS only",
    ),
    "extract-forbidden-program": Expected(
        PROGRAMS,
        frozenset({EXTRACT}),
        CMS_ROLE + "IceLiaison",
        "ReadExtract",
        "the extract is declared as CHIP data: PROGRAMS only (the Medicaid clauses do not speak to CHIP)",
    ),
    "extract-shared-under-dkt98": Expected(
        frozenset({"DKT98-NO-SHARING"}),
        frozenset({EXTRACT}),
        CMS_ROLE + "IceLiaison",
        "ReadExtract",
        "the reference judged on 2025-12-01: under Dkt. 98 no plaintiff-state Medicaid data may reach DHS",
    ),
    # --- reach at organisation scale: one edge kind each ---------------------------------------------
    "iam-put-role-policy": Expected(
        MEDICAID_PII | PROGRAMS,
        frozenset({ELIGIBILITY, CLAIMS, CHIP}),
        CMS_ROLE + "DhsDisclosureReader",
        "MaintainOwnInlinePolicies",
        "iam:PutRolePolicy on itself: any identity permission; key policies delegate to IAM, bucket policies "
        "deny nothing DHS needs: eligibility, claims (the Medicaid clauses) and CHIP (PROGRAMS)",
    ),
    "iam-delete-role-policy": Expected(
        PROGRAMS,
        frozenset({CHIP}),
        CMS_ROLE + "DhsDisclosureReader",
        "RetireOwnInlinePolicies",
        "iam:DeleteRolePolicy on itself deletes the inline policy whose explicit Deny kept its broad allow "
        "(cms-*/*) to the extract: CHIP's objects are then read (PROGRAMS)",
    ),
    "iam-attach-role-policy": Expected(
        PROGRAMS,
        frozenset({CHIP}),
        CMS_ROLE + "DhsDisclosureReader",
        "AttachChipVerificationPolicy",
        "iam:AttachRolePolicy on itself, iam:PolicyARN fixed to CmsChipAnalystRead: that policy and no "
        "other, so CHIP only (PROGRAMS), not every policy there is",
    ),
    "iam-create-policy-version": Expected(
        MEDICAID_PII | PROGRAMS,
        frozenset({ELIGIBILITY, CLAIMS, CHIP}),
        CMS_ROLE + "DhsDisclosureReader",
        "MaintainDisclosurePolicyVersions",
        "iam:CreatePolicyVersion on the managed policy attached to itself: a new default version says anything",
    ),
    "iam-update-assume-role-policy": Expected(
        MEDICAID_PII,
        frozenset({CLAIMS}),
        CMS_ROLE + "CmsClaimsAnalyst",
        "ManageReconciliationTrust",
        "iam:UpdateAssumeRolePolicy on CmsClaimsAnalyst: trust itself, assume it, read claims (the key "
        "policy grants the analyst)",
    ),
    "iam-add-user-to-group": Expected(
        MEDICAID_PII,
        frozenset({ELIGIBILITY, CLAIMS}),
        CMS_USER + "ice-detailee-jsmith",
        "ManageLiaisonOfficeMembership",
        "iam:AddUserToGroup on group/Cms*: the detailee joins Program Integrity, which reads eligibility and claims",
    ),
    "iam-create-access-key": Expected(
        MEDICAID_PII,
        frozenset({ELIGIBILITY, CLAIMS}),
        CMS_ROLE + "IceLiaison",
        "RotateServiceUserKeys",
        "iam:CreateAccessKey on user/*: IceLiaison acts as a Program Integrity analyst (eligibility, claims)",
    ),
    "iam-login-profile": Expected(
        MEDICAID_PII,
        frozenset({ELIGIBILITY, CLAIMS}),
        CMS_USER + "pi-analyst-tnguyen",
        "ResetAnalystPasswords",
        "iam:CreateLoginProfile on pi-analyst-tnguyen: a console session as the analyst (eligibility and claims)",
    ),
    "passrole-lambda-create": Expected(
        MEDICAID_PII,
        frozenset({ELIGIBILITY}),
        CMS_ROLE + "CmsDhsDisclosurePipeline",
        "PassPipelineRole",
        "iam:PassRole of the pipeline role to a dhs-* function it creates and invokes: the role reads eligibility",
    ),
    "passrole-lambda-update-code": Expected(
        MEDICAID_PII,
        frozenset({ELIGIBILITY}),
        CMS_ROLE + "CmsDhsDisclosurePipeline",
        "PatchExtractBuilder",
        "lambda:UpdateFunctionCode and InvokeFunction on the builder, which runs as the pipeline role",
    ),
    "saml-federation": Expected(
        MEDICAID_PII,
        frozenset({ELIGIBILITY}),
        CMS_ROLE + "IceFederatedEligibilityCheck",
        "VerifyEligibility",
        "the role trusts DHS-ICE-PIV, a provider the party declares: it belongs to DHS and reads eligibility",
    ),
    "replication-into-dhs-readable": Expected(
        MEDICAID_PII,
        frozenset({ELIGIBILITY}),
        DHS_ROLE + "IceAnalyst",
        "DecryptSharedPartnerData",
        "taf/de/ replicas (SSE-KMS objects selected, re-encrypted with an ICE key) land in an ICE bucket: "
        "the replicas are eligibility data",
    ),
    "access-point-delegated": Expected(
        PROGRAMS,
        frozenset({CHIP}),
        DHS_ROLE + "IceAnalyst",
        "DhsEligibilityVerification",
        "the CHIP bucket delegates to its account's access points; one grants the DHS account: PROGRAMS",
    ),
    "iam-update-login-profile": Expected(
        MEDICAID_PII,
        frozenset({ELIGIBILITY, CLAIMS}),
        CMS_USER + "pi-analyst-dkim",
        "ResetReferralAnalystPassword",
        "iam:UpdateLoginProfile on pi-analyst-dkim, who has a console password (LoginProfile): a console "
        "session as the analyst, whose group reads eligibility and claims",
    ),
    "access-point-same-account-delegated": Expected(
        PROGRAMS,
        frozenset({CHIP}),
        CMS_ROLE + "DhsDisclosureReader",
        "DisclosureReconciliationLookups",
        "the CHIP bucket delegates to its account's access points; one grants DhsDisclosureReader, the CMS role "
        "DHS assumes: PROGRAMS",
    ),
    "lake-formation-column-grant": Expected(
        frozenset({"DKT148-FIELDS", "DKT148-POPULATIONS"}),
        frozenset({TAF_TABLE}),
        CMS_ROLE + "DhsDisclosureReader",
        "QueryThroughLakeFormation",
        "SELECT on msis_ident_num, ssn_num, birth_dt: ssn (FIELDS), all populations (POPULATIONS); not "
        "MEDICAL, since elgblty_grp_cd (eligibility) is not granted",
    ),
}
# The expected VIOLATION clause sets alone (tests/test_meta.py reads this name).
EXPECTED: dict[str, frozenset[str]] = {name: case.clauses for name, case in CASES.items()}
LOOKALIKES = {
    "lookalike-explicit-deny": "an explicit Deny with NotResource keeps cms-*/* to the extract",
    "lookalike-boundary": "the permissions boundary allows only the extract",
    "lookalike-condition-dhs-cannot-meet": "aws:PrincipalAccount = CMS; DHS's CMS roles cannot decrypt",
    "lookalike-kms-closed": "the claims key policy gives DHS nothing: the objects stay unreadable",
    "lookalike-passrole-blocked-by-condition": "iam:PassedToService is EC2 only: no function gets the role",
    "lookalike-replication-into-closed-bucket": "the retention archive is as closed as its source",
    "lookalike-replication-without-kms-objects": "the rule selects no SSE-KMS object, and all are SSE-KMS",
    "lookalike-access-point-without-delegation": "the access point grants DHS; the bucket does not delegate",
    "lookalike-access-point-same-account-without-delegation": "the access point grants a CMS role DHS assumes; "
    "the bucket neither delegates nor grants it, and the role's identity policies cover neither ARN",
    "lookalike-update-login-profile-without-password": "iam:UpdateLoginProfile on a Program Integrity analyst "
    "without a console password: it can change a password, not create one",
    "lookalike-party-principal-in-own-account": "the party's principals name a role of its own account that is "
    "not deployed: allowed, and it changes nothing",
    "lookalike-lake-formation-six-fields": "a grant within the six fields of unlawfully present records",
    "lookalike-lake-formation-without-iam": "a whole-table grant without lakeformation:GetDataAccess: none",
}



# IAM paths of "Every path to the data", item 2: a group policy attached by its member, a boundary lifted.
CASES["bucket-policy-rewrite"] = Expected(
    MEDICAID_PII,
    frozenset({CLAIMS}),
    CMS_ROLE + "DhsDisclosureReader",
    "MaintainClaimsBucketPolicy",
    "s3:PutBucketPolicy on the claims bucket, and kms:Decrypt of the claims key through S3: the policy it would "
    "write admits it, and the claims are medical records of every population",
)
LOOKALIKES["lookalike-bucket-policy-rewrite-extract-only"] = (
    "s3:PutBucketPolicy on the extract bucket only, which DHS reads already: the claims key opens no bucket"
)
# S3 access points the party creates, or whose policy it replaces (issue "Every path to the data").
CASES["access-point-create"] = Expected(
    PROGRAMS,
    frozenset({CHIP}),
    CMS_ROLE + "DhsDisclosureReader",
    "CreateLookupAccessPoints",
    "s3:CreateAccessPoint of a disclosure-* access point, which it may read through; the CHIP bucket delegates to the "
    "account's access points: it creates one for CHIP (PROGRAMS)",
)
LOOKALIKES["lookalike-access-point-create-read-only"] = (
    "it may read through disclosure-* access points but not create one, and none exists"
)
CASES["access-point-policy-rewrite"] = Expected(
    PROGRAMS,
    frozenset({CHIP}),
    CMS_ROLE + "DhsDisclosureReader",
    "MaintainChipAnalystsAccessPointPolicy",
    "s3:PutAccessPointPolicy on the CHIP analysts' access point: the policy it would write admits it, and the CHIP "
    "bucket delegates to the account's access points (PROGRAMS)",
)
LOOKALIKES["lookalike-access-point-policy-rewrite-without-delegation"] = (
    "it may replace the CHIP analysts' access point policy, but the bucket neither delegates nor grants it"
)
CASES["replication-configured-by-dhs"] = Expected(
    PROGRAMS,
    frozenset({CHIP}),
    CMS_ROLE + "DhsDisclosureReader",
    "ConfigureChipBackupReplication",
    "s3:PutReplicationConfiguration on the CHIP bucket and iam:PassRole of its backup role, whose replicas may go "
    "into any cms-*-backup bucket: DHS creates one and new CHIP enrollment is copied into it (PROGRAMS)",
)
LOOKALIKES["lookalike-replication-configured-into-cms-backup"] = (
    "it may configure the CHIP bucket's replication, but the backup role writes only into CMS's own backup bucket"
)
CASES["batch-copy-by-dhs"] = Expected(
    PROGRAMS,
    frozenset({CHIP}),
    CMS_ROLE + "DhsDisclosureReader",
    "StartChipExportJobs",
    "s3:CreateJob and iam:PassRole of the CHIP export role, which may copy into any cms-*-exports bucket: DHS "
    "creates one and an S3 Batch Operations job copies the existing CHIP enrollment into it (PROGRAMS)",
)
LOOKALIKES["lookalike-batch-copy-tagging-only"] = (
    "it may create S3 Batch Operations jobs as the CHIP export role, but only jobs that tag objects"
)
CASES["object-acl-grant"] = Expected(
    PROGRAMS,
    frozenset({CHIP}),
    CMS_ROLE + "DhsDisclosureReader",
    "RepairChipObjectAcls",
    "s3:PutObjectAcl on CHIP objects, whose bucket keeps ACLs enabled (ObjectWriter): it grants DHS's account READ, "
    "and DHS reads CHIP enrollment (PROGRAMS)",
)
LOOKALIKES["lookalike-object-acl-grant-acls-disabled"] = (
    "it may set CHIP objects' ACLs, but the bucket enforces bucket-owner ownership: ACLs grant nothing"
)
CASES["object-acl-written-by-dhs"] = Expected(
    PROGRAMS,
    frozenset({CHIP}),
    "arn:aws:iam::222222222222:role/enjoin-party-controlled",
    "DhsAcknowledgesMatchedFiles",
    "the CHIP bucket policy lets DHS's account put objects' ACLs, and ACLs are enabled (ObjectWriter): DHS grants "
    "its own account READ and reads CHIP enrollment (PROGRAMS)",
)
CASES["lake-formation-admin"] = Expected(
    frozenset({"DKT148-FIELDS", "DKT148-MEDICAL", "DKT148-POPULATIONS"}),
    frozenset({TAF_TABLE}),
    CMS_ROLE + "DhsDisclosureReader",
    "ManageVerificationGrants",
    "a data lake administrator allowed lakeformation:GrantPermissions grants itself SELECT on every column: ssn "
    "(FIELDS), eligibility (MEDICAL), all populations (POPULATIONS)",
)
CASES["iam-attach-group-policy"] = Expected(
    MEDICAID_PII | PROGRAMS,
    frozenset({ELIGIBILITY, CLAIMS, CHIP}),
    CMS_USER + "ice-detailee-jsmith",
    "ManageLiaisonOfficePolicies",
    "iam:AttachGroupPolicy on its own group, any policy: AdministratorAccess reads eligibility, claims and CHIP",
)
CASES["iam-delete-role-permissions-boundary"] = Expected(
    PROGRAMS,
    frozenset({CHIP}),
    CMS_ROLE + "IceLiaison",
    "MaintainReaderBoundary",
    "IceLiaison deletes the reader's boundary; cms-*/* then reads CHIP (SSE-S3; the reader has no Medicaid key)",
)
EXPECTED.update({name: CASES[name].clauses for name in ("iam-attach-group-policy",
                                                        "iam-delete-role-permissions-boundary")})
LOOKALIKES.update({
    "lookalike-attach-group-policy-limited": "iam:PolicyARN admits only IAMUserChangePassword: nothing to read",
    "lookalike-delete-role-policy-managed-guardrail": "the Deny is a managed policy: DeleteRolePolicy deletes inline "
                                                      "policies only, and the role may not detach it",
    "lookalike-put-role-permissions-boundary-same": "iam:PermissionsBoundary admits only the boundary it has",
    "lookalike-delete-own-boundary-bounded": "the reader's boundary does not allow it to delete the boundary",
})
# A role the party creates, gives a policy and assumes (item 2, iam:CreateRole).
CASES["iam-create-role"] = Expected(
    PROGRAMS,
    frozenset({CHIP}),
    CMS_ROLE + "DhsDisclosureReader",
    "CreateVerificationRoles",
    "iam:CreateRole of role/dhs-verification-*, CmsChipAnalystRead attached to it, then assumed: CHIP (PROGRAMS)",
)
EXPECTED["iam-create-role"] = CASES["iam-create-role"].clauses
LOOKALIKES["lookalike-create-role-bounded"] = (
    "iam:CreateRole only with DhsVerificationBoundary, which allows no read: the CHIP policy attached reads nothing"
)
# A layer added to an existing function (UpdateFunctionConfiguration, no PassRole).
CASES["lambda-add-layer"] = Expected(
    MEDICAID_PII,
    frozenset({ELIGIBILITY}),
    CMS_ROLE + "CmsDhsDisclosurePipeline",
    "TuneExtractBuilder",
    "lambda:UpdateFunctionConfiguration of the builder with a layer DHS publishes: its code runs as the pipeline role",
)
EXPECTED["lambda-add-layer"] = CASES["lambda-add-layer"].clauses
LOOKALIKES["lookalike-lambda-add-layer-cms-layers-only"] = (
    "lambda:Layer admits only CMS's own layers, and it may publish none: no code of DHS's runs in the builder"
)
# The builder's own resource policy (AWS::Lambda::Permission) grants DHS's account UpdateFunctionCode: DHS's principals,
# whose policies DHS writes, replace its code from their own account, with no CMS identity policy.
CASES["lambda-permission-update-code"] = Expected(
    MEDICAID_PII,
    frozenset({ELIGIBILITY}),
    CMS_ROLE + "CmsDhsDisclosurePipeline",
    "cms-dhs-builder-permission-DhsMaintainsExtractBuilder",
    "the builder's resource policy lets DHS's account replace its code, which runs as the pipeline role",
)
EXPECTED["lambda-permission-update-code"] = CASES["lambda-permission-update-code"].clauses
# lambda-update-function-configuration: a function that runs as a role reading nothing, given the pipeline role.
CASES["passrole-lambda-update-configuration"] = Expected(
    MEDICAID_PII,
    frozenset({ELIGIBILITY}),
    CMS_ROLE + "CmsDhsDisclosurePipeline",
    "PassPipelineRoleToChecks",
    "iam:PassRole of the pipeline role to Lambda, with UpdateFunctionConfiguration and InvokeFunction of the format "
    "check: given that role and invoked, the check runs as a role that reads eligibility",
)
EXPECTED["passrole-lambda-update-configuration"] = CASES["passrole-lambda-update-configuration"].clauses
CASES["passrole-lambda-update-configuration-add-permission"] = Expected(
    MEDICAID_PII,
    frozenset({ELIGIBILITY}),
    CMS_ROLE + "CmsDhsDisclosurePipeline",
    "PassPipelineRoleToChecks",
    "iam:PassRole of the pipeline role to Lambda, with UpdateFunctionConfiguration and AddPermission of the format "
    "check: it grants itself InvokeFunction in the check's policy, and the check runs as a role that reads eligibility",
)
EXPECTED["passrole-lambda-update-configuration-add-permission"] = (
    CASES["passrole-lambda-update-configuration-add-permission"].clauses)
LOOKALIKES["lookalike-lambda-update-configuration-no-invoke"] = (
    "the format check may be given the pipeline role but not invoked, and nothing else invokes it: it never runs so"
)
LOOKALIKES["lookalike-lambda-permission-get-function"] = (
    "the builder's resource policy lets DHS's account only read its code (lambda:GetFunction): nothing of DHS's runs"
)

def _generated() -> Iterator[tuple[str, dict[str, Any]]]:
    """The variants of the compute-as-role table (scripts/gen_compute_variants.py), each with its expected.yaml."""
    for directory in sorted(VARIANTS.glob("*compute-*")):
        yield directory.name, yaml.safe_load((directory / "expected.yaml").read_text(encoding="utf-8"))


# A violating one: DHS -> DhsDisclosureReader, which passes the way's workload role to its service and makes the
# way's requests; the role reads eligibility (the Medicaid clauses). A look-alike: one change AWS would refuse.
GENERATED = dict(_generated())
# A doubt: an unsettled way whose path holds under some readings only (reach_compute.yaml's `unsettled`).
DOUBTS: dict[str, dict[str, Any]] = {}
for _name, _expected in GENERATED.items():
    if _expected["outcome"] == "VIOLATION":
        CASES[_name] = Expected(MEDICAID_PII, frozenset({ELIGIBILITY}), _expected["hop"], _expected["sid"],
                                f"way {_expected['way']} of the compute table: the workload role reads eligibility")
        EXPECTED[_name] = MEDICAID_PII
    elif _expected["outcome"] == "INDETERMINATE":
        DOUBTS[_name] = _expected
    else:
        LOOKALIKES[_name] = _expected["reason"]


def test_the_generated_variants_are_those_the_table_gives() -> None:
    from enjoin.reach_compute import ways

    modeled = {w.id for w in ways() if w.modeled and (w.takes_over is not None or (
        w.pass_role and (not w.existing or w.needs is not None)))}
    assert {e["way"] for n, e in GENERATED.items() if n == f"compute-{e['way']}"} == modeled
    assert {e["way"] for e in DOUBTS.values()} <= {w.id for w in ways() if w.unsettled is not None}
    looks = {e["way"] for e in GENERATED.values() if e["outcome"] == "COMPLIANT"}
    assert len(looks) * 3 >= len(modeled), "a compliant look-alike for at least a third of the ways"
    takeovers = {w.id for w in ways() if w.modeled and w.takes_over is not None}
    assert len(looks & takeovers) * 3 >= len(takeovers), "and of the ways through existing compute"

# The rows on existing Lambda functions, which the generator does not write: each row's hand-written violating variant.
FUNCTION_ROW_VARIANTS = {
    "lambda-update-function-code": "passrole-lambda-update-code",
    "lambda-add-layer": "lambda-add-layer",
    "lambda-update-function-configuration": "passrole-lambda-update-configuration",
    "lambda-update-function-configuration-add-permission": "passrole-lambda-update-configuration-add-permission",
}


def test_every_modeled_row_of_the_compute_table_has_a_violating_or_doubting_variant() -> None:
    from enjoin.reach_compute import ways

    generated = {e["way"] for n, e in GENERATED.items() if n == f"compute-{e['way']}"}
    modeled = {w.id for w in ways() if w.modeled}
    assert modeled - generated == set(FUNCTION_ROW_VARIANTS)
    assert set(FUNCTION_ROW_VARIANTS.values()) <= set(CASES)


_SNAPSHOTS: dict[str, Snapshot] = {}


@pytest.fixture(scope="module")
def backend() -> Iterator[MotoBackend]:
    """One in-process moto for every variant (reset before each deployment): starting moto is not free."""
    started = MotoBackend()
    started.start()
    yield started
    started.stop()


def snapshot(name: str, backend: MotoBackend) -> Snapshot:
    """The variant deployed and read back through the pipeline, once per session (tests share it)."""
    if name not in _SNAPSHOTS:
        backend.reset()
        _SNAPSHOTS[name] = snapshot_of(load(VARIANTS / name / "enjoin.yaml"), backend)
    return _SNAPSHOTS[name]


def run(name: str, backend: MotoBackend) -> PipelineResult:
    return judge_snapshot(load(VARIANTS / name / "enjoin.yaml"), snapshot(name, backend))


def store(holding: str) -> str:
    """The store of a holding: the bucket of an S3 holding, the ARN of a table."""
    match = re.match(r"arn:aws:s3:::([^/]+)", holding)
    return match.group(1) if match else holding


def violations(result: PipelineResult) -> set[str]:
    return {c.id for c in result.judgment.clauses if c.verdict is Verdict.VIOLATION}


def indeterminate(result: PipelineResult) -> set[str]:
    return {c.id for c in result.judgment.clauses if c.verdict is Verdict.INDETERMINATE}


# Variants whose holdings stay INDETERMINATE for want of what the inventory cannot read: the reason each names.
ACL_DOUBTS = {
    "object-acls-enabled": "arn:aws:s3:::cms-chip-enrollment has ACLs enabled (ObjectOwnership ObjectWriter)",
}


def test_every_variant_directory_is_expected() -> None:
    on_disk = {p.name for p in VARIANTS.iterdir() if p.is_dir()}
    assert on_disk == set(CASES) | set(LOOKALIKES) | set(DOUBTS) | set(ACL_DOUBTS)
    for name in on_disk:
        config = yaml.safe_load((VARIANTS / name / "enjoin.yaml").read_text())
        assert config["extends"] == "../../../enjoin.yaml", name
        for template in config.get("templates", []):
            local = VARIANTS / name / template["path"]
            if local.parent == VARIANTS / name:  # a template of the variant's own: the change is marked
                assert "VARIANT" in local.read_text(), (name, template["path"])


@pytest.mark.parametrize("name", sorted(CASES))
def test_violating_variant(name: str, backend: MotoBackend) -> None:
    expected = CASES[name]
    result = run(name, backend)
    assert result.judgment.verdict is Verdict.VIOLATION
    assert violations(result) == expected.clauses, expected.reason
    assert indeterminate(result) == set()
    # A VIOLATION clause may also list what could not be decided beside the path (object-acl-grant: what other
    # objects' ACLs say): the findings with the verdict are the paths.
    findings = [f for c in result.judgment.clauses if c.verdict is Verdict.VIOLATION for f in c.findings
                if f.verdict is Verdict.VIOLATION]
    # The holding, not the resource read: a replica's objects are the source holding's data.
    reached = {store(f.holding) for f in findings}
    assert reached == expected.buckets
    assert all(f.path and f.statements and f.message for f in findings)
    assert any(expected.hop in f.path for f in findings), [f.path for f in findings]
    assert any(s.sid == expected.sid for f in findings for s in f.statements)
    # Every hop of every path, re-decided concretely under its witness context, is allowed.
    hops = [(h, request) for f in findings for h in f.hops if (request := h.request) is not None]
    assert {(h.principal, h.action, h.resource, decide(request).decision) for h, request in hops} == {
        (h.principal, h.action, h.resource, Decision.ALLOW) for h, _ in hops
    }


@pytest.mark.parametrize("name", sorted(LOOKALIKES))
def test_lookalike_stays_compliant(name: str, backend: MotoBackend) -> None:
    result = run(name, backend)
    assert result.judgment.verdict is Verdict.COMPLIANT, LOOKALIKES[name]
    assert violations(result) == set()
    assert indeterminate(result) == set()
    assert [f for c in result.judgment.clauses for f in c.findings] == []


@pytest.mark.parametrize("name", sorted(ACL_DOUBTS))
def test_acls_enabled_leave_the_bucket_indeterminate_naming_it(name: str, backend: MotoBackend) -> None:
    """ACLs enabled on the CHIP bucket, and nobody DHS reaches may set them: what the objects' ACLs say is not read,
    so CHIP is INDETERMINATE for DHS (not COMPLIANT, not a VIOLATION), the finding naming the bucket's setting."""
    result = run(name, backend)
    assert result.judgment.verdict is Verdict.INDETERMINATE
    assert violations(result) == set()
    assert indeterminate(result) == PROGRAMS
    findings = [f for c in result.judgment.clauses for f in c.findings]
    assert {store(f.holding) for f in findings} == {CHIP}
    assert all(ACL_DOUBTS[name] in f.message for f in findings), findings[0].message


@pytest.mark.parametrize("name", sorted(DOUBTS))
def test_unsettled_variant_is_indeterminate_naming_the_row(name: str, backend: MotoBackend) -> None:
    """A path that holds under some readings of its row's unsettled question only: eligibility's clauses are
    INDETERMINATE (what the workload role reads), none a VIOLATION, and the finding names the row."""
    expected = DOUBTS[name]
    result = run(name, backend)
    assert result.judgment.verdict is Verdict.INDETERMINATE, expected["reason"]
    assert violations(result) == set()
    assert indeterminate(result) == MEDICAID_PII
    findings = [f for c in result.judgment.clauses for f in c.findings]
    assert {store(f.holding) for f in findings} == {ELIGIBILITY}
    # The row, or one the same permissions open too (expected.yaml's `also`), which the finding may name instead.
    rows = (expected["way"], *expected.get("also", ()))
    assert all(any(f"{row} holds under some readings" in f.message for row in rows) for f in findings), (
        findings[0].message)
    assert {f.resource for f in findings} == {expected["hop"]}


# --- the deployed state of the organisation-scale variants, field by field ----------------------------

CMS, DHS = "111111111111", "222222222222"
READER = CMS_ROLE + "DhsDisclosureReader"
PIPELINE_ROLE = CMS_ROLE + "CmsDhsDisclosurePipeline"
REPLICATION_ROLE = CMS_ROLE + "CmsTmsisReplication"
EXTRACT_POLICY = "ReadDisclosureExtract"  # DhsDisclosureReader's and IceLiaison's own inline policy
VERSIONED = {
    ELIGIBILITY: "Enabled",
    CLAIMS: "Enabled",
    CHIP: "Enabled",
    EXTRACT: "Enabled",
    "dhs-ice-case-files": None,
}
SAML_PROVIDER = "arn:aws:iam::111111111111:saml-provider/DHS-ICE-PIV"
GITHUB_PROVIDER = "arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com"
BUILDER = "arn:aws:lambda:us-east-1:111111111111:function:cms-dhs-extract-builder"
IDENTITY_COLUMNS = (
    "msis_ident_num",
    "ssn_num",
    "elgbl_1st_name",
    "elgbl_line_1_adr_home",
    "elgbl_phne_num_home",
)
STATUS_COLUMNS = ("birth_dt", "ctznshp_ind", "imgrtn_stus_cd")
SIX_FIELD_COLUMNS = ("msis_ident_num", "elgbl_line_1_adr_home", "elgbl_phne_num_home", *STATUS_COLUMNS)
# What infra/reference/cms-analytics.yaml catalogues and grants.
ANALYTICS_TABLES = {
    (
        TAF_TABLE,
        (*IDENTITY_COLUMNS, *STATUS_COLUMNS, "elgblty_grp_cd", "submtg_state_cd"),
        "s3://cms-tmsis-eligibility/taf/de/",
    ),
    (
        MATCH_TABLE,
        (*IDENTITY_COLUMNS, *STATUS_COLUMNS, "submtg_state_cd"),
        "s3://cms-tmsis-eligibility/dkt148/match-candidates/",
    ),
}
ANALYTICS_GRANTS = {
    LakeFormationGrant(PIPELINE_ROLE, MATCH_TABLE, ("SELECT",)),
    LakeFormationGrant(PIPELINE_ROLE, TAF_TABLE, ("SELECT",)),
    LakeFormationGrant(CMS_ROLE + "CmsMedicaidAnalyst", TAF_TABLE, ("SELECT", "DESCRIBE")),
}
def chip_point(name: str, sid: str, principal: str) -> AccessPoint:
    """An Internet access point of the CHIP bucket, in CMS, whose policy lets ``principal`` read its objects."""
    arn = f"arn:aws:s3:us-east-1:111111111111:accesspoint/{name}"
    statement = {"Sid": sid, "Effect": "Allow", "Principal": {"AWS": principal}, "Action": "s3:GetObject",
                 "Resource": f"{arn}/object/*"}
    return AccessPoint(arn=arn, name=name, account=CMS, region="us-east-1", bucket=CHIP,
                       policy={"Version": "2012-10-17", "Statement": [statement]}, network_origin="Internet")


RECONCILIATION_POINT = chip_point("chip-disclosure-reconciliation", "DisclosureReconciliationLookups",
                                  CMS_ROLE + "DhsDisclosureReader")
CHIP_ANALYSTS_POINT = chip_point("chip-analysts", "ChipAnalystsRead", CMS_ROLE + "CmsChipAnalyst")
ACCESS_POINT = chip_point("chip-eligibility-verification", "DhsEligibilityVerification",
                          "arn:aws:iam::222222222222:root")
BUILDER_POLICY = {
    "Version": "2012-10-17",
    "Id": "default",
    "Statement": [
        {
            "Action": "lambda:InvokeFunction",
            "Principal": {"Service": "events.amazonaws.com"},
            "Effect": "Allow",
            "Resource": BUILDER,
            "Sid": "cms-disclosure-pipeline-NightlyInvocation",
            "Condition": {
                "ArnLike": {"AWS:SourceArn": "arn:aws:events:us-east-1:111111111111:rule/cms-dhs-extract-nightly"},
                "StringEquals": {"AWS:SourceAccount": CMS},
            },
        }
    ],
}


def organisation_fields(snap: Snapshot) -> dict[str, Any]:
    """The Snapshot fields organisation-scale reach reads; a KMS key (random id) is named by its alias."""
    alias = {k.arn: k.aliases[0].rsplit("/", 1)[-1] for k in snap.keys if k.aliases}

    def rule(r: ReplicationRule) -> tuple[Any, ...]:
        key = alias.get(r.replica_kms_key_id or "", r.replica_kms_key_id)
        return (
            r.rule_id,
            r.enabled,
            r.prefix,
            r.destination_bucket,
            r.destination_account,
            key,
            r.sse_kms_objects,
        )

    return {
        "access_points": {_comparable(p) for p in snap.access_points},
        "identity_providers": set(snap.identity_providers),
        "functions": {(f.arn, f.account, f.region, f.role_arn, json.dumps(f.policy)) for f in snap.functions},
        "tables": {(t.arn, t.columns, t.location) for t in snap.tables},
        "grants": set(snap.lake_formation_grants),
        "lake_admins": set(snap.lake_admins),
        "versioning": {b.name: b.versioning for b in snap.buckets},
        "replication": {
            b.name: (b.replication_role, tuple(rule(r) for r in b.replication_rules))
            for b in snap.buckets
            if b.replication_rules or b.replication_role
        },
    }


def _comparable(point: AccessPoint) -> tuple[Any, ...]:
    policy = json.dumps(point.policy, sort_keys=True)
    return (point.arn, point.name, point.account, point.region, point.bucket, policy, point.network_origin)


def fields(**changes: Any) -> dict[str, Any]:
    """The reference's organisation-scale fields (none but versioning), with the variant's changes."""
    base: dict[str, Any] = {
        "access_points": set(),
        "identity_providers": set(),
        "functions": set(),
        "tables": set(),
        "grants": set(),
        "lake_admins": set(),
        "versioning": VERSIONED,
        "replication": {},
    }
    return {**base, **changes}


LAKE_ADMIN = CMS_ROLE + "CmsDataLakeAdministrator"


def lake(grant: LakeFormationGrant | None, admins: frozenset[str] = frozenset({LAKE_ADMIN})) -> dict[str, Any]:
    versioning = {**VERSIONED, "cms-athena-query-results": None}
    grants = ANALYTICS_GRANTS | ({grant} if grant else set())
    return fields(tables=ANALYTICS_TABLES, grants=grants, versioning=versioning, lake_admins=set(admins))


def replicated(rule: tuple[Any, ...], destination: str) -> dict[str, Any]:
    return fields(
        versioning={**VERSIONED, destination: "Enabled"},
        replication={ELIGIBILITY: (REPLICATION_ROLE, (rule,))},
    )


Principals = dict[str, tuple[set[str], set[str]]]  # principal -> (inline policy names, managed policy ARNs)
SNAPSHOTS: dict[str, tuple[dict[str, Any], Principals]] = {
    "iam-put-role-policy": (fields(), {READER: ({EXTRACT_POLICY, "MaintainDisclosureAccess"}, set())}),
    "iam-attach-role-policy": (fields(), {READER: ({EXTRACT_POLICY, "AttachVerificationPolicies"}, set())}),
    "iam-delete-role-policy": (
        fields(), {READER: ({EXTRACT_POLICY, "ExtractOnlyGuardrail", "RetireDisclosurePolicies"}, set())}
    ),
    "lookalike-delete-role-policy-managed-guardrail": (
        fields(),
        {READER: ({EXTRACT_POLICY, "RetireDisclosurePolicies"},
                  {"arn:aws:iam::111111111111:policy/CmsExtractOnlyGuardrail"})},
    ),
    "iam-create-policy-version": (
        fields(),
        {READER: ({EXTRACT_POLICY}, {"arn:aws:iam::111111111111:policy/CmsDhsDisclosureSupport"})},
    ),
    "iam-update-assume-role-policy": (
        fields(),
        {READER: ({EXTRACT_POLICY, "MaintainReconciliationHandOff"}, set())},
    ),
    "iam-add-user-to-group": (
        fields(),
        {CMS_USER + "ice-detailee-jsmith": ({"ManageLiaisonOfficeMembership"}, set())},
    ),
    "iam-create-access-key": (
        fields(),
        {CMS_ROLE + "IceLiaison": ({EXTRACT_POLICY, "RotateServiceUserKeys"}, set())},
    ),
    "iam-login-profile": (fields(), {READER: ({EXTRACT_POLICY, "ReferralDeskPasswordResets"}, set())}),
    "passrole-lambda-create": (fields(), {READER: ({EXTRACT_POLICY, "RunMatchingFunctions"}, set())}),
    "lookalike-passrole-blocked-by-condition": (
        fields(),
        {READER: ({EXTRACT_POLICY, "RunMatchingFunctions"}, set())},
    ),
    "passrole-lambda-update-code": (
        fields(
            identity_providers={IdentityProvider(GITHUB_PROVIDER, CMS, "oidc")},
            functions={(BUILDER, CMS, "us-east-1", PIPELINE_ROLE, json.dumps(BUILDER_POLICY))},
        ),
        {
            READER: ({EXTRACT_POLICY, "MaintainExtractBuilder"}, set()),
            CMS_ROLE + "CmsDisclosurePipelineDeploy": ({"DeployExtractBuilder"}, set()),
        },
    ),
    **{name: (
        fields(
            identity_providers={IdentityProvider(GITHUB_PROVIDER, CMS, "oidc")},
            functions={(BUILDER, CMS, "us-east-1", PIPELINE_ROLE, json.dumps(BUILDER_POLICY))},
        ),
        {
            READER: ({EXTRACT_POLICY, "TuneExtractBuilder"}, set()),
            CMS_ROLE + "CmsDisclosurePipelineDeploy": ({"DeployExtractBuilder"}, set()),
        },
    ) for name in ("lambda-add-layer", "lookalike-lambda-add-layer-cms-layers-only")},
    "saml-federation": (
        fields(identity_providers={IdentityProvider(SAML_PROVIDER, CMS, "saml")}),
        {CMS_ROLE + "IceFederatedEligibilityCheck": ({"VerifyEligibility"}, set())},
    ),
    "replication-into-dhs-readable": (
        replicated(
            (
                "ice-data-sharing-pilot",
                True,
                "taf/de/",
                "arn:aws:s3:::dhs-ice-tmsis-replica",
                DHS,
                "arn:aws:kms:us-east-1:222222222222:alias/ice-cms-replica",
                True,
            ),
            "dhs-ice-tmsis-replica",
        ),
        {REPLICATION_ROLE: ({"ReplicateEligibility"}, set())},
    ),
    "lookalike-replication-without-kms-objects": (
        replicated(
            (
                "ice-data-sharing-pilot",
                True,
                "taf/de/",
                "arn:aws:s3:::dhs-ice-tmsis-replica",
                DHS,
                "arn:aws:kms:us-east-1:222222222222:alias/ice-cms-replica",
                False,
            ),
            "dhs-ice-tmsis-replica",
        ),
        {REPLICATION_ROLE: ({"ReplicateEligibility"}, set())},
    ),
    "lookalike-replication-into-closed-bucket": (
        replicated(
            (
                "retention-archive",
                True,
                "",
                "arn:aws:s3:::cms-tmsis-eligibility-archive",
                None,
                "cms-tmsis-eligibility",
                True,
            ),
            "cms-tmsis-eligibility-archive",
        ),
        {REPLICATION_ROLE: ({"ReplicateEligibility"}, set())},
    ),
    "access-point-delegated": (fields(access_points={_comparable(ACCESS_POINT)}), {}),
    "access-point-same-account-delegated": (fields(access_points={_comparable(RECONCILIATION_POINT)}), {}),
    "lookalike-access-point-same-account-without-delegation": (
        fields(access_points={_comparable(RECONCILIATION_POINT)}),
        {},
    ),
    "iam-update-login-profile": (
        fields(),
        {READER: ({EXTRACT_POLICY, "ReferralDeskPasswordResets"}, set()), CMS_USER + "pi-analyst-dkim": (set(), set())},
    ),
    "lookalike-update-login-profile-without-password": (
        fields(),
        {READER: ({EXTRACT_POLICY, "ReferralDeskPasswordResets"}, set()), CMS_USER + "pi-analyst-dkim": (set(), set())},
    ),
    "lookalike-party-principal-in-own-account": (fields(), {}),
    "lookalike-access-point-without-delegation": (fields(access_points={_comparable(ACCESS_POINT)}), {}),
    "lake-formation-column-grant": (
        lake(LakeFormationGrant(READER, TAF_TABLE, ("SELECT",), ("msis_ident_num", "ssn_num", "birth_dt"))),
        {READER: ({EXTRACT_POLICY, "VerificationQueries"}, set())},
    ),
    "lookalike-lake-formation-six-fields": (
        lake(LakeFormationGrant(READER, MATCH_TABLE, ("SELECT",), (*SIX_FIELD_COLUMNS, "submtg_state_cd"))),
        {READER: ({EXTRACT_POLICY, "VerificationQueries"}, set())},
    ),
    "lookalike-lake-formation-without-iam": (
        lake(LakeFormationGrant(READER, TAF_TABLE, ("SELECT",))),
        {READER: ({EXTRACT_POLICY, "VerificationQueries"}, set())},
    ),
}
for _name in ("access-point-create", "lookalike-access-point-create-read-only"):
    SNAPSHOTS[_name] = (fields(), {READER: ({EXTRACT_POLICY, "DisclosureLookupAccessPoints"}, set())})
for _name in ("access-point-policy-rewrite", "lookalike-access-point-policy-rewrite-without-delegation"):
    SNAPSHOTS[_name] = (
        fields(access_points={_comparable(CHIP_ANALYSTS_POINT)}),
        {READER: ({EXTRACT_POLICY, "MaintainChipAccessPoint"}, set())},
    )
SNAPSHOTS["replication-configured-by-dhs"] = (
    fields(), {READER: ({EXTRACT_POLICY, "MaintainChipBackupReplication"}, set()),
               CMS_ROLE + "CmsChipBackupReplication": ({"ReplicateChipToBackup"}, set())}
)
SNAPSHOTS["lookalike-replication-configured-into-cms-backup"] = (
    fields(versioning={**VERSIONED, "cms-chip-enrollment-backup": "Enabled"}),
    SNAPSHOTS["replication-configured-by-dhs"][1],
)
for _name in ("batch-copy-by-dhs", "lookalike-batch-copy-tagging-only"):
    SNAPSHOTS[_name] = (fields(), {READER: ({EXTRACT_POLICY, "RunChipExportJobs"}, set()),
                                   CMS_ROLE + "CmsChipExportBatch": ({"CopyChipToExports"}, set())})
for _name in ("object-acl-grant", "lookalike-object-acl-grant-acls-disabled"):
    SNAPSHOTS[_name] = (fields(), {READER: ({EXTRACT_POLICY, "RepairChipUploadAcls"}, set())})
SNAPSHOTS["object-acls-enabled"] = (fields(), {READER: ({EXTRACT_POLICY}, set())})
SNAPSHOTS["object-acl-written-by-dhs"] = SNAPSHOTS["object-acls-enabled"]
SNAPSHOTS["lake-formation-admin"] = (
    lake(None, frozenset({LAKE_ADMIN, READER})), {READER: ({EXTRACT_POLICY, "VerificationQueries"}, set())}
)
for _name in ("bucket-policy-rewrite", "lookalike-bucket-policy-rewrite-extract-only"):
    SNAPSHOTS[_name] = (fields(), {READER: ({EXTRACT_POLICY, "MaintainClaimsSharing"}, set())})
SNAPSHOTS["iam-attach-group-policy"] = (
    fields(), {CMS_USER + "ice-detailee-jsmith": ({"ManageLiaisonOfficePolicies"}, set())}
)
SNAPSHOTS["lookalike-attach-group-policy-limited"] = SNAPSHOTS["iam-attach-group-policy"]
for _name in ("passrole-lambda-update-configuration", "lookalike-lambda-update-configuration-no-invoke",
              "passrole-lambda-update-configuration-add-permission"):
    SNAPSHOTS[_name] = (
        fields(identity_providers={IdentityProvider(GITHUB_PROVIDER, CMS, "oidc")},
               functions={(BUILDER, CMS, "us-east-1", PIPELINE_ROLE, json.dumps(BUILDER_POLICY)),
                          ("arn:aws:lambda:us-east-1:111111111111:function:cms-dhs-format-check", CMS, "us-east-1",
                           CMS_ROLE + "CmsDhsFormatCheck", "null")}),
        {READER: ({EXTRACT_POLICY, "MaintainFormatCheck"}, set())},
    )
for _name, _action in (("lambda-permission-update-code", "lambda:UpdateFunctionCode"),
                       ("lookalike-lambda-permission-get-function", "lambda:GetFunction")):
    _granted = {"Action": _action, "Principal": {"AWS": "arn:aws:iam::222222222222:root"}, "Effect": "Allow",
                "Resource": BUILDER, "Sid": "cms-dhs-builder-permission-DhsMaintainsExtractBuilder"}
    _policy = {**BUILDER_POLICY, "Statement": [*BUILDER_POLICY["Statement"], _granted]}
    SNAPSHOTS[_name] = (
        fields(identity_providers={IdentityProvider(GITHUB_PROVIDER, CMS, "oidc")},
               functions={(BUILDER, CMS, "us-east-1", PIPELINE_ROLE, json.dumps(_policy))}),
        {READER: ({EXTRACT_POLICY}, set())},
    )
for _name in ("iam-delete-role-permissions-boundary", "lookalike-put-role-permissions-boundary-same",
              "lookalike-delete-own-boundary-bounded"):
    SNAPSHOTS[_name] = (
        fields(), {READER: ({EXTRACT_POLICY}, set()), CMS_ROLE + "IceLiaison": ({EXTRACT_POLICY}, set())}
    )
for _name in ("iam-create-role", "lookalike-create-role-bounded"):
    SNAPSHOTS[_name] = (fields(), {READER: ({EXTRACT_POLICY, "ProvisionVerificationRoles"}, set())})
_SCRIPTS_WAYS = {w.id for w in compute_ways() if w.takes_over == "glue-job" or w.code}
for _name, _expected in GENERATED.items():
    _role = CMS_ROLE + "CmsCompute" + "".join(p.capitalize() for p in _expected["way"].split("-"))
    # A Glue job's variant, and a build project's whose source is in S3, holds the bucket of its code (unversioned).
    _scripts = {"cms-etl-scripts": None} if _expected["way"] in _SCRIPTS_WAYS else {}
    SNAPSHOTS[_name] = (fields(versioning={**VERSIONED, **_scripts}),
                        {READER: ({EXTRACT_POLICY, "RunComputeWorkloads"}, set()),
                         _role[:len(CMS_ROLE) + 64]: ({"ReadEligibility"}, set())})
ORIGINAL = frozenset(
    {
        *list(CASES)[: list(CASES).index("iam-put-role-policy")],
        "lookalike-explicit-deny",
        "lookalike-boundary",
        "lookalike-condition-dhs-cannot-meet",
        "lookalike-kms-closed",
    }
)


def test_every_organisation_scale_variant_has_a_snapshot_expectation() -> None:
    assert set(SNAPSHOTS) == (set(CASES) | set(LOOKALIKES) | set(DOUBTS) | set(ACL_DOUBTS)) - ORIGINAL


@pytest.mark.parametrize("name", sorted(SNAPSHOTS))
def test_variant_snapshot(name: str, backend: MotoBackend) -> None:
    """What deploy and inventory make of the variant, exactly, whatever reach makes of it."""
    expected, principals = SNAPSHOTS[name]
    snap = snapshot(name, backend)
    assert organisation_fields(snap) == expected
    owners: tuple[Role | User, ...] = (*snap.roles, *snap.users)
    by_arn = {p.arn: p for p in owners}
    found = {
        arn: ({p.name for p in by_arn[arn].inline_policies}, set(by_arn[arn].managed_policy_arns)) for arn in principals
    }
    assert found == principals


def statement(snap: Snapshot, principal: str, policy: str, sid: str) -> dict[str, Any]:
    owners: tuple[Role | User, ...] = (*snap.roles, *snap.users)
    owner = next(p for p in owners if p.arn == principal)
    document = next(p.document for p in owner.inline_policies if p.name == policy)
    found: dict[str, Any] = next(s for s in document["Statement"] if s.get("Sid") == sid)
    return found


def test_an_instance_profile_is_read_back_with_its_role(backend: MotoBackend) -> None:
    snap = snapshot("compute-ec2-run-instances", backend)
    role = next(r for r in snap.roles if r.name == "CmsComputeEc2RunInstances")
    assert role.instance_profiles == ("arn:aws:iam::111111111111:instance-profile/CmsComputeEc2RunInstances",)
    without = snapshot("compute-autoscaling-launch-configuration", backend)
    other = next(r for r in without.roles if r.name == "CmsComputeAutoscalingLaunchConfiguration")
    assert other.instance_profiles == ()


def test_variant_mistakes_are_deployed_as_written(backend: MotoBackend) -> None:
    """The one statement, trust policy, group or bucket policy a variant changes, as read back."""

    def chip_sids(name: str) -> list[str]:
        chip = next(b for b in snapshot(name, backend).buckets if b.name == CHIP)
        assert chip.policy is not None
        return [s["Sid"] for s in chip.policy["Statement"]]

    assert chip_sids("access-point-delegated") == ["DenyInsecureTransport", "DelegateToAccessPoints"]
    assert chip_sids("lookalike-access-point-without-delegation") == ["DenyInsecureTransport"]
    assert chip_sids("access-point-same-account-delegated") == ["DenyInsecureTransport", "DelegateToAccessPoints"]
    assert chip_sids("lookalike-access-point-same-account-without-delegation") == ["DenyInsecureTransport"]
    for name in ("access-point-create", "lookalike-access-point-create-read-only", "access-point-policy-rewrite"):
        assert chip_sids(name) == ["DenyInsecureTransport", "DelegateToAccessPoints"], name
    assert chip_sids("lookalike-access-point-policy-rewrite-without-delegation") == ["DenyInsecureTransport"]
    # Object Ownership: as the template declares it; a bucket whose template declares none gets S3's default.
    ownership = {
        name: next(b.ownership for b in snapshot(name, backend).buckets if b.name == CHIP)
        for name in ("object-acl-grant", "object-acls-enabled", "lookalike-object-acl-grant-acls-disabled",
                     "object-acl-written-by-dhs")
    }
    assert ownership == {"object-acl-grant": "ObjectWriter", "object-acls-enabled": "ObjectWriter",
                         "lookalike-object-acl-grant-acls-disabled": "BucketOwnerEnforced",
                         "object-acl-written-by-dhs": "ObjectWriter"}
    assert chip_sids("object-acl-written-by-dhs") == ["DenyInsecureTransport", "DhsAcknowledgesMatchedFiles"]
    # The console password: deployed from LoginProfile and read back; none where the template gives none.
    consoles = {
        name: {u.name: u.login_profile for u in snapshot(name, backend).users}
        for name in ("iam-update-login-profile", "lookalike-update-login-profile-without-password", "iam-login-profile")
    }
    analysts = {"pi-analyst-mrivera": False, "pi-analyst-tnguyen": False}
    assert consoles == {
        "iam-update-login-profile": {**analysts, "pi-analyst-dkim": True},
        "lookalike-update-login-profile-without-password": {**analysts, "pi-analyst-dkim": False},
        "iam-login-profile": analysts,
    }
    passrole = {
        name: statement(snapshot(name, backend), READER, "RunMatchingFunctions", "PassPipelineRole").get("Condition")
        for name in ("passrole-lambda-create", "lookalike-passrole-blocked-by-condition")
    }
    assert passrole == {
        "passrole-lambda-create": None,
        "lookalike-passrole-blocked-by-condition": {"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}},
    }
    attach = statement(
        snapshot("iam-attach-role-policy", backend),
        READER,
        "AttachVerificationPolicies",
        "AttachChipVerificationPolicy",
    )
    assert attach["Condition"] == {
        "ArnEquals": {"iam:PolicyARN": "arn:aws:iam::111111111111:policy/CmsChipAnalystRead"}
    }
    federated = next(r for r in snapshot("saml-federation", backend).roles if r.name == "IceFederatedEligibilityCheck")
    assert federated.trust_policy["Statement"][0]["Principal"] == {"Federated": SAML_PROVIDER}
    detailees = snapshot("iam-add-user-to-group", backend)
    detailee = next(u for u in detailees.users if u.name == "ice-detailee-jsmith")
    assert detailee.group_arns == ("arn:aws:iam::111111111111:group/CmsIceLiaisonOffice",)
    assert {g.name for g in detailees.groups} == {"CmsProgramIntegrity", "CmsIceLiaisonOffice"}
    support = next(
        p for p in snapshot("iam-create-policy-version", backend).policies if p.name == "CmsDhsDisclosureSupport"
    )
    assert [s["Sid"] for s in support.document["Statement"]] == [
        "LocateExtract",
        "MaintainDisclosurePolicyVersions",
    ]
