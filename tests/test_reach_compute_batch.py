"""The batch-submit-job row of the compute table, over hand-built snapshots.

DHS's analyst assumes Bridge (CMS). JobRole reads eligibility and trusts ecs-tasks.amazonaws.com, as a Batch job role
does. Bridge's policies say what it may register, submit and pass. The path goes through an existing job queue of
CMS (the inventory's batch-job-queue): SubmitJob is asked on the job definition and on the queue, and PassRole of the
job role with iam:PassedToService ecs-tasks.amazonaws.com (the value the Service Authorization Reference lists for
RegisterJobDefinition).
"""

from __future__ import annotations

from typing import Any

import pytest

from enjoin.config_model import Holding, Party
from enjoin.reach import compute_reach
from enjoin.reach_compute import TableError, _way, ways
from enjoin.reach_model import Reach
from enjoin.snapshot import Bucket, Compute, NamedPolicy, Role, Snapshot

CMS, DHS, REGION = "111111111111", "222222222222", "us-east-1"
ICE = f"arn:aws:iam::{DHS}:role/IceAnalyst"
BRIDGE = f"arn:aws:iam::{CMS}:role/Bridge"
JOB_ROLE = f"arn:aws:iam::{CMS}:role/JobRole"
QUEUE = f"arn:aws:batch:{REGION}:{CMS}:job-queue/nightly"
OTHER_QUEUE = f"arn:aws:batch:{REGION}:{CMS}:job-queue/other"
DEFINITIONS = f"arn:aws:batch:{REGION}:{CMS}:job-definition/*"
PARTY = Party("DHS", accounts=(DHS,))
ELIGIBILITY = Holding("arn:aws:s3:::elig/*", "medicaid", ("all",), ("all",), ("ssn",))
ROW = {w.id: w for w in ways()}["batch-submit-job"]


def doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action: str | list[str], resource: str | list[str], sid: str, **extra: Any) -> dict[str, Any]:
    return {"Sid": sid, "Effect": "Allow", "Action": action, "Resource": resource, **extra}


def trusts(principal: dict[str, Any]) -> dict[str, Any]:
    return doc({"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"})


def role(arn: str, trust: dict[str, Any], *policies: dict[str, Any]) -> Role:
    return Role(arn, arn.rsplit("/", 1)[1], arn.split(":")[4], trust,
                inline_policies=tuple(NamedPolicy(f"p{i}", p) for i, p in enumerate(policies)))


def reach(*bridge: dict[str, Any], queues: tuple[str, ...] = (QUEUE,), job_trust: str = "ecs-tasks.amazonaws.com",
          ) -> Reach:
    analyst = role(ICE, trusts({"AWS": f"arn:aws:iam::{DHS}:root"}), doc(allow("sts:AssumeRole", "*", "Any")))
    bridge_role = role(BRIDGE, trusts({"AWS": f"arn:aws:iam::{DHS}:root"}), doc(*bridge))
    job = role(JOB_ROLE, trusts({"Service": job_trust}), doc(allow("s3:GetObject", "arn:aws:s3:::elig/*", "Read")))
    bucket = Bucket("arn:aws:s3:::elig", "elig", CMS, REGION, sse_algorithm="AES256")
    compute = tuple(Compute("batch-job-queue", q, q.rsplit("/", 1)[1], CMS, REGION, None) for q in queues)
    snap = Snapshot((CMS, DHS), roles=(analyst, bridge_role, job), buckets=(bucket,), compute=compute)
    return compute_reach(snap, [PARTY], [ELIGIBILITY], REGION)


REGISTER = allow("batch:RegisterJobDefinition", DEFINITIONS, "Register")
SUBMIT = allow("batch:SubmitJob", [DEFINITIONS, QUEUE], "Submit")


def pass_job_role(*services: str) -> dict[str, Any]:
    condition = {"Condition": {"StringEquals": {"iam:PassedToService": list(services)}}} if services else {}
    return allow("iam:PassRole", JOB_ROLE, "PassJobRole", **condition)


def test_a_job_the_caller_registers_and_submits_to_an_existing_queue_runs_as_the_job_role() -> None:
    for passed in (pass_job_role(), pass_job_role("ecs-tasks.amazonaws.com")):
        found = reach(REGISTER, SUBMIT, passed)
        assert found.undecided == ()
        (access,) = found.accesses
        passes = [h.context.get("iam:PassedToService") for h in access.hops if h.action == "iam:PassRole"]
        assert passes == ["ecs-tasks.amazonaws.com"]
        batch = [(h.action, h.resource) for h in access.hops if h.action.startswith("batch:")]
        probe = f"arn:aws:batch:{REGION}:{CMS}:job-definition/enjoin-probe"
        assert batch == [("batch:RegisterJobDefinition", probe), ("batch:SubmitJob", probe),
                         ("batch:SubmitJob", QUEUE)]
        assert access.path[-2:] == (JOB_ROLE, "s3:GetObject")


def test_without_a_queue_the_caller_may_submit_to_there_is_no_path() -> None:
    for queues, submit in (((), SUBMIT), ((OTHER_QUEUE,), SUBMIT),
                           ((QUEUE,), allow("batch:SubmitJob", DEFINITIONS, "DefinitionsOnly"))):
        found = reach(REGISTER, submit, pass_job_role(), queues=queues)
        assert (found.accesses, found.undecided) == ((), ()), queues


def test_a_role_that_trusts_another_service_or_a_pass_to_another_service_is_no_path() -> None:
    assert reach(REGISTER, SUBMIT, pass_job_role(), job_trust="lambda.amazonaws.com").accesses == ()
    found = reach(REGISTER, SUBMIT, pass_job_role("lambda.amazonaws.com"))
    assert (found.accesses, found.undecided) == ((), ())


def test_a_pass_to_batch_s_own_service_principal_is_no_path() -> None:
    """RegisterJobDefinition asks PassRole with ecs-tasks.amazonaws.com, not batch.amazonaws.com."""
    found = reach(REGISTER, SUBMIT, pass_job_role("batch.amazonaws.com"))
    assert (found.accesses, found.undecided) == ((), ())
    assert ROW.unsettled is None


_ROW = {"status": "modeled", "service": "ecs-tasks.amazonaws.com", "pass_role": True,
        "requests": [{"action": "batch:SubmitJob", "resource": "{needed}"}],
        "documentation": ["https://docs.aws.amazon.com/x"], "how": "x"}
_OVERRIDE = {**_ROW, "pass_role": False, "takes_over": "batch-job-definition", "needs": "batch-job-queue",
             "requests": [{"action": "batch:SubmitJob", "resource": "{existing}"},
                          {"action": "batch:SubmitJob", "resource": "{needed}"}]}


@pytest.mark.parametrize(
    ("row", "says"),
    [
        ({**_ROW, "needs": "batch-queue"}, "needs: expected one of"),
        ({**_ROW, "needs": "batch-job-queue", "pass_role": False}, "needs: expected one of"),
        ({**_ROW, "needs": "batch-job-queue", "takes_over": "glue-job"}, "needs: expected one of"),
        ({**_OVERRIDE, "takes_over": "batch-job-queue"}, "needs: expected one of"),
        ({**_ROW}, "asks on {needed} exactly when it needs a kind"),
        ({**_OVERRIDE, "requests": [{"action": "batch:SubmitJob", "resource": "{existing}"}]},
         "asks on {needed} exactly when it needs a kind"),
        ({**_OVERRIDE, "requests": [{"action": "batch:SubmitJob", "resource": "{needed}"}]},
         "asks on {existing}, {code}, {image} or {config} exactly when it takes_over a kind"),
    ],
)
def test_a_row_that_needs_a_kind_wrongly_is_refused_naming_it(row: dict[str, object], says: str) -> None:
    with pytest.raises(TableError) as caught:
        _way("x", row)
    assert "ways.x" in str(caught.value) and says in str(caught.value)


def test_a_takeover_row_may_also_need_a_kind_it_submits_through() -> None:
    way = _way("x", _OVERRIDE)
    assert (way.takes_over, way.needs, way.pass_role) == ("batch-job-definition", "batch-job-queue", False)
