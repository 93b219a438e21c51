"""Organisation policies (SCPs, RCPs) a CloudFormation template writes: ``AWS::Organizations::Policy``.

The template twin of :mod:`enjoin.iac.terraform.organization`, by the same rules: a policy of ``Type``
``SERVICE_CONTROL_POLICY`` or ``RESOURCE_CONTROL_POLICY`` whose ``TargetIds`` are account ids joins each of those
accounts' own level (:mod:`enjoin.deploy.organization`), as if enjoin.yaml's ``organization:`` listed it; a policy
of a type that authorizes nothing is inert (the same table); one whose ``Content``, ``Type`` or a target is not
known from the template and its parameters (an intrinsic function other than a ``Ref`` to a parameter), or a
target that is an OU (``ou-...``) or the root (``r-...``), is unmodeled for all, named: the accounts under an OU
are not known (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-organizations-policy.html:
``TargetIds``, the ids of roots, OUs or accounts; ``Content``, a JSON object or a JSON string).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from enjoin.errors import DeployError
from enjoin.iac.cloudformation.classification import Class
from enjoin.iac.cloudformation.plan import TemplatePlan
from enjoin.iac.cloudformation.template import CfnTemplate
from enjoin.iac.terraform.organization import CodePolicy, inert_types

POLICY = "AWS::Organizations::Policy"
_TAKEN = {"SERVICE_CONTROL_POLICY": "scps", "RESOURCE_CONTROL_POLICY": "rcps"}
_SHOWN = {"scps": "SCP", "rcps": "RCP"}
_ACCOUNT = re.compile(r"^\d{12}$")
_UNKNOWN = object()


def template_policies(template: CfnTemplate, parameters: Mapping[str, Any]
                      ) -> tuple[tuple[CodePolicy, ...], dict[str, tuple[Class, str]]]:
    """The template's policies taken onto accounts' levels, and how each ``AWS::Organizations::Policy`` is
    classified instead of by classification.yaml: logical id -> (class, reason).

    Raises:
        DeployError: a ``Content`` string that is no JSON policy document, naming the template, resource and
            property.
    """
    taken: list[CodePolicy] = []
    classes: dict[str, tuple[Class, str]] = {}
    for logical_id, resource in template.resources.items():
        if resource.get("Type") != POLICY:
            continue
        props = resource.get("Properties") or {}
        verdict = _classify(template, logical_id, props, parameters)
        if isinstance(verdict, tuple):
            classes[logical_id] = verdict
            continue
        kind, document, accounts = verdict
        policies = [CodePolicy(kind, account, document, template.path, logical_id, f"{logical_id}.TargetIds")
                    for account in accounts]
        taken.extend(policies)
        classes[logical_id] = (Class.INERT, f"taken: an {_SHOWN[kind]} on the level of account "
                                            f"{', '.join(accounts)} (if enjoin.yaml's accounts: names it), as "
                                            "enjoin.yaml's organization: would")
    return tuple(taken), classes


def reclassified(planned: TemplatePlan, parameters: Mapping[str, Any]) -> TemplatePlan:
    """The plan of a template (its conditions chosen) with each ``AWS::Organizations::Policy`` classified as
    :func:`template_policies` says, instead of by the classification's fallback row."""
    _, classes = template_policies(planned.template, parameters)
    if not classes:
        return planned
    declared = []
    for d in planned.declared:
        if d.logical_id in classes and d.prop is None:
            klass, reason = classes[d.logical_id]
            d = replace(d, klass=klass, reason=reason,
                        affects=frozenset({"all"}) if klass is Class.UNMODELED else frozenset())
        declared.append(d)
    return replace(planned, declared=tuple(declared))


def _classify(template: CfnTemplate, logical_id: str, props: Mapping[str, Any], parameters: Mapping[str, Any]
              ) -> tuple[Class, str] | list[Any]:
    policy_type = _value(props.get("Type"), parameters)
    if not isinstance(policy_type, str):
        return Class.UNMODELED, f"{POLICY} left out: Type {_shown(props.get('Type'))} is not known from the template"
    inert = inert_types()
    if policy_type in inert:
        return Class.INERT, f"a {policy_type}: {inert[policy_type]}"
    if policy_type not in _TAKEN:
        return Class.UNMODELED, f"{POLICY} left out: type {policy_type} is not a type enjoin knows"
    raw_targets = props.get("TargetIds") or []
    targets = [_value(t, parameters) for t in raw_targets] if isinstance(raw_targets, list) else [_UNKNOWN]
    flat = [t for item in targets for t in (item if isinstance(item, list) else [item])]
    unknown = [raw for raw, t in zip(raw_targets if isinstance(raw_targets, list) else [raw_targets], targets,
                                     strict=False) if t is _UNKNOWN or not isinstance(t, str | list)]
    if unknown:
        return Class.UNMODELED, (f"{POLICY} left out: TargetIds {', '.join(_shown(u) for u in unknown)} not known "
                                 "from the template: which accounts it is on is not known")
    others = [t for t in flat if not (isinstance(t, str) and _ACCOUNT.match(t))]
    if others:
        return Class.UNMODELED, (f"{POLICY} left out: TargetIds {', '.join(map(str, others))} (an OU or the root): "
                                 "the accounts under it are not known, so the levels it joins are not either")
    content = props.get("Content")
    where = template.where(logical_id, "Content")
    if isinstance(content, str):
        try:
            content = json.loads(content)
        except json.JSONDecodeError as exc:
            raise DeployError(where, "a policy document in JSON",
                              f"{exc.msg} (line {exc.lineno} of the document)") from None
    if _has_intrinsic(content):
        return Class.UNMODELED, f"{POLICY} left out: Content computed by intrinsic functions: the policy is not known"
    if not isinstance(content, dict) or "Statement" not in content:
        raise DeployError(where, "a policy document with a Statement", repr(content)[:200])
    if not flat:
        return Class.INERT, f"an {_SHOWN[_TAKEN[policy_type]]} this template attaches to nothing: on no level"
    return [_TAKEN[policy_type], content, [str(t) for t in flat]]


def _value(value: Any, parameters: Mapping[str, Any]) -> Any:
    """A literal, or a parameter's value through ``Ref``; anything else is not known here."""
    if isinstance(value, dict):
        if set(value) == {"Ref"} and isinstance(value["Ref"], str) and value["Ref"] in parameters:
            return parameters[value["Ref"]]
        return _UNKNOWN
    return value


def _has_intrinsic(value: Any) -> bool:
    if isinstance(value, dict):
        return any(k == "Ref" or k.startswith("Fn::") or _has_intrinsic(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_intrinsic(v) for v in value)
    return False


def _shown(value: Any) -> str:
    return json.dumps(value, sort_keys=True) if not isinstance(value, str) else value
