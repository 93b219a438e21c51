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
        rows = [w for w in ways() if w.takes_over == kind]
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
            assert (reading.passed_to, reading.asks_pass_role, reading.holds) != (None, None, None), way.id
        assert len({(r.passed_to, r.asks_pass_role, r.holds) for r in readings}) == len(readings), way.id


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
    ],
)
def test_a_broken_unsettled_row_is_refused_naming_it(row: dict[str, object], says: str) -> None:
    with pytest.raises(TableError) as caught:
        _way("x", row)
    assert "ways.x" in str(caught.value) and says in str(caught.value)


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
