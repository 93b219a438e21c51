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
from enjoin.iac.cloudformation.template import CfnTemplate, Scope, evaluate_conditions, resolve, substitute
from enjoin.iac.cloudformation.types import SUPPORTED, attribute, name_in, partition_of, physical_id_of

# moto stores a Lambda permission as a malformed statement (a random Sid, a FunctionName key);
# deploy_compute adds each itself, so moto never sees them.
WITHHELD_FROM_BACKEND = frozenset({"AWS::Lambda::Permission"})


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
    template: CfnTemplate,
    parameters: dict[str, Any],
    imports: dict[str, str],
    name: str,
    account: str,
    region: str,
) -> tuple[dict[str, Any], Any]:
    """What Ref and Fn::GetAtt return for the resources moto does not create, known before creating the stack.

    moto's CloudFormation exports a Ref to a resource it skips unresolved, and fails on an Fn::GetAtt of
    one; deploy hands it these values instead. A resource whose name depends on what only the created
    stack tells (a resource moto creates, AWS::StackId) is left out, and moto sees it as written.
    """
    resources = template.resources
    refs: dict[str, Any] = {}
    try:
        conditions = evaluate_conditions(
            template,
            Scope(template, parameters, pseudo_parameters(name, account, region), {}, no_attr, imports),
        )
    except DeployError:
        return refs, no_attr
    scope = Scope(
        template, parameters, pseudo_parameters(name, account, region), refs, no_attr, imports, conditions
    )
    raw = {lid: r.get("Properties") or {} for lid, r in resources.items()}
    for logical_id, resource in resources.items():
        rtype = resource["Type"]
        if SUPPORTED[rtype].created_by_moto or not conditions.get(resource.get("Condition", ""), True):
            continue
        try:
            refs[logical_id] = own_physical_id(
                rtype, logical_id, raw[logical_id], scope, name, account, region
            )
        except DeployError:
            continue

    def attr(logical_id: str, name_: str) -> Any:
        props = raw[logical_id]
        known = {"VpcConfiguration": props.get("VpcConfiguration")}  # IAM types (Path) are moto's
        return attribute(resources[logical_id]["Type"], refs[logical_id], known, name_, account, region)

    return refs, attr


def create_body(
    template: CfnTemplate, known_refs: dict[str, Any] | None = None, known_attr: Any = None
) -> str:
    """The template's body as JSON for the backend: withheld types removed, known references in place."""
    body = copy.deepcopy(template.body)
    for resource in body["Resources"].values():
        if resource["Type"] == "AWS::KMS::Key" and isinstance(resource.get("Properties"), dict):
            # moto 5.2 loses every Fn::GetAtt on a key created with Tags; deploy_fixups tags it after.
            resource["Properties"].pop("Tags", None)
        if resource["Type"] in ("AWS::IAM::ManagedPolicy", "AWS::IAM::Policy") and isinstance(
            resource.get("Properties"), dict
        ):
            # moto would attach to groups it never creates, and fail; deploy_fixups attaches them after.
            resource["Properties"].pop("Groups", None)
    withheld = {lid for lid, r in body["Resources"].items() if r["Type"] in WITHHELD_FROM_BACKEND}
    for lid in withheld:
        del body["Resources"][lid]
    for resource in body["Resources"].values():
        depends = resource.get("DependsOn")
        if isinstance(depends, str) and depends in withheld:
            del resource["DependsOn"]
        elif isinstance(depends, list):
            resource["DependsOn"] = [d for d in depends if d not in withheld]
    if known_refs:
        body = substitute(body, known_refs, known_attr or no_attr)
    return json.dumps(body)
