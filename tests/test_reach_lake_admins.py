"""Lake Formation data lake administrators (enjoin.reach_tables): one may grant itself SELECT on any table of its
account's catalog, and a principal allowed lakeformation:PutDataLakeSettings may make itself one. Hand-built
snapshots: IceLiaison (CMS, a principal of the party) has no Lake Formation grant on the table."""

from __future__ import annotations

from typing import Any

from enjoin.config_model import Holding, Party
from enjoin.reach import compute_reach
from enjoin.reach_model import Reach
from enjoin.snapshot import LakeFormationGrant, NamedPolicy, Role, Snapshot, Table

CMS, DHS = "111111111111", "222222222222"
LIAISON = f"arn:aws:iam::{CMS}:role/IceLiaison"
DHS_ADMIN = f"arn:aws:iam::{DHS}:role/DhsLakeAdmin"
PARTY = Party("DHS", accounts=(DHS,), principals=(LIAISON,))
TABLE = Table(f"arn:aws:glue:us-east-1:{CMS}:table/taf/demo", "taf", "demo", CMS, "us-east-1",
              ("msis_ident_num", "ssn_num", "birth_dt"))
HOLDING = Holding(TABLE.arn, "medicaid", ("all",), ("all",), ("medicaid_id", "ssn", "date_of_birth"),
                  columns={"msis_ident_num": ("medicaid_id",), "ssn_num": ("ssn",), "birth_dt": ("date_of_birth",)})
QUERY = ["lakeformation:GetDataAccess", "glue:GetTable", "athena:StartQueryExecution"]


def role(arn: str, *actions: str, deny: tuple[str, ...] = ()) -> Role:
    statements: list[dict[str, Any]] = [{"Effect": "Allow", "Action": list(actions), "Resource": "*"}]
    if deny:
        statements.append({"Effect": "Deny", "Action": list(deny), "Resource": "*"})
    policy = {"Version": "2012-10-17", "Statement": statements}
    trust = {"Version": "2012-10-17", "Statement": []}
    return Role(arn, arn.rsplit("/", 1)[1], arn.split(":")[4], trust, inline_policies=(NamedPolicy("p", policy),))


def reach(*roles: Role, admins: tuple[str, ...] = (), grants: tuple[LakeFormationGrant, ...] = ()) -> Reach:
    snap = Snapshot((CMS, DHS), roles=roles, tables=(TABLE,), lake_formation_grants=grants, lake_admins=admins)
    return compute_reach(snap, [PARTY], [HOLDING], "us-east-1")


def test_an_administrator_grants_itself_every_column() -> None:
    found = reach(role(LIAISON, *QUERY, "lakeformation:GrantPermissions"), admins=(LIAISON,))
    (access,) = found.accesses
    assert access.fields is None  # every column
    assert [h.action for h in access.hops][:2] == ["lakeformation:GrantPermissions", "athena:StartQueryExecution"]
    assert "as a data lake administrator" in access.hops[0].note


def test_a_principal_that_may_put_the_data_lake_settings_makes_itself_an_administrator() -> None:
    found = reach(role(LIAISON, *QUERY, "lakeformation:PutDataLakeSettings", "lakeformation:GrantPermissions"))
    (access,) = found.accesses
    assert [h.action for h in access.hops][:2] == ["lakeformation:PutDataLakeSettings",
                                                   "lakeformation:GrantPermissions"]
    # AWS's AWSLakeFormationDataAdmin policy denies PutDataLakeSettings: then only an administrator already may.
    denied = role(LIAISON, *QUERY, "lakeformation:*", deny=("lakeformation:PutDataLakeSettings",))
    assert reach(denied).accesses == ()
    assert len(reach(denied, admins=(LIAISON,)).accesses) == 1


def test_an_administrator_still_needs_its_iam_side() -> None:
    cases = {
        "no GrantPermissions": reach(role(LIAISON, *QUERY), admins=(LIAISON,)),
        "no GetDataAccess": reach(role(LIAISON, "lakeformation:GrantPermissions", "glue:GetTable",
                                       "athena:StartQueryExecution"), admins=(LIAISON,)),
        "read-only settings": reach(role(LIAISON, *QUERY, "lakeformation:GetDataLakeSettings")),
    }
    for case, found in cases.items():
        assert (found.accesses, found.undecided) == ((), ()), case


def test_a_column_grant_is_widened_to_the_table_by_an_administrator_only() -> None:
    grant = LakeFormationGrant(LIAISON, TABLE.arn, ("SELECT",), ("msis_ident_num",))
    (access,) = reach(role(LIAISON, *QUERY), grants=(grant,)).accesses
    assert access.fields == ("medicaid_id",)
    (access,) = reach(role(LIAISON, *QUERY, "lakeformation:GrantPermissions"), grants=(grant,),
                      admins=(LIAISON,)).accesses
    assert access.fields is None


def test_an_administrator_of_another_account_administers_its_own_catalog_only() -> None:
    found = reach(role(LIAISON, *QUERY), role(DHS_ADMIN, *QUERY, "lakeformation:*"), admins=(DHS_ADMIN,))
    assert found.accesses == ()
