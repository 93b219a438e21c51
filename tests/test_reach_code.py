"""Code an existing Glue job fetches from S3 at every run (enjoin.reach_code), over hand-built snapshots.

CMS runs the Glue job ``etl`` as EtlRole, which reads the claims. Its script is ``s3://cms-scripts/etl/job.py``.
Who may write that object, in which account, under which bucket settings, is each test's subject.
"""

from __future__ import annotations

from typing import Any

import pytest

from enjoin.inventory_compute import job_code
from enjoin.reach import compute_reach
from enjoin.reach_model import Reach
from enjoin.snapshot import Bucket, Compute, Key, NamedPolicy, Role, Snapshot
from reach_common import (
    BUCKET,
    CLAIMS,
    CMS,
    DHS,
    DHS_READER,
    ENABLE_IAM,
    KEY,
    PARTY,
    REGION,
    STEWARD,
    TRUST_DHS,
    allow,
    deny,
    doc,
    steps,
)

ETL = f"arn:aws:iam::{CMS}:role/EtlRole"
JOB = f"arn:aws:glue:{REGION}:{CMS}:job/etl"
SCRIPTS = "arn:aws:s3:::cms-scripts"
SCRIPT = f"{SCRIPTS}/etl/job.py"
GLUE_TRUST = doc({"Effect": "Allow", "Principal": {"Service": "glue.amazonaws.com"}, "Action": "sts:AssumeRole"})
RUNS = doc(allow("s3:GetObject", [f"{BUCKET}/*", f"{SCRIPTS}/*"]))
DHS_WRITES = {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{DHS}:root"}, "Action": "s3:PutObject",
              "Resource": f"{SCRIPTS}/*"}


def reach(*, scripts_policy: dict[str, Any] | None = None, steward: dict[str, Any] | None = None,
          trust: dict[str, Any] = GLUE_TRUST, etl: dict[str, Any] = RUNS, code: tuple[str, ...] = (SCRIPT,),
          inventoried: bool = True, kms_policy: dict[str, Any] | None = None, **bucket: Any) -> Reach:
    roles = [
        Role(ETL, "EtlRole", CMS, trust, inline_policies=(NamedPolicy("p", etl),)),
        Role(DHS_READER, "DhsReader", DHS, doc(), inline_policies=(NamedPolicy("p", doc(allow("s3:*", "*"))),)),
    ]
    if steward is not None:
        roles.append(Role(STEWARD, "Steward", CMS, TRUST_DHS, inline_policies=(NamedPolicy("p", steward),)))
    buckets = [Bucket(BUCKET, "claims", CMS, REGION, None, ownership="BucketOwnerEnforced")]
    if inventoried:
        buckets.append(Bucket(SCRIPTS, "cms-scripts", CMS, REGION, scripts_policy,
                              **{"ownership": "BucketOwnerEnforced", **bucket}))
    keys = (Key(KEY, "k1", CMS, REGION, kms_policy or doc(ENABLE_IAM)),)
    job = Compute("glue-job", JOB, "etl", CMS, REGION, ETL, code=code)
    snap = Snapshot((CMS, DHS), roles=tuple(roles), buckets=tuple(buckets), keys=keys, compute=(job,))
    return compute_reach(snap, [PARTY], [CLAIMS], REGION)


def test_a_script_bucket_that_lets_dhs_write_runs_dhs_code_as_the_job_role() -> None:
    found = reach(scripts_policy=doc(DHS_WRITES))
    assert not found.undecided
    path = steps(found)[0]
    assert path[0][1:] == ("s3:PutObject", SCRIPT)
    assert path[1] == (ETL, "s3:GetObject", SCRIPT)  # the role fetches what it runs
    assert path[-1][:2] == (ETL, "s3:GetObject") and path[-1][2].startswith(f"{BUCKET}/")
    assert found.accesses[0].hops[0].context["s3:x-amz-server-side-encryption"] == "AES256"


def test_a_grant_on_another_folder_is_no_path() -> None:
    inbound = {**DHS_WRITES, "Resource": f"{SCRIPTS}/inbound/*"}
    found = reach(scripts_policy=doc(inbound))
    assert found.accesses == () and not found.undecided


def test_a_cms_role_dhs_assumes_writes_by_its_own_policy() -> None:
    found = reach(steward=doc(allow("s3:PutObject", f"{SCRIPTS}/etl/*")))
    path = steps(found)[0]
    assert path[0][1:] == ("sts:AssumeRole", STEWARD) and path[1][:2] == (STEWARD, "s3:PutObject")


def test_a_module_the_arguments_name_is_code_too() -> None:
    module = f"{SCRIPTS}/lib/helpers.zip"
    found = reach(scripts_policy=doc({**DHS_WRITES, "Resource": module}), code=(SCRIPT, module))
    assert steps(found)[0][0][1:] == ("s3:PutObject", module)


def test_a_job_whose_role_glue_cannot_assume_runs_nothing() -> None:
    found = reach(scripts_policy=doc(DHS_WRITES), trust=TRUST_DHS)
    assert all(p[0][1] != "s3:PutObject" for p in steps(found))


def test_a_role_that_cannot_fetch_its_script_runs_nothing() -> None:
    found = reach(scripts_policy=doc(DHS_WRITES), etl=doc(allow("s3:GetObject", f"{BUCKET}/*")))
    assert found.accesses == ()


def test_acls_enabled_another_account_writes_with_the_owner_acl() -> None:
    requires = {**DHS_WRITES, "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}}}
    found = reach(scripts_policy=doc(requires), ownership="ObjectWriter")
    assert found.accesses[0].hops[0].context["s3:x-amz-acl"] == "bucket-owner-full-control"
    private = {**DHS_WRITES, "Condition": {"StringEquals": {"s3:x-amz-acl": "private"}}}
    assert reach(scripts_policy=doc(private), ownership="ObjectWriter").accesses == ()


KMS_ONLY = deny("s3:PutObject", f"{SCRIPTS}/*",
                Principal="*", Condition={"StringNotEquals": {"s3:x-amz-server-side-encryption": "aws:kms"}})


def test_a_bucket_that_requires_kms_needs_the_writer_to_use_its_key() -> None:
    found = reach(scripts_policy=doc(DHS_WRITES, KMS_ONLY), sse_algorithm="aws:kms", kms_key_id=KEY)
    assert found.accesses == ()  # the key policy leaves the key to CMS's IAM policies: DHS may not use it
    dhs_key = {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{DHS}:root"},
               "Action": "kms:GenerateDataKey", "Resource": "*"}
    etl = doc(allow("s3:GetObject", [f"{BUCKET}/*", f"{SCRIPTS}/*"]), allow("kms:Decrypt", KEY))
    found = reach(scripts_policy=doc(DHS_WRITES, KMS_ONLY), sse_algorithm="aws:kms", kms_key_id=KEY, etl=etl,
                  kms_policy=doc(ENABLE_IAM, dhs_key))
    actions = [h[1] for h in steps(found)[0]]
    assert actions[:4] == ["s3:PutObject", "kms:GenerateDataKey", "s3:GetObject", "kms:Decrypt"]


def test_restrict_public_buckets_shuts_out_another_account_s_write() -> None:
    public = {**DHS_WRITES, "Principal": "*"}
    block = {"RestrictPublicBuckets": True}
    assert reach(scripts_policy=doc(public), public_access_block=block).accesses == ()
    assert reach(scripts_policy=doc(public)).accesses != ()


def test_a_script_bucket_the_inventory_does_not_hold_leaves_the_role_s_reads_in_doubt() -> None:
    found = reach(inventoried=False)
    assert found.accesses == ()
    assert [u.holding for u in found.undecided] == [CLAIMS]
    assert "not in the inventory" in " ".join(found.undecided[0].reasons)
    assert "glue-job-script-object" in found.undecided[0].reasons[0]


@pytest.mark.parametrize(("job", "expected"), [
    ({"Command": {"ScriptLocation": "s3://b/etl/job.py"}}, ("arn:aws:s3:::b/etl/job.py",)),
    ({"Command": {"ScriptLocation": "s3://b/j.py"},
      "DefaultArguments": {"--extra-py-files": "s3://b/a.zip, s3://c/lib/", "--extra-jars": "s3://b/x.jar",
                           "--TempDir": "s3://b/tmp/"},
      "NonOverridableArguments": {"--additional-python-modules": "pandas==2.2.0,s3://w/p-1.0-py3-none-any.whl"}},
     ("arn:aws:s3:::b/j.py", "arn:aws:s3:::b/a.zip", "arn:aws:s3:::c/lib/*", "arn:aws:s3:::b/x.jar",
      "arn:aws:s3:::w/p-1.0-py3-none-any.whl")),
    ({"Command": {"ScriptLocation": "s3://bucket-only"}}, ()),
    ({"Command": {}}, ()),
])
def test_the_code_a_job_runs_is_its_script_and_the_s3_paths_of_its_code_arguments(
        job: dict[str, Any], expected: tuple[str, ...]) -> None:
    assert job_code(job, "aws") == expected
