"""Rows of the compute table whose question AWS leaves open (``unsettled``), over hand-built snapshots.

DHS's analyst assumes Bridge (CMS). Worker reads eligibility; Bridge's policies say what it may pass and ask. Reach
decides the row's path under each reading: under all, an access with its witness; under some only, eligibility is
INDETERMINATE for DHS, the reason naming the row and the question; under none, nothing.
"""

from __future__ import annotations

from typing import Any

from enjoin.config_model import Holding, Party
from enjoin.reach import compute_reach
from enjoin.reach_compute import ways
from enjoin.reach_model import Reach
from enjoin.snapshot import Bucket, NamedPolicy, Role, Snapshot

CMS, DHS, REGION = "111111111111", "222222222222", "us-east-1"
ICE = f"arn:aws:iam::{DHS}:role/IceAnalyst"
BRIDGE = f"arn:aws:iam::{CMS}:role/Bridge"
WORKER = f"arn:aws:iam::{CMS}:role/Worker"
PIPELINE = f"arn:aws:iam::{CMS}:role/PipelineRole"
PARTY = Party("DHS", accounts=(DHS,))
ELIGIBILITY = Holding("arn:aws:s3:::elig/*", "medicaid", ("all",), ("all",), ("ssn",))
ROWS = {w.id: w for w in ways()}


def doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action: str | list[str], resource: str | list[str], sid: str, **extra: Any) -> dict[str, Any]:
    return {"Sid": sid, "Effect": "Allow", "Action": action, "Resource": resource, **extra}


def passed_to(*services: str) -> dict[str, Any]:
    return {"Condition": {"StringEquals": {"iam:PassedToService": list(services)}}} if services else {}


def role(arn: str, trust: dict[str, Any], *policies: dict[str, Any], profiles: tuple[str, ...] = ()) -> Role:
    return Role(arn, arn.rsplit("/", 1)[1], arn.split(":")[4], trust,
                inline_policies=tuple(NamedPolicy(f"p{i}", p) for i, p in enumerate(policies)),
                instance_profiles=profiles)


def trusts(principal: dict[str, Any]) -> dict[str, Any]:
    return doc({"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"})


def reach(*bridge: dict[str, Any], worker_trust: str = "ec2.amazonaws.com") -> Reach:
    analyst = role(ICE, trusts({"AWS": f"arn:aws:iam::{DHS}:root"}), doc(allow("sts:AssumeRole", "*", "Any")))
    bridge_role = role(BRIDGE, trusts({"AWS": f"arn:aws:iam::{DHS}:root"}), doc(*bridge))
    worker = role(WORKER, trusts({"Service": worker_trust}),
                  doc(allow("s3:GetObject", "arn:aws:s3:::elig/*", "ReadElig")),
                  profiles=(f"arn:aws:iam::{CMS}:instance-profile/Worker",))
    pipeline = role(PIPELINE, trusts({"Service": "datapipeline.amazonaws.com"}))
    bucket = Bucket("arn:aws:s3:::elig", "elig", CMS, REGION, sse_algorithm="AES256")
    snap = Snapshot((CMS, DHS), roles=(analyst, bridge_role, worker, pipeline), buckets=(bucket,))
    return compute_reach(snap, [PARTY], [ELIGIBILITY], REGION)


PIPELINE_ACTIONS = allow(["datapipeline:CreatePipeline", "datapipeline:PutPipelineDefinition",
                          "datapipeline:ActivatePipeline"], "*", "Pipelines")
PASS_PIPELINE_ROLE = allow("iam:PassRole", PIPELINE, "PassPipelineRole", **passed_to("datapipeline.amazonaws.com"))


def test_a_pipeline_whose_resource_role_may_be_passed_to_either_service_is_a_path() -> None:
    """PassRole of Worker with no iam:PassedToService condition: the path holds under both readings; the witness
    has the PassRole under each value."""
    found = reach(PIPELINE_ACTIONS, PASS_PIPELINE_ROLE, allow("iam:PassRole", WORKER, "PassWorker"))
    assert found.undecided == ()
    (access,) = found.accesses
    passes = [(h.resource, h.context.get("iam:PassedToService")) for h in access.hops if h.action == "iam:PassRole"]
    assert sorted(passes) == [(PIPELINE, "datapipeline.amazonaws.com"), (WORKER, "datapipeline.amazonaws.com"),
                              (WORKER, "ec2.amazonaws.com")]
    assert [h.action for h in access.hops if h.action.startswith("datapipeline:")] == [
        "datapipeline:CreatePipeline", "datapipeline:PutPipelineDefinition", "datapipeline:ActivatePipeline"]
    assert access.path[-2:] == (WORKER, "s3:GetObject")


def test_a_pipeline_whose_resource_role_may_be_passed_to_one_service_only_is_a_doubt() -> None:
    question = ROWS["datapipeline-activate"].unsettled
    assert question is not None
    for service, holds, fails in (("ec2.amazonaws.com", 1, 0), ("datapipeline.amazonaws.com", 0, 1)):
        found = reach(PIPELINE_ACTIONS, PASS_PIPELINE_ROLE,
                      allow("iam:PassRole", WORKER, "PassWorker", **passed_to(service)))
        assert found.accesses == ()
        (item,) = found.undecided
        assert (item.party, item.holding, item.principal, item.action, item.resource) == (
            "DHS", ELIGIBILITY, BRIDGE, "datapipeline:ActivatePipeline", WORKER)
        reason = item.reasons[0]
        assert reason.startswith(f"datapipeline-activate holds under some readings of an unsettled question only: "
                                 f"{question.question} It holds if {question.readings[holds].says}; not if "
                                 f"{question.readings[fails].says} (no path).")
        first = next(h for h in item.via if h.action == "iam:PassRole")
        assert (first.resource, first.context.get("iam:PassedToService")) == (WORKER, service)


def test_a_pipeline_the_caller_cannot_complete_is_nothing() -> None:
    pass_worker = allow("iam:PassRole", WORKER, "PassWorker")
    for bridge in (
        (PIPELINE_ACTIONS, PASS_PIPELINE_ROLE, allow("iam:PassRole", WORKER, "PassWorker",
                                                     **passed_to("lambda.amazonaws.com"))),
        (PIPELINE_ACTIONS, pass_worker),  # no pipeline role to pass to Data Pipeline
        (allow(["datapipeline:CreatePipeline", "datapipeline:PutPipelineDefinition"], "*", "NoActivate"),
         PASS_PIPELINE_ROLE, pass_worker),
    ):
        found = reach(*bridge)
        assert (found.accesses, found.undecided) == ((), ())


ESM = allow(["lambda:CreateFunction", "lambda:CreateEventSourceMapping"], "*", "Functions")
PASS_TO_LAMBDA = allow("iam:PassRole", WORKER, "PassWorker", **passed_to("lambda.amazonaws.com"))


def test_a_mapped_function_without_invoke_is_a_doubt_never_nothing() -> None:
    """lambda-create-event-source-mapping holds only where a source the caller can write to exists, which the
    inventory cannot know: INDETERMINATE for what the role reads."""
    found = reach(ESM, PASS_TO_LAMBDA, worker_trust="lambda.amazonaws.com")
    assert found.accesses == ()
    (item,) = found.undecided
    assert (item.holding, item.principal, item.action, item.resource) == (
        ELIGIBILITY, BRIDGE, "lambda:CreateEventSourceMapping", WORKER)
    assert item.reasons[0].startswith("lambda-create-event-source-mapping holds under some readings")
    assert [h.action for h in item.via] == ["sts:AssumeRole", "iam:PassRole", "lambda:CreateFunction",
                                            "lambda:CreateEventSourceMapping"]


def test_a_mapped_function_the_caller_may_also_invoke_is_the_create_function_path() -> None:
    invoke = allow("lambda:InvokeFunction", "*", "Invoke")
    found = reach(ESM, PASS_TO_LAMBDA, invoke, worker_trust="lambda.amazonaws.com")
    assert found.undecided == ()
    (access,) = found.accesses
    assert "lambda:InvokeFunction" in access.path


def test_a_mapped_function_whose_role_goes_to_another_service_is_nothing() -> None:
    found = reach(ESM, allow("iam:PassRole", WORKER, "PassWorker", **passed_to("ec2.amazonaws.com")),
                  worker_trust="lambda.amazonaws.com")
    assert (found.accesses, found.undecided) == ((), ())
