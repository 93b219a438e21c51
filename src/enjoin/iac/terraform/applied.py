"""Terraform types CloudFormation has no resource for, translated into the API request deploy makes after the stack.

``aws_kms_grant`` (https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/kms_grant: ``key_id``,
``grantee_principal``, ``operations``, ``constraints`` blocks of ``encryption_context_equals`` or
``encryption_context_subset``, ``retiring_principal``, ``name``; ``grant_creation_tokens`` and ``retire_on_delete``
only steer Terraform) becomes a KMS CreateGrant request ("CreateGrant",
https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateGrant.html): ``KeyId`` a Ref of the key's
translation (the key must be deployed by the plan, in the same account), ``GranteePrincipal`` and
``RetiringPrincipal`` the ARN written or an Fn::GetAtt Arn of a role or user the plan deploys, ``Constraints`` as
``GrantConstraints``. :mod:`enjoin.deploy.kms_grants` makes it once the stack is deployed and reads it back.

CloudFormation has no grant type, so the request never appears as a resource of any template: it rides on the
translated template (:attr:`~enjoin.iac.terraform.translate.PlanTemplate.applied`), and a CloudFormation template
cannot ask for it. A value known only after apply that is not such a reference, a key the plan does not deploy, or
more than one constraint of a kind leaves the grant unmodeled (its key's holdings INDETERMINATE).
"""

from __future__ import annotations

from typing import Any

from enjoin.iac.terraform.translate import _APPLIED, Unresolved, _blocks, _Resource, _Translation

_PRINCIPALS = ("aws_iam_role", "aws_iam_user")
_KINDS = {
    "encryption_context_equals": "EncryptionContextEquals",
    "encryption_context_subset": "EncryptionContextSubset",
}


def _create_grant(t: _Translation, r: _Resource) -> dict[str, Any]:
    key = t.target(r, "key_id", "aws_kms_key")
    if key.body is None:
        raise Unresolved("key_id", f"names {key.instance.address}, which enjoin does not deploy")
    operations = t.value(r, ("operations",))
    if not isinstance(operations, list) or not operations or not all(isinstance(o, str) for o in operations):
        raise Unresolved("operations", f"is {operations!r}, not a list of grant operations")
    request: dict[str, Any] = {
        "KeyId": {"Ref": key.logical_id},
        "GranteePrincipal": _principal(t, r, "grantee_principal"),
        "Operations": sorted(operations),
    }
    if t.value(r, ("retiring_principal",), _PRINCIPALS) not in (None, ""):
        request["RetiringPrincipal"] = _principal(t, r, "retiring_principal")
    name = t.value(r, ("name",))
    if isinstance(name, str) and name:
        request["Name"] = name
    constraints: dict[str, dict[str, str]] = {}
    for index, _ in enumerate(_blocks(r, "constraints")):
        for attribute, kind in _KINDS.items():
            pairs = t.value(r, ("constraints", index, attribute))
            if not pairs:
                continue
            if kind in constraints or not isinstance(pairs, dict):
                raise Unresolved(f"constraints.{attribute}", "is given more than once, or is not a map of strings")
            constraints[kind] = {str(k): str(v) for k, v in pairs.items()}
    if constraints:
        request["Constraints"] = constraints
    return request


def _principal(t: _Translation, r: _Resource, attribute: str) -> Any:
    value = t.value(r, (attribute,), _PRINCIPALS)
    if isinstance(value, dict) and "Ref" in value:  # a role's or user's name: the grant takes an ARN
        raise Unresolved(attribute, "refers to a name, not the ARN of a principal")
    if not (isinstance(value, str) and value.startswith("arn:")) and not isinstance(value, dict):
        raise Unresolved(attribute, f"is {value!r}, not the ARN of a principal")
    return value


_APPLIED["kms:CreateGrant"] = _create_grant
