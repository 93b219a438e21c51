"""The ECS rows of the compute table (ecs-run-task-existing, ecs-task-image-push, ecs-run-task-override-role, and
ecs-execute-command, not modelled), over hand-built snapshots.

DHS's analyst assumes Bridge (CMS). CMS has a task definition ``etl`` (revision 3, the inventory's
ecs-task-definition) whose containers run as TaskRole, which reads eligibility and trusts ecs-tasks.amazonaws.com,
and whose main container runs ``cms/etl:nightly`` from CMS's ECR repository. Running the definition with a
command override runs the caller's command as TaskRole (RunTask on the definition; iam:PassRole of the task role is
unsettled); pushing the tag runs the caller's image as TaskRole at the next task. Running any definition (``probe``
has no task role) with TaskRole in its overrides runs the caller's command as TaskRole, passing it.
"""

from __future__ import annotations

from typing import Any

import pytest

from enjoin.config_model import Holding, Party
from enjoin.reach import compute_reach
from enjoin.reach_compute import named_as
from enjoin.reach_model import Reach
from enjoin.snapshot import Bucket, Compute, NamedPolicy, Repository, Role, Snapshot

CMS, DHS, REGION = "111111111111", "222222222222", "us-east-1"
ICE = f"arn:aws:iam::{DHS}:role/IceAnalyst"
BRIDGE = f"arn:aws:iam::{CMS}:role/Bridge"
TASK_ROLE = f"arn:aws:iam::{CMS}:role/TaskRole"
ETL = f"arn:aws:ecs:{REGION}:{CMS}:task-definition/etl"
PROBE = f"arn:aws:ecs:{REGION}:{CMS}:task-definition/probe"  # a definition without a task role
TASK = f"arn:aws:ecs:{REGION}:{CMS}:task/web/0f9e8d7c6b5a49382716f5e4d3c2b1a0"  # a running task, as TaskRole
REPOSITORY = f"arn:aws:ecr:{REGION}:{CMS}:repository/cms/etl"
IMAGE = f"{CMS}.dkr.ecr.{REGION}.amazonaws.com/cms/etl:nightly"
PARTY = Party("DHS", accounts=(DHS,))
ELIGIBILITY = Holding("arn:aws:s3:::elig/*", "medicaid", ("all",), ("all",), ("ssn",))
PASS = {"Sid": "Pass", "Effect": "Allow", "Action": "iam:PassRole", "Resource": TASK_ROLE,
        "Condition": {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}}}
PUSH = ["ecr:InitiateLayerUpload", "ecr:UploadLayerPart", "ecr:CompleteLayerUpload", "ecr:PutImage"]


def doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action: str | list[str], resource: str | list[str], sid: str, effect: str = "Allow") -> dict[str, Any]:
    return {"Sid": sid, "Effect": effect, "Action": action, "Resource": resource}


def role(arn: str, trust: dict[str, Any], *policies: dict[str, Any]) -> Role:
    return Role(arn, arn.rsplit("/", 1)[1], arn.split(":")[4], trust,
                inline_policies=tuple(NamedPolicy(f"p{i}", p) for i, p in enumerate(policies)))


def reach(*bridge: dict[str, Any], task_trust: str = "ecs-tasks.amazonaws.com", mutability: str = "MUTABLE",
          tags: tuple[str, ...] = ("nightly",), image: str = IMAGE, definitions: str = "etl") -> Reach:
    """``definitions``: "etl" (runs as TaskRole), "probe" (PROBE, which has no task role), "task" (no definition:
    TASK, a running task as TaskRole) or "none"."""
    trust_dhs = doc({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{DHS}:root"}, "Action": "sts:AssumeRole"})
    analyst = role(ICE, trust_dhs, doc(allow("sts:AssumeRole", "*", "Any")))
    bridge_role = role(BRIDGE, trust_dhs, doc(*bridge))
    task = role(TASK_ROLE, doc({"Effect": "Allow", "Principal": {"Service": task_trust}, "Action": "sts:AssumeRole"}),
                doc(allow("s3:GetObject", "arn:aws:s3:::elig/*", "Read")))
    bucket = Bucket("arn:aws:s3:::elig", "elig", CMS, REGION, sse_algorithm="AES256")
    compute = {
        "etl": (Compute("ecs-task-definition", f"{ETL}:3", "etl", CMS, REGION, TASK_ROLE,
                        images=(image, "public.ecr.aws/aws-observability/aws-for-fluent-bit:stable")),),
        "probe": (Compute("ecs-task-definition", f"{PROBE}:1", "probe", CMS, REGION, None,
                          images=("public.ecr.aws/docker/library/busybox:stable",)),),
        "none": (),
        "task": (Compute("ecs-task", TASK, TASK.rsplit("/", 1)[1], CMS, REGION, TASK_ROLE),),
    }[definitions]
    repository = Repository(REPOSITORY, "cms/etl", CMS, REGION, None, mutability, (), tags)
    snap = Snapshot((CMS, DHS), roles=(analyst, bridge_role, task), buckets=(bucket,), compute=compute,
                    repositories=(repository,))
    return compute_reach(snap, [PARTY], [ELIGIBILITY], REGION)


def test_running_an_existing_definition_with_passrole_runs_the_callers_command_as_its_task_role() -> None:
    found = reach(allow("ecs:RunTask", f"{ETL}:*", "Run"), PASS)
    assert found.undecided == ()
    (access,) = found.accesses
    steps = [(h.action, h.resource) for h in access.hops if h.principal == BRIDGE]
    assert ("ecs:RunTask", f"{ETL}:3") in steps and ("iam:PassRole", TASK_ROLE) in steps
    assert access.path[-2:] == (TASK_ROLE, "s3:GetObject")


def test_without_passrole_the_path_is_a_doubt_naming_the_question() -> None:
    found = reach(allow("ecs:RunTask", f"{ETL}:*", "Run"))
    assert found.accesses == ()
    assert found.undecided and all("ecs-run-task-existing" in " ".join(u.reasons) for u in found.undecided)
    assert any("AmazonEC2ContainerServiceEventsRole" in " ".join(u.reasons) for u in found.undecided)


def test_runtask_is_authorized_on_the_revision_however_the_definition_is_named() -> None:
    """RunTask takes family, family:revision or ARN, but ECS resolves the revision before it authorizes (since March
    2024): a policy must name the revision or all of them (``etl:*``); one naming the family's ARN alone allows
    nothing."""
    assert named_as(Compute("ecs-task-definition", f"{ETL}:3", "etl", CMS, REGION, TASK_ROLE)) == (f"{ETL}:3",)
    for scope in (f"{ETL}:*", f"{ETL}:3"):
        assert len(reach(allow("ecs:RunTask", scope, "Run"), PASS).accesses) == 1, scope
    for scope in (ETL, f"{ETL}:1"):  # the family's ARN alone; another revision only
        found = reach(allow("ecs:RunTask", scope, "Run"), PASS)
        assert (found.accesses, found.undecided) == ((), ()), scope


@pytest.mark.parametrize(
    ("case", "statements", "trust"),
    [
        ("another family", [allow("ecs:RunTask", f"arn:aws:ecs:{REGION}:{CMS}:task-definition/sandbox-*", "Run"),
                            PASS], "ecs-tasks.amazonaws.com"),
        ("a Deny on the definition", [allow("ecs:RunTask", "*", "Run"), PASS,
                                      allow("ecs:RunTask", f"{ETL}*", "NotEtl", "Deny")], "ecs-tasks.amazonaws.com"),
        ("a task role that trusts another service", [allow("ecs:RunTask", "*", "Run"), PASS], "lambda.amazonaws.com"),
        ("describing is not running", [allow("ecs:DescribeTaskDefinition", "*", "Read"), PASS],
         "ecs-tasks.amazonaws.com"),
    ],
)
def test_no_run_where_aws_refuses_it(case: str, statements: list[dict[str, Any]], trust: str) -> None:
    found = reach(*statements, task_trust=trust)
    assert (found.accesses, found.undecided) == ((), ()), case


def test_pushing_the_tag_a_definition_runs_runs_the_callers_image_as_its_task_role() -> None:
    push = [allow(PUSH, REPOSITORY, "Push"), allow("ecr:GetAuthorizationToken", "*", "Token")]
    found = reach(*push)
    (access,) = found.accesses
    assert ("ecr:PutImage", REPOSITORY) in [(h.action, h.resource) for h in access.hops]
    assert not any(h.action in ("ecs:RunTask", "iam:PassRole") for h in access.hops)
    assert access.path[-2:] == (TASK_ROLE, "s3:GetObject")


@pytest.mark.parametrize(
    ("case", "kwargs", "statements"),
    [
        ("pull only", {}, [allow(["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"], REPOSITORY, "Pull"),
                           allow("ecr:GetAuthorizationToken", "*", "Token")]),
        ("no registry token", {}, [allow(PUSH, REPOSITORY, "Push")]),
        ("an immutable tag an image bears", {"mutability": "IMMUTABLE"},
         [allow(PUSH, REPOSITORY, "Push"), allow("ecr:GetAuthorizationToken", "*", "Token")]),
        ("an image pinned by digest", {"image": f"{IMAGE.split(':')[0]}:nightly@sha256:{'a' * 64}"},
         [allow(PUSH, REPOSITORY, "Push"), allow("ecr:GetAuthorizationToken", "*", "Token")]),
    ],
)
def test_no_push_path_where_the_tag_cannot_move_or_aws_refuses(
    case: str, kwargs: dict[str, Any], statements: list[dict[str, Any]]
) -> None:
    found = reach(*statements, **kwargs)
    assert (found.accesses, found.undecided) == ((), ()), case


# ecs-run-task-override-role: RunTask of any definition, TaskRole passed in its overrides (overrides.taskRoleArn).


@pytest.mark.parametrize("scope", [f"{PROBE}:*", f"{PROBE}:1", "*"])
def test_running_a_definition_without_a_role_with_the_task_role_in_its_overrides_runs_as_that_role(
    scope: str,
) -> None:
    """RunTask is asked on the revision's ARN, as ECS authorizes it however the definition is named."""
    found = reach(allow("ecs:RunTask", scope, "Run"), PASS, definitions="probe")
    assert found.undecided == ()
    (access,) = found.accesses
    steps = [(h.action, h.resource) for h in access.hops if h.principal == BRIDGE]
    assert ("iam:PassRole", TASK_ROLE) in steps
    assert ("ecs:RunTask", f"{PROBE}:1") in steps
    run = next(h for h in access.hops if h.action == "ecs:RunTask")
    assert "ecs-run-task-override-role" in run.note and PROBE in run.note
    assert access.path[-2:] == (TASK_ROLE, "s3:GetObject")


def test_the_override_also_runs_a_definition_that_has_a_role_of_its_own_as_another() -> None:
    """TaskRole passed over the etl definition's own: found either way, with PassRole of TaskRole."""
    found = reach(allow("ecs:RunTask", f"{ETL}:3", "Run"), PASS)
    (access,) = found.accesses
    assert ("iam:PassRole", TASK_ROLE) in [(h.action, h.resource) for h in access.hops]


@pytest.mark.parametrize(
    ("case", "definitions", "statements"),
    [
        ("no definition to run", "none", [allow("ecs:RunTask", "*", "Run"), PASS]),
        ("no iam:PassRole", "probe", [allow("ecs:RunTask", "*", "Run")]),
        ("PassRole to another service", "probe",
         [allow("ecs:RunTask", "*", "Run"), {**PASS, "Condition": {"StringEquals": {
             "iam:PassedToService": "lambda.amazonaws.com"}}}]),
        ("RunTask on the family's ARN alone, which names no revision", "probe",
         [allow("ecs:RunTask", PROBE, "Run"), PASS]),
        ("RunTask on another family only", "probe",
         [allow("ecs:RunTask", f"arn:aws:ecs:{REGION}:{CMS}:task-definition/sandbox-*", "Run"), PASS]),
        ("a Deny of RunTask on the definition", "probe",
         [allow("ecs:RunTask", "*", "Run"), PASS, allow("ecs:RunTask", f"{PROBE}*", "NotProbe", "Deny")]),
    ],
)
def test_no_override_path_where_aws_refuses_it(case: str, definitions: str, statements: list[dict[str, Any]]) -> None:
    found = reach(*statements, definitions=definitions)
    assert (found.accesses, found.undecided) == ((), ()), case


def test_the_override_needs_the_role_to_trust_ecs_tasks() -> None:
    found = reach(allow("ecs:RunTask", "*", "Run"), PASS, definitions="probe", task_trust="lambda.amazonaws.com")
    assert (found.accesses, found.undecided) == ((), ())


# ecs-execute-command (not modelled): a running task a party may exec into puts what its role reads in doubt.


@pytest.mark.parametrize("scope", [TASK, f"arn:aws:ecs:{REGION}:{CMS}:task/web/*", "*"])
def test_a_running_task_a_party_may_exec_into_puts_what_its_role_reads_in_doubt(scope: str) -> None:
    found = reach(allow("ecs:ExecuteCommand", scope, "Exec"), definitions="task")
    assert found.accesses == ()
    (item,) = found.undecided
    assert (item.principal, item.action, item.resource) == (BRIDGE, "ecs:ExecuteCommand", TASK)
    assert item.reasons[0].startswith("ecs-execute-command is not modelled: ")
    assert f"{TASK} runs as {TASK_ROLE}" in item.reasons[0]


@pytest.mark.parametrize(
    ("case", "statements"),
    [
        ("another cluster's tasks only", [allow("ecs:ExecuteCommand", f"arn:aws:ecs:{REGION}:{CMS}:task/batch/*",
                                                "Exec")]),
        ("a Deny of ExecuteCommand", [allow("ecs:ExecuteCommand", "*", "Exec"),
                                      allow("ecs:ExecuteCommand", "*", "NoExec", "Deny")]),
        ("describing is not exec", [allow("ecs:DescribeTasks", "*", "Read")]),
    ],
)
def test_no_exec_doubt_where_aws_refuses_the_request(case: str, statements: list[dict[str, Any]]) -> None:
    found = reach(*statements, definitions="task")
    assert (found.accesses, found.undecided) == ((), ()), case


# ecs-start-task-existing and ecs-start-task-override-role: StartTask needs a container instance, which the inventory
# does not read, so each is at most a doubt naming its row.


@pytest.mark.parametrize(
    ("case", "definitions", "statements", "rows"),
    [
        ("the definition's own role, with PassRole", "etl", [allow("ecs:StartTask", f"{ETL}:*", "Start"), PASS],
         {"ecs-start-task-existing", "ecs-start-task-override-role"}),
        ("the definition's own role, without PassRole", "etl", [allow("ecs:StartTask", f"{ETL}:*", "Start")],
         {"ecs-start-task-existing"}),
        ("TaskRole in the overrides of a definition without a role", "probe",
         [allow("ecs:StartTask", f"{PROBE}:1", "Start"), PASS], {"ecs-start-task-override-role"}),
    ],
)
def test_starttask_on_a_container_instance_not_read_is_a_doubt_naming_the_row(
    case: str, definitions: str, statements: list[dict[str, Any]], rows: set[str]
) -> None:
    found = reach(*statements, definitions=definitions)
    assert found.accesses == (), case
    assert found.undecided, case
    reasons = " ".join(r for u in found.undecided for r in u.reasons)
    assert "container instance" in reasons, case
    named = {row for row in ("ecs-start-task-existing", "ecs-start-task-override-role")
             if f"{row} holds under some readings" in reasons}
    assert named and named <= rows, (case, named)


@pytest.mark.parametrize(
    ("case", "definitions", "statements"),
    [
        ("StartTask on another family only", "etl",
         [allow("ecs:StartTask", f"arn:aws:ecs:{REGION}:{CMS}:task-definition/sandbox-*", "Start"), PASS]),
        ("StartTask on the family's ARN alone", "probe", [allow("ecs:StartTask", PROBE, "Start"), PASS]),
        ("a definition without a role, and no PassRole", "probe", [allow("ecs:StartTask", "*", "Start")]),
        ("no definition to start", "none", [allow("ecs:StartTask", "*", "Start"), PASS]),
    ],
)
def test_no_starttask_doubt_where_aws_refuses_it(case: str, definitions: str, statements: list[dict[str, Any]]) -> None:
    found = reach(*statements, definitions=definitions)
    assert (found.accesses, found.undecided) == ((), ()), case


# ecs-create-service, ecs-update-service and ecs-create-task-set: a task definition of the caller's own, with the task
# role passed to it, run by a service or a task set, which the inventory does not read: each is at most a doubt naming
# its row. The request is asked on the probe and on each service (task set) the caller's policies name.

SERVICE = f"arn:aws:ecs:{REGION}:{CMS}:service/cms-prod/eligibility-api"
REGISTER = allow("ecs:RegisterTaskDefinition", "*", "Register")
SERVICE_ROWS = ("ecs-create-service", "ecs-update-service", "ecs-create-task-set")


def _rows_named(found: Reach) -> set[str]:
    reasons = " ".join(r for u in found.undecided for r in u.reasons)
    return {row for row in SERVICE_ROWS if f"{row} holds under some readings" in reasons}


@pytest.mark.parametrize(
    ("row", "action", "scope"),
    [
        ("ecs-update-service", "ecs:UpdateService", "*"),
        ("ecs-update-service", "ecs:UpdateService", SERVICE),
        ("ecs-update-service", "ecs:UpdateService", f"arn:aws:ecs:{REGION}:{CMS}:service/cms-prod/*"),
        ("ecs-create-service", "ecs:CreateService", "arn:aws:ecs:*:*:service/cms-prod/*"),
        ("ecs-create-service", "ecs:CreateService", f"arn:aws:ecs:{REGION}:{CMS}:service/*"),
        ("ecs-create-task-set", "ecs:CreateTaskSet",
         f"arn:aws:ecs:{REGION}:{CMS}:task-set/cms-prod/eligibility-api/*"),
        ("ecs-create-task-set", "ecs:CreateTaskSet", f"arn:aws:ecs:{REGION}:{CMS}:task-set/*/*/ecs-svc/*"),
    ],
)
def test_a_service_running_a_definition_of_the_callers_own_is_a_doubt_naming_the_row(
    row: str, action: str, scope: str
) -> None:
    found = reach(REGISTER, allow(action, scope, "Deploy"), PASS, definitions="none")
    assert found.accesses == ()
    assert _rows_named(found) == {row}
    (item,) = [u for u in found.undecided if f"{row} holds under some readings" in u.reasons[0]]
    assert item.action == action
    assert "does not read" in item.reasons[0]


@pytest.mark.parametrize(
    ("case", "statements", "trust"),
    [
        ("no PassRole of the task role", [REGISTER, allow("ecs:UpdateService", "*", "Deploy")],
         "ecs-tasks.amazonaws.com"),
        ("no RegisterTaskDefinition", [allow(["ecs:UpdateService", "ecs:CreateService"], "*", "Deploy"), PASS],
         "ecs-tasks.amazonaws.com"),
        ("PassRole only to Lambda", [REGISTER, allow("ecs:UpdateService", "*", "Deploy"),
                                     {**PASS, "Condition": {"StringEquals": {
                                         "iam:PassedToService": "lambda.amazonaws.com"}}}],
         "ecs-tasks.amazonaws.com"),
        ("a Deny of UpdateService on the one service allowed",
         [REGISTER, allow("ecs:UpdateService", SERVICE, "Deploy"),
          allow("ecs:UpdateService", f"arn:aws:ecs:{REGION}:{CMS}:service/cms-prod/*", "NoDeploy", "Deny"), PASS],
         "ecs-tasks.amazonaws.com"),
        ("UpdateService named on a task definition, not a service",
         [REGISTER, allow("ecs:UpdateService", f"arn:aws:ecs:{REGION}:{CMS}:task-definition/*", "Deploy"), PASS],
         "ecs-tasks.amazonaws.com"),
        ("CreateTaskSet on services, not task sets",
         [REGISTER, allow("ecs:CreateTaskSet", f"arn:aws:ecs:{REGION}:{CMS}:service/*", "Deploy"), PASS],
         "ecs-tasks.amazonaws.com"),
        ("the task role trusts another service", [REGISTER, allow("ecs:UpdateService", "*", "Deploy"), PASS],
         "lambda.amazonaws.com"),
    ],
)
def test_no_service_doubt_where_aws_refuses_it(case: str, statements: list[dict[str, Any]], trust: str) -> None:
    found = reach(*statements, task_trust=trust, definitions="none")
    assert (found.accesses, found.undecided) == ((), ()), case
