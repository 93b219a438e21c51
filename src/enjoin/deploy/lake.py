"""The data catalog, Lake Formation and Athena: applied through their APIs and verified.

moto 5.2.1's CloudFormation creates none of AWS::Glue::Database, AWS::Glue::Table, the
AWS::LakeFormation types or AWS::Athena::WorkGroup (pinned by tests/test_deploy.py); its APIs hold
them all, column grants included, so deploy creates each resource itself and reads it back.

Lake Formation's defaults are applied as AWS applies them, because moto does not: a new database
takes the account's ``CreateTableDefaultPermissions`` (the data lake settings at that moment) unless
its ``DatabaseInput`` gives its own, and the database's ``CreateDatabaseDefaultPermissions`` grant;
a new table gets its database's ``CreateTableDefaultPermissions`` as grants. With AWS's initial
settings that is ``ALL`` to ``IAM_ALLOWED_PRINCIPALS`` ("use only IAM access control"); a template
that puts AWS::LakeFormation::DataLakeSettings with empty defaults before its tables (deploy applies
settings first within a stack) gets tables governed by Lake Formation grants alone.

Grants: AWS::LakeFormation::PrincipalPermissions and the older AWS::LakeFormation::Permissions, on a
database, a table (or every table: ``TableWildcard``), a table's columns (``ColumnNames`` or
``ColumnWildcard`` with ``ExcludedColumnNames``) or a data location. Grants on LF-tags, LF-tag
policies and data cells filters are refused (DeployError): the snapshot cannot hold them yet.
A catalog other than the stack's own account is refused too.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from enjoin.deploy.context import ApplyContext, VerifyContext, canon
from enjoin.errors import DeployError
from enjoin.iac.cloudformation.types import tags_of

_ABSENT = frozenset({"EntityNotFoundException"})
# AWS::LakeFormation::Permissions (older) names its resources differently from the API.
_LEGACY_RESOURCES = {
    "DatabaseResource": "Database",
    "TableResource": "Table",
    "TableWithColumnsResource": "TableWithColumns",
    "DataLocationResource": "DataLocation",
}
_RESOURCES = frozenset({"Database", "Table", "TableWithColumns", "DataLocation"})


def _catalog(ctx: ApplyContext | VerifyContext, given: Any, prop: str) -> str:
    account = ctx.stack.account
    if given is not None and str(given) != account:
        raise DeployError(
            ctx.stack.template.where(ctx.logical_id, prop),
            f"the data catalog of the stack's own account ({account})",
            str(given),
        )
    return account


def _settings(ctx: ApplyContext) -> None:
    lf = ctx.client("lakeformation")
    current = ctx.call("Admins", lf.get_data_lake_settings)["DataLakeSettings"]
    wanted = dict(current)
    if "Admins" in ctx.props:
        wanted["DataLakeAdmins"] = ctx.props["Admins"]
    for prop in (
        "CreateDatabaseDefaultPermissions",
        "CreateTableDefaultPermissions",
        "TrustedResourceOwners",
    ):
        if prop in ctx.props:
            wanted[prop] = ctx.props[prop]
    ctx.call("Admins", lf.put_data_lake_settings, DataLakeSettings=wanted)


def _verify_settings(c: VerifyContext) -> None:
    found = c.read("Admins", c.client("lakeformation").get_data_lake_settings)["DataLakeSettings"]
    if "Admins" in c.props:
        c.equal("Admins", c.props["Admins"], found.get("DataLakeAdmins", []))
    for prop in (
        "CreateDatabaseDefaultPermissions",
        "CreateTableDefaultPermissions",
        "TrustedResourceOwners",
    ):
        if prop in c.props:
            c.equal(prop, c.props[prop], found.get(prop, []))


def _database(ctx: ApplyContext) -> None:
    glue, lf = ctx.client("glue"), ctx.client("lakeformation")
    catalog = _catalog(ctx, ctx.props.get("CatalogId"), "CatalogId")
    name = ctx.physical_id
    if ctx.exists(glue.get_database, _ABSENT, CatalogId=catalog, Name=name) is not None:
        return
    settings = ctx.call("DatabaseInput", lf.get_data_lake_settings)["DataLakeSettings"]
    database_input = dict(ctx.props["DatabaseInput"])
    database_input.setdefault(
        "CreateTableDefaultPermissions", settings.get("CreateTableDefaultPermissions", [])
    )
    ctx.call("DatabaseInput", glue.create_database, CatalogId=catalog, DatabaseInput=database_input)
    resource = {"Database": {"CatalogId": catalog, "Name": name}}
    for default in settings.get("CreateDatabaseDefaultPermissions", []):
        ctx.call("DatabaseInput", lf.grant_permissions, Resource=resource, **_grant_of(default))


def _verify_database(c: VerifyContext) -> None:
    catalog = _catalog(c, c.props.get("CatalogId"), "CatalogId")
    found = c.read("DatabaseInput", c.client("glue").get_database, CatalogId=catalog, Name=c.physical_id)
    c.subset("DatabaseInput", c.props["DatabaseInput"], found["Database"])


def _table(ctx: ApplyContext) -> None:
    glue, lf = ctx.client("glue"), ctx.client("lakeformation")
    catalog = _catalog(ctx, ctx.props.get("CatalogId"), "CatalogId")
    database, name = ctx.props["DatabaseName"], ctx.physical_id
    if ctx.exists(glue.get_table, _ABSENT, CatalogId=catalog, DatabaseName=database, Name=name) is not None:
        return
    ctx.call(
        "TableInput",
        glue.create_table,
        CatalogId=catalog,
        DatabaseName=database,
        TableInput=ctx.props["TableInput"],
    )
    parent = ctx.call("DatabaseName", glue.get_database, CatalogId=catalog, Name=database)["Database"]
    resource = {"Table": {"CatalogId": catalog, "DatabaseName": database, "Name": name}}
    for default in parent.get("CreateTableDefaultPermissions", []):
        ctx.call("TableInput", lf.grant_permissions, Resource=resource, **_grant_of(default))


def _verify_table(c: VerifyContext) -> None:
    catalog = _catalog(c, c.props.get("CatalogId"), "CatalogId")
    found = c.read(
        "TableInput",
        c.client("glue").get_table,
        CatalogId=catalog,
        DatabaseName=c.props["DatabaseName"],
        Name=c.physical_id,
    )
    c.subset("TableInput", c.props["TableInput"], found["Table"])


def _grant_of(default: Mapping[str, Any]) -> dict[str, Any]:
    return {"Principal": default["Principal"], "Permissions": list(default.get("Permissions", []))}


def _location(ctx: ApplyContext) -> None:
    lf, props = ctx.client("lakeformation"), ctx.props
    if ctx.exists(lf.describe_resource, _ABSENT, ResourceArn=props["ResourceArn"]) is not None:
        return
    register: dict[str, Any] = {"ResourceArn": props["ResourceArn"]}
    if "UseServiceLinkedRole" in props:
        register["UseServiceLinkedRole"] = bool(props["UseServiceLinkedRole"])
    if "RoleArn" in props:
        register["RoleArn"] = props["RoleArn"]
    ctx.call("ResourceArn", lf.register_resource, **register)


def _verify_location(c: VerifyContext) -> None:
    found = c.read(
        "ResourceArn", c.client("lakeformation").describe_resource, ResourceArn=c.props["ResourceArn"]
    )
    if "RoleArn" in c.props:
        c.equal("RoleArn", c.props["RoleArn"], found["ResourceInfo"].get("RoleArn"))


def check_grant(rtype: str, props: Mapping[str, Any], where: str) -> None:
    """Before deploying: a grant's resource must be one the snapshot can hold.

    Raises:
        DeployError: an LF-tag, LF-tag policy or data cells filter grant (or several resources at once).
    """
    resource = props.get("Resource")
    kinds = (
        {_LEGACY_RESOURCES.get(str(k), str(k)) for k in resource}
        if isinstance(resource, Mapping)
        else {repr(resource)}
    )
    if len(kinds) != 1 or not kinds <= _RESOURCES:
        raise DeployError(
            f"{where}, property Resource",
            f"one resource among {', '.join(sorted(_RESOURCES))} (not LF-tags, not data cells filters)",
            str(sorted(kinds)),
        )


def api_grant(rtype: str, props: Mapping[str, Any], account: str, where: str) -> dict[str, Any]:
    """A grant resource's properties as Lake Formation's GrantPermissions takes them.

    Raises:
        DeployError: a resource kind enjoin cannot represent, or another account's catalog.
    """
    if rtype == "AWS::LakeFormation::Permissions":
        principal = props["DataLakePrincipal"]
        resources = {_LEGACY_RESOURCES.get(k, k): v for k, v in props["Resource"].items()}
    else:
        principal = props["Principal"]
        resources = dict(props["Resource"])
        if "Catalog" in props and str(props["Catalog"]) != account:
            raise DeployError(
                f"{where}, property Catalog", f"the stack's own account ({account})", str(props["Catalog"])
            )
    if len(resources) != 1 or not set(resources) <= _RESOURCES:
        raise DeployError(
            f"{where}, property Resource",
            f"one resource among {', '.join(sorted(_RESOURCES))} (not LF-tags, not data cells filters)",
            str(sorted(resources)),
        )
    ((kind, value),) = resources.items()
    value = dict(value)
    if kind == "DataLocation" and "S3Resource" in value:  # the older type's name for it
        value["ResourceArn"] = value.pop("S3Resource")
    catalog = str(value.get("CatalogId", account))
    if catalog != account:
        raise DeployError(f"{where}, property Resource", f"the stack's own catalog ({account})", catalog)
    value["CatalogId"] = catalog
    grant: dict[str, Any] = {
        "Principal": dict(principal),
        "Resource": {kind: value},
        "Permissions": list(props["Permissions"]),
    }
    if "PermissionsWithGrantOption" in props:
        grant["PermissionsWithGrantOption"] = list(props["PermissionsWithGrantOption"])
    return grant


def _permissions(ctx: ApplyContext) -> None:
    where = ctx.stack.template.where(ctx.logical_id)
    grant = api_grant(ctx.stack.types[ctx.logical_id], ctx.props, ctx.stack.account, where)
    ctx.call("Permissions", ctx.client("lakeformation").grant_permissions, **grant)


def _verify_permissions(c: VerifyContext) -> None:
    grant = api_grant(c.type, c.props, c.stack.account, c.stack.template.where(c.logical_id))
    listed = _all_permissions(c)
    for entry in listed:
        same = canon(entry.get("Principal")) == canon(grant["Principal"])
        same = same and canon(entry.get("Resource")) == canon(grant["Resource"])
        if same and set(grant["Permissions"]) <= set(entry.get("Permissions", [])):
            return
    raise c.fail(
        "Permissions", grant, [e for e in listed if canon(e.get("Principal")) == canon(grant["Principal"])]
    )


def _all_permissions(c: VerifyContext) -> list[dict[str, Any]]:
    lf = c.client("lakeformation")
    out: list[dict[str, Any]] = []
    token: str | None = None
    while True:
        page = c.read("Permissions", lf.list_permissions, **({"NextToken": token} if token else {}))
        out.extend(page.get("PrincipalResourcePermissions", []))
        token = page.get("NextToken")
        if not token:
            return out


def _workgroup(ctx: ApplyContext) -> None:
    athena, name, props = ctx.client("athena"), ctx.physical_id, ctx.props
    # moto answers an unknown work group with an empty response, AWS with InvalidRequestException.
    existing = ctx.exists(athena.get_work_group, frozenset({"InvalidRequestException"}), WorkGroup=name)
    if not (existing or {}).get("WorkGroup"):
        create: dict[str, Any] = {"Name": name}
        if "Description" in props:
            create["Description"] = props["Description"]
        if "WorkGroupConfiguration" in props:
            create["Configuration"] = props["WorkGroupConfiguration"]
        if props.get("Tags"):
            create["Tags"] = [{"Key": k, "Value": v} for k, v in tags_of(props["Tags"]).items()]
        ctx.call("Name", athena.create_work_group, **create)
    if props.get("State", "ENABLED") != "ENABLED":
        ctx.call("State", athena.update_work_group, WorkGroup=name, State=props["State"])


def _verify_workgroup(c: VerifyContext) -> None:
    athena, name = c.client("athena"), c.physical_id
    found = c.read("Name", athena.get_work_group, WorkGroup=name).get("WorkGroup")
    if not found:
        raise c.fail("Name", f"a work group {name}", "none")
    c.equal("State", c.props.get("State", "ENABLED"), found.get("State"))
    if "Description" in c.props:
        c.equal("Description", c.props["Description"], found.get("Description"))
    if "WorkGroupConfiguration" in c.props:
        c.subset(
            "WorkGroupConfiguration", c.props["WorkGroupConfiguration"], found.get("Configuration") or {}
        )
    if c.props.get("Tags"):  # moto 5.2.1 cannot list the tags of a work group created without any
        arn = f"arn:aws:athena:{c.stack.region}:{c.stack.account}:workgroup/{name}"
        tags = c.read("Tags", athena.list_tags_for_resource, ResourceARN=arn).get("Tags", [])
        c.tags(c.props["Tags"], tags_of(tags))


APPLIERS: dict[str, Callable[[ApplyContext], None]] = {
    "AWS::LakeFormation::DataLakeSettings": _settings,
    "AWS::Glue::Database": _database,
    "AWS::Glue::Table": _table,
    "AWS::LakeFormation::Resource": _location,
    "AWS::LakeFormation::Permissions": _permissions,
    "AWS::LakeFormation::PrincipalPermissions": _permissions,
    "AWS::Athena::WorkGroup": _workgroup,
}
VERIFIERS: dict[str, Callable[[VerifyContext], None]] = {
    "AWS::LakeFormation::DataLakeSettings": _verify_settings,
    "AWS::Glue::Database": _verify_database,
    "AWS::Glue::Table": _verify_table,
    "AWS::LakeFormation::Resource": _verify_location,
    "AWS::LakeFormation::Permissions": _verify_permissions,
    "AWS::LakeFormation::PrincipalPermissions": _verify_permissions,
    "AWS::Athena::WorkGroup": _verify_workgroup,
}
