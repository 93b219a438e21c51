"""The layers of AWS's evaluation logic: SCP and RCP levels, boundaries with resource policies,
session policies, same- and cross-account requests, KMS key policies, trust policies, principal forms,
principal-derived context keys, and failing closed."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from enjoin.engine import Decision, PolicyKind, Request, Result, StatementRef, compile_policy, decide
from enjoin.engine.layers import TRUTH, Layers, combine, combine_truth

A = "111111111111"
B = "222222222222"
USER = f"arn:aws:iam::{A}:user/alice"
ROLE = f"arn:aws:iam::{A}:role/Analyst"
SESSION = f"arn:aws:sts::{A}:assumed-role/Analyst/s1"
OTHER_USER = f"arn:aws:iam::{B}:user/bob"
BUCKET = "arn:aws:s3:::data"
OBJECT = "arn:aws:s3:::data/records.csv"
KEY = f"arn:aws:kms:us-east-1:{A}:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(
    action: str = "s3:GetObject", resource: str = "*", sid: str | None = None, **extra: Any
) -> dict[str, Any]:
    statement = {"Effect": "Allow", "Action": action, "Resource": resource, **extra}
    if sid:
        statement["Sid"] = sid
    return statement


def deny(
    action: str = "s3:GetObject", resource: str = "*", sid: str | None = None, **extra: Any
) -> dict[str, Any]:
    return {**allow(action, resource, sid, **extra), "Effect": "Deny"}


def identity(*statements: dict[str, Any], label: str = "identity") -> Any:
    return compile_policy(doc(*statements), label=label, kind=PolicyKind.IDENTITY)


def resource_policy(*statements: dict[str, Any], label: str = "bucket policy") -> Any:
    return compile_policy(doc(*statements), label=label, kind=PolicyKind.RESOURCE)


def grant(
    principal: Any, action: str = "s3:GetObject", resource: str = OBJECT, sid: str | None = None, **extra: Any
) -> dict[str, Any]:
    return allow(action, resource, sid, Principal=principal, **extra)


def ask(principal: str = USER, action: str = "s3:GetObject", resource: str = OBJECT, **fields: Any) -> Result:
    return decide(Request(principal=principal, action=action, resource=resource, **fields))


# --- Identity policies and explicit deny --------------------------------------------------------


def test_default_is_implicit_deny_and_an_allow_grants() -> None:
    assert ask().decision is Decision.IMPLICIT_DENY
    result = ask(identity_policies=(identity(allow(sid="Read"), label="ReadData"),))
    assert result.decision is Decision.ALLOW
    assert result.allowed_by == (StatementRef("ReadData", 0, "Read", "Allow"),)
    assert "Allowed by Sid 'Read' of ReadData (Allow)." in result.explanation


def test_explicit_deny_anywhere_overrides_every_allow() -> None:
    result = ask(
        identity_policies=(
            identity(allow(), label="grants"),
            identity(allow(), deny(sid="NoData"), label="denies"),
        ),
        resource_policy=resource_policy(grant({"AWS": USER})),
    )
    assert result.decision is Decision.EXPLICIT_DENY
    assert result.denied_by == (StatementRef("denies", 1, "NoData", "Deny"),)
    bucket_deny = ask(
        identity_policies=(identity(allow()),),
        resource_policy=resource_policy(deny(resource=OBJECT, Principal="*", sid="Lock")),
    )
    assert bucket_deny.decision is Decision.EXPLICIT_DENY
    assert bucket_deny.denied_by == (StatementRef("bucket policy", 0, "Lock", "Deny"),)


def test_not_action_and_not_resource() -> None:
    everything_but_delete = identity(
        allow(action="*"), deny(NotAction="s3:Get*", resource="*") if False else allow("s3:*")
    )
    assert ask(identity_policies=(everything_but_delete,)).decision is Decision.ALLOW
    not_action = identity({"Effect": "Allow", "NotAction": "s3:Delete*", "Resource": "*"})
    assert ask(identity_policies=(not_action,)).decision is Decision.ALLOW
    assert ask(action="s3:DeleteObject", identity_policies=(not_action,)).decision is Decision.IMPLICIT_DENY
    deny_outside = identity(
        allow("s3:*"), {"Effect": "Deny", "Action": "s3:*", "NotResource": f"{BUCKET}/public/*"}
    )
    assert ask(identity_policies=(deny_outside,)).decision is Decision.EXPLICIT_DENY
    assert ask(resource=f"{BUCKET}/public/x", identity_policies=(deny_outside,)).decision is Decision.ALLOW


# --- SCPs and RCPs ------------------------------------------------------------------------------

FULL = doc({"Effect": "Allow", "Action": "*", "Resource": "*"})
RCP_FULL = doc({"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"})


def scp(document: dict[str, Any], label: str) -> Any:
    return compile_policy(document, label=label, kind=PolicyKind.SCP)


def rcp(document: dict[str, Any], label: str) -> Any:
    return compile_policy(document, label=label, kind=PolicyKind.RCP)


def test_every_scp_level_must_allow() -> None:
    grants = (identity(allow()),)
    root, account = scp(FULL, "FullAWSAccess (root)"), scp(FULL, "FullAWSAccess (account)")
    ec2_only = scp(doc(allow("ec2:*")), "EC2Only (OU)")
    assert ask(identity_policies=grants, scps=((root,), (account,))).decision is Decision.ALLOW
    result = ask(identity_policies=grants, scps=((root,), (ec2_only,), (account,)))
    assert result.decision is Decision.IMPLICIT_DENY
    assert any("level 1" in line and "EC2Only (OU)" in line for line in result.explanation)
    # An SCP grants nothing by itself.
    assert ask(scps=((root,),)).decision is Decision.IMPLICIT_DENY
    # A deny at any level wins.
    no_s3 = scp(doc(allow("*"), deny("s3:*", sid="NoS3")), "NoS3 (account)")
    result = ask(identity_policies=grants, scps=((root,), (no_s3,)))
    assert result.decision is Decision.EXPLICIT_DENY
    assert result.denied_by == (StatementRef("NoS3 (account)", 1, "NoS3", "Deny"),)


def test_rcp_levels_apply_to_the_resource_account() -> None:
    grants = (identity(allow()),)
    full = rcp(RCP_FULL, "RCPFullAWSAccess")
    outsiders = rcp(
        doc(
            {
                "Sid": "OrgOnly",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": "*",
                "Condition": {"StringNotEqualsIfExists": {"aws:PrincipalOrgID": "o-123"}},
            }
        ),
        "OrgOnly",
    )
    inside = ask(identity_policies=grants, rcps=((full,), (full, outsiders)), principal_org_id="o-123")
    assert inside.decision is Decision.ALLOW
    outside = ask(identity_policies=grants, rcps=((full,), (full, outsiders)))
    assert outside.decision is Decision.EXPLICIT_DENY
    assert outside.denied_by == (StatementRef("OrgOnly", 0, "OrgOnly", "Deny"),)
    missing_allow = ask(identity_policies=grants, rcps=((full,), (outsiders,)), principal_org_id="o-123")
    assert missing_allow.decision is Decision.IMPLICIT_DENY


def test_rcp_on_a_service_it_may_not_cover_is_indeterminate() -> None:
    grants = (identity(allow("ec2:*")),)
    no_ec2 = rcp(doc({"Effect": "Deny", "Principal": "*", "Action": "ec2:*", "Resource": "*"}), "NoEC2")
    full = rcp(RCP_FULL, "RCPFullAWSAccess")
    result = ask(
        action="ec2:DescribeInstances", resource="*", identity_policies=grants, rcps=((full, no_ec2),)
    )
    assert result.decision is Decision.INDETERMINATE
    assert result.unsupported == (
        "whether RCPs cover ec2: the RCPs would deny ec2:DescribeInstances, but ec2 is not among the 62 services "
        "the engine knows RCPs to cover (rcp_services.json, from the AWS Organizations User Guide's list of AWS "
        "services that support RCPs)",
    )
    quiet = ask(action="ec2:DescribeInstances", resource="*", identity_policies=grants, rcps=((full,),))
    assert quiet.decision is Decision.ALLOW


# --- Resource policies, boundaries and session policies (same account) --------------------------

BOUNDARY_EC2 = compile_policy(doc(allow("ec2:*")), label="EC2Boundary", kind=PolicyKind.BOUNDARY)
SESSION_EC2 = compile_policy(doc(allow("ec2:*")), label="EC2Session", kind=PolicyKind.SESSION)


def test_same_account_resource_policy_alone_grants() -> None:
    result = ask(resource_policy=resource_policy(grant({"AWS": USER}, sid="Alice")))
    assert result.decision is Decision.ALLOW
    assert result.allowed_by == (StatementRef("bucket policy", 0, "Alice", "Allow"),)


def test_boundary_caps_identity_but_not_a_grant_to_the_user() -> None:
    grants = (identity(allow("s3:*")),)
    assert ask(identity_policies=grants, permissions_boundary=BOUNDARY_EC2).decision is Decision.IMPLICIT_DENY
    named = resource_policy(grant({"AWS": USER}))
    assert ask(permissions_boundary=BOUNDARY_EC2, resource_policy=named).decision is Decision.ALLOW
    # A grant to the account delegates to IAM: the boundary still caps it.
    account = resource_policy(grant({"AWS": A}))
    assert ask(
        identity_policies=grants, permissions_boundary=BOUNDARY_EC2, resource_policy=account
    ).decision is (Decision.IMPLICIT_DENY)
    assert ask(resource_policy=account).decision is Decision.IMPLICIT_DENY
    assert ask(identity_policies=grants, resource_policy=account).decision is Decision.ALLOW


def test_boundary_and_role_arn_versus_session_arn() -> None:
    by_role = resource_policy(grant({"AWS": ROLE}))
    by_session = resource_policy(grant({"AWS": SESSION}))
    # Naming the role ARN: no identity permission needed, but the boundary still applies.
    assert ask(SESSION, resource_policy=by_role).decision is Decision.ALLOW
    assert (
        ask(SESSION, resource_policy=by_role, permissions_boundary=BOUNDARY_EC2).decision
        is Decision.IMPLICIT_DENY
    )
    # Naming the session ARN: granted directly to the session.
    assert (
        ask(SESSION, resource_policy=by_session, permissions_boundary=BOUNDARY_EC2).decision is Decision.ALLOW
    )
    assert ask(SESSION, resource_policy=by_session, session_policy=SESSION_EC2).decision is Decision.ALLOW
    # A role ARN principal with the session name in principal_id is the same session.
    assert ask(ROLE, principal_id="AROAEXAMPLE:s1", resource_policy=by_session).decision is Decision.ALLOW
    # Without it the session name is unknown: the engine does not guess.
    assert ask(ROLE, resource_policy=by_session).decision is Decision.INDETERMINATE
    # "*" names the caller itself.
    everyone = resource_policy(grant("*"))
    assert (
        ask(SESSION, resource_policy=everyone, permissions_boundary=BOUNDARY_EC2).decision is Decision.ALLOW
    )


def test_session_policy_limits_identity_and_role_grants_not_session_grants() -> None:
    grants = (identity(allow("s3:*")),)
    assert ask(SESSION, identity_policies=grants).decision is Decision.ALLOW
    result = ask(SESSION, identity_policies=grants, session_policy=SESSION_EC2)
    assert result.decision is Decision.IMPLICIT_DENY
    assert any("EC2Session" in line for line in result.explanation)
    assert ask(
        SESSION, resource_policy=resource_policy(grant({"AWS": ROLE})), session_policy=SESSION_EC2
    ).decision is (Decision.IMPLICIT_DENY)
    both = compile_policy(doc(allow("s3:GetObject")), label="S3Session", kind=PolicyKind.SESSION)
    assert ask(SESSION, identity_policies=grants, session_policy=both).decision is Decision.ALLOW
    # A session policy only applies to sessions: for a user the engine refuses to guess.
    assert ask(USER, identity_policies=grants, session_policy=both).decision is Decision.INDETERMINATE


def test_not_principal_deny_and_permissions_boundaries() -> None:
    grants = (identity(allow("s3:*")),)
    fence = resource_policy(
        {
            "Effect": "Deny",
            "NotPrincipal": {"AWS": [USER, f"arn:aws:iam::{A}:root"]},
            "Action": "s3:*",
            "Resource": f"{BUCKET}/*",
        }
    )
    assert ask(USER, identity_policies=grants, resource_policy=fence).decision is Decision.ALLOW
    assert ask(
        f"arn:aws:iam::{A}:user/mallory", identity_policies=grants, resource_policy=fence
    ).decision is (Decision.EXPLICIT_DENY)
    # "The NotPrincipal element with a Deny effect will always deny any IAM principal that has a
    # permissions boundary policy attached, regardless of the values specified in the NotPrincipal element."
    boundary = compile_policy(doc(allow("s3:*")), label="S3Boundary", kind=PolicyKind.BOUNDARY)
    assert ask(
        USER, identity_policies=grants, resource_policy=fence, permissions_boundary=boundary
    ).decision is (Decision.EXPLICIT_DENY)
    # Listing the user without its account: AWS "might" deny (it may check the account first).
    partial = resource_policy(
        {"Effect": "Deny", "NotPrincipal": {"AWS": USER}, "Action": "s3:*", "Resource": "*"}
    )
    assert ask(USER, identity_policies=grants, resource_policy=partial).decision is Decision.INDETERMINATE


# --- Cross-account ------------------------------------------------------------------------------


def test_cross_account_needs_both_sides() -> None:
    grants = (identity(allow("s3:GetObject", OBJECT)),)
    names_bob = resource_policy(grant({"AWS": OTHER_USER}))
    names_b = resource_policy(grant({"AWS": f"arn:aws:iam::{B}:root"}))
    kwargs = {"resource_account": A}
    assert ask(OTHER_USER, identity_policies=grants, **kwargs).decision is Decision.IMPLICIT_DENY
    result = ask(OTHER_USER, resource_policy=names_bob, **kwargs)
    assert result.decision is Decision.IMPLICIT_DENY
    assert (
        ask(OTHER_USER, identity_policies=grants, resource_policy=names_bob, **kwargs).decision
        is Decision.ALLOW
    )
    # Naming the other account delegates to its IAM policies, which allow.
    assert (
        ask(OTHER_USER, identity_policies=grants, resource_policy=names_b, **kwargs).decision
        is Decision.ALLOW
    )
    no_grant = ask(
        OTHER_USER, identity_policies=grants, resource_policy=resource_policy(grant({"AWS": USER})), **kwargs
    )
    assert no_grant.decision is Decision.IMPLICIT_DENY
    assert any("Cross-account" in line for line in no_grant.explanation)
    # The resource account can come from the resource ARN.
    table = f"arn:aws:dynamodb:us-east-1:{A}:table/T"
    assert ask(
        OTHER_USER,
        action="dynamodb:GetItem",
        resource=table,
        identity_policies=(identity(allow("dynamodb:*")),),
    ).decision is (Decision.IMPLICIT_DENY)


# --- KMS key policies ---------------------------------------------------------------------------

ROOT_DELEGATION = {
    "Sid": "EnableIAM",
    "Effect": "Allow",
    "Principal": {"AWS": f"arn:aws:iam::{A}:root"},
    "Action": "kms:*",
    "Resource": "*",
}


def key_policy(*statements: dict[str, Any]) -> Any:
    return compile_policy(doc(*statements), label="key policy", kind=PolicyKind.RESOURCE)


def test_kms_key_policy_must_allow() -> None:
    iam = (identity(allow("kms:Decrypt", KEY)),)
    result = ask(action="kms:Decrypt", resource=KEY, identity_policies=iam)
    assert result.decision is Decision.IMPLICIT_DENY
    assert any("no key policy" in line for line in result.explanation)
    assert ask(
        action="kms:Decrypt", resource=KEY, identity_policies=iam, resource_policy=key_policy(ROOT_DELEGATION)
    ).decision is (Decision.ALLOW)
    assert ask(action="kms:Decrypt", resource=KEY, resource_policy=key_policy(ROOT_DELEGATION)).decision is (
        Decision.IMPLICIT_DENY
    )
    direct = key_policy(
        {"Effect": "Allow", "Principal": {"AWS": USER}, "Action": "kms:Decrypt", "Resource": "*"}
    )
    assert ask(action="kms:Decrypt", resource=KEY, resource_policy=direct).decision is Decision.ALLOW
    other = key_policy(
        {
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{A}:user/carol"},
            "Action": "kms:*",
            "Resource": "*",
        }
    )
    not_delegated = ask(action="kms:Decrypt", resource=KEY, identity_policies=iam, resource_policy=other)
    assert not_delegated.decision is Decision.IMPLICIT_DENY


def test_kms_cross_account_and_caller_account() -> None:
    external = key_policy(
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "kms:Decrypt",
            "Resource": "*",
            "Condition": {"StringEquals": {"kms:CallerAccount": B}},
        }
    )
    iam = (identity(allow("kms:Decrypt", KEY)),)
    assert ask(
        OTHER_USER, action="kms:Decrypt", resource=KEY, identity_policies=iam, resource_policy=external
    ).decision is (Decision.ALLOW)
    assert (
        ask(OTHER_USER, action="kms:Decrypt", resource=KEY, resource_policy=external).decision
        is Decision.IMPLICIT_DENY
    )
    assert ask(
        USER, action="kms:Decrypt", resource=KEY, identity_policies=iam, resource_policy=external
    ).decision is (Decision.IMPLICIT_DENY)


# --- Role trust policies ------------------------------------------------------------------------

TARGET = f"arn:aws:iam::{A}:role/Target"


def trust(principal: Any) -> Any:
    return compile_policy(
        doc({"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}),
        label="trust policy",
        kind=PolicyKind.RESOURCE,
    )


def test_trust_policy_same_and_cross_account() -> None:
    assume = (identity(allow("sts:AssumeRole", TARGET)),)
    assert (
        ask(action="sts:AssumeRole", resource=TARGET, identity_policies=assume).decision
        is Decision.IMPLICIT_DENY
    )
    assert (
        ask(action="sts:AssumeRole", resource=TARGET, resource_policy=trust({"AWS": USER})).decision
        is Decision.ALLOW
    )
    root = trust({"AWS": f"arn:aws:iam::{A}:root"})
    assert (
        ask(action="sts:AssumeRole", resource=TARGET, resource_policy=root).decision is Decision.IMPLICIT_DENY
    )
    assert (
        ask(action="sts:AssumeRole", resource=TARGET, resource_policy=root, identity_policies=assume).decision
        is Decision.ALLOW
    )
    # A role session assuming another role: the trust policy names the caller's role.
    assert (
        ask(SESSION, action="sts:AssumeRole", resource=TARGET, resource_policy=trust({"AWS": ROLE})).decision
        is Decision.ALLOW
    )
    # Cross-account: both sides.
    foreign = trust({"AWS": OTHER_USER})
    assert (
        ask(OTHER_USER, action="sts:AssumeRole", resource=TARGET, resource_policy=foreign).decision
        is Decision.IMPLICIT_DENY
    )
    assert (
        ask(
            OTHER_USER,
            action="sts:AssumeRole",
            resource=TARGET,
            resource_policy=foreign,
            identity_policies=assume,
        ).decision
        is Decision.ALLOW
    )
    # The user's permissions boundary must allow sts:AssumeRole even when the trust policy names it.
    no_sts = compile_policy(doc(allow("s3:*")), label="S3Boundary", kind=PolicyKind.BOUNDARY)
    capped = ask(
        action="sts:AssumeRole",
        resource=TARGET,
        resource_policy=trust({"AWS": USER}),
        permissions_boundary=no_sts,
    )
    assert capped.decision is Decision.IMPLICIT_DENY
    # Whether a session policy caps a direct trust grant is undocumented: the engine does not guess.
    session_s3 = compile_policy(doc(allow("s3:*")), label="S3Session", kind=PolicyKind.SESSION)
    by_session = trust({"AWS": SESSION})
    assert (
        ask(SESSION, action="sts:AssumeRole", resource=TARGET, resource_policy=by_session).decision
        is Decision.ALLOW
    )
    assert (
        ask(
            SESSION,
            action="sts:AssumeRole",
            resource=TARGET,
            resource_policy=by_session,
            session_policy=session_s3,
        ).decision
        is Decision.INDETERMINATE
    )
    # Service principals never match an IAM principal.
    service = trust({"Service": "ec2.amazonaws.com"})
    assert ask(
        action="sts:AssumeRole", resource=TARGET, resource_policy=service, identity_policies=assume
    ).decision is (Decision.IMPLICIT_DENY)


# --- S3 bucket policy principal forms -----------------------------------------------------------


def test_bucket_policy_principal_forms() -> None:
    forms = {
        "star": "*",
        "aws star": {"AWS": "*"},
        "user": {"AWS": USER},
        "user in list": {"AWS": [OTHER_USER, USER]},
        "session": {"AWS": SESSION},
        "role": {"AWS": ROLE},
        "account id": {"AWS": A},
        "root arn": {"AWS": f"arn:aws:iam::{A}:root"},
        "other account": {"AWS": B},
        "other user": {"AWS": OTHER_USER},
        "service": {"Service": "cloudtrail.amazonaws.com"},
    }
    outcomes = {}
    for name, principal in forms.items():
        policy = resource_policy(grant(principal))
        outcomes[name] = (
            ask(USER, resource_policy=policy).decision,
            ask(SESSION, resource_policy=policy).decision,
        )
    assert outcomes == {
        "star": (Decision.ALLOW, Decision.ALLOW),
        "aws star": (Decision.ALLOW, Decision.ALLOW),
        "user": (Decision.ALLOW, Decision.IMPLICIT_DENY),
        "user in list": (Decision.ALLOW, Decision.IMPLICIT_DENY),
        "session": (Decision.IMPLICIT_DENY, Decision.ALLOW),
        "role": (Decision.IMPLICIT_DENY, Decision.ALLOW),
        # An account principal delegates to IAM policies, and these principals have none.
        "account id": (Decision.IMPLICIT_DENY, Decision.IMPLICIT_DENY),
        "root arn": (Decision.IMPLICIT_DENY, Decision.IMPLICIT_DENY),
        "other account": (Decision.IMPLICIT_DENY, Decision.IMPLICIT_DENY),
        "other user": (Decision.IMPLICIT_DENY, Decision.IMPLICIT_DENY),
        "service": (Decision.IMPLICIT_DENY, Decision.IMPLICIT_DENY),
    }


# --- Principal-derived context keys -------------------------------------------------------------


def conditioned(condition: dict[str, Any]) -> tuple[Any, ...]:
    return (identity(allow(Condition=condition)),)


def test_principal_context_keys() -> None:
    assert (
        ask(SESSION, identity_policies=conditioned({"ArnEquals": {"aws:PrincipalArn": ROLE}})).decision
        is Decision.ALLOW
    )
    assert ask(
        SESSION, identity_policies=conditioned({"StringEquals": {"aws:PrincipalType": "AssumedRole"}})
    ).decision is (Decision.ALLOW)
    assert (
        ask(USER, identity_policies=conditioned({"StringEquals": {"aws:username": "alice"}})).decision
        is Decision.ALLOW
    )
    assert (
        ask(SESSION, identity_policies=conditioned({"Null": {"aws:username": "true"}})).decision
        is Decision.ALLOW
    )
    assert (
        ask(USER, identity_policies=conditioned({"StringEquals": {"aws:PrincipalAccount": A}})).decision
        is Decision.ALLOW
    )
    assert (
        ask(USER, identity_policies=conditioned({"StringEquals": {"aws:ResourceAccount": A}})).decision
        is Decision.ALLOW
    )
    org = conditioned({"StringEquals": {"aws:PrincipalOrgID": "o-abc"}})
    assert ask(USER, identity_policies=org, principal_org_id="o-abc").decision is Decision.ALLOW
    assert ask(USER, identity_policies=org).decision is Decision.IMPLICIT_DENY
    paths = conditioned({"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": "o-abc/r-1/ou-2/*"}})
    assert (
        ask(USER, identity_policies=paths, principal_org_paths=("o-abc/r-1/ou-2/ou-3/",)).decision
        is Decision.ALLOW
    )
    tags = conditioned({"StringEquals": {"aws:PrincipalTag/Team": "blue", "aws:ResourceTag/Class": "phi"}})
    assert ask(
        USER, identity_policies=tags, principal_tags={"team": "blue"}, resource_tags={"Class": "phi"}
    ).decision is (Decision.ALLOW)
    # A principal key the case leaves open is read from the context; one the case fixes is not.
    supplied = ask(USER, identity_policies=org, context={"aws:PrincipalOrgID": "o-abc"})
    assert supplied.decision is Decision.ALLOW
    fixed = ask(USER, identity_policies=org, principal_org_id="o-xyz", context={"aws:PrincipalOrgID": "o-abc"})
    assert fixed.decision is Decision.IMPLICIT_DENY
    by_name = conditioned({"StringEquals": {"aws:username": "mallory"}})
    assert ask(USER, identity_policies=by_name, context={"aws:username": "mallory"}).decision is (
        Decision.IMPLICIT_DENY
    )
    not_service = conditioned({"Bool": {"aws:PrincipalIsAWSService": "false"}})
    assert ask(USER, identity_policies=not_service).decision is Decision.ALLOW


# --- Failing closed -----------------------------------------------------------------------------


def test_unknown_operator_is_indeterminate_only_when_it_matters() -> None:
    odd = {"StringEqualsFancy": {"aws:RequestedRegion": "us-east-1"}}
    result = ask(identity_policies=(identity(allow(Condition=odd, sid="Odd")),))
    assert result.decision is Decision.INDETERMINATE
    assert result.unsupported == (
        "Sid 'Odd' of identity (Allow): condition operator 'StringEqualsFancy' is not supported",
    )
    # Another statement allows anyway: the unknown one cannot change the answer.
    assert ask(identity_policies=(identity(allow(Condition=odd), allow()),)).decision is Decision.ALLOW
    # An unknown deny could override the allow.
    assert ask(identity_policies=(identity(allow(), deny(Condition=odd)),)).decision is Decision.INDETERMINATE
    # A certain deny is certain whatever the unknown one says.
    assert ask(identity_policies=(identity(deny(), allow(Condition=odd)),)).decision is Decision.EXPLICIT_DENY
    # Denied either way, but explicitly or implicitly depends on the unknown deny.
    either = ask(identity_policies=(identity(deny(Condition=odd)),))
    assert either.decision is Decision.INDETERMINATE
    assert "denied either way" in either.explanation[1]


def test_unsupported_principals_are_indeterminate() -> None:
    for principal in [
        f"arn:aws:iam::{A}:root",
        f"arn:aws:sts::{A}:federated-user/bob",
        "alice",
        f"arn:aws:s3:::{A}",
    ]:
        assert ask(principal, identity_policies=(identity(allow()),)).decision is Decision.INDETERMINATE


def test_documents_are_compiled_when_passed_raw() -> None:
    result = ask(identity_policies=(doc(allow()),))
    assert result.decision is Decision.ALLOW
    assert result.allowed_by == (StatementRef("identity policy #0", 0, None, "Allow"),)


# --- The unrolled combination equals the generic one --------------------------------------------

truths = st.sampled_from([0, 1, 2])
maybe = st.one_of(st.none(), truths)


@given(
    st.booleans(),
    st.booleans(),
    st.booleans(),
    st.booleans(),
    truths,
    truths,
    truths,
    st.lists(truths, max_size=3),
    st.lists(truths, max_size=3),
    maybe,
    maybe,
    maybe,
    maybe,
    maybe,
)
def test_combine_truth_equals_combine(
    same: bool,
    mandatory: bool,
    rcp_applies: bool,
    trust: bool,
    deny: int,
    rcp_deny: int,
    ident: int,
    scps: list[int],
    rcps: list[int],
    boundary: int | None,
    session: int | None,
    direct: int | None,
    role: int | None,
    account: int | None,
) -> None:
    layers: Layers[int] = Layers(same, mandatory, rcp_applies, deny, rcp_deny if rcps else 0, ident, None, [])
    layers.scp_levels, layers.rcp_levels = scps, rcps
    layers.trust = trust
    layers.boundary, layers.session = boundary, session
    layers.rp_direct, layers.rp_role, layers.rp_account = direct, role, account
    assert combine_truth(layers) == combine(layers, TRUTH, 2, 0, 1)
