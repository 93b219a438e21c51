"""Lake Formation, the Glue Data Catalog and Athena work groups of a Terraform plan, as their CloudFormation twins.

Each builder takes one planned instance of the AWS provider and writes the properties deploy applies for the
CloudFormation type (see :mod:`enjoin.deploy.lake`): ``aws_lakeformation_permissions`` a
``AWS::LakeFormation::PrincipalPermissions``, ``aws_lakeformation_resource`` a ``AWS::LakeFormation::Resource``,
``aws_lakeformation_data_lake_settings`` a ``AWS::LakeFormation::DataLakeSettings``, ``aws_glue_catalog_database``
an ``AWS::Glue::Database``, ``aws_glue_catalog_table`` an ``AWS::Glue::Table`` and ``aws_athena_workgroup`` an
``AWS::Athena::WorkGroup``. A grant's principal, database or table known only after apply (``aws_iam_role.x.arn``,
``aws_glue_catalog_database.x.name``) becomes ``Fn::GetAtt``/``Ref`` of that resource's translation.

What the CloudFormation classification leaves unmodeled stays so here: a grant on LF-tags, an LF-tag policy, a data
cells filter or the catalog itself leaves the grant unmodeled (INDETERMINATE for tables: the classification's
``affects``), and a flag whose twin is unmodeled (hybrid access, external data filtering...) is an unmodeled
argument of its resource when it is on (its default, off, is what AWS does without it).

Two provider behaviours decide the settings' translation (hashicorp/terraform-provider-aws,
internal/service/lakeformation/data_lake_settings.go): it sends the whole ``DataLakeSettings`` to
PutDataLakeSettings, leaving out a default-permissions list that has no block, and AWS documents that leaving
``CreateDatabaseDefaultPermissions`` and ``CreateTableDefaultPermissions`` out "is equivalent to passing empty
lists" (https://docs.aws.amazon.com/lake-formation/latest/dg/change-settings.html). So the settings always carry
both lists, empty when the plan has no block.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from enjoin.errors import DeployError
from enjoin.iac.cloudformation.classification import Class
from enjoin.iac.terraform import translate as _t
from enjoin.iac.terraform.references import configured, expression_at, specific

if TYPE_CHECKING:
    from enjoin.iac.terraform.translate import _Resource, _Translation

_PRINCIPALS = ("aws_iam_role", "aws_iam_user")
# Grant blocks of aws_lakeformation_permissions whose CloudFormation twins (AWS::LakeFormation::Tag,
# TagAssociation, DataCellsFilter) enjoin does not model: what such a grant reaches depends on them.
_UNMODELED_GRANTS = {
    "lf_tag": "a grant on an LF-tag, which reaches every database, table and column the tag is attached to",
    "lf_tag_policy": "a grant by an LF-tag expression, which reaches every resource whose tags match it",
    "data_cells_filter": "a grant through a data cells filter, whose rows and columns enjoin does not read",
}

# What a reference to each type's attribute is in CloudFormation ("Ref" or the Fn::GetAtt attribute), the identity
# an argument takes when the reference records no attribute, and the argument holding the resource's name.
IDENTITY: dict[tuple[str, str], str] = {
    ("aws_glue_catalog_database", "name"): "Ref",
    ("aws_glue_catalog_table", "name"): "Ref",
    ("aws_athena_workgroup", "name"): "Ref",
    ("aws_athena_workgroup", "id"): "Ref",
}
CANONICAL = {"aws_glue_catalog_database": "name", "aws_glue_catalog_table": "name", "aws_athena_workgroup": "name"}
NAME = {"aws_glue_catalog_database": "name", "aws_glue_catalog_table": "name", "aws_athena_workgroup": "name"}


def _names(t: _Translation, r: _Resource, path: tuple[str | int, ...]) -> list[str]:
    """A list of names as planned (permissions, columns, account ids); anything else is an error naming the plan,
    the address and the attribute."""
    value = t.value(r, path)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise DeployError(t.plan.where(r.instance.address, _t._dotted(path)), "a list of names (strings)",
                          repr(value))
    return list(value)


def _block(t: _Translation, r: _Resource, attribute: str) -> dict[str, Any] | None:
    """The one block of a ``MaxItems: 1`` argument (a grant's ``table``), or None when the plan has none."""
    blocks = _t._blocks(r, attribute)
    if len(blocks) > 1:
        raise _t.Unresolved(attribute, f"has {len(blocks)} blocks, and the provider takes at most one")
    return blocks[0] if blocks and isinstance(blocks[0], dict) else None


def _principal(t: _Translation, r: _Resource, path: tuple[str | int, ...]) -> dict[str, Any]:
    """A ``DataLakePrincipal``: an ARN as planned, the ARN of a role or user the plan deploys, or a group name
    (IAM_ALLOWED_PRINCIPALS, ``123456789012:IAMPrincipals``)."""
    value = t.value(r, path, _PRINCIPALS)
    if isinstance(value, dict) and "Ref" in value:  # the name of a role or user, not the ARN a grant names
        raise _t.Unresolved(_t._dotted(path), "refers to a role or user by its name; a grant names its ARN")
    if not isinstance(value, (str, dict)) or not value:
        raise DeployError(t.plan.where(r.instance.address, _t._dotted(path)),
                          "a principal: an ARN, IAM_ALLOWED_PRINCIPALS or ACCOUNT:IAMPrincipals", repr(value))
    return {"DataLakePrincipalIdentifier": value}


def _on(t: _Translation, r: _Resource, attribute: str, name: str) -> bool:
    """Whether a flag the twin leaves unmodeled is on: then it is an unmodeled argument of the resource."""
    known, value = _t._at(r.instance.values, r.instance.unknown, (attribute,))
    if (known and not value) or (not known and not configured(r.instance, (attribute,))):
        return False  # off, or computed and not set: the provider sends nothing, and AWS keeps it off
    why = "is on" if known else "is known only after apply"
    r.declared.append(t._declared(r, Class.UNMODELED, f"{r.instance.type} {attribute} {why}: {name}",
                                  frozenset({"self"}), attribute))
    return True


def _permissions(t: _Translation, r: _Resource) -> None:
    for attribute, why in _UNMODELED_GRANTS.items():
        if _t._blocks(r, attribute):
            raise _t.Unresolved(attribute, f"is {why}")
    if _t._known(t, r, "catalog_resource"):
        raise _t.Unresolved("catalog_resource", "grants on the catalog itself (CREATE_DATABASE...), which deploy "
                            "does not hold")
    kinds: list[tuple[str, dict[str, Any]]] = []
    database = _block(t, r, "database")
    if database is not None:
        kinds.append(("Database", {"CatalogId": t.value(r, ("database", 0, "catalog_id")),
                                   "Name": t.value(r, ("database", 0, "name"), ("aws_glue_catalog_database",))}))
    table = _block(t, r, "table")
    if table is not None:
        value = {"CatalogId": t.value(r, ("table", 0, "catalog_id")),
                 "DatabaseName": t.value(r, ("table", 0, "database_name"), ("aws_glue_catalog_database",))}
        if t.value(r, ("table", 0, "wildcard")):
            value["TableWildcard"] = {}
        else:
            value["Name"] = t.value(r, ("table", 0, "name"), ("aws_glue_catalog_table",))
        kinds.append(("Table", value))
    columns = _block(t, r, "table_with_columns")
    if columns is not None:
        value = {"CatalogId": t.value(r, ("table_with_columns", 0, "catalog_id")),
                 "DatabaseName": t.value(r, ("table_with_columns", 0, "database_name"),
                                         ("aws_glue_catalog_database",)),
                 "Name": t.value(r, ("table_with_columns", 0, "name"), ("aws_glue_catalog_table",))}
        names = _names(t, r, ("table_with_columns", 0, "column_names"))
        excluded = _names(t, r, ("table_with_columns", 0, "excluded_column_names"))
        if t.value(r, ("table_with_columns", 0, "wildcard")):
            value["ColumnWildcard"] = {"ExcludedColumnNames": list(excluded)} if excluded else {}
        elif names:
            value["ColumnNames"] = list(names)
        else:
            raise _t.Unresolved("table_with_columns", "names no column and is no wildcard")
        kinds.append(("TableWithColumns", value))
    location = _block(t, r, "data_location")
    if location is not None:
        kinds.append(("DataLocation", {"CatalogId": t.value(r, ("data_location", 0, "catalog_id")),
                                       "ResourceArn": t.value(r, ("data_location", 0, "arn"), ("aws_s3_bucket",))}))
    if len(kinds) != 1:
        found = ", ".join(k for k, _ in kinds) or "none"
        raise _t.Unresolved("database, table, table_with_columns or data_location",
                            f"must give exactly one resource to grant on (found: {found})")
    (kind, value), = kinds
    if value.get("CatalogId") in (None, ""):
        value["CatalogId"] = t.value(r, ("catalog_id",)) or r.account  # the provider's default: its own account
    assert r.body is not None  # set while translating
    props = r.body["Properties"]
    props["Principal"] = _principal(t, r, ("principal",))
    props["Resource"] = {kind: {k: v for k, v in value.items() if v is not None}}
    props["Permissions"] = _names(t, r, ("permissions",))
    if not props["Permissions"]:
        raise DeployError(t.plan.where(r.instance.address, "permissions"), "at least one permission", "none")
    # An empty list is kept, as a grant without the grant option is written in CloudFormation.
    props["PermissionsWithGrantOption"] = _names(t, r, ("permissions_with_grant_option",))
    catalog = t.value(r, ("catalog_id",))
    if catalog:
        props["Catalog"] = catalog
    for prop, attribute in (("Principal", "principal"), ("Resource", kind_attribute(kind)),
                            ("Permissions", "permissions"),
                            ("PermissionsWithGrantOption", "permissions_with_grant_option"),
                            ("Catalog", "catalog_id")):
        if prop in props:
            r.attributes[prop] = attribute
            r.origins[prop] = (r.instance.address, (attribute,), _t._expression_text(r.instance, attribute))


def kind_attribute(kind: str) -> str:
    """The Terraform block of a CloudFormation grant resource kind."""
    return {"Database": "database", "Table": "table", "TableWithColumns": "table_with_columns",
            "DataLocation": "data_location"}[kind]


def _location(t: _Translation, r: _Resource) -> None:
    _t._set(t, r, "ResourceArn", "arn", _t._known(t, r, "arn", ("aws_s3_bucket",)))
    role = t.value(r, ("role_arn",), ("aws_iam_role",))
    if isinstance(role, dict) and "Ref" in role:
        raise _t.Unresolved("role_arn", "refers to a role by its name, not its ARN")
    _t._set(t, r, "RoleArn", "role_arn", role)
    linked = _t._known(t, r, "use_service_linked_role")
    if linked is not None:
        assert r.body is not None  # set while translating
        r.body["Properties"]["UseServiceLinkedRole"] = bool(linked)
        r.attributes["UseServiceLinkedRole"] = "use_service_linked_role"
    _on(t, r, "hybrid_access_enabled", "principals not opted in read the location's tables by IAM and S3 alone")
    _on(t, r, "with_federation", "registers the location for federated catalogs, whose grants enjoin does not read")
    _on(t, r, "with_privileged_access", "lets the caller's own credentials read the location beyond its grants")


def _defaults(t: _Translation, r: _Resource, attribute: str) -> list[dict[str, Any]]:
    return [{"Principal": {"DataLakePrincipalIdentifier": t.value(r, (attribute, i, "principal"))},
             "Permissions": _names(t, r, (attribute, i, "permissions"))}
            for i, _ in enumerate(_t._blocks(r, attribute))]


def _settings(t: _Translation, r: _Resource) -> None:
    catalog = _t._known(t, r, "catalog_id")
    if catalog not in (None, "", r.account):
        raise _t.Unresolved("catalog_id", f"names account {catalog}'s catalog, not {r.account}'s")
    admins = _principals(t, r, "admins")
    _t._set(t, r, "Admins", "admins", admins)
    assert r.body is not None  # set while translating
    for prop, attribute in (("CreateDatabaseDefaultPermissions", "create_database_default_permissions"),
                            ("CreateTableDefaultPermissions", "create_table_default_permissions")):
        r.body["Properties"][prop] = _defaults(t, r, attribute)  # no block: AWS takes an empty list
        r.attributes[prop] = attribute
    _t._set(t, r, "TrustedResourceOwners", "trusted_resource_owners",
            _names(t, r, ("trusted_resource_owners",)))
    _on(t, r, "allow_external_data_filtering", "third-party engines receive credentials for filtered data")
    _on(t, r, "allow_full_table_external_data_access", "third-party engines read whole tables unfiltered")


def _principals(t: _Translation, r: _Resource, attribute: str) -> list[dict[str, Any]]:
    """A set of principal ARNs (the administrators): as planned, or, known only after apply, the ARN of each role
    or user the expression names."""
    known, listed = _t._at(r.instance.values, r.instance.unknown, (attribute,))
    if known:
        return [{"DataLakePrincipalIdentifier": a} for a in _names(t, r, (attribute,))]
    if isinstance(listed, list) or isinstance(r.instance.values.get(attribute), list):
        values = r.instance.values.get(attribute) or []
        return [_principal(t, r, (attribute, i)) for i, _ in enumerate(values)]
    expression = expression_at(r.instance, (attribute,))
    refs = specific(expression.references) if expression else []
    found = []
    for ref in refs:
        if not ref.endswith(".arn"):
            raise _t.Unresolved(attribute, f"is known only after apply, and {ref} is not the ARN of a role or user "
                                f"({_t._refs(expression)})")
        address = f"{r.instance.module}.{ref[:-4]}" if r.instance.module else ref[:-4]
        other = t.resources.get(address)
        if other is None or other.instance.type not in _PRINCIPALS:
            raise _t.Unresolved(attribute, f"is known only after apply, and {ref} is not a role or user this plan "
                                f"deploys ({_t._refs(expression)})")
        t._ensure(other)
        if other.account != r.account or other.body is None:
            raise _t.Unresolved(attribute, f"refers to {other.instance.address}, which enjoin does not deploy "
                                f"into account {r.account}")
        found.append({"DataLakePrincipalIdentifier": {"Fn::GetAtt": [other.logical_id, "Arn"]}})
    if not found:
        raise _t.Unresolved(attribute, f"is known only after apply ({_t._refs(expression)})")
    return found


def _database(t: _Translation, r: _Resource) -> None:
    _t._set(t, r, "CatalogId", "catalog_id", _t._known(t, r, "catalog_id") or r.account)
    given: dict[str, Any] = {"Name": _t._known(t, r, "name"), "Description": _t._known(t, r, "description"),
                             "LocationUri": _t._known(t, r, "location_uri"),
                             "Parameters": _t._known(t, r, "parameters")}
    grants = []
    for i, _ in enumerate(_t._blocks(r, "create_table_default_permission")):
        principal = _t._blocks(r, "create_table_default_permission")[i].get("principal") or []
        grants.append({"Permissions": _names(t, r, ("create_table_default_permission", i, "permissions")),
                       "Principal": {"DataLakePrincipalIdentifier": t.value(
                           r, ("create_table_default_permission", i, "principal", 0,
                               "data_lake_principal_identifier"))} if principal else {}})
    if grants:  # none: the provider sends none, and the database takes the account's default (deploy applies it)
        given["CreateTableDefaultPermissions"] = grants
    _t._set(t, r, "DatabaseInput", "name", {k: v for k, v in given.items() if v not in (None, "", {})})


def _columns(t: _Translation, r: _Resource, path: tuple[str | int, ...], blocks: list[Any]) -> list[dict[str, Any]]:
    out = []
    for i, _ in enumerate(blocks):
        column = {"Name": t.value(r, (*path, i, "name")), "Type": t.value(r, (*path, i, "type")),
                  "Comment": t.value(r, (*path, i, "comment"))}
        out.append({k: v for k, v in column.items() if v not in (None, "")})
    return out


def _table(t: _Translation, r: _Resource) -> None:
    _t._set(t, r, "CatalogId", "catalog_id", _t._known(t, r, "catalog_id") or r.account)
    _t._set(t, r, "DatabaseName", "database_name", _t._known(t, r, "database_name", ("aws_glue_catalog_database",)))
    given: dict[str, Any] = {"Name": _t._known(t, r, "name"), "Description": _t._known(t, r, "description"),
                             "TableType": _t._known(t, r, "table_type"), "Owner": _t._known(t, r, "owner"),
                             "Parameters": _t._known(t, r, "parameters")}
    storage = _t._blocks(r, "storage_descriptor")
    for extra in ("additional_locations", "schema_reference"):
        if storage and isinstance(storage[0], dict) and storage[0].get(extra):
            raise _t.Unresolved(f"storage_descriptor.{extra}", "is set: the table's data or schema is read from "
                                "elsewhere, which enjoin does not model")
    if storage:
        at: tuple[str | int, ...] = ("storage_descriptor", 0)
        descriptor: dict[str, Any] = {
            "Location": t.value(r, (*at, "location")), "InputFormat": t.value(r, (*at, "input_format")),
            "OutputFormat": t.value(r, (*at, "output_format")),
            "Columns": _columns(t, r, (*at, "columns"), storage[0].get("columns") or [])}
        serde = storage[0].get("ser_de_info") or []
        if serde:
            info = {"Name": t.value(r, (*at, "ser_de_info", 0, "name")),
                    "SerializationLibrary": t.value(r, (*at, "ser_de_info", 0, "serialization_library")),
                    "Parameters": t.value(r, (*at, "ser_de_info", 0, "parameters"))}
            descriptor["SerdeInfo"] = {k: v for k, v in info.items() if v not in (None, "", {})}
        given["StorageDescriptor"] = {k: v for k, v in descriptor.items() if v not in (None, "", [], {})}
    keys = _t._blocks(r, "partition_keys")
    if keys:
        given["PartitionKeys"] = _columns(t, r, ("partition_keys",), keys)
    _t._set(t, r, "TableInput", "name", {k: v for k, v in given.items() if v not in (None, "", {})})


def _workgroup(t: _Translation, r: _Resource) -> None:
    _t._set(t, r, "Name", "name", _t._known(t, r, "name"))
    _t._set(t, r, "Description", "description", _t._known(t, r, "description"))
    state = _t._known(t, r, "state")
    _t._set(t, r, "State", "state", state if state != "ENABLED" else None)
    if _t._blocks(r, "configuration"):
        at: tuple[str | int, ...] = ("configuration", 0)
        config: dict[str, Any] = {}
        if t.value(r, (*at, "enforce_workgroup_configuration")) is not None:
            config["EnforceWorkGroupConfiguration"] = bool(t.value(r, (*at, "enforce_workgroup_configuration")))
        results = _t._blocks(r, "configuration")[0].get("result_configuration") or []
        if results:
            result: dict[str, Any] = {"OutputLocation": t.value(r, (*at, "result_configuration", 0,
                                                                     "output_location"))}
            encryption = results[0].get("encryption_configuration") or []
            if encryption:
                option = {"EncryptionOption": t.value(r, (*at, "result_configuration", 0, "encryption_configuration",
                                                          0, "encryption_option")),
                          "KmsKey": t.value(r, (*at, "result_configuration", 0, "encryption_configuration", 0,
                                                "kms_key_arn"), ("aws_kms_key",))}
                result["EncryptionConfiguration"] = {k: v for k, v in option.items() if v not in (None, "")}
            for extra in ("expected_bucket_owner", "acl_configuration"):
                if results[0].get(extra):
                    raise _t.Unresolved(f"configuration.result_configuration.{extra}",
                                        "is set, and enjoin does not model who owns or may read the results")
            config["ResultConfiguration"] = {k: v for k, v in result.items() if v not in (None, "")}
        for extra in ("execution_role", "customer_content_encryption_configuration"):
            if _t._blocks(r, "configuration")[0].get(extra):
                raise _t.Unresolved(f"configuration.{extra}", "is set, and enjoin does not model it (Spark "
                                    "calculations run as the execution role)")
        _t._set(t, r, "WorkGroupConfiguration", "configuration", config)
    _t._tags(t, r)


BUILDERS: dict[str, Callable[[_Translation, _Resource], None]] = {
    "AWS::LakeFormation::PrincipalPermissions": _permissions,
    "AWS::LakeFormation::Resource": _location,
    "AWS::LakeFormation::DataLakeSettings": _settings,
    "AWS::Glue::Database": _database,
    "AWS::Glue::Table": _table,
    "AWS::Athena::WorkGroup": _workgroup,
}

# Registered here, so that importing either module first gives translate's tables with these rows.
_t._BUILDERS.update(BUILDERS)
_t._IDENTITY.update(IDENTITY)
_t._CANONICAL.update(CANONICAL)
_t._NAME.update(NAME)
