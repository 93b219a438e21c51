"""Reach through compute that already exists (the takeover rows of reach_compute.yaml), over hand-built snapshots.

DHS's analyst assumes Bridge (CMS); Bridge's policies say what it may do to an instance, a stack or a notebook that
runs as Worker, which reads eligibility. Each edge is asked of the engine on the existing resource's ARN.
"""

from __future__ import annotations

from typing import Any

import pytest

from enjoin.config_model import Holding, Party
from enjoin.reach import compute_reach
from enjoin.reach_compute import TableError, _way, ways
from enjoin.snapshot import Bucket, Compute, NamedPolicy, Role, Snapshot

CMS, DHS, REGION = "111111111111", "222222222222", "us-east-1"
ICE = f"arn:aws:iam::{DHS}:role/IceAnalyst"
BRIDGE = f"arn:aws:iam::{CMS}:role/Bridge"
WORKER = f"arn:aws:iam::{CMS}:role/Worker"
PLAIN = f"arn:aws:iam::{CMS}:role/Plain"
INSTANCE = f"arn:aws:ec2:{REGION}:{CMS}:instance/i-0123456789abcdef0"
STACK = f"arn:aws:cloudformation:{REGION}:{CMS}:stack/etl/5b1c7a40-0000-11ef-8000-0a1b2c3d4e5f"
NOTEBOOK = f"arn:aws:sagemaker:{REGION}:{CMS}:notebook-instance/analysis"
PARTY = Party("DHS", accounts=(DHS,))
ELIGIBILITY = Holding("arn:aws:s3:::elig/*", "medicaid", ("all",), ("all",), ("ssn",))


def doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action: str | list[str], resource: str | list[str], sid: str = "Bridge", **extra: Any) -> dict[str, Any]:
    return {"Sid": sid, "Effect": "Allow", "Action": action, "Resource": resource, **extra}


def service_trust(*services: str) -> dict[str, Any]:
    return doc({"Effect": "Allow", "Principal": {"Service": list(services)}, "Action": "sts:AssumeRole"})


def role(arn: str, trust: dict[str, Any], *policies: dict[str, Any], profiles: tuple[str, ...] = ()) -> Role:
    return Role(arn, arn.rsplit("/", 1)[1], arn.split(":")[4], trust,
                inline_policies=tuple(NamedPolicy(f"p{i}", p) for i, p in enumerate(policies)),
                instance_profiles=profiles)


ANALYST = role(ICE, doc({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{DHS}:root"},
                         "Action": "sts:AssumeRole"}), doc(allow("sts:AssumeRole", "*", "Any")))
READS = doc(allow("s3:GetObject", "arn:aws:s3:::elig/*", "ReadElig"))
ALL_SERVICES = ("ec2.amazonaws.com", "cloudformation.amazonaws.com", "sagemaker.amazonaws.com")


def snapshot(bridge: dict[str, Any], *compute: Compute, worker_trust: tuple[str, ...] = ALL_SERVICES,
             extra: tuple[Role, ...] = ()) -> Snapshot:
    bridge_role = role(BRIDGE, doc({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{DHS}:root"},
                                    "Action": "sts:AssumeRole"}), bridge)
    worker = role(WORKER, service_trust(*worker_trust), READS, profiles=(f"arn:aws:iam::{CMS}:instance-profile/W",))
    bucket = Bucket("arn:aws:s3:::elig", "elig", CMS, REGION, sse_algorithm="AES256")
    return Snapshot((CMS, DHS), roles=(ANALYST, bridge_role, worker, *extra), buckets=(bucket,), compute=compute)


def instance(role_arn: str | None = WORKER) -> Compute:
    profile = f"arn:aws:iam::{CMS}:instance-profile/{role_arn.rsplit('/', 1)[1]}" if role_arn else None
    return Compute("ec2-instance", INSTANCE, "i-0123456789abcdef0", CMS, REGION, role_arn, profile)


def reached(snap: Snapshot) -> list[tuple[str, ...]]:
    reach = compute_reach(snap, [PARTY], [ELIGIBILITY], REGION)
    assert reach.undecided == ()
    return [access.path for access in reach.accesses]


SHELL = "arn:aws:ssm:us-east-1::document/AWS-RunShellScript"


@pytest.mark.parametrize(
    ("statement", "action", "resource"),
    [
        (allow("ssm:SendCommand", [INSTANCE, "arn:aws:ssm:*:*:document/AWS-RunShellScript"]), "ssm:SendCommand",
         SHELL),
        (allow("ssm:StartSession", "arn:aws:ec2:*:*:instance/*"), "ssm:StartSession", INSTANCE),
        (allow("ec2-instance-connect:SendSSHPublicKey", INSTANCE,
               Condition={"StringEquals": {"ec2:osuser": "ec2-user"}}),
         "ec2-instance-connect:SendSSHPublicKey", INSTANCE),
    ],
)
def test_a_shell_on_an_instance_acts_as_its_role(statement: dict[str, Any], action: str, resource: str) -> None:
    (path,) = reached(snapshot(doc(statement), instance()))
    assert path[:4] == (ICE, "sts:AssumeRole", BRIDGE, action) and path[-2:] == (WORKER, "s3:GetObject")
    hops = compute_reach(snapshot(doc(statement), instance()), [PARTY], [ELIGIBILITY], REGION).accesses[0].hops
    assert [(h.action, h.resource) for h in hops[1:-1]][-1] == (action, resource)
    assert INSTANCE in path


@pytest.mark.parametrize(
    "statement",
    [
        allow("ssm:SendCommand", INSTANCE),  # not the document: SendCommand is asked on both
        allow("ssm:StartSession", f"arn:aws:ec2:{REGION}:{CMS}:instance/i-0000000000000000f"),  # another instance
        allow("ec2-instance-connect:SendSSHPublicKey", INSTANCE,
              Condition={"StringEquals": {"aws:PrincipalTag/team": "ops"}}),  # a tag Bridge does not carry
    ],
)
def test_a_shell_the_policy_does_not_give_reaches_nothing(statement: dict[str, Any]) -> None:
    assert reached(snapshot(doc(statement), instance())) == []


def test_an_instance_without_a_role_or_whose_role_no_longer_trusts_ec2_gives_nothing() -> None:
    shell = doc(allow("ssm:StartSession", "*"))
    assert reached(snapshot(shell, instance(None))) == []
    assert reached(snapshot(shell, instance(), worker_trust=("lambda.amazonaws.com",))) == []


def test_another_account_s_instance_is_not_taken_over() -> None:
    other = Compute("ec2-instance", INSTANCE.replace(CMS, "333333333333"), "i-1", "333333333333", REGION, WORKER)
    assert reached(snapshot(doc(allow("ssm:StartSession", "*")), other)) == []


PASS_WORKER = allow("iam:PassRole", WORKER, "PassWorker",
                    Condition={"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}})
REPLACE = allow("ec2:ReplaceIamInstanceProfileAssociation", "*", "Replace")
PLAIN_ROLE = role(PLAIN, service_trust("ec2.amazonaws.com"))


def test_an_instance_given_another_role_then_a_shell_acts_as_that_role() -> None:
    snap = snapshot(doc(PASS_WORKER, REPLACE, allow("ssm:StartSession", "*", "Shell")), instance(PLAIN),
                    extra=(PLAIN_ROLE,))
    (access,) = compute_reach(snap, [PARTY], [ELIGIBILITY], REGION).accesses
    assert [(h.action, h.resource) for h in access.hops[1:-1]] == [
        ("iam:PassRole", WORKER),
        ("ec2:ReplaceIamInstanceProfileAssociation", INSTANCE),
        ("ssm:StartSession", INSTANCE),
    ]
    assert access.hops[1].context["iam:PassedToService"] == "ec2.amazonaws.com"


@pytest.mark.parametrize(
    "statements",
    [
        (PASS_WORKER, REPLACE),  # no way to run code on the instance afterwards
        ({**PASS_WORKER, "Condition": {"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}}}, REPLACE,
         allow("ssm:StartSession", "*", "Shell")),  # the role may be passed to Lambda only
        (PASS_WORKER, allow("ssm:StartSession", "*", "Shell")),  # no replacement
    ],
)
def test_replacing_the_role_needs_the_pass_the_replacement_and_a_shell(statements: tuple[dict[str, Any], ...]) -> None:
    assert reached(snapshot(doc(*statements), instance(PLAIN), extra=(PLAIN_ROLE,))) == []


def test_a_stack_with_a_service_role_is_updated_without_passing_it() -> None:
    stack = Compute("cloudformation-stack", STACK, "etl", CMS, REGION, WORKER)
    update = doc(allow("cloudformation:UpdateStack", f"arn:aws:cloudformation:*:{CMS}:stack/etl/*"))
    assert reached(snapshot(update, stack)) == [(ICE, "sts:AssumeRole", BRIDGE, "cloudformation:UpdateStack", STACK,
                                                 WORKER, "s3:GetObject")]
    other = doc(allow("cloudformation:UpdateStack", f"arn:aws:cloudformation:*:{CMS}:stack/sandbox-*/*"))
    assert reached(snapshot(other, stack)) == []


def test_an_existing_notebook_is_opened_by_its_presigned_url() -> None:
    notebook = Compute("sagemaker-notebook", NOTEBOOK, "analysis", CMS, REGION, WORKER)
    url = doc(allow("sagemaker:CreatePresignedNotebookInstanceUrl", NOTEBOOK))
    assert reached(snapshot(url, notebook)) == [
        (ICE, "sts:AssumeRole", BRIDGE, "sagemaker:CreatePresignedNotebookInstanceUrl", NOTEBOOK, WORKER,
         "s3:GetObject")
    ]


STACK_SET = f"arn:aws:cloudformation:{REGION}:{CMS}:stackset/base:1"
JOB = f"arn:aws:glue:{REGION}:{CMS}:job/nightly"


ADMIN = f"arn:aws:iam::{CMS}:role/StackSetAdmin"
EXEC = f"arn:aws:iam::{CMS}:role/StackSetExec"
UPDATE_SET = allow("cloudformation:UpdateStackSet", f"arn:aws:cloudformation:*:{CMS}:stackset/base:*")
PASS_ADMIN = allow("iam:PassRole", ADMIN, "PassAdmin",
                   Condition={"StringEquals": {"iam:PassedToService": "cloudformation.amazonaws.com"}})


def stack_set_roles(exec_trusts: str = ADMIN) -> tuple[Role, ...]:
    """A self-managed stack set's administration role (trusted by CloudFormation, may assume the execution role) and
    an execution role of the same account that trusts it and reads eligibility."""
    admin = role(ADMIN, service_trust("cloudformation.amazonaws.com"),
                 doc(allow("sts:AssumeRole", "arn:aws:iam::*:role/StackSetExec", "AssumeExecution")))
    execution = role(EXEC, doc({"Effect": "Allow", "Principal": {"AWS": exec_trusts}, "Action": "sts:AssumeRole"}),
                     READS)
    return admin, execution


STACK_SET_COMPUTE = Compute("cloudformation-stack-set", STACK_SET, "base", CMS, REGION, ADMIN)


def test_a_stack_set_updated_by_one_who_may_pass_its_role_reaches_the_execution_role() -> None:
    """cloudformation-update-stack-set is unsettled (is iam:PassRole of the administration role asked when
    UpdateStackSet names it again?): with PassRole of it to CloudFormation as well, the caller acts as the
    administration role under both readings, and the role's own sts:AssumeRole of the execution role, which trusts
    it, is an ordinary edge."""
    row = {w.id: w for w in ways()}["cloudformation-update-stack-set"]
    assert row.modeled and row.unsettled is not None
    assert {r.asks_pass_role for r in row.unsettled.readings} == {True, False}
    snap = snapshot(doc(PASS_ADMIN, UPDATE_SET), STACK_SET_COMPUTE, extra=stack_set_roles())
    (access,) = compute_reach(snap, [PARTY], [ELIGIBILITY], REGION).accesses
    assert access.path == (ICE, "sts:AssumeRole", BRIDGE, "iam:PassRole", ADMIN, "cloudformation:UpdateStackSet",
                           STACK_SET, ADMIN, "sts:AssumeRole", EXEC, "s3:GetObject")
    assert access.hops[1].context["iam:PassedToService"] == "cloudformation.amazonaws.com"


def test_a_stack_set_updated_without_passing_its_role_is_a_doubt_naming_the_question() -> None:
    """Without PassRole the path holds only if UpdateStackSet asks none: what the administration role reads (through
    the execution role) is INDETERMINATE for the party, naming the row and the question."""
    row = {w.id: w for w in ways()}["cloudformation-update-stack-set"]
    assert row.unsettled is not None
    reach = compute_reach(snapshot(doc(UPDATE_SET), STACK_SET_COMPUTE, extra=stack_set_roles()), [PARTY],
                          [ELIGIBILITY], REGION)
    assert reach.accesses == ()
    (item,) = reach.undecided
    assert (item.party, item.holding, item.principal, item.action, item.resource) == (
        "DHS", ELIGIBILITY, BRIDGE, "cloudformation:UpdateStackSet", ADMIN)
    assert item.reasons[0].startswith(f"cloudformation-update-stack-set holds under some readings of an unsettled "
                                      f"question only: {row.unsettled.question}")
    assert [(h.action, h.resource) for h in item.via] == [("sts:AssumeRole", BRIDGE),
                                                          ("cloudformation:UpdateStackSet", STACK_SET)]


def test_a_stack_set_whose_execution_role_trusts_another_or_that_the_caller_may_not_update_gives_nothing() -> None:
    other = f"arn:aws:iam::{CMS}:role/SomeoneElse"
    assert reached(snapshot(doc(PASS_ADMIN, UPDATE_SET), STACK_SET_COMPUTE, extra=stack_set_roles(other))) == []
    sandbox = allow("cloudformation:UpdateStackSet", f"arn:aws:cloudformation:*:{CMS}:stackset/sandbox-*:*")
    assert reached(snapshot(doc(PASS_ADMIN, sandbox), STACK_SET_COMPUTE, extra=stack_set_roles())) == []


GLUE_JOB = Compute("glue-job", JOB, "nightly", CMS, REGION, WORKER)
UPDATE_JOB = allow("glue:UpdateJob", f"arn:aws:glue:*:{CMS}:job/*")
PASS_TO_GLUE = allow("iam:PassRole", WORKER, "PassWorker",
                     Condition={"StringEquals": {"iam:PassedToService": "glue.amazonaws.com"}})


def test_a_job_updated_by_one_who_may_also_pass_its_role_is_a_path_under_both_readings() -> None:
    """glue-update-job is unsettled (is iam:PassRole of the job's role asked when UpdateJob names it again?): with
    PassRole of it to Glue as well, the path holds under both readings, and its witness has the PassRole."""
    (access,) = compute_reach(snapshot(doc(PASS_TO_GLUE, UPDATE_JOB), GLUE_JOB, worker_trust=("glue.amazonaws.com",)),
                              [PARTY], [ELIGIBILITY], REGION).accesses
    assert access.path == (ICE, "sts:AssumeRole", BRIDGE, "iam:PassRole", WORKER, "glue:UpdateJob", JOB, WORKER,
                           "s3:GetObject")
    assert access.hops[1].context["iam:PassedToService"] == "glue.amazonaws.com"


def test_a_job_updated_without_passing_its_role_is_a_doubt_naming_the_question() -> None:
    """Without PassRole the path holds only if UpdateJob asks none: INDETERMINATE for what the job's role reads."""
    row = {w.id: w for w in ways()}["glue-update-job"]
    assert row.modeled and row.unsettled is not None
    reach = compute_reach(snapshot(doc(UPDATE_JOB), GLUE_JOB, worker_trust=("glue.amazonaws.com",)), [PARTY],
                          [ELIGIBILITY], REGION)
    assert reach.accesses == ()
    (item,) = reach.undecided
    assert (item.party, item.holding, item.principal, item.action, item.resource) == (
        "DHS", ELIGIBILITY, BRIDGE, "glue:UpdateJob", WORKER)
    assert item.reasons[0].startswith(
        f"glue-update-job holds under some readings of an unsettled question only: {row.unsettled.question}")
    assert row.unsettled.readings[1].says in item.reasons[0]
    assert [(h.action, h.resource) for h in item.via] == [("sts:AssumeRole", BRIDGE), ("glue:UpdateJob", JOB)]


def test_a_job_no_one_may_update_or_whose_role_no_longer_trusts_glue_changes_nothing() -> None:
    trusts = ("glue.amazonaws.com",)
    assert reached(snapshot(doc(allow("glue:UpdateJob", f"arn:aws:glue:*:{CMS}:job/other")), GLUE_JOB,
                            worker_trust=trusts)) == []
    assert reached(snapshot(doc(allow("glue:GetJob", "*")), GLUE_JOB, worker_trust=trusts)) == []
    assert reached(snapshot(doc(PASS_TO_GLUE, UPDATE_JOB), GLUE_JOB, worker_trust=("ec2.amazonaws.com",))) == []
    # A role that reads nothing of the holdings: in doubt is only what it reads, here nothing.
    idle = Compute("glue-job", JOB, "nightly", CMS, REGION, PLAIN)
    assert reached(snapshot(doc(allow("glue:UpdateJob", "*")), idle,
                            extra=(role(PLAIN, service_trust("glue.amazonaws.com")),))) == []


def test_a_job_whose_role_is_unknown_puts_every_holding_in_doubt() -> None:
    job = Compute("glue-job", JOB, "nightly", CMS, REGION, f"arn:aws:iam::{CMS}:role/NotRead")
    reach = compute_reach(snapshot(doc(allow("glue:UpdateJob", "*")), job), [PARTY], [ELIGIBILITY], REGION)
    assert [(u.holding, u.resource) for u in reach.undecided] == [(ELIGIBILITY, JOB)]
    assert reach.undecided[0].reasons[0].startswith("glue-update-job is unsettled (")


def test_a_takeover_the_engine_cannot_decide_is_undecided_not_dropped() -> None:
    unreadable = allow("ssm:StartSession", "*", Condition={"StringEqualsIfExistsButNot": {"aws:SourceIp": "x"}})
    reach = compute_reach(snapshot(doc(unreadable), instance()), [PARTY], [ELIGIBILITY], REGION)
    assert reach.accesses == ()
    assert [(u.principal, u.action) for u in reach.undecided] == [(BRIDGE, "edge")]
    assert any("ssm:StartSession" in r for u in reach.undecided for r in u.reasons)


def test_a_row_s_kind_and_then_are_checked() -> None:
    row = {"status": "modeled", "service": "ec2.amazonaws.com", "requests": [{"action": "ssm:StartSession",
           "resource": "{existing}"}], "documentation": ["https://docs.aws.amazon.com/x"], "how": "x",
           "takes_over": "AWS::EC2::Instance"}
    with pytest.raises(TableError, match=r"ways\.x\.takes_over: expected one of .*found 'AWS::EC2::Instance'"):
        _way("x", row)
    with pytest.raises(TableError, match=r"asks on \{existing\}, \{code\}, \{image\} or \{config\} exactly when it "
                                         r"takes_over"):
        _way("x", {**row, "takes_over": None})
    code = {**row, "takes_over": "glue-job", "service": "glue.amazonaws.com"}
    with pytest.raises(TableError, match=r"or \{config\} exactly when it takes_over a kind; found takes_over None"):
        _way("x", {**code, "takes_over": None, "requests": [{"action": "s3:PutObject", "resource": "{code}"}]})
    with pytest.raises(TableError, match=r"asks on \{code\} asks s3:PutObject alone, passes no role"):
        _way("x", {**code, "requests": [{"action": "s3:PutObjectAcl", "resource": "{code}"}]})
    with pytest.raises(TableError, match=r"asks on \{code\} asks s3:PutObject alone, passes no role"):
        _way("x", {**code, "pass_role": True, "requests": [{"action": "s3:PutObject", "resource": "{code}"}]})
    assert _way("x", {**code, "requests": [{"action": "s3:PutObject", "resource": "{code}"}]}).code
    push = [{"action": "ecr:GetAuthorizationToken", "resource": "*"}, {"action": "ecr:PutImage", "resource": "{image}"}]
    image = {**row, "takes_over": "batch-job-definition", "service": "ecs-tasks.amazonaws.com", "requests": push}
    with pytest.raises(TableError, match=r"asks on \{image\} asks ECR actions alone, on \{image\} or '\*'"):
        _way("x", {**image, "requests": [*push, {"action": "s3:PutObject", "resource": "{image}"}]})
    with pytest.raises(TableError, match=r"asks on \{image\} asks ECR actions alone.*passes no role"):
        _way("x", {**image, "pass_role": True})
    with pytest.raises(TableError, match=r"or \{config\} exactly when it takes_over a kind; found takes_over None"):
        _way("x", {**image, "takes_over": None})
    assert _way("x", image).image and not _way("x", image).code
    config = {**row, "takes_over": "sagemaker-notebook", "service": "sagemaker.amazonaws.com",
              "requests": [{"action": "sagemaker:UpdateNotebookInstanceLifecycleConfig", "resource": "{config}"}]}
    with pytest.raises(TableError, match=r"asks on \{config\} \(a notebook's lifecycle configuration\) takes over "
                                         r"sagemaker-notebook.*found takes_over 'ec2-instance'"):
        _way("x", {**config, "takes_over": "ec2-instance"})
    with pytest.raises(TableError, match=r"asks on \{config\} .* passes no role"):
        _way("x", {**config, "pass_role": True})
    assert _way("x", config).takes_over == "sagemaker-notebook"
    document = "arn:{partition}:ssm:{region}::document/D"
    targets = {**row, "by_targets": True, "takes_over": "ec2-instance",
               "requests": [{"action": "ssm:CreateAssociation", "resource": document}]}
    assert _way("x", targets).by_targets
    with pytest.raises(TableError, match=r"exactly when it takes_over a kind"):
        _way("x", {**targets, "by_targets": False})
    for broken in ({"by_targets": "yes"}, {"takes_over": None}, {"pass_role": True},
                   {"requests": [*targets["requests"], {"action": "ssm:SendCommand", "resource": "{existing}"}]}):
        with pytest.raises(TableError, match=r"ways\.x\.by_targets: expected true or false, true only on a row that "
                                             r"takes over a kind, passes no role and asks on ARN patterns alone"):
            _way("x", {**targets, **broken})


def test_existing_compute_of_a_not_modelled_row_puts_what_its_role_reads_in_doubt(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A row found later starts as not_modelled (as ecs-execute-command is: tests/test_reach_compute_ecs.py). Its
    existing resources that a party's principal may make the row's first request on put what their role reads in
    doubt, naming why_not."""
    from dataclasses import replace

    import enjoin.reach
    import enjoin.reach_compute

    table = tuple(replace(w, status="not_modelled", why_not="the notebook's URL is not followed yet")
                  if w.id == "sagemaker-presigned-url" else w for w in enjoin.reach_compute.ways())
    monkeypatch.setattr(enjoin.reach_compute, "ways", lambda: table)
    monkeypatch.setattr(enjoin.reach, "ways", lambda: table)
    notebook = Compute("sagemaker-notebook", NOTEBOOK, "analysis", CMS, REGION, WORKER)
    may = allow("sagemaker:CreatePresignedNotebookInstanceUrl", NOTEBOOK)
    reach = compute_reach(snapshot(doc(may), notebook), [PARTY], [ELIGIBILITY], REGION)
    assert reach.accesses == ()
    (item,) = reach.undecided
    assert (item.holding, item.principal, item.action, item.resource) == (
        ELIGIBILITY, BRIDGE, "sagemaker:CreatePresignedNotebookInstanceUrl", NOTEBOOK)
    assert item.reasons[0].startswith("sagemaker-presigned-url is not modelled: the notebook's URL is not followed yet")
    # A principal that may not make the request leaves nothing in doubt.
    other = allow("sagemaker:CreatePresignedNotebookInstanceUrl", f"arn:aws:sagemaker:{REGION}:{CMS}:"
                                                                  "notebook-instance/sandbox-*")
    assert compute_reach(snapshot(doc(other), notebook), [PARTY], [ELIGIBILITY], REGION).undecided == ()


ASSOCIATIONS = f"arn:aws:ssm:{REGION}:{CMS}:association/*"


@pytest.mark.parametrize(
    "bridge",
    [
        doc(allow("ssm:CreateAssociation", [SHELL, ASSOCIATIONS])),
        # Scoped away from the instance, and even denied on it: an association that names it through Targets is not
        # checked against it (AWS's State Manager IAM page), so neither stops the path.
        doc(allow("ssm:CreateAssociation", [SHELL, ASSOCIATIONS, f"arn:aws:ec2:{REGION}:{CMS}:instance/i-other"])),
        doc(allow("ssm:CreateAssociation", [SHELL, ASSOCIATIONS, f"arn:aws:ec2:{REGION}:{CMS}:instance/*"]),
            {"Effect": "Deny", "Action": "ssm:CreateAssociation", "Resource": "arn:aws:ec2:*:*:instance/*"}),
    ],
)
def test_an_association_targeting_the_instance_by_tag_runs_commands_as_its_role_whatever_instances_are_allowed(
    bridge: dict[str, Any],
) -> None:
    reach = compute_reach(snapshot(bridge, instance()), [PARTY], [ELIGIBILITY], REGION)
    # The only way in (the instance is not allowed, or denied): two requests, none on the instance.
    paths = [[(h.principal, h.action, h.resource) for h in a.hops] for a in reach.accesses]
    assert paths and reach.undecided == ()
    for path in paths:
        assert path[1:3] == [(BRIDGE, "ssm:CreateAssociation", SHELL),
                             (BRIDGE, "ssm:CreateAssociation", f"arn:aws:ssm:{REGION}:{CMS}:association/enjoin-probe")]
        assert path[-1][0] == WORKER
    assert all(any("ssm-create-association-targets" in h.note for h in a.hops) for a in reach.accesses)


def test_an_association_allowed_on_its_document_alone_is_a_doubt_naming_the_row() -> None:
    reach = compute_reach(snapshot(doc(allow("ssm:CreateAssociation", SHELL)), instance()), [PARTY], [ELIGIBILITY],
                          REGION)
    assert reach.accesses == ()
    assert reach.undecided
    assert all("ssm-create-association-targets holds under some readings" in i.reasons[0] for i in reach.undecided)


@pytest.mark.parametrize(
    "bridge",
    [
        doc(allow("ssm:CreateAssociation", [f"arn:aws:ssm:{REGION}::document/AWS-ConfigureAWSPackage", ASSOCIATIONS])),
        doc(allow("ssm:CreateAssociation", "*"),
            {"Effect": "Deny", "Action": "ssm:CreateAssociation", "Resource": SHELL}),
        doc(allow("ssm:DescribeAssociation", "*")),
    ],
)
def test_no_association_path_where_the_document_is_another_or_denied(bridge: dict[str, Any]) -> None:
    assert reached(snapshot(bridge, instance())) == []
