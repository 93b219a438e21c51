"""Reach through the edges of issue 4, over hand-built snapshots: each edge found, and each look-alike not."""

from __future__ import annotations

from typing import Any

from enjoin.config_model import Holding, Party
from enjoin.reach import compute_reach
from enjoin.snapshot import (
    AccessPoint,
    Bucket,
    Function,
    Group,
    LakeFormationGrant,
    NamedPolicy,
    ReplicationRule,
    Role,
    Snapshot,
    Table,
    User,
)

CMS, DHS = "111111111111", "222222222222"
LIAISON = f"arn:aws:iam::{CMS}:role/IceLiaison"
READER = f"arn:aws:iam::{CMS}:role/ClaimsReader"
PARTY = Party("DHS", accounts=(DHS,), principals=(f"arn:aws:iam::{CMS}:role/IceLiaison*",))
CLAIMS = Holding("arn:aws:s3:::claims/*", "medicaid", ("all",), ("all",), ("medical",))


def doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action: str | list[str], resource: str = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def role(arn: str, *policies: dict[str, Any], trust: dict[str, Any] | None = None) -> Role:
    account, name = arn.split(":")[4], arn.rsplit("/", 1)[1]
    trust = trust or doc(
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:root"}, "Action": "sts:AssumeRole"}
    )
    return Role(
        arn,
        name,
        account,
        trust,
        inline_policies=tuple(NamedPolicy(f"p{i}", p) for i, p in enumerate(policies)),
    )


READS = doc(allow("s3:GetObject", "arn:aws:s3:::claims/*"))
CLAIMS_BUCKET = Bucket("arn:aws:s3:::claims", "claims", CMS, "us-east-1")


def reach(*roles: Role, **more: Any) -> Any:
    buckets = more.pop("buckets", (CLAIMS_BUCKET,))
    snap = Snapshot((CMS, DHS), roles=roles, buckets=buckets, **more)
    return compute_reach(snap, [PARTY], [CLAIMS], "us-east-1")


def paths(result: Any) -> set[tuple[str, ...]]:
    return {a.path for a in result.accesses}


def test_the_reader_alone_is_not_reached() -> None:
    assert paths(reach(role(LIAISON, doc(allow("s3:ListAllMyBuckets"))), role(READER, READS))) == set()


def test_put_role_policy_on_itself() -> None:
    got = reach(role(LIAISON, doc(allow("iam:PutRolePolicy", LIAISON))), role(READER, READS))
    assert paths(got) == {(LIAISON, "iam:PutRolePolicy", LIAISON, "s3:GetObject")}


def test_update_assume_role_policy_of_a_reader() -> None:
    locked = doc({"Effect": "Allow", "Principal": {"Service": "glue.amazonaws.com"}, "Action": "sts:AssumeRole"})
    got = reach(role(LIAISON, doc(allow("iam:UpdateAssumeRolePolicy", READER))), role(READER, READS, trust=locked))
    assert paths(got) == {(LIAISON, "iam:UpdateAssumeRolePolicy", READER, "sts:AssumeRole", READER, "s3:GetObject")}


def test_create_access_key_of_a_reading_user() -> None:
    user = User(f"arn:aws:iam::{CMS}:user/etl", "etl", CMS, inline_policies=(NamedPolicy("read", READS),))
    got = reach(role(LIAISON, doc(allow("iam:CreateAccessKey", user.arn))), users=(user,))
    assert paths(got) == {(LIAISON, "iam:CreateAccessKey", user.arn, "s3:GetObject")}


def _password_paths(login_profile: bool | None, *actions: str) -> set[tuple[str, ...]]:
    user = User(
        f"arn:aws:iam::{CMS}:user/etl",
        "etl",
        CMS,
        inline_policies=(NamedPolicy("read", READS),),
        login_profile=login_profile,
    )
    return paths(reach(role(LIAISON, doc(allow(list(actions), user.arn))), users=(user,)))


ETL = f"arn:aws:iam::{CMS}:user/etl"


def test_update_login_profile_takes_over_only_a_user_with_a_console_password() -> None:
    assert _password_paths(True, "iam:UpdateLoginProfile") == {(LIAISON, "iam:UpdateLoginProfile", ETL, "s3:GetObject")}
    # UpdateLoginProfile answers NoSuchEntity for a user without a password: no edge.
    assert _password_paths(False, "iam:UpdateLoginProfile") == set()


def test_create_login_profile_takes_over_only_a_user_without_one_unless_the_caller_deletes_it() -> None:
    assert _password_paths(False, "iam:CreateLoginProfile") == {
        (LIAISON, "iam:CreateLoginProfile", ETL, "s3:GetObject")
    }
    # EntityAlreadyExists for a user with a password...
    assert _password_paths(True, "iam:CreateLoginProfile") == set()
    # ...unless the caller may delete it first.
    assert _password_paths(True, "iam:CreateLoginProfile", "iam:DeleteLoginProfile") == {
        (LIAISON, "iam:DeleteLoginProfile", ETL, "iam:CreateLoginProfile", ETL, "s3:GetObject")
    }
    assert _password_paths(False, "iam:DeleteLoginProfile") == set()


def test_a_login_profile_that_was_not_read_leaves_both_password_edges() -> None:
    assert _password_paths(None, "iam:UpdateLoginProfile") == {(LIAISON, "iam:UpdateLoginProfile", ETL, "s3:GetObject")}
    assert _password_paths(None, "iam:CreateLoginProfile") == {(LIAISON, "iam:CreateLoginProfile", ETL, "s3:GetObject")}


def test_add_a_reachable_user_to_a_reading_group() -> None:
    user = User(f"arn:aws:iam::{CMS}:user/etl", "etl", CMS)
    group = Group(f"arn:aws:iam::{CMS}:group/claims", "claims", CMS, inline_policies=(NamedPolicy("read", READS),))
    liaison = role(LIAISON, doc(allow(["iam:CreateAccessKey", "iam:AddUserToGroup"])))
    got = reach(liaison, users=(user,), groups=(group,))
    assert len(got.accesses) == 1
    assert got.accesses[0].read.principal == user.arn
    assert "iam:AddUserToGroup" in got.accesses[0].path


LAMBDA_TRUST = doc({"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"})


def test_pass_a_reading_role_to_a_new_lambda_function() -> None:
    liaison = role(
        LIAISON, doc(allow("iam:PassRole", READER), allow(["lambda:CreateFunction", "lambda:InvokeFunction"]))
    )
    got = reach(liaison, role(READER, READS, trust=LAMBDA_TRUST))
    function = f"arn:aws:lambda:us-east-1:{CMS}:function:enjoin-probe"
    assert paths(got) == {
        (
            LIAISON,
            "iam:PassRole",
            READER,
            "lambda:CreateFunction",
            function,
            "lambda:InvokeFunction",
            function,
            READER,
            "s3:GetObject",
        )
    }


def test_pass_role_limited_to_another_service_is_not_an_edge() -> None:
    only_ec2 = allow("iam:PassRole", READER, Condition={"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}})
    liaison = role(LIAISON, doc(only_ec2, allow(["lambda:CreateFunction", "lambda:InvokeFunction"])))
    assert paths(reach(liaison, role(READER, READS, trust=LAMBDA_TRUST))) == set()


def test_update_the_code_of_a_function_that_runs_as_a_reader() -> None:
    function = Function(f"arn:aws:lambda:us-east-1:{CMS}:function:nightly", "nightly", CMS, "us-east-1", READER)
    got = reach(
        role(LIAISON, doc(allow("lambda:UpdateFunctionCode", function.arn))),
        role(READER, READS, trust=LAMBDA_TRUST),
        functions=(function,),
    )
    assert paths(got) == {(LIAISON, "lambda:UpdateFunctionCode", function.arn, READER, "s3:GetObject")}


def test_a_role_trusting_the_party_identity_provider_belongs_to_the_party() -> None:
    provider = f"arn:aws:iam::{CMS}:saml-provider/DhsIdp"
    trust = doc(
        {
            "Effect": "Allow",
            "Principal": {"Federated": provider},
            "Action": "sts:AssumeRoleWithSAML",
            "Condition": {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}},
        }
    )
    party = Party("DHS", accounts=(DHS,), identity_providers=("arn:aws:iam::*:saml-provider/Dhs*",))
    snap = Snapshot((CMS, DHS), roles=(role(READER, READS, trust=trust),), buckets=(CLAIMS_BUCKET,))
    (access,) = compute_reach(snap, [party], [CLAIMS], "us-east-1").accesses
    assert access.path == (provider, "sts:AssumeRoleWithSAML", READER, "s3:GetObject")


def _replicating(dest_policy: dict[str, Any] | None) -> Any:
    replicator = f"arn:aws:iam::{CMS}:role/Replicator"
    source = Bucket(
        "arn:aws:s3:::claims",
        "claims",
        CMS,
        "us-east-1",
        versioning="Enabled",
        replication_role=replicator,
        replication_rules=(ReplicationRule("all", True, "", "arn:aws:s3:::shared"),),
    )
    dest = Bucket("arn:aws:s3:::shared", "shared", CMS, "us-east-1", dest_policy, versioning="Enabled")
    repl = role(replicator, doc(allow(["s3:GetObjectVersionForReplication", "s3:ReplicateObject"])))
    return reach(repl, buckets=(source, dest))


def test_a_replica_in_a_bucket_the_party_can_read_reaches_the_holding() -> None:
    open_to_dhs = doc(
        {
            "Effect": "Allow",
            "Principal": {"AWS": DHS},
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::shared/*",
        }
    )
    (access,) = _replicating(open_to_dhs).accesses
    assert access.read.resource == "arn:aws:s3:::shared/enjoin-probe"
    assert "replica of arn:aws:s3:::claims" in access.read.note


def test_a_replica_in_a_closed_bucket_is_not_reached() -> None:
    assert _replicating(None).accesses == ()


def test_a_replica_whose_destination_was_not_read_back_leaves_the_holding_in_doubt_for_everyone() -> None:
    """The destination's policy is unknown: it may let in any principal the party reaches, even one that
    could not read the source (here the party's own role, in another account than the source)."""
    elsewhere = "arn:aws:s3:::elsewhere"
    source = Bucket(
        "arn:aws:s3:::claims",
        "claims",
        CMS,
        "us-east-1",
        versioning="Enabled",
        replication_role=f"arn:aws:iam::{CMS}:role/Replicator",
        replication_rules=(ReplicationRule("out", True, "", elsewhere, "333333333333"),),
    )
    result = reach(buckets=(source,))
    assert result.accesses == ()
    reason = f"replica of arn:aws:s3:::claims (replication rule 'out'): the destination {elsewhere} was not read back"
    assert {(u.principal, u.holding, u.reasons) for u in result.undecided} == {
        (f"arn:aws:iam::{DHS}:role/enjoin-party-controlled", CLAIMS, (reason,))
    }


def test_an_access_point_the_bucket_delegates_to() -> None:
    point_arn = f"arn:aws:s3:us-east-1:{CMS}:accesspoint/dhs"
    delegate = doc(
        {
            "Effect": "Allow",
            "Principal": {"AWS": "*"},
            "Action": "*",
            "Resource": ["arn:aws:s3:::claims/*"],
            "Condition": {"StringEquals": {"s3:DataAccessPointAccount": CMS}},
        }
    )
    point_policy = doc(
        {
            "Effect": "Allow",
            "Principal": {"AWS": DHS},
            "Action": "s3:GetObject",
            "Resource": f"{point_arn}/object/*",
        }
    )
    bucket = Bucket("arn:aws:s3:::claims", "claims", CMS, "us-east-1", delegate)
    point = AccessPoint(point_arn, "dhs", CMS, "us-east-1", "claims", point_policy)
    (access,) = reach(buckets=(bucket,), access_points=(point,)).accesses
    assert access.hops[0].resource == f"{point_arn}/object/enjoin-probe"
    # Without the delegation the bucket refuses the same request.
    bare = Bucket("arn:aws:s3:::claims", "claims", CMS, "us-east-1")
    assert reach(buckets=(bare,), access_points=(point,)).accesses == ()


TABLE = Table(
    f"arn:aws:glue:us-east-1:{CMS}:table/taf/demo",
    "taf",
    "demo",
    CMS,
    "us-east-1",
    ("msis_ident_num", "ssn_num", "birth_dt"),
)
TABLE_HOLDING = Holding(
    TABLE.arn,
    "medicaid",
    ("all",),
    ("all",),
    ("medicaid_id", "ssn", "date_of_birth"),
    columns={"msis_ident_num": ("medicaid_id",), "ssn_num": ("ssn",), "birth_dt": ("date_of_birth",)},
)
QUERY = doc(allow(["lakeformation:GetDataAccess", "glue:GetTable", "athena:StartQueryExecution"]))


def _table_reach(grant: LakeFormationGrant, *policies: dict[str, Any]) -> Any:
    snap = Snapshot((CMS, DHS), roles=(role(LIAISON, *policies),), tables=(TABLE,), lake_formation_grants=(grant,))
    return compute_reach(snap, [PARTY], [TABLE_HOLDING], "us-east-1")


def test_a_column_grant_reaches_only_its_fields() -> None:
    grant = LakeFormationGrant(LIAISON, TABLE.arn, ("SELECT",), ("msis_ident_num", "ssn_num"))
    (access,) = _table_reach(grant, QUERY).accesses
    assert access.fields == ("medicaid_id", "ssn")
    workgroup = f"arn:aws:athena:us-east-1:{CMS}:workgroup/primary"
    assert access.path == (
        LIAISON,
        "athena:StartQueryExecution",
        workgroup,
        "glue:GetTable",
        TABLE.arn,
        "lakeformation:GetDataAccess",
    )


def test_a_whole_table_grant_reaches_every_field() -> None:
    (access,) = _table_reach(LakeFormationGrant(LIAISON, TABLE.arn, ("ALL",)), QUERY).accesses
    assert access.fields is None


def test_a_grant_without_the_iam_side_reaches_nothing() -> None:
    grant = LakeFormationGrant(LIAISON, TABLE.arn, ("SELECT",))
    assert _table_reach(grant, doc(allow(["glue:GetTable", "athena:StartQueryExecution"]))).accesses == ()


def test_every_hop_of_every_path_is_confirmed_by_a_concrete_decision() -> None:
    from enjoin.engine import Decision, decide

    results = [
        reach(role(LIAISON, doc(allow("iam:PutRolePolicy", LIAISON))), role(READER, READS)),
        _replicating(
            doc(
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": DHS},
                    "Action": "s3:GetObject",
                    "Resource": "arn:aws:s3:::shared/*",
                }
            )
        ),
        _table_reach(LakeFormationGrant(LIAISON, TABLE.arn, ("SELECT",), ("ssn_num",)), QUERY),
    ]
    hops = [h for r in results for a in r.accesses for h in a.hops if h.request is not None]
    assert len(hops) >= 5
    assert {(h.action, decide(h.request).decision) for h in hops} == {(h.action, Decision.ALLOW) for h in hops}


def test_a_read_denied_either_way_is_no_access_and_not_in_doubt() -> None:
    """An explicit deny that certainly applies, and an allow on a condition the engine cannot read:
    whether the deny is explicit or implicit is unknown, but no context allows the read. Reach finds
    no access and leaves nothing undecided; an allow that an unreadable deny may block stays in doubt."""
    odd = {"StringEqualsFancy": {"aws:RequestedRegion": "us-east-1"}}
    deny_all = {"Effect": "Deny", "Action": "s3:GetObject", "Resource": "*"}
    either = reach(role(LIAISON, doc(allow("s3:GetObject", "arn:aws:s3:::claims/*", Condition=odd), deny_all)))
    assert paths(either) == set()
    assert either.undecided == ()
    maybe = reach(role(LIAISON, doc(allow("s3:GetObject", "arn:aws:s3:::claims/*"), {**deny_all, "Condition": odd})))
    assert paths(maybe) == set()
    assert [u.principal for u in maybe.undecided] == [LIAISON]
