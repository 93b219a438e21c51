"""The template body deploy hands to the backend's CloudFormation, and what it knows before creating.

moto 5.2.1's CloudFormation skips some resource types (see :mod:`enjoin.deploy`) but still resolves
references to them, wrongly: it exports a Ref to a skipped resource unresolved and fails on an
Fn::GetAtt of one. Deploy computes what those resources' Ref and Fn::GetAtt return (their physical
ids are formed from their names, as AWS forms them) and hands moto the body with those values in
place (:func:`precomputed`, :func:`create_body`). The body also drops what moto would store
malformed or fail on: Tags of a KMS key, Groups of a managed policy, an AWS::Lambda::Permission;
deploy applies those itself afterwards.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from enjoin.errors import DeployError
from enjoin.iac.cloudformation.plan import TemplatePlan
from enjoin.iac.cloudformation.template import Scope, resolve, substitute
from enjoin.iac.cloudformation.types import SUPPORTED, attribute, name_in, partition_of, physical_id_of, placeholder


def no_attr(resource: str, attribute_name: str) -> Any:
    """The attribute lookup of a scope that knows none."""
    raise KeyError(f"{resource}.{attribute_name}")


def pseudo_parameters(name: str, account: str, region: str) -> dict[str, str]:
    """The pseudo parameters but AWS::StackId, which only the created stack tells."""
    return {
        "AWS::AccountId": account,
        "AWS::Region": region,
        "AWS::Partition": partition_of(region),
        "AWS::StackName": name,
        "AWS::URLSuffix": "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com",
    }


def own_physical_id(
    rtype: str, logical_id: str, raw: dict[str, Any], scope: Scope, stack: str, account: str, region: str
) -> str:
    """The physical id of a resource moto does not create, from its (resolved) name property."""
    written = name_in(raw, SUPPORTED[rtype].name_property)
    physical_name = resolve(written, scope, f"resource {logical_id}") if written is not None else None
    url = raw.get("Url")  # an OIDC provider's ARN is formed from its Url
    id_props = {"Url": resolve(url, scope, f"resource {logical_id}")} if url is not None else {}
    return physical_id_of(rtype, logical_id, stack, physical_name, id_props, account, region)


def precomputed(
    plan: TemplatePlan,
    parameters: dict[str, Any],
    imports: dict[str, Any],
    name: str,
    account: str,
    region: str,
) -> tuple[dict[str, Any], Any]:
    """What Ref and Fn::GetAtt return for every resource moto does not create, known before creating the stack.

    Modeled resources enjoin creates itself get their physical ids formed from their names, as AWS forms
    them (a name that depends on what only the created stack tells falls back to ``stack-LogicalId``);
    resources enjoin does not deploy get ``stack-LogicalId``, and their attributes the values of
    :func:`~enjoin.iac.cloudformation.types.placeholder`. moto's CloudFormation would export a Ref to a
    resource it skips unresolved, and fail on an Fn::GetAtt of one: deploy hands it these values instead.
    """
    template = plan.template
    resources = template.resources
    refs: dict[str, Any] = {}
    scope = Scope(template, parameters, pseudo_parameters(name, account, region), refs, no_attr, imports, {})
    raw = {lid: r.get("Properties") or {} for lid, r in resources.items()}
    for logical_id, resource in resources.items():
        rtype = str(resource["Type"])
        if logical_id in plan.modeled:
            if SUPPORTED[rtype].created_by_moto:
                continue
            try:
                refs[logical_id] = own_physical_id(rtype, logical_id, raw[logical_id], scope, name, account, region)
                continue
            except DeployError:
                pass
        refs[logical_id] = generic_physical_id(logical_id, name)

    def attr(logical_id: str, name_: str) -> Any:
        rtype = str(resources[logical_id]["Type"])
        props = raw[logical_id] if logical_id in plan.modeled else {}
        known = {"VpcConfiguration": props.get("VpcConfiguration")}  # IAM types (Path) are moto's
        try:
            return attribute(rtype, refs[logical_id], known, name_, account, region)
        except KeyError:
            return placeholder(rtype, refs[logical_id], name_, account, region)

    return refs, attr


def create_body(
    plan: TemplatePlan,
    handed: set[str],
    known_refs: dict[str, Any],
    known_attr: Any,
    imports: dict[str, Any],
) -> str:
    """The body handed to the backend's CloudFormation, as JSON.

    Only the resources in ``handed`` (modeled, created by moto), each with only its modeled properties
    and its DependsOn on other handed resources; no Conditions, Outputs or other resource attributes
    (conditions are already chosen, outputs and exports enjoin resolves itself). References to what moto
    does not create, and Fn::ImportValue, are replaced by their values.
    """
    template = plan.template
    body: dict[str, Any] = {
        k: copy.deepcopy(v)
        for k, v in template.body.items()
        if k in ("AWSTemplateFormatVersion", "Parameters", "Mappings")
    }
    resources: dict[str, Any] = {}
    for logical_id, resource in template.resources.items():
        if logical_id not in handed:
            continue
        rtype = str(resource["Type"])
        props = {
            k: copy.deepcopy(v) for k, v in (resource.get("Properties") or {}).items() if k in plan.modeled[logical_id]
        }
        if rtype == "AWS::KMS::Key":
            props.pop("Tags", None)  # moto 5.2 loses every Fn::GetAtt on a key created with Tags; fixups tag it
        if rtype in ("AWS::IAM::ManagedPolicy", "AWS::IAM::Policy"):
            props.pop("Groups", None)  # moto would attach to groups it never creates, and fail; fixups attach
        if rtype == "AWS::Lambda::Function":
            # Code in S3 or an image would be fetched; reach reads only the role the code runs as.
            props["Code"] = {"ZipFile": "def handler(event, context):\n    return None\n"}
        kept: dict[str, Any] = {"Type": rtype, "Properties": props}
        depends = resource.get("DependsOn")
        depends = [depends] if isinstance(depends, str) else depends if isinstance(depends, list) else []
        depends = [d for d in depends if d in handed]
        if depends:
            kept["DependsOn"] = depends
        resources[logical_id] = kept
    body["Resources"] = resources
    body = substitute(body, known_refs, known_attr or no_attr)
    return json.dumps(_imported(body, imports))


def generic_physical_id(logical_id: str, stack: str) -> str:
    """The physical id enjoin gives a resource it does not deploy: CloudFormation's ``stack-LogicalId`` form."""
    return f"{stack}-{logical_id}"[:128]


def _imported(value: Any, imports: dict[str, Any]) -> Any:
    """``value`` with each Fn::ImportValue of a literal export name replaced by the exported value."""
    if isinstance(value, list):
        return [_imported(v, imports) for v in value]
    if not isinstance(value, dict):
        return value
    if len(value) == 1 and "Fn::ImportValue" in value and isinstance(value["Fn::ImportValue"], str):
        name = value["Fn::ImportValue"]
        return imports.get(name, value)
    return {k: _imported(v, imports) for k, v in value.items()}
