"""KMS grants a Terraform plan declares (``aws_kms_grant``): created with CreateGrant once the stack is deployed,
and read back with ListGrants.

CloudFormation has no grant type, so a translated plan carries them beside its template
(:mod:`enjoin.iac.terraform.applied`); their Ref and Fn::GetAtt (the key, a role's or user's ARN) resolve against
the deployed stack. Each grant read back must have the grantee, operations, retiring principal and constraints the
plan wrote, or deploy fails naming the plan and the address.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError  # type: ignore[import-untyped]  # botocore ships no type stubs

from enjoin.backends import Backend
from enjoin.errors import DeployError
from enjoin.iac.cloudformation.template import Scope, resolve

_COMPARED = ("GranteePrincipal", "Operations", "RetiringPrincipal", "Constraints", "Name")


def apply_grants(
    backend: Backend,
    account: str,
    region: str,
    where: str,
    requests: tuple[tuple[str, str, dict[str, Any]], ...],
    scope: Scope,
) -> None:
    """Create each grant (``(address, call, request)``, call ``kms:CreateGrant``) and check it is as written."""
    kms = backend.client("kms", account, region)
    for address, call, written in requests:
        at = f"{where}: {address}"
        if call != "kms:CreateGrant":
            raise DeployError(at, "an API call enjoin applies (kms:CreateGrant)", call)
        request = resolve(written, scope, at)
        try:
            grant_id = kms.create_grant(**request)["GrantId"]
            listed = kms.list_grants(KeyId=request["KeyId"], GrantId=grant_id).get("Grants", [])
        except ClientError as exc:
            error = exc.response.get("Error", {})
            raise DeployError(
                at, "a grant the backend creates", f"{error.get('Code')}: {error.get('Message')}"
            ) from None
        except BotoCoreError as exc:
            raise DeployError(at, "a reachable backend", str(exc)) from None
        except Exception as exc:  # in-process moto raises its own (a KeyError for a key it does not hold)
            raise DeployError(at, "a grant the backend creates", f"{type(exc).__name__}: {exc}") from None
        found = next((g for g in listed if g.get("GrantId") == grant_id), None)
        if found is None:
            raise DeployError(at, f"grant {grant_id} listed on its key", "no such grant")
        for field in _COMPARED:
            expected, actual = _normal(field, request.get(field)), _normal(field, found.get(field))
            if expected != actual:
                raise DeployError(f"{at}, {field}", repr(expected), repr(actual))


def _normal(field: str, value: Any) -> Any:
    if field == "Operations":
        return sorted(value or [])
    if field == "Constraints":
        return {k: dict(v) for k, v in (value or {}).items() if v}
    return value or None
