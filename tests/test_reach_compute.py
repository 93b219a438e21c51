"""The compute-as-role table (src/enjoin/reach_compute.yaml) holds to its rules, and agrees with the classification.

Every row cites AWS documentation and names a service principal and requests in the shapes reach asks; a row whose
question AWS leaves open lists its readings, each with what it changes; a row not modelled says why, and the resource
it goes through is an unmodeled construct (INDETERMINATE for what its role can read), so that no path the table knows
of can end in a silent COMPLIANT.
"""

from __future__ import annotations

import pytest

from enjoin.iac.cloudformation.classification import Class, load_classification
from enjoin.reach_compute import KINDS, Ask, TableError, _way, names, not_modelled, ways
from enjoin.reach_graph import Node
from enjoin.snapshot import Role

# What the issue names, at least: each must be a row, modeled or listed as not yet.
REQUIRED = {
    "lambda-create-function", "lambda-create-event-source-mapping", "lambda-update-function-code",
    "lambda-update-function-configuration", "ec2-run-instances", "ec2-associate-instance-profile",
    "ec2-replace-instance-profile", "ssm-send-command", "ssm-start-session", "ec2-instance-connect",
    "cloudformation-create-stack", "cloudformation-change-set", "cloudformation-update-stack",
    "cloudformation-update-stack-set", "codebuild-create-project", "codebuild-start-build-override",
    "codebuild-update-project", "glue-create-dev-endpoint", "glue-update-dev-endpoint", "glue-create-job",
    "glue-update-job", "sagemaker-create-notebook", "sagemaker-presigned-url", "sagemaker-create-training-job",
    "sagemaker-create-processing-job", "datapipeline-activate", "ecs-run-task", "stepfunctions-create-state-machine",
    "autoscaling-launch-configuration", "autoscaling-launch-template",
}


def test_every_way_the_issue_names_is_a_row() -> None:
    assert sorted(REQUIRED - {w.id for w in ways()}) == []


def test_every_row_cites_aws_and_says_how() -> None:
    for way in ways():
        assert way.documentation and all(u.startswith("https://docs.aws.amazon.com/") for u in way.documentation)
        assert way.how, way.id
        assert way.modeled or way.why_not, way.id


def test_a_way_that_passes_a_role_names_the_service_it_is_passed_to() -> None:
    for way in ways():
        if way.pass_role:
            assert way.service.endswith(".amazonaws.com"), way.id


def test_what_a_not_modelled_row_goes_through_is_unmodeled_for_what_its_roles_read() -> None:
    """Until reach follows the path, the resource is an unmodeled construct: INDETERMINATE for its role's holdings."""
    classification = load_classification()
    for way in not_modelled():
        if way.takes_over is None:
            continue
        entry = classification.of_type(KINDS[way.takes_over])
        assert entry.klass is Class.UNMODELED, (way.id, way.takes_over, entry.klass)
        assert {"roles", "all"} & set(entry.affects), (way.id, way.takes_over, entry.affects)


def test_a_kind_s_type_is_modeled_only_when_every_row_through_it_is() -> None:
    """A template's instance, notebook... is deployed and left to reach only when reach follows every way the table
    knows to its role; otherwise it stays an unmodeled construct."""
    classification = load_classification()
    for kind, rtype in KINDS.items():
        rows = [w for w in ways() if kind in (w.takes_over, w.needs)]
        if classification.of_type(rtype).klass is Class.MODELED:
            assert rows and all(w.modeled for w in rows), (kind, [w.id for w in rows if not w.modeled])


def test_existing_resource_rows_are_either_modeled_by_reach_or_listed_with_their_resource() -> None:
    for way in ways():
        if way.existing and not way.modeled:
            assert way.takes_over, way.id


def test_an_unsettled_row_is_followed_and_lists_two_readings_each_with_what_changes() -> None:
    """A question AWS leaves open is followed under each reading (never dropped): the row is modeled, states the
    question, and lists two readings at least, each saying what AWS would do and changing something of the row."""
    unsettled = {w.id: w for w in ways() if w.unsettled is not None}
    assert {"datapipeline-activate", "glue-update-job", "lambda-create-event-source-mapping"} <= set(unsettled)
    for way in unsettled.values():
        assert way.modeled and not way.why_not, way.id
        assert way.unsettled is not None and way.unsettled.question, way.id
        readings = way.unsettled.readings
        assert len(readings) >= 2, way.id
        for reading in readings:
            assert reading.says, way.id
            assert (reading.passed_to, reading.asks_pass_role, reading.holds, reading.drops) != (None,) * 4, way.id
        assert len({(r.passed_to, r.asks_pass_role, r.holds, r.drops) for r in readings}) == len(readings), way.id


_ROW = {"status": "modeled", "service": "ec2.amazonaws.com", "requests": [{"action": "ec2:RunInstances",
        "resource": "*"}], "documentation": ["https://docs.aws.amazon.com/x"], "how": "x"}
_TWO = [{"says": "a", "passed_to": "ec2.amazonaws.com"}, {"says": "b", "passed_to": "lambda.amazonaws.com"}]


@pytest.mark.parametrize(
    ("row", "says"),
    [
        ({**_ROW, "status": "not_modelled", "why_not": "x", "unsettled": {"question": "q", "readings": _TWO}},
         "unsettled: expected on a modeled row"),
        ({**_ROW, "unsettled": {"question": "q", "readings": _TWO[:1]}}, "expected a question and two readings"),
        ({**_ROW, "unsettled": {"readings": _TWO}}, "expected a question and two readings"),
        ({**_ROW, "unsettled": {"question": "q", "readings": [_TWO[0], {"says": "b"}]}},
         "readings[1]: expected says and what changes"),
        ({**_ROW, "unsettled": {"question": "q", "readings": [_TWO[0], {"says": "b", "colour": "red"}]}},
         "readings[1]: expected says and what changes"),
        ({**_ROW, "unsettled": {"question": "q", "readings": [_TWO[0], {"passed_to": "ec2.amazonaws.com"}]}},
         "readings[1]: expected what the reading says"),
        ({**_ROW, "unsettled": {"question": "q", "readings": [_TWO[0], {"says": "b", "passed_to": "ec2"}]}},
         "readings[1].passed_to: expected a service principal"),
        ({**_ROW, "unsettled": {"question": "q", "readings": [{"says": "a", "holds": "yes"}, _TWO[1]]}},
         "readings[0].holds: expected true or false"),
        ({**_ROW, "unsettled": {"question": "q", "readings": [_TWO[0], {**_TWO[0], "says": "c"}]}},
         "expected readings that differ in what they change"),
        ({**_ROW, "unsettled": {"question": "q", "readings": [_TWO[0], {"says": "b", "drops": "arn:x"}]}},
         "readings[1].drops: expected the resource pattern of some of the row's requests, not of all of them"),
        ({**_ROW, "unsettled": {"question": "q", "readings": [_TWO[0], {"says": "b", "drops": "*"}]}},
         "readings[1].drops: expected the resource pattern of some of the row's requests, not of all of them"),
    ],
)
def test_a_broken_unsettled_row_is_refused_naming_it(row: dict[str, object], says: str) -> None:
    with pytest.raises(TableError) as caught:
        _way("x", row)
    assert "ways.x" in str(caught.value) and says in str(caught.value)


_ANY = "arn:{partition}:ecs:{region}:{account}:service/*/{any}"
_NOWHERE = [{"says": "it exists", "holds": True}, {"says": "none exists", "holds": False}]


@pytest.mark.parametrize(
    ("requests", "unsettled", "says"),
    [
        ([{"action": "ecs:UpdateService", "resource": _ANY}], None, "is unsettled, with a reading under which none"),
        ([{"action": "ecs:UpdateService", "resource": _ANY}], {"question": "q", "readings": _TWO},
         "is unsettled, with a reading under which none"),
        ([{"action": "ecs:UpdateService", "resource": _ANY + "/x"}], {"question": "q", "readings": _NOWHERE},
         "expected {any} once, at the end"),
        ([{"action": "ecs:UpdateService", "resource": "arn:{partition}:ecs:{region}:{account}:service/{name}/{any}"}],
         {"question": "q", "readings": _NOWHERE}, "without {name}"),
    ],
)
def test_a_row_asking_on_a_resource_not_read_must_say_it_may_not_exist(
    requests: list[dict[str, str]], unsettled: dict[str, object] | None, says: str
) -> None:
    row = {**_ROW, "service": "ecs-tasks.amazonaws.com", "pass_role": True, "requests": requests,
           **({"unsettled": unsettled} if unsettled else {})}
    with pytest.raises(TableError) as caught:
        _way("x", row)
    assert "ways.x" in str(caught.value) and says in str(caught.value)
    fine = {**row, "requests": [{"action": "ecs:UpdateService", "resource": _ANY}],
            "unsettled": {"question": "q", "readings": _NOWHERE}}
    assert _way("x", fine).requests[0].resource == _ANY


@pytest.mark.parametrize(
    ("row", "says"),
    [
        ({"status": "maybe", "service": "ec2.amazonaws.com", "requests": [{"action": "ec2:RunInstances",
          "resource": "*"}], "documentation": ["https://docs.aws.amazon.com/x"], "how": "x"},
         "status: expected modeled or not_modelled; found 'maybe'"),
        ({"status": "modeled", "service": "ec2", "requests": [{"action": "ec2:RunInstances", "resource": "*"}],
          "documentation": ["https://docs.aws.amazon.com/x"], "how": "x"}, "expected a service principal"),
        ({"status": "modeled", "service": "ec2.amazonaws.com", "requests": [{"action": "RunInstances",
          "resource": "*"}], "documentation": ["https://docs.aws.amazon.com/x"], "how": "x"},
         "expected an action and an ARN pattern"),
        ({"status": "modeled", "service": "ec2.amazonaws.com", "requests": [{"action": "ec2:RunInstances",
          "resource": "*"}], "documentation": ["https://example.com/blog"], "how": "x"},
         "expected AWS documentation"),
        ({"status": "not_modelled", "service": "ec2.amazonaws.com", "requests": [{"action": "ec2:RunInstances",
          "resource": "*"}], "documentation": ["https://docs.aws.amazon.com/x"], "how": "x"}, "says why_not"),
        ({"status": "modeled", "service": "ec2.amazonaws.com", "requests": [], "documentation": [], "how": "x",
          "colour": "red"}, "unknown fields ['colour']"),
    ],
)
def test_a_broken_row_is_refused_naming_it(row: dict[str, object], says: str) -> None:
    with pytest.raises(TableError, match=r"ways\.x"):
        _way("x", row)
    with pytest.raises(TableError) as caught:
        _way("x", row)
    assert says in str(caught.value)


def _node(resources: list[str]) -> Node:
    from enjoin.engine import PolicyKind, compile_policy

    policy = compile_policy({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "*", "Resource": resources}]}, label="test", kind=PolicyKind.IDENTITY)
    return Node("k", "arn:aws:iam::111111111111:role/r", "111111111111", "role", (policy,), None, {}, None)


def test_names_follow_the_callers_resource_patterns() -> None:
    asks = (Ask("glue:CreateJob", "arn:{partition}:glue:{region}:{account}:job/{name}"),)
    who = _node(["arn:aws:glue:us-east-1:111111111111:job/dhs-*", "arn:aws:s3:::bucket/*"])
    assert names(who, "us-east-1", asks) == ["enjoin-probe", "dhs-enjoin-probe"]
    stack = (Ask("cloudformation:CreateStack", "arn:{partition}:cloudformation:{region}:{account}:stack/{name}/*"),)
    who = _node(["arn:aws:cloudformation:us-east-1:111111111111:stack/sandbox-*/*"])
    assert names(who, "us-east-1", stack) == ["enjoin-probe", "sandbox-enjoin-probe"]


# What the App Runner and EMR rows decide: a caller (role Caller of account 111111111111) with the given statements,
# a workload role trusting the given service, and for EMR a service role trusting elasticmapreduce.amazonaws.com.
_ACCOUNT = "111111111111"
_CALLER = f"arn:aws:iam::{_ACCOUNT}:role/Caller"
_WORKLOAD = f"arn:aws:iam::{_ACCOUNT}:role/Workload"
_EMR_SERVICE = f"arn:aws:iam::{_ACCOUNT}:role/EmrService"


def _trusting(arn: str, service: str, profiles: tuple[str, ...] = ()) -> Role:
    trust = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}]}
    return Role(arn, arn.rsplit("/", 1)[-1], _ACCOUNT, trust, instance_profiles=profiles)


def _pass(role: str, service: str) -> dict[str, object]:
    return {"Effect": "Allow", "Action": "iam:PassRole", "Resource": role,
            "Condition": {"StringEquals": {"iam:PassedToService": service}}}


def _decide(way_id: str, statements: list[dict[str, object]], roles: list[Role],
            boundary: list[dict[str, object]] | None = None) -> object:
    """The row's path from Caller to Workload, decided by the engine under each reading of the row; ``boundary``:
    the statements of Caller's permissions boundary, if it has one."""
    from enjoin.reach_compute import new_compute, trusted_services, under_readings
    from enjoin.reach_graph import build_graph
    from enjoin.snapshot import ManagedPolicy, NamedPolicy, Snapshot

    limit = f"arn:aws:iam::{_ACCOUNT}:policy/Limit"
    caller = Role(_CALLER, "Caller", _ACCOUNT, {"Version": "2012-10-17", "Statement": []},
                  inline_policies=(NamedPolicy("p", {"Version": "2012-10-17", "Statement": statements}),),
                  permissions_boundary_arn=limit if boundary is not None else None)
    managed = (ManagedPolicy(limit, "Limit", {"Version": "2012-10-17", "Statement": boundary}),) if boundary else ()
    graph = build_graph(Snapshot(accounts=(_ACCOUNT,), roles=(caller, *roles), policies=managed), (),
                        "us-east-1")
    way = next(w for w in ways() if w.id == way_id)
    services = trusted_services(graph)
    return under_readings(way, lambda w: new_compute(graph, w, graph.nodes[_CALLER], graph.nodes[_WORKLOAD],
                                                     services))


_CREATE_SERVICE: dict[str, object] = {"Effect": "Allow", "Action": "apprunner:CreateService", "Resource": "*"}


def test_apprunner_a_caller_passing_the_instance_role_to_either_value_runs_as_it() -> None:
    from enjoin.reach_edges import Edge

    found = _decide("apprunner-create-service", [_pass(_WORKLOAD, "apprunner.amazonaws.com"),
                                                 _pass(_WORKLOAD, "bullet.amazonaws.com"), _CREATE_SERVICE],
                    [_trusting(_WORKLOAD, "tasks.apprunner.amazonaws.com")])
    assert isinstance(found, Edge) and found.target.arn == _WORKLOAD
    assert {(h.action, h.context.get("iam:PassedToService")) for h in found.hops} == {
        ("iam:PassRole", "apprunner.amazonaws.com"), ("iam:PassRole", "bullet.amazonaws.com"),
        ("apprunner:CreateService", None)}


def test_apprunner_passrole_to_one_value_only_is_a_doubt_naming_the_question() -> None:
    from enjoin.reach_compute import Split

    found = _decide("apprunner-create-service", [_pass(_WORKLOAD, "apprunner.amazonaws.com"), _CREATE_SERVICE],
                    [_trusting(_WORKLOAD, "tasks.apprunner.amazonaws.com")])
    assert isinstance(found, Split) and found.role.arn == _WORKLOAD and found.action == "apprunner:CreateService"
    assert "apprunner-create-service holds under some readings" in found.reasons[0]
    assert "not if iam:PassedToService is bullet.amazonaws.com" in found.reasons[0]
    # The service principal the role trusts is no value any page gives: PassRole to it alone is no path.
    alone = _decide("apprunner-create-service", [_pass(_WORKLOAD, "tasks.apprunner.amazonaws.com"), _CREATE_SERVICE],
                    [_trusting(_WORKLOAD, "tasks.apprunner.amazonaws.com")])
    assert alone is None


@pytest.mark.parametrize(
    ("statements", "trusts"),
    [
        ([_pass(_WORKLOAD, "lambda.amazonaws.com"), _CREATE_SERVICE], "tasks.apprunner.amazonaws.com"),
        ([_pass(_WORKLOAD, "apprunner.amazonaws.com"), _pass(_WORKLOAD, "bullet.amazonaws.com")],
         "tasks.apprunner.amazonaws.com"),
        # The access role (private ECR images) trusts build.apprunner.amazonaws.com: no code runs as it.
        ([{"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}, _CREATE_SERVICE],
         "build.apprunner.amazonaws.com"),
    ],
    ids=["passed-to-lambda", "no-create-service", "access-role"],
)
def test_apprunner_no_path_where_aws_refuses_it(statements: list[dict[str, object]], trusts: str) -> None:
    assert _decide("apprunner-create-service", statements, [_trusting(_WORKLOAD, trusts)]) is None


_RUN_JOB_FLOW: dict[str, object] = {"Effect": "Allow", "Action": "elasticmapreduce:RunJobFlow", "Resource": "*"}
_MAKE_PROFILE: dict[str, object] = {
    "Effect": "Allow", "Action": ["iam:CreateInstanceProfile", "iam:AddRoleToInstanceProfile"],
    "Resource": f"arn:aws:iam::{_ACCOUNT}:instance-profile/*"}
_EMR_ROLES = [_trusting(_WORKLOAD, "ec2.amazonaws.com"), _trusting(_EMR_SERVICE, "elasticmapreduce.amazonaws.com")]


def test_emr_a_caller_passing_both_roles_runs_its_steps_as_the_instance_profile_role() -> None:
    from enjoin.reach_edges import Edge

    found = _decide("emr-run-job-flow", [_pass(_WORKLOAD, "ec2.amazonaws.com"),
                                         _pass(_EMR_SERVICE, "elasticmapreduce.amazonaws.com"), _MAKE_PROFILE,
                                         _RUN_JOB_FLOW], _EMR_ROLES)
    assert isinstance(found, Edge) and found.target.arn == _WORKLOAD
    assert [(h.action, h.resource) for h in found.hops] == [
        ("iam:PassRole", _WORKLOAD),
        ("iam:CreateInstanceProfile", f"arn:aws:iam::{_ACCOUNT}:instance-profile/Workload"),
        ("iam:AddRoleToInstanceProfile", f"arn:aws:iam::{_ACCOUNT}:instance-profile/Workload"),
        ("iam:PassRole", _EMR_SERVICE),
        ("elasticmapreduce:RunJobFlow", "*"),
    ]


@pytest.mark.parametrize(
    "statements",
    [
        # No role trusting EMR may be passed: the cluster has no service role.
        [_pass(_WORKLOAD, "ec2.amazonaws.com"), _MAKE_PROFILE, _RUN_JOB_FLOW],
        # The instance profile's role passed to EMR, not to EC2, as EMR's examples pass it.
        [_pass(_WORKLOAD, "elasticmapreduce.amazonaws.com"), _pass(_EMR_SERVICE, "elasticmapreduce.amazonaws.com"),
         _MAKE_PROFILE, _RUN_JOB_FLOW],
        # No RunJobFlow.
        [_pass(_WORKLOAD, "ec2.amazonaws.com"), _pass(_EMR_SERVICE, "elasticmapreduce.amazonaws.com"), _MAKE_PROFILE],
        # No instance profile holds the role, and the caller may make one only under another name.
        [_pass(_WORKLOAD, "ec2.amazonaws.com"), _pass(_EMR_SERVICE, "elasticmapreduce.amazonaws.com"),
         {**_MAKE_PROFILE, "Resource": f"arn:aws:iam::{_ACCOUNT}:instance-profile/emr-*"}, _RUN_JOB_FLOW],
    ],
    ids=["no-service-role", "passed-to-emr", "no-run-job-flow", "profile-of-another-name"],
)
def test_emr_no_path_where_aws_refuses_it(statements: list[dict[str, object]]) -> None:
    assert _decide("emr-run-job-flow", statements, _EMR_ROLES) is None


def test_emr_an_existing_profile_will_do_only_under_the_role_s_name() -> None:
    from enjoin.reach_edges import Edge

    statements: list[dict[str, object]] = [
        _pass(_WORKLOAD, "ec2.amazonaws.com"), _pass(_EMR_SERVICE, "elasticmapreduce.amazonaws.com"), _RUN_JOB_FLOW]
    named = [_trusting(_WORKLOAD, "ec2.amazonaws.com", (f"arn:aws:iam::{_ACCOUNT}:instance-profile/Workload",)),
             _EMR_ROLES[1]]
    found = _decide("emr-run-job-flow", statements, named)
    assert isinstance(found, Edge)
    assert [h.action for h in found.hops] == ["iam:PassRole", "iam:PassRole", "elasticmapreduce:RunJobFlow"]
    other = [_trusting(_WORKLOAD, "ec2.amazonaws.com", (f"arn:aws:iam::{_ACCOUNT}:instance-profile/Emr",)),
             _EMR_ROLES[1]]
    assert _decide("emr-run-job-flow", statements, other) is None


def test_a_profile_named_as_its_role_is_asked_only_of_a_row_through_an_instance_profile() -> None:
    with pytest.raises(TableError) as caught:
        _way("x", {**_ROW, "pass_role": True, "profile_named_as_role": True})
    assert "ways.x.profile_named_as_role: expected on a row whose role goes through an instance profile" in str(
        caught.value)


_CREATE_FUNCTION: dict[str, object] = {"Effect": "Allow", "Action": "lambda:CreateFunction", "Resource": "*"}
_ADD_PERMISSION: dict[str, object] = {"Effect": "Allow", "Action": "lambda:AddPermission", "Resource": "*"}


def test_a_function_the_caller_grants_itself_to_invoke_runs_as_the_role_without_invoke_in_its_policies() -> None:
    from enjoin.reach_edges import Edge

    found = _decide("lambda-create-function-add-permission",
                    [_pass(_WORKLOAD, "lambda.amazonaws.com"), _CREATE_FUNCTION, _ADD_PERMISSION],
                    [_trusting(_WORKLOAD, "lambda.amazonaws.com")])
    assert isinstance(found, Edge) and found.target.arn == _WORKLOAD
    assert [h.action for h in found.hops] == [
        "iam:PassRole", "lambda:CreateFunction", "lambda:AddPermission", "lambda:InvokeFunction"]
    invoke = found.hops[-1]
    assert invoke.statements and all("OwnGrant" in str(s) for s in invoke.statements)
    assert invoke.request is not None and invoke.request.resource_policy is not None
    # The same caller without AddPermission has no path: its own policies do not allow InvokeFunction.
    assert _decide("lambda-create-function-add-permission",
                   [_pass(_WORKLOAD, "lambda.amazonaws.com"), _CREATE_FUNCTION],
                   [_trusting(_WORKLOAD, "lambda.amazonaws.com")]) is None


@pytest.mark.parametrize(
    ("statements", "boundary"),
    [
        # An explicit Deny of InvokeFunction in its own policies outweighs the grant it writes.
        ([_pass(_WORKLOAD, "lambda.amazonaws.com"), _CREATE_FUNCTION, _ADD_PERMISSION,
          {"Effect": "Deny", "Action": "lambda:InvokeFunction", "Resource": "*"}], None),
        # A permissions boundary that does not allow InvokeFunction limits a grant naming the role's ARN.
        ([_pass(_WORKLOAD, "lambda.amazonaws.com"), _CREATE_FUNCTION, _ADD_PERMISSION],
         [{"Effect": "Allow", "Action": ["iam:PassRole", "lambda:CreateFunction", "lambda:AddPermission"],
           "Resource": "*"}]),
        # AddPermission only on functions of another name than any it may create.
        ([_pass(_WORKLOAD, "lambda.amazonaws.com"),
          {**_CREATE_FUNCTION, "Resource": "arn:aws:lambda:*:*:function:etl-*"},
          {**_ADD_PERMISSION, "Resource": "arn:aws:lambda:*:*:function:web-*"}], None),
        # PassRole only to another service.
        ([_pass(_WORKLOAD, "ec2.amazonaws.com"), _CREATE_FUNCTION, _ADD_PERMISSION], None),
    ],
    ids=["deny-invoke", "boundary", "other-names", "passed-to-ec2"],
)
def test_no_own_grant_path_where_aws_refuses_it(statements: list[dict[str, object]],
                                                boundary: list[dict[str, object]] | None) -> None:
    assert _decide("lambda-create-function-add-permission", statements,
                   [_trusting(_WORKLOAD, "lambda.amazonaws.com")], boundary) is None


_FUNCTION = "arn:{partition}:lambda:{region}:{account}:function:{name}"


@pytest.mark.parametrize(
    ("requests", "extra", "says"),
    [
        ([{"action": "lambda:InvokeFunction", "resource": _FUNCTION, "under_own_grant": True}], {},
         "never on the first request"),
        ([{"action": "lambda:AddPermission", "resource": _FUNCTION},
          {"action": "lambda:InvokeFunction", "resource": _FUNCTION, "under_own_grant": "yes"}], {},
         "under_own_grant (true or false"),
        ([{"action": "lambda:AddPermission", "resource": _FUNCTION, "colour": "red"}], {}, "expected action, resource"),
        ([{"action": "lambda:AddPermission", "resource": "{existing}"},
          {"action": "lambda:InvokeFunction", "resource": "{existing}", "under_own_grant": True}],
         {"takes_over": "ec2-instance"}, "a request under_own_grant is asked on a resource the caller creates"),
    ],
)
def test_a_request_under_a_grant_the_caller_writes_is_refused_where_it_cannot_be(
    requests: list[dict[str, object]], extra: dict[str, object], says: str
) -> None:
    row = {**_ROW, "service": "lambda.amazonaws.com", "pass_role": True, "requests": requests, **extra}
    with pytest.raises(TableError) as caught:
        _way("x", row)
    assert "ways.x" in str(caught.value) and says in str(caught.value)
