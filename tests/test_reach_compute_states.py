"""stepfunctions-update-state-machine (not modelled): an existing state machine a party may update puts what its role
reads in doubt, over hand-built snapshots.

DHS's analyst assumes Bridge (CMS). CMS's state machine ``nightly`` runs as Workflow, which reads eligibility and trusts
states.amazonaws.com. Whoever may replace its definition (UpdateStateMachine) runs states of its own as Workflow.
"""

from __future__ import annotations

from typing import Any

import pytest

from enjoin.config_model import Holding
from enjoin.reach import compute_reach
from enjoin.reach_model import Reach
from enjoin.snapshot import Bucket, Compute, NamedPolicy, Role, Snapshot
from reach_common import CMS, DHS, PARTY, REGION, TRUST_DHS, allow, deny, doc

ICE = f"arn:aws:iam::{DHS}:role/IceAnalyst"
BRIDGE = f"arn:aws:iam::{CMS}:role/Bridge"
WORKFLOW = f"arn:aws:iam::{CMS}:role/Workflow"
MACHINE = f"arn:aws:states:{REGION}:{CMS}:stateMachine:nightly"
ELIGIBILITY = Holding("arn:aws:s3:::elig/*", "medicaid", ("all",), ("all",), ("ssn",))


def reach(*bridge: dict[str, Any], machines: bool = True) -> Reach:
    trust_states = doc({"Effect": "Allow", "Principal": {"Service": "states.amazonaws.com"},
                        "Action": "sts:AssumeRole"})
    roles = (
        Role(ICE, "IceAnalyst", DHS, TRUST_DHS, inline_policies=(NamedPolicy("p", doc(allow("sts:AssumeRole", "*"))),)),
        Role(BRIDGE, "Bridge", CMS, TRUST_DHS, inline_policies=(NamedPolicy("p", doc(*bridge)),)),
        Role(WORKFLOW, "Workflow", CMS, trust_states,
             inline_policies=(NamedPolicy("p", doc(allow("s3:GetObject", "arn:aws:s3:::elig/*"))),)),
    )
    compute = (Compute("stepfunctions-state-machine", MACHINE, "nightly", CMS, REGION, WORKFLOW),) if machines else ()
    snap = Snapshot((CMS, DHS), roles=roles, buckets=(Bucket("arn:aws:s3:::elig", "elig", CMS, REGION),),
                    compute=compute)
    return compute_reach(snap, [PARTY], [ELIGIBILITY], REGION)


@pytest.mark.parametrize("scope", [MACHINE, f"arn:aws:states:{REGION}:{CMS}:stateMachine:*", "*"])
def test_a_state_machine_a_party_may_update_puts_what_its_role_reads_in_doubt(scope: str) -> None:
    found = reach(allow("states:UpdateStateMachine", scope))
    assert found.accesses == ()
    (item,) = found.undecided
    assert (item.principal, item.action, item.resource) == (BRIDGE, "states:UpdateStateMachine", MACHINE)
    assert item.reasons[0].startswith("stepfunctions-update-state-machine is not modelled: ")
    assert f"{MACHINE} runs as {WORKFLOW}" in item.reasons[0]


@pytest.mark.parametrize(
    ("case", "statements", "machines"),
    [
        ("another state machine only", [allow("states:UpdateStateMachine",
                                              f"arn:aws:states:{REGION}:{CMS}:stateMachine:sandbox-*")], True),
        ("a Deny of the update", [allow("states:UpdateStateMachine", "*"),
                                  deny("states:UpdateStateMachine", "*")], True),
        ("starting an execution changes no state", [allow("states:StartExecution", "*")], True),
        ("no state machine", [allow("states:UpdateStateMachine", "*")], False),
    ],
)
def test_no_state_machine_doubt_where_aws_refuses_the_update(
    case: str, statements: list[dict[str, Any]], machines: bool
) -> None:
    found = reach(*statements, machines=machines)
    assert (found.accesses, found.undecided) == ((), ()), case
