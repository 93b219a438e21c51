"""Inventory: what the reference deployment reads back, exactly; absent configuration; JSON round trip."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from enjoin.backends.moto import MotoBackend
from enjoin.config import load
from enjoin.deploy import Deployment, deploy
from enjoin.errors import InventoryError
from enjoin.inventory import Declared, document, inventory
from enjoin.snapshot import (
    AccessPoint,
    Bucket,
    IdentityProvider,
    LakeFormationGrant,
    ReplicationRule,
    Snapshot,
)

ROOT = Path(__file__).resolve().parents[1]
CMS, DHS = "111111111111", "222222222222"
REGION = "us-east-1"


@pytest.fixture(scope="module")
def deployed(moto: MotoBackend) -> tuple[Deployment, Snapshot]:
    moto.reset()
    deployment = deploy(moto, load(ROOT / "enjoin.yaml"))
    return deployment, inventory(moto, (CMS, DHS), REGION, deployment.organization)


@pytest.fixture(scope="module")
def snapshot(deployed: tuple[Deployment, Snapshot]) -> Snapshot:
    return deployed[1]


def test_roles(snapshot: Snapshot) -> None:
    assert {(r.account, r.name) for r in snapshot.roles} == {
        (CMS, "CmsKmsKeyAdministrator"),
        (CMS, "CmsTmsisIngestPipeline"),
        (CMS, "CmsDhsDisclosurePipeline"),
        (CMS, "CmsMedicaidAnalyst"),
        (CMS, "CmsClaimsAnalyst"),
        (CMS, "CmsChipAnalyst"),
        (CMS, "DhsDisclosureReader"),
        (CMS, "IceLiaison"),
        (DHS, "IceAnalyst"),
        (DHS, "IceEnforcement"),
    }
    roles = {r.name: r for r in snapshot.roles}
    reader = roles["DhsDisclosureReader"]
    assert reader.arn == f"arn:aws:iam::{CMS}:role/DhsDisclosureReader"
    assert [p.name for p in reader.inline_policies] == ["ReadDisclosureExtract"]
    assert reader.managed_policy_arns == ()
    assert reader.permissions_boundary_arn is None
    assert reader.tags == {"Disclosure": "dkt-148", "Counterparty": "dhs-ice"}
    assert reader.trust_policy["Statement"][0]["Condition"] == {
        "StringEquals": {"sts:ExternalId": "cms-dhs-iaa-2025-0147-ice"},
        "ArnLike": {
            "aws:PrincipalArn": [
                f"arn:aws:iam::{DHS}:role/IceAnalyst",
                f"arn:aws:iam::{DHS}:role/IceEnforcement",
            ]
        },
    }
    assert reader.role_id.startswith("AROA")
    ingest = roles["CmsTmsisIngestPipeline"]
    assert ingest.permissions_boundary_arn == f"arn:aws:iam::{CMS}:policy/CmsWorkloadBoundary"
    assert ingest.managed_policy_arns == (
        f"arn:aws:iam::{CMS}:policy/CmsDataLakeIngest",
        "arn:aws:iam::aws:policy/service-role/AWSGlueServiceRole",
    )
    assert roles["IceAnalyst"].managed_policy_arns == (
        f"arn:aws:iam::{DHS}:policy/IceCaseFilesAccess",
        "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",
    )
    assert [s["Sid"] for s in roles["IceAnalyst"].inline_policies[0].document["Statement"]] == [
        "AssumeCmsDisclosureReader",
        "DecryptSharedPartnerData",
    ]


def test_users_and_groups(snapshot: Snapshot) -> None:
    group_arn = f"arn:aws:iam::{CMS}:group/CmsProgramIntegrity"
    assert {(u.name, u.group_arns, tuple(sorted(u.tags.items()))) for u in snapshot.users} == {
        ("pi-analyst-mrivera", (group_arn,), (("Division", "program-integrity"),)),
        ("pi-analyst-tnguyen", (group_arn,), (("Division", "program-integrity"),)),
    }
    users = {u.name: u for u in snapshot.users}
    assert [p.name for p in users["pi-analyst-mrivera"].inline_policies] == ["ManageOwnCredentials"]
    assert users["pi-analyst-tnguyen"].inline_policies == ()
    # Neither has a console password (GetLoginProfile: NoSuchEntity), which is read as False, not unknown.
    assert {name: user.login_profile for name, user in users.items()} == {
        "pi-analyst-mrivera": False,
        "pi-analyst-tnguyen": False,
    }
    assert len(snapshot.groups) == 1
    group = snapshot.groups[0]
    assert (group.arn, group.account, group.managed_policy_arns) == (
        group_arn,
        CMS,
        (f"arn:aws:iam::{CMS}:policy/CmsTmsisAnalystRead",),
    )
    assert [p.name for p in group.inline_policies] == ["DecryptDataLakeThroughS3"]


def test_managed_policies(snapshot: Snapshot) -> None:
    assert {(p.arn, p.name) for p in snapshot.policies} == {
        (f"arn:aws:iam::{CMS}:policy/CmsWorkloadBoundary", "CmsWorkloadBoundary"),
        (f"arn:aws:iam::{CMS}:policy/CmsTmsisAnalystRead", "CmsTmsisAnalystRead"),
        (f"arn:aws:iam::{CMS}:policy/CmsChipAnalystRead", "CmsChipAnalystRead"),
        (f"arn:aws:iam::{CMS}:policy/CmsDataLakeIngest", "CmsDataLakeIngest"),
        (f"arn:aws:iam::{DHS}:policy/IceCaseFilesAccess", "IceCaseFilesAccess"),
        # AWS-managed: only those attached to a principal of the accounts
        ("arn:aws:iam::aws:policy/ReadOnlyAccess", "ReadOnlyAccess"),
        ("arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess", "AmazonS3ReadOnlyAccess"),
        ("arn:aws:iam::aws:policy/service-role/AWSGlueServiceRole", "AWSGlueServiceRole"),
        ("arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole", "AWSLambdaBasicExecutionRole"),
    }
    policies = {p.name: p for p in snapshot.policies}
    assert [s["Sid"] for s in policies["CmsWorkloadBoundary"].document["Statement"]] == [
        "DataLakeWorkloads",
        "NoIdentityChanges",
    ]
    s3_read = policies["AmazonS3ReadOnlyAccess"].document["Statement"][0]
    assert (s3_read["Effect"], s3_read["Resource"]) == ("Allow", "*")


def test_buckets(deployed: tuple[Deployment, Snapshot]) -> None:
    deployment, snapshot = deployed
    keys = deployment.outputs["cms-keys"]
    assert {
        (b.account, b.name, b.region, b.sse_algorithm, b.kms_key_id, b.bucket_key_enabled)
        for b in snapshot.buckets
    } == {
        (CMS, "cms-tmsis-eligibility", REGION, "aws:kms", keys["EligibilityKeyArn"], True),
        (CMS, "cms-tmsis-claims", REGION, "aws:kms", keys["ClaimsKeyArn"], True),
        (CMS, "cms-chip-enrollment", REGION, "AES256", None, False),
        (CMS, "cms-dhs-disclosure-extract", REGION, "aws:kms", keys["ExtractKeyArn"], True),
        (DHS, "dhs-ice-case-files", REGION, "AES256", None, False),
    }
    buckets = {b.name: b for b in snapshot.buckets}
    sids = {
        name: [s["Sid"] for s in b.policy["Statement"]] if b.policy else None for name, b in buckets.items()
    }
    assert sids == {
        "cms-tmsis-eligibility": ["DenyInsecureTransport", "DenyUploadsWithoutKms"],
        "cms-tmsis-claims": ["DenyInsecureTransport", "DenyUploadsWithoutKms"],
        "cms-chip-enrollment": ["DenyInsecureTransport"],
        "cms-dhs-disclosure-extract": [
            "DenyInsecureTransport",
            "DenyUploadsWithoutKms",
            "ReadOnlyByDisclosureRoles",
        ],
        "dhs-ice-case-files": None,  # no bucket policy: NoSuchBucketPolicy reads as none
    }
    all_blocked = {
        "BlockPublicAcls": True,
        "IgnorePublicAcls": True,
        "BlockPublicPolicy": True,
        "RestrictPublicBuckets": True,
    }
    assert {b.name: (b.public_access_block, b.ownership) for b in snapshot.buckets} == {
        name: (all_blocked, "BucketOwnerEnforced") for name in buckets
    }
    assert buckets["cms-dhs-disclosure-extract"].arn == "arn:aws:s3:::cms-dhs-disclosure-extract"
    assert buckets["cms-dhs-disclosure-extract"].tags == {
        "DataClassification": "PII",
        "Program": "medicaid",
        "Disclosure": "dkt-148",
        "Stage": "prod",
    }


def test_keys(deployed: tuple[Deployment, Snapshot]) -> None:
    deployment, snapshot = deployed
    keys = deployment.outputs["cms-keys"]
    alias = f"arn:aws:kms:{REGION}:{CMS}:alias/"
    assert {(k.arn, k.account, k.region, k.aliases) for k in snapshot.keys} == {
        (keys["EligibilityKeyArn"], CMS, REGION, (alias + "cms-tmsis-eligibility",)),
        (keys["ClaimsKeyArn"], CMS, REGION, (alias + "cms-tmsis-claims",)),
        (keys["ExtractKeyArn"], CMS, REGION, (alias + "cms-dhs-disclosure-extract",)),
    }
    by_arn = {k.arn: k for k in snapshot.keys}
    assert [s["Sid"] for s in by_arn[keys["ClaimsKeyArn"]].policy["Statement"]] == [
        "EnableIamPolicies",
        "AllowKeyAdministration",
        "AllowUseByIngest",
        "AllowDecryptByAnalysts",
    ]
    assert by_arn[keys["ExtractKeyArn"]].tags == {"DataClassification": "PII", "Stage": "prod"}


def test_organization_is_the_deployments(deployed: tuple[Deployment, Snapshot]) -> None:
    deployment, snapshot = deployed
    assert snapshot.organization == deployment.organization
    assert snapshot.accounts == (CMS, DHS)


def test_snapshot_json_round_trip(snapshot: Snapshot, tmp_path: Path) -> None:
    assert Snapshot.from_json(snapshot.to_json()) == snapshot
    snapshot.save(tmp_path / "snapshot.json")
    assert Snapshot.load(tmp_path / "snapshot.json") == snapshot


def test_absent_configuration_reads_as_none(moto: MotoBackend) -> None:
    moto.reset()
    moto.client("s3", DHS, REGION).create_bucket(Bucket="bare-bucket")
    snapshot = inventory(moto, (DHS,), REGION)
    # moto 5.2 applies no default encryption to a bucket created through the API, nor S3's default Object
    # Ownership: a bucket without the setting behaves as ObjectWriter (ACLs enabled), and reads so.
    assert snapshot.buckets == (
        Bucket(arn="arn:aws:s3:::bare-bucket", name="bare-bucket", account=DHS, region=REGION,
               ownership="ObjectWriter"),
    )
    assert (snapshot.roles, snapshot.users, snapshot.groups, snapshot.keys) == ((), (), (), ())


def test_buckets_belong_to_the_listing_account(moto: MotoBackend) -> None:
    moto.reset()
    moto.client("s3", CMS, REGION).create_bucket(Bucket="cms-only")
    moto.client("s3", DHS, REGION).create_bucket(Bucket="dhs-only")
    snapshot = inventory(moto, (CMS, DHS), REGION)
    assert {(b.account, b.name) for b in snapshot.buckets} == {(CMS, "cms-only"), (DHS, "dhs-only")}


def test_organization_read_from_aws_organizations(moto: MotoBackend) -> None:
    moto.reset()
    org = moto.client("organizations", CMS, REGION).create_organization(FeatureSet="ALL")["Organization"]
    snapshot = inventory(moto, (CMS, DHS), REGION)
    full = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    assert snapshot.organization.org_id == org["Id"]
    assert snapshot.organization.scps == {CMS: ((full,), (full,))}  # DHS is in no organisation here
    assert set(snapshot.organization.paths) == {CMS}
    assert snapshot.organization.paths[CMS].startswith(f"{org['Id']}/r-")


def test_repr_documents_are_errors() -> None:
    with pytest.raises(InventoryError) as info:
        document(
            "{'Version': '2012-10-17', 'Statement': []}", "arn:aws:iam::111111111111:role/R: inline policy P"
        )
    assert info.value.where == "arn:aws:iam::111111111111:role/R: inline policy P"
    assert info.value.expected == "a policy document in JSON"
    assert document("%7B%22Version%22%3A%222012-10-17%22%7D", "x") == {"Version": "2012-10-17"}


def test_undeployable_state_is_an_inventory_error(moto: MotoBackend) -> None:
    """A stack moto created without enjoin's fixups holds repr policies: inventory refuses it."""
    moto.reset()
    cfn = moto.client("cloudformation", CMS, REGION)
    cfn.create_stack(
        StackName="raw",
        TemplateBody=(
            '{"Resources": {"R": {"Type": "AWS::IAM::Role", "Properties": {"RoleName": "r",'
            ' "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": []},'
            ' "Policies": [{"PolicyName": "p",'
            ' "PolicyDocument": {"Version": "2012-10-17", "Statement": []}}]}}}}'
        ),
    )
    with pytest.raises(InventoryError) as info:
        inventory(moto, (CMS,), REGION)
    assert info.value.where == f"account {CMS}: iam get_account_authorization_details"


# --- organisation-scale fields ------------------------------------------------------------------------


def test_reference_versioning_and_no_organisation_scale_resources(snapshot: Snapshot) -> None:
    assert {b.name: b.versioning for b in snapshot.buckets} == {
        "cms-tmsis-eligibility": "Enabled",
        "cms-tmsis-claims": "Enabled",
        "cms-chip-enrollment": "Enabled",
        "cms-dhs-disclosure-extract": "Enabled",
        "dhs-ice-case-files": None,
    }
    assert [(b.replication_role, b.replication_rules) for b in snapshot.buckets] == [(None, ())] * 5
    assert (
        snapshot.access_points,
        snapshot.identity_providers,
        snapshot.functions,
        snapshot.tables,
        snapshot.lake_formation_grants,
    ) == ((), (), (), (), ())


REPLICATION = """
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      RoleName: replication
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement: [{Effect: Allow, Principal: {Service: s3.amazonaws.com}, Action: sts:AssumeRole}]
  Source:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: inv-source
      VersioningConfiguration: {Status: Enabled}
      ReplicationConfiguration:
        Role: !GetAtt Role.Arn
        Rules:
          - Id: exports
            Status: Enabled
            Filter: {And: {Prefix: exports/, TagFilters: [{Key: share, Value: "yes"}]}}
            SourceSelectionCriteria: {SseKmsEncryptedObjects: {Status: Enabled}}
            Destination: {Bucket: arn:aws:s3:::inv-replica, Account: "222222222222"}
  Replica:
    Type: AWS::S3::Bucket
    Properties: {BucketName: inv-replica, VersioningConfiguration: {Status: Suspended}}
"""


def test_inventory_of_a_deployment_takes_the_declared_replication(moto: MotoBackend, tmp_path: Path) -> None:
    """moto reads a rule back without its prefix and KMS-object setting; a deployment declares them."""
    from enjoin.config_model import Config, Template

    moto.reset()
    path = tmp_path / "replication.yaml"
    path.write_text(REPLICATION, encoding="utf-8")
    config = Config(
        path=tmp_path / "enjoin.yaml", case="ca-v-hhs", as_of=dt.date(2026, 2, 1), region=REGION,
        accounts={"cms": CMS}, templates=(Template(path, CMS),), scps=(), rcps=(), parties=(), holdings=(),
    )  # fmt: skip
    deployment = deploy(moto, config)
    declared = deployment.declared()
    read_back = inventory(moto, (CMS,), REGION, deployment.organization)
    taken = inventory(moto, (CMS,), REGION, deployment.organization, declared)
    role = f"arn:aws:iam::{CMS}:role/replication"
    as_written = ReplicationRule("exports", True, "exports/", "arn:aws:s3:::inv-replica", DHS, None, True)
    assert {b.name: (b.versioning, b.replication_role, b.replication_rules) for b in taken.buckets} == {
        "inv-source": ("Enabled", role, (as_written,)),
        "inv-replica": ("Suspended", None, ()),
    }
    lossy = next(b for b in read_back.buckets if b.name == "inv-source").replication_rules
    assert lossy == (ReplicationRule("exports", True, "", "arn:aws:s3:::inv-replica", DHS, None, False),)
    assert Declared() == Declared(replication={})  # over a live account: nothing declared


def test_data_lake_administrators_are_read_without_the_read_only_ones(moto: MotoBackend) -> None:
    moto.reset()
    lf = moto.client("lakeformation", CMS, REGION)
    admin, steward = f"arn:aws:iam::{CMS}:role/lake-admin", f"arn:aws:iam::{CMS}:role/lake-steward"
    lf.put_data_lake_settings(DataLakeSettings={
        "DataLakeAdmins": [{"DataLakePrincipalIdentifier": admin}, {"DataLakePrincipalIdentifier": steward}],
        "ReadOnlyAdmins": [{"DataLakePrincipalIdentifier": f"arn:aws:iam::{CMS}:role/auditor"}]})
    assert inventory(moto, (CMS,), REGION).lake_admins == (admin, steward)


def test_lake_formation_grants_as_the_snapshot_holds_them(moto: MotoBackend) -> None:
    moto.reset()
    glue, lf = moto.client("glue", CMS, REGION), moto.client("lakeformation", CMS, REGION)
    glue.create_database(DatabaseInput={"Name": "taf"})
    for name in ("de", "claims"):
        glue.create_table(
            DatabaseName="taf",
            TableInput={
                "Name": name,
                "StorageDescriptor": {
                    "Columns": [{"Name": "id", "Type": "string"}, {"Name": "ssn", "Type": "string"}],
                    "Location": f"s3://data/{name}/",
                },
                "PartitionKeys": [{"Name": "state", "Type": "string"}],
            },
        )  # fmt: skip
    glue.create_table(
        DatabaseName="taf",
        TableInput={"Name": "shared", "TargetTable": {"CatalogId": DHS, "DatabaseName": "x", "Name": "y"}},
    )
    table = {"CatalogId": CMS, "DatabaseName": "taf"}
    role = f"arn:aws:iam::{CMS}:role/analyst"
    all_but_ssn = {"ColumnWildcard": {"ExcludedColumnNames": ["ssn"]}}
    location = {"CatalogId": CMS, "ResourceArn": "arn:aws:s3:::data"}
    grants = [
        (DHS, {"TableWithColumns": {**table, "Name": "de", "ColumnNames": ["id"]}}, ["SELECT"]),
        (role, {"TableWithColumns": {**table, "Name": "de", **all_but_ssn}}, ["SELECT"]),
        ("IAM_ALLOWED_PRINCIPALS", {"Table": {**table, "Name": "claims"}}, ["ALL"]),
        (role, {"Table": {**table, "TableWildcard": {}}}, ["DESCRIBE"]),
        (role, {"Database": {"CatalogId": CMS, "Name": "taf"}}, ["CREATE_TABLE"]),
        (role, {"DataLocation": location}, ["DATA_LOCATION_ACCESS"]),
    ]
    for principal, resource, permissions in grants:
        lf.grant_permissions(
            Principal={"DataLakePrincipalIdentifier": principal}, Resource=resource, Permissions=permissions
        )
    snap = inventory(moto, (CMS,), REGION)
    arn = f"arn:aws:glue:{REGION}:{CMS}:table/taf/"
    assert [(t.arn, t.columns, t.location) for t in snap.tables] == [  # the resource link is not a table here
        (arn + "claims", ("id", "ssn", "state"), "s3://data/claims/"),
        (arn + "de", ("id", "ssn", "state"), "s3://data/de/"),
    ]
    assert set(snap.lake_formation_grants) == {
        LakeFormationGrant(DHS, arn + "de", ("SELECT",), ("id",)),
        LakeFormationGrant(role, arn + "de", ("SELECT",), None, ("ssn",)),
        LakeFormationGrant("IAM_ALLOWED_PRINCIPALS", arn + "claims", ("ALL",)),
        LakeFormationGrant(role, arn + "claims", ("DESCRIBE",)),  # every table of the database, one by one
        LakeFormationGrant(role, arn + "de", ("DESCRIBE",)),
    }
    lf.grant_permissions(
        Principal={"DataLakePrincipalIdentifier": DHS},
        Resource={"LFTagPolicy": {"CatalogId": CMS, "ResourceType": "TABLE", "Expression": [
            {"TagKey": "classification", "TagValues": ["public"]}]}},
        Permissions=["SELECT"],
    )  # fmt: skip
    with pytest.raises(InventoryError) as info:
        inventory(moto, (CMS,), REGION)
    assert info.value.where == f"account {CMS}: lakeformation in {REGION}: grant to {DHS}"
    assert info.value.found.startswith("a grant through LFTagPolicy")


def test_access_points_functions_and_identity_providers(moto: MotoBackend) -> None:
    import io
    import zipfile

    moto.reset()
    s3, s3control = moto.client("s3", CMS, REGION), moto.client("s3control", CMS, REGION)
    s3.create_bucket(Bucket="ap-bucket")
    s3control.create_access_point(AccountId=CMS, Name="open", Bucket="ap-bucket")
    grant = {
        "Effect": "Allow",
        "Principal": {"AWS": DHS},
        "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:{REGION}:{CMS}:accesspoint/open/object/*",
    }
    policy = {"Version": "2012-10-17", "Statement": [grant]}
    s3control.put_access_point_policy(AccountId=CMS, Name="open", Policy=json.dumps(policy))
    s3control.create_access_point(
        AccountId=CMS, Name="closed", Bucket="ap-bucket", VpcConfiguration={"VpcId": "v"}
    )
    iam = moto.client("iam", CMS, REGION)
    lambda_may_assume = {
        "Effect": "Allow",
        "Principal": {"Service": "lambda.amazonaws.com"},
        "Action": "sts:AssumeRole",
    }
    trust = {"Version": "2012-10-17", "Statement": [lambda_may_assume]}
    role = iam.create_role(RoleName="fn", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    iam.create_saml_provider(Name="idp", SAMLMetadataDocument="<x/>" + " " * 1000)
    iam.create_open_id_connect_provider(Url="https://oidc.example", ThumbprintList=["a" * 40])
    lam = moto.client("lambda", CMS, REGION)
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("index.py", "def handler(event, context):\n    return 1\n")
    for name in ("plain", "shared"):
        lam.create_function(FunctionName=name, Runtime="python3.12", Role=role, Handler="index.handler",
                            Code={"ZipFile": code.getvalue()})  # fmt: skip
    lam.add_permission(
        FunctionName="shared", StatementId="partner", Action="lambda:InvokeFunction", Principal=DHS
    )
    snap = inventory(moto, (CMS,), REGION)
    assert snap.access_points == (
        AccessPoint(
            f"arn:aws:s3:{REGION}:{CMS}:accesspoint/closed", "closed", CMS, REGION, "ap-bucket", None, "VPC"
        ),
        AccessPoint(f"arn:aws:s3:{REGION}:{CMS}:accesspoint/open", "open", CMS, REGION, "ap-bucket", policy),
    )
    assert snap.identity_providers == (
        IdentityProvider(f"arn:aws:iam::{CMS}:oidc-provider/oidc.example", CMS, "oidc"),
        IdentityProvider(f"arn:aws:iam::{CMS}:saml-provider/idp", CMS, "saml"),
    )
    functions = {f.name: f for f in snap.functions}
    assert [(f.arn, f.role_arn, f.policy, f.package_type) for f in snap.functions if f.name == "plain"] == [
        (f"arn:aws:lambda:{REGION}:{CMS}:function:plain", role, None, "Zip")  # a zip file: it takes layers
    ]
    (statement,) = functions["shared"].policy["Statement"]  # type: ignore[index]
    assert (statement["Sid"], statement["Principal"]) == ("partner", {"AWS": f"arn:aws:iam::{DHS}:root"})
    assert Snapshot.from_json(snap.to_json()) == snap
