"""Inventory of the data catalog and Lake Formation: Glue tables and the grants on them, read-only.

Calls: glue get_databases and get_tables (the account's own catalog, in the inventory's region);
lakeformation list_permissions (the grants the account's catalog records, cross-account ones included) and
get_data_lake_settings (the data lake administrators, who may grant themselves anything).

A table's columns are its storage descriptor's columns followed by its partition keys (a grant may
name either). A grant is kept when it bears on reading a table's data:

- on a table (``Table``): every column (``columns`` None);
- on every table of a database (``Table`` with ``TableWildcard``): one grant per table read back;
- on some columns (``TableWithColumns``): ``ColumnNames``, or ``ColumnWildcard`` with its
  ``ExcludedColumnNames`` (every column but those).

Grants on the catalog, a database or a data location read no table data and are not kept. Grants
through LF-tags or data cells filters (row and cell filters) cannot be represented in a snapshot yet:
they are an InventoryError naming the grant, never silently dropped. Resource links (tables that point
to another catalog's table) are not tables of this catalog and are skipped; the grants that matter are
those of the catalog that owns the data.
"""

from __future__ import annotations

from typing import Any

from enjoin.errors import InventoryError
from enjoin.inventory_calls import call, pages
from enjoin.snapshot import LakeFormationGrant, Table

_UNREPRESENTABLE = frozenset({"LFTag", "LFTagPolicy", "DataCellsFilter"})
_NO_TABLE_DATA = frozenset({"Catalog", "Database", "DataLocation"})


def table_arn(region: str, catalog: str, database: str, name: str) -> str:
    """A Glue table's ARN: ``arn:aws:glue:region:account:table/database/name``."""
    partition = (
        "aws-cn" if region.startswith("cn-") else "aws-us-gov" if region.startswith("us-gov-") else "aws"
    )
    return f"arn:{partition}:glue:{region}:{catalog}:table/{database}/{name}"


def read_tables(backend: Any, account: str, region: str) -> list[Table]:
    """Every table of the account's data catalog in ``region`` (resource links skipped)."""
    glue = backend.client("glue", account, region)
    where = f"account {account}: glue in {region}"
    databases = pages(f"{where}: get_databases", glue.get_databases, "DatabaseList", CatalogId=account)
    tables = []
    for database in sorted(databases, key=lambda d: d["Name"]):
        if database.get("TargetDatabase"):  # a resource link to another catalog's database
            continue
        listed = pages(
            f"{where}: get_tables {database['Name']}",
            glue.get_tables,
            "TableList",
            CatalogId=account,
            DatabaseName=database["Name"],
        )
        for entry in sorted(listed, key=lambda t: t["Name"]):
            if entry.get("TargetTable"):
                continue
            descriptor = entry.get("StorageDescriptor") or {}
            columns = [c["Name"] for c in descriptor.get("Columns", [])]
            columns += [c["Name"] for c in entry.get("PartitionKeys", [])]
            tables.append(
                Table(
                    arn=table_arn(region, account, database["Name"], entry["Name"]),
                    database=database["Name"],
                    name=entry["Name"],
                    account=account,
                    region=region,
                    columns=tuple(columns),
                    location=descriptor.get("Location"),
                )
            )
    return tables


def read_admins(backend: Any, account: str, region: str) -> list[str]:
    """The account's data lake administrators (GetDataLakeSettings' DataLakeAdmins), sorted: each may grant
    itself any permission on the account's Data Catalog. Read-only administrators cannot grant, and are left out."""
    lf = backend.client("lakeformation", account, region)
    where = f"account {account}: lakeformation in {region}"
    settings = call(f"{where}: get_data_lake_settings", lf.get_data_lake_settings).get("DataLakeSettings") or {}
    admins = {str(a.get("DataLakePrincipalIdentifier", "")) for a in settings.get("DataLakeAdmins") or []}
    return sorted(a for a in admins if a)


def read_grants(backend: Any, account: str, region: str, tables: list[Table]) -> list[LakeFormationGrant]:
    """The Lake Formation grants on the account's tables that bear on reading their data."""
    lf = backend.client("lakeformation", account, region)
    where = f"account {account}: lakeformation in {region}"
    listed = pages(f"{where}: list_permissions", lf.list_permissions, "PrincipalResourcePermissions")
    by_database: dict[tuple[str, str], list[Table]] = {}
    for table in tables:
        by_database.setdefault((table.account, table.database), []).append(table)
    grants = []
    for entry in listed:
        principal = str((entry.get("Principal") or {}).get("DataLakePrincipalIdentifier", ""))
        permissions = tuple(entry.get("Permissions", []))
        resource = entry.get("Resource") or {}
        kinds = set(resource)
        if kinds & _UNREPRESENTABLE:
            raise InventoryError(
                f"{where}: grant to {principal}",
                "grants on tables, columns, databases, catalogs or data locations",
                f"a grant through {', '.join(sorted(kinds & _UNREPRESENTABLE))} ({resource}), which enjoin "
                "cannot represent yet",
            )
        if kinds <= _NO_TABLE_DATA:
            continue
        if "Table" in resource:
            target = resource["Table"]
            catalog = str(target.get("CatalogId", account))
            if "TableWildcard" in target:
                for table in by_database.get((catalog, target["DatabaseName"]), []):
                    grants.append(LakeFormationGrant(principal, table.arn, permissions))
            else:
                arn = table_arn(region, catalog, target["DatabaseName"], target["Name"])
                grants.append(LakeFormationGrant(principal, arn, permissions))
        elif "TableWithColumns" in resource:
            target = resource["TableWithColumns"]
            catalog = str(target.get("CatalogId", account))
            arn = table_arn(region, catalog, target["DatabaseName"], target["Name"])
            if "ColumnNames" in target:
                grants.append(LakeFormationGrant(principal, arn, permissions, tuple(target["ColumnNames"])))
            else:
                excluded = tuple((target.get("ColumnWildcard") or {}).get("ExcludedColumnNames", []))
                grants.append(LakeFormationGrant(principal, arn, permissions, None, excluded))
        else:
            raise InventoryError(
                f"{where}: grant to {principal}", "a known Lake Formation resource", str(resource)
            )
    return sorted(grants, key=lambda g: (g.table, g.principal, g.columns or (), g.excluded_columns))
