"""An existing function's resource-based policy in the paths through it (enjoin.reach_edges.function_policy), over
hand-built snapshots.

CMS runs the function ``extract`` as Pipeline, which reads the claims. Lambda's resource-based policies (AddPermission's
statements, or a whole document written with PutResourcePolicy) may allow a principal any Lambda action on the
function. Within one account a grant naming the caller allows a request with no identity policy of its own; across
accounts the caller's identity policies must allow it too; an explicit Deny in it refuses (IAM's policy evaluation
logic). Before, reach read the function's policy for none of these requests: a grant there was a path it missed.
"""

from __future__ import annotations

from typing import Any

import pytest

from enjoin.reach import compute_reach
from enjoin.reach_model import Reach
from enjoin.snapshot import Bucket, Function, NamedPolicy, Role, Snapshot
from reach_common import BUCKET, CLAIMS, CMS, DHS, DHS_READER, PARTY, REGION, STEWARD, TRUST_DHS, allow, deny, doc

PIPELINE = f"arn:aws:iam::{CMS}:role/Pipeline"
FUNCTION = f"arn:aws:lambda:{REGION}:{CMS}:function:extract"
LAMBDA_TRUST = doc({"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"})
TRUST_NOBODY = doc({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{CMS}:root"}, "Action": "sts:AssumeRole"})
UPDATE = "lambda:UpdateFunctionCode"


def grant(principal: str, action: str = UPDATE, effect: str = "Allow") -> dict[str, Any]:
    return {"Sid": f"{effect}{action.split(':')[1]}", "Effect": effect, "Principal": {"AWS": principal},
            "Action": action, "Resource": FUNCTION}


IDLE = f"arn:aws:iam::{CMS}:role/Idle"  # trusts Lambda, reads nothing


def reach(function_policy: dict[str, Any] | None, steward: list[dict[str, Any]] | None = None,
          dhs: list[dict[str, Any]] | None = None, runs_as: str = PIPELINE) -> Reach:
    """Steward (CMS, assumed by DHS) and DhsReader (DHS's own) with the given statements; ``extract`` with the given
    resource-based policy, running as ``runs_as`` (Pipeline, which reads the claims, or Idle)."""
    roles = (
        Role(IDLE, "Idle", CMS, LAMBDA_TRUST),
        Role(STEWARD, "Steward", CMS, TRUST_DHS, inline_policies=(NamedPolicy("p", doc(*(steward or []))),)),
        Role(DHS_READER, "DhsReader", DHS, TRUST_NOBODY, inline_policies=(NamedPolicy("p", doc(*(dhs or []))),)),
        Role(PIPELINE, "Pipeline", CMS, LAMBDA_TRUST,
             inline_policies=(NamedPolicy("p", doc(allow("s3:GetObject", f"{BUCKET}/*"))),)),
    )
    function = Function(FUNCTION, "extract", CMS, REGION, runs_as, function_policy, package_type="Zip")
    bucket = Bucket(BUCKET, "claims", CMS, REGION, None, ownership="BucketOwnerEnforced")
    snap = Snapshot((CMS, DHS), roles=roles, buckets=(bucket,), functions=(function,))
    return compute_reach(snap, [PARTY], [CLAIMS], REGION)


def _updates(found: Reach) -> set[tuple[str, str]]:
    """(who, action) of each hop that changes the function, on the paths found."""
    return {(h.principal, h.action) for a in found.accesses for h in a.hops if h.resource == FUNCTION}


def test_a_grant_in_the_function_s_policy_lets_a_same_account_role_replace_its_code_without_its_own_allow() -> None:
    found = reach(doc(grant(STEWARD)), steward=[])
    assert (STEWARD, UPDATE) in _updates(found)
    hop = next(h for a in found.accesses for h in a.hops if h.action == UPDATE)
    assert {s.sid for s in hop.statements} == {"AllowUpdateFunctionCode"}
    assert hop.request is not None and hop.request.resource_policy is not None
    assert found.undecided == ()


def test_without_the_grant_the_same_role_has_no_path() -> None:
    assert reach(None, steward=[]).accesses == ()
    assert reach(doc(grant(STEWARD, "lambda:InvokeFunction")), steward=[]).accesses == ()


def test_another_account_s_principal_needs_the_grant_and_its_own_allow() -> None:
    own = [allow(UPDATE, FUNCTION)]
    found = reach(doc(grant(DHS_READER)), dhs=own)
    assert (DHS_READER, UPDATE) in _updates(found)
    assert reach(None, dhs=own).accesses == ()  # no grant: its own allow does not reach another account's function
    assert reach(doc(grant(DHS_READER, "lambda:InvokeFunction")), dhs=own).accesses == ()


def test_a_grant_to_the_party_s_account_is_a_path_through_a_principal_the_party_controls() -> None:
    """DHS writes its own principals' policies: a grant naming its account needs no allow DHS does not give itself."""
    found = reach(doc(grant(f"arn:aws:iam::{DHS}:root")), dhs=[])
    (who,) = {w for w, action in _updates(found) if action == UPDATE}
    assert who.startswith(f"arn:aws:iam::{DHS}:")


@pytest.mark.parametrize(
    ("case", "policy", "steward"),
    [
        ("a Deny in the function's policy outweighs the caller's own allow",
         doc(grant(STEWARD, effect="Deny")), [allow(UPDATE, FUNCTION)]),
        ("a Deny in the caller's policies outweighs the grant", doc(grant(STEWARD)), [deny(UPDATE, "*")]),
        ("a grant to another role of the account", doc(grant(f"arn:aws:iam::{CMS}:role/Other")), []),
    ],
)
def test_no_path_where_aws_refuses_the_update(case: str, policy: dict[str, Any], steward: list[dict[str, Any]]) -> None:
    assert reach(policy, steward=steward).accesses == (), case


def test_a_layer_the_function_s_policy_lets_the_caller_add_runs_as_its_role() -> None:
    found = reach(doc(grant(STEWARD, "lambda:UpdateFunctionConfiguration")),
                  steward=[allow("lambda:GetLayerVersion", "*")])
    assert (STEWARD, "lambda:UpdateFunctionConfiguration") in _updates(found)



# lambda-update-function-configuration-add-permission: a function running as Idle is given Pipeline, and the caller
# grants itself InvokeFunction in the function's policy.
PASS_PIPELINE = allow("iam:PassRole", PIPELINE,
                      Condition={"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}})
RECONFIGURE = allow(["lambda:UpdateFunctionConfiguration", "lambda:AddPermission"], FUNCTION)


def test_a_function_given_another_role_is_invoked_under_the_grant_the_caller_adds() -> None:
    found = reach(None, steward=[PASS_PIPELINE, RECONFIGURE], runs_as=IDLE)
    actions = [h.action for a in found.accesses for h in a.hops]
    assert actions[1:5] == ["iam:PassRole", "lambda:UpdateFunctionConfiguration", "lambda:AddPermission",
                            "lambda:InvokeFunction"], actions
    invoke = next(h for a in found.accesses for h in a.hops if h.action == "lambda:InvokeFunction")
    assert {s.sid for s in invoke.statements} == {"OwnGrant"}


@pytest.mark.parametrize(
    ("case", "policy", "steward"),
    [
        ("no AddPermission and no InvokeFunction", None,
         [PASS_PIPELINE, allow("lambda:UpdateFunctionConfiguration", FUNCTION)]),
        ("the function's policy denies the caller InvokeFunction",
         doc(grant(STEWARD, "lambda:InvokeFunction", "Deny")), [PASS_PIPELINE, RECONFIGURE]),
        ("no PassRole of the role", None, [RECONFIGURE]),
    ],
)
def test_no_reconfigured_function_path_where_aws_refuses_it(
    case: str, policy: dict[str, Any] | None, steward: list[dict[str, Any]]
) -> None:
    assert reach(policy, steward=steward, runs_as=IDLE).accesses == (), case


def test_a_function_policy_that_is_not_policy_grammar_leaves_its_role_s_reads_undecided() -> None:
    broken = doc({"Effect": "Maybe", "Principal": {"AWS": STEWARD}, "Action": UPDATE, "Resource": FUNCTION})
    found = reach(broken, steward=[])
    assert found.accesses == ()
    reasons = [r for u in found.undecided for r in u.reasons]
    assert any(FUNCTION in r and "is not valid policy grammar" in r for r in reasons), reasons
