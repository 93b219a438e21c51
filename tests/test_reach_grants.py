"""KMS grants on the KMS side of an SSE-KMS read (enjoin.reach_grants): each rule over a hand-built snapshot.

The bucket lets the role read its objects; the key policy enables IAM policies of the key's account and
nothing else, and the role's own policies do not allow kms:Decrypt: only a grant can open the key.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from enjoin.config_model import Holding, Party
from enjoin.drift import compare_snapshots
from enjoin.reach import PARTY_CONTROLLED_ROLE, compute_reach
from enjoin.snapshot import (
    Bucket,
    Distribution,
    DistributionOrigin,
    Grant,
    Key,
    ManagedPolicy,
    NamedPolicy,
    Organization,
    Role,
    Snapshot,
)

CMS, DHS = "111111111111", "222222222222"
REGION = "us-east-1"
READER = f"arn:aws:iam::{CMS}:role/Reader"
OTHER = f"arn:aws:iam::{CMS}:role/Other"
DHS_ROLE = f"arn:aws:iam::{DHS}:role/DhsReader"
KEY = f"arn:aws:kms:{REGION}:{CMS}:key/k1"
PARTY = Party("DHS", accounts=(DHS,))
CLAIMS = Holding("arn:aws:s3:::claims/*", "medicaid", ("all",), ("all",), ("ssn",))


def doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


ENABLE_IAM = {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{CMS}:root"}, "Action": "kms:*", "Resource": "*"}
READ_OBJECTS = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::claims/*"}


def grant(grantee: str = READER, **fields: Any) -> Grant:
    return Grant(**{"grant_id": "g-1", "grantee": grantee, "operations": ("Decrypt",), **fields})


def snapshot(
    *grants: Grant,
    key_policy: dict[str, Any] | None = None,
    reader_policy: dict[str, Any] | None = None,
    bucket_key: bool = False,
    bucket_reader: str = DHS_ROLE,
) -> Snapshot:
    # DHS may assume Reader (CMS) and is DhsReader itself (DHS): the bucket lets both read objects.
    reader = Role(
        READER,
        "Reader",
        CMS,
        doc({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{DHS}:root"}, "Action": "sts:AssumeRole"}),
        inline_policies=(NamedPolicy("read", reader_policy or doc(READ_OBJECTS)),),
    )
    dhs_reader = Role(
        DHS_ROLE,
        "DhsReader",
        DHS,
        doc({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{DHS}:root"}, "Action": "sts:AssumeRole"}),
        inline_policies=(NamedPolicy("read", doc(READ_OBJECTS)),),
    )
    bucket_policy = doc({**READ_OBJECTS, "Principal": {"AWS": bucket_reader}})
    key = Key(KEY, "k1", CMS, REGION, key_policy or doc(ENABLE_IAM), grants=grants)
    bucket = Bucket(
        "arn:aws:s3:::claims",
        "claims",
        CMS,
        REGION,
        bucket_policy,
        sse_algorithm="aws:kms",
        kms_key_id=KEY,
        bucket_key_enabled=bucket_key,
    )
    return Snapshot((CMS, DHS), roles=(reader, dhs_reader), buckets=(bucket,), keys=(key,))


def reached(snap: Snapshot) -> dict[str, Any]:
    reach = compute_reach(snap, [PARTY], [CLAIMS], REGION)
    return {
        "principals": sorted({a.principal for a in reach.accesses}),
        "decrypt": [h for a in reach.accesses for h in a.hops if h.action == "kms:Decrypt"],
        "undecided": [r for u in reach.undecided for r in u.reasons],
    }


def test_without_a_grant_the_key_is_closed() -> None:
    found = reached(snapshot())
    assert found["principals"] == []
    assert found["undecided"] == []


def test_a_grant_to_the_reader_opens_the_key_and_the_finding_names_it() -> None:
    found = reached(snapshot(grant()))
    assert found["principals"] == [READER]
    (hop,) = found["decrypt"]
    assert hop.note == f"through KMS grant g-1 on {KEY}"
    assert {s.policy for s in hop.statements} == {f"key policy of {KEY} with KMS grant g-1 on {KEY}"}


def test_a_grant_to_another_principal_or_without_decrypt_opens_nothing() -> None:
    assert reached(snapshot(grant(OTHER)))["principals"] == []
    assert reached(snapshot(grant(operations=("Encrypt", "GenerateDataKey"))))["principals"] == []


def test_an_assumed_role_session_of_the_role_is_the_role() -> None:
    found = reached(snapshot(grant(f"arn:aws:sts::{CMS}:assumed-role/Reader/any-session")))
    assert found["principals"] == [READER]


def test_a_constraint_on_another_bucket_is_never_met() -> None:
    other = {"aws:s3:arn": "arn:aws:s3:::other-bucket"}
    assert reached(snapshot(grant(context_equals=other), bucket_key=True))["principals"] == []
    assert reached(snapshot(grant(context_subset=other)))["principals"] == []


def test_a_constraint_on_the_bucket_is_met_with_a_bucket_key_keys_not_case_sensitive() -> None:
    found = reached(snapshot(grant(context_equals={"AWS:S3:ARN": "arn:aws:s3:::claims"}), bucket_key=True))
    assert found["principals"] == [READER]
    # without a bucket key, S3 passes the object's ARN: a constraint on the bucket's is not met
    assert reached(snapshot(grant(context_equals={"aws:s3:arn": "arn:aws:s3:::claims"})))["principals"] == []


def test_a_constraint_on_further_context_or_an_unknown_kind_is_undecided() -> None:
    found = reached(snapshot(grant(context_subset={"department": "claims"})))
    assert found["principals"] == []
    assert any("additional encryption context" in r for r in found["undecided"])
    found = reached(snapshot(grant(other_constraints=("SourceArn",))))
    assert found["principals"] == []
    assert any("SourceArn" in r for r in found["undecided"])


def test_an_explicit_deny_in_the_key_policy_or_an_iam_policy_overrides_the_grant() -> None:
    deny = {"Effect": "Deny", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*"}
    assert reached(snapshot(grant(), key_policy=doc(ENABLE_IAM, deny)))["principals"] == []
    own_deny = doc(READ_OBJECTS, {"Effect": "Deny", "Action": "kms:*", "Resource": "*"})
    assert reached(snapshot(grant(), reader_policy=own_deny))["principals"] == []


def test_a_grant_needs_no_key_policy_statement_enabling_iam() -> None:
    admin_only = doc({**ENABLE_IAM, "Principal": {"AWS": f"arn:aws:iam::{CMS}:role/KeyAdmin"}})
    assert reached(snapshot(grant(), key_policy=admin_only))["principals"] == [READER]


def test_a_grant_to_a_principal_of_another_account_needs_no_iam_policy_of_its_own_for_the_key() -> None:
    found = reached(snapshot(grant(DHS_ROLE)))
    assert DHS_ROLE in found["principals"]
    (hop,) = [h for h in found["decrypt"] if h.principal == DHS_ROLE]
    assert "KMS grant g-1" in hop.note


def test_a_grant_to_an_account_root_is_undecided_for_its_identities() -> None:
    found = reached(snapshot(grant(f"arn:aws:iam::{CMS}:root")))
    assert READER not in found["principals"]
    assert any("the grantee is the account" in r for r in found["undecided"])


def test_a_grant_to_the_party_account_root_lets_the_party_decrypt() -> None:
    found = reached(snapshot(grant(f"arn:aws:iam::{DHS}:root"), bucket_reader=f"arn:aws:iam::{DHS}:root"))
    assert found["principals"] == [f"arn:aws:iam::{DHS}:role/{PARTY_CONTROLLED_ROLE}"]
    # its other identities: undecided
    assert any(r.startswith(DHS_ROLE) and "the grantee is the account" in r for r in found["undecided"])


def test_a_key_whose_grants_are_kept_round_trips_in_json() -> None:
    snap = snapshot(grant(context_subset={"aws:s3:arn": "arn:aws:s3:::claims/a"}, retiring=READER))
    assert Snapshot.from_json(snap.to_json()) == snap
    assert replace(snap, keys=()).keys == ()


def test_a_grant_that_only_a_permissions_boundary_refuses_is_undecided() -> None:
    snap = snapshot(grant())
    boundary = "arn:aws:iam::111111111111:policy/S3Only"
    policy = ManagedPolicy(boundary, "S3Only", doc(READ_OBJECTS))
    roles = tuple(replace(r, permissions_boundary_arn=boundary) if r.arn == READER else r for r in snap.roles)
    found = reached(replace(snap, roles=roles, policies=(policy,)))
    assert READER not in found["principals"]
    assert any("only its permissions boundary refuses" in r for r in found["undecided"])


def test_drift_compares_a_keys_grants_without_their_random_ids() -> None:
    code = snapshot(grant())
    assert compare_snapshots(code, snapshot(replace(grant(), grant_id="g-other"))) == ()
    (drift,) = compare_snapshots(code, snapshot(grant(OTHER)))
    assert (drift.kind, [c.field for c in drift.changes]) == ("key", ["grants"])


def test_an_scp_or_an_rcp_still_refuses_what_a_grant_allows() -> None:
    allow_all = {"Effect": "Allow", "Action": "*", "Resource": "*"}
    deny_decrypt = {"Effect": "Deny", "Action": "kms:Decrypt", "Resource": "*"}
    scp = Organization(scps={CMS: ((doc(allow_all, deny_decrypt),),)})
    assert reached(replace(snapshot(grant()), organization=scp))["principals"] == []
    outside = {**deny_decrypt, "Principal": "*", "Condition": {"StringNotEquals": {"aws:PrincipalAccount": CMS}}}
    rcp = Organization(rcps={CMS: ((doc({**allow_all, "Principal": "*"}, outside),),)})
    assert reached(replace(snapshot(grant(DHS_ROLE)), organization=rcp))["principals"] == []
    # the same RCP leaves the key's own account's grantee its grant
    assert reached(replace(snapshot(grant()), organization=rcp))["principals"] == [READER]


def test_a_grant_to_cloudfronts_service_principal_puts_an_oac_read_in_doubt() -> None:
    distribution = Distribution(
        f"arn:aws:cloudfront::{CMS}:distribution/E1", "E1", CMS, origins=(DistributionOrigin("claims", oac=True),)
    )
    served = {
        "Effect": "Allow",
        "Principal": {"Service": "cloudfront.amazonaws.com"},
        "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::claims/*",
        "Condition": {"StringEquals": {"aws:SourceArn": distribution.arn}},
    }

    def through_cloudfront(*grants: Grant) -> dict[str, Any]:
        snap = snapshot(*grants)
        buckets = tuple(replace(b, policy=doc(served)) for b in snap.buckets)
        return reached(replace(snap, buckets=buckets, distributions=(distribution,)))

    assert through_cloudfront() == {"principals": [], "decrypt": [], "undecided": []}
    found = through_cloudfront(grant("cloudfront.amazonaws.com", other_constraints=("SourceArn",)))
    assert found["principals"] == []
    assert any("names the service principal cloudfront.amazonaws.com" in r for r in found["undecided"])
