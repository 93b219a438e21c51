"""The batch-submit-job-override row of the compute table, over hand-built snapshots.

DHS's analyst assumes Bridge (CMS). CMS has a job definition ``etl`` (revision 2, the inventory's
batch-job-definition) whose container runs as JobRole, which reads eligibility and trusts ecs-tasks.amazonaws.com,
and a job queue (batch-job-queue). Submitting that definition with containerOverrides runs the submitter's command as
JobRole: SubmitJob is asked on the definition and on the queue, and no iam:PassRole at all.
"""

from __future__ import annotations

from typing import Any

from enjoin.config_model import Holding, Party
from enjoin.reach import compute_reach
from enjoin.reach_compute import named_as
from enjoin.reach_model import Reach
from enjoin.snapshot import Bucket, Compute, NamedPolicy, Role, Snapshot

CMS, DHS, REGION = "111111111111", "222222222222", "us-east-1"
ICE = f"arn:aws:iam::{DHS}:role/IceAnalyst"
BRIDGE = f"arn:aws:iam::{CMS}:role/Bridge"
JOB_ROLE = f"arn:aws:iam::{CMS}:role/JobRole"
QUEUE = f"arn:aws:batch:{REGION}:{CMS}:job-queue/nightly"
ETL = f"arn:aws:batch:{REGION}:{CMS}:job-definition/etl"
PARTY = Party("DHS", accounts=(DHS,))
ELIGIBILITY = Holding("arn:aws:s3:::elig/*", "medicaid", ("all",), ("all",), ("ssn",))


def doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action: str, resource: str | list[str], sid: str, effect: str = "Allow") -> dict[str, Any]:
    return {"Sid": sid, "Effect": effect, "Action": action, "Resource": resource}


def role(arn: str, trust: dict[str, Any], *policies: dict[str, Any]) -> Role:
    return Role(arn, arn.rsplit("/", 1)[1], arn.split(":")[4], trust,
                inline_policies=tuple(NamedPolicy(f"p{i}", p) for i, p in enumerate(policies)))


def reach(*bridge: dict[str, Any], queues: tuple[str, ...] = (QUEUE,), job_trust: str = "ecs-tasks.amazonaws.com",
          region: str = REGION) -> Reach:
    trust_dhs = doc({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{DHS}:root"}, "Action": "sts:AssumeRole"})
    analyst = role(ICE, trust_dhs, doc(allow("sts:AssumeRole", "*", "Any")))
    bridge_role = role(BRIDGE, trust_dhs, doc(*bridge))
    job = role(JOB_ROLE, doc({"Effect": "Allow", "Principal": {"Service": job_trust}, "Action": "sts:AssumeRole"}),
               doc(allow("s3:GetObject", "arn:aws:s3:::elig/*", "Read")))
    bucket = Bucket("arn:aws:s3:::elig", "elig", CMS, REGION, sse_algorithm="AES256")
    compute = (Compute("batch-job-definition", f"{ETL}:2", "etl", CMS, region, JOB_ROLE),
               *(Compute("batch-job-queue", q, q.rsplit("/", 1)[1], CMS, REGION, None) for q in queues))
    snap = Snapshot((CMS, DHS), roles=(analyst, bridge_role, job), buckets=(bucket,), compute=compute)
    return compute_reach(snap, [PARTY], [ELIGIBILITY], REGION)


def test_submitting_an_existing_definition_runs_the_callers_command_as_its_job_role_without_passrole() -> None:
    found = reach(allow("batch:SubmitJob", [f"{ETL}:*", QUEUE], "Submit"))
    assert found.undecided == ()
    (access,) = found.accesses
    assert [(h.action, h.resource) for h in access.hops if h.principal == BRIDGE] == [
        ("batch:SubmitJob", f"{ETL}:2"), ("batch:SubmitJob", QUEUE)]
    assert "batch-submit-job-override" in access.hops[-2].note and QUEUE in access.hops[-2].note
    assert not any(h.action == "iam:PassRole" for h in access.hops)
    assert access.path[-2:] == (JOB_ROLE, "s3:GetObject")


def test_either_way_of_naming_the_definition_is_a_way_in() -> None:
    """SubmitJob takes name, name:revision or ARN; which ARN IAM checks without the revision is not documented."""
    assert named_as(Compute("batch-job-definition", f"{ETL}:2", "etl", CMS, REGION, JOB_ROLE)) == (f"{ETL}:2", ETL)
    for scope in (ETL, f"{ETL}:2"):
        found = reach(allow("batch:SubmitJob", [scope, QUEUE], "Submit"))
        assert len(found.accesses) == 1, scope
    found = reach(allow("batch:SubmitJob", [f"{ETL}:1", QUEUE], "Submit"))  # another revision only
    assert (found.accesses, found.undecided) == ((), ())


def test_the_queue_the_definition_and_the_role_s_trust_are_each_needed() -> None:
    both = allow("batch:SubmitJob", [f"{ETL}:*", QUEUE], "Submit")
    cases = {
        "no queue": reach(both, queues=()),
        "a queue the caller may not submit to": reach(
            allow("batch:SubmitJob", [f"{ETL}:*", f"arn:aws:batch:{REGION}:{CMS}:job-queue/sandbox-*"], "Sandbox")),
        "another definition": reach(allow("batch:SubmitJob", [f"arn:aws:batch:{REGION}:{CMS}:job-definition/"
                                                              f"sandbox-*", QUEUE], "Other")),
        "a role that trusts another service": reach(both, job_trust="lambda.amazonaws.com"),
        "a queue of another region only": reach(both, region="us-west-2"),
        "a Deny on the definition": reach(allow("batch:SubmitJob", "*", "Any"),
                                          allow("batch:SubmitJob", f"{ETL}*", "NotEtl", "Deny")),
    }
    for case, found in cases.items():
        assert (found.accesses, found.undecided) == ((), ()), case
