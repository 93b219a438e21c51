"""Drift over hand-built snapshot pairs: what is drift, what is not (random ids), and the clause comparison."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any

import jsonschema
import pytest

from enjoin.case import load_case
from enjoin.config_model import Holding
from enjoin.drift import (
    SEVERITY,
    Comparison,
    FieldChange,
    ResourceDrift,
    StatementChange,
    StatementChangeKind,
    Status,
    compare,
    compare_judgments,
    compare_snapshots,
    compare_statements,
    normalise,
)
from enjoin.engine import StatementRef
from enjoin.judgment import Judgment, Verdict, judge
from enjoin.reach import Access, Hop, Reach
from enjoin.report.drift import schema, to_drift_report
from enjoin.snapshot import (
    Bucket,
    Key,
    LakeFormationGrant,
    ManagedPolicy,
    NamedPolicy,
    Organization,
    Role,
    Snapshot,
    User,
)

CMS, DHS = "111111111111", "222222222222"
ROLE = f"arn:aws:iam::{CMS}:role/Reader"
USER = f"arn:aws:iam::{CMS}:user/analyst"
KEY_A = f"arn:aws:kms:us-east-1:{CMS}:key/11111111-1111-1111-1111-111111111111"
KEY_B = f"arn:aws:kms:us-east-1:{CMS}:key/22222222-2222-2222-2222-222222222222"
ALIAS = f"arn:aws:kms:us-east-1:{CMS}:alias/claims"
READ = {"Sid": "Read", "Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "arn:aws:s3:::claims/*"}
TRUST = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{CMS}:root"},
                                                 "Action": "sts:AssumeRole"}]}


def doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def role(**changes: Any) -> Role:
    base = Role(ROLE, "Reader", CMS, TRUST, role_id="AROAAAAAAAAAAAAAAAAAA",
                inline_policies=(NamedPolicy("ReadClaims", doc(READ)),))
    return replace(base, **changes)


def key(arn: str = KEY_A, **changes: Any) -> Key:
    base = Key(arn, arn.rsplit("/", 1)[1], CMS, "us-east-1",
               doc({"Sid": "Admin", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{CMS}:root"},
                    "Action": "kms:*", "Resource": "*"}))
    return replace(base, **changes)


def bucket(kms: str | None = None, **changes: Any) -> Bucket:
    return replace(Bucket("arn:aws:s3:::claims", "claims", CMS, "us-east-1", sse_algorithm="aws:kms" if kms else None,
                          kms_key_id=kms), **changes)


def snap(**parts: Any) -> Snapshot:
    return Snapshot((CMS, DHS), **parts)


# -- normalisation and statements ------------------------------------------------------------------------------------


def test_single_values_lists_order_and_duplicates_do_not_matter() -> None:
    written = doc({"Sid": "Read", "Effect": "Allow", "Action": ["s3:ListBucket", "s3:GetObject", "s3:GetObject"],
                   "Resource": "arn:aws:s3:::claims/*", "Principal": {"AWS": f"arn:aws:iam::{DHS}:root"},
                   "Condition": {"StringEquals": {"aws:PrincipalTag/team": ["b", "a"]}}})
    reordered = {"Id": "ignored", "Version": "2012-10-17",
                 "Statement": {"Sid": "Read", "Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"],
                               "Resource": ["arn:aws:s3:::claims/*"],
                               "Principal": {"AWS": [f"arn:aws:iam::{DHS}:root"]},
                               "Condition": {"StringEquals": {"aws:PrincipalTag/team": ["a", "b", "a"]}}}}
    assert normalise(written) == normalise(reordered)
    assert compare_statements(normalise(written), normalise(reordered)) == ()


def test_statements_pair_by_sid_then_by_content_then_by_index() -> None:
    deny = {"Effect": "Deny", "Action": "s3:*", "Resource": "*"}
    code = normalise(doc(READ, deny, {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}))
    live = normalise(doc(deny, {**READ, "Resource": "*"}, {"Effect": "Allow", "Action": "s3:GetObject",
                                                            "Resource": "*"},
                         {"Sid": "New", "Effect": "Allow", "Action": "s3:PutObject", "Resource": "*"}))
    changes = compare_statements(code, live)
    assert [(c.change, c.sid, c.code_index, c.live_index) for c in changes] == [
        (StatementChangeKind.CHANGED, "Read", 0, 1),  # same Sid, another Resource
        (StatementChangeKind.CHANGED, None, 2, 2),  # no Sid on either side, same place, other content
        (StatementChangeKind.ADDED, "New", None, 3),
    ]
    assert changes[0].code == normalise(doc(READ))["Statement"][0]
    assert changes[0].live == {**normalise(doc(READ))["Statement"][0], "Resource": ["*"]}


def test_a_statement_removed_live() -> None:
    changes = compare_statements(normalise(doc(READ)), normalise(doc()))
    assert changes == (StatementChange(StatementChangeKind.REMOVED, "Read", 0, None,
                                       normalise(doc(READ))["Statement"][0], None),)


# -- principals ------------------------------------------------------------------------------------------------------


def test_random_principal_ids_are_never_drift_even_where_a_policy_names_them() -> None:
    def with_id(unique: str) -> Snapshot:
        condition = doc({**READ, "Condition": {"StringLike": {"aws:userid": f"{unique}:*"}}})
        return snap(roles=(role(role_id=unique, inline_policies=(NamedPolicy("ReadClaims", condition),)),),
                    users=(User(USER, "analyst", CMS, user_id="AIDA" + unique[4:]),))

    assert compare_snapshots(with_id("AROAAAAAAAAAAAAAAAAAA"), with_id("AROABBBBBBBBBBBBBBBBB")) == ()


def test_a_policy_attached_a_trust_widened_an_inline_policy_added_and_a_boundary_lifted() -> None:
    boundary = f"arn:aws:iam::{CMS}:policy/Boundary"
    code = snap(roles=(role(permissions_boundary_arn=boundary),))
    dhs_trust = {"Sid": "Dhs", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{DHS}:root"},
                 "Action": "sts:AssumeRole"}
    live = snap(roles=(role(trust_policy={**TRUST, "Statement": [*TRUST["Statement"], dhs_trust]},
                            managed_policy_arns=("arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",),
                            inline_policies=(NamedPolicy("ReadClaims", doc(READ)), NamedPolicy("Extra", doc(READ)))),))
    [drift] = compare_snapshots(code, live)
    assert (drift.kind, drift.id, drift.status) == ("role", ROLE, Status.CHANGED)
    assert {c.field: c for c in drift.changes}.keys() == {
        "inline_policies.Extra", "managed_policy_arns", "permissions_boundary_arn", "trust_policy"}
    by_field = {c.field: c for c in drift.changes}
    assert by_field["managed_policy_arns"].added == ("arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",)
    assert by_field["permissions_boundary_arn"] == FieldChange("permissions_boundary_arn", boundary, None)
    assert [(s.change, s.sid) for s in by_field["trust_policy"].statements] == [(StatementChangeKind.ADDED, "Dhs")]
    assert [(s.change, s.sid) for s in by_field["inline_policies.Extra"].statements] == [
        (StatementChangeKind.ADDED, "Read")]


def test_a_group_joined_and_a_console_password_made() -> None:
    group = f"arn:aws:iam::{CMS}:group/Admins"
    code = snap(users=(User(USER, "analyst", CMS, login_profile=False),))
    live = snap(users=(User(USER, "analyst", CMS, group_arns=(group,), login_profile=True),))
    [drift] = compare_snapshots(code, live)
    assert drift.changes == (FieldChange("group_arns", [], [group], (group,), ()),
                             FieldChange("login_profile", False, True))


def test_principals_only_live_are_console_created_and_only_in_code_missing_live() -> None:
    other = Role(f"arn:aws:iam::{CMS}:role/Helper", "Helper", CMS, TRUST)
    assert compare_snapshots(snap(roles=(role(),)), snap(roles=(other,))) == (
        ResourceDrift("role", other.arn, CMS, Status.CONSOLE_CREATED),
        ResourceDrift("role", ROLE, CMS, Status.MISSING_LIVE),
    )


def test_tags_aws_sets_itself_are_not_drift_but_the_agency_tags_are() -> None:
    code = snap(roles=(role(tags={"team": "claims"}),))
    stack_tagged = snap(roles=(role(tags={"team": "claims", "aws:cloudformation:stack-name": "x"}),))
    assert compare_snapshots(code, stack_tagged) == ()
    [drift] = compare_snapshots(code, snap(roles=(role(tags={"team": "dhs"}),)))
    assert drift.changes == (FieldChange("tags", {"team": "claims"}, {"team": "dhs"}, ("team=dhs",), ("team=claims",)),)


def test_a_field_the_inventory_learns_later_is_compared_without_a_change_to_drift() -> None:
    @dataclass(frozen=True, slots=True)
    class UserWithKeys(User):  # what reading access keys would add (see the report of this work)
        active_access_keys: int | None = None

    code = snap(users=(UserWithKeys(USER, "analyst", CMS, active_access_keys=0),))
    live = snap(users=(UserWithKeys(USER, "analyst", CMS, active_access_keys=1),))
    [drift] = compare_snapshots(code, live)
    assert drift.changes == (FieldChange("active_access_keys", 0, 1),)


def test_aws_managed_policies_are_not_compared_customer_managed_ones_are() -> None:
    aws = "arn:aws:iam::aws:policy/ReadOnlyAccess"
    mine = f"arn:aws:iam::{CMS}:policy/Mine"
    code = snap(policies=(ManagedPolicy(aws, "ReadOnlyAccess", doc(READ)), ManagedPolicy(mine, "Mine", doc(READ))))
    live = snap(policies=(ManagedPolicy(aws, "ReadOnlyAccess", doc()), ManagedPolicy(mine, "Mine", doc())))
    [drift] = compare_snapshots(code, live)
    assert (drift.kind, drift.id) == ("managed-policy", mine)
    assert [(c.field, [s.change for s in c.statements]) for c in drift.changes] == [
        ("document", [StatementChangeKind.REMOVED])]


# -- keys ------------------------------------------------------------------------------------------------------------


def test_keys_match_by_alias_whatever_their_random_arns_and_buckets_naming_them_follow() -> None:
    code = snap(keys=(key(KEY_A, aliases=(ALIAS,)),), buckets=(bucket(KEY_A),))
    live = snap(keys=(key(KEY_B, aliases=(ALIAS,)),), buckets=(bucket(KEY_B),))
    assert compare_snapshots(code, live) == ()


def test_a_key_policy_widened_is_drift_of_the_key_named_by_its_alias() -> None:
    widened = key(KEY_B, aliases=(ALIAS,))
    dhs = {"Sid": "Dhs", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{DHS}:root"},
           "Action": "kms:Decrypt", "Resource": "*"}
    widened = replace(widened, policy=doc(*widened.policy["Statement"], dhs))
    [drift] = compare_snapshots(snap(keys=(key(KEY_A, aliases=(ALIAS,)),)), snap(keys=(widened,)))
    assert (drift.kind, drift.id, drift.status, drift.matched_by, drift.code_ref, drift.live_ref) == (
        "key", ALIAS, Status.CHANGED, "alias", KEY_A, KEY_B)
    assert [(c.field, [(s.change, s.sid) for s in c.statements]) for c in drift.changes] == [
        ("policy", [(StatementChangeKind.ADDED, "Dhs")])]


@pytest.mark.parametrize(("code_key", "live_key", "rule"), [
    (key(KEY_A), key(KEY_B), "bucket-encryption"),
    (key(KEY_A, tags={"DataClassification": "PHI"}), key(KEY_B, tags={"DataClassification": "PHI"}), "tags"),
])
def test_keys_without_alias_match_by_the_bucket_they_encrypt_or_their_tags(code_key: Key, live_key: Key,
                                                                           rule: str) -> None:
    uses = rule == "bucket-encryption"
    code = snap(keys=(code_key,), buckets=(bucket(KEY_A if uses else None),))
    live = snap(keys=(replace(live_key, policy=doc()),), buckets=(bucket(KEY_B if uses else None),))
    [drift] = compare_snapshots(code, live)
    assert (drift.kind, drift.status, drift.matched_by) == ("key", Status.CHANGED, rule)


def test_keys_without_alias_bucket_or_tags_match_by_an_identical_policy() -> None:
    assert compare_snapshots(snap(keys=(key(KEY_A),)), snap(keys=(key(KEY_B),))) == ()


def test_a_key_that_cannot_be_matched_is_reported_on_each_side_never_dropped() -> None:
    code, live = snap(keys=(key(KEY_A),)), snap(keys=(key(KEY_B, policy=doc()),))
    assert compare_snapshots(code, live) == (
        ResourceDrift("key", KEY_A, CMS, Status.MISSING_LIVE, (), None, KEY_A, None),
        ResourceDrift("key", KEY_B, CMS, Status.CONSOLE_CREATED, (), None, None, KEY_B),
    )


# -- data stores, grants, organisation -------------------------------------------------------------------------------


def test_bucket_drift_policy_public_access_block_and_encryption() -> None:
    code = snap(keys=(key(KEY_A, aliases=(ALIAS,)),),
                buckets=(bucket(KEY_A, public_access_block={"BlockPublicPolicy": True}),))
    live = snap(keys=(key(KEY_B, aliases=(ALIAS,)),),
                buckets=(bucket(None, public_access_block={"BlockPublicPolicy": False}, policy=doc(READ)),))
    [drift] = compare_snapshots(code, live)
    assert [c.field for c in drift.changes] == ["kms_key_id", "policy", "public_access_block", "sse_algorithm"]
    assert drift.changes[0] == FieldChange("kms_key_id", ALIAS, None)  # the key by its identity, not its ARN


def test_a_lake_formation_grant_made_by_hand() -> None:
    table = f"arn:aws:glue:us-east-1:{CMS}:table/tmsis/eligibility"
    grant = LakeFormationGrant(f"arn:aws:iam::{DHS}:root", table, ("SELECT",), ("state",))
    [drift] = compare_snapshots(snap(), snap(lake_formation_grants=(grant,)))
    assert (drift.kind, drift.status, drift.account) == ("lake-formation-grant", Status.CONSOLE_CREATED, CMS)
    assert f'principal="arn:aws:iam::{DHS}:root"' in drift.id and '"SELECT"' in drift.id


def test_an_image_repository_opened_to_dhs_and_made_mutable_by_hand() -> None:
    from enjoin.snapshot import Repository

    arn = f"arn:aws:ecr:us-east-1:{CMS}:repository/cms/extract"
    code = Repository(arn, "cms/extract", CMS, "us-east-1", None, "IMMUTABLE", (), ("v1",))
    push = {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{DHS}:root"}, "Action": "ecr:PutImage"}
    live = Repository(arn, "cms/extract", CMS, "us-east-1", doc(push), "MUTABLE", (), ("v1",))
    [drift] = compare_snapshots(snap(repositories=(code,)), snap(repositories=(live,)))
    assert (drift.kind, drift.id, drift.status) == ("repository", arn, Status.CHANGED)
    assert [c.field for c in drift.changes] == ["mutability", "policy"]


def test_a_running_task_is_state_not_drift_but_a_task_definition_registered_by_hand_is() -> None:
    from enjoin.snapshot import Compute

    task = Compute("ecs-task", f"arn:aws:ecs:us-east-1:{CMS}:task/web/0f9e8d7c", "0f9e8d7c", CMS, "us-east-1",
                   f"arn:aws:iam::{CMS}:role/Api")
    assert not compare_snapshots(snap(), snap(compute=(task,)))
    definition = Compute("ecs-task-definition", f"arn:aws:ecs:us-east-1:{CMS}:task-definition/api:2", "api", CMS,
                         "us-east-1", f"arn:aws:iam::{CMS}:role/Api")
    [drift] = compare_snapshots(snap(), snap(compute=(task, definition)))
    assert (drift.kind, drift.id, drift.status) == ("compute", definition.arn, Status.CONSOLE_CREATED)


def test_a_state_machine_is_not_compared_since_the_reviewed_side_deploys_none() -> None:
    from enjoin.snapshot import Compute

    machine = Compute("stepfunctions-state-machine", f"arn:aws:states:us-east-1:{CMS}:stateMachine:nightly",
                      "nightly", CMS, "us-east-1", f"arn:aws:iam::{CMS}:role/Workflow")
    assert not compare_snapshots(snap(), snap(compute=(machine,)))


def test_a_data_lake_administrator_added_by_hand() -> None:
    admin = f"arn:aws:iam::{CMS}:role/IceLiaison"
    [drift] = compare_snapshots(snap(), snap(lake_admins=(admin,)))
    assert (drift.kind, drift.id, drift.status, drift.account) == ("lake-admin", admin, Status.CONSOLE_CREATED, CMS)


def test_an_scp_statement_removed_at_one_level() -> None:
    guard = {"Sid": "Guard", "Effect": "Deny", "Action": "kms:PutKeyPolicy", "Resource": "*"}
    full = {"Sid": "Full", "Effect": "Allow", "Action": "*", "Resource": "*"}
    code = snap(organization=Organization(scps={CMS: ((doc(full),), (doc(full), doc(guard)))}))
    live = snap(organization=Organization(scps={CMS: ((doc(full),), (doc(full),))}))
    [drift] = compare_snapshots(code, live)
    assert (drift.kind, drift.id) == ("scp", CMS)
    assert [(c.field, [(s.change, s.sid) for s in c.statements]) for c in drift.changes] == [
        ("level[1]", [(StatementChangeKind.REMOVED, "Guard")])]


# -- clauses ---------------------------------------------------------------------------------------------------------

CASE = load_case("ca-v-hhs")
DAY = dt.date(2026, 2, 1)
CHIP = Holding("arn:aws:s3:::cms-chip-enrollment/*", "chip", ("all",), ("all",), ("name",))
START = f"arn:aws:iam::{DHS}:role/IceAnalyst"


def judged(reached: bool) -> Judgment:
    hops = (Hop(START, "s3:GetObject", "arn:aws:s3:::cms-chip-enrollment/enjoin-probe",
                (StatementRef("bucket policy of cms-chip-enrollment", 0, "DhsRead", "Allow"),), {}),)
    accesses = (Access("DHS", CHIP, START, hops, 1),) if reached else ()
    return judge(CASE, [CHIP], Reach(accesses, ()), (), DAY)


def test_severity_orders_compliant_and_not_applicable_below_indeterminate_below_violation() -> None:
    assert SEVERITY[Verdict.COMPLIANT] == SEVERITY[Verdict.NOT_APPLICABLE] < SEVERITY[Verdict.INDETERMINATE]
    assert SEVERITY[Verdict.INDETERMINATE] < SEVERITY[Verdict.VIOLATION]


def test_each_clause_on_both_sides_and_the_findings_only_live() -> None:
    code, live = judged(False), judged(True)
    clauses = {c.id: c for c in compare_judgments(code, live)}
    assert {i: (c.code, c.live, c.comparison) for i, c in clauses.items()} == {
        "DKT148-FIELDS": (Verdict.NOT_APPLICABLE, Verdict.NOT_APPLICABLE, Comparison.SAME),
        "DKT148-MEDICAL": (Verdict.NOT_APPLICABLE, Verdict.NOT_APPLICABLE, Comparison.SAME),
        "DKT148-POPULATIONS": (Verdict.NOT_APPLICABLE, Verdict.NOT_APPLICABLE, Comparison.SAME),
        "DKT148-PROGRAMS": (Verdict.COMPLIANT, Verdict.VIOLATION, Comparison.WORSE),
        "DKT98-NO-SHARING": (Verdict.NOT_APPLICABLE, Verdict.NOT_APPLICABLE, Comparison.SAME),
    }
    assert [(f.principal, f.resource) for f in clauses["DKT148-PROGRAMS"].live_only] == [
        (START, "arn:aws:s3:::cms-chip-enrollment/enjoin-probe")]
    assert clauses["DKT148-PROGRAMS"].code_only == ()
    back = {c.id: c for c in compare_judgments(live, code)}["DKT148-PROGRAMS"]
    assert (back.comparison, back.live_only, len(back.code_only)) == (Comparison.BETTER, (), 1)


def test_nothing_differs_nothing_drifted() -> None:
    same = snap(roles=(role(),))
    drift = compare(same, same, judged(False), judged(False))
    assert (drift.worse, drift.drifted, drift.resources) == (False, False, ())


def test_the_json_report_follows_its_schema() -> None:
    code = snap(roles=(role(),), keys=(key(KEY_A),), buckets=(bucket(KEY_A),))
    live = snap(roles=(role(managed_policy_arns=("arn:aws:iam::aws:policy/AdministratorAccess",)),
                       Role(f"arn:aws:iam::{CMS}:role/Helper", "Helper", CMS, TRUST)),
                keys=(key(KEY_B, policy=doc()),), buckets=(bucket(KEY_B, policy=doc(READ)),))
    drift = compare(code, live, judged(False), judged(True))
    report = to_drift_report(drift, judged(False), "the reviewed code deployed into moto", "the live accounts")
    jsonschema.Draft202012Validator.check_schema(schema())
    jsonschema.validate(report, schema(), cls=jsonschema.Draft202012Validator)
    assert (report["worse"], report["drifted"], report["counts"]) == (
        True, True, {"console-created": 1, "missing-live": 0, "changed": 3})
    assert [(r["kind"], r["status"], r["matched_by"]) for r in report["resources"]] == [
        ("role", "console-created", None), ("role", "changed", None), ("bucket", "changed", None),
        ("key", "changed", "bucket-encryption")]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**report, "worse": "yes"}, schema(), cls=jsonschema.Draft202012Validator)
