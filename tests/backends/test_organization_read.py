"""The organisation read of a live run (enjoin.organization_read) against moto's AWS Organizations: levels
root first, and none for the management account, which neither SCPs nor RCPs limit."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from enjoin.backends.moto import MotoBackend
from enjoin.backends.read_only import allowed_operations
from enjoin.organization_read import read_organization

REGION = "us-east-1"
MANAGEMENT = "123456789012"  # moto's default account: the one whose call creates the organisation
DENY_DHS = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Deny", "Action": "s3:*", "Resource": "*"}],
}


@pytest.fixture()
def backend() -> Iterator[MotoBackend]:
    moto = MotoBackend()
    moto.start()
    try:
        yield moto
    finally:
        moto.stop()


def test_the_management_account_has_no_levels_and_a_member_has_each(backend: MotoBackend) -> None:
    org = backend.client("organizations", MANAGEMENT, REGION)
    org.create_organization(FeatureSet="ALL")
    root = org.list_roots()["Roots"][0]["Id"]
    org.enable_policy_type(RootId=root, PolicyType="SERVICE_CONTROL_POLICY")
    member = org.create_account(AccountName="member", Email="member@example.org")["CreateAccountStatus"]["AccountId"]
    policy = org.create_policy(Content=json.dumps(DENY_DHS), Description="deny s3", Name="DenyS3",
                               Type="SERVICE_CONTROL_POLICY")["Policy"]["PolicySummary"]["Id"]
    for target in (member, MANAGEMENT):
        org.attach_policy(PolicyId=policy, TargetId=target)

    made: set[str] = set()
    org.meta.events.register("before-call.organizations.*", lambda model, **_: made.add(model.name))
    read = read_organization(backend, [MANAGEMENT, member], REGION)

    # The member: the root's level (FullAWSAccess) and its own (FullAWSAccess and DenyS3).
    assert [len(level) for level in read.scps[member]] == [1, 2]
    assert DENY_DHS in [dict(doc) for doc in read.scps[member][1]]
    # Each named as the organisation names it, with its id.
    assert read.scp_names[member][0] == ("FullAWSAccess (p-FullAWSAccess)",)
    assert f"DenyS3 ({policy})" in read.scp_names[member][1]
    # The management account: the same policies are attached to it, and none limits it.
    assert MANAGEMENT not in read.scps and MANAGEMENT not in read.rcps
    assert read.paths[MANAGEMENT] == read.paths[member] == f"{read.org_id}/{root}/"
    # Only reads the live backend's allow-list holds, and every organisation read it lists: the stand-in of
    # tests/backends/test_live.py has no member account (its organisation's only account manages it), so this is
    # where ListPoliciesForTarget and DescribePolicy are made.
    listed = {op.operation for op in allowed_operations() if op.service == "organizations"}
    assert made == listed, (made, listed)
