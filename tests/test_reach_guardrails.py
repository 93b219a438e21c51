"""A Deny the caller may write over or remove is no guard, over hand-built snapshots.

IceLiaison (CMS) is the party's principal. It reads claims by its inline policy Reads, and a Deny keeps it out: its
inline policy Guardrail, a customer managed policy attached to it, or (for the user IceClerk) a policy of its group.
Whoever may put an inline policy under the Deny's name, give the managed policy a new default version, delete or
detach the policy, or take the user out of the group, lifts the Deny and reads claims; a Deny it cannot touch (another
policy, an SCP, a request denied) still keeps it out.
"""

from __future__ import annotations

from typing import Any

import pytest

from enjoin.config_model import Holding, Party
from enjoin.reach import compute_reach
from enjoin.reach_model import Reach
from enjoin.snapshot import Bucket, Group, ManagedPolicy, NamedPolicy, Organization, Role, Snapshot, User
from reach_common import allow, deny, doc

CMS, DHS, REGION = "111111111111", "222222222222", "us-east-1"
LIAISON = f"arn:aws:iam::{CMS}:role/IceLiaison"
CLERK = f"arn:aws:iam::{CMS}:user/IceClerk"
GROUP = f"arn:aws:iam::{CMS}:group/Clerks"
GUARD = f"arn:aws:iam::{CMS}:policy/NoClaims"
CLAIMS = Holding("arn:aws:s3:::claims/*", "medicaid", ("all",), ("all",), ("medical",))
READS = doc(allow("s3:GetObject", "arn:aws:s3:::claims/*"))
GUARDRAIL = doc(deny("s3:GetObject", "arn:aws:s3:::claims/*"))


def liaison(tools: dict[str, Any], *, inline_guard: bool = True, managed_guard: bool = False) -> Role:
    trust = doc({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{CMS}:root"}, "Action": "sts:AssumeRole"})
    inline = [NamedPolicy("Reads", READS), NamedPolicy("Tools", tools)]
    if inline_guard:
        inline.append(NamedPolicy("Guardrail", GUARDRAIL))
    return Role(LIAISON, "IceLiaison", CMS, trust, inline_policies=tuple(inline),
                managed_policy_arns=(GUARD,) if managed_guard else ())


def reach(*principals: Role | User, groups: tuple[Group, ...] = (), org: Organization | None = None,
          party: tuple[str, ...] = (LIAISON,)) -> Reach:
    roles = tuple(p for p in principals if isinstance(p, Role))
    users = tuple(p for p in principals if isinstance(p, User))
    snap = Snapshot((CMS, DHS), roles=roles, users=users, groups=groups,
                    policies=(ManagedPolicy(GUARD, "NoClaims", GUARDRAIL),),
                    buckets=(Bucket("arn:aws:s3:::claims", "claims", CMS, REGION),), organization=org or Organization())
    return compute_reach(snap, [Party("DHS", accounts=(DHS,), principals=party)], [CLAIMS], REGION)


def steps(found: Reach) -> list[tuple[str, str]]:
    (access,) = found.accesses
    return [(h.action, h.resource) for h in access.hops]


def test_the_guardrail_keeps_the_liaison_out_when_it_may_touch_no_policy() -> None:
    found = reach(liaison(doc(allow("iam:ListRolePolicies", LIAISON))))
    assert (found.accesses, found.undecided) == ((), ())


@pytest.mark.parametrize("action", ["iam:PutRolePolicy", "iam:DeleteRolePolicy"])
def test_an_inline_deny_the_liaison_may_write_over_or_delete_is_lifted(action: str) -> None:
    found = reach(liaison(doc(allow(action, LIAISON))))
    assert steps(found) == [(action, LIAISON), ("s3:GetObject", "arn:aws:s3:::claims/enjoin-probe")]
    assert "Guardrail" in found.accesses[0].hops[0].note or action == "iam:PutRolePolicy"


@pytest.mark.parametrize(
    ("tools", "first"),
    [
        (doc(allow("iam:DetachRolePolicy", LIAISON, Condition={"ArnEquals": {"iam:PolicyARN": GUARD}})),
         ("iam:DetachRolePolicy", LIAISON)),
        (doc(allow("iam:CreatePolicyVersion", GUARD)), ("iam:CreatePolicyVersion", GUARD)),
    ],
)
def test_a_managed_deny_the_liaison_may_detach_or_rewrite_is_lifted(tools: dict[str, Any],
                                                                    first: tuple[str, str]) -> None:
    found = reach(liaison(tools, inline_guard=False, managed_guard=True))
    assert steps(found) == [first, ("s3:GetObject", "arn:aws:s3:::claims/enjoin-probe")]


def test_a_liaison_that_writes_itself_every_permission_is_not_kept_out_by_a_managed_deny() -> None:
    """PutRolePolicy writes over no managed policy, but what it writes allows the rest: iam:DetachRolePolicy of the
    Deny, or a read the Deny does not name (through an access point of its own). Either way the holding is reached."""
    found = reach(liaison(doc(allow("iam:PutRolePolicy", LIAISON)), inline_guard=False, managed_guard=True))
    assert found.undecided == ()
    assert steps(found)[0] == ("iam:PutRolePolicy", LIAISON)


def test_writing_and_detaching_together_lift_a_deny_in_each() -> None:
    tools = doc(allow("iam:PutRolePolicy", LIAISON), allow("iam:DetachRolePolicy", LIAISON))
    found = reach(liaison(tools, managed_guard=True))
    assert {a for a, _ in steps(found)} == {"iam:DetachRolePolicy", "iam:PutRolePolicy", "s3:GetObject"}


@pytest.mark.parametrize(
    ("case", "tools", "inline_guard", "managed_guard", "org"),
    [
        ("detach only another policy", doc(allow("iam:DetachRolePolicy", LIAISON, Condition={
            "ArnEquals": {"iam:PolicyARN": f"arn:aws:iam::{CMS}:policy/Other"}})), False, True, None),
        ("delete, but the Deny is managed", doc(allow("iam:DeleteRolePolicy", LIAISON)), False, True, None),
        ("delete denied", doc(allow("iam:DeleteRolePolicy", LIAISON), deny("iam:DeleteRolePolicy", "*")), True,
         False, None),
        ("the Deny is also an SCP's", doc(allow("iam:DeleteRolePolicy", LIAISON)), True, False,
         Organization(scps={CMS: ((doc(allow("*", "*")), GUARDRAIL),)})),
    ],
)
def test_a_deny_the_liaison_cannot_lift_still_keeps_it_out(
    case: str, tools: dict[str, Any], inline_guard: bool, managed_guard: bool, org: Organization | None
) -> None:
    found = reach(liaison(tools, inline_guard=inline_guard, managed_guard=managed_guard), org=org)
    assert found.accesses == (), case


def clerk(tools: dict[str, Any]) -> tuple[User, Group]:
    user = User(CLERK, "IceClerk", CMS, inline_policies=(NamedPolicy("Reads", READS), NamedPolicy("Tools", tools)),
                group_arns=(GROUP,))
    group = Group(GROUP, "Clerks", CMS, inline_policies=(NamedPolicy("Guardrail", GUARDRAIL),))
    return user, group


@pytest.mark.parametrize("action", ["iam:RemoveUserFromGroup", "iam:DeleteGroupPolicy", "iam:PutGroupPolicy"])
def test_a_group_s_deny_the_clerk_may_leave_delete_or_write_over_is_lifted(action: str) -> None:
    user, group = clerk(doc(allow(action, GROUP)))
    found = reach(user, groups=(group,), party=(CLERK,))
    assert steps(found) == [(action, GROUP), ("s3:GetObject", "arn:aws:s3:::claims/enjoin-probe")]


def test_a_group_s_deny_the_clerk_may_not_touch_keeps_it_out() -> None:
    user, group = clerk(doc(allow(["iam:RemoveUserFromGroup", "iam:DeleteGroupPolicy"],
                                  f"arn:aws:iam::{CMS}:group/Other")))
    assert reach(user, groups=(group,), party=(CLERK,)).accesses == ()


def doubly_guarded_clerk(tools: dict[str, Any]) -> tuple[User, Group]:
    """IceClerk has the managed Deny twice: attached to it, and to its group."""
    user = User(CLERK, "IceClerk", CMS, inline_policies=(NamedPolicy("Reads", READS), NamedPolicy("Tools", tools)),
                managed_policy_arns=(GUARD,), group_arns=(GROUP,))
    return user, Group(GROUP, "Clerks", CMS, managed_policy_arns=(GUARD,))


def test_a_managed_deny_attached_to_the_user_and_its_group_stays_with_one_detachment() -> None:
    user, group = doubly_guarded_clerk(doc(allow("iam:DetachUserPolicy", CLERK)))
    assert reach(user, groups=(group,), party=(CLERK,)).accesses == ()


@pytest.mark.parametrize("second", ["iam:DetachGroupPolicy", "iam:RemoveUserFromGroup"])
def test_a_managed_deny_attached_twice_goes_when_both_are_removed(second: str) -> None:
    user, group = doubly_guarded_clerk(doc(allow("iam:DetachUserPolicy", CLERK), allow(second, GROUP)))
    found = reach(user, groups=(group,), party=(CLERK,))
    assert sorted(steps(found)) == sorted([("iam:DetachUserPolicy", CLERK), (second, GROUP),
                                           ("s3:GetObject", "arn:aws:s3:::claims/enjoin-probe")])
