"""How a principal reads a holding kept in a Glue table under Lake Formation, each step decided by the engine.

A grant of SELECT (or ALL) to the principal, its account, or IAM_ALLOWED_PRINCIPALS reaches the fields of
the granted columns, provided the IAM side allows ``lakeformation:GetDataAccess``, ``glue:GetTable`` and
``athena:StartQueryExecution`` (across accounts, the grant shared through Lake Formation is the resource
side of the first two). Used by :class:`enjoin.reach_data.Reader`.

A data lake administrator of the table's account reaches every column: "Data lake administrators can grant any
principal (including self) any permissions on Data Catalog resources" (Lake Formation Developer Guide, "Lake
Formation personas and IAM permissions reference", and "Create a data lake administrator"), by calling
``GrantPermissions``, which its IAM policies must allow as for any Lake Formation API call. A principal of that
account whose IAM policies allow ``lakeformation:PutDataLakeSettings`` may make itself an administrator first
(that is how an administrator is added; AWS's AWSLakeFormationDataAdmin policy denies it for that reason). Neither
action has a resource type in the Service Authorization Reference: both are asked on "*". Read-only
administrators cannot grant and are not administrators here.
"""

from __future__ import annotations

from collections.abc import Sequence

from enjoin.config_model import Holding
from enjoin.engine import Policy, PolicyKind, compile_policy
from enjoin.reach_edges import answer, resource_names
from enjoin.reach_graph import Graph, Node, wildcard
from enjoin.reach_model import Found, Hop
from enjoin.snapshot import Table


def is_table_holding(holding: Holding) -> bool:
    return holding.resource.startswith("arn:aws:glue:") and ":table/" in holding.resource


def tables_for(holding: Holding, tables: Sequence[Table]) -> list[Table]:
    return [t for t in tables if wildcard(holding.resource).fullmatch(t.arn)]


def read_table(graph: Graph, who: Node, holding: Holding) -> tuple[Found | None, tuple[str, ...]]:
    undecided: list[str] = []
    for table in tables_for(holding, graph.snapshot.tables):
        columns = _granted_columns(graph, who, table)
        granting: tuple[Hop, ...] = ()
        if not columns >= set(table.columns):
            administers = _grants_itself(graph, who, table, undecided)
            if administers is not None:
                granting, columns = administers, set(table.columns)
        if not columns:
            continue
        hops = _table_iam(graph, who, table, undecided)
        if hops is None:
            continue
        hops = (*granting, *hops)
        fields = _fields_of(holding, columns, table)
        note = (f"the SELECT it granted itself, on {', '.join(sorted(columns))}" if granting
                else f"Lake Formation grants SELECT on {', '.join(sorted(columns))}")
        hops = (
            *hops[:-1],
            Hop(
                hops[-1].principal,
                hops[-1].action,
                table.arn,
                hops[-1].statements,
                hops[-1].context,
                note,
            ),
        )
        return (hops, fields), tuple(undecided)
    return None, tuple(undecided)


def _granted_columns(graph: Graph, who: Node, table: Table) -> set[str]:
    columns: set[str] = set()
    for grant in graph.snapshot.lake_formation_grants:
        if grant.table != table.arn or not ({"SELECT", "ALL"} & set(grant.permissions)):
            continue
        if grant.principal == "IAM_ALLOWED_PRINCIPALS":
            # "Use only IAM access control": the principals the catalog's own account's IAM policies allow.
            # Another account reaches the table only through a Data Catalog resource policy, which a
            # template cannot declare and the snapshot does not hold (Lake Formation Developer Guide,
            # "Cross-account data sharing"; "Changing the default settings for your data lake").
            if who.account != table.account:
                continue
        elif grant.principal not in (who.arn, who.account):
            continue
        granted = set(table.columns) if grant.columns is None else set(grant.columns)
        columns |= granted - set(grant.excluded_columns)
    return columns


def _grants_itself(graph: Graph, who: Node, table: Table, undecided: list[str]) -> tuple[Hop, ...] | None:
    """The hops by which ``who`` grants itself SELECT on ``table`` as a data lake administrator of its account
    (becoming one first where it may put the data lake settings), or None."""
    hops: list[Hop] = []
    if who.account != table.account:
        return None
    if who.arn not in graph.snapshot.lake_admins:
        become = answer(graph, who, "lakeformation:PutDataLakeSettings", "*", table.account, None,
                        note="makes itself a data lake administrator")
        if not isinstance(become, Hop):
            undecided.extend(become or ())
            return None
        hops.append(become)
    grant = answer(graph, who, "lakeformation:GrantPermissions", "*", table.account, None,
                   note=f"grants itself SELECT on {table.arn} as a data lake administrator")
    if not isinstance(grant, Hop):
        undecided.extend(grant or ())
        return None
    return (*hops, grant)


def _table_iam(graph: Graph, who: Node, table: Table, undecided: list[str]) -> tuple[Hop, ...] | None:
    # Across accounts the grant (shared through Lake Formation) is the resource side of the request.
    grant: Policy | None = None
    if who.account != table.account:
        grant = compile_policy(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": who.account},
                        "Action": ["glue:GetTable", "lakeformation:GetDataAccess"],
                        "Resource": "*",
                    }
                ],
            },
            label=f"the Lake Formation grant on {table.arn}",
            kind=PolicyKind.RESOURCE,
        )
    query: Hop | None = None
    for workgroup in resource_names(
        who, f"arn:aws:athena:{table.region}:{who.account}:workgroup/", ":workgroup/", "primary"
    ):
        found = answer(graph, who, "athena:StartQueryExecution", workgroup, who.account, None)
        if isinstance(found, Hop):
            query = found
            break
        undecided.extend(found or ())
    if query is None:
        return None
    hops: list[Hop] = [query]
    for action, resource, account, policy in (
        ("glue:GetTable", table.arn, table.account, grant),
        ("lakeformation:GetDataAccess", "*", table.account, grant),
    ):
        hop = answer(graph, who, action, resource, account, policy)
        if not isinstance(hop, Hop):
            undecided.extend(hop or ())
            return None
        hops.append(hop)
    return tuple(hops)


def _fields_of(holding: Holding, columns: set[str], table: Table) -> tuple[str, ...] | None:
    if holding.columns is None or columns >= set(table.columns):
        return None
    fields: list[str] = []
    for column in sorted(columns):
        fields += holding.columns.get(column, ())
    return tuple(dict.fromkeys(fields))
